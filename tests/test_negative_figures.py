"""A negative figure (归母净利润-160.69亿元, rn030 in real-news-dev) is a loss: a draft that drops
the sign states a profit. Found by reading the composer's 万科 lines against the annotations."""

from __future__ import annotations

import pytest

from newsdesk.checks.citations import check_citations
from newsdesk.drafting.brief import BriefSource
from newsdesk.drafting.composer.realise import clause
from newsdesk.drafting.composer.statements import source_statements

SOURCE = "据财报数据，今年第三季度，万科实现营业收入560.65亿元，同比下降27.30%，归母净利润-160.69亿元，同比下降98.61%。"


def kinds(draft: str, source: str = SOURCE) -> list[str]:
    return [problem.kind for problem in check_citations(draft, [source]).problems]


def test_a_loss_stated_as_a_profit_is_a_flipped_direction() -> None:
    assert kinds("万科第三季度归母净利润为160.69亿元[1]。") == ["direction_flipped"]


@pytest.mark.parametrize(
    "draft",
    [
        "万科第三季度归母净利润为-160.69亿元[1]。",
        "万科第三季度净亏损160.69亿元[1]。",
        "万科第三季度归母净利润亏损160.69亿元[1]。",
    ],
)
def test_a_loss_stated_as_a_loss_is_no_problem(draft: str) -> None:
    assert kinds(draft) == []


def test_a_profit_stated_with_a_minus_sign_is_flagged() -> None:
    source = "第三季度，公司实现归母净利润192.24亿元，同比增长0.48%。"
    assert kinds("公司第三季度归母净利润为-192.24亿元[1]。", source) == ["direction_flipped"]


def test_the_composer_states_a_negative_figure_with_its_sign() -> None:
    source = BriefSource(1, 1, "万科(000002.SZ)发布三季报", SOURCE, "outlet", None, None)
    said = [clause(s) for s in source_statements(source)]
    assert "归母净利润为-160.69亿元" in said and "营业收入为560.65亿元" in said
    assert not any("160.69" in c and "-160.69" not in c for c in said)


def test_a_figure_in_a_clause_framed_as_a_forecast_is_no_forecast_stated_as_result() -> None:
    # real-news-dev draft 023 (a correct rewrite): 预计 frames the whole clause.
    source = (
        "欧振兴预计，2026年香港新股融资金额有望再次突破3000亿港元。预计有7只新股融资额达百亿港元。"
    )
    framed = "欧振兴预计，2026年香港新股融资金额有望再次突破3000亿港元，其中7只新股融资额预计达百亿港元[1]。"
    assert kinds(framed, source) == []
    # After a ；, the frame is gone: the 7只 reads as a result.
    unframed = (
        "欧振兴预计，2026年香港新股融资金额有望再次突破3000亿港元；7只新股融资额达百亿港元[1]。"
    )
    assert kinds(unframed, source) == ["forecast_as_actual"]


def test_a_forecast_that_leads_the_sentence_frames_its_later_figures_too() -> None:
    # real-news-dev draft 024 (a planted error): the source's 德勤预计 leads the whole
    # sentence, so 2863亿港元 is a forecast as much as 114只; the draft states it as 已达.
    source = "德勤预计,2025年港交所有114只新股上市,集资额为2863亿港元,同比分别增长63%及227%。"
    planted = "德勤同时预计2025年港交所将有114只新股上市；全年集资额已达2863亿港元[1]。"
    assert kinds(planted, source) == ["forecast_as_actual"]
    assert kinds("德勤预计,2025年港交所有114只新股上市,集资额为2863亿港元[1]。", source) == []


@pytest.mark.parametrize(
    ("source", "draft"),
    [
        # A cue inside the first figure's clause frames that figure only.
        ("公司营收预计增长10%，净利润增长8%。", "公司净利润增长8%[1]。"),
        # A result cue after the lead is closer to the figure: a result.
        ("德勤预计,今年将有114只新股上市,上半年实际完成52只。", "上半年已完成52只新股上市[1]。"),
        # A clause that names its own period states a fact of that period, not the forecast.
        (
            "德勤预计，2025年港交所有114只新股上市，2024年为88只。",
            "2024年港交所有88只新股上市[1]。",
        ),
        # So does one it is compared with.
        (
            "德勤预计，2025年港交所有114只新股上市，较去年的88只明显增加。",
            "去年港交所有88只新股上市[1]。",
        ),
    ],
)
def test_a_figure_the_lead_does_not_frame_reads_as_a_result(source: str, draft: str) -> None:
    assert kinds(draft, source) == []
