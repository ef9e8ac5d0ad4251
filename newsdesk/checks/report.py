"""One CheckReport per draft version: originality, citations, substance and compliance.

Stored reports (``DraftVersion.report``) are this report's ``as_json()``;
reports stored before the substance check existed have no ``"substance"``
key, and every reader treats a missing section as not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.checks.citations import CitationParams, CitationResult, check_citations
from newsdesk.checks.compliance import ComplianceParams, ComplianceResult, check_compliance
from newsdesk.checks.consistency import ConsistencyResult, check_consistency
from newsdesk.checks.facts import DraftFacts, SourceFacts
from newsdesk.checks.fidelity import PROBLEM_KINDS
from newsdesk.checks.originality import OriginalityParams, OriginalityResult, check_originality
from newsdesk.checks.substance import SubstanceParams, SubstanceResult, check_substance
from newsdesk.config import Settings
from newsdesk.heap import collector_paused

_CITATION_KINDS = {
    "missing": "缺少引用",
    "unsupported": "引用不支持",
    "invalid_marker": "无效标注",
} | PROBLEM_KINDS
_SUBSTANCE_KINDS = {
    "filler": "空话",
    "repeated": "与今日其他稿件重复",
    "no_sources": "没有来源",
    "empty": "没有正文",
    "few_facts": "事实太少",
}


_CONSISTENCY_KINDS = {
    "traditional_script": "繁体字",
    "broken_join": "拼接不通",
    "contradicts_draft": "与今日其他稿件数字不一致",
}


@dataclass(frozen=True)
class CheckReport:
    originality: OriginalityResult
    citations: CitationResult
    compliance: ComplianceResult
    substance: SubstanceResult
    consistency: ConsistencyResult

    @property
    def passed(self) -> bool:
        return (
            self.originality.passed
            and self.citations.passed
            and self.compliance.passed
            and self.substance.passed
            and self.consistency.passed
        )

    def as_json(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "originality": self.originality.as_json(),
            "citations": self.citations.as_json(),
            "compliance": self.compliance.as_json(),
            "substance": self.substance.as_json(),
            "consistency": self.consistency.as_json(),
        }

    def reasons(self) -> list[str]:
        """Why the draft fails, in the words an editor (and the revision prompt) needs."""
        s = self.substance
        empty = next((p for p in s.problems if p.kind == "empty"), None)
        if empty is not None:
            # An empty draft's originality, facts and disclaimer follow from its emptiness:
            # reported, they would be three false alarms beside the one problem.
            return [f"{_SUBSTANCE_KINDS['empty']}：{empty.detail}"]
        out: list[str] = []
        if not s.passed:
            out.append(
                f"实质内容检查未通过（陈述来源事实 {s.facts} 个，要求 ≥ {s.min_facts}；"
                f"空话句占 {s.filler_ratio:.0%}，上限 {s.max_filler:.0%}）："
                "请写出来源中的具体数据及其所指（如“营业收入128.64亿元，同比增长12.3%[1]”），"
                "删去只有关键词和套话的句子："
            )
            out += [
                f"  - {_SUBSTANCE_KINDS[p.kind]}：{p.sentence or p.detail}"
                + (f"（{p.detail}）" if p.sentence else "")
                for p in s.problems
            ]
        o = self.originality
        if not o.passed:
            out.append(
                f"原创度 {o.ratio:.0%} 低于要求 {o.threshold:.0%}：以下文字与来源雷同，请用自己的话改写"
                "（数据、名称和术语可以保留）："
            )
            out += [f"  - 第{b.source}条来源：{b.text}" for b in o.borrowed]
        c = self.citations
        if not c.passed:
            out.append(f"引用检查未通过（召回 {c.recall:.0%}，精确 {c.precision:.0%}）：")
            out += [
                f"  - {_CITATION_KINDS[p.kind]}：{p.sentence}（{p.detail}）"
                + (f"（来源原文：{p.source_span}）" if p.source_span else "")
                for p in c.problems
            ]
        for v in self.compliance.violations:
            out.append(f"合规问题 {v.rule}：{v.text}")
        out += [
            f"{_CONSISTENCY_KINDS[p.kind]}：{p.sentence}（{p.detail}）"
            for p in self.consistency.problems
        ]
        return out


def check_params(
    settings: Settings,
    channel: str | None = None,
    slot: str | None = None,
    kind: str | None = None,
) -> tuple[OriginalityParams, CitationParams, ComplianceParams, SubstanceParams]:
    conf, limits = settings.checks, settings.thresholds
    disclaimer = settings.channel(channel).disclaimer if channel else None
    found = settings.slot(slot) if slot else None
    allow_trade = found.allow_trade_instructions if found else False
    kind = kind or (found.kind if found else None)
    return (
        OriginalityParams(
            limits.originality,
            conf.k_han,
            conf.k_word,
            conf.gap_han,
            conf.gap_word,
            conf.min_han,
            conf.min_word,
            conf.max_quote_chars,
            conf.verbatim_han,
            conf.verbatim_word,
        ),
        CitationParams(limits.citation_recall, limits.citation_precision),
        ComplianceParams(
            tuple(conf.banned_phrases), tuple(conf.trade_patterns), disclaimer, allow_trade
        ),
        SubstanceParams(
            # kind is a slot kind's name; min_facts' keys are those names, validated by the config
            conf.min_facts.get(kind, conf.min_facts_default)  # type: ignore[call-overload]
            if kind
            else conf.min_facts_default,
            limits.max_filler,
            kind in conf.recap_kinds,
            conf.repeat_min_chars,
            disclaimer,
        ),
    )


def run_checks(
    draft: str,
    sources: Sequence[str],
    settings: Settings,
    *,
    channel: str | None = None,
    slot: str | None = None,
    kind: str | None = None,
    day_drafts: Sequence[str] = (),
) -> CheckReport:
    """All checks on one draft; sources are numbered [1]..[n] in the order given.

    ``kind`` (else the slot's) sets how many facts the draft must state;
    ``day_drafts`` are the other drafts of the same day, for the repetition rule.
    """
    originality_params, citation_params, compliance_params, substance_params = check_params(
        settings, channel, slot, kind
    )
    # The checks make no reference cycles (a test pins it), and the sentences, tokens and
    # verdicts they cache outlive young collections: two or three of those a new draft found
    # nothing to free, and a full one every 50-75 drafts walked the whole heap.
    with collector_paused():
        analysed = DraftFacts(draft)
        originality = check_originality(draft, sources, originality_params, analysed.spans_within)
        borrowed = [(b.start, b.end) for b in originality.borrowed]
        indexed = [SourceFacts.of(text) for text in sources]
        citations = check_citations(draft, sources, borrowed, citation_params, analysed, indexed)
        substance = check_substance(
            draft,
            len(sources),
            citations.support,
            substance_params,
            day_drafts,
            analysed.by_sentence,
        )
        compliance = check_compliance(draft, compliance_params)
        named = [(_draft_name(text), text) for text in day_drafts]
        consistency = check_consistency(draft, settings.script, named, analysed.sentences)
        return CheckReport(originality, citations, compliance, substance, consistency)


def _draft_name(text: str) -> str:
    """How an editor recognises another draft of the day: its first words."""
    first = text.strip().split("\n", 1)[0]
    return first[:16] + ("…" if len(first) > 16 else "")
