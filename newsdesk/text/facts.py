"""Figure facts in Chinese finance text: each number with its whole meaning.

A *figure fact* is a number with its unit and scale, the metric it measures,
its qualifier (超/约/不超过/累计 ...), subject, period, direction and kind
(actual, forecast, target, threshold, intraday), and whether it is a part of a
total (除汽车以外, 扣非, 家电类). Facts, checks and the composer share this one
model; they read text in the desk's form (``normalise.desk_text``: one script,
one form of numbers), so ``４兆6,291億元`` is ``46291亿元`` here.

The metric is the words right before the figure, past the connectors writers
put between a metric and its number (为, 达, 约, 同比增长, 净买入 ...); when
nothing stands there it is the noun right after the figure (``100架意向订单``),
else the metric of the figure before it in the same sentence
(``营业收入128.64亿元，同比增长12.3%``: both measure 营业收入). Metrics are
canonicalised through ``data/finance_terms.txt`` (营收 -> 营业收入). The other
readings come from ``cues.py``.

Dates and periods (2026年, 11月25日, 1-10月, 三季度), times, ordinals (第3),
security codes (600519, 0700.HK), index names (沪深300), model names (H20, 5G)
and citation markers ([1]) are not figures. Plain Python, no Prefect.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from newsdesk.text.cues import cues, direction, kind, parts, period, qualifier
from newsdesk.text.metric_words import (
    content_before,
    is_connector,
    is_noun_token,
    metric_after,
    metric_before,
)
from newsdesk.text.names import (
    Token,
    is_entity,
    is_fact_token,
    mentions_metric,
    named_entities,
    tagged_tokens,
)
from newsdesk.text.numbers import amount, fold_width, split_scale
from newsdesk.text.sentences import own_clause, sentence_start, separated
from newsdesk.text.tickers import TICKER
from newsdesk.text.vocabulary import (
    canonical_metric,
    is_finance_term,
    metric_names,
)

__all__ = [
    "FigureFact",
    "Token",
    "bare_figures",
    "canonical_metric",
    "fact_spans",
    "figure_amounts",
    "figure_facts",
    "is_entity",
    "is_fact_token",
    "is_finance_term",
    "mentions_metric",
    "metric_names",
    "named_entities",
    "same_figure",
    "tagged_tokens",
]


@dataclass(frozen=True)
class FigureFact:
    value: str  # the number, thousands separators and sign dropped: "128.64", "6.2"
    unit: str  # scale included, simplified: 亿元, 万辆, %, 个百分点, 元/吨, 点 ("" if none)
    metric: str  # canonical metric (营业收入), "" when the text names none
    start: int  # offsets of the figure and its unit in the text
    end: int
    qualifier: str = ""  # 超, 约为, 不超过, 累计超过 ... as written; "" when stated flat
    subject: str = ""  # the company, body or place named for it in its sentence
    period: str = ""  # 10月, 前三季度, 2025年 ... the last one named before it
    direction: str = ""  # "up" | "down" | ""
    kind: str = "actual"  # actual | forecast | target | threshold | intraday
    parts: tuple[str, ...] = ()  # what narrows it to a part of a total: 除汽车以外, 扣非
    sure: bool = True  # the metric is known and the subject is no bare pronoun
    negative: bool = False  # written with a minus sign (归母净利润-160.69亿元: a loss)
    loss: bool = False  # its clause names a loss (净亏损160.69亿元, 为负)

    @property
    def base_unit(self) -> str:
        """The unit without its scale: 亿元 -> 元, 万辆 -> 辆, % -> %."""
        return split_scale(self.unit)[1]

    def amount(self) -> Decimal:
        """Value times scale: 2万亿元 and 20000亿元 are one amount."""
        found = amount(self.value, self.unit)
        return found[0] if found else Decimal(0)

    def half_step(self) -> Decimal:
        """Half the last written digit, as an amount: what a figure rounded to this one's
        precision may differ by (约4.63万亿元: 0.005万亿元)."""
        places = len(self.value.partition(".")[2])
        return Decimal(1).scaleb(-places) / 2 * (self.amount() / Decimal(self.value or 1))


def same_figure(one: FigureFact, other: FigureFact) -> bool:
    """Equal amounts in units that agree (亿元 = 亿 when one side leaves out 元)."""
    return one.amount() == other.amount() and base_units_agree(one.base_unit, other.base_unit)


_UNIT_SYNONYMS = {"百分点": "个百分点", "pct": "个百分点", "港币": "港元", "人民币": "元"}


def unit_key(unit: str) -> str:
    """Units that name the same thing compare equal: 百分点 = 个百分点 = pct, 港币 = 港元."""
    key = unit.lower()
    return _UNIT_SYNONYMS.get(key, key)


def base_units_agree(one: str, other: str) -> bool:
    """Same base unit, one side leaving out its currency (2万亿 / 2万亿元), or a price
    written with and without its per-unit (4000美元 / 4000美元/盎司)."""
    one, other = unit_key(one), unit_key(other)
    if one == other or {one, other} <= {"", "元"}:
        return True
    return one.partition("/")[0] == other.partition("/")[0] and "/" in one + other


_NUMBER = r"(?<![A-Za-z0-9.\-])[+\-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_MULTIPLIER = r"(?:万亿|亿|万|千)"
_UNIT_WORDS = (
    "个百分点 百分点 个基点 基点 美元/桶 美元/盎司 美元/吨 元/吨 元/克 元/股 元/平方米 元/公斤"
    " 元/千瓦时 美元 港元 港币 欧元 日元 英镑 元 % ‰ bps bp pct 倍 点 家 架 台 辆 艘 吨 股 手"
    " 只 个 项 人次 人 户 套 张 份 件 笔 座 枚 片 块 千瓦时 千瓦 兆瓦 吉瓦 GWh MWh GW MW kWh"
    " 平方米 平方公里 公里 公斤 克 桶 盎司 次 款 条 亩 部 令吉 新台币 台币 港币 人民币"
)
_UNITS = sorted(_UNIT_WORDS.split(), key=len, reverse=True)  # longest first: 亿元 before 元
_COUNTED = frozenset(
    [
        "家",
        "架",
        "台",
        "辆",
        "艘",
        "只",
        "个",
        "项",
        "款",
        "条",
        "套",
        "件",
        "部",
        "人",
        "户",
        "次",
        "座",
        "枚",
        "笔",
        "份",
        "张",
    ]
)
_FIGURE = re.compile(
    f"(?P<number>{_NUMBER})\\s?(?P<unit>{_MULTIPLIER}?(?:"
    + "|".join(re.escape(u) for u in _UNITS)
    + f")(?![A-Za-z])|{_MULTIPLIER})?",
)
# Numbers that are no figure: dates, periods, durations, times, ordinals, names.
_NOT_FIGURE = re.compile(
    r"\d{4}[-/]\d{1,2}(?:[-/]\d{1,2})?(?!\d)|\d{4}\.\d{1,2}\.\d{1,2}(?!\d)"  # 2026-11-25
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # 09:30
    r"|\d+(?:\.\d+)?(?:\s?[-~～至到]\s?\d+)?\s?"
    r"(?:年期|年度|年底|年末|年初|年内|年|个月|月份|月|日|号|个季度|季度|季|周年|周|天|个交易日|交易日"
    r"|小时|时|分钟|秒|世纪|年代|岁|后|代|线)"  # 2026年, 1-10月, 3个月, 90后
    r"|第\d+(?:点|名|位|大|批|期|轮|届|个|次)?"  # 第3, 第五大
    r"|(?:前|近|后)\d+(?:名|位|大|批|期|轮|届|个交易日|个月|年|天|日|周)"  # 前10名, 近5年
    r"|(?:上午|下午|晚上|凌晨|早上|晚间)\d+(?:点|时)?"  # 下午3点
    r"|(?:沪深|中证|上证|科创|北证|创业板|深证|国证|标普|富时|日经|MSCI|纳斯达克)\s?\d+"  # 沪深300
    r"|[A-Za-z]+\s?\d+(?:\.\d+)?(?![\d.])(?!\s?(?:万亿|亿|万|%|倍|元|点|个百分点|美元))"  # H20, M2
    r"|\d+[A-Za-z]+"  # 5G, 1Q26
    r"|[\[【]\s*\d[\d\s,，、\-–~]*[\]】]",  # [1] citation markers
    re.IGNORECASE,
)
# Unitless numbers count only when they look like a reading (49.8, 3350), not a stray 3.
_DIGIT = re.compile(r"\d")
# Citation markers as the draft writes them ([1], 【2-3】), of those _NOT_FIGURE blanks: with
# at most three digits in a row, none is part of a code either.
_CITATIONS = re.compile(r"[\[【]\s*\d{1,3}(?:[\s,，、\-–~]+\d{1,3})*\s*[\]】]")
_READING = re.compile(r"\d*\.\d+|\d{3,}")
_CLAUSE = re.compile(r"[。！？!?；;，,、：:（）()\n“”\"]")
_DATE_WORDS = re.compile(r"\d+(?:[-~至]\d+)?(?:年|个?月份?|日|号|个?季度)")
_WIDE_CLAUSE = re.compile(r"[。！？!?；;，,\n]")
_REACH = 24  # characters looked at around a figure for its metric
_SENTENCE_REACH = 200  # characters looked back for a figure's period, kind and subject
# A clause that names a loss: its figure is one (扭亏 turns a loss into a profit).
_LOSS = re.compile(r"(?<!扭)(?<!减)亏|为负|负值")
# A clause whose subject is only a pronoun (其, 该公司) names no one the reader can check.
_PRONOUN = re.compile(r"^[，,]?\s*(?:其|该公司|该|公司|它)")


# A cited sentence is asked whether it has figures, then what they mean: one masking.
@lru_cache(maxsize=4096)
def _masked(text: str) -> str:
    """``text`` with non-figures blanked out, same length (offsets survive)."""
    for pattern in (TICKER, _NOT_FIGURE):
        text = pattern.sub(_blank, text)
    return text


def _blank(match: re.Match[str]) -> str:
    return "\0" * (match.end() - match.start())


def _value(number: str) -> str:
    bare = number.lstrip("+-−").replace(",", "")
    if "." in bare:
        bare = bare.rstrip("0").rstrip(".")
    return bare


@dataclass(frozen=True)
class _Span:
    value: str
    unit: str
    start: int
    end: int
    negative: bool


def _figure_spans(masked: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _FIGURE.finditer(masked):
        unit = (match.group("unit") or "").strip()
        number = match.group("number")
        if not unit and not _READING.fullmatch(number.lstrip("+-−").replace(",", "")):
            continue
        end = match.end() if unit else match.end("number")
        negative = number.startswith(("-", "−"))
        spans.append(_Span(_value(number), unit, match.start(), end, negative))
    return spans


def _sentence_start(plain: str, position: int) -> int:
    return sentence_start(plain, position, max(0, position - _SENTENCE_REACH))


def _clause_start(plain: str, low: int, position: int) -> int:
    return _last_match_end(_CLAUSE, plain, low, position) or low


def _lows(plain: str, position: int) -> tuple[int, int]:
    """Where the sentence and the clause of a figure at ``position`` begin."""
    sentence_low = _sentence_start(plain, position)
    return sentence_low, _clause_start(plain, sentence_low, position)


def _qualifier(plain: str, clause_low: int, span: _Span) -> str:
    return qualifier(plain[clause_low : span.start], plain[span.end : span.end + 4])


def bare_figures(text: str) -> list[FigureFact]:
    """The figures :func:`figure_facts` reads in ``text``, in order, with their value, unit,
    offsets, sign and qualifier only (no metric, subject, period ...): whether a source
    states the amount, or one a hedged figure rounds, is decided by these alone."""
    plain = fold_width(text)
    return [
        FigureFact(
            span.value,
            span.unit,
            "",
            span.start,
            span.end,
            qualifier=_qualifier(plain, _lows(plain, span.start)[1], span),
            negative=span.negative,
        )
        for span in _spans(plain)
    ]


def figure_amounts(text: str) -> list[tuple[str, str]]:
    """(value, unit) of each figure :func:`figure_facts` reads in ``text``, in order, without
    reading what each means (whether a sentence states any figure is asked far more often)."""
    return [(span.value, span.unit) for span in _spans(fold_width(text))]


def _spans(plain: str) -> list[_Span]:
    """The figure spans of a width-folded text; none without a digit (most sentences)."""
    return _figure_spans(_masked(plain)) if _DIGIT.search(plain) else []


def figure_facts(text: str, subjects: bool = True) -> list[FigureFact]:
    """Every figure of ``text`` with its whole meaning, in order.

    ``text`` should already be in the desk's form (``normalise.desk_text``); offsets
    refer to it. ``subjects=False`` skips naming subjects (a POS pass per sentence),
    which the checks do not need.
    """
    plain = fold_width(text)  # one character for one: offsets refer to ``text``
    facts: list[FigureFact] = []
    if not _DIGIT.search(plain):
        return facts  # most sentences: no number, no figure
    masked = _masked(plain)
    previous_end = 0
    previous: FigureFact | None = None
    previous_parts: tuple[str, ...] = ()
    for span in _figure_spans(masked):
        if separated(masked, previous_end, span.start):
            previous, previous_parts = None, ()  # a new sentence or clause: nothing carries over
        low = max(previous_end, span.start - _REACH)
        # Dates blanked out, so 2026年港股IPO集资 names 港股IPO集资, not 年港股….
        before = _DATE_WORDS.sub(" ", plain[_clause_start(plain, low, span.start) : span.start])
        after = plain[span.end : span.end + _REACH]
        stop = _CLAUSE.search(after)
        after = after[: stop.start()] if stop else after
        # What a count counts follows it: 100架意向订单, 4100只个股.
        metric = (metric_after(after) if span.unit in _COUNTED else "") or metric_before(before)
        if not metric:
            metric = metric_after(after)
        inherited = not metric and not content_before(before)
        if inherited and previous is not None:
            # Only connectors before it (，同比增长12.3%): it measures what the figure before did.
            metric = previous.metric
        sentence_low, clause_low = _lows(plain, span.start)
        sentence_before = plain[sentence_low : span.start]
        clause_before = plain[clause_low : span.start]
        # An enumeration (粮油食品类、通讯器材类…分别增长) is one clause for what narrows a figure.
        wide_low = _last_match_end(_WIDE_CLAUSE, plain, sentence_low, span.start) or sentence_low
        found_parts = parts(plain[wide_low : span.start]) or (previous_parts if inherited else ())
        subject = _subject(plain[sentence_low : span.start]) if subjects else ""
        fact = FigureFact(
            span.value,
            span.unit,
            metric,
            span.start,
            span.end,
            qualifier=_qualifier(plain, clause_low, span),
            subject=subject or (previous.subject if previous is not None else ""),
            period=period(sentence_before),
            # 同比增长6.25% [2] - 第三季度营收为398.10亿元: the verb is the figure before's.
            direction=direction(plain[max(clause_low, previous_end) : span.start]),
            # A cue holds until the next figure (营收预计增长A，净利润增长B: A only) or ；,
            # one that leads the sentence (德勤预计，A，B) up to the ；.
            kind=kind(
                own_clause(plain[max(sentence_low, previous_end) : span.start]),
                clause_before,
                after,
                own_clause(sentence_before),
            ),
            parts=found_parts,
            sure=bool(metric) and not _PRONOUN.search(clause_before),
            negative=span.negative,
            loss=_LOSS.search(clause_before) is not None,
        )
        facts.append(fact)
        previous_end, previous, previous_parts = span.end, fact, found_parts
    return _respectively(plain, facts)


_AND = re.compile(r"\s*(?:和|与|及|、)\s*")


def _respectively(plain: str, facts: list[FigureFact]) -> list[FigureFact]:
    """产销分别完成177.2万辆和171.5万辆: the first figure is 产量's, the second 销量's (the
    pair words are data, [pairs] in fact_cues.txt); read alone, the second has no metric."""
    out = list(facts)
    for index, (one, two) in enumerate(zip(facts, facts[1:], strict=False)):
        pair = next((p for word, p in cues().pairs.items() if one.metric.endswith(word)), None)
        if (
            pair is None
            or two.metric
            or two.unit != one.unit
            or "分别" not in plain[_sentence_start(plain, one.start) : one.start][-12:]
            or not _AND.fullmatch(plain[one.end : two.start])
        ):
            continue
        out[index] = replace(one, metric=canonical_metric(pair[0]))
        out[index + 1] = replace(
            two,
            metric=canonical_metric(pair[1]),
            subject=one.subject,
            period=one.period,
            kind=one.kind,
            sure=one.sure,
        )
    return out


@lru_cache(maxsize=8192)
def _subject(sentence_before: str) -> str:
    """The last name (company, body, place) written before a figure in its sentence."""
    names = [t.word for t in tagged_tokens(sentence_before) if is_entity(t)]
    return names[-1] if names else ""


def _last_match_end(pattern: re.Pattern[str], text: str, low: int, high: int) -> int | None:
    """End of the last match of ``pattern`` in text[low:high], or None."""
    end = None
    for match in pattern.finditer(text, low, high):
        end = match.end()
    return end


def fact_spans(
    text: str, tokens: list[Token] | None = None, dictionaries: Iterable[Path] = ()
) -> list[tuple[int, int]]:
    """Offsets of the figures (with units and the words that state them: ``_statement_start``),
    names, finance terms, dates and codes of ``text``."""
    tokens = tagged_tokens(text, dictionaries) if tokens is None else tokens
    spans = [(t.start, t.end) for t in tokens if is_fact_token(t, dictionaries)]
    # Where the figures are is all that is asked here, not what they mean (figure_facts).
    # Every figure has a digit (a full-width one is a digit too).
    if not _DIGIT.search(text) or not _DIGIT.search(_CITATIONS.sub("", text)):
        # No figure and no security code (each has a digit outside the citation markers, but
        # $AAPL): most of a draft's stretches, read for originality's runs.
        if "$" in text:
            spans += [(m.start(), m.end()) for m in TICKER.finditer(text)]
        return sorted(spans)
    figures = _figure_spans(_masked(fold_width(text)))
    starts = [t.start for t in tokens]
    spans += [(_statement_start(text, tokens, starts, span.start), span.end) for span in figures]
    spans += [(m.start(), m.end()) for m in TICKER.finditer(text)]
    return sorted(spans)


def _statement_start(text: str, tokens: list[Token], starts: list[int], start: int) -> int:
    """Where the words that state the figure at ``start`` begin: the connectors before it
    (为, 达, 同比增长, 收报) and one word among them, its metric's head (份额 in
    国内零售份额达68.7%, CPI in 核心CPI同比涨1.2%). ``tokens`` are the text's, in order.

    A rewrite that states a source's figures must repeat these with them; they are not
    copied writing (issue 22 item 7).
    """
    low = _clause_start(text, max(0, start - _REACH), start)
    at, head = start, False
    for token in reversed(tokens[: bisect_right(starts, start - 1)]):
        if token.start < low or token.end > at:
            break
        if not is_connector(token.word):
            if head or not is_noun_token(token.word):
                break
            head = True
        at = token.start
    return at
