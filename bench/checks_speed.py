"""Check speed: all checks on a 2,000-character Chinese draft against 50 sources of 3,000 characters.

    python bench/checks_speed.py [--drafts 20]

Prints the median ms per draft for newsdesk's checks (originality +
citations + compliance) and, in the same run, for a difflib.SequenceMatcher
baseline that finds each draft sentence's best-matching source block, and the
speed-up. Targets: <= 50 ms per draft (median) and >= 20x the baseline.
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import time

from newsdesk.checks.report import run_checks
from newsdesk.checks.units import sentences
from newsdesk.config import Settings

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


def text(rng: random.Random, chars: int, numbered: bool) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        words = rng.sample(WORDS, 6)
        figure = f"{rng.randint(1, 9999)}亿元" if rng.random() < 0.4 else ""
        marker = f"[{rng.randint(1, 50)}]" if numbered and rng.random() < 0.5 else ""
        sentence = "，".join(("".join(words[:3]), "".join(words[3:]) + figure)) + marker + "。"
        out.append(sentence)
        size += len(sentence)
    return "".join(out)[:chars]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(5)
    settings = Settings()
    sources = [text(rng, 3000, False) for _ in range(50)]
    drafts = []
    for _ in range(args.drafts):
        draft = text(rng, 1400, True)
        donor = rng.choice(sources)
        start = rng.randint(0, 2000)
        drafts.append((draft + donor[start : start + 600])[:2000])
    ours, theirs = [], []
    for draft in drafts:
        started = time.perf_counter()
        run_checks(draft, sources, settings, channel="outbox")
        ours.append((time.perf_counter() - started) * 1000)
    for draft in drafts[: max(3, args.drafts // 5)]:
        started = time.perf_counter()
        baseline(draft, sources)
        theirs.append((time.perf_counter() - started) * 1000)
    mine, base = statistics.median(ours), statistics.median(theirs)
    print(f"{len(drafts)} drafts of {len(drafts[0])} chars, 50 sources of 3000 chars")
    print(f"newsdesk checks (all three): {mine:8.1f} ms per draft (median; target <= 50 ms)")
    print(
        f"difflib baseline (originality only): {base:8.1f} ms per draft (median of {len(theirs)})"
    )
    print(f"speed-up: {base / mine:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
