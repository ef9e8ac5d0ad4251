"""SSRF guard: refuse hosts that resolve to addresses a desk has no business fetching.

The check runs on every hop of a redirect chain, after DNS resolution, and
refuses the host if *any* of its addresses is loopback, private, link-local,
multicast, reserved or unspecified (IPv4-mapped IPv6 included). It returns the
address it approved, and the fetcher connects to exactly that address
(``pinning.py``), so a resolver that answers differently a second time (DNS
rebinding) is never asked a second time.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from newsdesk.errors import BlockedAddress, FeedError

Resolver = Callable[..., list[tuple[Any, ...]]]


def _refused(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for label in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
        if getattr(addr, f"is_{label}"):
            return label.replace("_", "-")
    return None


@dataclass(frozen=True)
class Approved:
    """Where a URL may be fetched from: its host, port and the addresses to connect to."""

    host: str
    port: int
    addresses: tuple[str, ...]


def check_url(
    url: str, *, allow_private: bool, resolver: Resolver = socket.getaddrinfo
) -> Approved:
    """The addresses to fetch ``url`` from; BlockedAddress if its host resolves to a refused one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"{url}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise BlockedAddress(f"{url}: no host in URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = resolver(host, port, 0, socket.SOCK_STREAM)
    except ValueError as exc:
        raise FeedError(f"{url}: bad port: {exc}") from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedError(f"{url}: cannot resolve host {host!r}: {exc}") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FeedError(f"{url}: host {host!r} has no address")
    if not allow_private:
        for address in addresses:
            reason = _refused(address)
            if reason:
                raise BlockedAddress(
                    f"{url}: host {host!r} resolves to {reason} address {address}; "
                    "set fetch.allow_private_networks to allow it"
                )
    return Approved(host, port, tuple(dict.fromkeys(str(a) for a in addresses)))
