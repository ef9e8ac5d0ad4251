"""Draft text broken into what the checks reason about: sentences, citation markers, units.

A *unit* is one Han character or one Latin word / number, after NFKC and
lower-casing, with punctuation and whitespace dropped. Each unit remembers its
offsets in the original text, so every finding points back at what the editor
wrote. Latin words are mapped to single private-use characters (``latin_code``),
so a unit sequence is a plain ``str`` and k-grams are fast substring slices.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newsdesk.text.normalise import nfkc
from newsdesk.text.script import code_points, is_han, is_han_code
from newsdesk.text.sentences import sentence_pieces

# [1] [1,2] [1-3] 【1】 【1，2】 ; ranges use - – ~ ; lists use , ， 、
MARKER = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*[-–~,，、]\s*\d{1,3})*)\s*[\]】]")
_QUOTES = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"\n]*\"")
MAX_RANGE = 50


@dataclass(frozen=True)
class Marker:
    start: int
    end: int
    sources: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    markers: tuple[Marker, ...]

    @property
    def cited(self) -> set[int]:
        return {n for m in self.markers for n in m.sources}


def parse_marker(body: str) -> tuple[int, ...]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,，、]\s*", body):
        if re.search(r"[-–~]", part):
            low, high = (int(x) for x in re.split(r"\s*[-–~]\s*", part))
            if low > high or high - low > MAX_RANGE:
                numbers.extend((low, high))
                continue
            numbers.extend(range(low, high + 1))
        else:
            numbers.append(int(part))
    return tuple(dict.fromkeys(numbers))


def markers(text: str) -> list[Marker]:
    return [
        Marker(m.start(), m.end(), parse_marker(m.group(1)), m.group(0))
        for m in MARKER.finditer(text)
    ]


def excluded_spans(text: str, max_quote: int | None = None) -> list[tuple[int, int]]:
    """Citation markers and short quotations (at most ``max_quote`` characters inside the
    marks): counted neither as borrowed nor as written."""
    spans = [(m.start(), m.end()) for m in MARKER.finditer(text)]
    spans += [
        (q.start(), q.end())
        for q in _QUOTES.finditer(text)
        if max_quote is None or q.end() - q.start() - 2 <= max_quote
    ]
    return sorted(spans)


def sentences(text: str) -> list[Sentence]:
    """Split at sentence ends (``text.sentences``: not at ；); a run of only markers after a
    full stop joins the sentence before."""
    found = markers(text)
    merged: list[list[int]] = []
    for begin, end in sentence_pieces(text):
        chunk = MARKER.sub("", text[begin:end]).strip(" \t\r\n。.；;！？!?")
        if merged and not chunk:
            merged[-1][1] = end
        else:
            merged.append([begin, end])
    out: list[Sentence] = []
    starts = [m.start for m in found]  # in order: finditer's
    for begin, end in merged:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if begin == end:
            continue
        first, last = bisect_left(starts, begin), bisect_left(starts, end)
        mine = tuple(m for m in found[first:last] if m.end <= end)
        out.append(Sentence(begin, end, text[begin:end], mine))
    return out


@dataclass
class Units:
    """Units of a text as one string (one char per unit) with original offsets."""

    chars: str
    starts: list[int]
    ends: list[int]
    han: int
    words: int

    @property
    def mostly_han(self) -> bool:
        return self.han >= self.words


_LATIN = re.compile(r"([0-9a-z]+(?:[.'][0-9a-z]+)*)")
_PLANE = 0xFFFE  # private-use characters in each of planes 15 and 16


@lru_cache(maxsize=262144)
def latin_code(token: str) -> str:
    """The unit character of a Latin word or number: a private-use character chosen by CRC-32.

    Stable across calls and processes, so a source's units can be cached and
    reused by every draft that cites it. Two words share a code once in 131,068
    pairs; a copied run needs several words in a row, so a shared code does
    not make one.
    """
    if len(token) == 1 and is_han(token):
        return token
    slot = zlib.crc32(token.encode("utf-8")) % (2 * _PLANE)
    return chr((0xF0000 if slot < _PLANE else 0x100000 - _PLANE) + slot)


@lru_cache(maxsize=512)
def source_units(text: str) -> str:
    """Units of a source, without offsets: the fast path, cached (a brief's sources are
    checked against every draft, revision and edit of the day)."""
    folded = nfkc(text).lower()
    # split() with a capturing group alternates text / word: map the words in one pass.
    parts = _LATIN.split(folded)
    parts[1::2] = [latin_code(word) for word in parts[1::2]]
    codes = code_points("".join(parts))
    kept = is_han_code(codes) | ((codes >= 0xF0000) & (codes <= 0xFFFFD))
    kept |= (codes >= 0x100000) & (codes <= 0x10FFFD)
    return codes[kept].tobytes().decode("utf-32-le")


def draft_units(text: str, exclude: list[tuple[int, int]] | None = None) -> Units:
    """Units of a draft with their offsets; excluded spans contribute nothing.

    Han characters are found with numpy (most of a Chinese draft), Latin words and
    numbers with a regular expression; both are then put in text order.
    """
    folded = list(fold_chars(text))
    for start, end in exclude or []:
        folded[start:end] = [" "] * (end - start)
    joined = "".join(folded)
    codes = code_points(joined).astype(np.int64)
    han_at = np.flatnonzero(is_han_code(codes))
    words = [(m.start(), m.end(), ord(latin_code(m.group(0)))) for m in _LATIN.finditer(joined)]
    starts, ends, unit_codes = han_at, han_at + 1, codes[han_at]
    if words:
        found = np.asarray(words, dtype=np.int64)
        starts = np.concatenate((starts, found[:, 0]))
        order = np.argsort(starts, kind="stable")
        starts = starts[order]
        ends = np.concatenate((ends, found[:, 1]))[order]
        unit_codes = np.concatenate((unit_codes, found[:, 2]))[order]
    chars = unit_codes.astype(np.uint32).tobytes().decode("utf-32-le")
    return Units(chars, starts.tolist(), ends.tolist(), int(han_at.size), len(words))


@lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    """NFKC + lower case of one character, kept to one character so offsets survive."""
    normal = unicodedata.normalize("NFKC", char).lower()
    return normal if len(normal) == 1 else " "


# Characters NFKC and lower case leave as they are: CJK ideographs, ASCII but capitals.
_CHANGING = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\x20-\x40\x5b-\x7e]+")


@lru_cache(maxsize=8)
def fold_chars(text: str) -> str:
    """NFKC + lower case character by character (``fold_char``), offsets kept: only the
    characters it can change are looked at, each distinct one once (a draft has a hundred
    commas and full stops, and a few kinds of them). Cached for the draft being checked:
    originality's units and compliance both read it."""
    changing = set("".join(_CHANGING.findall(text)))
    return text.translate({ord(char): fold_char(char) for char in changing}) if changing else text
