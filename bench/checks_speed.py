"""Check speed: all checks on a 2,000-character Chinese draft against 50 sources of 3,000 characters.

    python bench/checks_speed.py [--drafts 20]

Prints, from one run, process CPU ms per draft for newsdesk's checks
(originality, citations with every figure's fidelity, substance, compliance,
consistency): cold (a slot's first draft: its sources never seen, indexed
inside the timing; the median over ``--slots`` slots, each with 50 sources of
its own: one draft is one sample on a shared machine); warm (median over the
first slot's revisions: each the one before with one more sentence rewritten
in words never seen, against the sources indexed once per slot, as a failed
check's rewrite or an editor's edit gets them); and a new draft against the
same indexed sources (no sentence seen before). Beside each, the strongest
simple peer doing equal work on the same drafts: a k-gram set index (a Python
set of the 4-character k-grams of every source, built once — inside the cold
timing, outside the warm ones; a sentence is borrowed when a quarter of its
k-grams are in one source's set), and difflib.SequenceMatcher. The peers judge
originality only; ours does more. Targets: cold <= 50 ms, warm <= 10 ms,
>= 20x difflib. ``--quick``: three drafts and revisions, three slots, no
difflib.
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The checkout this file is in, not whichever newsdesk the environment installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsdesk.checks.report import run_checks  # noqa: E402
from newsdesk.checks.units import sentences  # noqa: E402
from newsdesk.config import Settings  # noqa: E402

WORDS = [
    "央行",
    "降准",
    "存款准备金率",
    "百分点",
    "释放",
    "长期资金",
    "银行",
    "负债成本",
    "净息差",
    "稳增长",
    "信号",
    "市场",
    "资金",
    "北向资金",
    "低空经济",
    "eVTOL",
    "适航",
    "订单",
    "人形机器人",
    "减速器",
    "传感器",
    "产业链",
    "业绩",
    "净利润",
    "同比",
    "增长",
    "回购",
    "分红",
    "估值",
    "半导体",
    "算力",
    "服务器",
    "光模块",
    "新能源",
    "光伏",
    "储能",
    "政策",
    "指导意见",
    "基础设施",
    "试点",
    "城市",
    "机构",
    "调研",
    "投资者",
]


def sentence(rng: random.Random, numbered: bool) -> str:
    words = rng.sample(WORDS, 6)
    figure = f"{rng.randint(1, 9999)}亿元" if rng.random() < 0.4 else ""
    marker = f"[{rng.randint(1, 50)}]" if numbered and rng.random() < 0.5 else ""
    return "，".join(("".join(words[:3]), "".join(words[3:]) + figure)) + marker + "。"


def text(rng: random.Random, chars: int, numbered: bool) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        out.append(sentence(rng, numbered))
        size += len(out[-1])
    return "".join(out)[:chars]


def revisions(rng: random.Random, draft: str, count: int) -> list[str]:
    """Revisions of ``draft`` as a slot gets them (a failed check's rewrite, an editor's edit):
    each the one before with one more sentence rewritten, in words not written before."""
    out = []
    for _ in range(count):
        parts = sentences(draft)
        old = parts[rng.randrange(len(parts) - 1)]  # not the last: it may be cut short
        draft = draft[: old.start] + sentence(rng, True) + draft[old.end :]
        out.append(draft)
    return out


def baseline(draft: str, sources: list[str]) -> float:
    """Share of draft sentences whose longest common block with some source covers half of them."""
    borrowed = 0
    parts = sentences(draft)
    for sentence in parts:
        best = 0
        for source in sources:
            matcher = difflib.SequenceMatcher(None, sentence.text, source, autojunk=False)
            block = matcher.find_longest_match(0, len(sentence.text), 0, len(source))
            best = max(best, block.size)
        borrowed += best * 2 >= len(sentence.text)
    return borrowed / max(1, len(parts))


def kgram_index(sources: list[str], k: int = 4) -> list[set[str]]:
    """The peer's index: a set of each source's k-grams (built once per slot, like ours)."""
    return [
        {clean[i : i + k] for i in range(len(clean) - k + 1)}
        for clean in ("".join(ch for ch in source if ch.isalnum()) for source in sources)
    ]


def kgram_baseline(draft: str, sets: list[set[str]], k: int = 4) -> float:
    """Share of draft sentences of which a quarter of the k-grams occur in one source's set."""
    borrowed = 0
    parts = sentences(draft)
    for sentence in parts:
        clean = "".join(ch for ch in sentence.text if ch.isalnum())
        grams = {clean[i : i + k] for i in range(len(clean) - k + 1)}
        if grams and max(len(grams & found) for found in sets) * 4 >= len(grams):
            borrowed += 1
    return borrowed / max(1, len(parts))


def timed(function: Callable[[str], object], drafts: list[str]) -> list[float]:
    """Process CPU milliseconds per draft: the machine is shared, wall time measures the others."""
    out = []
    for draft in drafts:
        started = time.process_time()
        function(draft)
        out.append((time.process_time() - started) * 1000)
    return out


def slot(rng: random.Random, count: int) -> tuple[list[str], list[str]]:
    """A slot's 50 sources of 3,000 characters and ``count`` drafts of 2,000, each with a
    passage of 600 characters copied from one of the sources."""
    sources = [text(rng, 3000, False) for _ in range(50)]
    drafts = []
    for _ in range(count):
        draft = text(rng, 1400, True)
        donor = rng.choice(sources)
        start = rng.randint(0, 2000)
        drafts.append((draft + donor[start : start + 600])[:2000])
    return sources, drafts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=20)
    parser.add_argument("--slots", type=int, default=7, help="slots timed cold (median)")
    parser.add_argument("--quick", action="store_true", help="3 drafts, 3 slots, no difflib")
    args = parser.parse_args()
    count = 3 if args.quick else args.drafts
    rng = random.Random(5)
    settings = Settings()
    sources, drafts = slot(rng, count)
    # The other slots timed cold: their own sources and first draft (random streams of their
    # own, so the first slot's drafts stay those of earlier runs of this bench).
    others = [
        slot(random.Random(6 + n), 1) for n in range(max(1, 3 if args.quick else args.slots) - 1)
    ]
    # What a process loads once (jieba's dictionaries, ~1 s; the script and term tables; the
    # regular expressions), on text that shares nothing with the bench's: cold is a slot's
    # first draft, not a process's first call.
    run_checks(
        "预热：测试公司营收１２.５亿元，同比增长3%[1]。ABC表示，预计全年增长。",
        ["预热來源：測試公司營收12.5億元，同比增長3%。"],
        settings,
        channel="outbox",
    )
    revised = revisions(rng, drafts[0], count)

    def check(draft: str) -> None:
        run_checks(draft, sources, settings, channel="outbox")

    def first_draft(draft: str, of: list[str]) -> float:
        """A slot's first draft: its sources indexed inside the timing."""
        started = time.process_time()
        run_checks(draft, of, settings, channel="outbox")
        return (time.process_time() - started) * 1000

    def peer_first_draft(draft: str, of: list[str]) -> float:
        """The peer's first draft of a slot: its sets built inside the timing."""
        started = time.process_time()
        kgram_baseline(draft, kgram_index(of))
        return (time.process_time() - started) * 1000

    # Cold: each slot's first draft, its sources never seen. Warm: the first slot's
    # revisions, then its other drafts, each never seen before.
    slots = [(first[0], of) for of, first in [(sources, drafts), *others]]
    colds = [first_draft(draft, of) for draft, of in slots]
    warm = statistics.median(timed(check, revised))
    new = statistics.median(timed(check, drafts[1:]))
    kgram_colds = [peer_first_draft(draft, of) for draft, of in slots]
    sets = kgram_index(sources)
    kgram_warm = statistics.median(timed(lambda d: kgram_baseline(d, sets), revised))
    kgram_new = statistics.median(timed(lambda d: kgram_baseline(d, sets), drafts[1:]))
    cold, kgram_cold = statistics.median(colds), statistics.median(kgram_colds)
    print(f"{len(drafts)} drafts of {len(drafts[0])} chars, 50 sources of 3000 chars")
    print(f"load: {Path('/proc/loadavg').read_text().split()[0]} (1-minute load average)")
    print(
        f"cold, {len(colds)} slots: newsdesk {min(colds):.1f}-{max(colds):.1f} ms, "
        f"peer {min(kgram_colds):.1f}-{max(kgram_colds):.1f} ms"
    )
    print("ms of process CPU per draft    newsdesk (all five checks)   k-gram set peer   ratio")
    rows = (
        ("cold: sources new", cold, kgram_cold, f"median of {len(colds)}; target <= 50 ms"),
        ("warm: a revision (1 sentence)", warm, kgram_warm, "median; target <= 10 ms"),
        ("warm: a new draft, same sources", new, kgram_new, "median"),
    )
    for name, ours, peer, note in rows:
        print(f"{name:32s} {ours:8.1f} ms{'':14s}{peer:8.1f} ms   {ours / peer:5.2f}  ({note})")
    if args.quick:
        return
    few = drafts[: max(3, count // 5)]
    difflib_ms = statistics.median(timed(lambda d: baseline(d, sources), few))
    print(f"difflib baseline (originality only): {difflib_ms:8.1f} ms per draft")
    print(f"speed-up warm (new draft): {difflib_ms / new:.1f}x vs difflib (target >= 20x)")


if __name__ == "__main__":
    main()
