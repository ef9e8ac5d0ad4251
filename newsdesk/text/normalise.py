"""The one normalisation shared by facts, checks, topics and drafting.

:func:`desk_text` is what every reader of a source works on: NFKC (full-width
letters, digits and punctuation to half-width, ``０.２５％`` -> ``0.25%``),
one form of numbers (``numbers.normalise_numbers``: ``﹒``, numbers broken
across lines, 萬/億/兆 compounds) and the desk's script (OpenCC's phrase
conversion for text that is written in traditional characters). Stored items
are never changed: the original is what the draft page shows beside a citation.

:func:`normalise` and :func:`fold` are the matching forms (character-level
script folding, whitespace collapsed, lower case for ``fold``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

from newsdesk.text.numbers import normalise_numbers
from newsdesk.text.script import code_points, looks_traditional, to_simplified

# CJK ideographs and printable ASCII are stable under NFKC, and an ideograph composes with
# nothing: only runs of other characters can change, with the ASCII character before such a
# run (a combining mark composes with it: e + U+0301 is é).
_UNSTABLE = re.compile(r"[\x20-\x7e]?[^\u3400-\u4dbf\u4e00-\u9fff\x20-\x7e]+")


@lru_cache(maxsize=65536)
def _nfkc_run(run: str) -> str:
    return unicodedata.normalize("NFKC", run)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, many times faster on Chinese text.

    Only the runs that can change are normalised (``_UNSTABLE``); those are mostly the
    same few punctuation marks, hence the cache. The checks normalise 150,000
    characters of sources for a slot's first draft.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    # Full-width ASCII forms and the ideographic space, the usual reason a Chinese text is
    # not normalised, are replaced by what NFKC makes of them all at once; that changes
    # nothing NFKC does to the rest (each is its own compatibility decomposition).
    if len(text) <= _SHORT:
        # A sentence: numpy's fixed cost is more than a translation's look-ups.
        text = text.translate(_WIDE)
        return text if unicodedata.is_normalized("NFKC", text) else _normalise_runs(text)
    codes = code_points(text)
    wide = (codes >= 0xFF01) & (codes <= 0xFF5E)
    if wide.any() or (codes == 0x3000).any():
        codes = np.where(wide, codes - 0xFEE0, codes)
        codes[codes == 0x3000] = 0x20
        text = codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
        if unicodedata.is_normalized("NFKC", text):
            return text
    return _normalise_runs(text)


def _normalise_runs(text: str) -> str:
    return _UNSTABLE.sub(lambda match: _nfkc_run(match.group(0)), text)


# Full-width ASCII forms and the ideographic space: what NFKC makes of each.
_WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SHORT = 100  # characters: below this a translation is faster than numpy


SCRIPTS = ("simplified", "traditional", "keep")
_BLANK_LINES = re.compile(r"[ \t\u3000]*\n[\s\u3000]*")
_BLANKS = re.compile(r"[ \t\u3000]+")


@lru_cache(maxsize=4)
def _converter(config: str):  # noqa: ANN202 - opencc_purepy ships no types
    from opencc_purepy import OpenCC

    return OpenCC(config)


@lru_cache(maxsize=1024)
def desk_text(text: str, script: str = "simplified") -> str:
    """``text`` as the desk reads and writes it: one form of numbers, the desk's script.

    ``script`` is ``simplified`` (traditional sources converted with OpenCC's
    phrase tables, so 分別為 becomes 分别为, not 分別为), ``traditional`` (simplified
    sources converted the other way) or ``keep``. Runs of spaces and blank lines
    collapse; line breaks stay (they end headlines and bylines).
    """
    if script not in SCRIPTS:
        raise ValueError(f"script must be one of {', '.join(SCRIPTS)}, not {script!r}")
    text = normalise_numbers(text)
    if script == "simplified" and looks_traditional(text):
        text = _converter("t2s").convert(text)
    elif script == "traditional" and not looks_traditional(text):
        text = _converter("s2t").convert(text)
    return _BLANKS.sub(" ", _BLANK_LINES.sub("\n", text)).strip()


def normalise(text: str) -> str:
    """NFKC, one form of numbers, traditional text in simplified characters, whitespace
    collapsed, trimmed."""
    # str.split() splits at the characters \s matches and drops them at both ends.
    return " ".join(to_simplified(normalise_numbers(nfkc(text))).split())


def fold(text: str) -> str:
    """``normalise`` plus lower case: the form used for matching and hashing."""
    return normalise(text).lower()


@lru_cache(maxsize=1024)
def check_form(text: str) -> str:
    """The form the checks compare figures in: one form of numbers, simplified characters
    (character by character, fast enough for fifty sources per draft), lines kept."""
    return to_simplified(normalise_numbers(text))
