"""Cluster near-duplicate items into stories with MinHash + LSH over character 3-gram shingles.

Shingles are hashed and min-hashed with numpy in one pass over all items
(multiply-shift hashing), so clustering 20,000 headlines costs a fraction of
segmenting them. Bands x rows are chosen so the LSH threshold sits at the
configured Jaccard similarity; candidate pairs are confirmed on the estimated
similarity and on time (two items more than ``window_hours`` apart are
different stories even when worded alike: "北向资金今日净流入…" runs daily).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from newsdesk.text.normalise import fold

NUM_PERM = 64
SHINGLE = 3
SUMMARY_CHARS = 160
_DROP = re.compile(r"[\W_]+", re.UNICODE)
_SEED = 20261123


@dataclass(frozen=True)
class TopicItem:
    """One item as topic detection sees it; ``sources`` lists every outlet that carried it."""

    id: str
    title: str
    summary: str
    source: str
    published: datetime
    link: str | None = None
    sources: tuple[str, ...] = ()

    @property
    def outlets(self) -> tuple[str, ...]:
        return self.sources or (self.source,)


@dataclass
class Story:
    items: list[TopicItem] = field(default_factory=list)

    @property
    def first_seen(self) -> datetime:
        return min(item.published for item in self.items)

    @property
    def sources(self) -> set[str]:
        return {outlet for item in self.items for outlet in item.outlets}

    @property
    def lead(self) -> TopicItem:
        return min(self.items, key=lambda i: i.published)


def _shingles(text: str) -> np.ndarray:
    folded = _DROP.sub("", fold(text))
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size < SHINGLE:
        return codes[:1] if codes.size else np.zeros(1, dtype=np.uint64)
    grams = (codes[:-2] * np.uint64(1_000_003) + codes[1:-1]) * np.uint64(1_000_003) + codes[2:]
    return np.unique(grams)


def signatures(texts: Sequence[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signatures, shape (len(texts), num_perm)."""
    if not texts:
        return np.zeros((0, num_perm), dtype=np.uint64)
    sets = [_shingles(t) for t in texts]
    lengths = np.array([s.size for s in sets])
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    flat = np.concatenate(sets)
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    out = np.empty((len(texts), num_perm), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, num_perm, 8):
            block = a[start : start + 8, None] * flat[None, :] + b[start : start + 8, None]
            out[:, start : start + 8] = np.minimum.reduceat(
                block >> np.uint64(32), offsets, axis=1
            ).T
    return out


def bands_for(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) with bands*rows == num_perm and (1/bands)**(1/rows) closest to threshold."""
    options = [(b, num_perm // b) for b in range(1, num_perm + 1) if num_perm % b == 0]
    return min(options, key=lambda br: abs((1 / br[0]) ** (1 / br[1]) - threshold))


class _UnionFind:
    """Union-find that refuses a merge making a story span more than ``window`` seconds.

    Checking the span of the whole cluster, not only the pair, stops a daily
    template ("北向资金今日…") from chaining day after day into one story.
    """

    def __init__(self, times: list[float], window: float) -> None:
        self.parent = list(range(len(times)))
        self.lo = list(times)
        self.hi = list(times)
        self.window = window

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        lo, hi = min(self.lo[rx], self.lo[ry]), max(self.hi[rx], self.hi[ry])
        if hi - lo > self.window:
            return
        root, child = min(rx, ry), max(rx, ry)
        self.parent[child] = root
        self.lo[root], self.hi[root] = lo, hi


def cluster(
    items: Sequence[TopicItem], threshold: float, window_hours: float = 18.0
) -> list[Story]:
    """Group items into stories; every item lands in exactly one story.

    Candidate pairs come from LSH buckets, fully vectorised: per band, items
    are sorted by (bucket key, time) and each is paired with the next two in
    its bucket within the time window. Chains of identical headlines link up
    through union-find, so a bucket of thousands costs thousands of pairs,
    not millions.
    """
    if not items:
        return []
    sigs = signatures([f"{i.title} {i.summary[:SUMMARY_CHARS]}" for i in items])
    bands, rows = bands_for(threshold)
    times = np.array([i.published.timestamp() for i in items])
    window = window_hours * 3600
    size = len(items)
    mix = np.random.default_rng(_SEED + 1).integers(1, 2**63, size=rows, dtype=np.uint64)
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            keys = (sigs[:, band * rows : (band + 1) * rows] * mix).sum(axis=1)
            order = np.lexsort((times, keys))
            sorted_keys, sorted_times = keys[order], times[order]
            for lag in (1, 2):
                if size <= lag:
                    continue
                near = (sorted_keys[lag:] == sorted_keys[:-lag]) & (
                    sorted_times[lag:] - sorted_times[:-lag] <= window
                )
                firsts.append(order[:-lag][near])
                seconds.append(order[lag:][near])
    uf = _UnionFind(times.tolist(), window)
    if firsts:
        xs, ys = np.concatenate(firsts), np.concatenate(seconds)
        pair_keys = np.unique(np.minimum(xs, ys).astype(np.int64) * size + np.maximum(xs, ys))
        xs, ys = pair_keys // size, pair_keys % size
        similar = (sigs[xs] == sigs[ys]).mean(axis=1) >= threshold
        for x, y in zip(xs[similar].tolist(), ys[similar].tolist(), strict=True):
            uf.union(x, y)
    groups: dict[int, Story] = defaultdict(Story)
    for index, item in enumerate(items):
        groups[uf.find(index)].items.append(item)
    return sorted(groups.values(), key=lambda s: s.first_seen)
