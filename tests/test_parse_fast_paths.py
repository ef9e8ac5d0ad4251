"""The parser's and the cleaner's shortcuts give what the plain passes they replaced give.

Each shortcut (issue 27: parsing 200 real feeds cost 5.5x fastfeedparser alone) is checked
against a straightforward version of the same rule, written here as the oracle: on tricky
generated input, on named edge cases (markup, entities, CDATA, scripts and styles, GBK,
byte-order marks, controls) and on every field of the shared corpus of 200 real feeds.
"""

from __future__ import annotations

import codecs
import contextlib
import html
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastfeedparser
import pytest
from charset_normalizer.md import mess_ratio
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpora import shared_data
from newsdesk import encoding
from newsdesk.feeds.normalise import _canonical, canonical_link
from newsdesk.feeds.parse import (
    _CHAR_REF,
    _SUSPECT_REF,
    _XML_BASE_ON,
    _legal_ref,
    _link_bases,
    _xml_safe,
    parse_feed,
)
from newsdesk.text.clean import _sanitised, clean_text, markup_to_text, sanitise, unsafe_utf8
from newsdesk.text.limits import TextLimits

CORPUS = shared_data("feeds-bench")

_SLOW_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SLOW_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SLOW_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def slow_clean_text(value: str | None, limit: int | None = None) -> str:
    """clean_text as plain passes: a regex for what sanitise drops and one for space runs."""
    if not value:
        return ""
    text = value[: limit * 4] if limit else value
    if "<" in text:
        text = markup_to_text(text)
    if "&" in text:
        text = html.unescape(html.unescape(text)) if "&amp;" in text else html.unescape(text)
    if _SLOW_UNSAFE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        text = _SLOW_CONTROLS.sub("", text)
    text = _SLOW_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
    return text[:limit].strip() if limit else text


def slow_link_bases(utf8: bytes) -> bool:
    return any(
        name.rsplit(b":", 1)[-1].lower() not in (b"content", b"summary")
        for name in _XML_BASE_ON.findall(utf8)
    )


def corpus_bodies() -> list[bytes]:
    if not (CORPUS / "README.md").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the feed corpus is missing: {CORPUS}")
        pytest.skip(f"no feed corpus at {CORPUS}")
    files = sorted(p for p in Path(CORPUS).iterdir() if p.is_file() and p.suffix != ".md")
    return [p.read_bytes() for p in files]


def corpus_entries() -> Iterator[dict[str, Any]]:
    """Every entry fastfeedparser reads from the corpus's feeds (those it can parse)."""
    for body in corpus_bodies():
        try:
            parsed = fastfeedparser.parse(body)
        except ValueError:
            continue
        yield from parsed.get("entries", [])


PIECES = [
    " ", "  ", "\t", "\r", "\n", "\f", "\v", "\u00a0", "\u3000", "\u2003", "\u2028", "\x85",
    "\x00", "\x01", "\x1c", "\ud800", "\udc00", "\ufffe", "\ufffd", "&amp;", "&amp;lt;", "&#12;",
    "&#0;", "&nbsp;", "&lt;b&gt;", "&", ";", "<b>", "<br/>", "</p>", "<P >", "<script>",
    "</script>", "<style>", "</style >", "<!--", "-->", "<![CDATA[", "]]>", "<", ">", "a", "中",
    "A股", "<3%", "\u200b", "\xad", "\ufeff", "\ue000", "\U0001f600", "x y", "\u2029",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from([None, 3, 10, 100]))
def test_clean_text_is_the_plain_passes(pieces: list[str], limit: int | None) -> None:
    text = "".join(pieces)
    assert clean_text(text, limit) == slow_clean_text(text, limit)


@pytest.mark.parametrize(
    "text",
    [
        "<p>央行<b>降准</b>\n\n    0.25个百分点&amp;amp;</p>\n   <p>下一段&nbsp;&nbsp;文字</p>",
        "<![CDATA[<p>正文</p>]]>  后文",
        "前<script>var a = '<b>x</b>';</script>中<style>p{}</style>后",
        "  多余\u3000\u3000空白\t\t制表\r\n\r\n换行  ",
        "标题&#xD800;&#0;\x00\x0c尾",
        "\u2003\u2003 两端 \u2003\n \u2028 \n",
        "     " * 1000 + "x" + "\u00a0" * 999,
    ],
)
def test_clean_text_edge_cases_as_the_plain_passes(text: str) -> None:
    assert clean_text(text) == slow_clean_text(text)
    assert clean_text(text, 10) == slow_clean_text(text, 10)


def test_clean_text_of_every_corpus_field_is_the_plain_passes() -> None:
    """Every title, summary, content and author fastfeedparser reads from the 200 real feeds."""
    limits = TextLimits()
    fields = 0
    for entry in corpus_entries():
        contents = [c.get("value") for c in entry.get("content") or [] if isinstance(c, dict)]
        for value, limit in [
            (entry.get("title"), limits.title),
            (entry.get("author"), limits.title),
            (entry.get("description"), limits.summary),
            *((content, limits.summary) for content in contents),
        ]:
            if isinstance(value, str):
                fields += 1
                assert clean_text(value, limit) == slow_clean_text(value, limit), value[:200]
    assert fields > 10_000


def test_a_printable_text_needs_no_sanitising_and_holds_no_whitespace_but_spaces() -> None:
    """What the printable shortcuts in sanitise and clean_text rest on, for every code point:
    nothing sanitise drops or _lines turns into a space, splits at or strips is printable,
    but the space itself."""
    for code in range(0x110000):
        char = chr(code)
        if char.isprintable():
            assert char == " " or not char.isspace(), hex(code)
            assert not _SLOW_UNSAFE.match(char), hex(code)
            assert char not in "\t\r\f\v\n\u00a0\u3000", hex(code)


def test_unsafe_utf8_finds_what_the_control_regex_finds() -> None:
    """Every code point but the surrogates (which do not encode), alone and inside text."""
    for code in [*range(0xD800), *range(0xE000, 0x110000)]:
        for text in (chr(code), f"中文 {chr(code)} text"):
            found = bool(_SLOW_CONTROLS.search(text))
            assert unsafe_utf8(text, text.encode("utf-8")) == found, hex(code)


@pytest.mark.parametrize(
    "text", ["", "a", "  a  b   c  ", "标题 😀", "\u200b x", "a\x00b", "\ud800", "\ufffe", "a\tb"]
)
def test_sanitise_shortcut_is_the_plain_pass(text: str) -> None:
    assert sanitise(text) == _sanitised(text)
    assert clean_text(text) == slow_clean_text(text)


def test_every_illegal_reference_is_a_suspect() -> None:
    """_SUSPECT_REF may match legal references but must match every one _legal_ref rewrites:
    all code points up to U+10FFFF and beyond it, in decimal and hex, with leading zeros."""
    boundaries = [0, 0x1F, 0x20, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF]
    codes = [
        *range(0, 0x110010, 7),
        *(b + d for b in boundaries for d in range(-3, 4) if b + d >= 0),
    ]
    codes += [0x110000, 0xFFFFFF, 99_999_999, 9_999_999_999]
    for code in codes:
        for ref in (f"&#{code};", f"&#00{code};", f"&#x{code:x};", f"&#X00{code:X};"):
            match = _CHAR_REF.fullmatch(ref)
            if match is not None and _legal_ref(match) != ref:
                assert _SUSPECT_REF.fullmatch(ref), ref


def test_references_still_repaired_among_legal_ones() -> None:
    text = "<t>&#39;&#x4e2d;&#10;&#0001114112;&#x1F600;&#65535;</t>"
    assert _xml_safe(text)[0] == "<t>&#39;&#x4e2d;&#10;\ufffd&#x1F600;\ufffd</t>"


def _feed(encoding_name: str, title: str = "标题") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding_name}"?><rss version="2.0"><channel><title>T'
        f"</title><item><title>{title}</title><link>https://e.com/a</link>"
        "<description><![CDATA[<p>摘要&amp;</p>]]></description></item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_feed("utf-8").encode(), None),
        (codecs.BOM_UTF8 + _feed("utf-8").encode(), None),
        (codecs.BOM_UTF8 * 2 + _feed("utf-8").encode(), None),
        (_feed("gbk").encode("gbk"), None),
        (_feed("gbk").encode("utf-8"), "text/xml; charset=gbk"),  # UTF-8 labelled GBK
        (_feed("utf-8").encode("gbk"), "text/xml; charset=utf-8"),  # GBK labelled UTF-8
        (_feed("utf-8").encode() + b"<!-- \xff\xfe -->", None),  # not UTF-8: guessed, however
        (_feed("utf-8", "a\x01b&#0;c&#xD800;").encode(), None),
        (_feed("utf-8", "\ufffe\ufffd").encode(), None),
    ],
)
def test_body_bytes_reused_only_when_they_are_the_texts_utf8(
    body: bytes, content_type: str | None
) -> None:
    text, used = encoding.decode(body, content_type)
    reused = _xml_safe(text, body if used == "utf-8" else None)
    assert reused == _xml_safe(text)
    assert reused[1] == reused[0].encode("utf-8")
    if text.isascii() or "摘要" in text:  # the decoder's reading, not the shortcut's concern
        assert parse_feed(body, content_type).entries[0].summary == "摘要&"


def test_body_read_with_replacement_is_not_reused() -> None:
    """The decoder's last resort reads a body as UTF-8 with U+FFFD for what is not UTF-8."""
    body = _feed("utf-8").encode() + b"<!-- \xff\x80 -->"
    text = body.decode("utf-8", errors="replace")
    assert _xml_safe(text, body)[1] == text.encode("utf-8")


def test_corpus_bytes_reused_are_the_texts_utf8_and_link_bases_as_the_regex() -> None:
    for body in corpus_bodies():
        text, used = encoding.decode(body)
        reused = _xml_safe(text, body if used == "utf-8" else None)
        assert reused == _xml_safe(text)
        assert _link_bases(reused[1]) == slow_link_bases(reused[1])


XML_BASE_PIECES = [
    "<feed", "<entry", "<content", "<atom:summary", "<link", " ", "\n", "xml:base", "=",
    '"u"', ">", "<", "/>", "text", "xml:base=", ' xml:base="x"', "<xml:base",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(XML_BASE_PIECES), max_size=30))
def test_link_bases_is_the_regex_over_the_whole_body(pieces: list[str]) -> None:
    utf8 = "".join(pieces).encode()
    assert _link_bases(utf8) == slow_link_bases(utf8)


def slow_decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    """encoding.decode asking charset-normalizer's mess ratio of every reading, UTF-8 too."""
    for name in encoding.candidates(body, content_type):
        try:
            text = body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if not name.startswith(encoding._UNICODE) and not body.isascii():
            with contextlib.suppress(UnicodeDecodeError):
                return body.decode("utf-8").lstrip("\ufeff"), "utf-8"
        if "\x00" in text[:20_000] or "\ufffd" in text[:20_000] or mess_ratio(text[:20_000]) > 0.1:
            return encoding._detected(body, text, name)
        return text.lstrip("\ufeff"), name
    return encoding._detected(body, body.decode("utf-8", errors="replace"), "utf-8")


@pytest.mark.parametrize("content_type", [None, "text/xml; charset=gbk", "text/xml; charset=big5"])
def test_utf8_trusted_without_the_mess_ratio_reads_the_corpus_the_same(
    content_type: str | None,
) -> None:
    """Valid UTF-8 beyond ASCII skips the mess ratio (a tenth of parsing): same readings."""
    for body in corpus_bodies():
        assert encoding.decode(body, content_type) == slow_decode(body, content_type)


LINK_PIECES = [
    "https://", "http://", "HTTPS://", "e.com", "E.com", "e.com:443", "u@", "/", "/a", "/新闻",
    "?", "&", "=", "#", "#f", "x", "1", "_", ".", "~", "-", "+", "%20", "%3D", ";", " ", "\t",
    "utm_source", "UTM_X", "utm_1", "fbclid", "spm", "spmx", "gclid", "mc_cid", "ſ", "K", "\\",
]  # fmt: skip


@settings(max_examples=5000, deadline=None)
@given(
    st.lists(st.sampled_from(LINK_PIECES), max_size=14),
    st.sampled_from([None, "https://base.example.com/feed", "http://base.example.com/"]),
)
def test_canonical_link_shortcut_is_the_url_parse(pieces: list[str], base: str | None) -> None:
    link = "".join(pieces)
    if link:
        assert canonical_link(link, base) == _canonical(link.strip(), base)


KEYS = [
    "x",
    "a.b",
    "~-_",
    "",
    "utm_source",
    "UTM_Medium",
    "utm_1",
    "utm_",
    "spm",
    "spmx",
    "ſ",
    "k+",
]
VALUES = ["", "1", "x~y", "a=b", "1b=2", "%20", "+", "中", "?", "#"]
_pair = st.builds(
    lambda key, eq, value: key + eq + value,
    st.sampled_from(KEYS),
    st.sampled_from(["=", "", "=="]),
    st.sampled_from(VALUES),
)


@settings(max_examples=5000, deadline=None)
@given(
    st.sampled_from(["https://e.com", "http://a-b.e.com", "HTTPS://E.com", "https://e.com:443"]),
    st.sampled_from(["/", "/a", "/新闻/1", "/a;p", "/a b", ""]),
    st.one_of(st.just(""), st.lists(_pair, max_size=4).map(lambda pairs: "?" + "&".join(pairs))),
    st.sampled_from(["", "#", "#f", "#f#g?h", "#片段", "# f"]),
    st.sampled_from([None, "https://base.example.com/feed", "http://base.example.com/"]),
)
def test_canonical_link_shortcut_is_the_url_parse_for_queries(
    site: str, path: str, query: str, fragment: str, base: str | None
) -> None:
    link = site + path + query + fragment
    assert canonical_link(link, base) == _canonical(link, base)


@pytest.mark.parametrize(
    "link",
    [
        "https://e.com/a?x=1&y=2#f",
        "https://e.com/a?a=1b=2",
        "https://e.com/a?x=1&&y=2",
        "https://e.com/a?x",
        "https://e.com/a?=x",
        "https://e.com/a?utm_source=1&b=2",
        "https://e.com/a?b=2&UTM_Medium=x",
        "https://e.com/a?utm_1=2",
        "https://e.com/a?spmx=1&fbclid=2",
        "https://e.com/a?x=%20&y=+",
        "https://e.com/a#",
        "https://e.com/a#f#g?h",
        "https://e.com/a?x=1#",
        "https://e.com/a?x=1#片段",
    ],
)
def test_canonical_link_shortcut_edge_cases(link: str) -> None:
    for base in (None, "https://base.example.com/feed", "http://base.example.com/"):
        assert canonical_link(link, base) == _canonical(link, base), (link, base)


def test_canonical_link_of_every_corpus_link_is_the_url_parse() -> None:
    links = 0
    for entry in corpus_entries():
        link = entry.get("link")
        if isinstance(link, str) and link.strip():
            links += 1
            for base in (None, "https://base.example.com/feed"):
                assert canonical_link(link, base) == _canonical(link.strip(), base), link
    assert links > 5_000
