"""Hot-topic detection speed vs its floor: segmenting the texts detection has to read.

    python bench/topics.py [--items 20000] [--days 7] [--repeat 5]

20,000 invented headlines over 7 trading days (the demo desk's story
generators, many outlets, three planted bursts on the last day); wire copies
repeat a headline, so they hold about 4,700 distinct texts. Detection
(clustering, segmentation, burst scoring, grouping) must segment each distinct
text once; the floor does exactly that and nothing else (``Segmenter.tokens``
on each distinct "title summary" text, as detection reads it): equal
segmentation work on both sides. Runs alternate floor and detection; the
figures are CPU seconds of this process (the machine is shared, and wall time
measures the neighbours too), median of the runs; wall time is printed beside.
Targets: detection <= 2x the floor and <= 5 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from newsdesk.config import TopicSettings
from newsdesk.text.segment import segmenter
from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.detect import detect
from newsdesk.topics.stories import TopicItem

ROOT = Path(__file__).resolve().parents[1]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    now = datetime(2026, 11, 20, 23, 0, tzinfo=SHANGHAI)
    items = make_items(args.items, args.days, now)
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

    for _ in range(args.repeat):
        timed("floor", lambda: [seg.tokens(text) for text in texts])
        timed("detection", lambda: detect(items, now, settings, seg))
    floor, run = statistics.median(cpu["floor"]), statistics.median(cpu["detection"])
    print(
        f"{len(items)} headlines ({len(texts)} distinct texts) over {args.days} trading days, "
        f"median of {args.repeat} runs, CPU seconds (wall in brackets)"
    )
    print(
        f"floor: segment the {len(texts)} distinct texts: {floor:6.3f} s "
        f"({statistics.median(wall['floor']):.3f} s)"
    )
    print(
        f"whole topic detection           : {run:6.3f} s "
        f"({statistics.median(wall['detection']):.3f} s)  (target <= 5 s)"
    )
    print(f"ratio detection / floor         : {run / floor:6.2f}x  (target <= 2x)")
    print("top topics: " + "; ".join(f"{t.label} ({t.score:.1f})" for t in topics[:5]))


if __name__ == "__main__":
    main()
