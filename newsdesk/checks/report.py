"""One CheckReport per draft version: originality, citations and compliance together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.checks.citations import CitationParams, CitationResult, check_citations
from newsdesk.checks.compliance import ComplianceParams, ComplianceResult, check_compliance
from newsdesk.checks.originality import OriginalityParams, OriginalityResult, check_originality
from newsdesk.checks.units import UnitCoder
from newsdesk.config import Settings


@dataclass(frozen=True)
class CheckReport:
    originality: OriginalityResult
    citations: CitationResult
    compliance: ComplianceResult

    @property
    def passed(self) -> bool:
        return self.originality.passed and self.citations.passed and self.compliance.passed

    def as_json(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "originality": self.originality.as_json(),
            "citations": self.citations.as_json(),
            "compliance": self.compliance.as_json(),
        }

    def reasons(self) -> list[str]:
        """Why the draft fails, in the words an editor (and the revision prompt) needs."""
        out: list[str] = []
        o = self.originality
        if not o.passed:
            out.append(
                f"原创度 {o.ratio:.0%} 低于要求 {o.threshold:.0%}：请用自己的话改写以下句子："
            )
            out += [f"  - 第{b.source}条来源：{b.text}" for b in o.borrowed]
        c = self.citations
        if not c.passed:
            out.append(f"引用检查未通过（召回 {c.recall:.0%}，精确 {c.precision:.0%}）：")
            kinds = {
                "missing": "缺少引用",
                "unsupported": "引用不支持",
                "invalid_marker": "无效标注",
            }
            out += [f"  - {kinds[p.kind]}：{p.sentence}（{p.detail}）" for p in c.problems]
        for v in self.compliance.violations:
            out.append(f"合规问题 {v.rule}：{v.text}")
        return out


def check_params(
    settings: Settings, channel: str | None = None, slot: str | None = None
) -> tuple[OriginalityParams, CitationParams, ComplianceParams]:
    conf, limits = settings.checks, settings.thresholds
    disclaimer = settings.channel(channel).disclaimer if channel else None
    allow_trade = settings.slot(slot).allow_trade_instructions if slot else False
    return (
        OriginalityParams(limits.originality, conf.k_han, conf.k_word, conf.share),
        CitationParams(limits.citation_recall, limits.citation_precision, conf.citation_support),
        ComplianceParams(
            tuple(conf.banned_phrases), tuple(conf.trade_patterns), disclaimer, allow_trade
        ),
    )


def run_checks(
    draft: str,
    sources: Sequence[str],
    settings: Settings,
    *,
    channel: str | None = None,
    slot: str | None = None,
) -> CheckReport:
    """All checks on one draft; sources are numbered [1]..[n] in the order given."""
    originality_params, citation_params, compliance_params = check_params(settings, channel, slot)
    coder = UnitCoder()
    originality = check_originality(draft, sources, originality_params, coder)
    borrowed = [(b.start, b.end) for b in originality.borrowed]
    citations = check_citations(draft, sources, borrowed, citation_params, coder)
    compliance = check_compliance(draft, compliance_params)
    return CheckReport(originality, citations, compliance)
