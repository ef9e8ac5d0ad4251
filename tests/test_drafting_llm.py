"""The LLM path on real news: the brief a model reads is in the desk's script with one form of
numbers, the prompt asks for each figure's unit, qualifier and forecast marking, and a
completion with one wrong figure goes back with the checks' named problem and the source's
span, and is repaired. Completions are written the way a capable model writes (own words,
fluent) and replayed from the fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from bench.corpora import shared_data
from newsdesk.config import LLMConfig, Settings, load_settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.llm import OpenAIProvider
from newsdesk.drafting.prompts import draft_messages
from newsdesk.drafting.service import write_draft
from newsdesk.store.db import Database
from newsdesk.store.models import DraftVersion
from tests.fake_openai import FakeOpenAI, reply

ROOT = Path(__file__).resolve().parent.parent
DATA = shared_data("real-news-dev")
pytestmark = pytest.mark.skipif(not (DATA / "items.json").exists(), reason="no real-news-dev")
DAY = date(2026, 12, 8)
DISCLAIMER = "投资有风险，入市需谨慎。以上内容仅供参考，不构成投资建议。"


def item(item_id: str) -> dict[str, Any]:
    items = json.loads((DATA / "items.json").read_text(encoding="utf-8"))
    return next(it for it in items if it["id"] == item_id)


def brief_of(*item_ids: str) -> Brief:
    sources = [
        BriefSource(n, n, it["title"], it["text"], it["outlet"], it["url"], None)
        for n, it in enumerate(map(item, item_ids), start=1)
    ]
    return Brief(
        "viewpoint", "viewpoint", "个人观点", DAY.isoformat(), "高阶", "热点类话题", "", "",
        sources=sources,
    )  # fmt: skip


def settings_for(fake: FakeOpenAI) -> Settings:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    settings.llm = LLMConfig(
        **(settings.llm.model_dump() | {"provider": "openai", "base_url": fake.base_url})
    )
    return settings


def test_the_brief_a_model_reads_is_simplified_with_plain_numbers() -> None:
    brief = brief_of("rn005")  # traditional script, full-width digits
    system, user = (m["content"] for m in draft_messages(Settings(), brief, DISCLAIMER))
    assert "10月份CPI同比上涨0.2%" in user  # 10月份CPI同比上漲0.2％ in the source
    assert "上漲" not in user and "％" not in user
    for rule in ("单位", "限定词", "预测", "盘中", "主体"):
        assert rule in system


# Written as a capable model writes: its own words, fluent; the first states the market's
# expectation (市场预期为425亿元) as the quarter's revenue.
WRONG = (
    "茅台三季报交出了一份“低速但为正”的答卷。第三季度营业收入达到425亿元，同比增长0.3%[1]，"
    "归母净利润192.2亿元，同比增长0.6%[1]，利润增速略快于收入。在消费疲软的背景下，"
    "能守住正增长已属不易，但渠道端的压力仍需要时间消化。" + DISCLAIMER
)
RIGHT = (
    "茅台三季报交出了一份“低速但为正”的答卷。第三季度营业收入398.1亿元，同比增长0.3%，"
    "低于市场此前预期的425亿元[1]；归母净利润192.2亿元，同比增长0.6%[1]，利润增速略快于收入。"
    "在消费疲软的背景下，能守住正增长已属不易，但渠道端的压力仍需要时间消化。" + DISCLAIMER
)


def test_a_forecast_stated_as_the_result_goes_back_with_its_source_span_and_is_repaired(
    sqlite_db: Database, httpserver: HTTPServer
) -> None:
    fake = FakeOpenAI(httpserver)

    def answer(body: dict[str, Any]) -> Response:
        user = body["messages"][1]["content"]
        return reply(RIGHT if "问题清单" in user else WRONG)

    fake.serve(answer)
    settings = settings_for(fake)
    provider = OpenAIProvider(settings.llm, "test-key")
    outcome = write_draft(
        sqlite_db, settings, settings.slot("viewpoint"), DAY, provider, brief=brief_of("rn003")
    )
    with sqlite_db.session() as session:
        stored = (
            session.query(DraftVersion)
            .where(DraftVersion.draft_id == outcome.draft_id)
            .order_by(DraftVersion.number)
            .all()
        )
        passed = [(v.origin, v.passed) for v in stored]
    assert passed == [("draft", False), ("revision", True)]
    revision = fake.user_messages()[1]
    # The named problem, the sentence and the source's own words for the figure.
    assert "预测" in revision and "425亿元" in revision and "市场预期为425亿元" in revision
