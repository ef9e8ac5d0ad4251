"""A news entry as the layers pass it on (parsed by ``feeds``, stored by ``store``), and the
keys that tell entries apart: below both, so the store needs nothing from the feeds."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

try:
    from newsdesk.text._scan import word_chars
except ImportError:  # installed without a C compiler (setup.py)
    word_chars = None  # type: ignore[assignment]

_HASH_DROP = re.compile(r"[\W_]+", re.UNICODE)
# What _HASH_DROP drops from ASCII text: every byte but letters and digits.
_ASCII_DROP = bytes(c for c in range(128) if not chr(c).isalnum())
MAX_KEY = 500
_GLOBAL_GUID = re.compile(r"^(https?://|urn:|tag:)", re.IGNORECASE)  # compiled once, not per call


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    link: str | None
    published: datetime | None
    summary: str
    author: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "guid": self.guid,
            "title": self.title,
            "link": self.link,
            "published": self.published.isoformat() if self.published else None,
            "summary": self.summary,
        }


def hash_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(title: str, text: str, identity: str = "") -> str:
    """Hash of title + text that ignores case, width, punctuation and whitespace.

    An entry with no words at all (a photo post: no title, an image for a summary)
    has nothing to compare, so its hash is of ``identity`` (its guid key) instead:
    otherwise every such entry would be a duplicate of the first.
    """
    folded = _folded(f"{title}\n{text}")
    return hash_key(folded) if folded else hash_key("identity:" + identity)


def _folded(text: str) -> str:
    """``text`` in NFKC, lower case, without what ``_HASH_DROP`` drops.

    The regex is ~30 ns a character, most of ingest's hashing: ASCII text (NFKC leaves it
    as it is) drops its bytes with ``bytes.translate``; other text drops what is no letter or
    digit in one C loop (``_scan.word_chars``) or, without it, its whitespace (none of it a
    word character) with ``str.split`` before the regex sees it.

    NFKC is ~5 ns a character when the text is in NFKC already (``normalize`` checks first)
    and several times that when not: then it decomposes and recomposes all of it. Of the
    bench feeds' non-ASCII texts a quarter were not, nine in ten of those for one character,
    the ellipsis "…", which NFKC makes "..." (and the fold then drops). It is replaced first:
    the same NFKC form, since NFKC is the composition of the full decomposition, and a
    character replaced by its own decomposition leaves that unchanged (20 -> 8 ms of NFKC
    over the 200 feeds).
    """
    if text.isascii():
        return text.lower().encode("ascii").translate(None, _ASCII_DROP).decode("ascii")
    folded = unicodedata.normalize("NFKC", text.replace("\u2026", "...")).lower()
    if word_chars is not None:
        return word_chars(folded)
    return _HASH_DROP.sub("", "".join(folded.split()))


def guid_key(guid: str, source_name: str) -> str:
    """A key unique across sources: URL/URN guids are global, bare ids belong to their source."""
    guid = guid.strip()
    scoped = guid if _GLOBAL_GUID.match(guid) else f"{source_name}:{guid}"
    return scoped if len(scoped) <= MAX_KEY else "sha256:" + hash_key(scoped)
