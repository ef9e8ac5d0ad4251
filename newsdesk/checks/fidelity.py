"""Is a figure of a draft the figure its source states, with the same meaning?

Support first: a cited source states the same amount (value times scale, so
``2万亿元`` is ``20000亿元``) in a unit that agrees, whatever words the
sentence uses for the metric. Then contradictions, each a named kind an editor
can act on, shown with the source's span:

- ``not_in_source``: no cited source states this value at all;
- ``unit_changed``: the value is there with another unit or scale, or the
  draft leaves the unit out (1613.9 for 1613.9亿元);
- ``percent_vs_points``: % written for 个百分点, or the reverse;
- ``qualifier_changed``: a strict hedge lost or turned (超 -> 约, 近 -> 超);
- ``direction_flipped``: 增长 for 下降, 净流入 for 净流出;
- ``forecast_as_actual``: the source's 预计/预期/目标 figure stated as a result;
- ``intraday_as_close``: a 盘中/最高 level stated as the close;
- ``wrong_subject_or_metric``: the source narrows the figure (除汽车以外, 扣非,
  家电类) and the sentence does not, or names another known metric for it;
- ``period_changed``: the sentence puts the figure in another month or quarter
  than its source (1-10月 exports stated as October's).

Precision first: a figure the source states several times is fine when one of
those mentions agrees with the sentence; a hedge the draft adds to a flat
figure (约) is allowed, and a figure rounded under a hedge (约1309亿元 for
1309.04亿元) is supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from newsdesk.text.cues import cues, period_key, qualifier_classes
from newsdesk.text.facts import (
    FigureFact,
    base_units_agree,
    mentions_metric,
    same_figure,
    unit_key,
)
from newsdesk.text.numbers import plain_number
from newsdesk.text.sentences import own_clause
from newsdesk.text.vocabulary import vocabulary

PROBLEM_KINDS = {
    "not_in_source": "来源中没有这个数字",
    "unit_changed": "单位或量级与来源不同",
    "percent_vs_points": "百分比与百分点混用",
    "qualifier_changed": "限定词与来源不同",
    "direction_flipped": "涨跌方向与来源相反",
    "forecast_as_actual": "把预测/预期写成了实际结果",
    "intraday_as_close": "把盘中价位写成了收盘",
    "wrong_subject_or_metric": "主体或指标与来源不符",
    "period_changed": "期间与来源不同",
}
_POINTS = "个百分点"
_CLOSE_WORDS = ("收盘", "收报", "收于", "报收", "收市", "收至")
_RANGE_AFTER = re.compile(r"\s*[到至~～\-—]\s*\d")
_RANGE_BEFORE = re.compile(r"\d[^\d，。；,;]{0,4}[到至~～\-—]\s*$")
_SCALES = (Decimal(1), Decimal(10) ** 3, Decimal(10) ** 4, Decimal(10) ** 8, Decimal(10) ** 12)


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str
    source_span: str = ""  # the source's words for this figure, as the editor should see them
    source: int | None = None  # which cited source they are from (its position, or its number)


@dataclass(frozen=True)
class Mention:
    """A cited source's figure a draft figure is compared with."""

    fact: FigureFact
    span: str  # the source's words for it
    source: int  # the position of its source among the cited ones


def _agrees(figure: FigureFact, fact: FigureFact) -> bool:
    """Same amount; a unit the draft adds to the source's bare number (收报25630 -> 25630点)
    is fine unless it makes the number a percentage."""
    if same_figure(figure, fact):
        return True
    return (
        not fact.unit and figure.value == fact.value and unit_key(figure.unit) not in ("%", _POINTS)
    )


def spellings(figure: FigureFact) -> set[str]:
    """The values the same amount can be written with, at every scale word (2万亿 = 20000亿)."""
    amount = figure.amount()
    return {plain_number(amount / scale) for scale in _SCALES} | {figure.value}


def hedged_match(figure: FigureFact, fact: FigureFact) -> bool:
    """A hedged figure rounded from the source's, at any scale (约4.63万亿元 for 46291亿元)."""
    if not figure.qualifier or not base_units_agree(figure.base_unit, fact.base_unit):
        return False
    return abs(fact.amount() - figure.amount()) <= figure.half_step() * Decimal("1.0001")


def _in_range(figure: FigureFact, sentence: str) -> bool:
    """A bound of a range the sentence writes (3亿元到6亿元, 3-6亿元): both bounds are stated."""
    return bool(
        _RANGE_AFTER.match(sentence, figure.end) or _RANGE_BEFORE.search(sentence[: figure.start])
    )


def _qualifier_problem(figure: FigureFact, fact: FigureFact, sentence: str) -> str | None:
    mine = set(qualifier_classes(figure.qualifier))
    theirs = set(qualifier_classes(fact.qualifier))
    strict = cues().strict
    # A range (拿出3亿元到6亿元) states what 不低于3亿元且不超过6亿元 does.
    lost = set() if _in_range(figure, sentence) else (theirs & strict) - mine
    # 约 on a flat figure is modesty, not a new claim; any other hedge must be the source's.
    added = mine - theirs - {"约", "累计"}
    if lost or added:
        said = fact.qualifier or "（无）"
        wrote = figure.qualifier or "（无）"
        return f"来源写的是「{said}」，稿件写成「{wrote}」 / source hedge {said}, draft {wrote}"
    return None


def contradiction(
    figure: FigureFact, sentence: str, clause: str, fact: FigureFact
) -> Finding | None:
    """How ``figure`` (in ``sentence``; ``clause`` ends at it) contradicts the source's
    ``fact`` of the same amount, or None when it states the same thing."""
    shown = f"{figure.value}{figure.unit}"
    if not figure.unit and fact.unit:
        return Finding(
            "unit_changed",
            f"{shown} 缺少单位，来源为 {fact.value}{fact.unit} / unit dropped",
        )
    detail = _qualifier_problem(figure, fact, sentence)
    if detail:
        return Finding("qualifier_changed", detail)
    if figure.direction and fact.direction and figure.direction != fact.direction:
        return Finding(
            "direction_flipped",
            f"来源中 {shown} 是{'增长' if fact.direction == 'up' else '下降'}，稿件写反了 / "
            f"the source's change is {fact.direction}",
        )
    if _signs_differ(figure, fact):
        return Finding(
            "direction_flipped",
            f"来源中 {shown} 的正负与稿件不同（亏损或负值） / "
            "the source's sign (a loss or a negative value) differs",
        )
    stated_as_possible = any(word in clause for word in cues().modal) or _forecast_framed(
        sentence[: figure.start]
    )
    if fact.kind in ("forecast", "target") and figure.kind == "actual" and not stated_as_possible:
        return Finding(
            "forecast_as_actual",
            f"来源中 {shown} 是预测或目标，稿件写成了实际结果 / a {fact.kind} stated as a result",
        )
    if fact.kind == "intraday" and any(word in clause for word in _CLOSE_WORDS):
        return Finding(
            "intraday_as_close",
            f"来源中 {shown} 是盘中价位，不是收盘 / an intraday level stated as the close",
        )
    # Every narrowing word must be carried; of a list of categories (粮油食品类、通讯器材类…
    # 分别增长), one.
    categories = [part for part in fact.parts if part.endswith("类")]
    mine, theirs = period_key(figure.period), period_key(fact.period)
    if mine and theirs and mine != theirs:
        return Finding(
            "period_changed",
            f"来源中 {shown} 是「{fact.period}」的数字，稿件写成「{figure.period}」 / "
            f"the source's period is {fact.period}",
        )
    missing = [
        part for part in fact.parts if not part.endswith("类") and not _names_part(sentence, part)
    ]
    if categories and not any(_names_part(sentence, part) for part in categories):
        missing.append(categories[-1])
    if not missing and _other_metric(figure, fact) and not mentions_metric(sentence, fact.metric):
        return Finding(
            "wrong_subject_or_metric",
            f"来源中 {shown} 是「{fact.metric}」，稿件写成「{figure.metric}」 / "
            f"the source gives {shown} for {fact.metric}, the draft for {figure.metric}",
        )
    if missing:
        return Finding(
            "wrong_subject_or_metric",
            f"来源中 {shown} 只是「{missing[0]}」的数字，句中没有写明 / "
            f"the source gives {shown} for {missing[0]} only",
        )
    return None


def _forecast_framed(before: str) -> bool:
    """A forecast cue anywhere in the figure's clause (德勤预计，…突破3000亿港元，…其中7只…):
    the writer frames the whole clause as a forecast; after a ； it frames nothing."""
    framing = own_clause(before)
    return any(kind == "forecast" and word in framing for word, kind in cues().kinds.items())


def _signs_differ(figure: FigureFact, fact: FigureFact) -> bool:
    """A minus sign on one side that the other side neither writes nor words as a loss
    (-160.69亿元 = 亏损160.69亿元; 160.69亿元 of 归母净利润 is a profit)."""
    return (figure.negative and not (fact.negative or fact.loss)) or (
        fact.negative and not (figure.negative or figure.loss)
    )


def _other_metric(figure: FigureFact, fact: FigureFact) -> bool:
    """Two known metrics that differ (营收 for 净利润); a broader name for a narrower one
    (净利润 for 归母净利润) is not a contradiction, only naming."""
    known = vocabulary().aliases
    one, other = figure.metric, fact.metric
    if one == other or one not in known or other not in known:
        return False
    return not (one.endswith(other) or other.endswith(one))


def _names_part(sentence: str, part: str) -> bool:
    """Whether the sentence carries what narrows the figure (家电类 by 家电, 除汽车以外 by 除汽车)."""
    core = part.removesuffix("以外").removesuffix("之外").removesuffix("外").removesuffix("类")
    if part.startswith("扣"):
        return "扣非" in sentence or "扣除非经常性" in sentence
    return core[-4:] in sentence


def _unit_finding(figure: FigureFact, mention: Mention) -> Finding:
    fact, span = mention.fact, mention.span
    shown = f"{figure.value}{figure.unit}"
    said = f"{fact.value}{fact.unit}"
    if {unit_key(figure.unit), unit_key(fact.unit)} == {"%", _POINTS}:
        return Finding(
            "percent_vs_points",
            f"来源是 {said}，稿件写成 {shown} / % and 个百分点 are not the same",
            span,
            mention.source,
        )
    return Finding(
        "unit_changed",
        f"来源是 {said}，稿件写成 {shown} / another unit or scale",
        span,
        mention.source,
    )


def _overlap(clause: str, span: str) -> int:
    """Character bigrams the draft's clause shares with a source span: which mention it restates."""
    mine = {clause[i : i + 2] for i in range(len(clause) - 1)}
    return sum(1 for i in range(len(span) - 1) if span[i : i + 2] in mine)


def judge(
    figure: FigureFact,
    sentence: str,
    clause: str,
    mentions: list[Mention],
    same_value: list[Mention],
) -> Finding | None:
    """The verdict on one figure of a draft sentence.

    ``mentions`` are the cited sources' figures whose value is one of
    :func:`spellings` of it, ``same_value`` those written with its digits; each
    comes with the source span to show and the source it is from. Supported when one mention of the same
    amount agrees in meaning; otherwise the problem is the one of the mention the
    sentence most plausibly restates (the span sharing most of its clause's words).
    """
    candidates: list[tuple[int, Finding]] = []
    for mention in mentions:
        fact = mention.fact
        if not (_agrees(figure, fact) or hedged_match(figure, fact)):
            continue
        found = contradiction(figure, sentence, clause, fact)
        if found is None:
            return None
        candidates.append(
            (
                _overlap(clause, mention.span),
                Finding(found.kind, found.detail, mention.span, mention.source),
            )
        )
    for mention in same_value:
        if not _agrees(figure, mention.fact):
            candidates.append((_overlap(clause, mention.span), _unit_finding(figure, mention)))
    if candidates:
        return max(candidates, key=lambda pair: pair[0])[1]
    shown = f"{figure.value}{figure.unit}"
    return Finding(
        "not_in_source",
        f"所引来源中没有 {shown} / {shown} is not in the cited source(s)",
    )
