"""Feed bytes to entries.

feedparser is the reference parser. fastfeedparser (lxml based) is the fast
path: ``bench/ingest.py`` measures it at far above 10x feedparser with
matching (title, link) pairs on the shared corpus. Anything the fast path
refuses goes to feedparser, so a feed parses whenever feedparser can read it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import fastfeedparser
import feedparser
from lxml import etree

from newsdesk import encoding
from newsdesk.entries import Entry, hash_key
from newsdesk.errors import FeedParseError
from newsdesk.feeds.normalise import canonical_link, parse_time
from newsdesk.text.clean import _scan, clean_text, sanitise, unsafe_utf8
from newsdesk.text.limits import TextLimits

SHANGHAI = ZoneInfo("Asia/Shanghai")
_XML_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([^\"']*)([\"'])", re.I)
_HTML_ROOT = re.compile(r"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html)", re.I | re.S)
_FEED_ROOT = re.compile(r"<(rss|feed|rdf:RDF|RDF)\b", re.I)
_FEED_END = re.compile(r"</(rss|feed|rdf:RDF|RDF)\s*>", re.I)
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
# Every reference _legal_ref may find illegal, and few legal ones (&#39; is everywhere, and
# 75,000 references over the corpus cost more to check one by one than to parse): 0-31,
# 55000-57999 (surrogates), 65534-65535, seven digits and more; in hex 0-0x1F, 0xD000-0xDFFF,
# 0xFFFE-0xFFFF, six digits and more.
_SUSPECT_REF = re.compile(
    r"&#(?:0*(?:[12]?[0-9]|3[01])|0*5[5-7][0-9]{3}|0*6553[45]|0*[0-9]{7,10}"
    r"|[xX]0*(?:1?[0-9a-fA-F]|[dD][0-9a-fA-F]{3}|[fF]{3}[eEfF]|[0-9a-fA-F]{6,8}));"
)
_SUSPECT_REF_BYTES = re.compile(_SUSPECT_REF.pattern.encode("ascii"))
# Elements whose xml:base cannot reach an entry's link (only their own content's links).
_CONTENT_ONLY = {b"content", b"summary"}
_XML_BASE_ON = re.compile(rb"<([A-Za-z_][\w:.-]*)[^<>]*?\sxml:base\s*=")
_ABSOLUTE = re.compile(r"^https?://", re.I)
_JSON_START = re.compile(r"\s*\{")  # text.lstrip().startswith("{") without copying the text


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: list[Entry]
    parser: str
    encoding: str


def parse_feed(
    body: bytes,
    content_type: str | None = None,
    *,
    base_url: str | None = None,
    default_tz: tzinfo = SHANGHAI,
    fast: bool = True,
    limits: TextLimits | None = None,
) -> ParsedFeed:
    """Parse a feed body; raise FeedParseError with a reason when it is not a feed."""
    if not body or body.isspace():  # not body.strip(): that copies the body
        raise FeedParseError("empty body")
    text, used = encoding.decode(body, content_type)
    text, utf8 = _xml_safe(text, body if used == "utf-8" else None)
    limits = limits or TextLimits()
    head = text[:4096]
    if _HTML_ROOT.match(head) and not _FEED_ROOT.search(head):
        raise FeedParseError("got an HTML page, not a feed (is the URL the feed's address?)")
    if _JSON_START.match(text):
        return _json_feed(utf8, base_url, default_tz, used, limits)
    parsed = None
    if fast:
        try:
            parsed = _from_fast(_fast_parse(utf8), base_url, default_tz, used, limits, utf8)
        except (ValueError, TypeError, AttributeError, KeyError):
            parsed = None
    if parsed is None:
        parsed = _from_feedparser(utf8, base_url, default_tz, used, limits)
    if not parsed.entries or not _FEED_END.search(text[-4096:]):
        _require_well_formed(utf8)
    return parsed


def _legal_ref(match: re.Match[str]) -> str:
    hexa, decimal = match.groups()
    code = int(hexa, 16) if hexa else int(decimal)
    legal = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
    return match.group(0) if legal or 0x10000 <= code <= 0x10FFFF else "\ufffd"


def _illegal_ref(suspect: re.Match[str] | re.Match[bytes]) -> bool:
    found = suspect.group(0)
    ref = _CHAR_REF.fullmatch(found if isinstance(found, str) else found.decode("ascii"))
    return ref is not None and _legal_ref(ref) != ref.group(0)


def _xml_safe(text: str, body: bytes | None = None) -> tuple[str, bytes]:
    """Characters XML forbids, raw or as references, made harmless before any parser sees them;
    the text and its UTF-8 bytes, the XML declaration saying so. ``body``: the bytes ``text``
    was decoded from when they were read as UTF-8 (then they are its UTF-8, not encoded again).

    ``&#xD800;`` (a lone surrogate) or ``&#0;`` in a title made feedparser raise
    UnicodeEncodeError on every run; a reference to a character XML 1.0 does not
    allow becomes U+FFFD, a raw control character goes. Both are rare, and looking
    for them cost more than the fast parser itself: references are rewritten only
    when one that may be illegal is, and the text is sanitised only when it holds
    what ``sanitise`` drops.
    """
    if _illegal_refs(text, body):
        text, body = _CHAR_REF.sub(_legal_ref, text), None
    declared = _XML_DECL_ENCODING.match(text)
    if declared and declared.group(2).lower() not in ("utf-8", "utf8"):
        text, body = f"{declared.group(1)}utf-8{declared.group(3)}{text[declared.end() :]}", None
    try:
        utf8 = _utf8_of(text, body)
        unsafe = unsafe_utf8(text, utf8)
    except UnicodeEncodeError:  # a lone surrogate
        unsafe = True
    if unsafe:
        text = sanitise(text)
        utf8 = text.encode("utf-8")
    return text, utf8


def _illegal_refs(text: str, body: bytes | None) -> bool:
    """Whether ``text`` (read from ``body``, when given) holds a reference ``_legal_ref`` rewrites.

    A reference is ASCII, the same in the body as in the text read from it (a byte that is not
    UTF-8 becomes U+FFFD alone): the bytes are scanned faster than a text of wide chars, and in
    C (``_scan.c``) where it is built.
    """
    if body is not None and _scan is not None:
        return _scan.illegal_char_refs(body)
    suspects = _SUSPECT_REF.finditer(text) if body is None else _SUSPECT_REF_BYTES.finditer(body)
    return any(map(_illegal_ref, suspects))


def _utf8_of(text: str, body: bytes | None) -> bytes:
    """``text`` as UTF-8: ``body`` itself, its byte-order marks dropped as the decoder drops them,
    when ``text`` is its strict reading (the decoder reads UTF-8 with replacement only when the
    body is not UTF-8, and then the text holds U+FFFD)."""
    if body is None or "\ufffd" in text:
        return text.encode("utf-8")
    while body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
    return body


def _fast_parse(utf8: bytes) -> Any:
    """fastfeedparser, without the tags, media and enclosures newsdesk does not keep."""
    return fastfeedparser.parse(
        utf8, include_tags=False, include_media=False, include_enclosures=False
    )


def _link_bases(utf8: bytes) -> bool:
    """Whether an xml:base may apply to an entry's link (on an element other than content).

    Each ``xml:base`` is looked up from the tag it is in: the regex run over the whole body
    tried every tag's every attribute, a third of the fast parser's time."""
    at = utf8.find(b"xml:base")
    while at != -1:
        found = _XML_BASE_ON.match(utf8, max(utf8.rfind(b"<", 0, at), 0))
        if found and found.group(1).rsplit(b":", 1)[-1].lower() not in _CONTENT_ONLY:
            return True
        at = utf8.find(b"xml:base", at + 1)
    return False


def _json_feed(
    utf8: bytes, base_url: str | None, default_tz: tzinfo, used: str, limits: TextLimits
) -> ParsedFeed:
    """JSON Feed (jsonfeed.org), which only fastfeedparser reads; broken JSON is refused."""
    try:
        parsed = _from_fast(_fast_parse(utf8), base_url, default_tz, used, limits, None)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise FeedParseError(f"not a readable JSON Feed: {exc}") from exc
    if parsed is None or not (parsed.entries or parsed.title):
        raise FeedParseError("not a JSON Feed")
    return parsed


def _require_well_formed(utf8: bytes) -> None:
    """Refuse broken XML when recovery cannot be trusted.

    Both parsers recover from damage, which is right for a complete document
    with a stray '&' or an undefined entity (5 of the 199 XML feeds in the
    benchmark corpus) but wrong for a truncated body, whose last entry would
    be stored half-written, or for garbage that yields nothing. So the strict
    check runs only when the closing root tag is missing or nothing was found.
    """
    try:
        etree.fromstring(utf8, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(f"malformed XML: {exc}") from exc


def _entry_base(base_url: str | None, channel_link: str | None) -> str | None:
    """What a relative entry link is relative to: the channel's link, itself read against the
    feed's own URL (xml:base is applied by feedparser, which such feeds are routed to)."""
    channel_link = (channel_link or "").strip()
    if not channel_link:
        return base_url
    return urljoin(base_url or "", channel_link)


def _entry(
    raw_guid: str | None,
    title: str | None,
    link: str | None,
    published: object,
    summary: str | None,
    author: str | None,
    base_url: str | None,
    default_tz: tzinfo,
    limits: TextLimits,
) -> Entry:
    clean_title = clean_text(title, limits.title)
    clean_summary = clean_text(summary, limits.summary)
    if not (link or "").strip() and raw_guid and _ABSOLUTE.match(raw_guid.strip()):
        link = raw_guid  # an entry without a link whose id is a URL: the id is its address
    canonical = canonical_link(link, base_url)
    when = parse_time(published, default_tz)
    guid = (
        sanitise((raw_guid or "").strip())
        or canonical
        or "hash:" + hash_key(f"{clean_title}\n{when}\n{clean_summary[:200]}")
    )
    author_text = clean_text(author, limits.title) or None
    return Entry(guid, clean_title, canonical, when, clean_summary, author_text)


def _from_fast(
    parsed: Any,
    base_url: str | None,
    default_tz: tzinfo,
    used: str,
    limits: TextLimits,
    utf8: bytes | None,
) -> ParsedFeed | None:
    """The fast parser's entries, or None for a feed it cannot resolve: relative entry links
    under xml:base, which fastfeedparser does not apply. ``utf8``: the document, sought for
    xml:base only when an entry's link is relative (most feeds have none: no scan)."""
    raw_entries = parsed.get("entries", [])
    if (
        utf8 is not None
        and any(
            (raw.get("link") or "").strip() and not _ABSOLUTE.match(raw["link"].strip())
            for raw in raw_entries
        )
        and _link_bases(utf8)
    ):
        return None
    feed = parsed.get("feed", {}) or {}
    base = _entry_base(base_url, feed.get("link"))
    entries = [
        _entry(
            raw.get("id"),
            raw.get("title"),
            raw.get("link"),
            raw.get("published") or raw.get("updated"),
            raw.get("description") or _first_content(raw),
            raw.get("author"),
            base,
            default_tz,
            limits,
        )
        for raw in raw_entries
    ]
    return ParsedFeed(clean_text(feed.get("title"), limits.title), entries, "fastfeedparser", used)


def _first_content(raw: dict[str, Any]) -> str | None:
    content = raw.get("content")
    if isinstance(content, list) and content:
        first = content[0]
        return first.get("value") if isinstance(first, dict) else str(first)
    return None


def _from_feedparser(
    utf8: bytes, base_url: str | None, default_tz: tzinfo, used: str, limits: TextLimits
) -> ParsedFeed:
    headers = {"content-type": "application/xml; charset=utf-8"}
    if base_url:
        headers["content-location"] = base_url  # where feedparser starts its xml:base chain
    parsed = feedparser.parse(utf8, response_headers=headers)
    if parsed.bozo and not parsed.entries and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception")
        raise FeedParseError(f"not a readable RSS/Atom/RDF feed: {reason}")
    if not parsed.version and not parsed.entries:
        raise FeedParseError("not an RSS, Atom or RDF feed")
    base = _entry_base(base_url, parsed.feed.get("link"))
    entries = [
        _entry(
            raw.get("id"),
            raw.get("title"),
            raw.get("link"),
            raw.get("published_parsed") or raw.get("updated_parsed") or raw.get("published"),
            raw.get("summary") or _first_content(raw),
            raw.get("author"),
            base,
            default_tz,
            limits,
        )
        for raw in parsed.entries
    ]
    return ParsedFeed(
        clean_text(parsed.feed.get("title"), limits.title), entries, "feedparser", used
    )
