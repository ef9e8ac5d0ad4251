"""Decide how a fetched body (a feed, a research page) is encoded and decode it.

Order: byte-order mark, then the HTTP charset, then the XML declaration, then
UTF-8, then GB18030. A charset that fails to decode the body is skipped rather
than trusted (servers often send ``charset=utf-8`` for GBK files). GB2312 and
GBK are read as GB18030, their superset, so rare characters survive.

Labels also lie the other way, and then the decode *succeeds* into garbage:

- UTF-8 labelled GBK: many UTF-8 byte runs are valid GB18030 too (标题 reads
  as 鏍囬). A body that is valid UTF-8 and not plain ASCII is UTF-8, whatever a
  legacy label says: GBK text is practically never valid UTF-8.
- Anything else (UTF-16 without a BOM reads as UTF-8 full of NULs, GBK
  labelled Big5 or Latin-1): when the decoded text holds NUL or U+FFFD, or
  charset-normalizer's mess ratio says it is mojibake, charset-normalizer
  guesses from the bytes, and its guess is taken when it reads cleaner.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.I)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}
_UNICODE = ("utf-8", "utf-16", "utf-32")
_SAMPLE = 20_000  # characters judged for mojibake: it is spread all over a mislabelled body
_GARBLED = 0.1  # correctly decoded: at most 0.011 over the 200 feeds of the bench corpus


def _canonical(name: str) -> str | None:
    name = _SUPERSETS.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def candidates(body: bytes, content_type: str | None) -> list[str]:
    found: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            found.append(name)
            break
    if content_type and (match := _HTTP_CHARSET.search(content_type)):
        found.append(match.group(1))
    if declared := _XML_DECL.match(body[:512].lstrip(codecs.BOM_UTF8)):
        found.append(declared.group(1).decode("ascii"))
    found += ["utf-8", "gb18030"]
    ordered: list[str] = []
    for name in found:
        canonical = _canonical(name)
        if canonical and canonical not in ordered:
            ordered.append(canonical)
    return ordered


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Falls back to UTF-8 with replacement characters."""
    for name in candidates(body, content_type):
        try:
            text = body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if not name.startswith(_UNICODE) and not body.isascii() and _is_utf8(body):
            return body.decode("utf-8").lstrip("\ufeff"), "utf-8"
        if _garbled(text, trusted=name == "utf-8" and not body.isascii()):
            return _detected(body, text, name)
        return text.lstrip("\ufeff"), name
    return _detected(body, body.decode("utf-8", errors="replace"), "utf-8")


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _garbled(text: str, *, trusted: bool) -> bool:
    """Whether ``text`` looks misread. ``trusted``: valid UTF-8 beyond ASCII, UTF-8 whatever the
    label says (as in :func:`decode`), so charset-normalizer's mess ratio, a tenth of parsing a
    feed, is not asked; NUL and U+FFFD still tell UTF-16 read as UTF-8."""
    sample = text[:_SAMPLE]
    if "\x00" in sample or "\ufffd" in sample:
        return True
    return not trusted and mess_ratio(sample) > _GARBLED


def _detected(body: bytes, text: str, name: str) -> tuple[str, str]:
    """charset-normalizer's reading of ``body`` if it is cleaner than ``text``, else ``text``."""
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        guess = _canonical(best.encoding)
        if guess and guess != name:
            other = str(best)
            if _mess(other) < _mess(text):
                return other.lstrip("\ufeff"), guess
    return text.lstrip("\ufeff"), name


def _mess(text: str) -> float:
    sample = text[:_SAMPLE]
    return mess_ratio(sample) + sample.count("\x00") + sample.count("\ufffd")
