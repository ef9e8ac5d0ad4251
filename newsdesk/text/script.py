"""Traditional characters folded to simplified, for matching only.

The desk writes simplified Chinese; a Hong Kong or Taiwan source writes 騰訊 for
腾讯. Topics and checks compare text, so both forms must meet: a story carried
in both scripts is one story, and a draft that copies a traditional source by
converting it is still a copy. Stored items and what editors read are never
changed.

The table is OpenCC's character table (``TSCharacters.txt``, shipped with
opencc-purepy), one-to-one so offsets survive, minus the characters OpenCC
itself lists among their own simplified forms (乾, 於, 像, 俱 ...): those are
simplified characters too. Whole texts are converted only when they look
traditional (at least two such characters, a fifth of the Han characters), so a
simplified 显著 is not turned into 显着 by the one character it shares with the
traditional table; the checks' k-gram index maps every character, which is the
same on both sides of a comparison.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np

_SHARE = 0.2  # of Han characters: simplified text has at most a stray one


@cache
def _table() -> dict[str, str]:
    text = (files("opencc_purepy") / "dicts" / "TSCharacters.txt").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        candidates = values.split()
        if len(key) == 1 and candidates and key not in candidates and len(candidates[0]) == 1:
            table[key] = candidates[0]
    return table


@cache
def _traditional() -> frozenset[str]:
    return frozenset(_table())


@cache
def _translation() -> dict[int, int]:
    return {ord(k): ord(v) for k, v in _table().items()}


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as an array (a lone surrogate too)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def is_han_code(codes: np.ndarray) -> np.ndarray:
    """:func:`is_han` of each code point of an array."""
    return ((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))


@cache
def _traditional_mask() -> np.ndarray:
    """Code point -> whether it is a traditional form (up to the last one)."""
    codes = np.fromiter(map(ord, _traditional()), dtype=np.int64)
    mask = np.zeros(int(codes.max()) + 1, dtype=bool)
    mask[codes] = True
    return mask


def looks_traditional(text: str) -> bool:
    hits = _traditional_count(text)
    return hits >= 2 and hits >= _SHARE * _han_count(text)


# Below this many characters a loop costs less than numpy's fixed cost; every source (of
# thousands) is asked too, where the loop cost more than the rest of its normalisation.
_SHORT = 200


def _traditional_count(text: str) -> int:
    if len(text) < _SHORT:
        traditional = _traditional()
        return 0 if traditional.isdisjoint(text) else sum(1 for c in text if c in traditional)
    codes = code_points(text)
    mask = _traditional_mask()
    return int(mask[codes[codes < mask.size]].sum())


def _han_count(text: str) -> int:
    if len(text) < _SHORT:
        return sum(1 for c in text if is_han(c))
    return int(is_han_code(code_points(text)).sum())


def to_simplified(text: str) -> str:
    """``text`` in simplified characters when it is written in traditional ones, else as is."""
    return text.translate(_translation()) if looks_traditional(text) else text


@cache
def code_map() -> np.ndarray:
    """Code point -> code point (simplified), as an array for vectorised lookups."""
    pairs = _translation()
    mapping = np.arange(max(pairs) + 1, dtype=np.uint64)
    mapping[np.fromiter(pairs.keys(), dtype=np.int64)] = np.fromiter(pairs.values(), np.uint64)
    return mapping


def simplify_codes(codes: np.ndarray) -> np.ndarray:
    """Map an array of code points through :func:`code_map`; others pass unchanged."""
    mapping = code_map()
    inside = codes < mapping.size
    return np.where(inside, mapping[np.where(inside, codes, 0).astype(np.int64)], codes)


def traditional_characters(text: str) -> list[str]:
    """The characters of ``text`` that are traditional forms only (國, 內), in order."""
    traditional = _traditional()
    if traditional.isdisjoint(text):  # a simplified text: one pass in C
        return []
    return [char for char in text if char in traditional]
