"""Form and agreement: the desk's script, clean joins, and the day's drafts agreeing.

- ``traditional_script``: a sentence of a simplified channel's draft written
  with traditional characters (a source pasted in unconverted: 國內生產總值);
- ``broken_join``: a sentence joined badly where two pieces of text meet —
  a doubled connector (为为, 的的, 分別為为) or the same word twice in a row
  across a join (新能源汽车新能源汽车);
- ``contradicts_draft``: another draft of the same day gives a different figure
  for the same subject, metric and period (naming that draft). Precision first:
  only figures whose subject, period and metric are all named and known count.

Problem details are Chinese, then English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from newsdesk.checks.units import MARKER, Sentence, sentences
from newsdesk.text.facts import FigureFact, base_units_agree, figure_facts
from newsdesk.text.normalise import check_form
from newsdesk.text.script import traditional_characters
from newsdesk.text.vocabulary import vocabulary

# A connector written twice (为为, 为是), or a word of 2-6 Han characters written twice in a row.
_DOUBLED_CONNECTOR = re.compile(r"(为|是|的|了|在|和|与|及)\1|為为|为為")
_DOUBLED_WORD = re.compile(r"([\u4e00-\u9fff]{3,6})\1")


@dataclass(frozen=True)
class ConsistencyProblem:
    sentence: str
    kind: str  # traditional_script | broken_join | contradicts_draft
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"sentence": self.sentence, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class ConsistencyResult:
    passed: bool
    problems: list[ConsistencyProblem]

    def as_json(self) -> dict[str, object]:
        return {"passed": self.passed, "problems": [p.as_json() for p in self.problems]}


def _script_problem(text: str) -> str | None:
    found = traditional_characters(MARKER.sub("", text))
    if not found:
        return None
    shown = "".join(dict.fromkeys(found))[:10]
    return f"简体频道的稿件中有繁体字：{shown} / traditional characters in a simplified post"


def _join_problem(text: str) -> str | None:
    for pattern in (_DOUBLED_CONNECTOR, _DOUBLED_WORD):
        found = pattern.search(text)
        if found:
            return f"拼接不通：「{found.group(0)}」 / a broken join: {found.group(0)}"
    return None


def _comparable(fact: FigureFact) -> bool:
    return bool(fact.subject and fact.period and fact.metric in vocabulary().aliases)


_Key = tuple[str, str, str, str, str, tuple[str, ...]]


def _key(fact: FigureFact) -> _Key:
    # What narrows the metric (扣非, 核心) makes another figure, not a contradiction.
    return (fact.subject, fact.metric, fact.period, fact.kind, fact.direction, fact.parts)


@lru_cache(maxsize=256)
def day_figures(text: str) -> tuple[FigureFact, ...]:
    """The figures of a draft that another draft of the day can be compared with (cached:
    each draft of the day is compared with every later draft, revision and edit)."""
    return tuple(f for f in figure_facts(check_form(MARKER.sub("", text))) if _comparable(f))


def _contradictions(draft: str, others: Sequence[tuple[str, str]]) -> list[ConsistencyProblem]:
    read = [(name, day_figures(other)) for name, other in others]
    # The draft is read last, and only when another draft of the day has a figure to compare
    # with: the others are read once a day, a draft under check every time it changes.
    mine = day_figures(draft) if any(figures for _, figures in read) else ()
    if not mine:
        return []
    problems: list[ConsistencyProblem] = []
    for name, figures in read:
        theirs: dict[_Key, list[FigureFact]] = {}
        for fact in figures:
            theirs.setdefault(_key(fact), []).append(fact)
        for fact in mine:
            matching = theirs.get(_key(fact), [])
            same_unit = [f for f in matching if base_units_agree(f.base_unit, fact.base_unit)]
            if same_unit and all(f.amount() != fact.amount() for f in same_unit):
                said = f"{same_unit[0].value}{same_unit[0].unit}"
                problems.append(
                    ConsistencyProblem(
                        f"{fact.subject}{fact.period}{fact.metric} {fact.value}{fact.unit}",
                        "contradicts_draft",
                        f"与今天的「{name}」不一致：那里写的是 {said} / "
                        f"the day's draft {name} gives {said}",
                    )
                )
    return problems


@lru_cache(maxsize=8192)
def _form_problems(sentence: str, script: str) -> tuple[ConsistencyProblem, ...]:
    """One sentence's script and join problems (cached: revisions repeat most sentences)."""
    bare = MARKER.sub("", sentence)
    problems = []
    script_detail = _script_problem(bare) if script == "simplified" else None
    if script_detail:
        problems.append(ConsistencyProblem(sentence, "traditional_script", script_detail))
    join_detail = _join_problem(bare)
    if join_detail:
        problems.append(ConsistencyProblem(sentence, "broken_join", join_detail))
    return tuple(problems)


def check_consistency(
    draft: str,
    script: str = "simplified",
    day_drafts: Sequence[tuple[str, str]] = (),
    parsed: Sequence[Sentence] | None = None,
) -> ConsistencyResult:
    """``day_drafts``: (name, text) of the day's other drafts, to compare figures with;
    ``parsed``: the draft's sentences when the caller has them."""
    problems: list[ConsistencyProblem] = []
    for sentence in sentences(draft) if parsed is None else parsed:
        problems += _form_problems(sentence.text, script)
    problems += _contradictions(draft, day_drafts)
    return ConsistencyResult(not problems, problems)
