"""Citation check: sentences that need a source cite one that states the same facts.

A sentence *needs* a citation when it is borrowed (originality check), states
a figure (a number, percentage, date or price), or attributes (据, 表示, 称,
数据显示, according to ...). A set of cited sources *supports* a sentence when
they state its facts, whatever the wording:

- every figure of the sentence appears in a cited source with a unit that
  agrees and with its metric — the words right before the figure there
  (营业收入 in 营业收入128.64亿元) — named in the sentence, short forms allowed
  (营收, 归母净利润: ``text.facts``); a number the sources give for another
  metric does not support it;
- every name in the sentence (company, person, place, institution) appears in
  a cited source;
- a sentence without figures or names shares at least one specific word
  (a finance term or content word) with them.

Recall = needing sentences that are cited and supported / needing sentences.
Precision = (sentence, source) citations that support their sentence — alone,
or by being necessary to the cited set — / all citations (ALCE-style, with
lexical facts instead of an NLI model). A marker pointing at no source is an
``invalid_marker`` problem. Details are Chinese, then English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsdesk.checks.facts import DraftFacts, SentenceFacts, SourceFacts, figure_support
from newsdesk.checks.units import MARKER, Sentence
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
class Support:
    """How one cited sentence stands against its sources (for the substance check)."""

    facts: SentenceFacts
    cited: tuple[int, ...]  # valid source numbers
    stated: tuple[tuple[str, str], ...]  # (value+unit, metric) of the figures its sources support
    supported: bool


@dataclass(frozen=True)
class CitationResult:
    recall: float
    precision: float
    passed: bool
    needing: int
    problems: list[Problem]
    support: list[Support] = field(default_factory=list, compare=False)

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


def figures(text: str) -> set[str]:
    """Numbers as written, thousands separators dropped: 5,000 == 5000; 0.25 stays 0.25.

    Security codes (600036, 0700.HK) name a company; they are not figures to source.
    """
    bare = TICKER.sub(" ", MARKER.sub("", text))
    return {f.replace(",", "") for f in _FIGURE.findall(bare)}


def needs_citation(sentence: Sentence, borrowed: bool) -> str | None:
    """Why the sentence needs a citation (Chinese / English), or None."""
    bare = MARKER.sub("", sentence.text)
    if borrowed:
        return "含有从来源复制的文字 / borrowed from a source"
    if figures(bare):
        return "陈述了数字 / states a figure"
    if _ATTRIBUTION.search(bare):
        return "转述了他人的说法 / attributes a statement"
    return None


def why_unsupported(facts: SentenceFacts, sources: list[SourceFacts]) -> str | None:
    """None when the sources state the sentence's facts, else what is missing."""
    if not sources:
        return "没有有效的来源 / no valid source cited"
    for figure in facts.figures:
        ok, other = figure_support(figure, facts.bare, sources)
        if ok:
            continue
        shown = f"{figure.value}{figure.unit}"
        if other:
            return (
                f"来源中的 {shown} 指的是「{other}」，句中没有提到 / "
                f"the source gives {shown} for {other}, which the sentence does not name"
            )
        return f"所引来源中没有 {shown} / {shown} is not in the cited source(s)"
    for name in facts.entities:
        if not any(source.writes(name) for source in sources):
            return f"所引来源没有提到「{name}」 / the cited source(s) do not name {name}"
    if facts.figures or facts.entities:
        return None
    if not any(source.writes(word) for word in facts.specific for source in sources):
        return "与所引来源没有共同的具体内容 / shares nothing specific with the cited source(s)"
    return None


def _stated(facts: SentenceFacts, sources: list[SourceFacts]) -> tuple[tuple[str, str], ...]:
    out = []
    for figure in facts.figures:
        if figure_support(figure, facts.bare, sources)[0]:
            metric = next(
                (
                    fact.metric
                    for source in sources
                    for fact in source.facts(figure.value)
                    if fact.metric
                ),
                figure.metric,
            )
            out.append((f"{figure.value}{figure.unit}", metric))
    return tuple(out)


def check_citations(
    draft: str,
    sources: Sequence[str],
    borrowed_spans: Sequence[tuple[int, int]] = (),
    params: CitationParams = CitationParams(),
    analysed: DraftFacts | None = None,
    indexed: Sequence[SourceFacts] | None = None,
) -> CitationResult:
    analysed = analysed or DraftFacts(draft)
    indexed = list(indexed) if indexed is not None else [SourceFacts(text) for text in sources]
    problems: list[Problem] = []
    support: list[Support] = []
    needing = supported_needing = 0
    citations = good_citations = 0
    for facts in analysed.by_sentence:
        sentence = facts.sentence
        cited = sorted(sentence.cited)
        valid = [n for n in cited if 1 <= n <= len(indexed)]
        for number in cited:
            if number not in valid:
                problems.append(
                    Problem(
                        sentence.text,
                        "invalid_marker",
                        f"[{number}] 不对应任何来源（共 {len(indexed)} 条） / "
                        f"[{number}] points at no source (have {len(indexed)})",
                    )
                )
        chosen = [indexed[n - 1] for n in valid]
        problem = why_unsupported(facts, chosen) if cited else None
        together = bool(cited) and problem is None
        citations += len(cited)
        for number in valid:
            alone = why_unsupported(facts, [indexed[number - 1]]) is None
            others = [indexed[n - 1] for n in valid if n != number]
            necessary = together and why_unsupported(facts, others) is not None
            good_citations += alone or necessary
        if valid and re.search(r"\w", facts.bare):  # a bare marker is no sentence
            support.append(Support(facts, tuple(valid), _stated(facts, chosen), together))
        is_borrowed = any(
            start <= sentence.start < end or sentence.start <= start < sentence.end
            for start, end in borrowed_spans
        )
        reason = needs_citation(sentence, is_borrowed)
        if reason is None:
            continue
        needing += 1
        if not cited:
            problems.append(Problem(sentence.text, "missing", f"缺少引用 / no citation: {reason}"))
        elif problem is not None:
            problems.append(Problem(sentence.text, "unsupported", problem))
        else:
            supported_needing += 1
    recall = supported_needing / needing if needing else 1.0
    precision = good_citations / citations if citations else 1.0
    invalid = any(p.kind == "invalid_marker" for p in problems)
    passed = recall >= params.recall and precision >= params.precision and not invalid
    return CitationResult(recall, precision, passed, needing, problems, support)
