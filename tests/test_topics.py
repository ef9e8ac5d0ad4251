"""Stories and hot topics: planted bursts found, evergreen terms not, edge days behave."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsdesk.config import TopicSettings, load_settings
from newsdesk.feeds.ingest import ingest
from newsdesk.store.db import Database
from newsdesk.store.models import TopicItemRow, TopicRow
from newsdesk.text.segment import segmenter
from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.detect import detect, windows
from newsdesk.topics.service import compute_topics, stored_topics, topic_segmenter
from newsdesk.topics.stories import TopicItem, cluster
from tests.cli_support import cli
from tests.synthetic import COMPANIES, evergreen_day, planted, trading_days_before

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)  # a Friday
CAL = TradingCalendar()
SETTINGS = TopicSettings()


def history(days: int = 10, per_day: int = 40, seed: int = 7) -> list[TopicItem]:
    rng = random.Random(seed)
    items: list[TopicItem] = []
    for day in trading_days_before(NOW.date(), days, CAL):
        items += evergreen_day(day, per_day, rng, "h")
    items += evergreen_day(NOW.date(), per_day // 2, rng, "t")
    return [i for i in items if i.published <= NOW]


def labels(topics) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.label for t in topics]


def all_terms(topics) -> set[str]:  # type: ignore[no-untyped-def]
    return {term for t in topics for term in t.terms}


def test_planted_bursts_top_and_evergreen_not_hot() -> None:
    start = NOW.replace(hour=8)
    items = history()
    items += planted("固态电池", 6, ["outlet1", "outlet2", "outlet3"], start, "b1")
    items += planted("商业航天", 4, ["outlet4", "outlet5"], start, "b2")
    topics = detect(items, NOW, SETTINGS, segmenter(), CAL)
    assert [t.terms[0] for t in topics[:2]] == ["固态电池", "商业航天"]
    assert topics[0].score > topics[1].score > 0
    assert not all_terms(topics) & {"市场", "股票", "公司"}
    top = topics[0]
    assert len(top.stories) == 6 and len(top.sources) == 3
    assert top.series[-1] == (NOW.date().isoformat(), 6) and all(n == 0 for _, n in top.series[:-1])
    assert top.first_seen == start


def test_rising_evergreen_term_needs_a_real_rise() -> None:
    """A term already frequent every day does not turn hot because it appears again today."""
    items = history()
    items += planted("市场", 3, ["outlet1", "outlet2"], NOW.replace(hour=9), "e")
    assert "市场" not in all_terms(detect(items, NOW, SETTINGS, segmenter(), CAL))


NOISE = {"增长", "新增", "截至", "提示", "随着", "叠加", "周一", "提速", "落地", "下调", "释放"}


def test_quiet_day_has_no_noise_topics() -> None:
    """Verbs, time and function words new today (in many stories, many outlets) name no topic."""
    rng = random.Random(11)
    quiet = [
        "随着市场回暖，{c}公司股票增长提速",
        "截至周一，{c}公司新增回购股票",
        "{c}公司提示股票交易，叠加市场增长",
        "周一市场：{c}公司股票新增关注，截至午间增长",
    ]
    items = history()
    start = NOW.replace(hour=9)
    for n in range(12):
        title = rng.choice(quiet).format(c=COMPANIES[n % len(COMPANIES)])
        items.append(
            TopicItem(
                f"q{n}", f"{title}（{n}）", "", f"outlet{n % 5}", start + timedelta(minutes=9 * n)
            )
        )
    seg = segmenter()
    # Company names may rise by chance (the evergreen news names them); noise never does.
    terms = all_terms(detect(items, NOW, SETTINGS, seg, CAL))
    assert not terms & NOISE and all(seg.is_content(t) for t in terms), terms
    assert terms <= {word for c in COMPANIES for word in seg.content_terms(c)}


def test_five_outlets_one_story_count_once() -> None:
    summary = (
        "多部门联合印发低空经济高质量发展指导意见，提出推进低空空域分类管理改革，支持eVTOL试点。"
    )
    heads = [
        "多部门联合印发低空经济高质量发展指导意见",
        "低空经济迎政策利好：指导意见明确空域管理改革",
        "低空经济指导意见发布 eVTOL获支持",
        "重磅！低空经济高质量发展指导意见出炉",
        "指导意见印发，低空经济产业链有望提速",
    ]
    start = NOW.replace(hour=9)
    wire = [
        TopicItem(f"w{i}", h, summary, f"outlet{i}", start + timedelta(minutes=5 * i))
        for i, h in enumerate(heads)
    ]
    stories = cluster(wire, SETTINGS.story_similarity, SETTINGS.story_window_hours)
    assert len(stories) == 1 and stories[0].sources == {f"outlet{i}" for i in range(5)}
    # One story is a topic of one story (issue 23), its five outlets counted once each.
    topics = detect(history() + wire, NOW, SETTINGS, segmenter(), CAL)
    (alone,) = [t for t in topics if "低空经济" in t.terms]
    assert len(alone.stories) == 1 and len(alone.sources) == 5
    # A second, different story about it makes two stories from several sources: hot.
    follow = planted("低空经济", 2, ["outlet6", "outlet7"], NOW.replace(hour=10), "f")
    topics = detect(history() + wire + follow, NOW, SETTINGS, segmenter(), CAL)
    hot = next(t for t in topics if "低空经济" in t.terms)
    assert len(hot.stories) == 3 and len(hot.sources) == 7


def test_one_story_in_both_scripts_is_one_story() -> None:
    start = NOW.replace(hour=9)
    both = [
        TopicItem("s", "固态电池企业发布新一代产品 能量密度提升三成", "", "outlet1", start),
        TopicItem("t", "固態電池企業發佈新一代產品 能量密度提升三成", "", "hk1", start),
    ]
    (story,) = cluster(both, SETTINGS.story_similarity, SETTINGS.story_window_hours)
    assert story.sources == {"outlet1", "hk1"}


def test_same_template_on_different_days_stays_apart() -> None:
    monday = datetime(2026, 11, 16, 15, 30, tzinfo=SHANGHAI)
    items = [
        TopicItem(str(d), "北向资金今日净流入56亿元", "外资动向", "o", monday + timedelta(days=d))
        for d in range(3)
    ]
    assert len(cluster(items, 0.5, SETTINGS.story_window_hours)) == 3
    same_evening = [
        TopicItem(
            str(h), "北向资金今日净流入56亿元", "外资动向", f"o{h}", monday + timedelta(hours=h)
        )
        for h in range(4)
    ]
    assert len(cluster(same_evening, 0.5, 18)) == 1


def test_empty_day() -> None:
    assert detect([], NOW, SETTINGS, segmenter(), CAL) == []
    assert detect(history()[:50], NOW, SETTINGS, segmenter(), CAL) == []  # nothing today


def test_single_source_day_has_no_topics() -> None:
    items = history() + planted("固态电池", 8, ["outlet1"], NOW.replace(hour=8), "s")
    assert "固态电池" not in all_terms(detect(items, NOW, SETTINGS, segmenter(), CAL))


def test_ten_thousand_items_in_a_day() -> None:
    rng = random.Random(3)
    items = history(days=7, per_day=200)
    items += evergreen_day(NOW.date(), 10_000, rng, "big")
    items = [i for i in items if i.published <= NOW]
    items += planted("商业航天", 8, ["outlet1", "outlet2", "outlet3"], NOW.replace(hour=9), "n")
    topics = detect(items, NOW, SETTINGS, segmenter(), CAL)
    assert topics and topics[0].terms[0] == "商业航天"
    assert not all_terms(topics) & {"市场", "股票", "公司"}


def test_windows_follow_trading_days() -> None:
    monday_morning = datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)
    spans = windows(monday_morning, 7, CAL)
    assert spans[0].start == datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)
    assert spans[1].start == datetime(2026, 11, 19, 15, 0, tzinfo=SHANGHAI)
    holiday = TradingCalendar(holidays=frozenset({date(2026, 11, 20)}))
    assert windows(monday_morning, 1, holiday)[0].start == datetime(
        2026, 11, 19, 15, 0, tzinfo=SHANGHAI
    )
    # National Day week: the window before 2026-10-08 opens at the close of 2026-09-30.
    assert windows(datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI), 1, CAL)[0].start.date() == date(
        2026, 9, 30
    )


def test_demo_desk_planted_topics_rank_top_three(db: Database, demo_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(ROOT / "config" / "desk.yaml")
    for source in settings.sources:
        source.url = source.url.replace("http://127.0.0.1:8765", demo_server.base_url)
    ingest(db, settings)
    now = datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)
    topics = compute_topics(db, settings, day=date(2026, 11, 23), now=now)
    top3 = {t.terms[0] for t in topics[:3]}
    assert top3 == {"降准", "低空经济", "人形机器人"}, labels(topics)
    first = topics[0]
    assert first.evidence["window_stories"] == first.stories or first.stories >= 2
    assert first.sources >= 2 and first.item_ids
    # idempotent: recomputing replaces the day's ranking
    again = compute_topics(db, settings, day=date(2026, 11, 23), now=now)
    assert [t.label for t in again] == [t.label for t in topics]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(TopicRow)) == len(topics)
        linked = session.scalar(select(func.count()).select_from(TopicItemRow))
    assert linked == sum(len(t.item_ids) for t in topics)
    assert stored_topics(db, date(2026, 11, 23))[0].label == first.label
    seg = topic_segmenter(settings)
    assert all(seg.is_content(term) for t in topics for term in t.terms), labels(topics)
    # A day of everyday market news only: whatever ranks is a content word, never noise.
    quiet_day = date(2026, 11, 18)
    evening = datetime(2026, 11, 18, 23, 30, tzinfo=SHANGHAI)
    quiet = compute_topics(db, settings, day=quiet_day, now=evening)
    terms = {term for t in quiet for term in t.terms}
    assert not terms & NOISE and all(seg.is_content(term) for term in terms), labels(quiet)


def write_jsonl(path: Path, items: list[TopicItem]) -> None:
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": i.id,
                    "title": i.title,
                    "summary": i.summary,
                    "source": i.source,
                    "published": i.published.isoformat(),
                    "link": None,
                },
                ensure_ascii=False,
            )
            for i in items
        ),
        encoding="utf-8",
    )


def test_cli_detect_json_contract(tmp_path: Path) -> None:
    items = history() + planted("固态电池", 5, ["outlet1", "outlet2"], NOW.replace(hour=8), "c")
    path = tmp_path / "items.jsonl"
    write_jsonl(path, items)
    out = cli(
        "topics", "detect", "--items", str(path), "--now", NOW.isoformat(), "--top", "3", "--json"
    )
    assert out.returncode == 0, out.stderr
    topics = json.loads(out.stdout)
    assert 1 <= len(topics) <= 3
    assert set(topics[0]) == {"label", "terms", "score", "stories", "sources", "item_ids"}
    assert (
        topics[0]["terms"][0] == "固态电池"
        and topics[0]["stories"] == 5
        and topics[0]["sources"] == 2
    )
    assert sorted(topics[0]["item_ids"]) == sorted(f"c固态电池-{n}" for n in range(5))
    scores = [t["score"] for t in topics]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"id": "1", "title": "t", "source": "s", "published": "2026-11-20T09:00:00+08:00"}\nnot json\n',
            ":2: not valid JSON",
        ),
        ('{"id": "1", "title": "t", "source": "s"}\n', ":1: missing published"),
        (
            '{"id": "1", "title": "t", "source": "s", "published": "someday"}\n',
            "cannot read published",
        ),
        ("[1, 2]\n", "JSON object"),
    ],
)
def test_cli_detect_bad_input(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(content, encoding="utf-8")
    out = cli("topics", "detect", "--items", str(path), "--now", NOW.isoformat(), "--json")
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_cli_detect_bad_now(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text("", encoding="utf-8")
    out = cli("topics", "detect", "--items", str(path), "--now", "tomorrow-ish")
    assert out.returncode == 2 and "ISO-8601" in out.stderr
    empty = cli(
        "topics", "detect", "--items", str(path), "--now", datetime.now(UTC).isoformat(), "--json"
    )
    assert empty.returncode == 0 and json.loads(empty.stdout) == []
