"""Normalisation shared by topics and checks.

NFKC folds full-width letters, digits and punctuation to half-width
(``０.２５％`` -> ``0.25%``). Traditional characters are kept as the source
wrote them: converting would need a conversion table dependency (OpenCC) and
the desk's sources are in simplified Chinese; a desk that mixes scripts can
list both forms in its user dictionary.
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, whitespace collapsed to single spaces, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def fold(text: str) -> str:
    """``normalise`` plus lower case: the form used for matching and hashing."""
    return normalise(text).lower()


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
