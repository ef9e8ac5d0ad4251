"""Content determination: the statements one source allows.

A figure is stated only through a fact the extractor is sure of
(:func:`newsdesk.text.facts.figure_facts` over the source in the desk's script) and only when
its clause reads plainly: the metric as the source names it, then only a comparison base, a
direction verb and a hedge word before the figure, nothing but a period, the subject or a
company pronoun before the metric (``前三季度公司实现营业总收入1309.04亿元``). Anything else
— an enumeration, an embedded clause, a figure whose qualifier or direction this reading and
the extractor disagree on, a byline, an intraday or target figure — is left out: a shorter,
right draft beats a fuller one with a wrong figure. A metric needs its subject by class
(phrases/metrics.toml): a company's figures need the company (named with its stock code in
the source, or as the fact's subject in its own clause); national statistics and indices
name themselves. A clause that only continues the statement before it in its sentence (a
change of its metric, an index's close, how far a rate moved, a policy's expected effect) is
stated with that statement's subject and period.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import jieba.posseg

from newsdesk.drafting.brief import BriefSource
from newsdesk.drafting.composer.realise import Reading, Statement
from newsdesk.drafting.composer.wording import metric_classes
from newsdesk.text.facts import FigureFact, figure_facts
from newsdesk.text.normalise import desk_text
from newsdesk.text.sentences import sentence_start, separated
from newsdesk.text.vocabulary import metric_names
from newsdesk.timetable import TradingCalendar

_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n（(）)|\]】—–]| - ")
_BASE = r"同比|环比|年|较上月|比上月|较上年同期|较去年同期|较前一交易日|较上一交易日|较前一日"
_VERB = (
    r"增长|增加|上涨|上升|提高|下降|下跌|下滑|减少|降低|回落|收窄|扩大|净流入|净流出|净买入|"
    r"净卖出|大涨|大跌|增|涨|升|降|跌|减"
)
_TODAY = r"今日|今天|当日|全天|全日|单日|\d{1,2}月\d{1,2}日"
# A market day the source names before the index (2025年最后一个交易日恒指单日跌224点): the
# line keeps the source's own words for it rather than the day the item was published.
MARKET_DAY = re.compile(
    r"(?:\d{4} ?年 ?)?\d{1,2} ?月 ?\d{1,2} ?日|\d{4}年(?:的)?(?:最后一个|首个|第一个)交易日"
)
# 现货黄金以4041.65美元/盎司收盘: a close written after its figure.
_CLOSED_AFTER = ("收盘", "收市", "报收")
_HEDGE = r"约|近|超过|超|逾|不到|不足|接近|不超过|累计"
_BETWEEN = re.compile(
    rf"^(?P<today>{_TODAY})?(?:的)?(?:为|达|达到|收盘报|收报|收盘|收于|报|录得|是|以)?(?P<base>{_BASE})?"
    rf"(?P<verb>{_VERB})?(?:了)?"
    rf"(?:为|至|达)?(?P<q>{_HEDGE})?(?:为|达)?$"
)
_UP = {"增长", "增加", "上涨", "上升", "提高", "扩大", "净流入", "净买入", "大涨", "增", "涨", "升"}
_FORECAST_CUE = re.compile(r"(?:市场)?(?:此前)?(?:预期|预计|预测)$")
_PERIOD = re.compile(
    r"(?:\d{4}年)?(?:Q[1-4]|前[一二三四]季度|第?[一二三四]季度|前\d{1,2}个?月|\d{1,2}-\d{1,2}月份?(?:平均)?|"
    r"\d{1,2}月份?|上半年|下半年|全年)|\d{4}年(?:度)?"
)
# Words that may stand between a clause's start and its metric without changing what it
# measures: the company pronoun and plain reporting verbs.
_FILLER = re.compile(r"中国|全国|我国|内地|大陆|国内|公司|该公司|期内|报告期内|实现|录得|共|\s")
_BYLINE = re.compile(r"记者|图为|资料照片|责任编辑|本报讯|编辑[:：]|来源[:：]|作者")
_LISTED = re.compile(
    r"([\u4e00-\u9fffA-Za-z]{2,8})[（(](?:\d{6}(?:\.S[HZ])?|\d{4,5}\.HK|[036]\d{5})[)）]"
)
_ENDS = re.compile(r"[，,；;。！？!?、\n]|$")
# National statistics are amounts, rates and index readings; 出口201.4万辆 is a sector's.
_MACRO_UNITS = re.compile(r"^(?:%|个百分点|.*元|.*美元|点)$")
_MONTH_FIRST = re.compile(r"(\d{1,2}月份?)(?:为|是)?")
_TENTATIVE = re.compile(r"意向|框架|拟|计划|有望|或将")
_DEFINED = re.compile(r"(?:扣除|剔除|不含)[^，,。；;的]{1,12}的$")
_BASIS = re.compile(r"[以按](美元|人民币|港元|港币|欧元|日元)计")


def _in_currency(unit: str, currency: str) -> bool:
    """Whether an amount's unit names the basis itself (以美元计…900.7亿美元)."""
    if currency == "人民币":
        return unit.endswith("元") and not re.search("美元|港元|欧元|日元", unit)
    return unit.endswith(currency)


def listed_company(text: str) -> str:
    """The company a source names with its stock code: 贵州茅台(600519) -> 贵州茅台; of a run
    of words before the code (中证智能财讯贵州茅台) the word that ends it, with a place name
    before a two-character one."""
    found = _LISTED.search(text)
    if not found:
        return ""
    words = [(t.word, t.flag) for t in jieba.posseg.cut(found.group(1))]
    if not words or len(words[-1][0]) < 2:
        return ""
    name = words[-1][0]
    if len(name) == 2 and len(words) >= 2 and words[-2][1] == "ns":
        name = words[-2][0] + name  # 贵州 + 茅台: a place that starts the company's name
    return name


def _clause_start(text: str, position: int) -> int:
    """Where the clause holding ``position`` starts: after the last clause end before it."""
    return max((m.end() for m in _CLAUSE_END.finditer(text, 0, position)), default=0)


def _statement(
    fact: FigureFact,
    text: str,
    number: int,
    company: str,
    classes: dict[str, str],
    previous: Statement | None = None,
    published: str = "",
    title: str = "",
) -> Statement | None:
    """The fact as a plain statement, or None when it cannot be stated for sure. A clause
    that is only a change (，同比增长6.32%) states the metric of the ``previous`` statement of
    its sentence; a market reading dated 今日 takes the date its source was published
    (``published``, 11月20日) or is not stated."""
    if previous is not None and _RATE_CHANGE.match(fact.metric):
        return _rate_change(fact, text, previous)
    if previous is not None and previous.klass == "policy":
        return _policy_effect(fact, text, previous)
    if fact.unit in _ORDER_UNITS and classes.get(fact.metric) == "event":
        return _acquired(fact, text, number, title)
    klass = classes.get(fact.metric)
    if not (fact.sure and fact.unit and klass) or fact.kind not in ("actual", "forecast"):
        return None
    if fact.negative and klass != "company":
        return None  # a negative rate or flow reads as its direction: stated only as a level
    low = _clause_start(text, fact.start)
    clause = text[low : fact.start]
    if _BYLINE.search(clause):
        return None
    sentence = text[sentence_start(text, fact.start) : fact.start]
    # The basis nearest before the figure governs it: 以美元计价，出口年减1.1%…；以人民币计价，
    # 出口年减0.8%: the second rate is the renminbi one.
    basis = next(reversed(list(_BASIS.finditer(sentence))), None)
    carried = ""
    if basis and fact.unit in ("%", "个百分点"):
        carried = basis.group(0) + ("价" if sentence[basis.end() : basis.end() + 1] == "价" else "")
    elif basis and not _in_currency(fact.unit, basis.group(1)):
        return None  # 以美元计…贸易顺差900.7亿元: an amount whose unit is not its basis
    names = sorted(metric_names(fact.metric), key=len, reverse=True)
    folded = clause.lower()
    spots = [(folded.rfind(n), n) for n in names if n and folded.rfind(n) >= 0]
    if not spots:
        return _change_of(fact, clause, previous)
    at, name = max(spots, key=lambda spot: (spot[0] + len(spot[1]), len(spot[1])))
    between = _BETWEEN.match(clause[at + len(name) :])
    if between is None:
        return None
    if between.group("today") and klass != "market":
        return None  # 今日 dates a market reading; of anything else the line would lose the date
    qualifier = between.group("q") or ""
    after = text[fact.end : fact.end + 2]
    if not qualifier and after in ("以上", "左右"):
        qualifier = after
    closed_after = klass == "market" and after in _CLOSED_AFTER
    if between.group(0).endswith("以") and not closed_after:
        return None  # 以…计 / 以…为: a basis or a means, not a reading
    skipped = after if qualifier == after or (closed_after and between.group(0) == "以") else ""
    rest_of_clause = text[fact.end + len(skipped) :]
    if rest_of_clause and not _ENDS.match(rest_of_clause):
        return None  # 3000点得而复失: the figure is part of a longer phrase, not a reading
    if qualifier != re.sub(r"[为了达]", "", fact.qualifier):
        return None  # the extractor reads the hedge otherwise: not sure
    verb = between.group("verb") or ""
    if fact.negative and (verb or qualifier):
        return None  # 归母净利润-160.69亿元 is stated as written, a level with its sign
    direction = ("up" if verb in _UP else "down") if verb else ""
    if not verb and not qualifier and klass == "other" and fact.kind == "actual":
        moved = _policy_move(fact, clause, number, name)
        if moved is not None:
            return moved
    if direction != fact.direction and not (verb in ("收窄", "扩大", "回落") and fact.direction):
        return None
    # A part that narrows the metric (核心CPI), with the words defining it (扣除食品和能源价格的),
    # belongs to what the line names: stated without them the figure reads as the total's.
    start = at
    for part in fact.parts:
        if clause[:start].endswith(part):
            start -= len(part)
    defined = _DEFINED.search(clause[:start]) if start < at else None
    start = defined.start() if defined else start
    prefix = clause[:start]
    cue = ""
    if fact.kind == "forecast":
        found = _FORECAST_CUE.search(prefix)
        if found is None:
            return None  # a forecast is stated as one, or not at all
        cue, prefix = found.group(0), prefix[: found.start()]
    dated = MARKET_DAY.search(prefix) if klass == "market" else None
    if dated:
        prefix = prefix.replace(dated.group(0), "")
    elif klass == "market":
        dated = MARKET_DAY.match(sentence.strip())  # 2025年10月8日，现货黄金…: the sentence's day
    periods = _PERIOD.findall(prefix)
    subject = ""
    if fact.subject and fact.subject in prefix:
        subject = fact.subject
    rest = _PERIOD.sub("", prefix).replace(subject, "") if subject else _PERIOD.sub("", prefix)
    if company and company in rest:
        subject, rest = company, rest.replace(company, "")
    left = _FILLER.sub("", rest)
    if left and klass in ("macro", "market"):
        return None  # 中国对美出口: a national metric narrowed by words the line would drop
    if (
        subject
        and left
        and len(left) <= 4
        and f"{subject}{left}" in prefix
        and not re.search(_HEDGE, left)
    ):
        subject, left = f"{subject}{left}", ""  # 贵州 + 茅台: the name the fact model cut short
    if left:
        return None  # more than a subject and a period before the metric: not a plain clause
    if klass in ("company", "event"):
        subject = company if company.startswith(subject) else subject  # 北辰 -> 北辰光伏
    if klass == "event" and not subject and previous is not None and previous.klass == "event":
        subject = previous.subject  # …获得120架意向订单，合同金额约36亿元: the same order's
    if klass == "macro" and not _MACRO_UNITS.match(fact.unit):
        klass = "other"
    if klass in ("company", "event", "other") and not subject:
        return None
    said_tentative = previous is not None and _TENTATIVE.search(previous.reading.metric)
    if klass == "event" and _TENTATIVE.search(sentence) and not said_tentative:
        return None  # 意向订单…合同金额约36亿元: a line without 意向 reads as a signed contract
    if klass in ("macro", "market"):
        subject = ""  # the metric names what it measures
    if klass == "market":
        periods = []  # a close is the day's: 11月 before 上证指数 is the date's month
    period = periods[-1] if periods else fact.period if klass not in ("market", "event") else ""
    if klass == "market":
        # 北向资金11月20日净流出 / 今日净流出 or 沪指跌1.38% in an item of 11月20日: a market
        # reading is a day's, and the line says which.
        today = between.group("today") or ""
        if dated:
            period = re.sub(r"\s", "", dated.group(0))
        else:
            period = today if today[:1].isdigit() else _local_date(published)
        if not period:
            return None
    if klass not in ("market", "event") and not _PERIOD.fullmatch(period):
        return None  # a result without its period (or with 上年) reads as another one
    if klass == "market" and not verb and not (skipped or re.search("报|收", between.group(0))):
        return None  # an index level that is not said to be the close may be intraday
    surface = text[low + start : low + at + len(name)]
    if any(part not in surface for part in fact.parts):
        return None  # a sub-category (除汽车以外) stated without its name would read as the total
    reading = Reading(surface, between.group("base") or "", verb, qualifier, cue, basis=carried)
    return Statement(fact, reading, number, subject, period, klass)


def _title_company(title: str, classes: dict[str, str]) -> str:
    """The subject the fact model names for a company figure of the headline itself
    (寒武纪Q3营收同比暴增13倍 -> 寒武纪), when the headline starts with it."""
    head, colon, _ = title.partition("：")
    for fact in figure_facts(title):
        if classes.get(fact.metric) not in ("company", "event"):
            continue
        if colon and 2 <= len(head) <= 8 and fact.start > len(head) and not re.search(r"\d", head):
            return head  # 东岳新能源：前三季度… / 翔云航空科技：意向订单… names it before the colon
        if len(fact.subject) >= 2:
            return fact.subject if title.startswith(fact.subject) else ""
    return ""


_ANNOUNCER = re.compile(
    r"(?:^|[。！？\n，,])\s*([\u4e00-\u9fffA-Za-z]{2,10}?)(?:公告称|发布公告|公告|披露|宣布)"
)


def _local_date(published: str) -> str:
    """An ISO timestamp as the desk's date, 11月20日 ("" when unknown)."""
    if not published:
        return ""
    when = datetime.fromisoformat(published)
    local = TradingCalendar().date_of(when if when.tzinfo else when.replace(tzinfo=UTC))
    return f"{local.month}月{local.day}日"


def _full_name(company: str, text: str) -> str:
    """The company's name as the source announces it (北辰光伏公告称…) when the name found
    is its start (北辰: jieba cut the name short)."""
    if not company:
        return ""
    for found in _ANNOUNCER.finditer(text):
        name = found.group(1)
        if name.startswith(company) and len(name) > len(company):
            return name
    return company


_MOVE = re.compile(
    r"^(?!本次|此次|这次|该次|同时|随后|今日|昨日|目前|此前|近日)"
    r"(?P<who>[\u4e00-\u9fff]{2,8}?)(?:决定|宣布|再次|将)?(?P<verb>下调|上调|调降|调升)"
    r"(?P<what>[\u4e00-\u9fff]{0,6}?)$"
)
_POINT_UNITS = ("个百分点", "百分点", "个基点", "基点", "bp")


def _policy_move(fact: FigureFact, clause: str, number: int, name: str) -> Statement | None:
    """人民银行决定下调金融机构存款准备金率0.25个百分点: a body moves a rate by a step, the verb
    before the rate. Stated the same way round, with the body and the rate's own words."""
    found = _MOVE.match(clause[: clause.lower().rfind(name)])
    if found is None or fact.unit not in _POINT_UNITS:
        return None
    direction = "up" if found.group("verb") in ("上调", "调升") else "down"
    if direction != fact.direction:
        return None
    surface = found.group("what") + clause[clause.lower().rfind(name) :]
    reading = Reading(surface, "", found.group("verb"), "", "", verb_first=True)
    return Statement(fact, reading, number, found.group("who"), "", "policy")


def _change_of(fact: FigureFact, clause: str, previous: Statement | None) -> Statement | None:
    """，同比增长6.32%: the change of the metric stated just before, in the same sentence;
    ，9月为年跌0.3%: the same change of another month (the month named, the metric's)."""
    if previous is None or previous.fact.metric != fact.metric:
        return None
    month = _MONTH_FIRST.match(clause)
    when = month.group(1) if month else previous.period
    if month and (previous.klass != "macro" or not _PERIOD.fullmatch(previous.period)):
        return None  # another month of a national statistic only
    between = _BETWEEN.match(clause[month.end() :] if month else clause)
    if between is None:
        return None
    if not between.group("verb"):
        return _close_of(fact, between.group(0), previous)
    verb = between.group("verb")
    direction = "up" if verb in _UP else "down"
    if direction != fact.direction or (between.group("q") or "") != re.sub(
        r"[为了达]", "", fact.qualifier
    ):
        return None
    reading = Reading(
        previous.reading.metric, between.group("base") or "", verb, between.group("q") or "", ""
    )
    return Statement(fact, reading, previous.source, previous.subject, when, previous.klass)


_RATE_CHANGE = re.compile(r"^(?:降幅|涨幅|增幅|跌幅|增速)$")
_RATE_MOVE = re.compile(
    r"^(?P<metric>降幅|涨幅|增幅|跌幅|增速)(?P<base>比上月|较上月|比上年|较上年|比上季度|较上季度)"
    r"(?P<verb>收窄|扩大|加快|放缓|回落|提高|上升|下降)$"
)
_WIDER = {"扩大", "加快", "提高", "上升"}


def _rate_change(fact: FigureFact, text: str, previous: Statement) -> Statement | None:
    """PPI同比下降2.1%，降幅比上月收窄0.2个百分点: how far the rate just stated moved, in
    points, in the source's own words; stated only right after that rate, in its sentence."""
    if previous.fact.unit != "%" or fact.unit not in _POINT_UNITS or not fact.sure:
        return None
    low = _clause_start(text, fact.start)
    if low != previous.fact.end + 1:
        return None  # not the clause right after the rate
    found = _RATE_MOVE.match(text[low : fact.start])
    if found is None or fact.qualifier or fact.kind != "actual":
        return None
    if ("up" if found["verb"] in _WIDER else "down") != fact.direction:
        return None
    reading = Reading(found["metric"] + found["base"], "", found["verb"], "", "")
    return Statement(
        fact, reading, previous.source, previous.subject, previous.period, previous.klass
    )


_ORDER_UNITS = ("架", "台", "辆", "艘", "套")
_ACQUIRED = re.compile(
    r"^(?:其|公司|该公司)?(?P<what>[\u4e00-\u9fffA-Za-z0-9]{0,8}?)(?:已经|已)?"
    r"(?P<verb>获得|签下|斩获|拿下|收到)$"
)
_SAYS = r"(?:表示|称|公告称|披露|宣布)"


def _acquired(fact: FigureFact, text: str, number: int, title: str) -> Statement | None:
    """翔云航空科技表示，其eVTOL机型已获得120架意向订单: an order counted before its noun,
    stated with the noun as the source words it (意向 kept) and the company that announced
    it: its 其 resolves to the sentence's announcer, named in the headline too (业内人士表示
    names nobody), or nothing is stated."""
    low = _clause_start(text, fact.start)
    found = _ACQUIRED.match(text[low : fact.start])
    sentence = text[sentence_start(text, fact.start) : low]
    says = re.match(rf"\s*(?P<name>[\u4e00-\u9fffA-Za-z]{{2,12}}?){_SAYS}", sentence)
    if found is None or says is None or says["name"] not in title:
        return None
    company = says["name"]
    rest = text[fact.end :]
    if not rest.startswith(fact.metric) or not _ENDS.match(rest[len(fact.metric) :]):
        return None  # 120架意向订单中的…: the count is part of a longer phrase
    if fact.qualifier or fact.kind != "actual" or fact.negative:
        return None
    reading = Reading(fact.metric, "", found["what"] + found["verb"], "", "", verb_first=True)
    return Statement(fact, reading, number, company, "", "event")


_EFFECT = re.compile(
    rf"^(?P<cue>预计|预期)(?P<verb>释放|投放|降低|减少|节约)(?P<what>[\u4e00-\u9fff]{{2,6}}?)"
    rf"(?P<q>{_HEDGE})?$"
)


def _policy_effect(fact: FigureFact, text: str, previous: Statement) -> Statement | None:
    """下调存款准备金率0.25个百分点，预计释放长期资金约5000亿元: what a policy move is expected
    to do, in the next clause of its sentence, stated as the forecast it is (预计 kept)."""
    low = _clause_start(text, fact.start)
    found = _EFFECT.match(text[low : fact.start])
    if low != previous.fact.end + 1 or found is None or fact.kind != "forecast":
        return None
    if not fact.sure or (found["q"] or "") != re.sub(r"[为了达]", "", fact.qualifier):
        return None
    reading = Reading(found["verb"] + found["what"], "", "", found["q"] or "", found["cue"])
    return Statement(fact, reading, previous.source, previous.subject, "", "policy")


def _close_of(fact: FigureFact, between: str, previous: Statement) -> Statement | None:
    """，收报25630点: the close of the index whose move was stated just before, on its day."""
    if previous.klass != "market" or fact.direction or fact.qualifier or "收" not in between:
        return None
    reading = Reading(previous.reading.metric, "", "", "", "")
    return Statement(fact, reading, previous.source, previous.subject, previous.period, "market")


def source_statements(
    source: BriefSource, script: str = "simplified", desk_dirs: tuple[Path, ...] = ()
) -> list[Statement]:
    """The statements one source allows: its headline's, then its text's, each in its order
    (a figure stated twice, once)."""
    text = desk_text(source.text or source.title, script)
    title = desk_text(source.title, script)
    classes = metric_classes(desk_dirs)
    company = listed_company(text) or listed_company(title) or _title_company(title, classes)
    company = _full_name(company, text)
    out: list[Statement] = []
    seen: dict[tuple[str, str, str, str], int] = {}  # figure -> its place in ``out``
    for part in dict.fromkeys((title, text)):
        previous: Statement | None = None
        for fact in figure_facts(part):
            if previous is not None and separated(part, previous.fact.end, fact.start):
                previous = None
            statement = _statement(
                fact,
                part,
                source.number,
                company,
                classes,
                previous,
                source.published or "",
                title,
            )
            previous = statement
            if statement is None:
                continue
            key = figure_key(statement)
            if key not in seen:
                seen[key] = len(out)
                out.append(statement)
            elif statement.reading.basis and not out[seen[key]].reading.basis:
                out[seen[key]] = statement  # the headline's 出口年降1.1% is the text's 以美元计价
    return out


def figure_key(statement: Statement) -> tuple[str, str, str, str]:
    """One figure: 同比上涨0.2% and 环比上涨0.2% of one metric are two."""
    base = statement.reading.base
    return (statement.fact.metric, str(statement.fact.amount()), statement.fact.base_unit, base)
