"""Jobs asked for from the web: a rate per account, a bound on the queue, fetches apart from
rewrites (issue 26 item 12).

Before: one token queued 300 breaking-news jobs in 16 s (302 drafts on top of the queue);
six breaking URLs on a slow-drip server held both job threads and a rewrite waited 61 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
import uvicorn
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsdesk.config import Settings
from newsdesk.jobs import LocalRunner, create_job, get_job
from newsdesk.review.accounts import issue_token
from newsdesk.store.db import Database
from newsdesk.web.app import create_app
from tests.review_data import plant
from tests.web_support import free_port, review_settings, seed_users


class Held:
    """A runner that records jobs and starts none: they stay queued, as behind a busy worker."""

    name = "held"

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str) -> str | None:
        self.submitted.append(job_id)
        return None


def quota(per_minute: int, queued: int) -> Settings:
    settings = review_settings()
    settings.jobs.per_user_per_minute = per_minute
    settings.jobs.max_queued = queued
    return settings


@pytest.fixture
def desk(db: Database) -> Database:
    seed_users(db)
    return db


def _breaking(client: TestClient, token: str, n: int) -> int:
    body = {"request": f"突发：第{n}条快讯，央行宣布降准"}
    headers = {"Authorization": f"Bearer {token}"}
    return client.post("/api/breaking", json=body, headers=headers).status_code


def test_an_account_is_held_to_its_rate(desk: Database) -> None:
    held = Held()
    with TestClient(create_app(quota(3, 100), desk, held), base_url="http://127.0.0.1") as client:
        editor, admin = issue_token(desk, "editor"), issue_token(desk, "admin")
        assert [_breaking(client, editor, n) for n in range(5)] == [202, 202, 202, 429, 429]
        assert _breaking(client, admin, 9) == 202  # another account has its own rate
        answer = client.post(
            "/api/breaking",
            json={"request": "突发：再来一条"},
            headers={"Authorization": f"Bearer {editor}"},
        ).json()
    assert answer["kind"] == "TooManyJobs" and "per_user_per_minute" in answer["error"]
    assert len(held.submitted) == 4


def test_the_queue_is_bounded_for_everyone(desk: Database) -> None:
    held = Held()
    with TestClient(create_app(quota(100, 4), desk, held), base_url="http://127.0.0.1") as client:
        tokens = [issue_token(desk, name) for name in ("editor", "editor2", "admin")]
        codes = [_breaking(client, tokens[n % 3], n) for n in range(6)]
    assert codes == [202, 202, 202, 202, 429, 429] and len(held.submitted) == 4


def test_concurrent_requests_meet_one_count(desk: Database) -> None:
    """Thirty requests at once on a real server: exactly the rate gets through."""
    held = Held()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(quota(5, 100), desk, held), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    token = issue_token(desk, "editor")
    start = threading.Barrier(30)
    codes: list[int] = []

    def ask(n: int) -> None:
        start.wait()
        answer = requests.post(
            f"http://127.0.0.1:{port}/api/breaking",
            json={"request": f"突发：第{n}条快讯"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        codes.append(answer.status_code)

    askers = [threading.Thread(target=ask, args=(n,)) for n in range(30)]
    try:
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert sorted(codes) == [202] * 5 + [429] * 25 and len(held.submitted) == 5


@pytest.fixture
def drip(make_httpserver: HTTPServer) -> Iterator[tuple[str, threading.Event]]:
    """A page that answers only once released: a news site stalling every fetch."""
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(600)
        return Response("<html><title>迟到的页面</title><p>央行宣布降准。</p></html>")

    make_httpserver.expect_request("/slow").respond_with_handler(stall)
    yield make_httpserver.url_for("/slow"), release
    release.set()
    make_httpserver.clear()


def test_a_rewrite_does_not_wait_behind_slow_fetches(
    desk: Database, drip: tuple[str, threading.Event]
) -> None:
    url, release = drip
    settings = quota(100, 100)
    settings.fetch.allow_private_networks = True  # the slow site is on 127.0.0.1
    settings.fetch.read_timeout = settings.fetch.total_timeout = 600  # it stalls past the rewrite
    runner = LocalRunner(desk, settings)
    try:
        fetches = [
            create_job(
                desk, runner, "breaking", {"request": f"{url}?n={n}"}, "editor", settings=settings
            )
            for n in range(6)
        ]
        draft_id = plant(desk)
        rewrite = create_job(
            desk, runner, "redraft", {"note": "补充风险提示"}, "editor", draft_id, settings=settings
        )
        deadline = time.monotonic() + 120
        while get_job(desk, rewrite.id).state not in ("done", "failed"):
            assert time.monotonic() < deadline, "the rewrite waited behind the fetches"
            time.sleep(0.1)
        states = {get_job(desk, job.id).state for job in fetches}
        assert get_job(desk, rewrite.id).state == "done"
        assert states <= {"queued", "running"}  # every fetch still stalled meanwhile
    finally:
        release.set()
        runner.shutdown()
