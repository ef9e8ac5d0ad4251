"""The web app against hostile requests: oversized bodies, NUL in every field, stolen sessions.

Body limits are tested on a real uvicorn server through raw sockets, because the
attack is in how the body streams in; the rest in-process, on both databases.
"""

from __future__ import annotations

import base64
import json
import select
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import itsdangerous
import pytest
from fastapi.testclient import TestClient

from newsdesk.config import DEMO_SECRET, Settings
from newsdesk.errors import ConfigError
from newsdesk.review.accounts import issue_token, set_active, set_password
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, Item
from newsdesk.web.app import create_app
from newsdesk.web.render import changes, diff
from tests.cli_support import ROOT, cli
from tests.review_data import BODY, plant
from tests.test_web import csrf_of, login
from tests.web_support import (
    PASSWORDS,
    WebServer,
    free_port,
    review_settings,
    seed_users,
    wait_for_job,
)

LIMIT = 64 * 1024


def limited_settings() -> Settings:
    settings = review_settings()
    settings.web.max_body_bytes = LIMIT
    return settings


@pytest.fixture
def server(sqlite_db: Database) -> Iterator[WebServer]:
    seed_users(sqlite_db)
    with WebServer(limited_settings(), sqlite_db) as running:
        yield running


def _connect(server: WebServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def _response(sock: socket.socket) -> tuple[int, bytes]:
    """Status and body of the answer; a server still waiting for the body times out here.

    A server that answers before reading the whole body closes with a reset once it has
    sent its answer (unread data is pending), so a reset after the answer ends it too.
    """
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        if not data:
            raise
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_declared_oversized_body_is_refused_before_it_is_read(server: WebServer) -> None:
    """Content-Length of 300 MiB and one kilobyte sent: 413 at once, the rest never asked for."""
    with _connect(server) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {300 * 1024 * 1024}\r\n\r\n".encode()
            + b"username=editor&password="
            + b"x" * 1024
        )
        status, body = _response(sock)
    assert status == 413 and "web.max_body_bytes" in body.decode()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/login", "application/x-www-form-urlencoded"), ("/api/breaking", "application/json")],
)
def test_chunked_body_is_cut_off_at_the_limit(
    server: WebServer, path: str, content_type: str
) -> None:
    """No length given: the server reads up to the limit and refuses, before any login check."""
    chunk = b"a" * 16 * 1024
    sent = 0
    with _connect(server) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        # Stop sending as soon as the server answers, as a well-behaved client would.
        while sent < 8 * LIMIT and not select.select([sock], [], [], 0.05)[0]:
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
        status, body = _response(sock)
    assert status == 413, body
    if path.startswith("/api/"):
        assert json.loads(body)["kind"] == "PayloadTooLarge"


def test_bodies_within_the_limit_pass(server: WebServer, sqlite_db: Database) -> None:
    token = issue_token(sqlite_db, "editor")
    with _connect(server) as sock:
        payload = json.dumps({"request": "央行宣布降准0.25个百分点", "note": "n" * (LIMIT // 2)})
        body = payload.encode()
        sock.sendall(
            b"POST /api/breaking HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n".encode()
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status, answer = _response(sock)
    # The note is over the API's own 2,000-character field limit: the body got through to it.
    assert status == 422 and b"note" in answer


@pytest.fixture
def desk(db: Database) -> Database:
    seed_users(db)
    return db


@pytest.fixture
def client(desk: Database) -> Iterator[TestClient]:
    with TestClient(create_app(review_settings(), desk), base_url="http://127.0.0.1") as client:
        yield client


def test_nul_in_login_edit_note_and_query_is_no_server_error(
    client: TestClient, desk: Database
) -> None:
    """PostgreSQL refuses NUL in text: each of these answered 500 there."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "edi\x00tor", "password": "wrong-pass", "csrf": token}
    )
    assert response.status_code == 401
    login(client, "editor")
    draft_id = plant(desk)
    page = client.get(f"/drafts/{draft_id}").text
    response = client.post(
        f"/drafts/{draft_id}/edit",
        data={
            "csrf": csrf_of(page),
            "expected_version": "1",
            "text": BODY + "\x00补充",
            "note": "改\x00",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert client.get("/queue?slot=morning%00report").status_code == 200
    api = {"Authorization": f"Bearer {issue_token(desk, 'editor')}"}
    response = client.post("/api/breaking", json={"request": "央行突发\x00降息"}, headers=api)
    assert response.status_code == 202, response.text
    assert wait_for_job(client, api, response.json()["job_id"])["state"] == "done"
    with desk.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft.versions[-1].body == BODY + "补充"
        titles = list(session.scalars(Item.__table__.select().with_only_columns(Item.title)))
        assert "央行突发降息" in titles


def test_lone_surrogate_in_json_is_a_validation_error(client: TestClient, desk: Database) -> None:
    api = {
        "Authorization": f"Bearer {issue_token(desk, 'editor')}",
        "Content-Type": "application/json",
    }
    response = client.post("/api/breaking", content='{"request": "央行\\ud800降息"}', headers=api)
    assert response.status_code == 422 and response.json()["kind"] == "ValidationError"


def test_login_with_nul_variants_shares_one_throttle(desk: Database) -> None:
    """NUL is dropped before the store sees a name, so it must not make a fresh throttle key."""
    settings = review_settings()
    settings.web.login_attempts = 2
    with TestClient(create_app(settings, desk), base_url="http://127.0.0.1") as client:
        for name in ("editor", "edi\x00tor", "e\x00ditor"):
            token = csrf_of(client.get("/login").text)
            client.post("/login", data={"username": name, "password": "wrong", "csrf": token})
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login", data={"username": "editor", "password": PASSWORDS["editor"], "csrf": token}
        )
    assert response.status_code == 401 and "too many" in response.text


def _stolen_cookie(client: TestClient, username: str) -> str:
    login(client, username)
    assert client.get("/queue", follow_redirects=False).status_code == 200
    return client.cookies["newsdesk_session"]


def _replayed(client: TestClient, cookie: str) -> int:
    client.cookies.clear()
    client.cookies.set("newsdesk_session", cookie)
    return client.get("/queue", follow_redirects=False).status_code


def test_a_copied_cookie_dies_with_logout(client: TestClient) -> None:
    cookie = _stolen_cookie(client, "editor")
    page = client.get("/queue").text
    assert (
        client.post("/logout", data={"csrf": csrf_of(page)}, follow_redirects=False).status_code
        == 303
    )
    assert _replayed(client, cookie) == 303  # to the login page
    client.cookies.clear()
    assert _stolen_cookie(client, "editor")  # signing in again works


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(lambda db: set_password(db, "editor", "new-editor-pass"), id="password"),
        pytest.param(lambda db: set_active(db, "editor", False), id="disable"),
    ],
)
def test_a_copied_cookie_dies_with_a_password_change_or_disable(
    client: TestClient, desk: Database, end
) -> None:  # type: ignore[no-untyped-def]
    cookie = _stolen_cookie(client, "editor")
    other = _stolen_cookie(client, "editor2")
    end(desk)
    set_active(desk, "editor", True)  # enabling again does not bring old sessions back
    assert _replayed(client, cookie) == 303
    assert _replayed(client, other) == 200  # other users stay signed in


def test_a_flood_of_markup_in_the_breaking_form_is_refused_at_once(
    client: TestClient,
) -> None:
    """600,000 '<' (1.8 MB as a form, within the body limit) froze the server for minutes:
    quadratic cleaning, under the GIL, so for every user.

    A hang guard, not a benchmark: the request runs in a thread that must finish in 30 s.
    """
    login(client, "editor")
    token = csrf_of(client.get("/queue").text)
    answers: list[int] = []

    def post() -> None:
        data = {"csrf": token, "headline": "<" * 600_000}
        answers.append(client.post("/breaking", data=data, follow_redirects=False).status_code)

    worker = threading.Thread(target=post, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the breaking form is still cleaning its headline"
    assert answers == [400]  # over the 500-character title limit


def test_the_version_diff_is_bounded_whatever_the_texts() -> None:
    """Issue 26 item 6: two edits of 20,000 repeated characters cost 57 s per view, for good."""
    hostile = ("ab" * 10_000, "ba" * 10_000)
    stretches = changes(*hostile)
    assert stretches == [(hostile[0], hostile[1], False)]  # past the budget: shown whole
    for old, new in (
        hostile,
        ("啊" * 20_000, "啊" * 10_000 + "哦" + "啊" * 9_999),
        ("第一段\n" * 3_000 + "尾", "首" + "第一段\n" * 3_000),
    ):
        parts = changes(old, new)
        assert "".join(p[0] for p in parts) == old and "".join(p[1] for p in parts) == new
    assert str(diff("降准0.25个百分点\n第二段\n", "降准0.5个百分点\n第二段\n")) == (
        "降准0.<del>2</del>5个百分点<br>第二段<br>"
    )


def test_one_text_cap_for_the_form_and_the_api(client: TestClient, desk: Database) -> None:
    """The form took 300,000 characters while the API stopped at 100,000."""
    draft_id = plant(desk)
    too_long = BODY + "补" * 100_000
    api = {"Authorization": f"Bearer {issue_token(desk, 'editor')}"}
    response = client.post(
        f"/api/drafts/{draft_id}/edit", json={"expected_version": 1, "text": too_long}, headers=api
    )
    assert response.status_code == 413 and response.json()["kind"] == "TextTooLong"
    login(client, "editor")
    page = client.get(f"/drafts/{draft_id}").text
    response = client.post(
        f"/drafts/{draft_id}/edit",
        data={"csrf": csrf_of(page), "expected_version": "1", "text": too_long},
        follow_redirects=False,
    )
    assert response.status_code == 413 and "max_text_chars" in response.text
    with desk.session() as session:
        assert session.get(Draft, draft_id).version == 1  # nothing stored


def _forged(secret: str, username: str, generation: int) -> str:
    """A session cookie as Starlette signs it, made by anyone who knows ``secret``."""
    data = base64.b64encode(json.dumps({"user": username, "generation": generation}).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def test_the_public_demo_secret_opens_no_real_desk(desk: Database) -> None:
    """Issue 26 item 13: a cookie signed with the demo secret is an admin session on a desk
    that uses it, so only the loopback demo desk may, and a real desk's own secret ignores it."""
    forged = _forged(DEMO_SECRET, "admin", 0)
    demo = review_settings()
    with TestClient(create_app(demo, desk), base_url="http://127.0.0.1") as client:
        client.cookies.set("newsdesk_session", forged)
        assert client.get("/queue", follow_redirects=False).status_code == 200
    real = review_settings()
    real.demo.enabled = False
    real.web.secret_key = "a-long-random-secret-of-this-desk-only"
    with TestClient(create_app(real, desk), base_url="http://127.0.0.1") as client:
        client.cookies.set("newsdesk_session", forged)
        assert client.get("/queue", follow_redirects=False).status_code == 303
    real.web.secret_key = DEMO_SECRET
    with pytest.raises(ConfigError, match="demo secret"):
        create_app(real, desk)


def test_the_demo_desk_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    env = {
        "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
        "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
    }
    out = cli("web", "--host", "0.0.0.0", "--port", str(free_port()), env=env)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert "0.0.0.0" in out.stderr and "NEWSDESK_WEB__SECRET_KEY" in out.stderr
