"""Untrusted text made safe to process and store, in time linear in its length.

:func:`sanitise` drops what no stage can hold: NUL (PostgreSQL refuses it in
text), the other C0 controls except tab, newline and carriage return, and
lone UTF-16 surrogates (``&#xD800;``), which make every UTF-8 encoder raise;
a surrogate pair that arrived as two code points is joined into one.

:func:`markup_to_text` strips tags from a fragment of HTML. It is written
against hostile input: every pattern is bounded by the next ``<`` or ``>``,
so no position is scanned more than a fixed number of times. The regular
expressions it replaces (``<[^>]*>``, ``<script.*?</script>``, ``\\s*\\n\\s*``)
rescanned to the end of the text from every ``<`` or space, which took 16.5 s
for 200,000 ``<`` and minutes for a megabyte.

:func:`clean_text` runs the tag and line passes in C (``_scan.c``, built by setup.py) when
they are built: the same rules, one loop over the characters instead of a chain of regex and
str passes (most of the cost of a feed's entries, issue 27). :func:`markup_to_text` and
:func:`collapse_lines` here are the reference the tests compare the C passes with, and what
runs where no C compiler was at hand.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

try:
    from newsdesk.text import _scan
except ImportError:  # installed without a C compiler
    _scan = None  # type: ignore[assignment]

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Every byte but the C0 controls sanitise drops (in UTF-8 each is one byte, found in no other
# character): deleting these leaves the controls alone.
_NOT_C0_BYTES = bytes(c for c in range(0x100) if c >= 0x20 or c in (0x9, 0xA, 0xD))

# A tag opens as in HTML ('<' then a letter, '/', '!' or '?'; "A股<3%" is text) and runs to
# the next '>' with no '<' in between: a stray '<' never makes the scan run past the next
# one, so the scans from all start positions are disjoint and each pass is linear. The
# quantifiers are possessive: a tag that does not close fails without backtracking.
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*+>")
# Tag names fold ASCII case only, as in HTML (re.ASCII: without it IGNORECASE also folds ſ to s
# and ı, İ to i, and '<ſcript>' was taken for a script block whose closing tag it then sought
# under the name 'ſcript': KeyError).
_NAMES = re.IGNORECASE | re.ASCII
_BREAK = re.compile(r"<(?:br|/(?:p|div|li|h[1-6]))(?![A-Za-z0-9])[^<>]*+>", _NAMES)
# Blocks dropped with their content: script, style, and comments (which may hold tags).
_DROP = re.compile(r"<(?:(script|style)(?![A-Za-z0-9])[^<>]*+>|!--)", _NAMES)
_CLOSE = {
    "script": re.compile(r"</script(?![A-Za-z0-9])[^<>]*+>", _NAMES),
    "style": re.compile(r"</style(?![A-Za-z0-9])[^<>]*+>", _NAMES),
    "!--": re.compile(r"-->"),
}
# Whitespace that a run of becomes one space (newlines are kept; see collapse_lines).
_SPACES = ("\t", "\r", "\f", "\v", "\u00a0", "\u3000")


def sanitise(text: str) -> str:
    """``text`` without NUL, C0 controls (but tab/newline/CR) or lone surrogates."""
    # None of them is printable: most titles and guids are done in one pass.
    return text if text.isprintable() else _sanitised(text)


def _sanitised(text: str) -> str:
    """:func:`sanitise` for a text that is not printable."""
    if _scan is not None:
        return _dropped(text) if _scan.unsafe_text(text) else text
    try:
        if not unsafe_utf8(text, text.encode("utf-8")):
            return text
    except UnicodeEncodeError:  # a lone surrogate
        pass
    return _dropped(text)


def _dropped(text: str) -> str:
    """``text`` without what :func:`sanitise` drops, surrogate pairs joined."""
    if _SURROGATE.search(text):
        # Pairs that arrived as two code points become one; lone halves become U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROLS.sub("", text)


def unsafe_utf8(text: str, utf8: bytes) -> bool:
    """Whether ``text`` (``utf8`` its UTF-8 bytes) holds what :func:`sanitise` drops.

    Deleting every other byte from the UTF-8 costs a fifth of searching the text with the
    character-class regex, which ran on every field of every feed, and 0.6 of deleting the
    control bytes (which copied the whole text); the C scan of the bytes alone, less again.
    """
    if _scan is not None:
        return _scan.unsafe_utf8(utf8)
    return bool(utf8.translate(None, _NOT_C0_BYTES)) or "\ufffe" in text or "\uffff" in text


def _drop_blocks(text: str) -> str:
    """Script, style and comment blocks removed; an unclosed one is only a tag."""
    parts: list[str] = []
    pos = 0
    unclosed: set[str] = set()  # no closing tag after some point: never search again
    for match in _DROP.finditer(text):
        name = (match.group(1) or "!--").lower()
        if match.start() < pos or name in unclosed:  # inside a dropped block, or hopeless
            continue
        close = _CLOSE[name].search(text, match.end())
        if close is None:
            unclosed.add(name)
            continue
        parts += [text[pos : match.start()], " "]
        pos = close.end()
    return "".join(parts) + text[pos:] if parts else text


def markup_to_text(text: str) -> str:
    """Tags removed (block ends become line breaks); script, style and comments dropped."""
    return _TAG.sub(" ", _BREAK.sub("\n", _drop_blocks(text)))


def clean_text(value: str | None, limit: int | None = None) -> str:
    """Markup to plain text: tags stripped, entities decoded, whitespace collapsed, sanitised.

    ``limit`` caps the input before any work and the result after it, so a
    field's cost and size are bounded whatever a feed sends.
    """
    if not value:
        return ""
    text = value[: limit * 4] if limit else value  # room for the markup around the text
    if "<" in text:
        text = _markup(text)
    if "&" in text:
        text = html.unescape(html.unescape(text)) if "&amp;" in text else html.unescape(text)
    # A printable text holds nothing sanitise drops and no whitespace but ' ' (no line, tab,
    # NBSP...): what collapse_lines leaves of it is its runs of spaces made one, its ends stripped.
    text = _single_spaces(text.strip()) if text.isprintable() else _collapse(_sanitised(text))
    return text[:limit].strip() if limit else text


def collapse_lines(text: str) -> str:
    """Runs of spaces, tabs, CR, FF, VT, NBSP and ideographic spaces made one space, lines
    trimmed, blank ones dropped.

    The regex that collapsed the runs (``[...]+``) cost 20 ns a character on real summaries,
    more than the fast feed parser itself; ``str.replace`` scans at memchr speed, and a run
    at either end of a line, most of them (markup's indentation), is stripped, not collapsed.
    """
    for space in _SPACES:
        if space in text:
            text = text.replace(space, " ")
    if "\n" not in text:
        return _single_spaces(text.strip())
    lines = []
    for line in text.split("\n"):
        line = line.strip()  # a line as the runs would leave it: stripping first is the same
        if line:
            lines.append(_single_spaces(line) if "  " in line else line)
    return "\n".join(lines)


def _single_spaces(text: str) -> str:
    """Runs of spaces halved until single: linear in practice, O(n log n) for one long run."""
    while "  " in text:
        text = text.replace("  ", " ")
    return text


_markup: Callable[[str], str] = _scan.markup_to_text if _scan else markup_to_text
_collapse: Callable[[str], str] = _scan.lines if _scan else collapse_lines
