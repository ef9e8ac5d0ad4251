"""The offline composer: a machine draft from the brief's facts, with no model and no key.

It never copies a source sentence. For each source it takes the facts —
named entities and sector terms (the finance dictionary), figures with their
units — and sets them in its own connective sentence with the source's [n]
marker. Each candidate sentence is run through the same originality and
citation checks the desk applies, and the first wording that passes both is
kept; a source that cannot be worded honestly is left out rather than copied.
Original framing sentences (the desk's view, what to watch, the audience
note) carry no figures, so they need no citation. The draft opens with
【机器草稿】 so nobody mistakes it for an editor's work.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from newsdesk.checks.report import run_checks
from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.llm import Completion, DraftRequest
from newsdesk.text.segment import Segmenter, segmenter

_FIGURE = re.compile(r"\d+(?:\.\d+)?(?:个百分点|%|亿元|万亿元|万元|亿|万|元|架|倍|家|只)")
# Connectives are mostly stopwords: they make the wording the composer's own without
# diluting the sentence's content terms, which must come from the cited source.
_PATTERNS = (
    "{a}方面，{b}等情况值得关注{figures}{cite}。",
    "关于{a}，目前{b}等方面的进展值得跟踪{figures}{cite}。",
    "再看{a}：{b}同样值得留意{figures}{cite}。",
    "{a}相关的消息中，{b}是其中的关键{figures}{cite}。",
)
_HEADINGS = {
    "morning_report": ("一、隔夜要闻速览", "二、今日热点", "三、研报精选"),
    "close_summary": ("一、今日主线", "二、明日关注"),
    "research_digest": ("研报精选",),
    "weekly_summary": ("本周三条主线", "一个观察框架"),
}
_VIEWS = {
    "morning_report": "整体看，政策与产业两条线索同时发力，开盘后更值得看的是资金是否形成持续共识，而不是单日涨跌。",
    "viewpoint": "我的看法是：热点的第一波往往由消息驱动，第二波要靠业绩和订单兑现，追踪后者比追逐前者更重要。",
    "intraday": "盘中信息仅作节奏参考，稍后我们会在群内同步更完整的复盘与回放。",
    "interaction": "欢迎大家在群里说说自己的看法，讨论观点，不讨论个股买卖。",
    "close_summary": "收盘后更重要的是复盘逻辑是否被验证，明天我们继续跟踪这些线索的后续变化。",
    "promo": "今晚的解读会把这些线索串起来讲清楚，欢迎准时收看，错过的朋友可以看回放。",
    "research_digest": "这些研究的共同线索是：景气与政策方向明确，但兑现节奏仍需跟踪，估值已反映部分预期。",
    "weekly_summary": "一个实用的框架：先分清消息驱动还是基本面驱动，再看资金是否持续，最后才考虑估值高低。",
    "breaking": "突发事件的影响通常分两步：先是情绪，后是基本面；情绪来得快去得也快，宜等待更多信息再做判断。",
}


def _figures(text: str) -> list[str]:
    return list(dict.fromkeys(_FIGURE.findall(text)))


def _terms(seg: Segmenter, source: BriefSource) -> list[str]:
    terms = list(dict.fromkeys(seg.terms(source.title)))
    return sorted(terms, key=lambda t: (not seg.is_known(t), -len(t)))


class OfflineComposer:
    """Provider ``offline``: deterministic, fast, honest; revisions rotate the wording."""

    name = "offline"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.seg = segmenter()

    def complete(self, request: DraftRequest) -> Completion:
        started = time.perf_counter()
        text = self.compose(request.brief, request.disclaimer, request.attempt)
        latency = int((time.perf_counter() - started) * 1000)
        return Completion(text, self.name, "offline-composer", 0, 0, latency, "stop")

    def compose(self, brief: Brief, disclaimer: str, attempt: int = 0) -> str:
        lines = [f"【机器草稿·{brief.title}】{self.settings.persona.name}为您整理今日要点。"]
        used: set[str] = set()
        news: list[str] = []
        research: list[str] = []
        for source in brief.sources:
            fact = self._fact(brief, source, attempt, used)
            if fact:
                (research if source.kind == "page" else news).append(fact)
        headings = _HEADINGS.get(brief.kind, ())
        if headings:
            lines.append(headings[0])
        if brief.kind == "research_digest":
            lines += research + news
        else:
            lines += news
            if brief.topics and len(headings) > 1:
                lines += [headings[1], self._topics_line(brief)]
            if research and len(headings) > 2:
                lines += [headings[2], *research]
        lines.append(_VIEWS.get(brief.kind, _VIEWS["viewpoint"]))
        if brief.kind == "interaction":
            lines.append(self._poll(brief))
        if brief.segment:
            lines.append(f"写给{brief.segment}读者：{brief.segment_style}。")
        lines.append("本稿由机器根据公开资讯自动生成，须经编辑审核后发布。")
        lines.append(disclaimer)
        return "\n".join(lines)

    def _topics_line(self, brief: Brief) -> str:
        """One line per hot topic (3-5): its name, what travels with it, and the desk's take."""
        takes = (
            "热度明显上升，先看政策与订单能否兑现",
            "讨论集中，宜区分消息驱动与基本面驱动",
            "仍在发酵，后续细节值得跟踪",
        )
        lines = []
        for number, topic in enumerate(brief.topics[:5], start=1):
            terms = topic.get("terms") or []
            if not terms:
                continue
            related = "、".join(terms[1:3])
            lines.append(
                f"· {terms[0]}{'（' + related + '）' if related else ''}：{takes[(number - 1) % len(takes)]}。"
            )
        return "\n".join(lines) or "今天暂无明显升温的热点。"

    def _poll(self, brief: Brief) -> str:
        options = [t["terms"][0] for t in brief.topics[:3] if t.get("terms")] or [
            "政策",
            "业绩",
            "资金",
        ]
        return f"互动投票：在{'、'.join(options)}这几个话题里，接下来你最想听我们深度解读哪一个？欢迎留言。"

    def _candidates(
        self, source: BriefSource, attempt: int, used: set[str]
    ) -> Iterator[tuple[str, str]]:
        terms = _terms(self.seg, source)
        if not terms:
            return
        fresh = [t for t in terms if t not in used] or terms
        a = fresh[0]
        rest = [t for t in terms if t != a]
        figures = _figures(f"{source.title}。{source.text}")
        cite = f"[{source.number}]"
        for offset in range(len(_PATTERNS)):
            pattern = _PATTERNS[(attempt + source.number + offset) % len(_PATTERNS)]
            for b_terms, figs in ((rest[:2], figures[:2]), (rest[:2], figures[:1]), (rest[:1], [])):
                b = "、".join(b_terms) or "后续进展"
                fig = f"，其中包括{'、'.join(figs)}" if figs else ""
                yield a, pattern.format(a=a, b=b, figures=fig, cite=cite)

    def _fact(self, brief: Brief, source: BriefSource, attempt: int, used: set[str]) -> str | None:
        texts = brief.source_texts()
        for lead, sentence in self._candidates(source, attempt, used):
            report = run_checks(sentence, texts, self.settings)
            if (
                report.originality.ratio == 1.0
                and report.citations.precision == 1.0
                and not report.citations.problems
            ):
                used.add(lead)
                return sentence
        return None
