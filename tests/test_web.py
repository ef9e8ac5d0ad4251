"""The web app in-process (FastAPI TestClient): sessions, CSRF, headers, the JSON API."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer

from newsdesk.config import LLMConfig
from newsdesk.review.accounts import issue_token
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, Job
from newsdesk.web.app import create_app
from tests.fake_openai import FakeOpenAI, reply
from tests.review_data import BODY, plant
from tests.web_support import PASSWORDS, review_settings, seed_users, wait_for_job


@pytest.fixture
def desk(db: Database) -> Database:
    seed_users(db)
    return db


@pytest.fixture
def client(desk: Database) -> Iterator[TestClient]:
    with TestClient(create_app(review_settings(), desk), base_url="http://127.0.0.1") as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client: TestClient, username: str) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_anonymous_is_sent_to_login(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk)
    response = client.get(f"/drafts/{draft_id}", follow_redirects=False)
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/login?next=/drafts/{draft_id}"
    )


def test_login_sets_a_hardened_session_cookie(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "editor", "password": PASSWORDS["editor"], "csrf": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=43200" in cookie
    bad = client.post(
        "/login",
        data={
            "username": "editor",
            "password": "wrong",
            "csrf": csrf_of(client.get("/login").text),
        },
    )
    assert bad.status_code == 401 and "wrong username or password" in bad.text


def test_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_form_without_csrf_is_refused(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk)
    login(client, "editor")
    response = client.post(
        f"/drafts/{draft_id}/approve", data={"expected_version": 1}, follow_redirects=False
    )
    assert response.status_code == 403 and "CSRF" in response.text
    forged = client.post(
        f"/drafts/{draft_id}/approve", data={"expected_version": 1, "csrf": "forged"}
    )
    assert forged.status_code == 403
    assert client.get(f"/drafts/{draft_id}").text.count("review.approve") == 0


def test_approve_through_the_form(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk)
    login(client, "editor")
    page = client.get(f"/drafts/{draft_id}").text
    response = client.post(
        f"/drafts/{draft_id}/approve",
        data={"expected_version": 1, "csrf": csrf_of(page), "note": "好"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "已通过" in page and "review.approve" in page


def test_times_are_shown_in_the_desk_time_zone(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk)
    with desk.session() as session:
        draft = session.get(Draft, draft_id)
        draft.deadline = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
        draft.brief = draft.brief | {
            "sources": [draft.brief["sources"][0] | {"published": "2026-11-22T23:42:00+00:00"}]
        }
    login(client, "editor")
    page = client.get(f"/drafts/{draft_id}").text
    # Asia/Shanghai is UTC+8: the 07:30 deadline of the 08:00 morning report, not 23:30 UTC.
    # Attribute values go first: a random CSRF token may hold the letters UTC (CI saw one).
    shown = re.sub(r'="[^"]*"', '=""', page)
    assert "截止 deadline 2026-11-23 07:30" in shown and "UTC" not in shown
    assert "演示媒体 · 2026-11-23 07:42" in page


def test_stale_form_gets_a_conflict_page(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk)
    login(client, "editor")
    page = client.get(f"/drafts/{draft_id}").text
    token = csrf_of(page)
    client.post(f"/drafts/{draft_id}/approve", data={"expected_version": 1, "csrf": token})
    second = client.post(
        f"/drafts/{draft_id}/reject", data={"expected_version": 1, "csrf": token, "note": "晚了"}
    )
    assert second.status_code == 409 and "conflict" in second.text


def test_feed_text_is_rendered_inert(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk, body="<img src=x onerror=alert(1)> 标题<script>alert(2)</script>")
    login(client, "editor")
    page = client.get(f"/drafts/{draft_id}").text
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def api(client: TestClient, desk: Database, username: str = "editor") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(desk, username)}"}


def test_api_flow_and_errors(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk)
    headers = api(client, desk)
    assert client.get("/api/queue").status_code == 401
    assert client.get("/api/queue", headers={"Authorization": "Bearer nope"}).status_code == 401
    rows = client.get("/api/queue", params={"day": "2026-11-23"}, headers=headers).json()
    assert [r["id"] for r in rows] == [draft_id] and rows[0]["expected_version"] == 1
    detail = client.get(f"/api/drafts/{draft_id}", headers=headers).json()
    assert detail["allowed_actions"] == ["approve", "reject", "request_revision", "edit"]
    assert client.get("/api/drafts/999", headers=headers).status_code == 404
    missing_note = client.post(
        f"/api/drafts/{draft_id}/reject", json={"expected_version": 1}, headers=headers
    )
    assert missing_note.status_code == 403 and "needs a note" in missing_note.json()["error"]
    invalid = client.post(
        f"/api/drafts/{draft_id}/approve", json={"expected_version": "x"}, headers=headers
    )
    assert invalid.status_code == 422 and "expected_version" in invalid.json()["error"]
    edited = client.post(
        f"/api/drafts/{draft_id}/edit",
        json={"expected_version": 1, "text": "我们的新稿。" + BODY},
        headers=headers,
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = client.post(
        f"/api/drafts/{draft_id}/approve", json={"expected_version": 1}, headers=headers
    )
    assert stale.status_code == 409 and stale.json()["kind"] == "StaleVersion"
    ok = client.post(
        f"/api/drafts/{draft_id}/approve",
        json={"expected_version": edited.json()["expected_version"]},
        headers=headers,
    )
    assert ok.json()["state"] == "approved"
    again = client.post(
        f"/api/drafts/{draft_id}/approve",
        json={"expected_version": ok.json()["expected_version"]},
        headers=headers,
    )
    assert again.status_code == 409 and again.json()["kind"] == "InvalidTransition"
    compliance_only = plant(desk, slot="viewpoint", kind="viewpoint", state="awaiting_compliance")
    denied = client.post(
        f"/api/drafts/{compliance_only}/approve", json={"expected_version": 1}, headers=headers
    )
    assert denied.status_code == 403


def test_api_request_revision_redrafts(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk)
    headers = api(client, desk)
    response = client.post(
        f"/api/drafts/{draft_id}/request-revision",
        json={"expected_version": 1, "note": "多写风险"},
        headers=headers,
    )
    assert response.status_code == 202 and response.json()["state"] == "needs_revision"
    job = wait_for_job(client, headers, response.json()["job_id"])
    assert job["state"] == "done" and job["draft_id"] == draft_id and job["kind"] == "redraft"
    detail = client.get(f"/api/drafts/{draft_id}", headers=headers).json()
    assert (
        detail["state"] == "pending_review"
        and detail["version"] >= 2
        and detail["versions"][-1]["note"].startswith("多写风险")
    )
    assert client.get("/api/jobs/nope", headers=headers).status_code == 404


def test_provider_work_runs_outside_the_request(
    desk: Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider that does not answer holds a job, never a web request."""
    answer = threading.Event()
    fake = FakeOpenAI(httpserver)
    fake.serve(lambda body: (answer.wait(30), reply("改写后的稿件。" + BODY))[1])
    monkeypatch.setenv("NEWSDESK_LLM_API_KEY", "test-key")
    settings = review_settings()
    settings.llm = LLMConfig(provider="openai", base_url=fake.base_url, model="m", timeout=40)
    draft_id = plant(desk)
    with TestClient(create_app(settings, desk)) as client:
        headers = api(client, desk)
        sent_back = client.post(
            f"/api/drafts/{draft_id}/request-revision",
            json={"expected_version": 1, "note": "换个角度"},
            headers=headers,
        )
        assert sent_back.status_code == 202 and sent_back.json()["job_state"] in (
            "queued",
            "running",
        )
        breaking = client.post(
            "/api/breaking", json={"request": "突发：央行宣布降准"}, headers=headers
        )
        assert breaking.status_code == 202
        status = client.get(sent_back.json()["status_url"], headers=headers).json()
        assert status["state"] in ("queued", "running")  # the provider has not answered
        login(client, "editor")
        page = client.get(f"/drafts/{draft_id}").text
        assert 'id="job"' in page and 'http-equiv="refresh"' in page
        job_page = client.get(f"/jobs/{breaking.json()['job_id']}", follow_redirects=False)
        assert job_page.status_code == 200 and "job-state" in job_page.text
        answer.set()
        assert wait_for_job(client, headers, sent_back.json()["job_id"])["state"] == "done"
        done = wait_for_job(client, headers, breaking.json()["job_id"])
        assert done["state"] == "done" and done["draft_id"]
        opened = client.get(f"/jobs/{done['id']}", follow_redirects=False)
        assert opened.headers["location"] == f"/drafts/{done['draft_id']}?done=breaking"
        assert "改写后的稿件" in client.get(f"/api/drafts/{draft_id}", headers=headers).text


def test_api_corrects_a_published_draft(client: TestClient, desk: Database) -> None:
    draft_id = plant(desk, state="published")
    headers = api(client, desk)
    assert client.get(f"/api/drafts/{draft_id}", headers=headers).json()["allowed_actions"] == [
        "correct"
    ]
    fixed = client.post(
        f"/api/drafts/{draft_id}/correct",
        json={"expected_version": 1, "text": "更正后的稿件。" + BODY, "note": "数字有误"},
        headers=headers,
    )
    assert fixed.status_code == 200 and fixed.json()["state"] == "pending_review"
    detail = client.get(f"/api/drafts/{draft_id}", headers=headers).json()
    assert detail["versions"][-1]["origin"] == "correction"
    assert detail["audit"][-1]["action"] == "review.correct"


def test_docs_without_cdn(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/api/drafts/{draft_id}/approve" in page and "cdn" not in page.lower()
    assert client.get("/openapi.json").json()["paths"]["/api/queue"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client: TestClient, target: str) -> None:
    token = csrf_of(client.get("/login", params={"next": target}).text)
    response = client.post(
        "/login",
        data={"username": "editor", "password": PASSWORDS["editor"], "csrf": token, "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue"


def test_demo_secret_refused_outside_the_demo(desk: Database) -> None:
    from newsdesk.errors import ConfigError

    settings = review_settings()
    settings.demo.enabled = False
    with pytest.raises(ConfigError, match="NEWSDESK_WEB__SECRET_KEY"):
        create_app(settings, desk)
    settings.web.secret_key = "a-real-secret-of-enough-length"
    assert create_app(settings, desk).title == "newsdesk review API"


HEADLINE = "突发：交易所下调股票交易经手费30%，预计每年为投资者减负约12亿元"


def test_breaking_form_and_posts_on_the_draft_page(
    client: TestClient, desk: Database, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from newsdesk.publish.service import publish_due
    from newsdesk.timetable import SHANGHAI

    login(client, "editor")
    page = client.get("/queue").text
    response = client.post(
        "/breaking",
        # an event that states facts: a breaking draft needs two (checks.min_facts)
        data={"headline": HEADLINE, "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/jobs/")
    job_id = response.headers["location"].removeprefix("/jobs/")
    wait_for_job(client, api(client, desk), job_id)  # drafted outside the request
    opened = client.get(response.headers["location"], follow_redirects=False)
    draft_page = client.get(opened.headers["location"]).text
    assert f"突发事件解读：{HEADLINE}" in draft_page
    draft_id = int(opened.headers["location"].split("/")[2].split("?")[0])
    # Drafted at the desk's clock: on the demo desk, its day's queue, first.
    queue = client.get("/queue").text
    assert re.findall(r'data-href="(/drafts/\d+)"', queue)[:1] == [f"/drafts/{draft_id}"]
    lock = int(re.search(r'name="expected_version" value="(\d+)"', draft_page).group(1))  # type: ignore[union-attr]
    approved = client.post(
        f"/drafts/{draft_id}/approve",
        data={"expected_version": lock, "csrf": csrf_of(draft_page)},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    settings = review_settings()
    settings.var_dir = tmp_path / "var"
    assert publish_due(desk, settings, datetime.now(SHANGHAI)).published == [draft_id]
    shown = client.get(f"/drafts/{draft_id}").text
    assert "发布 Posts" in shown and "post-sent" in shown and "已发布" in shown


def test_reports_stored_before_and_after_the_substance_check_both_show(
    client: TestClient, desk: Database
) -> None:
    draft_id = plant(desk)  # a report stored before substance existed: no "substance" key
    login(client, "editor")
    page = client.get(f"/drafts/{draft_id}").text
    assert "此版本检查时尚无此项" in page and "原创度 Originality: 100%" in page
    filler = "关于降准，目前银行、地产等方面的进展值得跟踪[1]。" + BODY
    headers = api(client, desk)
    edited = client.post(
        f"/api/drafts/{draft_id}/edit",
        json={"expected_version": 1, "text": filler},
        headers=headers,
    )
    assert edited.status_code == 200
    page = client.get(f"/drafts/{draft_id}").text
    # Filler is counted over every body sentence: BODY's fact sentence and its opinion are
    # not filler, the keyword sentence is.
    detail = client.get(f"/api/drafts/{draft_id}", headers=headers).json()
    ratio = detail["report"]["substance"]["filler_ratio"]
    assert 0 < ratio < 0.5
    assert "实质内容 Substance:" in page and f"空话句 filler {ratio * 100:.0f}%" in page
    assert "filler: 关于降准，目前银行、地产等方面的进展值得跟踪[1]。" in page


def test_a_refused_form_action_gets_the_status_of_its_error(
    client: TestClient, desk: Database
) -> None:
    """The page's status comes from the error's type, as the API's does, not from its words."""
    flagged = plant(desk, flagged=True)
    login(client, "editor")
    page = client.get(f"/drafts/{flagged}").text
    # PermissionDenied whose message does not say "role": 403 all the same.
    refused = client.post(
        f"/drafts/{flagged}/approve", data={"expected_version": 1, "csrf": csrf_of(page)}
    )
    assert refused.status_code == 403
    published = plant(desk, state="published", slot="viewpoint", kind="viewpoint")
    page = client.get(f"/drafts/{published}").text
    wrong_state = client.post(
        f"/drafts/{published}/reject",
        data={"expected_version": 1, "csrf": csrf_of(page), "note": "不要"},
    )
    assert wrong_state.status_code == 409 and "cannot reject" in wrong_state.text


def test_the_app_starts_its_workers_with_the_server_and_finishes_their_jobs_when_it_stops(
    desk: Database,
) -> None:
    app = create_app(review_settings(), desk)
    assert not hasattr(app.state, "runner")  # creating the app starts nothing
    draft_id = plant(desk)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        headers = api(client, desk)
        response = client.post(
            f"/api/drafts/{draft_id}/request-revision",
            json={"expected_version": 1, "note": "多写风险"},
            headers=headers,
        )
        job_id = response.json()["job_id"]
    # The server stopped: the job it had taken was run to its end, not left running or queued.
    with desk.session() as session:
        job = session.get_one(Job, job_id)
        assert job.status in ("done", "failed") and job.finished_at is not None, job.status
