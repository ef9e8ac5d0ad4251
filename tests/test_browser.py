"""End to end in Debian's Chromium (Playwright): an editor's day in the review UI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from newsdesk.clock import FixedClock
from newsdesk.review.accounts import Actor
from newsdesk.review.service import get_draft, transition
from newsdesk.store.db import Database, migrate
from newsdesk.timetable import SHANGHAI, working_day
from tests.conftest import IN_CI
from tests.review_data import BODY, SOURCE_TEXT, plant
from tests.web_support import PASSWORDS, WebServer, review_settings, seed_users

# A desk whose clock reads a week after the planted (demo) day.
WEEK_LATER = FixedClock(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))
DISCLAIMER = BODY[BODY.index("投资有风险") :]
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, WebServer]]:
    """The review UI on the demo desk; ``indirect`` parametrisation injects its clock."""
    db = Database(f"sqlite:///{tmp_path / 'web.db'}")
    migrate(db)
    seed_users(db)
    settings = review_settings()
    settings.checks.min_facts["morning_report"] = 2  # the planted brief has one source, two facts
    with WebServer(settings, db, getattr(request, "param", None)) as server:
        yield db, server
    db.dispose()


def page_for(browser, server: WebServer, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran: dialog {dialog.message!r}"))
    page.goto(f"{server.url}/queue")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/queue")
    return page


def copied_draft(db: Database) -> int:
    """A draft whose text copies its source, with a real check report."""
    draft_id = plant(db)
    transition(
        db,
        review_settings(),
        draft_id,
        "edit",
        Actor("admin", "admin"),
        expected_version=1,
        text=SOURCE_TEXT + BODY,
    )
    return draft_id


def test_anonymous_visitor_goes_to_login(browser, desk) -> None:  # type: ignore[no-untyped-def]
    _, server = desk
    page = browser.new_page()
    page.goto(f"{server.url}/drafts/1")
    assert page.url.startswith(f"{server.url}/login") and page.locator(
        "h1"
    ).inner_text().startswith("登录")
    page.close()


def test_queue_draft_highlights_edit_approve(browser, desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, server = desk
    plant(db, slot="viewpoint", kind="viewpoint")
    draft_id = copied_draft(db)
    page = page_for(browser, server, "editor")
    page.goto(f"{server.url}/queue?day=2026-11-23")
    assert page.locator(".slot h2").first.inner_text().startswith("08:00 早报")
    assert page.locator(".draft-row").count() == 2
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
    page.click(f"a[href='/drafts/{draft_id}']")
    mark = page.locator("mark.borrowed").first
    assert mark.get_attribute("data-source") == "1" and "人民银行决定" in mark.inner_text()
    assert page.locator("#source-1").is_visible()
    assert "未通过" in page.locator("#report h2").inner_text()
    page.screenshot(path=str(tmp_path / "draft.png"), full_page=True)
    if os.environ.get("NEWSDESK_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "queue.png", SCREENSHOTS / "queue.png")
        shutil.copy(tmp_path / "draft.png", SCREENSHOTS / "draft.png")
    # edit: "e" opens the form; write it in our own words and see the new report
    page.keyboard.press("e")
    page.fill(
        "#edit-text",
        "降准落地后，我们更关心信贷投放的节奏。央行此次把存款准备金率调低0.25个百分点，"
        "预计释放长期资金约5000亿元[1]。" + DISCLAIMER,
    )
    page.click("#save")
    page.wait_for_url(f"**/drafts/{draft_id}?done=edit")
    assert "通过 passed" in page.locator("#report h2").inner_text()
    marks = page.locator("mark.borrowed").all_inner_texts()
    assert not any("人民银行决定" in m for m in marks)  # the copied sentence is gone
    # approve with the keyboard shortcut and its confirmation
    page.keyboard.press("a")
    page.keyboard.press("y")
    page.wait_for_url(f"**/drafts/{draft_id}?done=approve")
    assert "已通过" in page.locator("h1").inner_text()
    assert get_draft(db, draft_id).state == "approved"


def opened_draft(browser, desk):  # type: ignore[no-untyped-def]
    """A planted draft's page, open for the editor: (page, draft id)."""
    db, server = desk
    draft_id = plant(db)
    page = page_for(browser, server, "editor")
    page.goto(f"{server.url}/drafts/{draft_id}")
    return page, draft_id


def test_a_wrong_figure_is_shown_with_the_sources_words(browser, desk) -> None:  # type: ignore[no-untyped-def]
    page, draft_id = opened_draft(browser, desk)
    page.keyboard.press("e")
    # The source says 预计释放长期资金约5000亿元: 超 is a new claim, and a forecast is no result.
    page.fill("#edit-text", "央行降准0.25个百分点，释放长期资金超5000亿元[1]。" + DISCLAIMER)
    page.click("#save")
    page.wait_for_url(f"**/drafts/{draft_id}?done=edit")
    report = page.locator("#report").inner_text()
    assert "qualifier_changed" in report
    span = page.locator(".source-span").first
    assert "来源[1]" in span.inner_text() and "约5000亿元" in span.inner_text()


@pytest.mark.parametrize("desk", [WEEK_LATER], indirect=True)
def test_queue_opens_on_the_working_day(browser, desk) -> None:  # type: ignore[no-untyped-def]
    """The day's drafts on the desk's clock (injected: a week after the planted day) and every
    earlier undecided one; decided ones stay on their day."""
    db, server = desk
    today = working_day(review_settings(), WEEK_LATER.now())
    current = plant(db, day=today, slot="viewpoint", kind="viewpoint")
    replayed = plant(db)  # the demo day, still pending
    decided = plant(db, slot="promo", kind="promo", state="approved")
    page = page_for(browser, server, "editor")
    assert str(today) in page.locator("h1").inner_text()
    shown = [a.get_attribute("href") for a in page.locator(".draft-row > a").all()]
    assert shown == [f"/drafts/{replayed}", f"/drafts/{current}"]
    earlier = page.locator(".slot").first
    assert "往日未决" in earlier.locator("h2").inner_text()
    assert "2026-11-23" in earlier.locator(".draft-row").inner_text()
    assert f"/drafts/{decided}" not in page.content()
    page.goto(f"{server.url}/metrics")
    assert str(today) in page.locator("h1").inner_text()


def test_keyboard_approve_needs_a_confirmation(browser, desk) -> None:  # type: ignore[no-untyped-def]
    db, server = desk
    draft_id = plant(db)
    page = page_for(browser, server, "editor")
    page.goto(f"{server.url}/drafts/{draft_id}")
    confirm = page.locator("#approve-confirm")
    page.keyboard.press("a")
    assert confirm.is_visible() and f"#{draft_id} 早报" in confirm.inner_text()
    page.keyboard.press("Escape")
    assert not confirm.is_visible()
    page.keyboard.press("a")
    page.keyboard.press("j")  # any other key cancels too
    assert not confirm.is_visible() and get_draft(db, draft_id).state == "pending_review"
    page.keyboard.press("e")
    assert page.locator("#edit-details").get_attribute("open") is not None
    assert page.evaluate("document.activeElement.id") == "edit-text"
    page.locator("#edit-text").blur()
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reject-note"
    page.locator("#reject-note").blur()
    page.keyboard.press("a")
    page.keyboard.press("y")
    page.wait_for_url(f"**/drafts/{draft_id}?done=approve")
    assert get_draft(db, draft_id).state == "approved"


def test_reject_with_a_note(browser, desk) -> None:  # type: ignore[no-untyped-def]
    page, draft_id = opened_draft(browser, desk)
    page.keyboard.press("r")
    page.keyboard.type("数据来源不清楚")
    page.click("#reject")
    page.wait_for_url(f"**/drafts/{draft_id}?done=reject")
    assert "数据来源不清楚" in page.locator(".audit").inner_text()
    assert get_draft(desk[0], draft_id).state == "rejected"


def test_two_editors_approve_the_same_version(browser, desk) -> None:  # type: ignore[no-untyped-def]
    db, server = desk
    draft_id = plant(db)
    first, second = page_for(browser, server, "editor"), page_for(browser, server, "editor2")
    for page in (first, second):
        page.goto(f"{server.url}/drafts/{draft_id}")
    first.click("#approve")
    first.wait_for_url(f"**/drafts/{draft_id}?done=approve")
    second.click("#approve")
    assert "conflict" in second.locator("#error").inner_text()
    audit = get_draft(db, draft_id).audit
    assert [(e.action, e.actor) for e in audit] == [("review.approve", "editor")]


def test_hostile_feed_title_renders_inert(browser, desk) -> None:  # type: ignore[no-untyped-def]
    db, server = desk
    draft_id = plant(db, body="<img src=x onerror=alert(1)>" + BODY)
    with db.session() as session:
        from newsdesk.store.models import Draft

        draft = session.get(Draft, draft_id)
        brief = dict(draft.brief)
        brief["sources"] = [dict(brief["sources"][0], title="<img src=x onerror=alert(1)>")]
        draft.brief = brief
    page = page_for(browser, server, "editor")
    page.goto(f"{server.url}/drafts/{draft_id}")
    assert page.locator("img").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.locator("#source-1").inner_text()
    assert "<img src=x onerror=alert(1)>" in page.locator("#draft-text").inner_text()


def test_form_post_without_csrf_is_refused(browser, desk) -> None:  # type: ignore[no-untyped-def]
    db, server = desk
    draft_id = plant(db)
    page = page_for(browser, server, "editor")
    response = page.request.post(
        f"{server.url}/drafts/{draft_id}/approve", form={"expected_version": "1"}
    )
    assert response.status == 403
    assert get_draft(db, draft_id).state == "pending_review"


def test_phone_layout(browser, desk) -> None:  # type: ignore[no-untyped-def]
    db, server = desk
    draft_id = copied_draft(db)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", PASSWORDS["editor"])
    page.click("button[type=submit]")
    page.goto(f"{server.url}/drafts/{draft_id}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is {width}px wide on a 390px phone"
    context.close()


def test_metrics_dashboard_renders_charts(browser, desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, server = desk
    plant(db)
    page = page_for(browser, server, "editor")
    page.goto(f"{server.url}/metrics?week=2026-W48")
    assert page.locator("svg.chart").count() == 4
    assert page.locator("svg.chart rect.bar").count() >= 1
    assert "2026-W48" in page.locator("h1").inner_text()
    csv_link = page.locator(".table-slots a").get_attribute("href")
    response = page.request.get(f"{server.url}{csv_link}")
    assert response.status == 200 and response.text().startswith("slot,kind,due")
    page.screenshot(path=str(tmp_path / "metrics.png"), full_page=True)
    if os.environ.get("NEWSDESK_SCREENSHOTS"):
        shutil.copy(tmp_path / "metrics.png", SCREENSHOTS / "metrics.png")
