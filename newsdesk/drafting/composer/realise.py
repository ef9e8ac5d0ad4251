"""Surface realisation: one figure fact -> one clause, its unit, qualifier, kind and direction
kept; a line of one story's clauses with its subject, period and citation.

A clause is built from the reading :mod:`plan` made of the source (the metric as the source
names it, the comparison base, the direction verb, the hedge word) and the fact itself
(value and unit). Words change (年降 -> 同比下降, 增 -> 增长); the meaning does not. Reading
the clause back with :func:`newsdesk.text.facts.figure_facts` gives the fact again (tests
check this round trip).
"""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.text.facts import FigureFact

# The source's comparison base and verb in the desk's words.
_BASES = {
    "年": "同比",
    "较上年同期": "同比",
    "较去年同期": "同比",
    "比上月": "环比",
    "较上月": "环比",
}
_VERBS = {
    "大涨": "上涨",
    "大跌": "下跌",
    "增": "增长",
    "增加": "增长",
    "涨": "上涨",
    "升": "上升",
    "提高": "上升",
    "降": "下降",
    "降低": "下降",
    "减": "减少",
    "跌": "下跌",
    "下滑": "下降",
}


# An index moves: 涨1.26%, 跌0.18% (the desk's market shorthand).
_MARKET_VERBS = {"上涨": "涨", "上升": "涨", "增长": "涨", "下跌": "跌", "下降": "跌"}


@dataclass(frozen=True)
class Reading:
    """How the source states one figure: what ``plan`` found around it."""

    metric: str  # the metric as the source names it (营业总收入, CPI)
    base: str  # 同比, 环比, 较上月 … or ""
    verb: str  # 增长, 下降, 收窄 … or ""
    qualifier: str  # 约, 超过 … before the figure, or 以上 / 左右 after it
    cue: str  # a forecast's words before the metric (市场预期), "" for an actual figure
    verb_first: bool = False  # 下调存款准备金率0.25个百分点: the move before the rate it moves
    basis: str = ""  # 以美元计价: the currency a rate is computed in, when the source names one


@dataclass(frozen=True)
class Statement:
    """A sure fact of one source, ready to be stated."""

    fact: FigureFact
    reading: Reading
    source: int  # the brief's source number, cited [n]
    subject: str
    period: str
    klass: str  # macro | company | market | other (phrases/metrics.toml)


def figure(statement: Statement) -> str:
    fact, reading = statement.fact, statement.reading
    value = f"-{fact.value}" if fact.negative else fact.value  # 归母净利润为-160.69亿元: a loss
    if reading.qualifier in ("以上", "左右"):
        return f"{value}{fact.unit}{reading.qualifier}"
    return f"{reading.qualifier}{value}{fact.unit}"


def base_word(base: str) -> str:
    """A comparison base in the desk's words: 年, 较上年同期 -> 同比."""
    return _BASES.get(base, base)


def clause(statement: Statement, metric_said: bool = False, basis_said: bool = False) -> str:
    """营业总收入为1309.04亿元 / 同比增长6.32% (its metric already said) / 市场预期…为3%;
    ``basis_said``: the clause before named the same basis (以美元计价出口…，进口…)."""
    reading = statement.reading
    if reading.verb_first:
        return f"{reading.verb}{reading.metric}{figure(statement)}"
    base = base_word(reading.base)
    verb = _VERBS.get(reading.verb, reading.verb)
    if statement.klass == "market":
        verb = _MARKET_VERBS.get(verb, verb)
    # 跌224点，收报25630点: an index's close right after its move does not name it again.
    metric = "" if metric_said and (base or verb or statement.klass == "market") else reading.metric
    link = (
        "" if base or verb or reading.qualifier else "收报" if statement.klass == "market" else "为"
    )
    basis = reading.basis if metric and not basis_said else ""  # 10月以美元计价出口同比下降1.1%
    return f"{reading.cue}{basis}{metric}{base}{verb}{link}{figure(statement)}"


def clauses(statements: list[Statement]) -> str:
    """The clauses of one line: a figure's metric is not repeated right after itself."""
    out: list[str] = []
    previous = ("", "")
    for statement in statements:
        # A figure on another basis names its metric again: 以美元计价进口增长1%，以人民币计价
        # 进口同比增长1.4% (a bare "同比增长1.4%" would read as the dollar rate).
        mine = (statement.reading.metric, statement.reading.basis)
        said = mine == previous and not statement.reading.cue
        out.append(clause(statement, said, basis_said=mine[1] == previous[1]))
        previous = mine
    return "，".join(out)


_QUARTERS = {"Q1": "第一季度", "Q2": "第二季度", "Q3": "第三季度", "Q4": "第四季度"}


def period(statement: Statement) -> str:
    """The period in the desk's words: Q3 -> 第三季度."""
    said = statement.period
    for short, long in _QUARTERS.items():
        said = said.replace(short, long)
    return said


def line(statements: list[Statement], lead: str = "") -> str:
    """One story as one sentence: subject + period + clauses + citation."""
    first = statements[0]
    cited = sorted({s.source for s in statements})
    marker = f"[{','.join(map(str, cited))}]"
    return f"{lead}{first.subject}{period(first)}{clauses(statements)}{marker}。"
