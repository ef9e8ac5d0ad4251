"""Citation check: sentences that need a source cite one that supports them.

A sentence *needs* a citation when it is borrowed (originality check), states
a figure (a number, percentage, date or price), or attributes (据, 表示, 称,
数据显示, according to ...). A set of cited sources *supports* a sentence when
together they contain every figure of the sentence and at least ``support``
of its content terms (jieba terms without stopwords, numbers or tickers;
lexical support in the spirit of ALCE's definitions, without an NLI model). Recall = needing sentences that are cited and supported /
needing sentences. Precision = (sentence, source) citations that support
their sentence — alone, or by being necessary to the cited set — / all
citations. A marker pointing at no source is an ``invalid_marker`` problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from newsdesk.checks.units import MARKER, Sentence, UnitCoder, sentences
from newsdesk.text.normalise import fold
from newsdesk.text.segment import segmenter
from newsdesk.text.tickers import TICKER

_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_ATTRIBUTION = re.compile(
    r"(?<![根依证占盘数])据|表示|(?<![声简名对])称(?![为号之])|数据显示|指出|透露|公告|宣布|"
    r"according to|said|says|reported|announced",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    sentence: str
    kind: str  # missing | unsupported | invalid_marker
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"sentence": self.sentence, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class CitationResult:
    recall: float
    precision: float
    passed: bool
    needing: int
    problems: list[Problem]

    def as_json(self) -> dict[str, object]:
        return {
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "passed": self.passed,
            "needing": self.needing,
            "problems": [p.as_json() for p in self.problems],
        }


@dataclass(frozen=True)
class CitationParams:
    recall: float = 0.8
    precision: float = 0.8
    support: float = 0.5


def figures(text: str) -> set[str]:
    """Numbers as written, thousands separators dropped: 5,000 == 5000; 0.25 stays 0.25.

    Security codes (600036, 0700.HK) name a company; they are not figures to source.
    """
    bare = TICKER.sub(" ", MARKER.sub("", text))
    return {f.replace(",", "") for f in _FIGURE.findall(bare)}


class _Source:
    """A source's figures and folded text, computed only if a sentence cites it."""

    def __init__(self, text: str, coder: UnitCoder) -> None:
        self._text = text
        self._coder = coder

    @cached_property
    def figures(self) -> set[str]:
        return figures(self._text)

    @cached_property
    def folded(self) -> str:
        return fold(self._text)


def _supported(
    sentence_figures: set[str], content: set[str], sources: Sequence[_Source], support: float
) -> bool:
    if not sources:
        return False
    have_figures: set[str] = set().union(*(s.figures for s in sources))
    if not sentence_figures <= have_figures:
        return False
    if not content:
        return True
    found = sum(1 for term in content if any(term in s.folded for s in sources))
    return found / len(content) >= support


def terms(text: str) -> list[str]:
    """Content terms of a sentence: what 'most of its content' is measured on."""
    return [t for t in segmenter().terms(text) if t.isascii() or not t.isdigit()]


def needs_citation(sentence: Sentence, borrowed: bool) -> str | None:
    """Why the sentence needs a citation, or None."""
    bare = MARKER.sub("", sentence.text)
    if borrowed:
        return "borrowed from a source"
    if figures(bare):
        return "states a figure"
    if _ATTRIBUTION.search(bare):
        return "attributes a statement"
    return None


def check_citations(
    draft: str,
    sources: Sequence[str],
    borrowed_spans: Sequence[tuple[int, int]] = (),
    params: CitationParams = CitationParams(),
    coder: UnitCoder | None = None,
) -> CitationResult:
    coder = coder or UnitCoder()
    indexed = [_Source(text, coder) for text in sources]
    problems: list[Problem] = []
    needing = supported_needing = 0
    citations = good_citations = 0
    for sentence in sentences(draft):
        bare = MARKER.sub("", sentence.text)
        own_figures = figures(bare)
        content = {fold(term) for term in terms(bare)}
        cited = sorted(sentence.cited)
        valid = [n for n in cited if 1 <= n <= len(indexed)]
        for number in cited:
            if number not in valid:
                problems.append(
                    Problem(
                        sentence.text,
                        "invalid_marker",
                        f"[{number}] points at no source (have {len(indexed)})",
                    )
                )
        chosen = [indexed[n - 1] for n in valid]
        together = _supported(own_figures, content, chosen, params.support)
        citations += len(cited)
        for number in valid:
            alone = _supported(own_figures, content, [indexed[number - 1]], params.support)
            others = [indexed[n - 1] for n in valid if n != number]
            necessary = together and not _supported(own_figures, content, others, params.support)
            good_citations += alone or necessary
        is_borrowed = any(
            start <= sentence.start < end or sentence.start <= start < sentence.end
            for start, end in borrowed_spans
        )
        reason = needs_citation(sentence, is_borrowed)
        if reason is None:
            continue
        needing += 1
        if not cited:
            problems.append(
                Problem(sentence.text, "missing", f"no citation; the sentence {reason}")
            )
        elif not together:
            missing = (
                sorted(own_figures - set().union(*(s.figures for s in chosen))) if chosen else []
            )
            detail = (
                f"figures {', '.join(missing)} not in the cited source(s)"
                if missing
                else "the cited source(s) do not contain most of the sentence"
            )
            problems.append(Problem(sentence.text, "unsupported", detail))
        else:
            supported_needing += 1
    recall = supported_needing / needing if needing else 1.0
    precision = good_citations / citations if citations else 1.0
    invalid = any(p.kind == "invalid_marker" for p in problems)
    passed = recall >= params.recall and precision >= params.precision and not invalid
    return CitationResult(recall, precision, passed, needing, problems)
