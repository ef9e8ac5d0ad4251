"""Fact frames: what each brief source states, as data the composer words in its own sentences.

A frame is one fact of one source: who (subject: a company, institution,
index or sector), what was measured (the metric, canonical form), the figure
with its unit, the change (同比增长, 下调 …), the period (前三季度, 10月 …) and
the event (发布, 中标, 取得 …) with its object. Figures and their metrics come
from :mod:`newsdesk.text.facts`, the same extractor the checks use, so a fact
the composer states is a fact the substance and citation checks recognise.
Sentences without a figure still give an ``event`` frame (取得型号合格证) or,
in research and commentary, a ``view`` (预计 / 认为 / 风险在于 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import jieba.posseg
from rapidfuzz import fuzz

from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.text.facts import (
    FigureFact,
    figure_facts,
    is_finance_term,
    metric_names,
    named_entities,
)
from newsdesk.text.segment import segmenter

_SENTENCE = re.compile(r"[^。！？!?；;\n]+")
_NOTE = re.compile(r"[（(][^（）()]{0,30}[）)]")  # bracketed asides: （演示数据）, (注)
_SPEAKER = re.compile(
    r"^(?:据)?([^，,。：:“”\s]{2,16}?)(?:公告称|公告显示|发布公告称|表示|宣布|披露|发布|称|数据显示|预计|认为|指出)"
)
_ANNOUNCES = re.compile(r"公告|宣布|披露|发布$")
_CHANGE = re.compile(
    r"(同比|环比|较上年同期|较上月|较年初|较上周|较前一交易日)?"
    r"(增长|增加|提升|上升|上涨|上调|提高|扩大|下降|减少|下滑|下跌|回落|下调|降低|收窄|净流入|净流出"
    r"|收涨|收跌|放缓至|回升至|加快至|提升至|下降至|降至|升至)"
    r"(?:了)?(?:约)?$"
)
_PERIOD = re.compile(
    r"(?:\d{4}年)?(?:前[一二三四]季度|[一二三四]季度|第[一二三四]季度|上半年|下半年|全年|年内|今年以来|"
    r"\d{1,2}月(?:份)?(?:末)?|\d{1,2}-\d{1,2}月)|\d{4}年(?:度)?|今年|明年|去年|本周|上周|当日|今日|昨日|隔夜"
)
_CHANGE_BEFORE = re.compile(r"(下调|上调|调降|调升|提高|降低)[^，,。；\d]{0,8}$")
_TENOR = re.compile(r"\d+年期(?:以上|以内)?$")
# 较年初增长12.6%: a change against a base; the figure measures the metric stated before it.
_AGAINST = re.compile(
    r"(较(?:年初|上月|上月末|上周|上年同期|去年同期|上年末|上一交易日|前一交易日|上季度)"
    r"(?:增长|增加|上升|上涨|提升|下降|减少|下滑|下跌|回落|收窄|扩大|放量|缩量|下调|上调)"
    r"|(?:比|较)(?:上年同期|去年同期|上月|上年)(?:多增|少增|多|少))(?:约)?$"
)
_JUNK_METRIC = re.compile(r"以来|已有|共有|累计有|其中|合计$")
_SHARE = re.compile(r"占(?!比)([^，,。；\d]{2,12}?)的?(?:比重|比例)?(?:约|为|达)?$")
_ACTION = re.compile(r"(释放|投放|新增|实现|募集|回购|中标|签订|签署|获得|发行|计提|派发|投资)$")
_ABOUT = re.compile(r"约|超过|逾|近|超")
_EVENT = re.compile(
    r"(发布|宣布|中标|签署|签订|获得|取得|获批|下调|上调|成立|揭牌|披露|推出|启动|完成|批准|印发|出台|"
    r"落地|增持|减持|回购|维持|给予|首次覆盖|上市|收购|投产|交付|通过|公布)"
)
_VIEW = re.compile(
    r"预计|预测|测算|认为|判断|有望|评级|建议关注|关注|风险在于|警惕|需警惕|不及预期"
)
# 降准点评：… names a column, not a subject
_COLUMN = re.compile(
    r"(点评|解读|深度|跟踪|梳理|前瞻|观察|速递|快讯|专题|周报|月报|综述|动向|早知道)$"
)
_FORECAST = re.compile(r"预计|预测|测算|有望|目标")
_PRONOUN = re.compile(r"^(我们|公司|本公司|其|该公司|他们)$")
_RISK = re.compile(r"风险(?!偏好)|警惕|不及预期|不确定")
_RATING = re.compile(r"(买入|增持|推荐|强烈推荐|中性|持有|减持|跑赢行业|优于大市)评级")
_DISCLAIMER = re.compile(r"免责声明|不构成任何?投资建议|仅供参考")
_COUNTS = frozenset(
    ["架", "台", "辆", "艘", "家", "个", "项", "只", "套", "款", "部", "座", "份", "件", "笔", "条"]
)
REPORT = "报告"
# 人民币贷款增加6800亿元: a currency names what is counted, not who did it
_CURRENCIES = frozenset(["人民币", "美元", "欧元", "日元", "港元", "港币"])
_APPROX = ("超过", "逾", "近", "约", "超")
_NOUNISH = ("n", "nz", "nt", "nr", "ns", "vn", "eng", "j", "nrt", "nrfg", "an")

KINDS = ("market", "macro", "earnings", "policy", "order", "view", "figure", "event")
_KIND_WORDS = {
    "market": (
        "指数",
        "成交额",
        "成交",
        "北向",
        "南向",
        "板块",
        "涨停",
        "收盘",
        "主力资金",
        "两市",
    ),
    "macro": (
        "CPI",
        "PPI",
        "价格指数",
        "采购经理",
        "GDP",
        "PMI",
        "M2",
        "M1",
        "社融",
        "社会融资",
        "工业增加值",
        "社会消费品",
        "出口",
        "进口",
        "固定资产投资",
        "外汇储备",
        "失业率",
    ),
    "earnings": (
        "营业收入",
        "营收",
        "净利润",
        "归母",
        "扣非",
        "毛利率",
        "净利率",
        "每股收益",
        "ROE",
        "经营现金流",
        "业绩",
    ),
    "policy": (
        "准备金",
        "LPR",
        "利率",
        "降准",
        "降息",
        "逆回购",
        "MLF",
        "专项债",
        "政策",
        "印花税",
    ),
    "order": ("订单", "合同", "中标", "项目", "采购", "签约", "交付"),
}


@dataclass(frozen=True)
class Fact:
    """One fact of one source; ``figure`` is empty for events and views."""

    source: int
    kind: str
    subject: str
    metric: str = ""
    figure: str = ""
    change: str = ""
    action: str = ""  # the verb before the metric: 释放 in 释放长期资金约5000亿元
    about: bool = False  # the source gives the figure as approximate (约, 超过)
    owner: str = ""  # what a share belongs to: 关节模组与减速器 in …合计约占整机成本的45%
    period: str = ""
    event: str = ""
    obj: str = ""
    claim: str = ""  # a view or risk, as a short clause (quoted when stated)
    position: int = 0  # order in the source: the lead fact comes first
    terms: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> tuple[str, str]:
        """Two sentences or sources stating the same fact share this key."""
        return (self.kind if not self.figure else "", self.figure or self.obj or self.claim[:12])


@cache
def _pos() -> jieba.posseg.POSTokenizer:
    # The desk's segmenter carries the finance dictionary: company and sector words stay whole.
    return jieba.posseg.POSTokenizer(segmenter()._jieba)


def clean(text: str) -> str:
    """Source text without bracketed asides and disclaimers."""
    text = _NOTE.sub("", text)
    return "\n".join(line for line in text.splitlines() if not _DISCLAIMER.search(line))


def sentences(text: str) -> list[str]:
    return [s.strip(" ，,：:") for s in _SENTENCE.findall(clean(text)) if len(s.strip()) >= 4]


def _kind_of(text: str, default: str) -> str:
    for kind in ("macro", "earnings", "policy", "order", "market"):
        if any(word in text for word in _KIND_WORDS[kind]):
            return kind
    return default


def _subject(sentence: str, before: int, title_subject: str) -> str:
    """The sentence's speaker, else the named entity nearest before ``before``, else the title's."""
    speaker = _SPEAKER.match(sentence)
    if speaker and not speaker.group(1).isdigit():
        found = speaker.group(1).lstrip("其")
        return title_subject if _PRONOUN.match(found) or not found else found
    names = [
        (sentence.rfind(name, 0, before), name)
        for name in named_entities(sentence)
        if len(name) >= 3 and name not in _CURRENCIES and sentence.rfind(name, 0, before) >= 0
    ]
    if names:
        return max(names, key=lambda pair: (pair[0], len(pair[1])))[1]
    known = [
        t
        for t in segmenter().terms(sentence[:before])
        if len(t) >= 3 and segmenter().is_known(t) and not is_finance_term(t)
    ]
    known = [t for t in known if t not in _CURRENCIES]
    return known[0] if known else title_subject


def title_subject(title: str) -> str:
    """``某银行：前三季度…`` names its subject before the colon; else the first named entity."""
    head, sep, _ = title.partition("：")
    if sep and 2 <= len(head) <= 16 and not re.search(r"\d", head) and not _COLUMN.search(head):
        return head
    names = sorted(named_entities(title), key=lambda name: title.find(name))
    return names[0] if names else ""


def _object(tail: str) -> str:
    """The noun phrase right after an event verb (取得|型号合格证), with a rating that follows it."""
    words: list[str] = []
    tokens = [(p.word, p.flag) for p in _pos().cut(tail)]
    for index, (word, flag) in enumerate(tokens):
        last = index + 1 == len(tokens) or tokens[index + 1][0] in "，,。；;、"
        hanzi = flag == "x" and re.fullmatch(r"[\u4e00-\u9fff]{2,}", word)
        if flag.startswith(_NOUNISH) or flag in ("m", "q", "mq", "b") or word in _APPROX or hanzi:
            words.append(word)
        elif words and last and flag.startswith("v") and len(word) == 2:
            words.append(word)  # 认证, 批复: a verb closing the phrase names the thing
        elif words or word in "，,。；;":
            break
    while words and (
        words[-1] in _APPROX or not re.search(r"[^\d.一二两三四五六七八九十百千万亿]", words[-1])
    ):
        words.pop()
    phrase = "".join(words)
    rated = _RATING.match(tail[tail.find(phrase) + len(phrase) :]) if phrase else None
    if rated:
        phrase += rated.group(0)
    return phrase if 2 <= len(phrase) <= 20 else ""


def _verb_end(word: str) -> str:
    """The verb a would-be metric ends with: 开展 in 央行开展 (the extractor took the words
    before a figure); "" for real metrics such as 出口 or 增速."""
    if is_finance_term(word) or len(word) < 2:
        return ""
    tagged = list(_pos().cut(word))
    last = tagged[-1] if tagged else None
    if last and last.flag in ("v", "vd") and len(last.word) >= 2 and not is_finance_term(last.word):
        return last.word
    return ""


def _surface(sentence: str, metric: str, before: int) -> str:
    """The metric as the source spells it nearest before the figure (CPI, 归母净利润)."""
    folded = sentence.lower()
    found = [
        (folded.rfind(name, 0, before), name)
        for name in metric_names(metric)
        if name and folded.rfind(name, 0, before) >= 0
    ]
    if not found:
        return metric
    start, name = max(found, key=lambda pair: (pair[0] + len(pair[1]), len(pair[1])))
    return _qualifier(sentence[:start]) + sentence[start : start + len(name)]


def _qualifier(before: str) -> str:
    """What narrows a metric right before it: 1年期 LPR, 对东盟 出口, 全年出口 增速."""
    tenor = _TENOR.search(before)
    if tenor:
        return tenor.group(0)
    towards = re.search(r"对[\u4e00-\u9fff]{1,6}$", before)
    if towards:
        return towards.group(0)
    tokens = list(_pos().cut(before[-8:]))
    if tokens and tokens[-1].flag in ("n", "vn", "nz", "j") and len(tokens[-1].word) >= 2:
        return tokens[-1].word
    return ""


def _figure_fact(
    number: int, sentence: str, fig: FigureFact, subject: str, position: int, previous: str = ""
) -> Fact | None:
    if "分别" in sentence:
        return None  # 分别为 lists pair figures with periods the frame cannot keep apart
    before = sentence[: fig.start]
    against = _AGAINST.search(before)
    clause = re.split(r"[，,；;]", before)[-1]
    if against and fig.metric and fig.metric in clause[: against.start() - len(before)]:
        previous = fig.metric  # 成交额较上一交易日放量48亿元: the clause names its own metric
    if against and previous:
        return Fact(
            source=number,
            kind=_kind_of(previous, "") or _kind_of(sentence, "figure"),
            subject=subject,
            metric=previous,
            figure=f"{fig.value}{fig.unit}",
            change=against.group(1),
            position=position,
            terms=frozenset(segmenter().terms(sentence)),
        )
    if not fig.metric or fig.metric in named_entities(sentence) or _JUNK_METRIC.search(fig.metric):
        return None
    # 11月政府债券净融资: a date's unit is no part of the metric
    metric = re.sub(
        r"^[年月日](?=[\u4e00-\u9fffA-Za-z]{2})", "", _surface(sentence, fig.metric, fig.start)
    )
    if metric.endswith("占") and f"{metric}比" in before:
        metric += "比"  # 外贸航线占比提升至71%: the metric is the share itself
    verb = _verb_end(metric)
    thing = _object(sentence[fig.end :]) if verb else ""
    if thing:  # 开展1500亿元逆回购: the verb leads, the thing follows the figure
        metric = f"{verb}{fig.value}{fig.unit}{thing}"
    elif fig.unit in _COUNTS and metric not in before and sentence[fig.end :].startswith(metric):
        # 已获得80架意向订单: the count leads its thing; the verb before says who got it
        act = _ACTION.search(before) or _EVENT.search(before[-4:])
        if not (act and before.endswith(act.group(1))):
            return None  # 已有7家材料企业…: a count with no act says nothing by itself
        metric = f"{act.group(1)}{fig.value}{fig.unit}{metric}"
    elif fig.unit in _COUNTS and metric in before:
        # 新机型已获得80架订单: a count names its thing after it; keep the phrase whole
        gap = before[before.rfind(metric) + len(metric) :]
        thing = _object(sentence[fig.end :])
        if thing and len(gap) <= 6:
            metric = f"{metric}{gap}{fig.value}{fig.unit}{thing}"
    action = _ACTION.search(sentence[: max(0, before.rfind(metric))]) if metric in before else None
    share = _SHARE.search(before)
    owner = ""
    if share:  # 占上年营业收入的12%: a ratio to the metric, not the metric itself
        metric, action = share.group(1), share
        clause = re.split(r"[，,；;：:]", before[: share.start()])[-1]
        owner = re.sub(r"(合计|共计|总计|约|共|大约)+$", "", clause)
        owner = owner if 2 <= len(owner) <= 12 else ""
    change = _CHANGE.search(before)
    if (
        change
        and change.group(2)[:2]
        and metric.endswith(change.group(2)[:2])
        and metric != change.group(2)[:2]
    ):
        metric = metric[:-2]  # 增速放缓至8%: the metric is 增速, 放缓至 its change
    if not change and metric in before:  # 下调金融机构存款准备金率0.5个百分点
        change = _CHANGE_BEFORE.search(before[: before.rfind(metric)])
    periods = _PERIOD.findall(sentence[: fig.start])
    kind = _kind_of(fig.metric, "") or _kind_of(sentence, "figure")
    if _FORECAST.search(before):
        kind = "view"  # a forecast is the source's view, worded as one
    if re.fullmatch(r"[\u4e00-\u9fff]{2,8}板块", metric):
        subject = ""  # 煤炭板块下跌1.8%: a sector move names its own subject
    return Fact(
        source=number,
        kind=kind,
        subject=subject if subject != fig.metric else "",
        metric=metric,
        action="占" if share else action.group(1) if action else "",
        owner=owner,
        about=bool(_ABOUT.search(before[-3:])),
        figure=f"{fig.value}{fig.unit}",
        change="".join(g for g in change.groups() if g) if change else "",
        period=periods[-1] if periods else "",
        position=position,
        terms=frozenset(segmenter().terms(sentence)),
    )


def _claim(sentence: str) -> tuple[str, str]:
    """A view or finding as (speaker, clause): the clause is what gets quoted."""
    speaker = _SPEAKER.match(sentence)
    if speaker:
        # 多家机构点评认为: the speaker is 多家机构, 点评 is what they wrote
        name = re.sub(r"(?<=..)(点评|研报|分析|报告|观点)$", "", speaker.group(1))
        return ("" if _PRONOUN.match(name) else name), sentence[speaker.end() :].lstrip("，,：: ")
    return "", sentence


def _sentence_facts(
    source: BriefSource, sentence: str, position: int, subject_of_title: str
) -> list[Fact]:
    """The facts of one sentence: its figures; else an event of a named subject; else a view."""
    if source.kind == "page":
        # 我们预计: the report speaks. Not the institute's name: the cited text does not
        # contain it, so a sentence naming it would not be supported by its source.
        subject_of_title = REPORT
    figures = figure_facts(sentence)
    if figures:
        found: list[Fact] = []
        for fig in figures:
            subject = _subject(sentence, fig.start, subject_of_title)
            if source.kind == "page":
                # Research states market facts too; its forecasts are the report's own.
                if _FORECAST.search(sentence[: fig.start]):
                    subject = REPORT
                elif subject not in sentence:
                    subject = ""
            previous = found[-1].metric if found else ""
            fact = _figure_fact(source.number, sentence, fig, subject, position, previous)
            if fact:
                found.append(fact)
        return found
    terms = frozenset(segmenter().terms(sentence))
    event = _EVENT.search(sentence)
    speaker = _SPEAKER.match(sentence)
    if speaker and not _ANNOUNCES.search(speaker.group(0)):
        event = None  # X表示/认为…: what follows is a view, not the speaker's own act
    if event and source.kind != "page":
        names = named_entities(sentence[: event.start()])
        subject = speaker.group(1) if speaker else _subject(sentence, event.start(), "")
        obj = _object(sentence[event.end() :])
        if obj and subject and (speaker or (subject in names and len(subject) >= 3)):
            return [
                Fact(
                    source.number,
                    "event",
                    subject,
                    event=event.group(1),
                    obj=obj,
                    position=position,
                    terms=terms,
                )
            ]
    said_by, clause = _claim(sentence)
    if not 6 <= len(clause) <= 48 or position == 0:
        return []
    # In research every sentence is a finding; in news only views, and the lead as reported.
    if source.kind != "page" and not _VIEW.search(sentence) and position != 1:
        return []
    kind = "view" if source.kind == "page" or _VIEW.search(sentence) else "report"
    return [
        Fact(
            source.number,
            kind,
            said_by or (REPORT if source.kind == "page" else ""),
            claim=clause,
            event="风险" if _RISK.search(sentence) else "观点",
            position=position,
            terms=terms,
        )
    ]


def source_facts(source: BriefSource) -> list[Fact]:
    """Every fact of one source: figures with their metric, events, views (research findings)."""
    subject_of_title = title_subject(source.title)
    body = source.text
    if body.startswith(source.title):
        body = body[len(source.title) :]
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for position, sentence in enumerate(sentences(body), start=1):
        for fact in _sentence_facts(source, sentence, position, subject_of_title):
            if fact.key not in seen:
                seen.add(fact.key)
                facts.append(fact)
    if not facts:
        # A headline-only item: its title is all there is to state.
        facts = _sentence_facts(source, source.title, 1, subject_of_title)
    return facts


def rating(source: BriefSource) -> str:
    found = _RATING.search(source.text)
    return found.group(0) if found else ""


@dataclass
class Story:
    """Sources that tell one story: the first is the lead, the others are its evidence."""

    sources: list[BriefSource]
    facts: list[Fact]

    @property
    def lead(self) -> BriefSource:
        return self.sources[0]

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(s.outlet for s in self.sources))


def _same_story(a: BriefSource, b: BriefSource) -> bool:
    if fuzz.ratio(a.title, b.title) >= 70:
        return True
    return bool(a.text and b.text) and fuzz.ratio(clean(a.text), clean(b.text)) >= 85


def stories(brief: Brief, kinds: tuple[str, ...] | None = None) -> list[Story]:
    """The brief's sources grouped into stories (in brief order), each with its facts."""
    out: list[Story] = []
    for source in brief.sources:
        if kinds is not None and source.kind not in kinds:
            continue
        facts = source_facts(source)
        for story in out:
            if any(_same_story(source, other) for other in story.sources):
                story.sources.append(source)
                known = {f.key for f in story.facts}
                story.facts += [f for f in facts if f.key not in known]
                break
        else:
            out.append(Story([source], facts))
    return out
