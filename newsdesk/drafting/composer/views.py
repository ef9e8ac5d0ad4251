"""A source's reasoning: why a figure moved and what its analysts expect, in the source's own
words, ready to be quoted and attributed.

An opinion post that only restates figures has no view (the blind reads: "restates numbers, no
opinion"), and the offline composer has no view of its own to give. What it can give honestly
is the reporting's: 系列酒的降速应与茅台1935这一大单品价格下滑有关, 专家表示此次降准释放了稳增长的
政策信号. A view is quoted word for word (one script), short enough to be a quote, never with a
figure in it (figures are stated through the fact model) and never a rating or price target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsdesk.drafting.brief import BriefSource
from newsdesk.drafting.composer.wording import phrases
from newsdesk.text.normalise import desk_text

_SENTENCE = re.compile(r"[。！？!?\n]+|\s-\s|\[\d+\]")
_ENDED = re.compile(r"[。！？!?”」』）)\]]$")
_CLAUSE = re.compile(r"[，,；;：:]")
_LIST = re.compile(r"、|以及|和")
_ASIDE = re.compile(r"（[^）]*）|\([^)]*\)")  # a parenthesis is left out of a quote
_LINK = re.compile(r"^(?:而|但|并且|并|且|同时)")  # a joining word that joins nothing quoted


@dataclass(frozen=True)
class View:
    """One piece of a source's reasoning: who says it (or ""), and their words."""

    source: int  # the brief source's number, for the citation
    kind: str  # cause | view | watch
    speaker: str
    named: bool  # the speaker names someone (专家, 万科), not only a kind of text (报告)
    verb: str
    about: str  # the clause before it that names what it explains (对于亏损原因), or ""
    quote: str
    listed: bool = False  # the quote is a list's first items: the source names more (…等)


@dataclass(frozen=True)
class _Cues:
    speaker: re.Pattern[str]
    not_speaker: re.Pattern[str]
    generic: tuple[str, ...]
    cause: re.Pattern[str]
    speaker_cause: re.Pattern[str]
    subordinate: re.Pattern[str]
    watch: re.Pattern[str]
    skip: re.Pattern[str]


@cache
def _cues(desk_dirs: tuple[Path, ...]) -> _Cues:
    words = phrases("views", desk_dirs)
    speaker = (
        rf"^(?P<speaker>[^，,。]{{1,12}}?)(?:{words['speaker_tails']})?"
        rf"(?P<verb>{words['verbs']})(?P<rest>.*)$"
    )
    return _Cues(
        re.compile(speaker),
        re.compile(words["not_speaker"]),
        tuple(words["generic_speakers"]),
        re.compile(words["cause"]),
        re.compile(words["speaker_cause"]),
        re.compile(words["subordinate"]),
        re.compile(words["watch"]),
        re.compile(words["skip"]),
    )


def source_views(
    source: BriefSource, script: str, desk_dirs: tuple[Path, ...], max_chars: int
) -> list[View]:
    """The views a source's text gives, in text order; each quote at most ``max_chars``."""
    cues = _cues(desk_dirs)
    text = _plain(source, script)
    pieces = _SENTENCE.split(text)
    if not _ENDED.search(text):
        pieces = pieces[:-1]  # a text cut short: its last sentence is not whole
    out = []
    for sentence in pieces:
        clauses = [c.strip() for c in _CLAUSE.split(sentence) if c.strip()]
        for index, clause in enumerate(clauses):
            about = _about(clauses[index - 1]) if index else ""
            view = _view(source.number, clause, clauses[index + 1 :], about, cues, max_chars)
            if view:
                out.append(view)
                break
    return out


def clause_naming(
    source: BriefSource, script: str, terms: set[str], max_chars: int, desk_dirs: tuple[Path, ...]
) -> tuple[str, str] | None:
    """The first whole clause of a source that names one of ``terms``, quotable as a view is
    (no digit but a month's, short enough), with the term it names."""
    cues = _cues(desk_dirs)
    for sentence in _SENTENCE.split(_plain(source, script)):
        for clause in (c.strip() for c in _CLAUSE.split(sentence)):
            named = next((t for t in sorted(terms) if t in clause), None)
            if named and len(clause) <= max_chars and not cues.skip.search(clause):
                return clause, named
    return None


def _plain(source: BriefSource, script: str) -> str:
    """A source's text as views are read from it: the desk's script, parentheses left out."""
    return _ASIDE.sub("", desk_text(source.text or "", script)).strip()


def _about(clause: str) -> str:
    """A clause before a view that names its subject: 对于亏损原因, 关于后市."""
    return clause if re.match(r"^(?:对于|关于|对)", clause) and len(clause) <= 12 else ""


def _view(
    number: int, clause: str, after: list[str], about: str, cues: _Cues, max_chars: int
) -> View | None:
    spoken = cues.speaker.match(clause)
    if spoken and not cues.not_speaker.search(spoken["speaker"]):
        rest = spoken["rest"].strip("，,：: ")
        quote, listed = _quote([rest, *after] if rest else after, cues, max_chars)
        kind = "cause" if cues.speaker_cause.search(quote) else "view"
        if quote:
            speaker = spoken["speaker"]
            named = speaker not in cues.generic
            return View(number, kind, speaker, named, spoken["verb"], about, quote, listed)
        return None
    for kind, pattern in (("cause", cues.cause), ("watch", cues.watch)):
        if pattern.search(clause):
            quote, listed = _quote([clause], cues, max_chars)
            return View(number, kind, "", False, "", about, quote, listed) if quote else None
    return None


def _quote(clauses: list[str], cues: _Cues, max_chars: int) -> tuple[str, bool]:
    """The leading clauses that fit in ``max_chars`` (a long list cut at an item: 开发业务结算
    规模下滑、毛利率仍处低位), none with a digit, a rating or a price target; and whether a
    list was cut (the source names more: …等). ("", False) when nothing is quotable."""
    kept: list[str] = []
    listed = False
    for clause in clauses:
        if not clause or cues.skip.search(clause):
            break
        if len("，".join([*kept, clause])) <= max_chars:
            kept.append(clause)
            continue
        if not kept and clause.endswith("等"):
            kept.append(_cut(clause, max_chars))
            listed = True
        break
    if all(cues.subordinate.search(c) for c in kept):
        return "", False
    quote = _LINK.sub("", "，".join(kept)).replace("「", "‘").replace("」", "’")
    if quote.count("‘") != quote.count("’") or quote.count("“") != quote.count("”"):
        return "", False  # a quotation the source opens or closes outside these clauses
    return (quote, listed) if len(quote) >= 8 else ("", False)


def _cut(clause: str, max_chars: int) -> str:
    """A list's first items that fit, ending at an item's end: only for a clause that ends in
    its list (…以及部分资产交易等), so nothing after the list is lost."""
    kept = ""
    for item in _LIST.finditer(clause):
        if item.start() > max_chars:
            break
        kept = clause[: item.start()]
    return kept
