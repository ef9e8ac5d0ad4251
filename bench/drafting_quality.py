"""Drafting quality on news nobody tuned on: the offline composer over one invented day.

    python bench/drafting_quality.py [--data FILE ...] [--json]

Each data file is a trading day of invented articles (macro data, earnings,
orders, policy, market moves, broker research and the day's market snapshot)
with companies and figures that are neither the demo's nor the test suite's.
``drafting_day.json`` was looked at while the fact frames were written (a
development day); ``drafting_day_heldout.json`` was written afterwards and
run once, with nothing changed after seeing its output. Every slot of the bundled timetable is drafted
in order, each draft seeing the day's earlier drafts (as the drafting service
does), and checked with the desk's own checks. Per draft it prints: source
facts stated with their metric (the substance check's count), the share of
filler among cited sentences, sentences repeated from another draft of the
day, the copied share (1 - originality) and whether the draft passes; for the day, how
often a figure fact (metric + figure, :func:`stated_figures`) is stated
again by a later draft (the close's market data and a viewpoint's topic facts may be).
Targets (issue 13): >= 4 facts for 早报 and 研报精选, filler <= 0.4, no
repeats, copied <= 0.4, every draft passing.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from newsdesk.checks.report import run_checks
from newsdesk.checks.substance import repeated_sentences
from newsdesk.config import Settings, SlotConfig, load_settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.offline import OfflineComposer
from newsdesk.text.facts import figure_facts

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
DAYS = (DATA / "drafting_day.json", DATA / "drafting_day_heldout.json")
TARGETS = {"facts": 4, "filler": 0.4, "copied": 0.4}
NEEDS_FACTS = ("morning_report", "research_digest")


def stated_figures(text: str) -> set[tuple[str, str]]:
    """The figure facts ``text`` states, as (metric, figure with unit): ("意向订单", "120架").
    Two drafts sharing one state the same fact, however each words it."""
    return {(fact.metric, fact.value + fact.unit) for fact in figure_facts(text) if fact.metric}


def _sources(articles: list[dict[str, Any]]) -> list[BriefSource]:
    return [
        BriefSource(n, n, a["title"], a["text"], a["outlet"], None, None, a["kind"])
        for n, a in enumerate(articles, start=1)
    ]


def _pick(day: dict[str, Any], kind: str, settings: Settings) -> list[dict[str, Any]]:
    """The articles a slot's brief would hold (the rules of drafting/brief.py, by kind)."""
    articles = day["articles"]
    news = [a for a in articles if a["kind"] == "feed"]
    pages = [a for a in articles if a["kind"] == "page"]
    market = [a for a in articles if a["kind"] == "market"]
    top = day["topics"][0]["label"]
    limit = settings.drafting.max_sources
    if kind == "morning_report":
        return news[: limit - 2] + pages[:2]
    if kind == "research_digest":
        return pages[:limit]
    if kind in ("viewpoint", "interaction"):
        return [a for a in news + pages if a["topic"] == top][:limit]
    if kind in ("close_summary", "intraday"):
        return (market + news)[:limit]
    return news[:limit]


def brief_for(day: dict[str, Any], slot: SlotConfig, settings: Settings) -> Brief:
    return Brief(
        slot=slot.name,
        kind=slot.kind,
        title=slot.title,
        day=day["day"],
        tier=slot.tier,
        content_type=slot.content_type,
        segment="",
        segment_style="",
        topics=day["topics"],
        sources=_sources(_pick(day, slot.kind, settings)),
    )


def measure(data: Path) -> list[dict[str, Any]]:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    day = json.loads(data.read_text(encoding="utf-8"))
    composer = OfflineComposer(settings)
    drafts: list[str] = []
    rows = []
    for slot in settings.slots:
        brief = brief_for(day, slot, settings)
        channel = slot.channels[0]
        disclaimer = settings.channel(channel).disclaimer
        text = composer.compose(brief, disclaimer, day_texts=tuple(drafts)).text
        report = run_checks(
            text,
            brief.source_texts(),
            settings,
            channel=channel,
            slot=slot.name,
            day_drafts=drafts,
        )
        repeats = repeated_sentences(text, drafts, settings.checks.repeat_min_chars, disclaimer)
        drafts.append(text)
        rows.append(
            {
                "slot": slot.name,
                "kind": slot.kind,
                "sources": len(brief.sources),
                "facts": report.substance.facts,
                "filler": round(report.substance.filler_ratio, 3),
                "repeats": len(repeats),
                "copied": round(1 - report.originality.ratio, 3),
                "passed": report.passed,
                "figures": sorted(stated_figures(text)),
                "reasons": report.reasons()[:3],
                "text": text,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", help="a day file (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the rows and texts as JSON")
    parser.add_argument("--quick", action="store_true", help="the first day only (the test suite)")
    args = parser.parse_args()
    for data in args.data or (DAYS[:1] if args.quick else DAYS):
        rows = measure(data)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            continue
        print(f"== {data.name}")
        report(rows)


def report(rows: list[dict[str, Any]]) -> None:
    print(f"{'slot':<16}{'src':>4}{'facts':>6}{'filler':>8}{'repeats':>8}{'copied':>8}  passed")
    for r in rows:
        print(
            f"{r['slot']:<16}{r['sources']:>4}{r['facts']:>6}{r['filler']:>8.2f}"
            f"{r['repeats']:>8}{r['copied']:>8.2f}  {r['passed']}"
        )
        for reason in [] if r["passed"] else r["reasons"]:
            print(f"    {reason[:120]}")
    needs = [r for r in rows if r["kind"] in NEEDS_FACTS]
    print(
        f"\nfacts per 早报/研报精选: {', '.join(str(r['facts']) for r in needs)} "
        f"(target >= {TARGETS['facts']})"
    )
    print(f"max filler share: {max(r['filler'] for r in rows):.2f} (target <= {TARGETS['filler']})")
    print(f"repeated sentences across slots: {sum(r['repeats'] for r in rows)} (target 0)")
    print(f"max copied share: {max(r['copied'] for r in rows):.2f} (target <= {TARGETS['copied']})")
    stated = Counter(tuple(f) for r in rows for f in r["figures"])
    metric, figure = max(stated, key=lambda f: stated[f]) if stated else ("-", "")
    print(
        f"facts restated across slots: {sum(n - 1 for n in stated.values())} "
        f"(most: {metric} {figure} in {stated[metric, figure]} drafts)"
    )
    print(f"drafts passing their checks: {sum(r['passed'] for r in rows)}/{len(rows)}\n")


if __name__ == "__main__":
    main()
