"""Originality: the share of the draft's characters that lie outside runs copied from a source.

The draft and each source are reduced to units (one Han character or one
Latin word, after NFKC, case folding and traditional-to-simplified folding;
punctuation, citation markers and quoted passages dropped: ``units.py``). A
*copied run* is a stretch of draft units that occurs, k units at a time, in
one source (a chain of shared k-grams: every common substring of at least k
units is covered). Two runs from the same source with at most ``gap`` units
between them are one run, gap included: a light edit — a word swapped here
and there — does not break a copy into originals.

Figures with units and the words that state them (同比增长, 达, the metric's
head word), names (companies, people, places, institutions), finance terms,
dates and codes (``text.facts.fact_spans``) do not make a run by themselves:
a run counts only when at least ``min`` of its units are something else, or
when it holds one common stretch of ``verbatim`` units (a passage copied as
it stands, facts and all). So ``归属于上市公司股东的净利润608.3亿元`` and an
editor's fact-dense ``国内零售份额达68.7%，同比提升3个百分点`` restated from a
source are original writing, and ``此次降准预计释放长期资金约5000亿元，有助于
降低银行负债成本`` copied from it is not.

originality = 1 - (units in counted runs) / (all units of the draft)

The report keeps each counted run with its draft offsets and source number
for the review UI; where runs from two sources overlap, the longer run keeps
the characters. k, gap and the threshold were chosen on Clough-Stevenson
(English, leave-one-task-out) and on bench/data/checks_zh (Chinese); see
bench/README.md for the figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newsdesk.checks.units import Units, draft_units, excluded_spans, source_units
from newsdesk.text.facts import fact_spans
from newsdesk.text.script import simplify_codes

_PRIME = np.uint64(1_000_003)
# Places in the sources a Han k-gram may occur and still count. Not for words: with
# k = 1 word, "the" occurs more often than that in one source and is part of every copy.
MAX_HITS_HAN = 32
_SHARING = 8  # x MAX_HITS_HAN: the most places in all sources a copied gram is looked for
# Places of the sources' layout per block: a gram's source is its block's, one look-up, where a
# binary search among the sources' starts took a tenth of a millisecond per draft (the gap
# between sources is at least a block wide).
_BLOCK = 64


@dataclass(frozen=True)
class Borrowed:
    start: int  # offsets in the draft
    end: int
    source: int  # 1-based source number
    text: str


@dataclass(frozen=True)
class OriginalityResult:
    ratio: float
    threshold: float
    passed: bool
    borrowed: list[Borrowed]
    units: int

    def as_json(self) -> dict[str, object]:
        return {
            "ratio": round(self.ratio, 4),
            "threshold": self.threshold,
            "passed": self.passed,
            "borrowed": [
                {"start": b.start, "end": b.end, "source": b.source, "text": b.text}
                for b in self.borrowed
            ],
        }


@dataclass(frozen=True)
class OriginalityParams:
    threshold: float = 0.60
    # Chosen by bench/checks_accuracy.py: Han values on the tune part of the Chinese
    # set, word values by leaving one Clough-Stevenson task out (every fold chose
    # these but one). config.ChecksConfig repeats them as the desk's defaults.
    k_han: int = 4  # k-gram length, Han characters: the shortest common stretch seen
    k_word: int = 1  # the same in Latin words
    gap_han: int = 2  # units between two stretches of one source that still join them
    gap_word: int = 2
    min_han: int = 6  # units other than facts a joined run needs to count
    min_word: int = 4
    # A quotation longer than this (characters inside the marks) is a copied passage, not
    # a quote: putting a lead sentence in quotation marks does not make it original.
    max_quote: int = 30
    # A common stretch this long counts whatever it is made of: a rewrite repeats a figure
    # with the words that state it (up to 17 units in the editors' rewrites of
    # real-news-dev), a copied passage runs on (40 and more in the Chinese set's copies).
    verbatim_han: int = 24
    verbatim_word: int = 24


def _codes(chars: str) -> np.ndarray:
    # Traditional characters count as their simplified forms, on draft and source alike.
    return simplify_codes(
        np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    )


def positional_hashes(chars: str, k: int) -> np.ndarray:
    """A 64-bit hash of the k-gram starting at each position (polynomial, mixed; vectorised)."""
    codes = _codes(chars)
    if codes.size < k:
        return np.zeros(0, dtype=np.uint64)
    width = codes.size - k + 1
    hashes = np.zeros(width, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(k):
            hashes = hashes * _PRIME + codes[offset : offset + width]
        # Mix (splitmix64's finaliser): the last characters otherwise only reach the low
        # bits, which common_segments shifts out to make room for positions.
        hashes ^= hashes >> np.uint64(31)
        hashes *= np.uint64(0x7FB5D329728EA185)
        hashes ^= hashes >> np.uint64(27)
        hashes *= np.uint64(0x81DADEF4BC2DD44D)
        hashes ^= hashes >> np.uint64(33)
    return hashes


@dataclass(frozen=True)
class SourceIndex:
    """The k-grams of a set of sources, sorted once: built once per slot's sources.

    Each gram is packed with its position into one 64-bit key (hash in the high
    bits): a plain sort is ~10x faster than an argsort, and binary-searching a
    draft's few thousand grams in it is cheap. The distinct hashes are kept with
    where each one's places begin: one search among them instead of two among all
    the grams (a slot's sources repeat their wording: 31,000 distinct of 123,000
    in the bench's).
    """

    keys: np.ndarray  # the distinct gram hashes, sorted
    firsts: np.ndarray  # where each one's places begin in ``positions``, and their end
    positions: np.ndarray  # where each gram starts, in the sources laid end to end
    starts_at: np.ndarray  # where each source starts in that layout
    blocks: np.ndarray  # the source whose grams lie in each block of _BLOCK places
    bits: np.uint64  # low bits of a packed key that hold the position
    count: int  # number of sources


@lru_cache(maxsize=16)
def source_index(sources: tuple[str, ...], k: int) -> SourceIndex:
    """The index of ``sources`` (unit strings): cached, as a brief's sources are checked
    against every draft, revision and edit of the slot (the warm path)."""
    grams, offsets, offset = [], [], 0
    for chars in sources:
        grams.append(positional_hashes(chars, k))
        offsets.append(offset)
        # A wide gap between sources: no run or join crosses from one to the next, and no
        # block holds grams of two sources.
        offset += len(chars) + 4 * k + _BLOCK
    bits = np.uint64(max(18, offset.bit_length()))
    packed = np.concatenate(
        [
            (g >> bits << bits) | (np.arange(g.size, dtype=np.uint64) + np.uint64(o))
            for g, o in zip(grams, offsets, strict=True)
        ]
        or [np.zeros(0, dtype=np.uint64)]
    )
    packed.sort()
    hashes = packed >> bits
    distinct = np.ones(hashes.size, dtype=bool)
    np.not_equal(hashes[1:], hashes[:-1], out=distinct[1:])
    firsts = np.flatnonzero(distinct)
    starts_at = np.asarray(offsets, dtype=np.int64)
    # A block's grams belong to the last source starting in it or before.
    block_ends = np.arange(offset // _BLOCK + 1, dtype=np.int64) * _BLOCK + _BLOCK - 1
    return SourceIndex(
        hashes[firsts],
        np.append(firsts, hashes.size),
        (packed & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64),
        starts_at,
        np.searchsorted(starts_at, block_ends, "right") - 1,
        bits,
        len(sources),
    )


def common_segments(
    draft_grams: np.ndarray, index: SourceIndex, k: int, max_hits: int | None = None
) -> np.ndarray:
    """Common substrings of at least k units between the draft and each indexed source.

    Rows: (draft start, draft end, source start, source end, source index), in
    units, source positions counted from the source's own start. Every (draft
    gram, source gram) match is a point (p, q); points on one diagonal q - p
    with consecutive p are one common substring.
    """
    empty = np.zeros((0, 5), dtype=np.int64)
    if not draft_grams.size or not index.count:
        return empty
    keys, positions, starts_at, bits = index.keys, index.positions, index.starts_at, index.bits
    wanted = draft_grams >> bits
    # Looked up in sorted order: numpy's binary search starts from the previous answer when
    # the needles ascend; answers put back in place.
    order = np.argsort(wanted)
    at = np.empty_like(order)
    at[order] = np.searchsorted(keys, wanted[order])
    found = keys[np.minimum(at, keys.size - 1)] == wanted if keys.size else at < 0
    left = index.firsts[at]
    lengths = np.where(found, index.firsts[np.minimum(at + 1, keys.size)], left) - left
    if max_hits is not None:
        # Bounds the work: a gram found in more than this many places in all sources is
        # everyday wording, not a passage (200 overlapping reports of one story stay below).
        lengths[lengths > max_hits * _SHARING] = 0
    total = int(lengths.sum())
    if not total:
        return empty
    starts = np.repeat(left - (np.cumsum(lengths) - lengths), lengths)
    draft_at = np.repeat(np.arange(draft_grams.size, dtype=np.int64), lengths)
    found_at = positions[starts + np.arange(total)]
    if max_hits is not None and (lengths > max_hits).any():
        # A stretch found in dozens of places of one source says nothing about copying it;
        # dropping it leaves a one-gram hole that the joining closes again. Counted per
        # source: a passage that many overlapping sources share is still copied from each.
        # Only grams found in more than max_hits places in all can exceed it in one source.
        heavy = np.repeat(lengths > max_hits, lengths)
        in_source = index.blocks[found_at[heavy] // _BLOCK]
        # (draft gram, source) pairs come in order: draft grams in turn, each one's places in
        # the sources ascending (the index sorts a gram's places). Count each pair's run.
        pair = draft_at[heavy] * index.count + in_source
        first = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
        counts = np.diff(np.concatenate((first, [pair.size])))
        keep = np.ones(total, dtype=bool)
        keep[np.flatnonzero(heavy)] = np.repeat(counts <= max_hits, counts)
        draft_at, found_at = draft_at[keep], found_at[keep]
        total = int(draft_at.size)
        if not total:
            return empty
    diagonal = found_at - draft_at
    # One int64 sort by (diagonal, draft position) instead of a lexsort.
    shift = int(draft_grams.size).bit_length()
    # Each point is one (draft gram, source place): the keys are unique, so any sort gives
    # this order, and numpy's default one is ~5x faster than a stable one (timsort) here;
    # in 32 bits when they fit (a slot's sources and a draft of a few thousand units), a sort
    # of half the bytes takes ~0.55 of the time.
    packed_points = ((diagonal + draft_grams.size) << shift) | draft_at
    if int(diagonal.max()) + draft_grams.size < 1 << (32 - shift):
        packed_points = packed_points.astype(np.uint32)
    packed_points = np.sort(packed_points)
    # The next point of a common substring (same diagonal, next draft gram) is the key plus
    # one: a draft position is below 2 ** shift - 1, so adding one never carries into the
    # diagonal. Only the substrings' first and last points are unpacked.
    new = np.ones(total, dtype=bool)
    new[1:] = packed_points[1:] != packed_points[:-1] + 1
    first = np.flatnonzero(new)
    last = np.concatenate((first[1:], [total])) - 1
    mask = (1 << shift) - 1
    starting, ending = packed_points[first].astype(np.int64), packed_points[last].astype(np.int64)
    p0, p1 = starting & mask, (ending & mask) + k
    q0 = p0 + (starting >> shift) - draft_grams.size
    owner = index.blocks[q0 // _BLOCK]
    q0 = q0 - starts_at[owner]
    # Column by column (stacked, then transposed): three times faster than row by row, and
    # the checks read it by column.
    return np.stack((p0, p1, q0, q0 + (p1 - p0), owner)).T


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """Maximal [start, end) stretches where ``flags`` is true."""
    if not flags.any():
        return []
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    return list(
        zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True)
    )


def copied_runs(
    segments: np.ndarray,
    k: int,
    gap: int,
    least: int,
    plain_of: Callable[[list[tuple[int, int]]], np.ndarray],
    verbatim: int,
) -> list[tuple[int, int, int]]:
    """Counted runs (draft start, draft end, source index), overlaps not yet resolved; a run
    inside a verbatim one that owns its characters (``_shadowed``) is left out.

    Common substrings of one source join into a run when they follow each
    other in the draft and in the source, at most ``gap`` units apart in the
    draft (``gap + 2`` in the source: a word swapped for a shorter or longer
    one). ``plain_of(runs)[i]`` is 1 when draft unit i is not a figure, name or
    finance term (asked of the units of ``runs`` only); a run counts when it
    holds at least ``least`` such units, or a common stretch of at least
    ``verbatim`` units of any kind.
    """
    runs: list[list[int]] = []  # [draft start, draft end, source end, source, longest stretch]
    open_chains: list[list[int]] = []
    kept = _near_long_segments(segments, 2 * k, gap)
    order = np.lexsort((kept[:, 0] - kept[:, 1], kept[:, 0], kept[:, 4]))
    for p0, p1, q0, q1, source in kept[order].tolist():
        open_chains = [c for c in open_chains if c[3] == source and c[1] + gap >= p0]
        for chain in open_chains:
            if p1 <= chain[1]:
                break  # inside a run already found
            if -k <= p0 - chain[1] <= gap and -k <= q0 - chain[2] <= gap + 2:
                chain[1], chain[2] = p1, q1
                chain[4] = max(chain[4], p1 - p0)
                break
        else:
            chain = [p0, p1, q1, source, p1 - p0]
            open_chains.append(chain)
            runs.append(chain)
    whole = [(start, end, source) for start, end, _, source, longest in runs if longest >= verbatim]
    asked = [
        longest < verbatim and not _shadowed(start, end, source, whole)
        for start, end, _, source, longest in runs
    ]
    judged = [(run[0], run[1]) for run, ask in zip(runs, asked, strict=True) if ask]
    # Nothing to judge (no run, or only verbatim ones): no unit's count is read.
    plain = plain_of(judged) if judged else np.zeros(0, dtype=np.int64)
    plain_before = np.concatenate(([0], np.cumsum(plain)))
    return [
        (start, end, source)
        for (start, end, _, source, longest), ask in zip(runs, asked, strict=True)
        if longest >= verbatim or (ask and plain_before[end] - plain_before[start] >= least)
    ]


def _shadowed(start: int, end: int, source: int, whole: list[tuple[int, int, int]]) -> bool:
    """Whether a verbatim run holds [start, end) and ``_claim`` gives it the characters first
    (it is longer, or as long and from a source numbered before): a run it shadows owns
    none of them, counted or not, so its facts need not be read."""
    return any(
        low <= start
        and end <= high
        and (high - low > end - start or (high - low == end - start and other < source))
        for low, high, other in whole
    )


def _near_long_segments(segments: np.ndarray, long: int, gap: int) -> np.ndarray:
    """The segments of at least ``long`` units, and shorter ones that can join them.

    A text that shares many short phrases with its sources (50 sources on one
    topic) has hundreds of thousands of k-unit segments; only those next to a
    long one (within ``gap`` in the draft, on a nearby diagonal, a chain of
    up to three) can be part of a copied run, so only those reach the join loop.
    The rest are followed by their row numbers and three columns: the few kept
    are the only rows copied.
    """
    is_long = segments[:, 1] - segments[:, 0] >= long
    kept = segments[is_long]
    rest = np.flatnonzero(~is_long)
    # One line of draft positions per source, laid end to end: where each segment starts.
    width = int(segments[:, 1].max()) + gap + 2
    firsts = segments[:, 4] * width + segments[:, 0]
    size = (int(segments[:, 4].max()) + 1) * width
    for _ in range(3):
        if not kept.size or not rest.size:
            break
        keys = kept[:, 4] * (1 << 40) + kept[:, 0]
        order = np.argsort(keys)
        keys, anchors = keys[order], kept[order]
        # Only a segment that may overlap some kept one's stretch, widened by gap, can be
        # near it: the exact test below runs on those few.
        candidates = np.flatnonzero(_may_touch(kept, firsts[rest], width, size, gap, long - 1))
        close = segments[rest[candidates]]
        where = np.searchsorted(keys, close[:, 4] * (1 << 40) + close[:, 0])
        found = np.zeros(close.shape[0], dtype=bool)
        for neighbour in (where - 1, where):
            valid = (neighbour >= 0) & (neighbour < anchors.shape[0])
            anchor = anchors[np.clip(neighbour, 0, anchors.shape[0] - 1)]
            found |= (
                valid
                & (anchor[:, 4] == close[:, 4])
                & (close[:, 0] <= anchor[:, 1] + gap)
                & (close[:, 1] >= anchor[:, 0] - gap)
                & (np.abs((close[:, 2] - close[:, 0]) - (anchor[:, 2] - anchor[:, 0])) <= gap + 2)
            )
        if not found.any():
            break
        far = np.ones(rest.size, dtype=bool)
        far[candidates[found]] = False
        kept, rest = np.concatenate((kept, close[found])), rest[far]
    return kept


def _may_touch(
    kept: np.ndarray, firsts: np.ndarray, width: int, size: int, gap: int, reach: int
) -> np.ndarray:
    """Whether a segment starting at each of ``firsts`` (on ``size`` places: a line of
    ``width`` per source) and ending at most ``reach`` places further may meet some
    [start - gap, end + gap] of a ``kept`` segment on its source's line: true for every one
    that meets one (a necessary condition of being near it), and for some that end too soon to.

    One look-up a segment: the widened stretches are marked ``reach`` places further back,
    where a segment that starts there would meet them at its longest. An exact answer (a
    sparse table, two look-ups and a level per segment) took three times as long, and the
    exact test after it drops the few more segments this lets through.
    """
    marked = np.zeros(size, dtype=bool)
    base = kept[:, 4] * width
    lows = (base + np.maximum(kept[:, 0] - gap - reach, 0)).tolist()
    for low, high in zip(lows, (base + kept[:, 1] + gap + 1).tolist(), strict=True):
        marked[low:high] = True
    return marked[firsts]


def _claim(runs: list[tuple[int, int, int]], n_units: int) -> np.ndarray:
    """Which source each unit is attributed to (-1: none); longer runs win overlaps."""
    owner = np.full(n_units, -1, dtype=np.int64)
    for start, end, source in sorted(runs, key=lambda r: (r[0] - r[1], r[2])):
        free = owner[start:end] == -1
        owner[start:end][free] = source
    return owner


def _plain_units(draft: str, units: Units, tokens_spans: list[tuple[int, int]]) -> np.ndarray:
    facts = np.zeros(len(draft) + 1, dtype=np.int8)
    for start, end in tokens_spans:
        facts[start:end] = 1
    starts = np.asarray(units.starts, dtype=np.int64)
    return (1 - facts[starts]).astype(np.int64) if starts.size else np.zeros(0, dtype=np.int64)


# The draft's fact spans that cover its characters within any of the given [start, end).
FactSpans = Callable[[list[tuple[int, int]]], list[tuple[int, int]]]


def check_originality(
    draft: str,
    sources: Sequence[str],
    params: OriginalityParams = OriginalityParams(),
    facts: list[tuple[int, int]] | FactSpans | None = None,
) -> OriginalityResult:
    """``facts``: spans of the draft's figures, names and terms, or where they are asked
    (``DraftFacts.spans_within``: only stretches a run may count in are read); computed
    when not given."""
    units = draft_units(draft, excluded_spans(draft, params.max_quote))
    total = len(units.chars)
    if total == 0:
        # Nothing written is not original work: an empty draft fails.
        return OriginalityResult(0.0, params.threshold, False, [], 0)
    han = units.mostly_han
    k = params.k_han if han else params.k_word
    gap = params.gap_han if han else params.gap_word
    least = params.min_han if han else params.min_word
    verbatim = params.verbatim_han if han else params.verbatim_word
    draft_grams = positional_hashes(units.chars, k)
    index = source_index(tuple(source_units(s) for s in sources), k)
    segments = common_segments(draft_grams, index, k, MAX_HITS_HAN if han else None)
    if not segments.size:
        return OriginalityResult(1.0, params.threshold, True, [], total)

    def plain_of(runs: list[tuple[int, int]]) -> np.ndarray:
        if callable(facts):
            spans = facts([(units.starts[start], units.ends[end - 1]) for start, end in runs])
        else:
            spans = fact_spans(draft) if facts is None else facts
        return _plain_units(draft, units, spans)

    owner = _claim(copied_runs(segments, k, gap, least, plain_of, verbatim), total)
    borrowed: list[Borrowed] = []
    for start, end in _runs(owner >= 0):
        # One highlight per stretch of one source.
        cuts = [start, *(np.flatnonzero(np.diff(owner[start:end])) + start + 1).tolist(), end]
        for low, high in itertools.pairwise(cuts):
            begin, finish = units.starts[low], units.ends[high - 1]
            borrowed.append(Borrowed(begin, finish, int(owner[low]) + 1, draft[begin:finish]))
    ratio = 1.0 - float((owner >= 0).sum()) / total
    return OriginalityResult(ratio, params.threshold, ratio >= params.threshold, borrowed, total)
