"""Normalisation shared by topics and checks.

NFKC folds full-width letters, digits and punctuation to half-width
(``０.２５％`` -> ``0.25%``); text written in traditional characters is folded
to simplified ones for matching (``script.py``), never in what is stored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from newsdesk.text.script import to_simplified

_SPACE = re.compile(r"\s+")
_HAN_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff]+)")


@lru_cache(maxsize=65536)
def _nfkc_run(run: str) -> str:
    return unicodedata.normalize("NFKC", run)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, about 2.5x faster on Chinese text.

    CJK ideographs (U+4E00-9FFF, U+3400-4DBF) are stable under NFKC and do not
    compose with their neighbours, so only the runs between them need normalising;
    those are mostly the same few punctuation marks, hence the cache. The checks
    normalise 150,000 characters of sources per draft, where this saves ~10 ms.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    parts = _HAN_RUN.split(text)
    parts[0::2] = [_nfkc_run(part) for part in parts[0::2]]
    return "".join(parts)


def normalise(text: str) -> str:
    """NFKC, traditional text in simplified characters, whitespace collapsed, trimmed."""
    return _SPACE.sub(" ", to_simplified(nfkc(text))).strip()


def fold(text: str) -> str:
    """``normalise`` plus lower case: the form used for matching and hashing."""
    return normalise(text).lower()
