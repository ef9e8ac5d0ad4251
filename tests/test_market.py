"""Market snapshots: JSON read and validated, stated in Chinese, ingested through the fetch path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from newsdesk.errors import SnapshotError
from newsdesk.feeds.ingest import ingest, ingest_source
from newsdesk.feeds.market import amount_text, parse_snapshots, snapshot_entry, snapshot_text
from newsdesk.store.db import Database
from newsdesk.store.models import Item
from newsdesk.store.sources import get_source
from newsdesk.topics.service import load_items
from tests.conftest import make_settings
from tests.feeds import rss_bytes

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai, after the close


def snapshot(**overrides: Any) -> dict[str, Any]:
    return {
        "date": "2026-11-20",
        "indices": [
            {"name": "上证指数", "close": 3412.35, "change_pct": 0.52},
            {"name": "创业板指", "close": 2198.4, "change_pct": -1.05},
        ],
        "turnover": "1.12万亿元",
        "northbound_net": 5_630_000_000,
        "sectors": [
            {"name": "低空经济", "change_pct": 4.21},
            {"name": "煤炭", "change_pct": -1.2},
            {"name": "银行", "change_pct": 0},
        ],
        "breadth": {"up": 3120, "down": 1890, "limit_up": 68},
    } | overrides


def encoded(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def test_snapshot_states_each_figure_with_its_metric() -> None:
    (parsed,) = parse_snapshots(encoded(snapshot()))
    assert snapshot_text(parsed, TZ) == (
        "11月20日A股收盘：上证指数收盘3412.35点，上涨0.52%；创业板指收盘2198.40点，下跌1.05%。"
        "沪深两市成交额1.12万亿元。北向资金净流入56.3亿元。"
        "领涨板块：低空经济板块上涨4.21%；领跌板块：煤炭板块下跌1.20%。"
        "全市场上涨个股3120家，下跌个股1890家，涨停68家。"
    )
    entry = snapshot_entry(parsed, TZ)
    assert entry.guid == "market:2026-11-20" and entry.title == "2026年11月20日A股收盘数据"
    assert entry.published == datetime(2026, 11, 20, 15, 0, tzinfo=TZ)


def test_intraday_snapshot_outflow_and_minimal_fields() -> None:
    document = {
        "date": "2026-11-20",
        "as_of": "2026-11-20T11:30:00+08:00",
        "indices": [{"name": "深证成指", "close": 10876.2, "change_pct": 0}],
        "northbound_net": "-12.5亿元",
    }
    (parsed,) = parse_snapshots(encoded(document))
    assert snapshot_text(parsed, TZ) == (
        "11月20日A股盘中（截至11:30）：深证成指报10876.20点，平收（涨跌幅0.00%）。"
        "北向资金净流出12.5亿元。"
    )
    assert snapshot_entry(parsed, TZ).title == "2026年11月20日A股盘中数据"


@pytest.mark.parametrize(
    ("yuan", "text"),
    [(1.12e12, "1.12万亿元"), (9.86e11, "9860亿元"), (5.63e9, "56.3亿元"), (8e6, "800万元")],
)
def test_amounts_in_the_unit_a_report_uses(yuan: float, text: str) -> None:
    assert amount_text(yuan) == text


def test_a_history_document_holds_one_snapshot_per_day() -> None:
    days = [snapshot(date=f"2026-11-{d}") for d in (16, 17, 18)]
    assert [s.date.day for s in parse_snapshots(encoded({"snapshots": days}))] == [16, 17, 18]
    assert len(parse_snapshots(encoded(days))) == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "不是有效的 JSON"),
        (b"\xff\xfe{}", "不是有效的 JSON"),
        (b"[]", "行情快照为空"),
        (b'"closing bell"', "不是 JSON 对象"),
        (encoded(snapshot(indices=[])), "indices"),
        (encoded({"date": "2026-11-20"}), "indices"),
        (encoded(snapshot(date="yesterday")), "date"),
        (encoded(snapshot(turnover="很多")), "turnover"),
        (encoded(snapshot(turnover="-3亿元")), "turnover"),
        (encoded(snapshot(northbound_net=True)), "northbound_net"),
        (
            b'{"date": "2026-11-20", "indices": [{"name": "x", "close": NaN, "change_pct": 1}]}',
            "NaN",
        ),
        (
            b'{"date": "2026-11-20", "indices": [{"name": "x", "close": 1e999, "change_pct": 1}]}',
            "close",
        ),
        (encoded(snapshot(indices=[{"name": "上证指数", "close": -5, "change_pct": 1}])), "close"),
        (encoded(snapshot(indices=[{"name": "", "close": 1, "change_pct": 1}])), "name"),
        (encoded(snapshot(indices=[{"name": "上证\x00", "close": 1, "change_pct": 1}])), "name"),
        (encoded(snapshot(sectors=[{"name": "<b>银行</b>", "change_pct": 1}])), "sectors.0.name"),
        (
            b'{"date": "2026-11-20", "indices": [{"name": "\\ud800", "close": 1, "change_pct": 1}]}',
            "name",
        ),
        (encoded(snapshot(sectors=[{"name": "银行", "change_pct": "大涨"}])), "sectors.0"),
    ],
)
def test_bad_snapshots_say_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshots(body)
    assert message in str(caught.value) and "行情快照" in str(caught.value)


def test_ingest_stores_snapshots_and_a_bad_one_fails_only_its_source(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    days = [snapshot(date="2026-11-19"), snapshot()]
    httpserver.expect_request("/market.json").respond_with_data(
        encoded({"snapshots": days}), content_type="application/json"
    )
    httpserver.expect_request("/broken.json").respond_with_data(
        b'{"date": "2026-11-20", "indices": [', content_type="application/json"
    )
    httpserver.expect_request("/feed").respond_with_data(
        rss_bytes([("g1", "央行开展逆回购操作", "https://e.com/1")])
    )
    settings = make_settings(
        tmp_path,
        [
            {"name": "market", "type": "market", "url": httpserver.url_for("/market.json")},
            {"name": "broken", "type": "market", "url": httpserver.url_for("/broken.json")},
            {"name": "news", "url": httpserver.url_for("/feed")},
        ],
    )
    runs = {r.name: r for r in ingest(db, settings)}
    assert (runs["market"].status, runs["market"].new) == ("done", 2)
    assert runs["news"].status == "done" and runs["news"].new == 1
    assert runs["broken"].status == "failed" and "不是有效的 JSON" in runs["broken"].error
    with db.session() as session:
        assert get_source(session, "broken").state.error_count == 1
        assert get_source(session, "market").state.error_count == 0
        stored = session.scalars(select(Item).where(Item.kind == "market")).all()
        assert sorted(i.guid for i in stored) == ["market:2026-11-19", "market:2026-11-20"]
        day = next(i for i in stored if i.guid == "market:2026-11-20")
        assert "上证指数收盘3412.35点，上涨0.52%" in day.body and day.summary == day.body
        assert day.data["turnover"] == 1.12e12 and day.data["indices"][0]["name"] == "上证指数"
        # Topics read news only: a snapshot's index names and figures are no hot topic.
        items = load_items(session, NOW - timedelta(days=3), NOW)
    assert [i.title for i in items] == ["央行开展逆回购操作"]


def test_a_later_snapshot_of_the_day_replaces_the_earlier(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    midday = snapshot(as_of="2026-11-20T11:30:00+08:00", turnover="5800亿元")
    settings = make_settings(
        tmp_path, [{"name": "m", "type": "market", "url": httpserver.url_for("/m.json")}]
    )
    httpserver.expect_ordered_request("/m.json").respond_with_data(encoded(midday))
    httpserver.expect_ordered_request("/m.json").respond_with_data(encoded(snapshot()))
    httpserver.expect_ordered_request("/m.json").respond_with_data(encoded(snapshot()))
    first = ingest_source(db, settings, "m", now=NOW)
    second = ingest_source(db, settings, "m", now=NOW + timedelta(hours=1))
    third = ingest_source(db, settings, "m", now=NOW + timedelta(hours=2))
    assert [(r.new, r.duplicates) for r in (first, second, third)] == [(1, 0), (1, 0), (0, 1)]
    with db.session() as session:
        (item,) = session.scalars(select(Item).where(Item.kind == "market")).all()
        assert item.title == "2026年11月20日A股收盘数据" and "1.12万亿元" in item.body
        assert item.data["turnover"] == 1.12e12 and len(item.sightings) == 1
