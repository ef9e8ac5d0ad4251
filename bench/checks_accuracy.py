"""Originality check accuracy on held-out public data (Clough-Stevenson plagiarised short answers).

    python bench/checks_accuracy.py [--corpus ../shared/data/clough-stevenson] [--sweep]

Each answer is checked against its task's Wikipedia source at the configured
threshold. Targets: >= 95 % of ``cut`` + ``light`` answers below the
threshold, >= 95 % of ``non`` answers at or above it. Also prints the ROC AUC
of non vs cut+light and the rate for ``heavy`` (information only).
``--sweep`` prints the same figures for other k / share settings.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from newsdesk.checks.originality import OriginalityParams, check_originality

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "clough-stevenson"


def read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # a few answers are Windows-1252


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(a random 'non' scores higher than a random 'cut'/'light'), ties counted half."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def evaluate(corpus: Path, params: OriginalityParams) -> dict[str, float]:
    rows = list(csv.DictReader((corpus / "file_information.csv").open(encoding="utf-8")))
    sources = {t: read(corpus / f"orig_task{t}.txt") for t in "abcde"}
    scores: dict[str, list[float]] = {}
    for row in rows:
        if row["Category"] == "orig":
            continue
        result = check_originality(read(corpus / row["File"]), [sources[row["Task"]]], params)
        scores.setdefault(row["Category"], []).append(result.ratio)
    copied = scores["cut"] + scores["light"]
    below = sum(r < params.threshold for r in copied) / len(copied)
    above = sum(r >= params.threshold for r in scores["non"]) / len(scores["non"])
    heavy = sum(r < params.threshold for r in scores["heavy"]) / len(scores["heavy"])
    return {
        "copied_below": below,
        "non_above": above,
        "auc": auc(scores["non"], copied),
        "heavy_below": heavy,
        "n_copied": len(copied),
        "n_non": len(scores["non"]),
        "n_heavy": len(scores["heavy"]),
    }


def line(params: OriginalityParams, figures: dict[str, float]) -> str:
    return (
        f"k_word={params.k_word} share={params.share:.2f} threshold={params.threshold:.2f}: "
        f"cut+light below {figures['copied_below']:.1%} (n={figures['n_copied']:.0f}), "
        f"non at/above {figures['non_above']:.1%} (n={figures['n_non']:.0f}), "
        f"AUC {figures['auc']:.3f}, heavy below {figures['heavy_below']:.1%} (n={figures['n_heavy']:.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    params = OriginalityParams()
    print(line(params, evaluate(args.corpus, params)))
    if args.sweep:
        for k in (2, 3, 4, 5):
            for share in (0.3, 0.4, 0.5, 0.6):
                candidate = OriginalityParams(k_word=k, share=share)
                print("  " + line(candidate, evaluate(args.corpus, candidate)))


if __name__ == "__main__":
    main()
