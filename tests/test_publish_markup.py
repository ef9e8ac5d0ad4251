"""What a post shows besides its reviewed body, and templates that fail (issue 26 items 8, 9).

Before: a fetched page titled ``央行降准 [点此领取红包](http://evil.example/phish)`` became a
live link in the WeCom headline; a feed title's newlines put a ``# 伪造标题：稳赚不赔``
heading and a ``>`` quote into the source list, unseen by the compliance check; one
``{{ no_such_variable }}`` in a desk's close_summary template killed every publish run
(rc 1) before anything was sent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsdesk.publish.render import template_problems
from newsdesk.publish.service import publish_due
from newsdesk.store.db import Database
from newsdesk.store.models import AuditEntry, Draft
from tests import test_publish as publishing
from tests.cli_support import cli
from tests.review_data import plant
from tests.test_publish import FakeWeCom, approve, at, desk, wecom_only

fake_wecom = publishing.fake_wecom  # the misbehaving WeCom robot on loopback

PHISH = "央行降准 [点此领取红包](http://evil.example/phish)"


def _hostile(db: Database, draft_id: int, title: str, source_title: str) -> None:
    with db.session() as session:
        draft = session.get_one(Draft, draft_id)
        draft.title = title
        brief = dict(draft.brief)
        brief["sources"] = [dict(brief["sources"][0], title=source_title)]
        draft.brief = brief


def _blocked(db: Database, draft_id: int) -> list[str | None]:
    with db.session() as session:
        return list(
            session.scalars(
                AuditEntry.__table__.select()
                .with_only_columns(AuditEntry.note)
                .where(AuditEntry.draft_id == draft_id, AuditEntry.action == "publish.blocked")
            )
        )


def test_feed_text_cannot_make_markup_or_dodge_compliance(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    settings = wecom_only(tmp_path, monkeypatch, fake_wecom)
    settings.slot("morning_report").channels = ["wecom", "outbox"]
    linked = plant(db)
    _hostile(db, linked, PHISH, "降准落地\n# 伪造标题\n> 内部人士称**必读**")
    banned = plant(db, segment="新手")
    _hostile(db, banned, "早报", "降准点评\n# 伪造标题：稳赚不赔")
    for draft_id in (linked, banned):
        approve(db, settings, draft_id)

    report = publish_due(db, settings, at(8))
    (posted,) = fake_wecom.delivered
    headline, *rest = posted.splitlines()
    assert headline == "**央行降准 ［点此领取红包］(http://evil.example/phish)**"
    assert "](http://evil" not in posted and "**必读**" not in posted
    # Only the template's own signature line starts a quote; no line is a heading.
    assert [line for line in rest if line.startswith((">", "#"))] == [
        f"> {settings.persona.name} · 2026-11-23"
    ]
    assert "降准落地 # 伪造标题 ＞ 内部人士称＊＊必读＊＊" in posted

    assert sorted(report.sent) == [(linked, "outbox"), (linked, "wecom")]
    failed = {(d, c): why for d, c, why in report.failed}
    assert set(failed) == {(banned, "wecom"), (banned, "outbox")}
    assert "稳赚不赔" in failed[(banned, "wecom")]
    publish_due(db, settings, at(8, 1))  # held again, recorded once
    (note,) = _blocked(db, banned)
    assert note is not None and "稳赚不赔" in note
    assert fake_wecom.count("稳赚") == 0


BROKEN = "# {{ title }}\n{{ body }}\n{{ no_such_variable }}\n"


def test_a_broken_template_fails_its_posts_alone(db: Database, tmp_path: Path) -> None:
    own = tmp_path / "templates"
    (own / "outbox").mkdir(parents=True)
    (own / "outbox" / "close_summary.j2").write_text(BROKEN, encoding="utf-8")
    settings = desk(tmp_path)
    settings.publish.templates_dir = own
    assert template_problems(settings) == [
        "outbox/close_summary: 内容模板出错 / content template for outbox/close_summary failed: "
        "UndefinedError: 'no_such_variable' is undefined"
    ]
    morning = plant(db)
    close = plant(db, slot="close_summary", kind="close_summary")
    for draft_id in (morning, close):
        approve(db, settings, draft_id)

    report = publish_due(db, settings, at(16))
    assert report.sent == [(morning, "outbox")] and report.published == [morning]
    ((draft_id, channel, why),) = report.failed
    assert (draft_id, channel) == (close, "outbox") and "no_such_variable" in why
    assert len(_blocked(db, close)) == 1

    (own / "outbox" / "close_summary.j2").unlink()  # the desk fixes its template
    assert template_problems(settings) == []
    assert publish_due(db, settings, at(16, 1)).published == [close]


def test_the_cli_names_broken_templates_at_start_and_publishes_the_rest(
    sqlite_db: Database, tmp_path: Path
) -> None:
    own = tmp_path / "templates"
    (own / "outbox").mkdir(parents=True)
    (own / "outbox" / "close_summary.j2").write_text("{% if %}", encoding="utf-8")
    settings = desk(tmp_path)
    morning = plant(sqlite_db)
    close = plant(sqlite_db, slot="close_summary", kind="close_summary")
    for draft_id in (morning, close):
        approve(sqlite_db, settings, draft_id)
    env = {
        "NEWSDESK_CONFIG": str(Path(__file__).resolve().parent.parent / "config" / "desk.yaml"),
        "NEWSDESK_DATABASE_URL": sqlite_db.url,
        "NEWSDESK_VAR_DIR": str(tmp_path / "var"),
        "NEWSDESK_PUBLISH__TEMPLATES_DIR": str(own),
        "COLUMNS": "250",
    }
    out = cli("publish", "--now", "2026-11-23T16:00:00+08:00", env=os.environ | env)
    assert out.returncode == 0, out.stderr
    assert "outbox/close_summary" in out.stdout and "TemplateSyntaxError" in out.stdout
    assert f"sent draft {morning}" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_a_broken_script_is_named_at_start(tmp_path: Path) -> None:
    own = tmp_path / "templates"
    (own / "scripts").mkdir(parents=True)
    (own / "scripts" / "welcome.j2").write_text("欢迎 {{ name }} {% if %}", encoding="utf-8")
    settings = desk(tmp_path)
    settings.publish.templates_dir = own
    (problem,) = template_problems(settings)
    assert problem.startswith("scripts/welcome: 话术模板出错") and "TemplateSyntaxError" in problem
    (own / "scripts" / "welcome.j2").write_text("欢迎 {{ name }} 加入", encoding="utf-8")
    assert template_problems(settings) == []
