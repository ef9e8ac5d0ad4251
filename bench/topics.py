"""Hot topics: real news as one day, the demo day, and detection speed against its floor.

    python bench/topics.py [--quick] [--items 20000] [--days 7] [--repeat 5]

1. real-news-dev (../shared/data/real-news-dev: 41 real finance excerpts, 8
   multi-report stories, both scripts) added through the product's manual path
   (``add_manual_item`` with each item's outlet), dated over the evening and night
   before one news day, ranked by ``compute_topics`` into a scratch store. Prints
   the top topics, for each multi-report story the rank of the topic that holds
   it and whether its label names it, and labels made of generic words.
   Targets: stories with 3+ outlets in the top 5, every multi-report story in the
   top 10, each labelled with its name, 0 generic labels. A story counts as in the top 5
   only when a top-5 topic holds most of its reports and that topic's label names it
   (a topic of several stories about one event, 三季报：贵州茅台、寒武纪、万科, names each). real-news-dev was the
   tuning data for the thresholds: these figures are not a held-out result.
2. The demo day (2026-11-23): the demo feeds served on 127.0.0.1, ingested, ranked;
   the planted bursts (降准, 低空经济, 人形机器人) must be the top three.
3. Speed: 20,000 invented headlines over 7 trading days (the demo desk's story
   generators, many outlets, planted bursts on the last day); wire copies repeat a
   headline, so they hold about 3,100 distinct texts. The floor segments each
   distinct "title summary" text once (``Segmenter.tokens``), as detection must;
   runs alternate floor and detection; CPU seconds of this process, median of the
   runs (the machine is shared). Target: detection <= 2x the floor.

``--quick``: 4,000 headlines, one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpora import shared_data  # noqa: E402
from newsdesk.config import Settings, TopicSettings, load_settings  # noqa: E402
from newsdesk.feeds.manual import add_manual_item  # noqa: E402
from newsdesk.text.segment import segmenter  # noqa: E402
from newsdesk.timetable import SHANGHAI, TradingCalendar  # noqa: E402
from newsdesk.topics.detect import detect  # noqa: E402
from newsdesk.topics.service import StoredTopic, compute_topics  # noqa: E402
from newsdesk.topics.stories import TopicItem  # noqa: E402
from tests.scratch import migrated  # noqa: E402

REAL_DAY = date(2026, 12, 8)  # a Tuesday: the items are dated the evening and night before
# How an editor would name each multi-report story: a label naming it holds one of these.
STORY_NAMES = {
    "茅台三季报": ("茅台",),
    "10月CPI": ("CPI", "消费者物价"),
    "10月出口": ("出口", "海关", "贸易顺差"),
    "10月车市": ("乘联会", "乘用车", "汽车", "车市", "新能源车"),
    "港股2025收官": ("港股", "恒指", "恒生指数"),
    "金价破4000美元": ("金价", "黄金"),
    "寒武纪三季报": ("寒武纪",),
    "万科三季报": ("万科",),
}
GENERIC = {"市场", "中国", "公司", "规模", "核心", "经济", "全国", "领域"}
DEMO_BURSTS = {"降准", "低空经济", "人形机器人"}


def _print_topics(topics: list[StoredTopic], story_of: dict[int, str] | None = None) -> None:
    for t in topics:
        about = ""
        if story_of is not None:
            about = "  <- " + ", ".join(sorted({story_of[i] for i in t.item_ids}))
        print(f"  {t.rank:2d}. {t.label:<24} {t.sources} outlets, {len(t.item_ids)} items{about}")


def _generic(label: str) -> bool:
    return bool(set(segmenter().tokens(label)) & GENERIC)


def real_day() -> dict[str, object]:
    items = json.loads((shared_data("real-news-dev") / "items.json").read_text(encoding="utf-8"))
    start = datetime.combine(REAL_DAY - timedelta(days=1), datetime.min.time(), SHANGHAI)
    start += timedelta(hours=18)
    story_of: dict[int, str] = {}
    with migrated(f"sqlite:///{tempfile.mkdtemp(prefix='bench-topics-')}/real.db") as db:
        settings = Settings(var_dir=Path(tempfile.mkdtemp(prefix="bench-topics-var-")))
        for n, item in enumerate(items):
            when = start + timedelta(minutes=17 * n)  # 18:00 to 05:40
            stored = add_manual_item(
                db,
                item["title"],
                item["text"],
                published=when.isoformat(),
                outlet=item["outlet"][:56],
                now=when,
            )
            story_of[stored.item_ids[0]] = item["story"]
        now = datetime.combine(REAL_DAY, datetime.min.time(), SHANGHAI) + timedelta(hours=7.5)
        topics = compute_topics(db, settings, day=REAL_DAY, now=now)
    print(f"real-news-dev as the news day {REAL_DAY} (41 items, manual path with outlets):")
    _print_topics(topics, story_of)
    outlets = {s: len({i["outlet"] for i in items if i["story"] == s}) for s in STORY_NAMES}
    hits = {"top5": 0, "top5_of": 0, "top10": 0, "named": 0}
    print("  story                 outlets  rank  label names it")
    for story, names in STORY_NAMES.items():
        ids = {i for i, s in story_of.items() if s == story}
        holder = max(topics, key=lambda t: len(ids & set(t.item_ids)), default=None)
        held = holder is not None and 2 * len(ids & set(holder.item_ids)) >= len(ids)
        rank = holder.rank if held and holder else None
        named = bool(held and holder and any(n in holder.label for n in names))
        hits["top10"] += rank is not None and rank <= 10
        hits["named"] += named
        if outlets[story] >= 3:
            hits["top5_of"] += 1
            # In the top 5 only when a top-5 topic holds its reports and its label names it.
            hits["top5"] += named and rank is not None and rank <= 5
        label = holder.label if held and holder else "-"
        print(
            f"  {story:<20} {outlets[story]:5d}  {rank or '-':>4}  {label} ({'yes' if named else 'no'})"
        )
    generic = [t.label for t in topics if _generic(t.label)]
    print(
        f"  3+ outlet stories in top 5, labelled with their name: {hits['top5']}/{hits['top5_of']};"
        " multi-report stories in"
        f" top 10: {hits['top10']}/{len(STORY_NAMES)}; labelled with their name:"
        f" {hits['named']}/{len(STORY_NAMES)}; generic labels: {len(generic)} {generic}"
    )
    return hits | {"generic": len(generic)}


def demo_day() -> bool:
    from newsdesk.demo_server import DemoServer
    from newsdesk.feeds.ingest import ingest

    with (
        DemoServer(ROOT / "demo", "127.0.0.1", 0) as server,
        migrated(f"sqlite:///{tempfile.mkdtemp(prefix='bench-topics-')}/demo.db") as db,
    ):
        settings = load_settings(ROOT / "config" / "desk.yaml")
        for source in settings.sources:
            source.url = source.url.replace("http://127.0.0.1:8765", server.base_url)
        settings.fetch.allow_private_networks = True
        ingest(db, settings)
        day = date(2026, 11, 23)
        now = datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)
        topics = compute_topics(db, settings, day=day, now=now)
    print(f"demo day {day}:")
    _print_topics(topics)
    found = {t.terms[0] for t in topics[:3]} == DEMO_BURSTS
    print(f"  planted bursts {'/'.join(sorted(DEMO_BURSTS))} are the top three: {found}")
    return found


def _demo_generators():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("demo_generate", ROOT / "demo" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["demo_generate"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def make_items(count: int, days: int, now: datetime) -> list[TopicItem]:
    demo = _demo_generators()
    rng = random.Random(42)
    calendar = TradingCalendar()
    day = now.date()
    trading = [day]
    while len(trading) < days:
        day = calendar.previous_trading_day(day)
        trading.append(day)
    outlets = [f"outlet{i}" for i in range(40)]
    items: list[TopicItem] = []
    bursts = [(heads, sums) for _, _, heads, sums, _ in demo.BURSTS]
    while len(items) < count:
        day = rng.choice(trading)
        last_day = day == now.date()
        if last_day and rng.random() < 0.05:
            heads, sums = rng.choice(bursts)
        else:
            heads, sums = rng.choice(demo.EVERGREEN)(
                rng, datetime.combine(day, datetime.min.time())
            )
        when = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(
            minutes=rng.randint(0, 23 * 60)
        )
        if when > now:
            when = now - timedelta(minutes=rng.randint(1, 600))
        items.append(TopicItem(str(len(items)), rng.choice(heads), "", rng.choice(outlets), when))
    return items


def speed(count: int, days: int, repeat: int) -> float:
    now = datetime(2026, 11, 20, 23, 0, tzinfo=SHANGHAI)
    items = make_items(count, days, now)
    texts = list(dict.fromkeys(f"{i.title} {i.summary}" for i in items))
    seg = segmenter()
    settings = TopicSettings()
    topics = detect(items, now, settings, seg)  # warm-up: jieba's dictionary, the calendar
    cpu: dict[str, list[float]] = {"floor": [], "detection": []}
    wall: dict[str, list[float]] = {"floor": [], "detection": []}

    def timed(name: str, work: Callable[[], object]) -> None:
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        work()
        cpu[name].append(time.process_time() - start_cpu)
        wall[name].append(time.perf_counter() - start_wall)

    for _ in range(repeat):
        timed("floor", lambda: [seg.tokens(text) for text in texts])
        timed("detection", lambda: detect(items, now, settings, seg))
    floor, run = statistics.median(cpu["floor"]), statistics.median(cpu["detection"])
    print(
        f"speed: {len(items)} headlines ({len(texts)} distinct texts) over {days} trading days, "
        f"median of {repeat} runs, CPU seconds (wall in brackets)"
    )
    print(
        f"  floor: segment the {len(texts)} distinct texts: {floor:6.3f} s "
        f"({statistics.median(wall['floor']):.3f} s)"
    )
    print(
        f"  whole topic detection           : {run:6.3f} s "
        f"({statistics.median(wall['detection']):.3f} s)"
    )
    print(f"  ratio detection / floor         : {run / floor:6.2f}x  (target <= 2x)")
    print("  top topics: " + "; ".join(f"{t.label} ({t.score:.1f})" for t in topics[:5]))
    return run / floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 headlines, one run")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.items, args.repeat = 4_000, 1
    real_day()
    demo_day()
    speed(args.items, args.days, args.repeat)


if __name__ == "__main__":
    main()
