"""Fetching against real HTTP servers on 127.0.0.1 that misbehave on purpose."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
import requests
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsdesk.config import FetchSettings
from newsdesk.errors import (
    BlockedAddress,
    FeedError,
    FeedTooLarge,
    FetchTimeout,
    HTTPStatusError,
    RateLimited,
    TooManyRedirects,
)
from newsdesk.feeds.fetch import _piece, fetch, new_session, parse_retry_after
from newsdesk.feeds.guard import Resolver, check_url
from newsdesk.feeds.parse import parse_feed
from tests.feeds import rss, rss_bytes
from tests.raw_server import RawServer, drip, read_request, send


def settings(**kw: object) -> FetchSettings:
    base = {
        "allow_private_networks": True,
        "connect_timeout": 2,
        "read_timeout": 1,
        "total_timeout": 10,
        "max_inline_retry_after": 1,
    }
    return FetchSettings(**(base | kw))


@pytest.fixture
def http() -> requests.Session:
    return new_session(settings())


def resolving_to(*addresses: str, asked: list[str] | None = None) -> Resolver:
    """A getaddrinfo stand-in: every host resolves to ``addresses``; names asked are recorded."""

    def resolver(host: str, port: int, *args: object) -> list[tuple[object, ...]]:
        if asked is not None:
            asked.append(host)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return resolver


def test_conditional_get_304_with_etag(httpserver: HTTPServer, http: requests.Session) -> None:
    body = rss_bytes([("g1", "标题一", "https://example.com/a")])
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"v1"'}
    )
    httpserver.expect_request("/feed").respond_with_data(
        body, headers={"ETag": '"v1"', "Last-Modified": "Fri, 20 Nov 2026 01:00:00 GMT"}
    )
    first = fetch(httpserver.url_for("/feed"), settings(), http=http)
    assert first.status == 200 and first.etag == '"v1"' and first.body == body
    second = fetch(httpserver.url_for("/feed"), settings(), http=http, etag=first.etag)
    assert second.not_modified and second.body == b""


def test_if_modified_since_sent(httpserver: HTTPServer, http: requests.Session) -> None:
    stamp = "Fri, 20 Nov 2026 01:00:00 GMT"
    httpserver.expect_request("/feed", headers={"If-Modified-Since": stamp}).respond_with_data(
        "", status=304
    )
    assert fetch(
        httpserver.url_for("/feed"), settings(), http=http, last_modified=stamp
    ).not_modified


def test_server_error_raises_status(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/feed").respond_with_data("boom", status=500)
    with pytest.raises(HTTPStatusError) as info:
        fetch(httpserver.url_for("/feed"), settings(), http=http)
    assert info.value.status == 500 and "HTTP 500" in str(info.value)


def test_read_timeout(httpserver: HTTPServer, http: requests.Session) -> None:
    def slow(_: Request) -> Response:
        time.sleep(2.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    # The answer does come, after 2.5 s: only a read timeout that fired makes this raise.
    with pytest.raises(FetchTimeout):
        fetch(httpserver.url_for("/slow"), settings(read_timeout=0.5), http=http)


FEED = rss_bytes([("g1", "标题一", "https://example.com/a")])
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"


def fetch_guarded(url: str, config: FetchSettings, http: requests.Session) -> BaseException:
    """Run a fetch that must fail in a thread, so a fetch that hangs fails the test instead."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            fetch(url, config, http=http)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "fetch still running 30 s into a 2 s total_timeout"
    assert outcome, "fetch of a dripping server succeeded"
    return outcome[0]


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(drip(HEAD + b"X-Pad: " + b"." * 200 + b"\r\n\r\n", 0.3), id="headers"),
        pytest.param(
            lambda conn: (conn.sendall(HEAD + b"\r\n"), drip(FEED, 0.3)(conn)), id="body-no-length"
        ),
        pytest.param(
            lambda conn: (
                conn.sendall(HEAD + f"Content-Length: {len(FEED)}\r\n\r\n".encode()),
                drip(FEED, 0.3)(conn),
            ),
            id="body-with-length",
        ),
    ],
)
def test_total_timeout_cuts_off_a_dripping_server(reply, http: requests.Session) -> None:  # type: ignore[no-untyped-def]
    """One byte every 0.3 s never trips the 1 s read timeout; the 2 s total deadline does."""
    with RawServer(reply) as server:
        error = fetch_guarded(server.url("/feed"), settings(read_timeout=1, total_timeout=2), http)
    assert isinstance(error, FetchTimeout) and "fetch.total_timeout" in str(error), error


def test_total_timeout_covers_a_kept_alive_connection(http: requests.Session) -> None:
    """The second request reuses the first one's connection; its dripped answer is cut off too."""

    def reply(conn: socket.socket) -> None:
        conn.sendall(HEAD + f"Content-Length: {len(FEED)}\r\n\r\n".encode() + FEED)
        read_request(conn)
        drip(HEAD + b"X-Pad: " + b"." * 200 + b"\r\n\r\n", 0.3)(conn)

    with RawServer(reply) as server:
        config = settings(read_timeout=1, total_timeout=2)
        assert fetch(server.url("/feed"), config, http=http).body == FEED
        error = fetch_guarded(server.url("/feed"), config, http)
        assert len(server.connections) == 1  # the same connection, reused
    assert isinstance(error, FetchTimeout), error


def test_body_over_cap_declared(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(FeedTooLarge, match="cap"):
        fetch(httpserver.url_for("/big"), settings(max_bytes=1000), http=http)


def test_body_over_cap_streamed_without_length(
    httpserver: HTTPServer, http: requests.Session
) -> None:
    def chunks() -> object:
        for _ in range(100):
            yield b"y" * 1000

    httpserver.expect_request("/stream").respond_with_response(Response(chunks()))
    with pytest.raises(FeedTooLarge):
        fetch(httpserver.url_for("/stream"), settings(max_bytes=10_000), http=http)


def test_gzip_bomb_stops_at_decoded_cap(httpserver: HTTPServer, http: requests.Session) -> None:
    packed = gzip.compress(b"<rss>" + b" " * 2_000_000)
    httpserver.expect_request("/bomb").respond_with_data(
        packed, headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FeedTooLarge):
        fetch(httpserver.url_for("/bomb"), settings(max_bytes=100_000), http=http)


def test_gzip_decoded(httpserver: HTTPServer, http: requests.Session) -> None:
    body = rss_bytes([("g1", "压缩的标题", "https://example.com/gz")])
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(body),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
    )
    response = fetch(httpserver.url_for("/gz"), settings(), http=http)
    assert response.body == body
    assert parse_feed(response.body, response.content_type).entries[0].title == "压缩的标题"


def test_redirect_loop(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects, match="loop"):
        fetch(httpserver.url_for("/a"), settings(), http=http)


def test_too_many_redirects(httpserver: HTTPServer, http: requests.Session) -> None:
    for i in range(8):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            "", status=301, headers={"Location": f"/r{i + 1}"}
        )
    with pytest.raises(TooManyRedirects, match="more than 5"):
        fetch(httpserver.url_for("/r0"), settings(), http=http)


def test_redirects_followed_within_cap(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(
        rss_bytes([("g", "新址", "https://e.com/n")])
    )
    response = fetch(httpserver.url_for("/old"), settings(), http=http)
    assert response.url.endswith("/new") and b"<rss" in response.body


def test_429_long_retry_after_is_raised(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=429, headers={"Retry-After": "120"}
    )
    with pytest.raises(RateLimited) as info:
        fetch(httpserver.url_for("/feed"), settings(), http=http)
    assert info.value.retry_after == 120 and info.value.status == 429


def test_503_short_retry_after_waits_then_succeeds(
    httpserver: HTTPServer, http: requests.Session
) -> None:
    waits: list[float] = []
    httpserver.expect_ordered_request("/feed").respond_with_data(
        "", status=503, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/feed").respond_with_data(
        rss_bytes([("g", "t", "https://e.com/")])
    )
    response = fetch(httpserver.url_for("/feed"), settings(), http=http, sleep=waits.append)
    assert response.status == 200 and waits == [1.0]


def test_retry_after_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 20, 1, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Fri, 20 Nov 2026 01:01:30 GMT", now) == 90
    assert parse_retry_after("soon", now) is None


def test_private_address_refused_when_not_allowed(
    httpserver: HTTPServer, http: requests.Session
) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss_bytes([("g", "t", "https://e.com/")]))
    with pytest.raises(BlockedAddress, match="loopback"):
        fetch(httpserver.url_for("/feed"), settings(allow_private_networks=False), http=http)
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        # Cloud metadata services outside the classic private ranges.
        ("100.100.100.200", "non-global"),  # Alibaba Cloud, shared address space 100.64/10
        ("192.0.0.192", "special-purpose"),  # Oracle Cloud, IETF protocol block 192.0.0/24
        # IPv6 forms that carry an IPv4 address a relay delivers to.
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("::ffff:100.100.100.200", "non-global"),  # IPv4-mapped
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo
        ("64:ff9b:1::a00:1", "reserved"),  # local-use NAT64
        ("198.18.0.1", "private"),  # benchmarking
        ("240.0.0.1", "private"),  # reserved for future use
    ],
)
def test_guard_checks_resolved_addresses(address: str, label: str) -> None:
    with pytest.raises(BlockedAddress, match=label):
        check_url(
            "http://news.example.com/feed", allow_private=False, resolver=resolving_to(address)
        )


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "2606:4700::1111", "2002:5db8:d70e::1", "64:ff9b::5db8:d70e"]
)
def test_guard_allows_public_address(address: str) -> None:
    """Public IPv4 and IPv6, and 6to4 / NAT64 forms of a public IPv4 address, pass."""
    approved = check_url(
        "https://news.example.com/feed", allow_private=False, resolver=resolving_to(address)
    )
    assert approved.addresses == (address,)


def test_guard_refuses_a_host_if_any_address_is_refused() -> None:
    with pytest.raises(BlockedAddress, match="100.100.100.200"):
        check_url(
            "https://news.example.com/feed",
            allow_private=False,
            resolver=resolving_to("93.184.215.14", "100.100.100.200"),
        )


def test_allow_private_networks_lets_every_address_through() -> None:
    approved = check_url(
        "http://metadata.test/", allow_private=True, resolver=resolving_to("100.100.100.200")
    )
    assert approved.addresses == ("100.100.100.200",)


@pytest.mark.parametrize(
    "internal", ["127.0.0.1", "100.100.100.200", "192.0.0.192", "2002:a9fe:a9fe::"]
)
def test_redirect_to_private_address_refused(
    httpserver: HTTPServer, http: requests.Session, internal: str
) -> None:
    """A public-looking host that redirects to an internal address is caught on the second hop."""
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": "http://internal.test/admin"}
    )

    def resolver(host: str, port: int, *args: object) -> list[tuple[object, ...]]:
        ip = "93.184.215.14" if host == "public.test" else internal
        return resolving_to(ip)(host, port)

    # Both names reach the real loopback server (never the network) through an adapter
    # that rewrites the URL; the guard decides per hop from the resolver.
    class Pinned(requests.adapters.HTTPAdapter):
        def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
            host = request.url.split("/")[2]
            request.url = request.url.replace(host, f"127.0.0.1:{httpserver.port}", 1)
            return super().send(request, **kwargs)

    http.mount("http://public.test", Pinned())
    http.mount("http://internal.test", Pinned())
    with pytest.raises(BlockedAddress, match=f"internal.test.*{internal}"):
        fetch(
            "http://public.test/feed",
            settings(allow_private_networks=False),
            http=http,
            resolver=resolver,
        )
    assert len(httpserver.log) == 1


def test_connects_to_the_address_the_guard_approved(
    httpserver: HTTPServer, http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One lookup per hop, the guard's; the connection goes where it looked (no DNS rebinding)."""
    httpserver.expect_request("/feed").respond_with_data(
        rss_bytes([("g1", "标题一", "https://example.com/a")])
    )
    asked: list[str] = []
    resolver = resolving_to("127.0.0.1", asked=asked)

    real = socket.getaddrinfo

    def addresses_only(host: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        # A name reaching the system resolver would be a second, unchecked lookup.
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(f"second lookup of {host!r}") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", addresses_only)
    url = f"http://feed.invalid:{httpserver.port}/feed"
    response = fetch(url, settings(), http=http, resolver=resolver)
    assert response.status == 200 and b"g1" in response.body
    assert asked == ["feed.invalid"]
    dotted = fetch(
        f"http://FEED.invalid.:{httpserver.port}/feed", settings(), http=http, resolver=resolver
    )
    assert dotted.status == 200 and asked == ["feed.invalid", "feed.invalid."]
    assert httpserver.log[0][0].headers["Host"] == f"feed.invalid:{httpserver.port}"


def test_pinned_connection_tries_every_approved_address(
    httpserver: HTTPServer, http: requests.Session
) -> None:
    """A dual-stack host whose first address does not answer still connects, as before pinning."""
    httpserver.expect_request("/feed").respond_with_data(
        rss_bytes([("g1", "标题一", "https://example.com/a")])
    )

    # IPv6 loopback first: the server listens on 127.0.0.1 only, so it refuses there.
    resolver = resolving_to("::1", "127.0.0.1")
    url = f"http://feed.invalid:{httpserver.port}/feed"
    assert fetch(url, settings(), http=http, resolver=resolver).status == 200


@pytest.mark.parametrize(("certified", "ok"), [("feed.invalid", True), ("other.invalid", False)])
def test_pinned_https_still_verifies_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, certified: str, ok: bool
) -> None:
    """TLS over the pinned address: SNI and the certificate check use the URL's host name."""
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert(certified).configure_cert(context)
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/feed").respond_with_data(
        rss_bytes([("g1", "标题一", "https://e.com/a")])
    )
    server.start()
    try:
        http = new_session(settings())
        http.verify = str(bundle)

        resolver = resolving_to("127.0.0.1")
        url = f"https://feed.invalid:{server.port}/feed"
        if ok:
            assert fetch(url, settings(), http=http, resolver=resolver).status == 200
        else:
            with pytest.raises(FeedError, match="not valid for 'feed.invalid'"):
                fetch(url, settings(), http=http, resolver=resolver)
    finally:
        server.clear()
        server.stop()


def test_non_http_scheme_refused(http: requests.Session) -> None:
    with pytest.raises(BlockedAddress, match="only http"):
        fetch("file:///etc/passwd", settings(), http=http)


def test_connection_refused_is_feed_error(http: requests.Session) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(Exception, match="cannot connect"):
        fetch(f"http://127.0.0.1:{port}/feed", settings(), http=http)


def test_gbk_feed_over_http_decodes(
    httpserver: HTTPServer, http: requests.Session, demo_dir: Path
) -> None:
    body = rss([("g", "央行降准0.25个百分点", "https://e.com/gbk")], "gbk")
    httpserver.expect_request("/gbk").respond_with_data(
        body.encode("gbk"), headers={"Content-Type": "application/xml"}
    )
    response = fetch(httpserver.url_for("/gbk"), settings(), http=http)
    assert (
        parse_feed(response.body, response.content_type).entries[0].title == "央行降准0.25个百分点"
    )


@pytest.mark.parametrize(
    ("headers", "piece"),
    [
        ({"content-length": "3000000"}, 3_000_000),  # declared, plain: read at once
        ({"content-length": "3000000", "content-encoding": "identity"}, 3_000_000),
        ({"content-length": "100"}, 64 * 1024),
        ({"content-length": "3000000", "content-encoding": "gzip"}, 64 * 1024),  # may inflate
        ({"content-length": "3000000", "transfer-encoding": "chunked"}, 64 * 1024),
        ({}, 64 * 1024),  # no length: pieces, the cap checked after each
        ({"content-length": "-5"}, 64 * 1024),
    ],
)
def test_only_a_plain_body_of_declared_length_is_read_at_once(
    headers: dict[str, str], piece: int
) -> None:
    assert _piece(headers) == piece


def test_a_header_sent_twice_is_kept_with_both_values(http: requests.Session) -> None:
    """As requests joins them: the validators stored for the next conditional GET are the ones
    the server sent, not the last line of them."""
    reply = HEAD + b'ETag: "a"\r\nETag: "b"\r\nX-Note: one\r\nx-note: two\r\n'
    with RawServer(send(reply + f"Content-Length: {len(FEED)}\r\n\r\n".encode() + FEED)) as server:
        response = fetch(server.url("/feed"), settings(), http=http)
    assert response.etag == '"a", "b"' and response.headers["x-note"] == "one, two"


def test_a_length_of_non_ascii_digits_is_no_length(http: requests.Session) -> None:
    """'²' is a digit to str.isdigit() but no number to int(): the body is read as one of no
    declared length (to the connection's close, the cap checked), not a ValueError."""
    reply = HEAD + "Content-Length: ²\r\nConnection: close\r\n\r\n".encode("latin-1") + FEED
    with RawServer(send(reply)) as server:
        response = fetch(server.url("/feed"), settings(), http=http)
    assert response.body == FEED


@pytest.mark.parametrize("value", ["²", "١٢٠", " ³ "])
def test_a_retry_after_of_non_ascii_digits_is_no_wait(value: str) -> None:
    assert parse_retry_after(value) is None
