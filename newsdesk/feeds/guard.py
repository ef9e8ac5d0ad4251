"""SSRF guard: refuse hosts that resolve to addresses a desk has no business fetching.

The check runs on every hop of a redirect chain, after DNS resolution, and
refuses the host if *any* of its addresses is loopback, private, link-local,
multicast, reserved or unspecified (IPv4-mapped IPv6 included). A resolver
that answers differently between this check and the connection (DNS
rebinding) is not covered; the window is one request, and the desk should run
behind an egress proxy where that matters.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
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


def check_url(url: str, *, allow_private: bool, resolver: Resolver = socket.getaddrinfo) -> None:
    """Raise BlockedAddress if ``url``'s host resolves to a refused address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"{url}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise BlockedAddress(f"{url}: no host in URL")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = resolver(host, port, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedError(f"{url}: cannot resolve host {host!r}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        reason = _refused(address)
        if reason:
            raise BlockedAddress(
                f"{url}: host {host!r} resolves to {reason} address {address}; "
                "set fetch.allow_private_networks to allow it"
            )
