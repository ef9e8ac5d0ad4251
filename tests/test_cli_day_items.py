"""``newsdesk topics --date D`` and ``newsdesk draft --date D`` read a day's items as of the same
moment (issue 24 item 7), and a draft for a slot whose time has passed says what becomes of it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli_support import cli

SHANGHAI = ZoneInfo("Asia/Shanghai")

DESK = """\
timezone: Asia/Shanghai
var_dir: {var}
slots:
  - {{name: late, time: '23:59', kind: promo, title: 晚间提示, calendar: daily}}
  - {{name: early, time: '00:01', kind: promo, title: 清晨提示, calendar: daily}}
"""


@pytest.fixture
def desk(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "desk.yaml"
    path.write_text(DESK.format(var=tmp_path / "var"), encoding="utf-8")
    return {"NEWSDESK_CONFIG": str(path)}


RRR = "央行宣布下调存款准备金率0.5个百分点，释放长期资金约1万亿元。"
LOW_ALTITUDE = "工信部公布低空经济试点城市新增12个，覆盖8个省份。"


def add_item(env: dict[str, str], text: str, outlet: str, published: datetime) -> int:
    """A manual item: its headline is the text's first clause (two items are two stories)."""
    out = cli(
        "item", "add", "--title", text.split("，")[0], "--text", text, "--outlet", outlet,
        "--published", published.isoformat(), env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


def brief_items(env: dict[str, str], slot: str) -> set[int]:
    db = Path(env["NEWSDESK_CONFIG"]).parent / "var" / "newsdesk.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT brief FROM drafts WHERE slot = ?", (slot,)).fetchall()
    assert rows, f"no draft of {slot}"
    return {s["item_id"] for (brief,) in rows for s in json.loads(brief)["sources"]}


def test_topics_and_draft_read_a_running_day_up_to_now(desk: dict[str, str]) -> None:
    """Before: topics for today detected at now, while the draft's brief took every item of the
    slot's window, one stamped later than now included."""
    now = datetime.now(SHANGHAI)
    if now.hour == 23 and now.minute >= 30:
        pytest.skip("needs half an hour of the desk's day left for an item stamped ahead")
    day = now.date().isoformat()
    seen = add_item(desk, RRR, "甲报", now - timedelta(hours=1))
    ahead = add_item(desk, LOW_ALTITUDE, "乙报", now + timedelta(minutes=20))
    topics = cli("topics", "--date", day, "--json", env=desk)
    assert topics.returncode == 0, topics.stderr
    drafted = cli("draft", "--slot", "late", "--date", day, env=desk)
    assert drafted.returncode == 0, drafted.stderr
    items = brief_items(desk, "late")
    assert seen in items
    assert ahead not in items
    ranked = {i for t in json.loads(topics.stdout) for i in t["item_ids"]}
    assert ahead not in ranked


def test_a_past_slots_draft_says_it_is_for_review_only(desk: dict[str, str]) -> None:
    now = datetime.now(SHANGHAI)
    if now.hour == 0 and now.minute < 2:
        pytest.skip("the early slot (00:01) has not passed yet")
    add_item(desk, RRR, "甲报", now - timedelta(minutes=5))
    day = now.date()
    past = cli("draft", "--slot", "early", "--date", day.isoformat(), env=desk)
    assert past.returncode == 0, past.stderr
    text = " ".join(past.stdout.split())
    assert "已过" in text and "仅供审阅" in text and "for review only" in text
    assert "expires at the next publish run" in text
    ahead = (day + timedelta(days=1)).isoformat()
    future = cli("draft", "--slot", "early", "--date", ahead, env=desk)
    assert future.returncode == 0, future.stderr
    assert "已过" not in future.stdout and "review only" not in future.stdout
