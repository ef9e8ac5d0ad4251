"""Connect to the addresses the SSRF guard approved, not to a second DNS answer.

The guard resolves a host and checks every address; if the HTTP client then
resolved the name again, a DNS server answering differently the second time
(DNS rebinding) could steer the connection to an address the guard never saw.
:func:`pinned` records the approved addresses for the duration of one request;
the connection classes mounted by :func:`pinning_adapter` connect to them,
in order, instead of resolving the name. TLS still verifies the certificate
against the host name. The same classes put every socket they connect or
reuse under the fetch's wall-clock deadline (``deadline.py``). A context variable carries the pin, so concurrent
fetches in other threads keep their own.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from newsdesk.feeds.deadline import watch

_PINS: ContextVar[Mapping[tuple[str, int], tuple[str, ...]]] = ContextVar(
    "newsdesk_pins", default=MappingProxyType({})
)


def _key(host: str) -> str:
    # urllib3 drops a fully qualified name's trailing dot; the pin must match either way.
    return host.lower().rstrip(".")


@contextmanager
def pinned(host: str, port: int, addresses: tuple[str, ...]) -> Iterator[None]:
    """Within the block, connections to ``host:port`` go to ``addresses``, tried in order."""
    token = _PINS.set({**_PINS.get(), (_key(host), port): addresses})
    try:
        yield
    finally:
        _PINS.reset(token)


class _Pinned:
    """Mixed into urllib3's connections: resolve through the pin when there is one."""

    host: str
    port: int
    sock: socket.socket | None
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        sock = self._pinned_conn()
        watch(sock)  # before TLS: a handshake dripped byte by byte is cut off too
        return sock

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        if self.sock is not None:
            watch(self.sock)  # a kept-alive connection, connected under an earlier deadline
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    def _pinned_conn(self) -> socket.socket:
        addresses = _PINS.get().get((_key(self.host), self.port))
        if not addresses:
            return super()._new_conn()  # type: ignore[misc]
        # Every approved address in turn, as a resolving connect would try every answer:
        # a dual-stack host whose IPv6 address is unreachable from here still connects.
        for address in addresses[:-1]:
            try:
                return self._connect_to(address)
            except (NewConnectionError, ConnectTimeoutError):
                continue
        return self._connect_to(addresses[-1])

    def _connect_to(self, address: str) -> socket.socket:
        # urllib3 connects to ``_dns_host`` but also reads it back as ``host`` for SNI and
        # the certificate check, so the swap lasts only as long as the TCP connect.
        name, self._dns_host = self._dns_host, address
        try:
            return super()._new_conn()  # type: ignore[misc]
        finally:
            self._dns_host = name


class _PinnedHTTPConnection(_Pinned, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_Pinned, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class PinningAdapter(HTTPAdapter):
    """requests' adapter with the pinned connection pools (``fetch.py`` sends through its pools
    itself when a session has nothing else mounted)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PinnedHTTPPool,
            "https": _PinnedHTTPSPool,
        }


def pinning_adapter() -> PinningAdapter:
    return PinningAdapter()
