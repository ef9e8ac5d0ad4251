"""Document planning: which stories and in what order (structuring), from the statements each
source allows (:mod:`statements`, content determination).

One story per brief source, stories by weight (the outlets that reported them, then brief
order), the note's focus first; 更短 keeps the biggest story, 多写X its facts. A figure another
draft of the day states is not stated again; one it gives otherwise is not stated at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.composer.compare import superseded
from newsdesk.drafting.composer.disputes import Claim, claim, disputes, rounds_to, when
from newsdesk.drafting.composer.realise import Statement
from newsdesk.drafting.composer.statements import MARKET_DAY, figure_key, source_statements
from newsdesk.text.facts import FigureFact, figure_facts
from newsdesk.text.normalise import desk_text
from newsdesk.text.segment import segmenter
from newsdesk.text.vocabulary import vocabulary

_STEER = re.compile(
    r"更短|短一些|精简|简短|压缩|少写|更长|长一些|展开|详细|多写|充实|换个?角度|重点|突出|关注|"
    r"聚焦|请|希望|需要|改写|重写|内容|稿件|一些|一点|加上|增加|补充|强调|侧重|着重|多谈|谈谈"
)
_SHORTER = re.compile(r"更短|短一些|精简|简短|压缩|少写")
_HEADING = re.compile(r"【(.+)】")
_CITATION = re.compile(r"\[\d+(?:[,，]\d+)*\]")


@dataclass
class StoryPlan:
    """One story: its brief source, weight, and the statements it may make, best first."""

    source: BriefSource
    weight: int
    statements: list[Statement]
    evidence: tuple[Statement, ...] = ()  # every statement of the story's reports, for reasoning
    disputed: tuple[str, ...] = ()  # figures the story's reports give differently, for the notes

    @property
    def subject(self) -> str:
        first = self.statements[0] if self.statements else None
        return first.subject if first else ""


@dataclass
class Steering:
    """What an editor's note (or a breaking-news focus) asks: terms to lead with, length."""

    focus: list[str] = field(default_factory=list)
    shorter: bool = False

    @classmethod
    def of(cls, *notes: str | None) -> Steering:
        wish = " ".join(n for n in notes if n)
        terms = [t for t in segmenter().terms(_STEER.sub(" ", wish)) if len(t) >= 2]
        return cls(list(dict.fromkeys(terms)), bool(_SHORTER.search(wish)))


def _coherent(statements: list[Statement], limit: int) -> list[Statement]:
    """The first statement and those that share its subject and period (one line, one
    subject): up to ``limit``."""
    if not statements:
        return []
    first = statements[0]
    same: list[Statement] = []
    for statement in statements:
        said = {(s.reading.metric, s.reading.base, s.reading.verb) for s in same}
        mine = (statement.reading.metric, statement.reading.base, statement.reading.verb)
        if (statement.subject, when(statement)) == (first.subject, when(first)) and (
            mine not in said
        ):
            same.append(statement)
    return same[:limit]


def plan_stories(
    brief: Brief,
    kinds: tuple[str, ...],
    per_story: int,
    steering: Steering,
    script: str = "simplified",
    desk_dirs: tuple[Path, ...] = (),
    day_texts: tuple[str, ...] = (),
    fresh: bool = True,
) -> list[StoryPlan]:
    """The brief's sources of ``kinds`` as stories with statable facts, biggest first;
    ``fresh``: only facts the day's other drafts do not state."""
    stories = []
    said = said_figures(day_texts) if fresh else frozenset()
    leads = [s for s in brief.sources if s.kind in kinds and not s.story]
    everything = [s for s in brief.sources if s.kind in kinds]
    by_source = {s.number: source_statements(s, script, desk_dirs) for s in everything}
    # Figures the brief's reports give differently, within a story or across stories (two
    # items of one day: 沪指跌1.17% and 沪指涨0.1%): stated by none of them.
    disputed = disputes([s for found in by_source.values() for s in found], everything, script)
    # A figure another draft of the day gives otherwise (the 早报's 北向资金 20亿元, a weekly's
    # 53亿元 of the same day from another report): two posts of one day must not disagree.
    day_claims = _day_claims(day_texts, script, desk_dirs)
    disputed |= _against_the_day([s for found in by_source.values() for s in found], day_claims)
    for position, source in enumerate(leads):
        reports = [source, *(s for s in brief.sources if s.story == source.number)]
        stated = [by_source[r.number] for r in reports]
        # A fact another draft of the day states is not stated again: a later slot says
        # more, or less, never the same line twice. Nor is one the reports disagree on.
        reported = [s for found in stated for s in found]
        told = [
            [
                s
                for s in found
                if not is_said(s.fact, said)
                # A fresh post does not lead with a context figure (9月CPI beside 10月's).
                and not (fresh and superseded(s, reported))
                and claim(s) not in disputed
                and not (fresh and claim(s) in day_claims)  # said, perhaps rounded (20 / 20.4)
            ]
            for found in stated
        ]
        report, statements = max(
            zip(reports, told, strict=True), key=lambda pair: _headline_weight(pair[1], reports)
        )
        text = f"{report.title}{report.text}"
        focused = [s for s in statements if any(t in text for t in steering.focus)]
        stories.append(
            (
                not focused and bool(steering.focus),
                -source.outlets,
                position,
                StoryPlan(
                    report,
                    source.outlets,
                    _coherent(statements, per_story),
                    tuple(s for found in told for s in found),
                    tuple(note for what, note in disputed.items() if _among(what, stated)),
                ),
            )
        )
    stories.sort(key=lambda entry: entry[:3])
    # One figure, one story: the same figure in a smaller story's report is not stated again.
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for *_, story in stories:
        unseen = [s for s in story.statements if figure_key(s) not in seen]
        seen |= {figure_key(s) for s in unseen}
        out.append(replace(story, statements=unseen))
    return out


def _day_claims(
    day_texts: tuple[str, ...], script: str, desk_dirs: tuple[Path, ...]
) -> dict[Claim, list[Statement]]:
    """What the day's other drafts state, by claim. Their lines are read as sources are: a
    line the composer wrote reads back as the statement it made; a line under a dated heading
    (【11月20日收盘回顾】) is that day's."""
    said: dict[Claim, list[Statement]] = {}
    for text in day_texts:
        day = ""
        for part in text.splitlines():
            if heading := _HEADING.fullmatch(part.strip()):
                found = MARKET_DAY.search(heading[1])
                day = found.group(0) if found else ""
                continue
            line = day + _CITATION.sub("", re.sub(r"^\d+、", "", part))
            posted = BriefSource(0, 0, "", line, "", None, None)
            for statement in source_statements(posted, script, desk_dirs):
                said.setdefault(claim(statement), []).append(statement)
    return said


def _against_the_day(
    statements: list[Statement], day_claims: dict[Claim, list[Statement]]
) -> dict[Claim, str]:
    """Claims the day's other drafts state with a value these statements do not round to,
    each described for the editor."""
    out = {}
    for statement in statements:
        other = day_claims.get(claim(statement), [])
        if any(not rounds_to(statement.fact, s.fact) for s in other):
            values = "、".join(dict.fromkeys(f"{s.fact.value}{s.fact.unit}" for s in other))
            out[claim(statement)] = (
                f"「{statement.period}{statement.reading.metric}」与今日其他稿件不一致"
                f"（{statement.fact.value}{statement.fact.unit}[{statement.source}]，"
                f"其他稿件写的是{values}），未写入"
            )
    return out


def _among(what: Claim, stated: list[list[Statement]]) -> bool:
    return any(claim(s) == what for found in stated for s in found)


def said_figures(day_texts: tuple[str, ...]) -> frozenset[tuple[str, str, str]]:
    """The figures the day's other drafts state, by metric and amount; a figure whose metric
    the drafts' wording leaves unknown (高于1-10月平均的同比下降0.1%) also by amount alone."""
    known = vocabulary().aliases
    out = set()
    for text in day_texts:
        for fact in figure_facts(text):
            key = said_key(fact)
            out.add(key if fact.metric in known else ("", key[1], key[2]))
    return frozenset(out)


def is_said(fact: FigureFact, said: frozenset[tuple[str, str, str]]) -> bool:
    """Whether the day's drafts state the figure: by its metric, or as a figure whose metric
    their own wording leaves unnamed (高于1-10月平均的同比下降0.1%: CPI's, read without it)."""
    key = said_key(fact)
    return key in said or ("", key[1], key[2]) in said


def said_key(fact: FigureFact) -> tuple[str, str, str]:
    return (fact.metric, str(fact.amount()), fact.base_unit)


def _headline_weight(statements: list[Statement], reports: list[BriefSource]) -> tuple[int, ...]:
    """How well one report's statements tell its story: a figure in some report's headline
    (the story's news) counts most, then a figure other outlets state too, then their number;
    the lead report wins ties."""
    if not statements:
        return (0, 0, 0)
    heads = "\n".join(desk_text(r.title) for r in reports)
    first = statements[0].fact
    headline = sum(_states(heads, s.fact) for s in statements[:2]) + _states(heads, first)
    texts = [desk_text(r.text or r.title) for r in reports]
    shared = sum(sum(_states(t, s.fact) for t in texts) > 1 for s in statements[:2])
    return (headline, shared, min(len(statements), 2))


def _states(text: str, fact: FigureFact) -> bool:
    """Whether ``text`` writes the fact's figure (its value and unit, 25,630 as 25630)."""
    figure = rf"(?<![\d.]){re.escape(fact.value)}(?![\d.])\s?{re.escape(fact.unit)}"
    return re.search(figure, text.replace(",", "")) is not None
