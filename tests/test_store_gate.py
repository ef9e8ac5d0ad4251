"""The store's last gate (``newsdesk/store/db.py``): no NUL, C0 control or lone surrogate reaches
either database, from a single statement or from a many-row one whose other rows are clean;
clean parameters go through untouched (the gate checks them all at once)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from newsdesk.store.db import Database, _safe_parameters
from newsdesk.store.models import Source

DIRTY = ["a\x00b", "x\ud800y", "\ud83d\ude00", "c\x1bd\ufffe", "fine", "\u2028ok\t\n"]
CLEAN = ["ab", "x\ufffdy", "\U0001f600", "cd", "fine", "\u2028ok\t\n"]


def test_many_rows_with_a_few_dirty_ones_are_stored_sanitised(db: Database) -> None:
    rows = [
        {"name": f"s{n}", "title": f"标题{n}", "url": f"https://e.com/{n}", "type": "feed"}
        for n in range(50)
    ]
    for n, dirty in enumerate(DIRTY):
        rows[n * 7]["title"] = dirty
    with db.session() as session:
        session.execute(insert(Source), rows)
        session.execute(
            insert(Source), {"name": "one", "title": "单\x00条", "url": "u", "type": "feed"}
        )
    with db.session() as session:
        titles = dict(session.execute(select(Source.name, Source.title)).tuples().all())
    for n, clean in enumerate(CLEAN):
        assert titles[f"s{n * 7}"] == clean
    assert titles["s1"] == "标题1" and titles["one"] == "单条"


def test_clean_parameters_pass_as_they_are() -> None:
    rows = [("标题", 1, datetime(2026, 12, 7, tzinfo=UTC), None), ("t\u3000\n", 2, None, b"\x00")]
    assert _safe_parameters(None, None, "S", rows, None, True)[1] is rows
    single = {"a": "正文", "b": 3}
    assert _safe_parameters(None, None, "S", single, None, False)[1] is single
    dirty = [("ok",), ("a\x00b",), ("x\ud800",)]
    assert _safe_parameters(None, None, "S", dirty, None, True)[1] == [
        ("ok",),
        ("ab",),
        ("x\ufffd",),
    ]
    assert _safe_parameters(None, None, "S", ("\x01",), None, False)[1] == ("",)
