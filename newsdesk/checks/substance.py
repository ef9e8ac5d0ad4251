"""Substance: does the draft state facts, or string keywords together?

- **Facts stated**: distinct source figures the draft restates with their
  metric (营业收入 128.64亿元), cited to a source that states them
  (``citations.Support.stated``). A draft of a kind that needs them (早报,
  研报精选 ...: ``checks.min_facts``) fails with fewer.
- **Filler**: a body sentence that states no figure and has no predicate of
  its own — only keywords and generic glue (值得关注, 进展, 方面:
  ``text/data/generic_words.txt``) — or, when cited, nothing its source says.
  Every body sentence counts, cited or not (the disclaimer and a headline line
  do not), so an all-filler 观点 without markers is 100 % filler. The draft
  fails when more than ``checks.max_filler`` of its body sentences are filler.
  A figure without its unit is no fact.
- **No sources, no body**: a draft without sources, or with nothing written
  but markers and the disclaimer, never passes.
- **Repeated**: a sentence that occurs word for word (after normalisation) in
  another draft of the same day; it fails the draft unless its kind is a
  recap (``checks.recap_kinds``). Short sentences and the disclaimer are
  boilerplate, not repetition.

Problem details are Chinese, then English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from newsdesk.checks.citations import Support
from newsdesk.checks.facts import SentenceFacts
from newsdesk.checks.units import MARKER, sentences
from newsdesk.text.normalise import fold


@dataclass(frozen=True)
class SubstanceProblem:
    sentence: str
    kind: str  # filler | repeated | no_sources | empty | few_facts
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"sentence": self.sentence, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class SubstanceParams:
    min_facts: int = 1
    max_filler: float = 0.4
    allow_repeats: bool = False
    repeat_min_chars: int = 15
    disclaimer: str | None = None


@dataclass(frozen=True)
class SubstanceResult:
    facts: int
    filler_ratio: float
    passed: bool
    problems: list[SubstanceProblem]
    min_facts: int = 0
    max_filler: float = 0.4

    def as_json(self) -> dict[str, object]:
        return {
            "facts": self.facts,
            "filler_ratio": round(self.filler_ratio, 4),
            "passed": self.passed,
            "problems": [p.as_json() for p in self.problems],
        }


_NOT_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=8192)
def sentence_key(text: str) -> str:
    """A sentence as compared across drafts: markers, punctuation and spaces gone, folded."""
    return _NOT_WORD.sub("", fold(MARKER.sub("", text)))


@lru_cache(maxsize=64)
def _boilerplate(disclaimer: str | None) -> frozenset[str]:
    """A disclaimer of several sentences is boilerplate sentence by sentence."""
    return (
        frozenset(sentence_key(s.text) for s in sentences(disclaimer))
        if disclaimer
        else frozenset()
    )


@lru_cache(maxsize=256)
def _sentence_keys(text: str) -> frozenset[str]:
    """The sentence keys of another draft of the day: compared with every later draft,
    revision and edit."""
    return frozenset(sentence_key(s.text) for s in sentences(text))


def repeated_sentences(
    draft: str, others: Sequence[str], min_chars: int, disclaimer: str | None = None
) -> list[str]:
    """Sentences of ``draft`` that another draft of the day also has, word for word."""
    if not others:
        return []
    boilerplate = _boilerplate(disclaimer)
    seen = frozenset().union(*(_sentence_keys(other) for other in others))
    out = []
    for sentence in sentences(draft):
        key = sentence_key(sentence.text)
        if len(key) >= min_chars and key not in boilerplate and key in seen:
            out.append(sentence.text)
    return out


def is_filler(support: Support) -> bool:
    """A cited sentence without figures that says nothing of its own or nothing its source says.

    A sentence whose figures its sources do not state is the citation check's
    ``unsupported``, not filler.
    """
    if support.facts.has_figures:
        return False
    return not support.supported or not support.facts.statement


_HEADING = re.compile(r"^(?:【[^】\n]{1,16}】|[^\n。！？!?；;]{1,16})$")


def _is_heading(facts: SentenceFacts) -> bool:
    """A short line of its own without a full stop or figures (【宏观数据】, a title): no body."""
    return (
        not facts.has_figures
        and not facts.sentence.markers
        and bool(_HEADING.match(facts.sentence.text.strip()))
    )


def _body(
    analysed: Sequence[SentenceFacts], support: Sequence[Support], disclaimer: str | None
) -> tuple[int, list[str]]:
    """How many body sentences the draft has, and the filler among them (in order)."""
    cited = {s.facts.sentence.start: s for s in support}
    boilerplate = _boilerplate(disclaimer)
    body = 0
    fillers: list[str] = []
    for facts in analysed:
        key = sentence_key(facts.sentence.text)
        if not key or key in boilerplate or _is_heading(facts):
            continue
        body += 1
        found = cited.get(facts.sentence.start)
        if is_filler(found) if found else not facts.has_figures and not facts.statement:
            fillers.append(facts.sentence.text)
    return body, fillers


def body_units(draft: str, disclaimer: str | None) -> str:
    text = MARKER.sub("", draft)
    if disclaimer:
        text = text.replace(disclaimer, "")
    return _NOT_WORD.sub("", text)


def check_substance(
    draft: str,
    n_sources: int,
    support: Sequence[Support],
    params: SubstanceParams = SubstanceParams(),
    day_drafts: Sequence[str] = (),
    analysed: Sequence[SentenceFacts] = (),
) -> SubstanceResult:
    """``analysed``: every sentence of the draft (``DraftFacts.by_sentence``); without it
    only the cited sentences (``support``) are judged for filler."""
    problems: list[SubstanceProblem] = []
    if not body_units(draft, params.disclaimer):
        problems.append(SubstanceProblem("", "empty", "稿件没有正文 / the draft has no body"))
    if n_sources == 0:
        problems.append(
            SubstanceProblem(
                "",
                "no_sources",
                "稿件没有任何来源，无法核对事实 / the draft has no sources to check its facts against",
            )
        )
    stated = {fact for s in support for fact in s.stated}
    if analysed:
        body, fillers = _body(analysed, support, params.disclaimer)
    else:
        body, fillers = len(support), [s.facts.sentence.text for s in support if is_filler(s)]
    for text in fillers:
        problems.append(
            SubstanceProblem(
                text,
                "filler",
                "没有陈述所引来源中的任何事实（只有关键词或套话） / "
                "states no fact of its cited source (keywords or stock phrases only)",
            )
        )
    ratio = len(fillers) / body if body else 0.0
    if len(stated) < params.min_facts and n_sources:
        problems.append(
            SubstanceProblem(
                "",
                "few_facts",
                f"只陈述了 {len(stated)} 个来源事实，要求至少 {params.min_facts} 个"
                f"（数据及其所指，如“营业收入128.64亿元”） / states {len(stated)} source facts, "
                f"needs {params.min_facts} (figures with what they measure)",
            )
        )
    repeats = repeated_sentences(draft, day_drafts, params.repeat_min_chars, params.disclaimer)
    for text in repeats:
        problems.append(
            SubstanceProblem(
                text,
                "repeated",
                "与今天另一篇稿件中的句子完全相同 / the same sentence is in another draft of today",
            )
        )
    passed = (
        not any(p.kind in ("empty", "no_sources", "few_facts") for p in problems)
        and ratio <= params.max_filler
        and (params.allow_repeats or not repeats)
    )
    return SubstanceResult(
        len(stated), ratio, passed, problems, params.min_facts, params.max_filler
    )
