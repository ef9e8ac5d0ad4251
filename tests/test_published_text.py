"""Published text per channel: no machine labels, citation markers resolved into a source list."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsdesk.config import load_settings
from newsdesk.publish.render import cite, render_post, strip_machine_labels
from newsdesk.publish.service import publish_due
from newsdesk.store.db import Database
from tests.review_data import plant
from tests.test_publish import (  # noqa: F401 (webhook is a fixture)
    apprise_desk,
    approve,
    at,
    desk,
    outbox_files,
    webhook,
    wecom_desk,
)

ROOT = Path(__file__).resolve().parent.parent
# A draft as the offline composer stored it before it stopped writing labels.
OLD_DRAFT = (
    "【机器草稿·早报】研究助理小新为您整理今日要点。\n"
    "一、隔夜要闻速览\n"
    "央行下调存款准备金率0.25个百分点，预计释放长期资金约5000亿元[1]。\n"
    "降准直接降低银行负债成本【1】，对净息差形成支撑[2]。\n"
    "本稿由机器根据公开资讯自动生成，须经编辑审核后发布。\n"
    "投资有风险，入市需谨慎。以上内容仅供参考，不构成投资建议。"
)
LABELS = ("机器草稿", "本稿由机器", "须经编辑审核")
SOURCES = [
    {
        "number": 1,
        "outlet": "东方财经快讯",
        "title": "央行降准0.25个百分点",
        "link": "https://e.com/1",
    },
    {"number": 2, "outlet": "演示行情快照", "title": "11月23日A股收盘数据", "link": None},
    {"number": 3, "outlet": "北岸资讯", "title": "[独家](点评)", "link": "javascript:alert(1)"},
]


def test_machine_labels_never_reach_a_post() -> None:
    clean = strip_machine_labels(OLD_DRAFT)
    assert not any(label in clean for label in LABELS)
    assert clean.startswith("研究助理小新为您整理今日要点。\n一、隔夜要闻速览")
    assert clean.endswith("不构成投资建议。") and "\n\n" not in clean
    inline = strip_machine_labels(
        "整体看政策发力。本稿由机器生成，须经编辑审核后发布。投资有风险。"
    )
    assert inline == "整体看政策发力。投资有风险。"


def test_markers_resolve_against_the_brief() -> None:
    body, plain, cited = cite("甲[1]，乙【2】，丙[1-3]，丁[7] 。戊[2，9]", SOURCES)
    assert body == "甲[1]，乙[2]，丙[1,2,3]，丁。戊[2]"
    assert plain == "甲，乙，丙，丁。戊"
    assert [(c.number, c.link) for c in cited] == [(1, "https://e.com/1"), (2, None), (3, None)]


@pytest.mark.parametrize("channel", ["outbox", "wecom", "apprise"])
def test_every_channel_template_strips_labels_and_lists_sources(channel: str) -> None:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    post = render_post(
        settings,
        channel,
        "morning_report",
        title="早报",
        body=OLD_DRAFT + "\n追加一句[3]。",
        sources=SOURCES,
        day="2026-11-23",
        slot_title="早报",
    )
    assert not any(label in post for label in LABELS)
    assert "javascript:" not in post and "东方财经快讯" in post and "北岸资讯" in post
    if channel == "outbox":
        assert "\n来源：\n[1] 东方财经快讯《央行降准0.25个百分点》 https://e.com/1\n" in post
        assert "[2] 演示行情快照《11月23日A股收盘数据》\n" in post and "约5000亿元[1]。" in post
    elif channel == "wecom":
        assert "[1] 东方财经快讯《[央行降准0.25个百分点](https://e.com/1)》" in post
        assert "《［独家］(点评)》" in post  # feed brackets cannot open a markdown link
    else:
        assert "[1]" not in post and "【1】" not in post and "约5000亿元。" in post
        assert (
            "来源：东方财经快讯《央行降准0.25个百分点》；演示行情快照《11月23日A股收盘数据》"
            in post
        )
        assert "https://" not in post


def test_outbox_post_of_an_old_draft_is_clean(sqlite_db: Database, tmp_path: Path) -> None:
    settings = desk(tmp_path)
    draft = plant(sqlite_db, body=OLD_DRAFT)
    approve(sqlite_db, settings, draft)
    assert publish_due(sqlite_db, settings, at(8)).sent == [(draft, "outbox")]
    (path,) = outbox_files(settings)
    text = path.read_text(encoding="utf-8")
    assert not any(label in text for label in LABELS)
    # plant()'s brief has one source: [2] points nowhere and is dropped.
    assert "成本[1]，对净息差形成支撑。" in text
    assert "来源：\n[1] 演示媒体《央行降准0.25个百分点》 https://e.com/1\n" in text


def test_wecom_post_has_markdown_source_links(
    sqlite_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    webhook: list[dict[str, object]],  # noqa: F811
) -> None:
    settings = wecom_desk(tmp_path, monkeypatch, httpserver.url_for("/cgi-bin/webhook/send"))
    draft = plant(sqlite_db, body=OLD_DRAFT)
    approve(sqlite_db, settings, draft)
    publish_due(sqlite_db, settings, at(8))
    content = str(webhook[0]["markdown"]["content"])  # type: ignore[index]
    assert not any(label in content for label in LABELS)
    assert "**来源**\n[1] 演示媒体《[央行降准0.25个百分点](https://e.com/1)》" in content


def test_apprise_post_has_no_markers(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    settings, received = apprise_desk(tmp_path, monkeypatch, httpserver)
    draft = plant(sqlite_db, body=OLD_DRAFT)
    approve(sqlite_db, settings, draft)
    publish_due(sqlite_db, settings, at(8))
    message = str(received[0]["message"])
    assert not any(label in message for label in LABELS)
    assert "[1]" not in message and "【1】" not in message and "约5000亿元。" in message
    assert "来源：演示媒体《央行降准0.25个百分点》" in message
