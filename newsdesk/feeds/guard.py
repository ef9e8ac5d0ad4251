"""SSRF guard: refuse hosts that resolve to addresses a desk has no business fetching.

The check runs on every hop of a redirect chain, after DNS resolution, and
refuses the host if *any* of its addresses is not globally routable: loopback,
private, link-local, multicast, reserved, unspecified, shared address space
(100.64.0.0/10, where Alibaba Cloud's metadata service 100.100.100.200 lives),
the IETF protocol block 192.0.0.0/24 (Oracle Cloud's 192.0.0.192), documentation
and benchmarking ranges — everything :attr:`ipaddress.IPv4Address.is_global`
rejects, plus that block, which Python 3.11 still calls global. IPv6 addresses
that a relay delivers to an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, 6to4
``2002::/16``, NAT64 ``64:ff9b::/96``) are judged by that IPv4 address;
IPv4-compatible ``::a.b.c.d``, Teredo ``2001::/32`` and the local-use NAT64
prefix ``64:ff9b:1::/48`` are refused outright. It returns the address it
approved, and the fetcher connects to exactly that address (``pinning.py``), so
a resolver that answers differently a second time (DNS rebinding) is never
asked a second time.
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


_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LABELS = ("loopback", "link_local", "multicast", "unspecified", "private", "reserved")
# Not globally routable, but Python 3.11's is_global says otherwise (fixed in 3.12.4+).
_IETF_PROTOCOL = ipaddress.ip_network("192.0.0.0/24")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def _label(addr: _IPAddress) -> str | None:
    for label in _LABELS:
        if getattr(addr, f"is_{label}"):
            return label.replace("_", "-")
    if addr in _IETF_PROTOCOL or addr in _LOCAL_NAT64:
        return "special-purpose"
    if not addr.is_global:
        return "non-global"
    return None


def _refused(addr: _IPAddress) -> str | None:
    """Why ``addr`` may not be fetched from, or None when it is a public address."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return _label(addr.ipv4_mapped)
        # 6to4 and NAT64 relays deliver to the IPv4 address inside: judge that one. A NAT64
        # address of a public host is fine (IPv6-only networks with DNS64 answer with them).
        inner = addr.sixtofour or (
            ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF) if addr in _NAT64 else None
        )
        if inner is not None:
            reason = _label(inner)
            return f"{reason} (IPv4 {inner} inside {addr})" if reason else None
    # Teredo (2001::/32) and IPv4-compatible (::a.b.c.d) addresses are not global: refused here.
    return _label(addr)


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
