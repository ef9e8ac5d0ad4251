"""Citation check: sentences that need a source cite one that states the same facts.

A sentence *needs* a citation when it is borrowed (originality check), states
a figure (a number with its unit or a reading; years, dates and article
numbers are not figures), or attributes (据, 表示, 称, 数据显示, according to
...). A headline line (the draft's first line, without a full stop) needs none.
A set of cited sources *supports* a sentence when they state its facts,
whatever the wording:

- every figure of the sentence is in a cited source with the same amount and
  a unit that agrees, and nothing there contradicts it (``fidelity.py``: unit,
  qualifier, direction, forecast, intraday, part of a total). The words used
  for the metric may differ. A contradiction is a problem of its own kind
  (``qualifier_changed`` ...), shown with the source's span;
- every name in the sentence (company, person, place, institution) appears in
  a cited source (either script);
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
from dataclasses import dataclass, field, replace

from newsdesk.checks.facts import DraftFacts, SentenceFacts, SourceFacts, figure_finding
from newsdesk.checks.fidelity import Finding
from newsdesk.checks.recent import Recent
from newsdesk.checks.units import Sentence

_ATTRIBUTION = re.compile(
    r"(?<![根依证占盘数])据|表示|(?<![声简名对])称(?![为号之])|数据显示|指出|透露|公告|宣布|"
    r"according to|said|says|reported|announced",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    sentence: str
    # missing | unsupported | invalid_marker, or a fidelity kind (fidelity.PROBLEM_KINDS)
    kind: str
    detail: str
    source_span: str = ""  # the cited source's words the sentence contradicts
    source: int | None = None  # its number in the brief

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "sentence": self.sentence,
            "kind": self.kind,
            "detail": self.detail,
        }
        if self.source_span:
            found |= {"source_span": self.source_span, "source": self.source}
        return found


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


def needs_citation(sentence: Sentence, borrowed: bool, facts: SentenceFacts) -> str | None:
    """Why the sentence needs a citation (Chinese / English), or None."""
    if borrowed:
        return "含有从来源复制的文字 / borrowed from a source"
    if facts.has_figures:
        return "陈述了数字 / states a figure"
    if _ATTRIBUTION.search(facts.bare):
        return "转述了他人的说法 / attributes a statement"
    return None


def _finding(
    at: int,
    facts: SentenceFacts,
    sources: list[SourceFacts],
    judged: dict[int, Finding | None] | None,
) -> Finding | None:
    """``figure_finding`` of the sentence's figure at ``at``, kept in ``judged`` when given: the
    verdict and the figures it states ask it of the same sources."""
    if judged is None:
        return figure_finding(at, facts, sources)
    if at not in judged:
        judged[at] = figure_finding(at, facts, sources)
    return judged[at]


def why_unsupported(
    facts: SentenceFacts,
    sources: list[SourceFacts],
    numbers: Sequence[int] = (),
    judged: dict[int, Finding | None] | None = None,
) -> Finding | None:
    """None when the sources state the sentence's facts, else what is wrong.

    ``numbers`` are the sources' numbers in the brief: a finding names the one its span is from.
    ``judged``: figures' findings against these sources, kept for ``_stated``.
    """
    if not sources:
        return Finding("unsupported", "没有有效的来源 / no valid source cited")
    for place in range(len(facts.amounts)):
        finding = _finding(place, facts, sources, judged)
        if finding is not None:
            at = finding.source
            return replace(finding, source=numbers[at] if numbers and at is not None else None)
    for name in facts.entities:
        if not any(source.writes(name) for source in sources):
            return Finding(
                "unsupported",
                f"所引来源没有提到「{name}」 / the cited source(s) do not name {name}",
            )
    if facts.has_figures or facts.entities:
        return None
    if not any(source.writes(word) for word in facts.specific for source in sources):
        return Finding(
            "unsupported",
            "与所引来源没有共同的具体内容 / shares nothing specific with the cited source(s)",
        )
    return None


def _stated(
    facts: SentenceFacts, sources: list[SourceFacts], judged: dict[int, Finding | None]
) -> tuple[tuple[str, str], ...]:
    """The figures (with their units: a bare number is no fact) the sources state as written."""
    out = []
    for at, figure in enumerate(facts.amounts):
        if figure.unit and _finding(at, facts, sources, judged) is None:
            metric = next(
                (
                    fact.metric
                    for source in sources
                    for fact in source.facts(figure.value)
                    if fact.metric
                ),
                facts.figures[at].metric,
            )
            out.append((f"{figure.value}{figure.unit}", metric))
    return tuple(out)


# (problem, citations that support it, figures stated) of a sentence citing some sources.
_Verdict = tuple[Finding | None, int, tuple[tuple[str, str], ...]]
# By the sentence's text, the cited numbers and those sources' texts: a slot's revisions and
# edits repeat most sentences against the same sources.
_VERDICTS: Recent[tuple[str, tuple[int, ...], tuple[str, ...]], _Verdict] = Recent(8192)


def _verdict(facts: SentenceFacts, valid: list[int], indexed: Sequence[SourceFacts]) -> _Verdict:
    """Whether the cited sources together support the sentence (what is wrong if not), how
    many of them support it alone or are necessary to the set, and the figures they state."""
    key = (facts.sentence.text, tuple(valid), tuple(indexed[n - 1].text for n in valid))
    found = _VERDICTS.get(key)
    if found is not None:
        return found
    chosen = [indexed[n - 1] for n in valid]
    judged: dict[int, Finding | None] = {}
    problem = why_unsupported(facts, chosen, valid, judged)
    good = 0
    for number in valid:
        # One source cited: it supports the sentence alone exactly when the set does.
        alone = (
            problem is None
            if len(valid) == 1
            else why_unsupported(facts, [indexed[number - 1]]) is None
        )
        others = [indexed[n - 1] for n in valid if n != number]
        necessary = problem is None and why_unsupported(facts, others) is not None
        good += alone or necessary
    found = (problem, good, _stated(facts, chosen, judged))
    _VERDICTS.put(key, found)
    return found


def _headline(draft: str) -> tuple[int, str] | None:
    """Where the draft's first line starts and its text, when it is a title: no full stop,
    a line of its own. A sentence that is that line needs no citation."""
    body = draft.lstrip()
    first_line = body.split("\n", 1)
    if len(first_line) != 2 or first_line[0].rstrip().endswith(("。", "！", "？", ".", "!", "?")):
        return None
    return len(draft) - len(body), first_line[0].strip()


def check_citations(
    draft: str,
    sources: Sequence[str],
    borrowed_spans: Sequence[tuple[int, int]] = (),
    params: CitationParams = CitationParams(),
    analysed: DraftFacts | None = None,
    indexed: Sequence[SourceFacts] | None = None,
) -> CitationResult:
    analysed = analysed or DraftFacts(draft)
    indexed = list(indexed) if indexed is not None else [SourceFacts.of(text) for text in sources]
    problems: list[Problem] = []
    support: list[Support] = []
    needing = supported_needing = 0
    citations = good_citations = 0
    headline = _headline(draft)
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
        problem, good, stated = _verdict(facts, valid, indexed) if cited else (None, 0, ())
        together = bool(cited) and problem is None
        citations += len(cited)
        good_citations += good
        if valid and re.search(r"\w", facts.bare):  # a bare marker is no sentence
            support.append(Support(facts, tuple(valid), stated, together))
        is_borrowed = any(
            start <= sentence.start < end or sentence.start <= start < sentence.end
            for start, end in borrowed_spans
        )
        is_headline = headline == (sentence.start, sentence.text.strip())
        reason = None if is_headline else needs_citation(sentence, is_borrowed, facts)
        if reason is None:
            continue
        needing += 1
        if not cited:
            problems.append(Problem(sentence.text, "missing", f"缺少引用 / no citation: {reason}"))
        elif problem is not None:
            problems.append(
                Problem(
                    sentence.text, problem.kind, problem.detail, problem.source_span, problem.source
                )
            )
        else:
            supported_needing += 1
    recall = supported_needing / needing if needing else 1.0
    precision = good_citations / citations if citations else 1.0
    invalid = any(p.kind == "invalid_marker" for p in problems)
    passed = recall >= params.recall and precision >= params.precision and not invalid
    return CitationResult(recall, precision, passed, needing, problems, support)
