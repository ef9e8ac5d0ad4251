"""Drafting on real news, judged by hand annotations: real-news-dev served as one news day.

    python bench/real_news.py [--quick] [--show SLOT ...] [--json]

The 41 real excerpts of ``../shared/data/real-news-dev`` (simplified and traditional, 34
outlets) are served as RSS feeds (one per outlet) from a loopback HTTP server, dated the
evening and night before the day, and go through the desk's real path: ``ingest`` (fetch,
parse, store), ``compute_topics``, then ``draft_slot`` with the offline composer for every
market slot of the bundled timetable (``--quick``: 早报, 观点 and 收盘 only). The desk is a
real one (no demo), on a scratch SQLite store.

Every figure a draft states is read back from its text by :func:`stated_figures` — a plain
reading written for this bench, not the product's extractor — and judged against the hand
annotations of the items its sentence cites: right when an annotation agrees on value and
unit (scale included), qualifier, kind (a forecast, intraday or target figure must be
marked as one, an actual one must not), direction, and subject and metric (the sentence
names them). Printed: precision of stated figures, facts per multi-report story in the 早报
and whether each is there, traditional characters, fragments, internal notes and demo
phrases. Targets: precision >= 0.98, every multi-report story in the 早报, 0 traditional
characters, 0 internal notes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import format_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.scratch, bench.corpora

from bench.corpora import shared_data  # noqa: E402
from newsdesk.config import Settings, read_yaml  # noqa: E402
from newsdesk.drafting.brief import BriefSource  # noqa: E402
from newsdesk.drafting.composer.realise import line as realised_line  # noqa: E402
from newsdesk.drafting.composer.statements import source_statements  # noqa: E402
from newsdesk.drafting.service import draft_slot, make_provider  # noqa: E402
from newsdesk.feeds.ingest import ingest  # noqa: E402
from newsdesk.store.db import Database  # noqa: E402
from newsdesk.store.models import Draft  # noqa: E402
from newsdesk.timetable import slot_time  # noqa: E402
from newsdesk.topics.service import compute_topics  # noqa: E402
from tests.scratch import migrated  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 8)  # a Tuesday the exchange is open; items dated the evening before
QUICK = ("morning_report", "viewpoint", "close_summary")
TARGETS = {"precision": 0.98}
INTERNAL = re.compile(r"暂未入库|待补充|未入库|演示数据|TODO|待定|稍后补充|内部")
DEMO = re.compile(r"意向订单|直播|回放|拿到订单")

# --- the corpus as a news day ------------------------------------------------------------


def corpus() -> list[dict[str, Any]]:
    path = shared_data("real-news-dev") / "items.json"
    return json.loads(path.read_text(encoding="utf-8"))


def published(index: int, day: date = DAY) -> datetime:
    """From 18:00 the evening before, one item every 12 minutes (the last near 02:00)."""
    evening = datetime.combine(day - timedelta(days=1), time(18, 0), SHANGHAI)
    return evening + timedelta(minutes=12 * index)


def rss(items: list[tuple[int, dict[str, Any]]], outlet: str, day: date = DAY) -> bytes:
    entries = "".join(
        f"<item><guid>{escape(it['url'])}</guid><title>{escape(it['title'])}</title>"
        f"<link>{escape(it['url'])}</link>"
        f"<pubDate>{format_datetime(published(n, day))}</pubDate>"
        f"<description>{escape(it['text'])}</description></item>"
        for n, it in items
    )
    head = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(outlet)}'
    )
    return f"{head}</title>{entries}</channel></rss>".encode()


class _Feeds(BaseHTTPRequestHandler):
    feeds: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.feeds.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("content-type", "application/rss+xml; charset=utf-8")
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def feed_server(items: list[dict[str, Any]], day: date = DAY) -> Iterator[list[dict[str, str]]]:
    """A loopback server with one RSS feed per outlet; yields desk.yaml source entries."""
    outlets: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n, item in enumerate(items):
        outlets.setdefault(item["outlet"], []).append((n, item))
    handler = type("Feeds", (_Feeds,), {"feeds": {}})
    sources = []
    for k, (outlet, entries) in enumerate(outlets.items()):
        handler.feeds[f"/feed/{k}.xml"] = rss(entries, outlet, day)
        sources.append({"name": f"outlet{k}", "title": outlet[:60], "url": f"/feed/{k}.xml"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield [{**s, "url": base + s["url"]} for s in sources]
    finally:
        server.shutdown()
        server.server_close()


def real_desk(var_dir: Path, sources: list[dict[str, str]]) -> Settings:
    """The bundled desk's timetable, channels and checks, without its demo, on these feeds."""
    data = read_yaml(ROOT / "config" / "desk.yaml")
    data.pop("demo", None)
    topics = data.get("topics", {})
    topics.pop("user_dictionaries", None)  # the demo's invented companies
    topics.pop("stopwords", None)
    data["sources"] = sources
    data["var_dir"] = str(var_dir)
    data.setdefault("llm", {})["provider"] = "offline"
    data["fetch"] = {**data.get("fetch", {}), "allow_private_networks": True}
    return Settings(**data)


def news_day(
    db: Database, settings: Settings, day: date = DAY, kinds: tuple[str, ...] | None = None
) -> list[Draft]:
    """Ingest, topics, then every market slot of the day (of ``kinds``), in timetable order."""
    ingest(db, settings)
    # Ranked before the first slot, as the slot flow's detect_topics does at 07:30.
    morning = datetime.combine(day, time(7, 30), SHANGHAI)
    compute_topics(db, settings, day=day, now=morning)
    provider = make_provider(settings, name="offline")
    for slot in settings.slots:
        if slot.calendar == "weekly" or (kinds and slot.kind not in kinds):
            continue
        # At the slot's own time, as the desk drafts it: without ``now`` the draft reads the wall
        # clock, and the day's items (dated the evening before) came and went with the hour the
        # bench ran (7/8 or 8/8 multi-report stories in the 早报).
        draft_slot(db, settings, slot.name, day, provider, now=slot_time(settings, slot, day))
    with db.session() as session:
        drafts = list(session.query(Draft).where(Draft.day == day).order_by(Draft.id))
        for draft in drafts:
            _ = draft.versions
            session.expunge(draft)
        return drafts


# --- an independent reading of a draft ---------------------------------------------------

_QUALIFIERS = [
    "不超过",
    "不少于",
    "不足",
    "不到",
    "超过",
    "接近",
    "逼近",
    "将满",
    "以上",
    "左右",
    "附近",
    "突破",
    "累计",
    "约",
    "逾",
    "近",
    "超",
    "达",
]
_POST = ("以上", "左右", "附近")
_NUMBER = re.compile(r"(?<![\d.\[【第])-?\d+(?:,\d{3})*(?:\.\d+)?")
_MARK = re.compile(r"[\[【][\d,，\-–、 ]+[\]】]")
_FORECAST = re.compile(r"预计|预期|预测|估算|估计|测算|有望|料将|展望")
_INTRADAY = re.compile(r"盘中|一度|最高|最低|高见|低见|开盘|高开|低开|振幅|触及|探至")
_TARGET = re.compile(r"目标")
_UP = re.compile(r"增长|增加|上涨|上升|升至|涨|升|提高|上调|回升|扩大|多增|净流入|走高|反弹|加快")
_DOWN = re.compile(r"下降|减少|下跌|下滑|跌|降|回落|下调|收窄|少增|净流出|走低|放缓|萎缩")
_SCALE = {"万": Decimal(10**4), "亿": Decimal(10**8), "万亿": Decimal(10**12), "千": Decimal(1000)}
_DATE_UNIT = re.compile(r"^(?:年(?!期)|个?月|日|时|点\d|:\d|号|季度|-\d)")  # 前10个月: a period


@cache
def units() -> tuple[str, ...]:
    """Every unit the annotators wrote, longest first, plus the scales without a currency."""
    found = {f["unit"] for it in corpus() for f in it["figures"] if f["unit"]}
    found |= {"万", "亿", "万亿", "元", "%", "个百分点"}
    return tuple(sorted(found, key=len, reverse=True))


def _amount(value: str, unit: str) -> tuple[Decimal, str]:
    """The value with the unit's scale applied, and the unit without it (亿元 -> 元)."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return Decimal(0), unit
    for scale in ("万亿", "亿", "千万", "百万", "万", "千"):
        if unit.startswith(scale) and len(unit) >= len(scale):
            factor = Decimal(1)
            for ch in scale:
                factor *= {"万": 10**4, "亿": 10**8, "千": 10**3, "百": 10**2}[ch]
            return amount * factor, unit[len(scale) :] or "元?"
    return amount, unit


@dataclass
class Stated:
    value: str
    unit: str
    qualifier: str
    kind: str  # forecast | intraday | target | actual
    direction: str
    clause: str
    line: str
    sources: frozenset[int]
    right: bool = False
    why: str = ""


def _cites(sentence: str) -> frozenset[int]:
    numbers: set[int] = set()
    for mark in _MARK.findall(sentence):
        for part in re.split(r"[,，、]", mark.strip("[]【】")):
            ends = [int(p) for p in re.split(r"[-–]", part) if p.strip().isdigit()]
            if len(ends) == 2:
                numbers |= set(range(ends[0], ends[1] + 1))
            elif ends:
                numbers.add(ends[0])
    return frozenset(numbers)


def stated_figures(text: str) -> list[Stated]:
    """Every figure a draft states: a number (not a date, time, list number or marker) with the
    unit after it, the hedge word before it, the kind and direction words of its clause."""
    out: list[Stated] = []
    for raw_line in text.splitlines():
        line = unicodedata.normalize("NFKC", raw_line)
        body = re.sub(r"^\s*\d+[.、)]\s*", lambda m: " " * len(m.group(0)), line)
        for sentence in re.findall(r"[^。！？!?；;]+[。！？!?；;]?", body):
            cites = _cites(sentence)
            bare = _MARK.sub(lambda m: " " * len(m.group(0)), sentence)
            for number in _NUMBER.finditer(bare):
                after = bare[number.end() :]
                if _DATE_UNIT.match(after) or re.match(r"\d", after) or after.startswith("指数"):
                    continue  # a date, or a name (沪深300指数)
                unit = next((u for u in units() if after.startswith(u)), "")
                if unit == "年" or (not unit and re.match(r"[年月日]", after)):
                    continue
                before = bare[: number.start()]
                clause_start = max(before.rfind(c) for c in "，,：:（(") + 1
                clause = bare[clause_start : number.end() + len(unit) + 4]
                qualifier = next((q for q in _QUALIFIERS if before.endswith(q)), "")
                tail = after[len(unit) :]
                qualifier = qualifier or next((q for q in _POST if tail.startswith(q)), "")
                head = bare[clause_start : number.start()]
                kind = (
                    "forecast"
                    if _FORECAST.search(head)
                    else "intraday"
                    if _INTRADAY.search(head)
                    else "target"
                    if _TARGET.search(head)
                    else "actual"
                )
                last_up = max((m.end() for m in _UP.finditer(head)), default=-1)
                last_down = max((m.end() for m in _DOWN.finditer(head)), default=-1)
                direction = "" if last_up == last_down else "up" if last_up > last_down else "down"
                value = number.group(0).replace(",", "")
                out.append(
                    Stated(
                        value,
                        unit,
                        "" if qualifier == "达" else qualifier,
                        kind,
                        direction,
                        clause,
                        line,
                        cites,
                    )
                )
    return out


def _common(a: str, b: str) -> int:
    """Length of the longest common substring."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


_PLAIN = {"actual", "threshold", "other"}
_GENERIC = re.compile(r"^(?:中国|全国|国内|内地|大陆|我国|市场|两市|A股|全市场)$")


# An annotator's word for a close, and the words a draft may name it with.
_SYNONYMS = {
    "收市": ("收报", "收盘", "收于"),
    "收盘": ("收报", "收市", "收于"),
    "跌幅": ("跌", "下降", "降"),
    "降幅": ("跌", "下降", "降"),
    "涨幅": ("涨", "上升", "升", "增"),
    "升幅": ("涨", "上升", "升", "增"),
    "增幅": ("增长", "增加", "上升"),
}


_BASES = re.compile(r"同比|环比|按年|年增|年降|年减|较去年|较上年|较上月|比上月|按月")


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(ch in chars for ch in short)


def _short_form(core: str, text: str) -> bool:
    """营收 for 营业收入, 归母净利润 for 归属于母公司股东的净利润: a word of ``text`` made of the
    name's characters in order, starting with its first."""
    for start in (i for i, ch in enumerate(text) if ch == core[0]):
        if _subsequence(text[start : start + 2], core):
            return True
    return False


def _named(words: str, text: str, span: str = "") -> bool:
    """An annotator's subject or metric is named in ``text``: its core, two characters of it
    for long descriptions, or a short form (营业总收入 named as 营收). A metric that is only a
    comparison (同比, 同比增速) is named when the draft names the base, or when the source's
    own span did not (增长2.9% for a monthly reading)."""
    if re.fullmatch(r"(?:同比|环比)(?:增速|增幅|涨幅|降幅|变化|变动)?", words):
        return bool(_BASES.search(text)) or not _BASES.search(span)
    core = re.sub(r"[（(][^）)]*[）)]|\d{4}年|前三季度|第[一二三四]季度|\d+月|同比|环比", "", words)
    core = core.strip() or words
    for word, others in _SYNONYMS.items():
        if word in core and any(o in text for o in others):
            return True
    if not core or _GENERIC.match(core):
        return True
    return _common(core, text) >= min(2, len(core)) or _short_form(core, text)


# A basis the line names (以人民币计价进口同比增长1.4%) must be the annotation's (中国进口(人民币计)).
_BASIS_SAID = re.compile(r"[以按](美元|人民币|港元|港币|欧元|日元)计")


def judge(stated: Stated, annotations: list[dict[str, Any]]) -> None:
    """Mark ``stated`` right when one annotation agrees in every field; else say what is off."""
    amount, base = _amount(stated.value, stated.unit)
    best = "no annotation with this value and unit"
    for ann in annotations:
        a_amount, a_base = _amount(ann["value"], ann["unit"])
        if a_amount != amount or a_base != base:
            continue
        kind = ann["kind"] if ann["kind"] not in _PLAIN else "actual"
        problems = []
        if ann["qualifier"] != stated.qualifier:
            problems.append(f"qualifier {stated.qualifier or '-'}≠{ann['qualifier'] or '-'}")
        if kind != stated.kind:
            problems.append(f"kind {stated.kind}≠{kind}")
        if ann["direction"] and ann["direction"] != stated.direction:
            problems.append(f"direction {stated.direction or '-'}≠{ann['direction']}")
        if not _named(ann["metric"], stated.line, ann["span"]):
            problems.append(f"metric {ann['metric']} not named")
        if not _named(ann["subject"], stated.line):
            problems.append(f"subject {ann['subject']} not named")
        said = _BASIS_SAID.search(stated.clause)
        if said and said.group(1) not in ann["subject"]:
            problems.append(f"basis {said.group(0)} but the annotation is {ann['subject']}")
        if not problems:
            stated.right, stated.why = True, ""
            return
        best = "; ".join(problems)
    stated.why = best


# --- the measures ------------------------------------------------------------------------


@dataclass
class DraftResult:
    slot: str
    kind: str
    text: str
    stated: list[Stated] = field(default_factory=list)
    traditional: int = 0
    fragments: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    demo: list[str] = field(default_factory=list)


@cache
def _traditional_table() -> frozenset[str]:
    text = (files("opencc_purepy") / "dicts" / "TSCharacters.txt").read_text(encoding="utf-8")
    chars = set()
    for row in text.splitlines():
        key, _, values = row.partition("\t")
        if len(key) == 1 and key not in values.split():
            chars.add(key)
    # Characters OpenCC also lists as simplified forms of others (乾, 於 …) are not counted.
    simplified = {v for row in text.splitlines() for v in row.partition("\t")[2].split()}
    return frozenset(chars - simplified)


_DANGLING = re.compile(r"[的与和及为在对把被将其了]\s*(?:[\[【][^\]】]*[\]】])?[。！？]$")
_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2})\1|为为|的的|了了")


def fragments(text: str, disclaimer: str) -> list[str]:
    """Sentences a reader would stop at: dangling ends, doubled words, too short to say
    anything (a heading line is not a sentence)."""
    bad = []
    for line in text.splitlines():
        if not line.strip() or line.strip() == disclaimer.strip():
            continue
        for sentence in re.findall(r"[^。！？]+[。！？]", line):
            han = re.findall(r"[\u4e00-\u9fff]", _MARK.sub("", sentence))
            if _DANGLING.search(sentence) or _DOUBLED.search(sentence) or len(han) < 5:
                bad.append(sentence.strip())
    return bad


def measure(drafts: list[Draft], items: list[dict[str, Any]], disclaimer: str) -> list[DraftResult]:
    by_url = {it["url"]: it for it in items}
    results = []
    for draft in drafts:
        if not draft.versions:
            continue
        text = draft.versions[-1].body
        brief = draft.brief
        numbered = {s["number"]: by_url.get(s.get("link") or "") for s in brief["sources"]}
        result = DraftResult(draft.slot, draft.kind, text)
        for stated in stated_figures(text.replace(disclaimer, "")):
            cited = [numbered.get(n) for n in stated.sources]
            annotations = [f for it in cited if it for f in it["figures"]]
            judge(stated, annotations)
            result.stated.append(stated)
        trad = _traditional_table()
        result.traditional = sum(ch in trad for ch in text)
        result.fragments = fragments(text, disclaimer)
        result.internal = INTERNAL.findall(text)
        result.demo = DEMO.findall(text)
        results.append(result)
    return results


def every_statement(items: list[dict[str, Any]]) -> list[tuple[str, Stated]]:
    """Every statement the composer's plan allows of every item, each as its own line and
    judged by that item's annotations: what the drafts could state on another day, not only
    what this day's drafts did (item id, judged figure)."""
    out = []
    for number, item in enumerate(items):
        when = published(number).isoformat()  # as the day serves it
        source = BriefSource(
            1, number, item["title"], item["text"], item.get("outlet", ""), None, when
        )
        for statement in source_statements(source):
            for stated in stated_figures(realised_line([statement])):
                judge(stated, item["figures"])
                out.append((item["id"], stated))
    return out


def multi_report_stories(items: list[dict[str, Any]]) -> dict[str, set[str]]:
    stories: dict[str, set[str]] = {}
    for it in items:
        stories.setdefault(it["story"], set()).add(it["url"])
    return {story: urls for story, urls in stories.items() if len(urls) > 1}


def story_facts(
    result: DraftResult, drafts: dict[str, Draft], items: list[dict[str, Any]]
) -> dict[str, int]:
    """Right facts the draft states per multi-report story (by the items its figures cite)."""
    brief = drafts[result.slot].brief
    links = {s["number"]: s.get("link") or "" for s in brief["sources"]}
    counts = dict.fromkeys(multi_report_stories(items), 0)
    for story, urls in multi_report_stories(items).items():
        counts[story] = sum(
            1 for s in result.stated if s.right and any(links.get(n) in urls for n in s.sources)
        )
    return counts


def run(quick: bool) -> tuple[list[DraftResult], dict[str, int]]:
    items = corpus()
    with (
        feed_server(items) as sources,
        migrated(f"sqlite:///{tempfile.mkdtemp(prefix='real-news-')}/bench.db") as db,
    ):
        settings = real_desk(Path(tempfile.mkdtemp(prefix="real-news-var-")), sources)
        drafts = news_day(db, settings, DAY, QUICK if quick else None)
        disclaimer = settings.channel(settings.slots[0].channels[0]).disclaimer
        results = measure(drafts, items, disclaimer)
        by_slot = {d.slot: d for d in drafts}
        morning = next((r for r in results if r.kind == "morning_report"), None)
        per_story = story_facts(morning, by_slot, items) if morning else {}
    return results, per_story


def report(results: list[DraftResult], per_story: dict[str, int], show: list[str]) -> None:
    print(f"{'slot':<16}{'stated':>7}{'right':>6}{'trad':>6}{'frag':>6}{'notes':>6}{'demo':>6}")
    for r in results:
        right = sum(s.right for s in r.stated)
        print(
            f"{r.slot:<16}{len(r.stated):>7}{right:>6}{r.traditional:>6}{len(r.fragments):>6}"
            f"{len(r.internal):>6}{len(r.demo):>6}"
        )
        for s in r.stated:
            if not s.right:
                print(f"    ✗ {s.qualifier}{s.value}{s.unit} [{s.kind}] «{s.clause}» {s.why}")
        for f in r.fragments:
            print(f"    fragment: {f}")
    stated = [s for r in results for s in r.stated]
    precision = sum(s.right for s in stated) / len(stated) if stated else 0.0
    print(
        f"\nprecision of stated figures: {precision:.3f} ({sum(s.right for s in stated)}"
        f"/{len(stated)}; target >= {TARGETS['precision']})"
    )
    present = sum(1 for n in per_story.values() if n)
    print(f"multi-report stories in the 早报: {present}/{len(per_story)} (target all)")
    for story, n in per_story.items():
        print(f"    {story}: {n} facts")
    print(f"traditional characters: {sum(r.traditional for r in results)} (target 0)")
    print(f"fragments: {sum(len(r.fragments) for r in results)}")
    print(f"internal notes: {sum(len(r.internal) for r in results)} (target 0)")
    print(f"demo phrases: {sum(len(r.demo) for r in results)} (target 0)")
    every = every_statement(corpus())
    right = sum(s.right for _, s in every)
    print(f"every statement the plan allows, item by item: {right}/{len(every)} right")
    for item_id, s in every:
        if not s.right:
            print(f"    ✗ {item_id} {s.line} {s.why}")
    for r in results:
        if r.slot in show or "all" in show:
            print(f"\n== {r.slot}\n{r.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="早报, 观点 and 收盘 only")
    parser.add_argument("--show", action="append", default=[], help="print a slot's draft")
    parser.add_argument("--json", action="store_true", help="rows as JSON")
    args = parser.parse_args()
    results, per_story = run(args.quick)
    if args.json:
        rows = [
            {
                "slot": r.slot,
                "text": r.text,
                "stated": [s.__dict__ | {"sources": sorted(s.sources)} for s in r.stated],
            }
            for r in results
        ]
        print(json.dumps({"drafts": rows, "per_story": per_story}, ensure_ascii=False, indent=1))
        return
    report(results, per_story, args.show)


if __name__ == "__main__":
    main()
