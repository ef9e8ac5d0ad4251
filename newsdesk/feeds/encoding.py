"""Decide how a feed body is encoded and decode it.

Order: byte-order mark, then the HTTP charset, then the XML declaration, then
UTF-8, then GB18030. A charset that fails to decode the body is skipped rather
than trusted (servers often send ``charset=utf-8`` for GBK files). GB2312 and
GBK are read as GB18030, their superset, so rare characters survive.
"""

from __future__ import annotations

import codecs
import re

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
    if match := _XML_DECL.match(body[:512].lstrip(codecs.BOM_UTF8)):
        found.append(match.group(1).decode("ascii"))
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
        return text.lstrip("\ufeff"), name
    return body.decode("utf-8", errors="replace"), "utf-8"
