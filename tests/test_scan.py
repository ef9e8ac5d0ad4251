"""The C character passes (``newsdesk/text/_scan.c``) give what their Python references give.

clean_text and the entry hash run the C passes when they are built; the tests of those
(test_parse_fast_paths, test_entry_keys) compare them with plain oracles on the 200 real feeds.
Here each pass is compared alone with its reference, on generated text rich in the markup,
space and script cases the rules name, and the install is required to have built it.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.feeds.parse import _SUSPECT_REF_BYTES, _illegal_ref
from newsdesk.text import _scan
from newsdesk.text.clean import _NOT_C0_BYTES, collapse_lines, markup_to_text

MARKUP = [
    "<", ">", "/", "!", "?", "-", "--", "<!--", "-->", "<br", "<BR", "<br/>", "<bR >", "<brx>",
    "</p>", "</P", "</pre>", "</div>", "</DIV x>", "</li>", "</h1>", "</H6 >", "</h7>", "<p>",
    "<script>", "<SCRIPT type='x'>", "</script>", "</scriptx>", "</ScRiPt >", "<style>",
    "</style>", "<scripts>", "<b>", "<a href='u'>", "<3%", "A股<3%", "<?xml?>", "<![CDATA[",
    " ", "  ", "\n", "\t", "\r", "\u00a0", "\u3000", "\u2003", "\x85", "\u2028", "\x1c",
    "a", "Z", "9", "中", "文", "😀", "ſ", "İ", "&amp;", "x y",
]  # fmt: skip
_WORD_DROP = re.compile(r"[\W_]+")


def test_the_install_built_the_c_passes() -> None:
    """setup.py builds them where a compiler is (this machine, CI): the product's fast path."""
    assert importlib.util.find_spec("newsdesk.text._scan").origin.endswith(".so")


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(MARKUP), max_size=40))
def test_markup_to_text_is_the_reference(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _scan.markup_to_text(text) == markup_to_text(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(MARKUP), max_size=40))
def test_lines_is_the_reference(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _scan.lines(text) == collapse_lines(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_every_character_kind(text: str) -> None:
    """Any code point (1-, 2- and 4-byte strings, lone surrogates) in each pass."""
    assert _scan.markup_to_text(text) == markup_to_text(text)
    assert _scan.lines(text) == collapse_lines(text)
    assert _scan.word_chars(text) == _WORD_DROP.sub("", text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<b <br> c>",  # the break's removal joins a tag for the last pass, as in the reference
        "<script>a<!-- b</script>c-->d",
        "<!-- a <script> -->b</script>",
        "<script>never closed <b>bold</b>",
        "<style>x</style><style>y",
        "<!---->" * 3 + "<!--",
        "前<script>var a = '<b>x</b>';</script>中<style>p{}</style>后",
        "<" * 10_000 + ">" * 10_000,
        "  a \t b \n\n\u3000c\u00a0\u00a0d  \n \u2003 \n",
    ],
)
def test_named_cases(text: str) -> None:
    assert _scan.markup_to_text(text) == markup_to_text(text)
    assert _scan.lines(text) == collapse_lines(text)


@pytest.mark.parametrize(
    "function", [_scan.markup_to_text, _scan.lines, _scan.word_chars, _scan.unsafe_text]
)
def test_a_non_text_is_refused(function: object) -> None:
    with pytest.raises(TypeError, match="expected str, got bytes"):
        function(b"<b>x</b>")  # type: ignore[operator]


def python_unsafe_text(text: str) -> bool:
    try:
        return python_unsafe_utf8(text.encode("utf-8"))
    except UnicodeEncodeError:  # a surrogate
        return True


def test_unsafe_text_of_every_code_point() -> None:
    for code in range(0x110000):
        for text in (chr(code), f"中文 {chr(code)} text", f"ab{chr(code)}"):
            assert _scan.unsafe_text(text) == python_unsafe_text(text), hex(code)


@pytest.mark.parametrize("function", [_scan.unsafe_utf8, _scan.illegal_char_refs])
def test_a_text_is_refused_where_bytes_are_scanned(function: object) -> None:
    with pytest.raises(TypeError, match="bytes-like"):
        function("&#0;")  # type: ignore[operator]


def python_unsafe_utf8(utf8: bytes) -> bool:
    text = utf8.decode("utf-8")
    return bool(utf8.translate(None, _NOT_C0_BYTES)) or "\ufffe" in text or "\uffff" in text


UNSAFE = [
    "a", "中文，", "\t", "\n", "\r", "\x00", "\x08", "\x0b", "\x1f", " ", "\x7f", "\ufffd",
    "\ufffe", "\uffff", "\uff0c", "\uffbf", "\U0001f600", "\x85", "12345678",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(UNSAFE), max_size=30))
def test_unsafe_utf8_is_the_reference(pieces: list[str]) -> None:
    """Every piece at every offset of the eight-byte words the scan reads."""
    utf8 = "".join(pieces).encode("utf-8")
    assert _scan.unsafe_utf8(utf8) == python_unsafe_utf8(utf8)


REFERENCES = [
    "&", "#", "&#", "&#x", "&#X", ";", "0", "1", "9", "a", "F", "g", "31", "32", "D7FF", "D800",
    "55296", "FFFE", "65534", "10FFFF", "110000", "1114112", "00000000", "9999999999", "x", "&amp;",
]  # fmt: skip


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(REFERENCES), max_size=25))
def test_illegal_char_refs_is_the_reference(pieces: list[str]) -> None:
    body = "".join(pieces).encode("ascii")
    expected = any(map(_illegal_ref, _SUSPECT_REF_BYTES.finditer(body)))
    assert _scan.illegal_char_refs(body) == expected


@pytest.mark.parametrize(
    ("body", "illegal"),
    [
        (b"&#39;&#x4e2d;&#10;", False),
        (b"&#0;", True),
        (b"&#x1F600;&#xD800;", True),
        (b"&#0000000000001;", False),  # eleven digits: no reference
        (b"&#x000000001;", False),  # nine hex digits: no reference
        (b"&#9999999999;", True),
        (b"&#65535", False),  # no semicolon
    ],
)
def test_named_references(body: bytes, illegal: bool) -> None:
    assert _scan.illegal_char_refs(body) is illegal


def test_without_the_c_passes_the_python_ones_give_the_same() -> None:
    """An install without a compiler runs the Python passes: the corpus and entry-key tests
    pass with the C module hidden."""
    hide = "import sys; sys.modules['newsdesk.text._scan'] = None; import pytest; "
    tests = [
        "tests/test_parse_fast_paths.py::test_clean_text_of_every_corpus_field_is_the_plain_passes",
        "tests/test_parse_fast_paths.py::test_unsafe_utf8_finds_what_the_control_regex_finds",
        "tests/test_parse_fast_paths.py::test_references_still_repaired_among_legal_ones",
        "tests/test_entry_keys.py",
    ]
    check = (
        "assert __import__('newsdesk.text.clean').text.clean._scan is None; "
        f"sys.exit(pytest.main({tests!r} + ['-q', '-p', 'no:xdist', '-p', 'no:cacheprovider']))"
    )
    done = subprocess.run([sys.executable, "-c", hide + check], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout
