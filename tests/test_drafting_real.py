"""The offline composer judged by hand annotations of real news, not by our own checks.

Every figure a draft states is read back by the bench's own plain reading
(``bench.real_news.stated_figures``, not the product's extractor) and must agree with an
annotation of an item its sentence cites: value and unit, qualifier, kind, direction, subject
and metric. Realisation is checked by round trip: the fact read back from the clause the
composer writes is the fact it was given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.corpora import shared_data
from bench.real_news import judge, stated_figures
from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.composer import compose
from newsdesk.drafting.composer.realise import clause
from newsdesk.drafting.composer.statements import source_statements
from newsdesk.kinds import REGISTRY
from newsdesk.text.facts import figure_facts
from newsdesk.text.normalise import desk_text

DATA = shared_data("real-news-dev")
pytestmark = pytest.mark.skipif(not (DATA / "items.json").exists(), reason="no real-news-dev")
DISCLAIMER = "投资有风险，入市需谨慎。"


def items() -> list[dict[str, Any]]:
    return json.loads((DATA / "items.json").read_text(encoding="utf-8"))


def brief_of(kind: str, chosen: list[dict[str, Any]], note: str | None = None) -> Brief:
    sources = [
        BriefSource(n, n, it["title"], it["text"][:600], it["outlet"], it["url"], None)
        for n, it in enumerate(chosen, start=1)
    ]
    return Brief(
        kind, kind, kind, "2026-12-08", "入门", "时效性内容", "", "", sources=sources, note=note
    )


def wrong_figures(text: str, chosen: list[dict[str, Any]]) -> list[str]:
    wrong = []
    for stated in stated_figures(text.replace(DISCLAIMER, "")):
        annotations = [f for n in stated.sources for f in chosen[n - 1]["figures"]]
        judge(stated, annotations)
        if not stated.right:
            wrong.append(f"{stated.value}{stated.unit} «{stated.clause}» {stated.why}")
    return wrong


@pytest.mark.parametrize("kind", ["morning_report", "viewpoint", "interaction"])
def test_every_figure_a_draft_states_agrees_with_the_annotations(kind: str) -> None:
    chosen = items()
    text = compose(Settings(), brief_of(kind, chosen), DISCLAIMER).text
    # the draft states figures at all (a 互动 may discuss a view its sources give instead)
    assert stated_figures(text) or (kind == "interaction" and "“" in text), text
    assert wrong_figures(text, chosen) == [], text


def test_one_story_a_numbered_line_no_traditional_script_no_internal_note() -> None:
    chosen = items()
    composed = compose(Settings(), brief_of("morning_report", chosen), DISCLAIMER)
    lines = [ln for ln in composed.text.splitlines() if ln[:1].isdigit()]
    assert lines and all(ln.count("[") == 1 for ln in lines)  # one story (source) a line
    assert desk_text(composed.text) == composed.text  # nothing left to convert
    assert "暂未入库" not in composed.text and "待补充" not in composed.text
    # Stories with no statable figure are named beside the draft, not in it.
    assert any(note.startswith("未写入") for note in composed.notes)


def test_a_close_summary_without_the_days_market_data_is_no_post_and_says_why() -> None:
    composed = compose(Settings(), brief_of("close_summary", items()[:5]), DISCLAIMER)
    assert "盘面数据未写入：今日的收盘行情快照尚未入库，收盘总结未起草" in composed.notes
    assert composed.text == ""  # not the morning's news again under a 收盘 heading


def test_each_statement_reads_back_as_the_fact_it_states() -> None:
    checked = 0
    for n, it in enumerate(items(), start=1):
        source = BriefSource(n, n, it["title"], it["text"], it["outlet"], None, None)
        for statement in source_statements(source):
            said = desk_text(f"{statement.subject}{statement.period}{clause(statement)}")
            back = [f for f in figure_facts(said) if f.value == statement.fact.value]
            assert back, said
            fact = back[-1]
            assert (fact.unit, fact.direction, fact.kind) == (
                statement.fact.unit,
                statement.fact.direction,
                statement.fact.kind,
            ), said
            assert fact.qualifier.strip("为了达") == statement.reading.qualifier, said
            checked += 1
    assert checked >= 5


def test_a_rewrite_note_asking_for_what_the_sources_lack_says_so() -> None:
    composed = compose(
        Settings(), brief_of("morning_report", items()[:8], note="多写低空经济"), DISCLAIMER
    )
    assert any("低空经济" in note for note in composed.notes)


def test_shorter_keeps_the_biggest_story_only() -> None:
    chosen = items()
    full = compose(Settings(), brief_of("morning_report", chosen), DISCLAIMER).text
    short = compose(Settings(), brief_of("morning_report", chosen, note="更短"), DISCLAIMER).text
    first = next(ln for ln in full.splitlines() if ln.startswith("1、"))
    numbered = [ln for ln in short.splitlines() if ln[:1].isdigit()]
    assert len(numbered) == 1 and numbered[0].split("[")[-1] == first.split("[")[-1]


def test_a_new_kind_is_one_registry_entry_and_its_files(tmp_path: Path) -> None:
    from dataclasses import replace

    prompts = tmp_path / "prompts"
    (prompts / "phrases").mkdir(parents=True)
    (prompts / "phrases" / "noon_report.toml").write_text(
        'greeting = ["午间速览如下。"]\nclosing = ["午后继续跟踪。"]\n', encoding="utf-8"
    )
    REGISTRY["noon_report"] = replace(REGISTRY["morning_report"], name="noon_report", research=0)
    try:
        settings = Settings(prompts_dir=prompts)
        text = compose(settings, brief_of("noon_report", items()), DISCLAIMER).text
    finally:
        del REGISTRY["noon_report"]
    assert text.startswith("午间速览如下。") and "1、" in text


def test_breaking_news_keeps_its_headlines_figures_and_forecast_marking() -> None:
    # Invented headline: a forecast with a hedge and two figures, no body yet.
    headline = "民航局预计2027年低空经济规模超过1.5万亿元，起降点超1200个"
    brief = Brief(
        "breaking", "breaking", "突发", "2026-12-08", "入门", "及时性支持", "", "",
        sources=[BriefSource(1, 1, headline, "", "突发", None, None)],
    )  # fmt: skip
    text = compose(Settings(), brief, DISCLAIMER).text
    assert "预计" in text and "超过1.5万亿元" in text and "超1200个" in text
    assert "[1]" in text


@pytest.mark.parametrize(
    "title,text",
    [
        ("新华社上海12月7日电（记者王明）", "新华社上海12月7日电（记者王明）"),  # a byline only
        ("证监会发布上市公司监管新规", "证监会发布新规，强调信息披露质量。"),  # no figures
    ],
)
def test_a_day_with_nothing_sure_to_state_is_no_post_and_says_why(title: str, text: str) -> None:
    brief = brief_of("morning_report", [])
    brief.sources = [BriefSource(1, 1, title, text, "某报", None, None)]
    composed = compose(Settings(), brief, DISCLAIMER)
    assert composed.text == ""
    assert any(note.startswith("未写入[1]") for note in composed.notes)
