"""Burst scoring: distinct stories per term in the current window vs an exponentially weighted baseline.

Windows run from one trading day's close to the next (the current window:
from the previous trading day's close to now). For a term with ``c`` stories
in the current window of ``N`` stories, the baseline rate is the exponentially
weighted mean of its per-window share of stories over the trailing windows,
so ``expected = rate * N`` adjusts for busy and quiet windows (a weekend
window holds three days of news). The score is a Poisson-style z value,
``(c - expected) / sqrt(expected + 1)``: a term that is always frequent
(市场, 股票) scores about zero, a new term in five stories scores about five.
A term only qualifies with at least ``min_stories`` stories from at least
``min_sources`` distinct outlets in the window.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

Term = str | tuple[str, str]


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Scored:
    term: Term
    score: float
    count: int
    expected: float
    sources: int


def ewma_weights(count: int, half_life: float) -> list[float]:
    """Weights for windows 1..count back: halves every ``half_life`` windows."""
    return [0.5 ** (i / half_life) for i in range(count)]


def expected_count(
    term: Term,
    baseline: Sequence[Counter[Term]],
    sizes: Sequence[int],
    weights: Sequence[float],
    current_size: int,
) -> float:
    total = weight_sum = 0.0
    for counts, size, weight in zip(baseline, sizes, weights, strict=True):
        if size:
            total += weight * counts.get(term, 0) / size
            weight_sum += weight
    return (total / weight_sum) * current_size if weight_sum else 0.0


def z_score(count: int, expected: float) -> float:
    return (count - expected) / math.sqrt(expected + 1.0)


def pair_counts(term_sets: Iterable[frozenset[str]], vocabulary: set[str]) -> Counter[Term]:
    counts: Counter[Term] = Counter()
    for terms in term_sets:
        present = sorted(terms & vocabulary)
        counts.update(combinations(present, 2))
    return counts
