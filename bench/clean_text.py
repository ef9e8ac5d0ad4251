"""Text cleaning on hostile and on real input: newsdesk's linear cleaner vs the regexes it replaced.

Two measurements, each a ratio within one run:

- Growth: time for 4n characters over time for n, per hostile shape. Linear
  work gives about 4; the old regex cleaner (the named peer, kept verbatim
  below) gives about 16 on the shapes it was quadratic on. The old one runs at
  n = 25,000 only (200,000 '<' took it 16-18 s).
- Real feeds: every title and summary of the 200 feeds of
  ``../shared/data/feeds-bench/``, raw from feedparser, cleaned by both; the
  ratio of their times, and how many outputs differ.

    .venv/bin/python bench/clean_text.py
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpora import shared_data  # noqa: E402
from newsdesk.text.clean import clean_text

CORPUS = shared_data("feeds-bench")

# The peer: clean_text as it was before (newsdesk/feeds/normalise.py at 2932294).
_TAG = re.compile(r"<[^>]*>")
_DROP_BLOCKS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6])\b[^>]*>", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_LINES = re.compile(r"\s*\n\s*")


def old_clean_text(value: str | None) -> str:
    if not value:
        return ""
    text = value
    if "<" in text:
        text = _DROP_BLOCKS.sub(" ", text)
        text = _BREAKS.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(html.unescape(text)) if "&amp;" in text else html.unescape(text)
    text = _SPACE.sub(" ", text)
    text = _LINES.sub("\n", text)
    return text.strip()


SHAPES: dict[str, Callable[[int], str]] = {
    "'<' * n": lambda n: "<" * n,
    "'<script>' * n/8": lambda n: "<script>" * (n // 8),
    "'<br' * n/3": lambda n: "<br" * (n // 3),
    "em-space * n": lambda n: "\u2003" * n + "x",
    "real-looking markup": lambda n: "<p>央行<b>降准</b>0.25个百分点&amp;</p>" * (n // 30),
}


def _seconds(clean: Callable[[str], str], text: str, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        clean(text)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def growth(n: int, old_n: int) -> None:
    print(f"growth: time(4n) / time(n); linear ≈ 4, quadratic ≈ 16 (new n={n:,}, old n={old_n:,})")
    print(f"{'shape':24} {'new t(n)':>10} {'new ratio':>10} {'old t(n)':>10} {'old ratio':>10}")
    for name, make in SHAPES.items():
        new_n, new_4n = _seconds(clean_text, make(n)), _seconds(clean_text, make(4 * n))
        old_1, old_4 = (
            _seconds(old_clean_text, make(old_n), 1),
            _seconds(old_clean_text, make(4 * old_n), 1),
        )
        print(f"{name:24} {new_n:10.4f} {new_4n / new_n:10.1f} {old_1:10.4f} {old_4 / old_1:10.1f}")


def real_feeds(corpus: Path) -> None:
    fields: list[str] = []
    for path in sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix != ".md"):
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        for entry in parsed.entries:
            fields += [entry.get("title", ""), entry.get("summary", "")]
    new = _seconds(lambda _: [clean_text(f) for f in fields], "")  # type: ignore[arg-type, return-value]
    old = _seconds(lambda _: [old_clean_text(f) for f in fields], "")  # type: ignore[arg-type, return-value]
    differ = sum(clean_text(f) != old_clean_text(f) for f in fields)
    print(
        f"real feeds: {len(fields):,} titles and summaries; new {new:.3f} s, old {old:.3f} s, "
        f"new/old {new / old:.2f}x; {differ} outputs differ"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=250_000)
    parser.add_argument("--old-n", type=int, default=25_000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--quick", action="store_true", help="small n, no corpus: for the tests")
    args = parser.parse_args()
    if args.quick:
        args.n, args.old_n, args.corpus = 20_000, 2_000, Path("/nonexistent")
    growth(args.n, args.old_n)
    if args.corpus.is_dir():
        real_feeds(args.corpus)


if __name__ == "__main__":
    main()
