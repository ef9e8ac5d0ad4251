"""The 观点's reasoning: the reasons and views its sources give, quoted word for word and
attributed — judged against the sources' own text, not against the composer's phrases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.corpora import shared_data
from bench.real_news import stated_figures
from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.composer import compose
from newsdesk.drafting.composer.views import source_views
from newsdesk.text.normalise import desk_text

DATA = shared_data("real-news-dev")
real = pytest.mark.skipif(not (DATA / "items.json").exists(), reason="no real-news-dev")
DISCLAIMER = "投资有风险，入市需谨慎。"
QUOTED = re.compile(r"“([^”]+)”(?:等)?(?:；“([^”]+)”)?(?:等)?\[(\d+)\]")


def items() -> list[dict[str, Any]]:
    return json.loads((DATA / "items.json").read_text(encoding="utf-8"))


def source(text: str, number: int = 1, kind: str = "feed", title: str = "") -> BriefSource:
    return BriefSource(number, number, title, text, "", None, None, kind)


def plain(text: str) -> str:
    """A source as a reader compares a quote with it: one script, asides and marks aside."""
    text = re.sub(r"（[^）]*）|\([^)]*\)", "", desk_text(text))
    return text.translate(str.maketrans({"「": "‘", "」": "’", ",": "，", ";": "；", ":": "："}))


@real
def test_every_view_is_the_sources_own_words_without_a_figure_or_a_rating() -> None:
    found = 0
    for item in items():
        for view in source_views(source(item["text"]), "simplified", (), 30):
            found += 1
            assert view.quote in plain(item["text"]), (item["id"], view)
            assert len(view.quote) <= 30
            # an independent reader finds no figure in it, and no investment advice
            assert stated_figures(view.quote) == [], view
            assert not re.search(r"评级|买入|目标价", view.quote), view
    assert found >= 10  # the real news day gives reasons in many of its reports


@real
def test_a_reason_keeps_who_gives_it_and_what_it_explains() -> None:
    vanke = next(i for i in items() if "对于亏损原因" in desk_text(i["text"]))
    (view,) = [v for v in source_views(source(vanke["text"]), "simplified", (), 30)][:1]
    assert (view.kind, view.speaker, view.about) == ("cause", "万科", "对于亏损原因")
    # the source lists four reasons; the quote keeps the first whole ones and says there are more
    assert view.quote.startswith("主要是开发业务结算规模下滑、") and view.listed


@pytest.mark.parametrize(
    "text",
    [
        # a company's announcement is its news, not a view of it
        "翔云航空科技公告称，其自主研发的eVTOL机型取得型号合格证，低空经济商业化运营再进一步。",
        # 称 in 堪称 is no speech
        "自主品牌的表现堪称亮眼，成为市场最大赢家。",
        # a cause without what it causes
        "其中受国际金价上涨影响，金银珠宝类商品零售额大幅增长。",
        # a scene-setting clause alone
        "万科管理层表示，在各方及大股东强有力的支持下，公司2025年已完成公开债务的偿还。",
        # a quotation the source opens before and closes after these clauses
        "霍德斯表示，“OPEC+的策略可能会大幅压缩页岩油生产商的利润，令其减产。”",
        # a text cut short: its last sentence is not whole
        "分析人士认为，消费修复仍需政策持续发力",
    ],
)
def test_what_is_no_view_is_not_quoted(text: str) -> None:
    assert source_views(source(text), "simplified", (), 30) == []


def topic_brief(chosen: list[BriefSource], terms: list[str], kind: str = "viewpoint") -> Brief:
    return Brief(
        kind,
        kind,
        kind,
        "2026-11-23",
        "高阶",
        "热点类话题",
        "",
        "",
        topics=[{"label": terms[0], "terms": terms}],
        sources=chosen,
    )


NEWS = (
    "翔云航空科技表示，其eVTOL机型已获得120架意向订单，合同金额约36亿元，首批交付计划于明年进行。"
    "低空经济商业化提速。"
)
HEADLINE = "翔云航空科技：eVTOL意向订单达120架"
PAGE = (
    "低空经济深度：从政策试点到规模化运营\n"
    "到2030年，低空经济商业化节奏取决于适航取证与起降点建设。\n"
    "风险在于安全事故、政策落地不及预期以及整机成本下降慢于预期。"
)


def quotes_of(text: str) -> list[tuple[str, int]]:
    return [
        (quote, int(number))
        for first, second, number in QUOTED.findall(text)
        for quote in (first, second)
        if quote
    ]


def test_research_on_the_topic_gives_the_opinion_what_to_watch_cited_to_it() -> None:
    chosen = [source(NEWS, 1, title=HEADLINE), source(PAGE, 2, "page", "低空经济深度")]
    text = compose(Settings(), topic_brief(chosen, ["低空经济", "eVTOL"]), DISCLAIMER).text
    quoted = quotes_of(text)
    assert quoted, text
    for quote, number in quoted:
        assert number == 2 and quote in plain(PAGE), text
    # the premise is the story's own figure, stated through the fact model and cited
    assert "120架" in text and "[1]" in text


def test_research_on_another_topic_lends_the_opinion_nothing() -> None:
    page = PAGE.replace("低空经济", "半导体")
    chosen = [source(NEWS, 1, title=HEADLINE), source(page, 2, "page", "半导体深度")]
    text = compose(Settings(), topic_brief(chosen, ["低空经济", "eVTOL"]), DISCLAIMER).text
    assert "120架" in text and quotes_of(text) == [], text


@real
def test_a_reason_given_for_another_month_is_not_quoted() -> None:
    # The 10月 CPI story's reports include one of the 11月 figures, whose statistician gives a
    # reason for November: an opinion on October does not quote it.
    cpi = [i for i in items() if i["story"] in ("10月CPI", "11月CPI")]
    november = next(i for i in cpi if i["story"] == "11月CPI")
    chosen = [source(i["text"], n, title=i["title"]) for n, i in enumerate(cpi, start=1)]
    chosen = [chosen[0]] + [
        BriefSource(s.number, s.item_id, s.title, s.text, "", None, None, story=1)
        for s in chosen[1:]
    ]
    text = compose(Settings(), topic_brief(chosen, ["CPI"]), DISCLAIMER).text
    assert "10月" in text, text
    for quote, _ in quotes_of(text):
        assert quote not in plain(november["text"]), text


@real
def test_the_real_days_opinion_quotes_its_storys_reports_and_states_no_wrong_figure() -> None:
    from tests.test_drafting_real import wrong_figures

    chosen = items()
    by_story: dict[str, int] = {}
    sources = []
    for n, item in enumerate(chosen, start=1):
        lead = by_story.setdefault(item["story"], n)
        sources.append(
            BriefSource(
                n,
                n,
                item["title"],
                item["text"],
                item["outlet"],
                None,
                None,
                story=0 if lead == n else lead,
            )
        )
    text = compose(Settings(), topic_brief(sources, ["贵州茅台"]), DISCLAIMER).text
    quoted = quotes_of(text)
    assert quoted, text
    for quote, number in quoted:
        assert quote in plain(chosen[number - 1]["text"]), text
    assert wrong_figures(text, chosen) == [], text
    # beside the reasons, the compared revenue's own figures only: not a list of other metrics
    assert "营业总收入" in text and "净资产收益率" not in text, text


COMMENT_TITLE = "降准背后的政策信号：稳增长力度加大"
COMMENT = "专家表示，此次降准释放了稳增长的政策信号，预计后续还有结构性货币政策工具跟进。"


def test_a_discussion_is_about_a_view_its_sources_give_when_the_figures_are_posted() -> None:
    rrr = "人民银行决定下调金融机构存款准备金率0.25个百分点，预计释放长期资金约5000亿元。"
    chosen = [
        source(rrr, 1, title="央行降准0.25个百分点"),
        source(COMMENT, 2, title=COMMENT_TITLE),
    ]
    brief = topic_brief(chosen, ["降准", "存款准备金率"], "interaction")
    morning = compose(Settings(), topic_brief(chosen[:1], ["降准"]), DISCLAIMER).text
    posted = compose(Settings(), brief, DISCLAIMER, day_texts=[morning]).text
    quoted = quotes_of(posted)
    assert quoted and all(n == 2 and q in plain(COMMENT) for q, n in quoted), posted
    assert "0.25个百分点" not in posted  # the morning's figure is not discussed a second time
    # with the view quoted by another post too, there is nothing left to discuss
    assert compose(Settings(), brief, DISCLAIMER, day_texts=[morning, posted]).text == ""


def test_news_of_the_topic_on_a_condition_the_research_names_is_linked_to_it() -> None:
    sites = "多个城市公布低空经济起降点与航线规划，地方专项资金向通用航空基础设施倾斜。"
    robots = "人形机器人产业联盟成立，首批成员覆盖整机、减速器、传感器等环节。"
    chosen = [
        source(NEWS, 1, title=HEADLINE),
        source(sites, 2, title="低空经济基础设施：多个城市公布起降点规划"),
        source(robots, 3, title="人形机器人产业联盟成立"),
        source(PAGE, 4, "page", "低空经济深度"),
    ]
    text = compose(Settings(), topic_brief(chosen, ["低空经济", "eVTOL"]), DISCLAIMER).text
    linked = [(q, n) for q, n in quotes_of(text) if n != 4]
    # 起降点, a condition the research names, is in the news of the topic; 整机 (a word of the
    # research's risks) is in news of another topic, which says nothing of this one
    assert linked == [("多个城市公布低空经济起降点与航线规划", 2)], text


def test_a_preview_previews_the_desks_programme_or_is_no_post(tmp_path: Path) -> None:
    chosen = [source(NEWS, 1, title=HEADLINE)]
    brief = topic_brief(chosen, ["低空经济"], "promo")
    # A news figure under 内容预告 previews nothing: without the desk's programme, no post.
    empty = compose(Settings(), brief, DISCLAIMER)
    assert empty.text == "" and any("节目安排" in n for n in empty.notes), empty
    prompts = tmp_path / "prompts"
    (prompts / "phrases").mkdir(parents=True)
    (prompts / "phrases" / "promo.toml").write_text(
        'programme = ["今晚19:30：低空经济专题直播回放。"]\n', encoding="utf-8"
    )
    posted = compose(Settings(prompts_dir=prompts), brief, DISCLAIMER).text
    assert "今晚19:30：低空经济专题直播回放。" in posted and "120架" not in posted, posted


def test_a_discussion_takes_a_view_before_a_figure_with_a_question_that_fits_any() -> None:
    # real-news-dev: the 互动 led with 1-10月平均CPI and asked 你更关注背后的原因，还是对相关行业的
    # 影响 (blind read 7: "a side statistic, a template question") while another story's report
    # gave a reason of its own.
    cpi = "国家统计局数据显示，1-10月，CPI较上年同期下降0.1%。"
    chosen = [
        source(cpi, 1, title="1-10月CPI"),
        source(COMMENT, 2, title=COMMENT_TITLE),
    ]
    brief = topic_brief(chosen, ["降准", "CPI"], "interaction")
    text = compose(Settings(), brief, DISCLAIMER).text
    assert [n for _, n in quotes_of(text)] == [2] and "0.1%" not in text, text
    # with no view in any source, the story's figure and the general question remain
    plain_brief = topic_brief(chosen[:1], ["降准", "CPI"], "interaction")
    assert "0.1%" in compose(Settings(), plain_brief, DISCLAIMER).text


def test_a_whole_quote_ending_in_single_quotation_marks_says_no_more_follows() -> None:
    # A quote whose last clause holds ‘’ was compared with the source after turning ‘’ into 「」,
    # so it read as a list cut short and the draft added 等 after it.
    text = "分析人士表示，出口转弱主要源于此前的‘抢出口’。"
    (view,) = source_views(source(text), "simplified", (), 30)
    assert view.quote == "出口转弱主要源于此前的‘抢出口’" and not view.listed
