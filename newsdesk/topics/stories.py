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
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property

import numpy as np

from newsdesk.text.normalise import normalise

NUM_PERM = 64
SHINGLE = 3
SUMMARY_CHARS = 160
_DROP = re.compile(r"[\W_]+", re.UNICODE)
# Any fixed seed: the hash functions must only be the same from run to run.
_SEED = 0x5EED


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


Text = tuple[str, str]  # (title, summary)


@dataclass
class Story:
    """Items reporting one story, and each distinct text of them with how many items carry it
    (``texts``, in the order the items give them; counted from ``items`` when not given).

    ``items`` is complete when a story is made (``cluster``, ``detect.link``): what is read
    from them is read once per story. Wire copies make a story of hundreds of items and
    detection reads each story several times, each distinct text once.
    """

    items: list[TopicItem] = field(default_factory=list)
    texts: dict[Text, int] = field(default_factory=dict)
    _lead: TopicItem | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.texts:
            self.texts = dict(Counter((item.title, item.summary) for item in self.items))

    @property
    def lead(self) -> TopicItem:
        """The first report: the earliest published, the first listed on a tie."""
        if self._lead is None:
            self._lead = min(self.items, key=lambda i: i.published)
        return self._lead

    @property
    def first_seen(self) -> datetime:
        return self.lead.published

    @cached_property
    def titles(self) -> dict[str, int]:
        """Each headline and how many of the story's items carry it, in the items' order."""
        out: dict[str, int] = {}
        for (title, _), count in self.texts.items():
            out[title] = out.get(title, 0) + count
        return out

    @classmethod
    def joined(cls, stories: Sequence[Story]) -> Story:
        """One story of several, their items in order (texts and lead from theirs)."""
        texts: dict[Text, int] = {}
        for story in stories:
            for text, count in story.texts.items():
                texts[text] = texts.get(text, 0) + count
        lead = min((story.lead for story in stories), key=lambda i: i.published)
        return cls([i for story in stories for i in story.items], texts, lead)

    @property
    def sources(self) -> set[str]:
        return {outlet for item in self.items for outlet in item.outlets}


def normaliser() -> Callable[[str], str]:
    """``normalise`` that normalises each distinct text once, for one detection: clustering and
    segmenting read many of the same texts (all of them when summaries are short)."""
    return cache(normalise)


def _shingles(
    texts: Sequence[str], normal: Callable[[str], str] = normalise
) -> tuple[np.ndarray, np.ndarray]:
    """Every text's character 3-gram hashes, flat, and where each text's run starts.

    One numpy pass over all texts joined: a text under three characters is its
    first character, an empty one 0. Repeated shingles stay: a minimum over a
    multiset is the minimum over its set.
    """
    folded = [_DROP.sub("", normal(text).lower()) for text in texts]  # fold, from ``normal``
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    codes = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    codes = np.concatenate((codes, np.zeros(SHINGLE, dtype=np.uint64)))  # room past the end
    counts = np.maximum(lengths - (SHINGLE - 1), 1)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    at = np.repeat(starts - offsets, counts) + np.arange(counts.sum())
    prime = np.uint64(1_000_003)
    grams = (codes[at] * prime + codes[at + 1]) * prime + codes[at + 2]
    short = np.where(np.repeat(lengths > 0, counts), codes[at], np.uint64(0))
    return np.where(np.repeat(lengths >= SHINGLE, counts), grams, short), offsets


def signatures(
    texts: Sequence[str], num_perm: int = NUM_PERM, normal: Callable[[str], str] = normalise
) -> np.ndarray:
    """MinHash signatures, shape (len(texts), num_perm): the high 32 bits of each hash, kept as
    uint32 (half the memory to compare)."""
    if not texts:
        return np.zeros((0, num_perm), dtype=np.uint32)
    flat, offsets = _shingles(texts, normal)
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for start in range(0, num_perm, 8):
            block = a[start : start + 8, None] * flat[None, :] + b[start : start + 8, None]
            out[:, start : start + 8] = np.minimum.reduceat(
                block >> np.uint64(32), offsets, axis=1
            ).T
    return out


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values; numpy 2's hash-based ``np.unique`` is several times slower here."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if values.size else values


def _similar(sigs: np.ndarray, xs: np.ndarray, ys: np.ndarray, threshold: float) -> np.ndarray:
    """Whether texts ``xs[k]`` and ``ys[k]`` reach ``threshold`` (estimated Jaccard); each
    distinct pair of different texts is compared once, a text always matches itself."""
    count, num_perm = sigs.shape
    different = np.flatnonzero(xs != ys)
    a, b = xs[different], ys[different]
    keys = np.minimum(a, b).astype(np.int64) * count + np.maximum(a, b)
    order = np.argsort(keys)
    keys = keys[order]
    first = np.ones(keys.shape, dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    pairs = keys[first]
    # Agreeing positions against threshold x num_perm: their share, exactly (64 is a power of 2).
    agree = np.count_nonzero(sigs[pairs // count] == sigs[pairs % count], axis=1)
    out = np.ones(xs.shape, dtype=bool)
    out[different[order]] = (agree >= threshold * num_perm)[np.cumsum(first) - 1]
    return out


def bands_for(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) with bands*rows == num_perm and (1/bands)**(1/rows) closest to threshold."""
    options = [(b, num_perm // b) for b in range(1, num_perm + 1) if num_perm % b == 0]
    return min(options, key=lambda br: abs((1 / br[0]) ** (1 / br[1]) - threshold))


def join(xs: list[int], ys: list[int], times: list[float], window: float) -> list[int]:
    """Union-find over the pairs (in order) that refuses a merge making a story span more than
    ``window`` seconds; returns each item's root.

    Checking the span of the whole cluster, not only the pair, stops a daily
    template ("北向资金今日…") from chaining day after day into one story. One
    plain loop with local names: it runs once per candidate pair (100,000+ on
    the bench's 20,000 headlines), where method calls cost more than the work.
    """
    parent = list(range(len(times)))
    lo, hi = list(times), list(times)
    for x, y in zip(xs, ys, strict=True):
        # Path halving, each parent read once; conditional expressions, not min() and max().
        up = parent[x]
        while up != x:
            parent[x] = x = parent[up]
            up = parent[x]
        up = parent[y]
        while up != y:
            parent[y] = y = parent[up]
            up = parent[y]
        if x == y:
            continue
        a, b = lo[x], lo[y]
        low = a if a < b else b
        a, b = hi[x], hi[y]
        high = a if a > b else b
        if high - low > window:
            continue
        root, child = (x, y) if x < y else (y, x)
        parent[child] = root
        lo[root], hi[root] = low, high
    # A root is the smallest index of its story: in index order, a parent's root is known.
    for x in range(len(parent)):
        parent[x] = parent[parent[x]]
    return parent


def _shared(keys: np.ndarray) -> np.ndarray:
    """Whether another entry has the same key, per entry."""
    order = np.argsort(keys, kind="stable")
    same = keys[order][1:] == keys[order][:-1]
    out = np.zeros(keys.shape, dtype=bool)
    out[order[1:]] = same
    out[order[:-1]] |= same
    return out


def _neighbours(
    order: np.ndarray, keys: np.ndarray, times: np.ndarray, window: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each item of ``order`` (sorted by key, then time) paired with the next two that have its
    key (``keys`` per item) within ``window`` seconds."""
    sorted_keys, sorted_times = keys[order], times[order]
    out = []
    for lag in (1, 2):
        near = (sorted_keys[lag:] == sorted_keys[:-lag]) & (
            sorted_times[lag:] - sorted_times[:-lag] <= window
        )
        out.append((order[:-lag][near], order[lag:][near]))
    return out


def _ranks(values: Sequence[tuple[str, ...]]) -> np.ndarray:
    """Each value's place among the values sorted (distinct values, as ``slots`` holds them)."""
    out = np.empty(len(values), dtype=np.int64)
    out[sorted(range(len(values)), key=values.__getitem__)] = np.arange(len(values))
    return out


def _reading_order(
    items: Sequence[TopicItem], texts: Sequence[Text], text_of: np.ndarray, times: np.ndarray
) -> np.ndarray:
    """The order to read items in: by time, then text, then outlets; items alike in all three
    (one report stored twice) keep the order given. Not the store's order: feeds are fetched
    concurrently, so one day's items get other ids, and come in another order, from run to run
    (and a stored copy's ``source`` is the outlet fetched first: every carrier is compared).
    Ranks of the distinct texts and outlets, so numpy sorts numbers, not 20,000 tuples."""
    outlets: dict[tuple[str, ...], int] = {}
    outlet_of = np.array([outlets.setdefault(i.outlets, len(outlets)) for i in items])
    return np.lexsort((_ranks(list(outlets))[outlet_of], _ranks(texts)[text_of], times))


def cluster(
    items: Sequence[TopicItem],
    threshold: float,
    window_hours: float = 18.0,
    normal: Callable[[str], str] = normalise,
) -> list[Story]:
    """Group items into stories; every item lands in exactly one story.

    Candidate pairs come from LSH buckets, fully vectorised: per band, items
    are sorted by (bucket key, time) and each is paired with the next two in
    its bucket within the time window. Chains of identical headlines link up
    through union-find, so a bucket of thousands costs thousands of pairs,
    not millions. ``normal``: ``normalise``, or a ``normaliser`` shared with segmentation.

    Items are read in time order (``_reading_order``), not in the order given: the union-find's
    window refusals then keep the earliest reports of a recurring headline together, and ties
    (stories first seen at one time) fall the same way whatever order or ids the items have.
    """
    if not items:
        return []
    # Wire copies repeat a text many times: hash, band and compare each distinct text once.
    # (Texts that differ only past SUMMARY_CHARS share a signature: their items pair as one text's.)
    slots: dict[Text, int] = {}
    text_of = np.array([slots.setdefault((i.title, i.summary), len(slots)) for i in items])
    times = np.array([i.published.timestamp() for i in items])
    by_time = _reading_order(items, list(slots), text_of, times)
    items = [items[k] for k in by_time.tolist()]
    text_of, times = text_of[by_time], times[by_time]
    sigs = signatures(
        [f"{title} {summary[:SUMMARY_CHARS]}" for title, summary in slots], normal=normal
    )
    bands, rows = bands_for(threshold)
    window = window_hours * 3600
    size = len(items)
    mix = np.random.default_rng(_SEED + 1).integers(1, 2**63, size=rows, dtype=np.uint64)
    # A text's copies share a bucket in every band. In a band where no other text has that
    # bucket, the band pairs them exactly as the text's own copies pair in time order: those
    # pairs are made once (``own``, kept for texts alone in some band), and each band sorts
    # only the items of buckets that several texts share (a few hundred of 3,000 buckets).
    own = _neighbours(np.argsort(text_of, kind="stable"), text_of, times, window)
    alone = np.zeros(len(slots), dtype=bool)
    found: list[tuple[np.ndarray, np.ndarray]] = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            text_keys = (sigs[:, band * rows : (band + 1) * rows] * mix).sum(axis=1)
            shared = _shared(text_keys)
            alone |= ~shared
            keys = text_keys[text_of]
            members = np.flatnonzero(shared[text_of])
            # (key, time) order: a stable sort by key of the items already in time order.
            found += _neighbours(
                members[np.argsort(keys[members], kind="stable")], keys, times, window
            )
    found += [(x[kept], y[kept]) for x, y in own if (kept := alone[text_of[x]]).any()]
    # Pair keys below 2**32 (up to 65,536 items) sort twice as fast as 64-bit ones.
    key_type = np.uint32 if size * size <= 2**32 else np.int64
    xs = np.concatenate([x for x, _ in found]).astype(key_type)
    ys = np.concatenate([y for _, y in found]).astype(key_type)
    pair_keys = _distinct(np.minimum(xs, ys) * size + np.maximum(xs, ys))
    xs, ys = pair_keys // size, pair_keys % size
    similar = _similar(sigs, text_of[xs], text_of[ys], threshold)
    xs, ys = xs[similar], ys[similar]
    roots = join(xs.tolist(), ys.tolist(), times.tolist(), window)
    groups: dict[int, list[TopicItem]] = defaultdict(list)
    for root, item in zip(roots, items, strict=True):
        groups[root].append(item)
    story_of = np.asarray(roots, dtype=np.int64)
    # Each story's lead: its earliest item, the first listed on a tie (as ``min`` picks it;
    # timestamps near today's are 0.24 us apart in a float, so a microsecond tells them apart).
    earliest = np.lexsort((times, story_of))
    firsts = np.flatnonzero(np.diff(story_of[earliest], prepend=-1))
    lead = {
        root: items[k]
        for root, k in zip(
            story_of[earliest[firsts]].tolist(), earliest[firsts].tolist(), strict=True
        )
    }
    # Each story's distinct texts and their counts, in the order its items give them.
    keys = list(slots)
    story_texts, first, counts = np.unique(
        story_of * len(keys) + text_of, return_index=True, return_counts=True
    )
    in_order = np.argsort(first)
    story_texts, counts = story_texts[in_order], counts[in_order]
    texts: dict[int, dict[Text, int]] = {}
    for root, slot, count in zip(
        (story_texts // len(keys)).tolist(),
        (story_texts % len(keys)).tolist(),
        counts.tolist(),
        strict=True,
    ):
        texts.setdefault(root, {})[keys[slot]] = count
    stories = (Story(members, texts[root], lead[root]) for root, members in groups.items())
    return sorted(stories, key=lambda s: s.first_seen)
