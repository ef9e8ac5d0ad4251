"""Which reports a brief treats as one story (real-news-dev: three outlets' 10月出口 reports,
worded too differently for clustering or topics to join; a topic joining 港股收官 and 车市
收官 on the word 收官)."""

from __future__ import annotations

from datetime import UTC, datetime

from newsdesk.config import Settings
from newsdesk.drafting.brief import _fit, _ranked, story_groups
from newsdesk.store.models import Item
from newsdesk.topics.service import StoredTopic

WHEN = datetime(2026, 12, 7, 12, tzinfo=UTC)


def item(item_id: int, title: str, body: str) -> Item:
    return Item(
        id=item_id, title=title, body=body, story_id=item_id, kind="feed", published_at=WHEN
    )


def topic(*item_ids: int) -> StoredTopic:
    return StoredTopic(
        1, "收官", ["收官"], 3.0, len(item_ids), len(item_ids), WHEN, {}, list(item_ids)
    )


EXPORTS = [
    (
        item(1, "提前采购潮结束，中国10月出口意外下跌", "中国10月出口年降1.1%，为2月以来最差。"),
        "甲报",
    ),
    (item(2, "中国10月出口年降1.1%", "海关总署数据显示，中国10月出口同比下降1.1%。"), "乙报"),
    (item(3, "以美元计价出口按年降1.1%", "10月出口年降1.1%，逊于预期。"), "丙报"),
]


def test_reports_that_state_one_key_figure_are_one_story_of_their_outlets() -> None:
    groups = story_groups(EXPORTS, [])
    assert len({groups[i][0] for i in (1, 2, 3)}) == 1
    assert {groups[i][1] for i in (1, 2, 3)} == {3}


def test_a_topic_joining_two_stories_on_a_word_keeps_both_in_the_brief() -> None:
    hk = item(10, "港股收官：恒指全年累升5570点", "恒指全年累计上升5570点或27.8%。")
    cars = item(11, "10月乘用车市场双降收官", "10月全国乘用车市场零售量达224.2万辆，同比下降0.8%。")
    settings = Settings()
    brief = _fit([(hk, "甲报"), (cars, "乙报")], settings, topics=[topic(10, 11)])
    assert [(s.item_id, s.story) for s in brief] == [(10, 0), (11, 0)]  # two leads


def test_a_topic_of_several_stories_weighs_each_story_by_its_own_outlets() -> None:
    # An event topic (三季报 of two companies, five outlets in all): each company is a story
    # of its own outlets, not one group of five whose second company drops out of the brief.
    maotai = [
        (
            Item(
                id=n, title="贵州茅台三季报", body="", story_id=20, kind="feed", published_at=WHEN
            ),
            o,
        )
        for n, o in ((20, "甲报"), (21, "乙报"), (22, "丙报"))
    ]
    vanke = [
        (Item(id=n, title="万科三季报", body="", story_id=30, kind="feed", published_at=WHEN), o)
        for n, o in ((30, "丁报"), (31, "戊报"))
    ]
    event = StoredTopic(1, "三季报", ["三季报"], 9.0, 2, 5, WHEN, {}, [20, 21, 22, 30, 31])
    groups = story_groups([*maotai, *vanke], [event])
    assert groups[20] == groups[22] != groups[30] == groups[31]
    assert (groups[20][1], groups[30][1]) == (3, 2)


def test_a_fact_line_brief_takes_a_story_with_a_figure_before_bigger_ones_without() -> None:
    # The demo day: a planted topic's stories (three outlets each, no figure the fact model
    # is sure of) filled every place of the 早报's brief; its one-outlet results were left out
    # and the 早报 had one line.
    heads = ("多部门印发低空经济指导意见", "人形机器人产业联盟揭牌", "券商热议稳增长政策信号")
    talk = [
        (item(40 + 3 * n + k, head, "文件提出推进改革试点。"), outlet)
        for n, head in enumerate(heads)
        for k, outlet in enumerate(("甲报", "乙报", "丙报"))
    ]
    for news, _ in talk:
        news.story_id = 40 + (news.id - 40) // 3
    results = item(60, "东岳新能源：前三季度净利润同比增长50%", "前三季度净利润同比增长50%。")
    day = [*talk, (results, "丁报")]
    settings = Settings()
    settings.drafting.max_sources = 3
    morning = _fit(_ranked(day, [], "morning_report"), settings)
    assert 60 in [s.item_id for s in morning if not s.story]
    assert _ranked(day, [], "viewpoint")[-1][0].id == 60  # prose: by weight


def test_every_lead_gets_its_reports_within_the_default_budget() -> None:
    # real-news-dev: the 港股收官 story's third report, the one stating 恒指跌224点，收报25630点
    # plainly, was cut for the budget (10,000 characters for ten leads of three reports).
    settings = Settings()
    settings.drafting.max_sources = 10
    size = settings.drafting.source_chars
    day = [
        (
            item(100 + 3 * n + k, chr(0x5000 + 7 * n) * 8, chr(0x4E00 + 7 * n + k) * size),
            outlet,
        )
        for n in range(10)
        for k, outlet in enumerate(("甲报", "乙报", "丙报"))
    ]
    for news, _ in day:
        news.story_id = 100 + 3 * ((news.id - 100) // 3)
    brief = _fit(day, settings)
    assert len(brief) == 30 and sum(1 for s in brief if s.story) == 20
