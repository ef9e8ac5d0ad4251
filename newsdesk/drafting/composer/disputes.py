"""Figures a story's reports give differently: left out of the draft and named for the editor.

Two outlets quoting one body can disagree (中汽协 10月新能源汽车销量: 145.9万辆 in one report,
171.5万辆 in another). The composer cannot tell which is right, so it states neither and the
note beside the draft names both with their sources. A claim is what a figure is of —
metric, period, subject, comparison base and unit — not its value.
"""

from __future__ import annotations

from newsdesk.drafting.brief import BriefSource
from newsdesk.drafting.composer.realise import Statement, base_word
from newsdesk.text.cues import period_key
from newsdesk.text.facts import FigureFact, figure_facts
from newsdesk.text.normalise import desk_text


def when(statement: Statement) -> str:
    """A statement's period in one spelling: 前三季度 and 1-9月 are one."""
    return period_key(statement.period) or statement.period


Claim = tuple[str, str, str, str, str, bool, tuple[str, ...], str]


def claim(statement: Statement) -> Claim:
    """What a figure is of: metric, period, subject, base, unit, whether it is a move or a
    level (恒指跌224点 and 收报25630点 are two claims, not one given differently), what
    narrows the metric (核心CPI is not CPI) and the currency a rate is computed in (以美元计价
    -1.1% and 以人民币计价 -0.8% are two figures); not its value."""
    fact = statement.fact
    base = base_word(statement.reading.base)
    moved = bool(statement.reading.verb or fact.direction)
    return (
        fact.metric,
        when(statement),
        statement.subject,
        base,
        fact.base_unit,
        moved,
        fact.parts,
        statement.reading.basis,
    )


def disputes(
    statements: list[Statement], reports: list[BriefSource], script: str
) -> dict[Claim, str]:
    """Claims the reports give different values (中汽协 10月新能源汽车销量: 145.9万辆 in one
    report, 171.5万辆 in another), each described for the editor. Besides the statements, a
    report's sure levels count (产销分别完成177.2万辆和171.5万辆 is no statement, but a value).
    Values that round to each other (192.2 and 192.24亿元) agree."""
    values: dict[Claim, list[tuple[FigureFact, int]]] = {}
    for statement in statements:
        values.setdefault(claim(statement), []).append((statement.fact, statement.source))
    for report in reports:
        for fact in figure_facts(desk_text(report.text or report.title, script)):
            level = (
                fact.metric,
                period_key(fact.period),
                fact.subject,
                "",
                fact.base_unit,
                False,
                fact.parts,
                "",
            )
            if fact.sure and fact.unit and not fact.direction and level in values:
                values[level].append((fact, report.number))
    out = {}
    for what, found in values.items():
        first = found[0][0]
        # Every pair: 5.7 agrees with 5.67 and 5.66, which disagree with each other.
        if all(rounds_to(one, other) for one, _ in found for other, _ in found):
            continue
        said = "、".join(dict.fromkeys(f"{f.value}{f.unit}[{n}]" for f, n in found))
        out[what] = f"「{first.period}{first.metric}」各来源不一致（{said}），未写入"
    return out


def rounds_to(one: FigureFact, other: FigureFact) -> bool:
    """The same amount, or one written with fewer decimals that the other rounds to."""
    if one.direction != other.direction:
        return False
    coarse = min(one, other, key=lambda f: len(f.value.partition(".")[2]))
    return abs(one.amount() - other.amount()) <= coarse.half_step()
