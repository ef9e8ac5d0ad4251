"""The offline composer: a briefing written from the brief's fact frames, with no model and no key.

It reads each source as facts (:mod:`newsdesk.drafting.frames`) and states
them in the desk's own sentence patterns — several per fact type, chosen by a
hash of the draft (day, slot, segment, attempt), so two slots with the same
sources read differently — one story per paragraph, every fact sentence
cited [n]. Each kind has its own structure (早报, 观点, 收盘总结 …, below);
the persona, the slot's tier and the audience segment shape the wording. The
day's other drafts are passed in: a sentence one of them already says is
worded another way, and facts they already state come last. The draft is then
run through the desk's checks (:func:`run_checks`); a sentence they fault is
reworded, then dropped, never kept. An editor's note (or a breaking-news
focus) steers the draft: its terms pick and lead the facts, and 更短 / 更长 /
换个角度 change the structure. The text carries no machine label: the queue
shows the provider instead.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from newsdesk.checks.report import CheckReport, run_checks
from newsdesk.checks.units import MARKER, Sentence, sentences
from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.frames import REPORT, Fact, Story, rating, stories
from newsdesk.drafting.llm import Completion, DraftRequest
from newsdesk.text.facts import figure_facts, mentions_metric
from newsdesk.text.segment import segmenter
from newsdesk.timetable import TradingCalendar

_WEEKDAYS = "一二三四五六日"
_DIGITS = "零一二三四五六七八九"
_SHORTER = re.compile(r"更短|短一些|精简|简短|压缩|少写")
_LONGER = re.compile(r"更长|长一些|展开|详细|多写|充实")
_ANGLE = re.compile(r"换个?角度|另一个角度|换种写法|换个写法|视角")
_STEERING = frozenset(
    [
        "更短",
        "更长",
        "精简",
        "简短",
        "压缩",
        "展开",
        "详细",
        "充实",
        "角度",
        "视角",
        "写法",
        "重点",
        "突出",
        "关注",
        "聚焦",
        "多写",
        "少写",
        "一些",
        "一点",
        "请",
        "希望",
        "需要",
        "改写",
        "重写",
        "改成",
        "内容",
        "稿件",
        "这篇",
        "部分",
        "加上",
        "增加",
        "补充",
        "强调",
        "侧重",
        "着重",
        "多谈",
        "谈谈",
        "写得",
    ]
)
# The desk's own verb for a source's event verb (取得 -> 拿到): the same fact in its words.
_EVENT_VERBS = {
    "获得": "拿到",
    "取得": "拿到",
    "发布": "推出",
    "中标": "拿下",
    "签署": "签下",
    "签订": "签下",
    "披露": "公布",
    "交付": "完成交付",
}
_VERBISH = re.compile(r"[涨跌增降入出至达报为约]$")
# Short explanations for readers new to the market (新手 segment, 入门 tier).
GLOSSARY = {
    "存款准备金率": "银行必须存放在央行、不能放贷的资金比例",
    "净息差": "银行贷款收益与存款成本之间的差",
    "北向资金": "经沪深港通流入A股的境外资金",
    "同比": "与去年同一时期相比",
    "环比": "与上一个统计周期相比",
    "成交额": "当天买卖成交的总金额",
    "PMI": "采购经理指数，50以上代表扩张",
    "CPI": "居民消费价格指数，衡量物价水平",
    "PPI": "工业生产者出厂价格指数",
    "LPR": "贷款市场报价利率，贷款利率的定价基准",
    "归母净利润": "归属于上市公司股东的净利润",
    "毛利率": "收入扣除直接成本后剩下的比例",
}


def _cn(n: int) -> str:
    """1..99 in Chinese numerals: counts the desk states itself need no citation."""
    if n == 2:
        return "两"
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _DIGITS[tens]}十{_DIGITS[ones] if ones else ''}"


def _cite(fact: Fact) -> str:
    return f"[{fact.source}]"


def _strip_marks(sentence: str) -> str:
    return MARKER.sub("", sentence).strip()


def _said(texts: Iterable[str]) -> set[str]:
    """Every sentence of the given drafts, markers removed: what the day already says."""
    return {_strip_marks(s.text) for text in texts for s in sentences(text) if s.text.strip()}


@dataclass
class Plan:
    """How this draft is to be written: the seed for pattern choice and what the note asks."""

    seed: str
    focus: list[str] = field(default_factory=list)
    length: str = "normal"  # short | normal | long
    angle: bool = False

    @classmethod
    def of(cls, brief: Brief, attempt: int, note: str | None) -> Plan:
        wish = " ".join(n for n in (brief.note, note) if n)
        seg = segmenter()
        focus = [
            t
            for t in dict.fromkeys(seg.terms(wish))
            if t not in _STEERING and not _SHORTER.search(t) and not _LONGER.search(t)
        ]
        length = "short" if _SHORTER.search(wish) else "long" if _LONGER.search(wish) else "normal"
        angle = bool(_ANGLE.search(wish))
        seed = f"{brief.day}|{brief.slot}|{brief.segment}|{attempt}|{angle}"
        return cls(seed, focus, length, angle)

    def pick(self, count: int, *keys: object) -> int:
        digest = hashlib.sha1("|".join(map(str, (self.seed, *keys))).encode()).hexdigest()
        return int(digest[:8], 16) % count


def _metric(fact: Fact) -> str:
    """The metric as the sentence states it: without the subject and period already said."""
    metric = fact.metric
    for said in (fact.subject, fact.period, fact.change):
        if said and said in metric and metric != said:
            metric = metric.replace(said, "")
    return metric.strip("的在了") or fact.metric


def _core(fact: Fact) -> str:
    """净利润同比增长29% / 合同金额为120亿元 / 收盘报3412.35点 / 开展1500亿元逆回购."""
    if fact.figure in fact.metric:
        return fact.metric
    if fact.action == "占":
        return f"{fact.owner}相当于{_metric(fact)}的{fact.figure}"
    metric = f"{fact.action}{_metric(fact)}"
    about = "约" if fact.about else ""
    if fact.change:
        change = fact.change if fact.change not in metric else ""
        return f"{metric}{change}{about}{fact.figure}"
    if about or fact.action or _VERBISH.search(metric):
        return f"{metric}{about}{fact.figure}"
    return f"{metric}{'报' if fact.figure.endswith('点') else '为'}{fact.figure}"


# Sentence patterns per fact kind: {s} subject, {p} period, {c} the figure with its metric,
# {e} event, {o} object, {q} claim, {n} citation. Each list has several wordings.
_FIGURE_PATTERNS = {
    "market": (
        "盘面上，{s}{c}{n}。",
        "从收盘数据看，{s}{c}{n}。",
        "{s}方面，{c}{n}。",
        "看行情数据，{s}{c}{n}。",
    ),
    "macro": (
        "宏观数据方面，{s}公布的{p}数据显示{c}{n}。",
        "{p}的宏观读数出炉：{c}{n}。",
        "先看宏观面，{p}{c}{n}。",
        "从{s}发布的数据看，{p}{c}{n}。",
    ),
    "earnings": (
        "业绩方面，{s}{p}{c}{n}。",
        "{s}交出{p}成绩单，{c}{n}。",
        "从{s}披露的财务数据看，{p}{c}{n}。",
        "{s}的{p}财报显示，{c}{n}。",
    ),
    "policy": (
        "政策面上，{s}{c}{n}。",
        "这次政策的力度：{c}{n}。",
        "具体到数字，{s}{c}{n}。",
        "政策落地的细节是{c}{n}。",
    ),
    "order": (
        "订单方面，{s}{c}{n}。",
        "说到订单，{s}{c}{n}。",
        "订单端，{s}{c}{n}。",
        "{s}这边，{c}{n}。",
    ),
    "view": (
        "按{s}的测算，{p}{c}{n}。",
        "{s}给出的预期是{p}{c}{n}。",
        "{s}预计，{p}{c}{n}。",
        "在{s}看来，{p}{c}{n}。",
        "测算显示，{p}{c}{n}。",
    ),
    "figure": (
        "{s}{p}{c}{n}。",
        "数据方面，{s}{p}{c}{n}。",
        "具体来看，{s}{p}{c}{n}。",
        "{p}{s}的{c}{n}。",
    ),
}
# The next index of a market paragraph: no connective before every index; in this order.
_MARKET_FOLLOW_PATTERNS = (
    "{s}{c}{n}。",
    "同时，{s}{c}{n}。",
    "此外，{s}{c}{n}。",
)
# The same subject's next figure: a plain link word, not a second topic opener (订单方面).
_AGAIN_FIGURE_PATTERNS = (
    "同时，{p}{c}{n}。",
    "此外，{p}{c}{n}。",
    "另外，{p}{c}{n}。",
    "其{p}{c}{n}。",
)
# A snapshot of an earlier trading day in an intraday draft: its 收盘 is not today's.
_EARLIER_MARKET_PATTERNS = (
    "{d}，{s}{c}{n}。",
    "{d}的行情：{s}{c}{n}。",
)
# Any figure, when the wordings of its kind are taken today (one fact recurs across slots).
_GENERAL_PATTERNS = (
    "数据显示，{s}{p}{c}{n}。",
    "再看{s}，{p}{c}{n}。",
    "补充一个数据：{s}{p}{c}{n}。",
    "值得记下的数字是，{s}{p}{c}{n}。",
    "回顾一下，{s}{p}{c}{n}。",
    "{s}方面的最新数字：{p}{c}{n}。",
    "有一组数据可以参考：{s}{p}{c}{n}。",
    "落到数字上，{s}{p}{c}{n}。",
)
_EVENT_PATTERNS = (
    "{s}{e}{o}{n}。",
    "消息面上，{s}{e}了{o}{n}。",
    "{s}方面传来进展：{e}{o}{n}。",
    "值得留意的是，{s}{e}{o}{n}。",
    "{s}最新的动作是{e}{o}{n}。",
)
# Views and findings keep the source's clause (names and terms are the facts), framed and
# attributed by the desk; quotation marks would hide the clause from the substance check.
_VIEW_PATTERNS = (
    "{s}认为，{q}{n}。",
    "{s}的判断是：{q}{n}。",
    "在{s}看来，{q}{n}。",
)
_REPORT_PATTERNS = (
    "据报道，{q}{n}。",
    "有报道提到，{q}{n}。",
    "消息称，{q}{n}。",
)
# The same report again, right after its first sentence: no subject named twice.
_AGAIN_VIEW_PATTERNS = (
    "报告还提到，{q}{n}。",
    "报告同时认为，{q}{n}。",
    "此外，报告指出{q}{n}。",
)
_AGAIN_RISK_PATTERNS = (
    "报告提示的风险是：{q}{n}。",
    "报告也提醒，{q}{n}。",
    "风险方面，报告指出{q}{n}。",
)
_RISK_PATTERNS = (
    "{s}提示的风险是：{q}{n}。",
    "风险方面，{s}提醒，{q}{n}。",
    "{s}同时提醒，{q}{n}。",
)
_GREETINGS = {
    "morning_report": (
        "各位早上好，我是{name}。周{wd}开盘前，先把隔夜要闻和今天的看点梳理一遍。",
        "早上好，{name}为大家带来周{wd}早报：隔夜发生了什么、今天看什么，一次说清。",
        "周{wd}早报来了，我是{name}，下面是开盘前值得知道的几件事。",
    ),
    "viewpoint": (
        "今天只聊一个话题：{topic}。",
        "今天的独家观点，我想专门说说{topic}。",
        "{topic}是今天讨论最多的方向，我把自己的看法整理如下。",
    ),
    "intraday": (
        "{title}：盘中简要跟踪一下消息面和盘面。",
        "{title}：我是{name}，盘中有几条信息值得同步。",
        "{title}：趁盘中，把最新的变化和稍后的安排告诉大家。",
    ),
    "interaction": (
        "今天的群内互动，从一条新消息说起。",
        "午间聊一个轻松但有料的话题。",
        "来一次群内小讨论，先看背景。",
    ),
    "close_summary": (
        "收盘了，我是{name}，复盘一下今天的市场。",
        "今日收盘总结：先看数据，再看主线。",
        "{name}的收盘复盘，三分钟看完今天的市场。",
    ),
    "promo": (
        "内容预告：今晚的解读聚焦{topic}。",
        "预告一下，今晚我们专门拆解{topic}。",
        "今晚的直播解读，主题定为{topic}。",
    ),
    "research_digest": (
        "投研资讯·研报精选：今天挑出几篇研究，用几句话讲清它们的核心判断。",
        "晚间研报精选，我是{name}，以下是今天值得一读的研究。",
        "今日研报精选，每篇只讲结论、关键数字和风险。",
    ),
    "weekly_summary": (
        "每周干货总结：这一周最重要的几条主线，以及一个实用的观察框架。",
        "本周复盘，我是{name}，先回顾主线，再给一个观察方法。",
    ),
    "breaking": (
        "突发事件解读：先说清发生了什么，再看影响路径。",
        "有一条突发消息需要第一时间解读。",
    ),
}
# The desk's reasoning, by the kind of facts a topic rests on; none states a figure.
_REASONING = {
    "order": (
        "订单和认证只是起点，真正决定持续性的是交付节奏和收入确认。",
        "意向订单到实际收入之间还有不少环节，交付进度是最关键的验证点。",
        "订单能否转化为利润，要看产能爬坡和成本下降的速度。",
        "拿到订单之后，市场会转而关注毛利水平和回款质量。",
    ),
    "event": (
        "消息落地之后，更值得跟踪的是后续的商业化进展，而不是消息本身。",
        "事件本身已经公开，接下来看的是兑现：时间表、规模和产业链配套。",
        "一条消息能走多远，取决于它能否变成订单和收入。",
        "短期看情绪，中期看兑现，这类进展的节奏往往比预期慢。",
    ),
    "policy": (
        "政策信号已经明确，但传导到企业盈利需要时间，先看信贷和需求端的边际变化。",
        "政策的第一波影响在情绪，第二波在基本面，后者要看资金是否真正流向实体。",
        "政策效果要放在几个月的维度上检验，单日的市场反应说明不了太多。",
        "政策给出了方向，力度是否足够还要看后续配套措施。",
    ),
    "earnings": (
        "业绩增速能否延续，要看下一个报告期的订单和毛利率是否同步改善。",
        "财报数字是过去时，市场更关心的是增长的质量和可持续性。",
        "利润增速快于收入时，要分清是经营改善还是一次性因素。",
        "业绩兑现之后，估值能否抬升取决于下一阶段的增长能见度。",
    ),
    "macro": (
        "宏观数据看的是方向和边际，单月波动不宜过度解读。",
        "把这组数据放在近几个月的趋势里看，比盯住单月读数更有意义。",
        "宏观读数会影响政策预期，进而影响市场对利率和流动性的判断。",
        "数据的结构比总量更值得看，哪些分项在改善决定了后续的方向。",
    ),
    "market": (
        "盘面上更值得看的是成交能否持续放大、资金是否形成共识。",
        "指数涨跌只是结果，量能和板块轮动的节奏才是判断情绪的依据。",
        "资金流向的持续性比单日数字更重要，连续几天的方向才有参考意义。",
        "板块之间的强弱切换，往往比指数本身更能说明市场在交易什么。",
    ),
    "view": (
        "机构观点可以参考，但要分清哪些是已经发生的事实，哪些是预测。",
        "研究结论的前提条件往往比结论本身更重要。",
        "不同机构的判断并不总是一致，关键是看它们依据的数据是否站得住。",
        "预测会随数据更新而修正，跟踪修正的方向比记住结论更有用。",
    ),
    "report": (
        "报道给出的是线索，真正的影响还要等更多细节和数据来确认。",
        "同一条线索被多家媒体跟进，说明关注度在上升，但热度不等于兑现。",
        "先把事实和解读分开，再判断这条线索值不值得继续跟踪。",
    ),
    "figure": (
        "数字背后的趋势比单一读数更重要，后续数据会给出验证。",
        "这些数字给出了方向，兑现的节奏还需要时间检验。",
        "单个数字容易被过度解读，放到时间序列里看更稳妥。",
    ),
}
_TIER_LEADS = {
    "入门": ("简单说，", "通俗地讲，"),
    "中阶": ("逻辑上看，", "顺着这条线索，"),
    "高阶": ("从配置的角度，", "我的判断是，"),
}
_CLOSINGS = {
    "morning_report": (
        "开盘后更值得看的是资金是否形成持续共识，而不是单日涨跌。",
        "今天的盘面，重点看热点能否从消息走向资金认可。",
    ),
    "intraday": (
        "收盘后我们会在群内发布完整复盘，错过直播的朋友可以看回放。",
        "稍后的收盘小结会把今天的线索串起来，敬请留意。",
        "盘中信息只作节奏参考，完整的复盘与回放稍后同步。",
    ),
    "close_summary": (
        "明天继续跟踪这些线索能否得到验证，有变化会第一时间同步。",
        "收盘后更重要的是复盘逻辑是否被验证，明日我们接着跟踪。",
    ),
    "interaction": (
        "欢迎在群里留言说说你的看法，我们讨论观点，不讨论个股买卖。",
        "留言区见，理性讨论，不荐股、不喊单。",
    ),
    "promo": (
        "错过直播的朋友可以看回放，解读会把事实和逻辑分开讲清楚。",
        "欢迎准时收看，回放会同步到群里。",
    ),
    "research_digest": (
        "研究观点只代表作者在当时的判断，读的时候先看前提，再看结论。",
        "几篇研究的共同点是方向明确、节奏待验证，估值已经反映了一部分预期。",
    ),
    "weekly_summary": (
        "一个实用的框架：先分清消息驱动还是基本面驱动，再看资金是否持续，最后才考虑估值。",
    ),
    "breaking": (
        "突发事件的影响通常分两步：先是情绪，后是基本面；更多信息出来之前不宜急于下结论。",
        "目前信息仍在更新，宜等待官方细节和后续数据，再判断影响的持续性。",
    ),
}
_QUESTIONS = {
    "order": "这笔订单落地之后，你更关注哪一点？A. 交付节奏 B. 产业链配套 C. 估值是否已提前反映",
    "event": "这条消息之后，你觉得最该跟踪的是什么？A. 后续落地进展 B. 产业链上下游 C. 资金的持续性",
    "policy": "这项政策对你关注的领域影响最大的是哪一环？A. 资金成本 B. 行业需求 C. 市场情绪",
    "earnings": "看到这组业绩，你最想弄清楚的是？A. 增长能否持续 B. 利润质量 C. 估值水平",
    "macro": "这组数据让你对接下来的判断有变化吗？A. 更乐观 B. 没变化 C. 更谨慎",
    "market": "对接下来的行情，你更看重哪个信号？A. 成交量 B. 板块轮动 C. 外部资金",
    "view": "你认同这个判断吗？A. 认同 B. 部分认同 C. 不认同，欢迎说说理由",
    "figure": "这个数字背后，你最想深入了解的是？A. 行业趋势 B. 公司基本面 C. 市场情绪",
}
_NO_RESEARCH = "今日暂无新的研究资料，研报精选本期暂停；有新研究入库后再行起草。"


def _segment_line(brief: Brief, facts: Sequence[Fact]) -> list[str]:
    if not brief.segment:
        return []
    lines = [f"写给{brief.segment}读者：{brief.segment_style}。"]
    if brief.segment == "新手" or brief.tier == "入门":
        text = " ".join(f"{f.metric}{f.obj}{f.claim}" for f in facts)
        for term, meaning in GLOSSARY.items():
            if term in text:
                lines.append(f"小贴士：{term}，指{meaning}。")
                break
    return lines


class _DayFacts:
    """The figure facts the day's other drafts state: the same metric and figure worded
    differently is still the same fact to an editor reading the day's slots. The subject is
    not compared: the desk's wordings often leave it to the paragraph or out (政策落地的细节
    是存款准备金率下调0.25个百分点), and one metric at one figure rarely belongs to two."""

    def __init__(self, texts: Iterable[str]) -> None:
        # figure (120架) -> (metric, sentence) of each statement
        self.stated: dict[str, list[tuple[str, str]]] = {}
        for text in texts:
            for sentence in sentences(text):
                for found in figure_facts(sentence.text):
                    if found.metric:
                        self.stated.setdefault(found.value + found.unit, []).append(
                            (found.metric, sentence.text)
                        )
        self.known: dict[tuple[str, ...], bool] = {}

    def states(self, fact: Fact) -> bool:
        if not fact.figure or not self.stated:
            return False
        key = (fact.metric, fact.figure, fact.action, fact.owner, fact.change)
        if key not in self.known:
            self.known[key] = self._states(fact)
        return self.known[key]

    def _states(self, fact: Fact) -> bool:
        # The fact read the way the checks read a draft: the sentence core the writer states.
        own = [f for f in figure_facts(_core(fact)) if f.metric]
        if not own:
            return False
        figure, metric = own[-1].value + own[-1].unit, own[-1].metric
        return any(
            said == metric or mentions_metric(sentence, metric)
            for said, sentence in self.stated.get(figure, [])
        )


class _Writer:
    """One draft being written: the plan, what is already said, what the self-check rejected."""

    def __init__(
        self,
        brief: Brief,
        plan: Plan,
        said: set[str],
        rejected: set[str],
        dropped: frozenset[tuple[int, tuple[str, str]]] = frozenset(),
        day_facts: _DayFacts | None = None,
        restate_budget: int = 0,
    ) -> None:
        self.brief = brief
        self.plan = plan
        self.said = said
        self.rejected = rejected
        self.dropped = dropped  # facts whose every wording the checks faulted
        self.day_facts = day_facts or _DayFacts(())
        # How many figure facts another draft of the day already states this one may restate:
        # none at first, the shortfall when the draft would fall below its kind's fact minimum.
        self.restate_budget = restate_budget
        self.held_back = False  # a fact was left out because the day already states it
        self.stated: list[Fact] = []
        self.wrote: dict[str, tuple[int, tuple[str, str]]] = {}  # sentence -> its fact
        self.patterns: set[str] = set()  # wordings used in this draft: each once if possible
        self.subject = ""  # the subject of the sentence before, not named twice in a row
        self.reported = False  # a 据报道 sentence is written (one per draft)
        self.earlier = _earlier_snapshots(brief) if brief.kind == "intraday" else {}

    def choose(
        self, options: Sequence[str], key: object, fixed: bool = False, /, **values: str
    ) -> str | None:
        """The first wording (from a per-draft start, or in order when ``fixed``) that no
        draft of the day already says."""
        for name in ("s", "p"):
            if values.get(name) == "":
                # An empty subject or period only reads well right before another slot.
                glued = re.compile(r"\{" + name + r"\}[^{]")
                options = [o for o in options if not glued.search(o)]
        if not options:
            return None
        start = 0 if fixed else self.plan.pick(len(options), key)
        order = [options[(start + offset) % len(options)] for offset in range(len(options))]
        # stable: fresh ones first (when fixed, the first wording is never worn out)
        order.sort(key=lambda p: p in self.patterns and not (fixed and p == options[0]))
        for pattern in order:
            text = re.sub(r"，，|：，|^，", "，", pattern.format(**values)).lstrip("，")
            bare = _strip_marks(text)
            if bare not in self.said and bare not in self.rejected:
                self.said.add(bare)
                self.patterns.add(pattern)
                return text
        return None

    def fact(
        self,
        fact: Fact,
        paragraph_start: bool = False,
        companion: Fact | None = None,
        restate: bool = False,
    ) -> str | None:
        """One cited sentence; a ``companion`` (the same metric's change) joins the figure.
        A fact another draft of the day states is left out unless ``restate`` or the budget
        allows it."""
        if (fact.source, fact.key) in self.dropped or fact.key in {f.key for f in self.stated}:
            return None
        restated = not restate and self.day_facts.states(fact)
        if restated and self.restate_budget <= 0:
            self.held_back = True
            return None
        again = fact.subject == self.subject and not paragraph_start
        values = {"s": "" if again else fact.subject, "p": fact.period, "n": _cite(fact)}
        if fact.figure:
            patterns = _FIGURE_PATTERNS.get(fact.kind, _FIGURE_PATTERNS["figure"])
            core = _core(fact)
            if fact.action == "占" and companion is None and not fact.owner:
                return None  # 相当于…的12% says nothing without what it is a share of
            if companion is not None:
                joined = _core(companion) if companion.action == "占" else ""
                core += f"，{joined or companion.change + companion.figure}"
            fixed = False
            if fact.kind == "market" and fact.source in self.earlier and paragraph_start:
                patterns, values["d"] = _EARLIER_MARKET_PATTERNS, self.earlier[fact.source]
            elif not paragraph_start and fact.kind == "market":
                patterns, fixed = _MARKET_FOLLOW_PATTERNS, True
            elif again:
                patterns = _AGAIN_FIGURE_PATTERNS
            text = self.choose(patterns, fact.key, fixed, c=core, **values) or self.choose(
                _GENERAL_PATTERNS, fact.key, c=core, **values
            )
        elif fact.claim:
            risk = fact.event == "风险"
            if fact.kind == "report" or not values["s"] and not again:
                if self.reported:
                    return None  # a reported clause is the source's wording: once a draft
                patterns = _REPORT_PATTERNS
            elif again:
                patterns = _AGAIN_RISK_PATTERNS if risk else _AGAIN_VIEW_PATTERNS
            else:
                patterns = _RISK_PATTERNS if risk else _VIEW_PATTERNS
            claim = re.sub(r"^(?:风险在于|但)", "", fact.claim)
            text = self.choose(patterns, fact.key, q=claim, **values)
            self.reported |= bool(text) and patterns is _REPORT_PATTERNS
        else:
            verb = _EVENT_VERBS.get(fact.event, fact.event)
            text = self.choose(_EVENT_PATTERNS, fact.key, e=verb, o=fact.obj, **values)
        if text:
            self.restate_budget -= restated
            self.stated += [fact] if companion is None else [fact, companion]
            self.subject = fact.subject
            self.wrote[_strip_marks(text)] = (fact.source, fact.key)
        return text

    def line(self, options: Sequence[str], key: object, **values: str) -> str | None:
        return self.choose(options, key, **values)


def _earlier_snapshots(brief: Brief) -> dict[int, str]:
    """Market snapshots published before the brief's day (Shanghai time), by source number,
    with how a reader hears them: 上一交易日（11月20日）."""
    out: dict[int, str] = {}
    for source in brief.sources:
        day = _shanghai_day(source)
        if source.kind != "market" or day is None or day.isoformat() >= brief.day:
            continue
        named = f"{day.month}月{day.day}日"
        out[source.number] = f"上一交易日（{named}）" if named in source.text else "上一交易日"
    return out


def _shanghai_day(source: BriefSource) -> date | None:
    if not source.published:
        return None
    when = datetime.fromisoformat(source.published)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)  # the store keeps UTC
    return TradingCalendar().date_of(when)


def _ranked(facts: Iterable[Fact], plan: Plan, day_said: str) -> list[Fact]:
    """Figures first, focus facts first among them, then facts the day has not stated."""

    def rank(fact: Fact) -> tuple[int, int, int, int]:
        text = f"{fact.subject}{fact.metric}{fact.obj}{fact.claim}{' '.join(fact.terms)}"
        focused = any(term in text for term in plan.focus)
        mark = fact.figure or fact.obj or fact.claim[:12]
        # Figures first (a draft must state them), the note's focus among them, then what the
        # day has not said yet.
        return (not fact.figure, not focused, bool(mark) and mark in day_said, fact.position)

    return sorted(facts, key=rank)


def _companion(fact: Fact, facts: Sequence[Fact], writer: _Writer) -> Fact | None:
    """The change of the same metric right after a level (收盘报3388.12点，上涨0.62%), or the
    ratio that puts it in proportion (合同金额约86亿元，相当于上年营业收入的12%)."""
    if not fact.figure or fact.change or fact.action == "占":
        return None
    for other in facts:
        if (
            other.source == fact.source
            and (other.metric == fact.metric and other.change or other.action == "占")
            and other.figure != fact.figure
            and other.position == fact.position
            and other not in writer.stated
        ):
            return other
    return None


def _findings(facts: list[Fact]) -> list[Fact]:
    """A research item's picks: its key figures, its main finding, then its risk."""
    figures = [f for f in facts if f.figure]
    views = sorted((f for f in facts if f.claim and f.event != "风险"), key=lambda f: f.position)
    risks = [f for f in facts if f.claim and f.event == "风险"]
    return figures[:2] + views[:1] + risks[:1] + views[1:]


def _story_rank(items: list[Story], plan: Plan, day_said: str) -> list[Story]:
    def rank(pair: tuple[int, Story]) -> tuple[int, int, int, int]:
        position, story = pair
        text = " ".join(f"{s.title}{s.text}" for s in story.sources)
        focused = any(term in text for term in plan.focus)
        fresh = (
            any((f.figure or f.obj or f.claim[:12]) not in day_said for f in story.facts)
            or not day_said
        )
        order = (len(items) - position) if plan.angle else position
        figures = any(f.figure for f in story.facts)
        return (not focused, not figures, not fresh, order)

    return [story for _, story in sorted(enumerate(items), key=rank)]


def _join_kept(text: str, kept: Sequence[Sentence]) -> str:
    """``text`` with only the ``kept`` sentences, line breaks where they were."""
    lines: list[str] = []
    current: list[str] = []
    last_line = -1
    for sentence in kept:
        line = text.count("\n", 0, sentence.start)
        if line != last_line and current:
            lines.append("".join(current))
            current = []
        current.append(sentence.text.strip("\n"))
        last_line = line
    if current:
        lines.append("".join(current))
    return "\n".join(line for line in lines if line.strip())


def _faulted(text: str, report: CheckReport, disclaimer: str) -> set[str]:
    """Sentences (markers removed) the checks fault: uncited, unsupported, filler, repeated
    and — only while the draft as a whole is not original enough — borrowed ones. The
    disclaimer is required text, never faulted."""
    bad = {_strip_marks(p.sentence) for p in report.citations.problems}
    bad |= {_strip_marks(p.sentence) for p in report.substance.problems if p.sentence}
    # Checked without a channel, the disclaimer reads as repeated from the day's other drafts:
    # that must not stop a borrowed sentence from being reworded.
    bad = {b for b in bad if b and b not in disclaimer}
    if not report.originality.passed and not bad:
        # Reword the sentence with the most copied characters first (it moves the ratio
        # most): faulting every sentence that touches a borrowed span would drop the index
        # figures along with a rewrapped clause.
        spans = [(b.start, b.end) for b in report.originality.borrowed]
        share: dict[str, int] = {}
        for sentence in sentences(text):
            bare = _strip_marks(sentence.text)
            if not bare or bare in disclaimer:
                continue
            copied = sum(
                max(0, min(end, sentence.end) - max(start, sentence.start)) for start, end in spans
            )
            if copied:
                share[bare] = copied
        if share:
            bad.add(max(share, key=lambda bare: share[bare]))
    return bad


class OfflineComposer:
    """Provider ``offline``: deterministic, fast, honest."""

    name = "offline"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def complete(self, request: DraftRequest) -> Completion:
        started = time.perf_counter()
        text = self.compose(
            request.brief,
            request.disclaimer,
            request.attempt,
            note=request.note,
            day_texts=request.day_texts,
        )
        remark = None
        if request.previous is not None and text.strip() == request.previous.strip():
            remark = self.unchanged_reason(request.brief, request.note)
        latency = int((time.perf_counter() - started) * 1000)
        return Completion(text, self.name, "offline-composer", 0, 0, latency, "stop", remark)

    def unchanged_reason(self, brief: Brief, note: str | None) -> str:
        plan = Plan.of(brief, 0, note)
        if plan.focus:
            return f"来源中没有与“{'、'.join(plan.focus)}”相关的新事实，正文未改动"
        return "来源没有可换用的事实或写法，正文未改动"

    def compose(
        self,
        brief: Brief,
        disclaimer: str,
        attempt: int = 0,
        *,
        note: str | None = None,
        day_texts: Sequence[str] = (),
    ) -> str:
        """Write the draft, then let the desk's checks fault sentences to reword or drop."""
        plan = Plan.of(brief, attempt, note)
        texts = brief.source_texts()
        rejected: set[str] = set()
        strikes: dict[tuple[int, tuple[str, str]], int] = {}
        day_facts = _DayFacts(day_texts)
        budget = 0
        text = ""
        for _ in range(8):
            dropped = frozenset(fact for fact, n in strikes.items() if n >= 2)
            writer = _Writer(brief, plan, _said(day_texts), rejected, dropped, day_facts, budget)
            text = self._write(writer, disclaimer, day_texts)
            report = run_checks(
                text, texts, self.settings, kind=brief.kind, day_drafts=list(day_texts)
            )
            short = report.substance.min_facts - report.substance.facts
            faulted = _faulted(text, report, disclaimer) - rejected
            # Below the kind's fact minimum with facts held back as said today: restate as
            # many as are missing, no more. Not original enough once rewording has dropped a
            # fact (a view keeps its source's clause): one more figure in the desk's own
            # words, a round at a time.
            restate = writer.held_back and (
                short > 0 or not report.originality.passed and bool(dropped)
            )
            budget += max(short, 1) if restate else 0
            if not faulted and not restate:
                return text
            rejected |= faulted
            # A fact faulted in two wordings is dropped: another wording will not save it.
            for sentence in faulted:
                if sentence in writer.wrote:
                    fact = writer.wrote[sentence]
                    strikes[fact] = strikes.get(fact, 0) + 1
        # Still faulted after every wording: drop those sentences rather than keep them.
        kept = [s for s in sentences(text) if _strip_marks(s.text) not in rejected]
        return _join_kept(text, kept)

    def _write(self, writer: _Writer, disclaimer: str, day_texts: Sequence[str]) -> str:
        brief = writer.brief
        day_said = "\n".join(day_texts)
        compose = _KINDS.get(brief.kind, _compose_intraday)
        body = compose(self, writer, day_said)
        lines = [line for line in body if line]
        lines += _segment_line(brief, writer.stated)
        lines.append(disclaimer)
        return "\n".join(lines)

    # Helpers shared by the kinds -------------------------------------------------------

    def greeting(self, writer: _Writer, topic: str = "") -> str:
        brief = writer.brief
        weekday = _WEEKDAYS[date.fromisoformat(brief.day).weekday()]
        options = _GREETINGS.get(brief.kind, _GREETINGS["intraday"])
        return (
            writer.line(
                options,
                "greeting",
                name=self.settings.persona.name,
                wd=weekday,
                topic=topic or "今天的热点",
                title=brief.title,
            )
            or ""
        )

    def paragraphs(
        self,
        writer: _Writer,
        items: Sequence[Story],
        per_story: int,
        limit: int,
        max_facts: int = 99,
        restate: bool = False,
    ) -> list[str]:
        """One paragraph per story (at most ``limit``): its best facts, each sentence cited;
        with ``restate``, facts other drafts of the day state are as welcome as new ones."""
        out: list[str] = []
        day_said = "\n".join(writer.said)
        for story in items:
            if len(out) >= limit or max_facts <= 0:
                break
            facts = _ranked(story.facts, writer.plan, day_said)
            if story.lead.kind == "page":
                facts = _findings(facts)
            chosen: list[str] = []
            for fact in facts:
                if len(chosen) >= min(per_story, max_facts):
                    break
                if fact in writer.stated:
                    continue
                companion = _companion(fact, story.facts, writer)
                text = writer.fact(fact, not chosen, companion, restate)
                if text:
                    chosen.append(text)
            max_facts -= len(chosen)
            if chosen:
                out.append("".join(chosen))
        return out

    def section(
        self, writer: _Writer, items: Sequence[Story], per_story: int, limit: int
    ) -> list[str]:
        """The paragraphs under one of the kind's headings: facts the day has not stated,
        else one stated fact rather than a heading over nothing (the slot keeps its
        structure)."""
        return self.paragraphs(writer, items, per_story, limit) or self.paragraphs(
            writer, items, 1, 1, restate=True
        )

    def reasoning(self, writer: _Writer, facts: Sequence[Fact]) -> str:
        kinds = list(dict.fromkeys(f.kind for f in facts)) or ["figure"]
        leads = _TIER_LEADS.get(writer.brief.tier, _TIER_LEADS["入门"])
        lead = leads[writer.plan.pick(len(leads), "lead")]
        parts = [
            writer.line(_REASONING.get(kind, _REASONING["figure"]), ("why", kind)) or ""
            for kind in kinds[:2]
        ]
        if not any(parts):  # every wording for these kinds is taken today: the general ones
            parts = [writer.line(_REASONING["figure"], "why") or ""]
        said = "".join(p for p in parts if p)
        return f"{lead}{said}" if said else ""

    def closing(self, writer: _Writer) -> str:
        options = _CLOSINGS.get(writer.brief.kind)
        return writer.line(options, "closing") or "" if options else ""

    def counts(self, per_story: int, limit: int, plan: Plan) -> tuple[int, int]:
        if plan.length == "short":
            return 1, max(1, limit // 2)
        if plan.length == "long":
            return per_story + 1, limit + 2
        return per_story, limit


def _all_news(brief: Brief) -> list[Story]:
    """The brief's news stories. A roundup whose headline names two of the day's topics
    (早知道：降准落地，关注储能与机器人…) restates the others in its own words and goes
    stale within hours: it is left out when two other stories remain, else it comes last."""
    news = [s for s in stories(brief) if s.lead.kind not in ("page", "market")]
    own = [s for s in news if not _roundup(s, brief)]
    if len(own) >= 2:
        return own
    return sorted(news, key=lambda story: _roundup(story, brief))


def _roundup(story: Story, brief: Brief) -> bool:
    """A market-wide roundup: its headline names two of the day's topics, or its text three
    (a preview headlined by one topic whose text strings several together)."""
    lead = story.lead
    return (
        _topics_named(lead.title, brief) >= 2
        or _topics_named(f"{lead.title}{lead.text}", brief) >= 3
    )


def _topics_named(title: str, brief: Brief) -> int:
    """How many of the day's topics a headline names (by each topic's two leading terms)."""
    return sum(
        any(str(t) in title for t in (topic.get("terms") or [])[:2] if t) for topic in brief.topics
    )


def _topic_line(composer: OfflineComposer, writer: _Writer, topic: dict, items: list[Story]) -> str:
    label = str(topic.get("label") or (topic.get("terms") or [""])[0])
    # The topic's two leading terms: later ones (产业链, 地方) also match other stories.
    terms = [str(t) for t in (topic.get("terms") or [])[:2] if t] or [label]
    related = [s for s in items if any(t in f"{s.lead.title}{s.lead.text}" for t in terms)]
    outlets = list(dict.fromkeys(o for s in related for o in s.outlets))
    stories_n = int(topic.get("stories") or len(related) or 0)
    outlets_n = int(topic.get("outlets") or len(outlets) or 0)
    evidence = []
    if stories_n:
        evidence.append(f"{_cn(min(stories_n, 99))}组报道")
    if outlets_n:
        named = "、".join(outlets[:2])
        evidence.append(
            f"{_cn(min(outlets_n, 99))}家媒体跟进" + (f"（{named}等）" if named else "")
        )
    head = f"· {label}：{'，'.join(evidence) or '热度上升'}"
    own = [s for s in related if not _roundup(s, writer.brief)]
    fact = _bullet_fact(writer, own)
    if fact:
        return f"{head}。{fact}"
    above = _stated_of(writer, related)
    if above:
        both = "都" if "与" in above or "，" in above else ""
        return f"{head}；上文{above}{both}属于这条主线。"
    # Nothing of the news left to point at: the topic's research gives the evidence.
    research = [
        s for s in stories(writer.brief, ("page",)) if any(t in s.lead.title for t in terms)
    ]
    fact = _bullet_fact(writer, research)
    if fact:
        return f"{head}。{fact}"
    return f"{head}。"


def _bullet_fact(writer: _Writer, items: Sequence[Story]) -> str | None:
    """A fact of these stories the draft has not stated, worded as a bullet's own clause."""
    for story in items:
        for fact in _ranked(story.facts, writer.plan, ""):
            if fact not in writer.stated and (text := writer.fact(fact, True)):
                return text  # True: a bullet starts afresh, no 此外/同时
    return None


def _stated_of(writer: _Writer, related: Sequence[Story]) -> str:
    """What the draft already stated from these stories, named without figures (a bullet
    whose facts were all said above points at them instead of repeating them)."""
    sources = {s.number for story in related for s in story.sources}
    named: dict[str, list[str]] = {}
    for fact in writer.stated:
        # 获得80架意向订单 names its thing after the figure
        thing = _metric(fact).split(fact.figure)[-1] if fact.figure else fact.obj
        if fact.claim and fact.subject and fact.subject != REPORT:
            thing = "判断"  # 专家的判断: a view stated above, named by who holds it
        if fact.source in sources and thing and fact.action != "占":
            things = named.setdefault(fact.subject, [])
            if thing not in things and len(things) < 2:
                things.append(thing)
    parts = [
        f"{who}的{'与'.join(things)}" if who else "与".join(things) for who, things in named.items()
    ]
    return "，".join(parts[:2])


def _compose_morning(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    news = _story_rank(_all_news(brief), plan, day_said)
    per_story, limit = composer.counts(2, 6, plan)
    lines = [composer.greeting(writer), "一、隔夜要闻"]
    lines += composer.section(writer, news, per_story, max(3, limit))
    if brief.topics and plan.length != "short":
        lines.append("二、今日热点")
        lines += [_topic_line(composer, writer, t, news) for t in brief.topics[:3]]
    research = stories(brief, ("page",))
    if research:
        lines.append("三、研报精选" if brief.topics and plan.length != "short" else "二、研报精选")
        lines += composer.paragraphs(writer, research, 2, 2)
    lines.append(composer.reasoning(writer, writer.stated))
    lines.append(composer.closing(writer))
    return lines


def _topic_label(brief: Brief) -> str:
    """The top topic's main term, for prose (a label may join several terms with slashes)."""
    if not brief.topics:
        return ""
    top = brief.topics[0]
    return str((top.get("terms") or [""])[0] or top.get("label") or "")


def _compose_viewpoint(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    topic = plan.focus[0] if plan.focus else _topic_label(brief)
    candidates = [s for s in stories(brief) if s.lead.kind != "market"]
    items = _story_rank(_on_topic(candidates, brief, plan), plan, day_said)
    per_story, limit = composer.counts(2, 4, plan)
    most = 3 if plan.length == "short" else 5
    # An opinion argues from its topic's facts: when an earlier slot stated them they are
    # still this note's evidence, and a view without them would rest on nothing.
    body = composer.paragraphs(writer, items, per_story, limit, most, restate=True)
    # 3-5 facts: take more per story when the topic has few stories.
    if len(writer.stated) < 3:
        body += composer.paragraphs(
            writer, items, 3, limit, most - len(writer.stated), restate=True
        )
    reasoning = composer.reasoning(writer, writer.stated)
    risk = writer.line(
        (
            "风险在于预期走在兑现前面：一旦进展不及预期，估值回调往往比基本面变化更快。",
            "需要提醒的是，热度高的方向波动也大，判断要以后续兑现为准。",
        ),
        "risk",
    )
    opening = composer.greeting(writer, topic)
    if plan.angle:
        return [opening, reasoning, *body, risk or ""]
    return [opening, *body, reasoning, risk or ""]


def _on_topic(items: list[Story], brief: Brief, plan: Plan) -> list[Story]:
    """The stories of one topic (the note's focus, else the top topic); all when none match."""
    terms = (
        plan.focus or [str(t) for t in (brief.topics[0].get("terms") or [])[:2]]
        if (plan.focus or brief.topics)
        else []
    )
    chosen = [s for s in items if any(t in f"{s.lead.title}{s.lead.text}" for t in terms)]
    if not plan.focus:
        # A roundup whose headline also names another of the day's topics (降准落地，关注
        # 储能…) is market-wide, not this topic's: an opinion keeps to one topic.
        others = [str(t) for topic in brief.topics[1:] for t in (topic.get("terms") or [])[:2]]
        own = [
            s
            for s in chosen
            if not any(t in s.lead.title for t in others) and not _roundup(s, brief)
        ]
        chosen = own or chosen
    return chosen or items


def _market(brief: Brief) -> list[Story]:
    return stories(brief, ("market",))


def _compose_close(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    lines = [composer.greeting(writer), "一、盘面数据"]
    market = _market(brief)
    if market:
        # The close's data is the day's record (收盘点位、成交、资金): a reader looks it up
        # here even when an intraday slot already gave some of the same readings.
        per_story = 6 if plan.length != "short" else 3
        lines += composer.paragraphs(writer, market, per_story, 2, restate=True)
    else:
        lines.append("今日的行情快照暂未入库，盘面数据待补充，以下先梳理消息面。")
    lines.append("二、今日主线")
    news = _story_rank(_all_news(brief), plan, day_said)
    per_story, limit = composer.counts(1, 3, plan)
    lines += composer.section(writer, news, per_story, limit)
    lines.append("三、明日关注")
    lines.append(composer.reasoning(writer, writer.stated))
    lines.append(composer.closing(writer))
    return lines


def _compose_intraday(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    lines = [composer.greeting(writer)]
    market = _market(brief)
    if market:
        lines += composer.paragraphs(writer, market, 3, 1)
    news = _story_rank(_all_news(brief), plan, day_said)
    per_story, limit = composer.counts(1, 2, plan)
    lines += composer.paragraphs(writer, news, per_story, limit)
    lines.append(composer.closing(writer))
    return lines


def _compose_interaction(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    lines = [composer.greeting(writer)]
    news = _story_rank(_all_news(brief), plan, day_said)
    # The topic hangs on one fact: one the day has not stated yet, else a stated one rather
    # than a question about nothing.
    for story, restate in [(s, r) for r in (False, True) for s in news]:
        facts = _ranked(story.facts, plan, day_said)
        if facts and (text := writer.fact(facts[0], True, restate=restate)):
            question = _QUESTIONS.get(facts[0].kind, _QUESTIONS["figure"])
            lines += [text, f"互动话题：{question}。"]
            break
    else:
        topic = _topic_label(brief) or "今天的市场"
        lines.append(f"互动话题：围绕{topic}，{_QUESTIONS['event']}。")
    lines.append(composer.closing(writer))
    return lines


def _compose_promo(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    topic = plan.focus[0] if plan.focus else _topic_label(brief)
    lines = [composer.greeting(writer, topic)]
    news = _story_rank(_all_news(brief), plan, day_said)
    lines += composer.paragraphs(writer, news, 1, 2)
    lines.append("解读会回答三个问题：发生了什么、影响哪些环节、接下来看什么信号。")
    lines.append(composer.closing(writer))
    return lines


def _compose_research(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    research = stories(brief, ("page",))
    if not research:
        return [_NO_RESEARCH]
    per_story, limit = composer.counts(2, 5, plan)
    lines = [composer.greeting(writer)]
    for story in _story_rank(research, plan, day_said)[:limit]:
        head, sep, _ = story.lead.title.partition("：")
        head = head if sep and len(head) <= 16 else story.lead.title[:14]
        graded = rating(story.lead)
        paragraph = composer.paragraphs(writer, [story], per_story, 1)
        if paragraph:
            lines.append(f"【{head}{'·' + graded if graded else ''}】{paragraph[0]}")
    lines.append(composer.reasoning(writer, writer.stated))
    lines.append(composer.closing(writer))
    return lines


def _compose_weekly(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    news = _story_rank(_all_news(brief), plan, day_said)
    lines = [composer.greeting(writer), "本周主线"]
    lines += composer.section(writer, news, 2, 5)
    lines.append("观察框架")
    lines.append(composer.reasoning(writer, writer.stated))
    lines.append(composer.closing(writer))
    return lines


def _compose_breaking(composer: OfflineComposer, writer: _Writer, day_said: str) -> list[str]:
    brief, plan = writer.brief, writer.plan
    lines = [composer.greeting(writer), "发生了什么"]
    items = _story_rank(stories(brief), plan, day_said)
    per_story, limit = composer.counts(2, 3, plan)
    lines += composer.section(writer, items, per_story, limit)
    if not writer.stated and brief.sources:
        lines.append(f"目前只有一条标题信息：“{brief.sources[0].title}”[1]。")
    lines.append("影响路径")
    lines.append(composer.reasoning(writer, writer.stated))
    lines.append(composer.closing(writer))
    return lines


_KINDS: dict[str, Callable[[OfflineComposer, _Writer, str], list[str]]] = {
    "morning_report": _compose_morning,
    "viewpoint": _compose_viewpoint,
    "intraday": _compose_intraday,
    "interaction": _compose_interaction,
    "close_summary": _compose_close,
    "promo": _compose_promo,
    "research_digest": _compose_research,
    "weekly_summary": _compose_weekly,
    "breaking": _compose_breaking,
}
