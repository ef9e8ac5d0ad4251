"""What the words around a figure say about it: qualifier, direction, kind, period, part.

``超700万辆`` is not ``约700万辆``; ``市场预期425亿元`` is not revenue of 425亿元;
``盘中最高2804点`` is not the close; ``除汽车以外的消费品零售额增长4.9%`` is not
the growth of retail sales. These readings are what a figure fact carries
beside its value and unit (``facts.FigureFact``). The words are data
(``data/fact_cues.txt``); this module only applies them: the cue closest to
the figure, within its clause or sentence, wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsdesk.text.sentences import own_clause
from newsdesk.text.vocabulary import read_sections

CUES_FILE = Path(__file__).parent / "data" / "fact_cues.txt"
KINDS = ("actual", "forecast", "target", "threshold", "intraday", "other")
# Words between a hedge and its figure: 约为, 超过了, 达到近.
_GLUE = ("为", "了", "达", "至", "到", "是", "在", "有", "的", "再")
# 较10月, 比二季度末, 相比上月: a comparison's base, not the figure's own period.
_COMPARED = re.compile(r"(?:较|比|相比|相较|对比|较之)(?:上年|去年)?$")
_CLAUSE_END = re.compile(r"[，,：:；;。]")
_REPORTING = frozenset({"称", "表示", "认为", "指出", "显示", "说", "提到"})
_PERIOD = re.compile(
    r"(?:\d{4}年)?(?:前\d{1,2}个?月|前[一二三四]季度|第?[一二三四]季度|[一二三四]季末|"
    r"(?<![A-Za-z0-9])(?:[1-4]Q\d{2}|Q[1-4])(?!\d)|"
    r"\d{1,2}-\d{1,2}月份?(?:平均)?|\d{1,2}月份?|上半年|下半年|全年|年内|当月|当季|今年|去年|上年|本周|当日|"
    r"今日)"
    r"|\d{4}年(?:度|底|末|初)?"
)


@dataclass(frozen=True)
class Cues:
    qualifiers: dict[str, str]  # word -> its class (the first word of its line)
    after: dict[str, str]  # word written after a figure -> class
    strict: frozenset[str]  # classes whose loss or change alters the fact
    directions: dict[str, str]  # word -> "up" | "down"
    kinds: dict[str, str]  # cue word -> kind, "close" and "actual" included
    part: re.Pattern[str]
    not_qualifiers: tuple[str, ...]  # words that end in a hedge character: 合约, 最近
    modal: tuple[str, ...]  # 可, 将, 拟: a figure stated as possible or future
    longest_qualifier: int  # characters in the longest hedge word, for suffix matching
    pairs: dict[str, tuple[str, str]]  # 产销 -> (产量, 销量): 分别 gives one figure each


@cache
def cues() -> Cues:
    sections = read_sections(CUES_FILE)
    qualifiers = {word: line[0] for line in sections["qualifiers"] for word in line}
    after = {line[0]: qualifiers.get(line[1], line[1]) for line in sections["qualifiers_after"]}
    directions = {w: "up" for line in sections["up"] for w in line}
    directions |= {w: "down" for line in sections["down"] for w in line}
    kinds = {
        word: kind
        for kind in ("forecast", "target", "intraday", "close", "actual")
        for line in sections[kind]
        for word in line
    }
    part = re.compile("|".join(f"(?:{line[0]})" for line in sections["part"]))
    strict = frozenset(qualifiers[w] for line in sections["strict"] for w in line)
    not_qualifiers = tuple(w for line in sections["not_qualifiers"] for w in line)
    modal = tuple(w for line in sections["modal"] for w in line)
    return Cues(
        qualifiers,
        after,
        strict,
        directions,
        kinds,
        part,
        not_qualifiers,
        modal,
        max(map(len, qualifiers)),
        {line[0]: (line[1], line[2]) for line in sections["pairs"]},
    )


def qualifier_class(word: str) -> str:
    """The class of a hedge word (超 -> 超过, 约为 -> 约); "" for none."""
    return cues().qualifiers.get(word, cues().after.get(word, word)) if word else ""


def _suffix_qualifier(text: str) -> str:
    table, words = cues().qualifiers, cues().not_qualifiers
    for size in range(min(cues().longest_qualifier, len(text)), 0, -1):
        word = text[-size:]
        if word in table and not any(text.endswith(w) for w in words):
            return word
    return ""


def qualifier(before: str, after: str) -> str:
    """The hedge written right before a figure (``before`` ends at it) or right after it.

    Stacked hedges are kept whole, outermost first: 累计超过.
    """
    found: list[str] = []
    text = before.rstrip()
    while True:
        word = _suffix_qualifier(text) or _suffix_qualifier(text.rstrip("".join(_GLUE)))
        if not word:
            break
        found.insert(0, word)
        text = text.rstrip("".join(_GLUE)) if not text.endswith(word) else text
        text = text[: -len(word)].rstrip()
    if not found:
        found = [word for word in cues().after if after.startswith(word)][:1]
    return "".join(found)


def qualifier_classes(text: str) -> tuple[str, ...]:
    """The classes of a stacked qualifier: 累计超过 -> (累计, 超过)."""
    out: list[str] = []
    rest = text
    while rest:
        word = next(
            (rest[:size] for size in range(len(rest), 0, -1) if qualifier_class(rest[:size])),
            rest,
        )
        out.append(qualifier_class(word))
        rest = rest[len(word) :]
    return tuple(out)


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _closest(prefix: str, table: dict[str, str]) -> tuple[str, int]:
    """The value of the table word that ends closest to the end of ``prefix``, and where."""
    last = None
    for last in _pattern(tuple(table)).finditer(prefix):  # noqa: B007 - the last match counts
        pass
    return (table[last.group(0)], last.end()) if last else ("", -1)


def direction(clause_before: str) -> str:
    """ "up" / "down" from the change word closest before the figure in its clause, else ""."""
    return _closest(clause_before, cues().directions)[0]


def _governs(text: str, end: int) -> bool:
    """Whether a cue ending at ``end`` leads what follows (德勤预计，… / 预测显示：…)
    rather than sitting inside a phrase of its own clause (受供应收紧预期推动，…)."""
    rest = _CLAUSE_END.split(text[end:], maxsplit=1)[0].strip()
    return not rest or rest in _REPORTING


def kind(since_previous: str, clause_before: str, after: str, sentence_before: str = "") -> str:
    """actual / forecast / target / threshold / intraday for a figure.

    ``since_previous`` is the sentence's text from the figure before (or the sentence
    start) to this one: a forecast or target cue holds there when it is in the
    figure's own clause or leads the clauses after it (德勤预计，明年集资2863亿港元);
    a result cue closer to the figure (实现, 收报) wins. When nothing there is a cue and the
    figure's clause names no period (its own, or one it is compared with), a cue that leads
    the whole sentence (``sentence_before``, its text up to the figure after its last ；)
    frames this figure too: 德勤预计，…114只新股上市，集资额为2863亿港元 forecasts both,
    where 营收预计增长10%，净利润增长8% forecasts only the first, and …，2024年为88只 or
    …，较去年的88只 state a past result. Intraday cues hold within the clause.
    """
    table = cues().kinds
    in_clause, _ = _closest(clause_before, table)
    if in_clause in ("intraday", "close"):
        return "intraday" if in_clause == "intraday" else "actual"
    if in_clause in ("forecast", "target"):
        return in_clause
    found, end = _closest(since_previous, table)
    if not found and not _PERIOD.search(clause_before):
        found, end = _closest(sentence_before, table)
        since_previous = sentence_before
    if found in ("forecast", "target") and _governs(since_previous, end):
        return found
    if after.startswith(("关口", "大关", "关")):
        return "threshold"
    return "actual"


def period(sentence_before: str) -> str:
    """The last period named before the figure in its clause (``sentences.own_clause``:
    after the sentence's last ；): 10月, 前三季度, 2025年; "" when the clause names none.

    Not the last one before the ；: writers put a comparison there (10月出口下降1.1%，9月则为
    增长8.3%；进口增速放缓至1%: 10月's, not 9月's), and not the first the sentence names:
    that is often the day of the report (国家统计局11月9日发布数据，10月份…；核心CPI…).
    A figure whose clause names no period is compared without one (precision first).
    """
    clause = own_clause(sentence_before)
    found = [
        m
        for m in _PERIOD.finditer(clause)
        if not _COMPARED.search(clause, max(0, m.start() - 3), m.start())
    ]
    return found[-1].group(0) if found else ""


_CHINESE_QUARTER = {"一": "1", "二": "2", "三": "3", "四": "4"}
_MONTHS_OF_QUARTERS = {"1": "1-3", "2": "1-6", "3": "1-9", "4": "1-12"}


def period_key(said: str) -> str:
    """A period in one spelling, to compare a draft's with its source's: 10月份 and
    2025年10月 -> M10; 1-10月, 1-10月平均, 前10个月 -> M1-10; 前三季度 -> M1-9; Q3, 第三季度, 3Q25 -> Q3;
    "" for what has no month or quarter (全年, 今年, a year alone)."""
    said = said.split("年", 1)[-1] if re.match(r"\d{4}年.", said) else said
    if found := re.fullmatch(r"(\d{1,2})-(\d{1,2})月份?(?:平均)?", said):  # 1-10月平均
        return f"M{int(found[1])}-{int(found[2])}"
    if found := re.fullmatch(r"前(\d{1,2})个?月", said):
        return f"M1-{int(found[1])}"
    if found := re.fullmatch(r"前([一二三四])季度", said):
        return f"M{_MONTHS_OF_QUARTERS[_CHINESE_QUARTER[found[1]]]}"
    if found := re.fullmatch(r"(\d{1,2})月份?", said):
        return f"M{int(found[1])}"
    if found := re.fullmatch(r"第?([一二三四])季度|Q([1-4])|([1-4])Q\d{2}", said):
        return f"Q{_CHINESE_QUARTER.get(found[1] or '', found[2] or found[3] or found[1])}"
    return ""


def parts(text: str) -> tuple[str, ...]:
    """What in ``text`` narrows a figure to a part of a total: 除汽车以外, 扣非, 家电类."""
    return tuple(dict.fromkeys(m.group(0) for m in cues().part.finditer(text)))
