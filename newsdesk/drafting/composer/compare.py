"""Comparisons a story's own figures support: one rate against the same rate of another period.

An opinion (观点) needs reasoning about the day's facts, not a line that fits any day. The one
inference the composer makes is arithmetic on two stated figures of one subject and metric,
both year-on-year rates: 第三季度营收同比增长0.35%, 前三季度 6.32% -> the quarter grew slower than
the nine months, 增速放缓. Both figures are stated, each with its citation, so an editor can
check the reasoning as easily as the facts. Periods of different years, or rates on
different bases, are never compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from newsdesk.drafting.composer.realise import Statement, clause, period
from newsdesk.text.cues import period_key

_YEAR_ON_YEAR = {"同比", "年", "较上年同期", "较去年同期", "比上年同期"}
_YEAR = re.compile(r"\d{4}年")


@dataclass(frozen=True)
class Comparison:
    recent: Statement  # the later period, or the part of the longer one (Q3 of 前三季度)
    earlier: Statement
    trend: str  # slower | faster | deeper | shallower | "" (signs differ: no trend word)

    @property
    def higher(self) -> bool:
        return _signed(self.recent) > _signed(self.earlier)


def _signed(statement: Statement) -> Decimal:
    value = Decimal(statement.fact.value)
    return -value if statement.fact.direction == "down" else value


def _months(statement: Statement) -> tuple[int, int] | None:
    """The months a period covers: M10 -> (10, 10), M1-10 -> (1, 10), Q3 -> (7, 9)."""
    key = period_key(statement.period)
    if found := re.fullmatch(r"M(\d+)(?:-(\d+))?", key):
        return int(found[1]), int(found[2] or found[1])
    if found := re.fullmatch(r"Q([1-4])", key):
        end = int(found[1]) * 3
        return end - 2, end
    return None


def superseded(statement: Statement, others: Iterable[Statement]) -> bool:
    """Whether another statement gives the same metric of the same subject for a period ending
    later (9月CPI beside 10月CPI): a context figure, no news to lead a post with."""
    mine = _months(statement)
    return mine is not None and any(
        (other.subject, other.fact.metric) == (statement.subject, statement.fact.metric)
        and (theirs := _months(other)) is not None
        and theirs[1] > mine[1]
        for other in others
    )


def _comparable(one: Statement, other: Statement) -> bool:
    if (one.subject, one.fact.metric, one.fact.unit) != (
        other.subject,
        other.fact.metric,
        other.fact.unit,
    ):
        return False
    if one.fact.unit != "%" or not (one.fact.direction and other.fact.direction):
        return False
    if not {one.reading.base, other.reading.base} <= _YEAR_ON_YEAR:
        return False
    # One story's periods without a year are its report's year (贵州茅台2025年第三季度 and
    # 前三季度 of one report); two different years are never compared.
    years = {tuple(_YEAR.findall(s.period)) for s in (one, other)} - {()}
    return len(years) <= 1 and one.reading.cue == other.reading.cue == ""


def comparison(statements: list[Statement]) -> Comparison | None:
    """The first pair of the statements that compares one rate over two periods and names a
    trend (由降转涨, 增速放缓), else the first that compares at all."""
    return _first(list(_comparisons(statements)))


def _first(found: list[Comparison]) -> Comparison | None:
    return next((c for c in found if c.trend), found[0] if found else None)


def comparisons(statements: list[Statement], limit: int) -> list[Comparison]:
    """Up to ``limit`` comparisons of one recent rate: :func:`comparison`'s, then the same
    rate against the story's other periods (10月 against 9月, then against 1-10月), each
    earlier figure once."""
    found = list(_comparisons(statements))
    first = _first(found)
    if first is None:
        return []
    out = [first]
    for other in found:
        if len(out) >= limit:
            break
        if other.recent is first.recent and all(other.earlier is not c.earlier for c in out):
            out.append(other)
    return out


def _comparisons(statements: list[Statement]) -> Iterator[Comparison]:
    for index, one in enumerate(statements):
        for other in statements[index + 1 :]:
            spans = _months(one), _months(other)
            if None in spans or spans[0] == spans[1] or not _comparable(one, other):
                continue
            (start, end), (other_start, other_end) = spans  # type: ignore[misc]
            # The recent one ends later, or ends with the other and is shorter (a part of it).
            first_recent = (end, start) > (other_end, other_start)
            recent, earlier = (one, other) if first_recent else (other, one)
            if _signed(recent) == _signed(earlier):
                continue
            nested = start <= other_start <= other_end <= end or (
                other_start <= start <= end <= other_end
            )
            yield Comparison(recent, earlier, _trend(recent, earlier, nested))


def _trend(recent: Statement, earlier: Statement, nested: bool) -> str:
    """Same signs: faster or slower, deeper or shallower. Signs that differ name a turn only
    between two periods one after the other (9月 -0.3%, 10月 +0.2%: 由降转涨); a month against
    its year to date has no such word."""
    now, then = _signed(recent), _signed(earlier)
    if now > 0 and then > 0:
        return "faster" if now > then else "slower"
    if now < 0 and then < 0:
        return "deeper" if now < then else "shallower"
    if nested or not (now and then):
        return ""
    return "turned_up" if now > 0 else "turned_down"


def comparison_sentence(found: Comparison, words: dict[str, str], said: bool = False) -> str:
    """第三季度营业总收入同比增长0.35%[4]，低于前三季度的同比增长6.32%[1]，增速放缓。
    ``said``: the recent figure is already stated just before, so it is referred to, not
    repeated."""
    recent, earlier = found.recent, found.earlier
    template = words["said" if said else "sentence"]
    text = template.format(
        recent=f"{recent.subject}{period(recent)}{clause(recent)}[{recent.source}]",
        recent_period=period(recent),
        relation=words["higher"] if found.higher else words["lower"],
        earlier_period=period(earlier),
        earlier=f"{clause(earlier, metric_said=not said)}[{earlier.source}]",
    )
    return f"{text}，{words[found.trend]}。" if found.trend else f"{text}。"
