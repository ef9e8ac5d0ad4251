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
"""

from __future__ import annotations

import html
import re

# C0 controls but tab, newline, carriage return; surrogates; the two XML non-characters.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# A tag opens as in HTML ('<' then a letter, '/', '!' or '?'; "A股<3%" is text) and runs to
# the next '>' with no '<' in between: a stray '<' never makes the scan run past the next
# one, so the scans from all start positions are disjoint and each pass is linear. The
# quantifiers are possessive: a tag that does not close fails without backtracking.
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*+>")
_BREAK = re.compile(r"<(?:br|/(?:p|div|li|h[1-6]))(?![A-Za-z0-9])[^<>]*+>", re.IGNORECASE)
# Blocks dropped with their content: script, style, and comments (which may hold tags).
_DROP = re.compile(r"<(?:(script|style)(?![A-Za-z0-9])[^<>]*+>|!--)", re.IGNORECASE)
_CLOSE = {
    "script": re.compile(r"</script(?![A-Za-z0-9])[^<>]*+>", re.IGNORECASE),
    "style": re.compile(r"</style(?![A-Za-z0-9])[^<>]*+>", re.IGNORECASE),
    "!--": re.compile(r"-->"),
}
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def sanitise(text: str) -> str:
    """``text`` without NUL, C0 controls (but tab/newline/CR) or lone surrogates."""
    if not _UNSAFE.search(text):
        return text
    if _SURROGATE.search(text):
        # Pairs that arrived as two code points become one; lone halves become U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROLS.sub("", text)


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
        text = markup_to_text(text)
    if "&" in text:
        text = html.unescape(html.unescape(text)) if "&amp;" in text else html.unescape(text)
    text = _SPACE.sub(" ", sanitise(text))
    # Lines trimmed and blank ones dropped, without a regex that backtracks over long space runs.
    lines = (line.strip() for line in text.split("\n"))
    text = "\n".join(line for line in lines if line)
    return text[:limit].strip() if limit else text
