"""fetch() sends through the session's adapter itself (``Session.request`` cost ~1 ms of CPU a
call): on the wire it asks what ``http.get`` asked, keeps and sends the session's cookies, and a
session with hooks or proxies still goes through ``Session.request``."""

from __future__ import annotations

import requests
from pytest import MonkeyPatch
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsdesk.config import FetchSettings
from newsdesk.feeds.fetch import fetch, new_session
from newsdesk.feeds.pinning import PinningAdapter

SETTINGS = FetchSettings(allow_private_networks=True, connect_timeout=2, read_timeout=2)


def recorded(httpserver: HTTPServer) -> list[Request]:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        response = Response("<rss/>", content_type="application/rss+xml")
        if request.path == "/login":
            response.set_cookie("visit", "1")
        return response

    httpserver.expect_request("/login").respond_with_handler(handler)
    httpserver.expect_request("/feed").respond_with_handler(handler)
    return seen


def test_fetch_asks_what_session_get_asked(httpserver: HTTPServer) -> None:
    seen = recorded(httpserver)
    http = new_session(SETTINGS)
    fetch(httpserver.url_for("/login"), SETTINGS, http=http)
    fetch(httpserver.url_for("/feed"), SETTINGS, http=http, etag='"e1"', accept="text/xml")
    http.get(
        httpserver.url_for("/feed"),
        headers={"Accept": "text/xml", "If-None-Match": '"e1"'},
        allow_redirects=False,
    )
    first, ours, theirs = seen
    assert "Cookie" not in first.headers
    assert ours.headers["Cookie"] == "visit=1"  # set by the first response, kept by the session
    assert sorted(ours.headers.items()) == sorted(theirs.headers.items())
    assert ours.headers["User-Agent"] == SETTINGS.user_agent
    assert ours.headers["Accept-Encoding"] == "gzip, deflate"


def test_a_session_with_hooks_goes_through_session_request(httpserver: HTTPServer) -> None:
    recorded(httpserver)
    http = new_session(SETTINGS)
    called: list[int] = []
    http.hooks["response"].append(lambda response, **_: called.append(response.status_code))
    assert fetch(httpserver.url_for("/feed"), SETTINGS, http=http).status == 200
    assert called == [200]
    plain = requests.Session()  # trust_env: the environment's settings apply, as before
    assert fetch(httpserver.url_for("/feed"), SETTINGS, http=plain).body == b"<rss/>"


def test_a_plain_session_sends_through_its_pools_not_the_adapters_send(
    httpserver: HTTPServer, monkeypatch: MonkeyPatch
) -> None:
    """The pinning adapter's own ``send`` (which wraps every answer in a ``requests.Response``
    and extracts its cookies) is left out; the connection is still kept for the next fetch."""
    seen = recorded(httpserver)

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("sent through HTTPAdapter.send")

    monkeypatch.setattr(PinningAdapter, "send", refused)
    http = new_session(SETTINGS)
    first = fetch(httpserver.url_for("/login"), SETTINGS, http=http)
    second = fetch(httpserver.url_for("/feed"), SETTINGS, http=http)
    assert first.body == second.body == b"<rss/>" and first.content_type == "application/rss+xml"
    assert seen[1].headers["Cookie"] == "visit=1"
    pools = http.get_adapter(httpserver.url_for("/")).poolmanager.pools
    keys = pools.keys()  # urllib3's pool container refuses to be iterated itself
    # One connection made, in one pool: the second fetch reused the first one's.
    assert [pools[key].num_connections for key in keys] == [1]
