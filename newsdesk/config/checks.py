"""How drafts are checked: ``thresholds:`` and ``checks:``."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from newsdesk.config.fields import Kind, Strict
from newsdesk.kinds import default_min_facts


class Thresholds(Strict):
    originality: float = Field(0.60, ge=0, le=1)
    citation_recall: float = Field(0.80, ge=0, le=1)
    citation_precision: float = Field(0.80, ge=0, le=1)
    max_filler: float = Field(
        0.4, ge=0, le=1, description="share of cited sentences that may be filler"
    )
    max_revisions: int = Field(2, ge=0, le=10)


DEFAULT_BANNED = [
    "保本",
    "保本保息",
    "稳赚",
    "稳赚不赔",
    "包赚",
    "必涨",
    "只涨不跌",
    "内幕消息",
    "内幕",
    "翻倍",
    "无风险",
    "零风险",
    "保证收益",
    "收益保证",
    "稳定收益",
    "闭眼买",
    "满仓干",
]
DEFAULT_TRADE_PATTERNS = [
    r"(建议|赶紧|马上|立即|立刻)\W{0,2}(买入|卖出|加仓|减仓|清仓|满仓|抄底|追涨)",
    r"(你|您|大家)\W{0,3}(应该|必须|可以|要)\W{0,2}(买入|卖出|加仓|清仓|满仓|抄底)",
    r"(买入|卖出)\W{0,2}\d{6}",
    r"目标价\W{0,2}\d",
]


class ChecksConfig(Strict):
    """Check parameters (see newsdesk/checks/*.py docstrings for how they were calibrated)."""

    k_han: int = Field(4, ge=2, le=12, description="shortest common stretch, Han characters")
    k_word: int = Field(1, ge=1, le=8, description="shortest common stretch, Latin words")
    gap_han: int = Field(2, ge=0, le=10, description="characters between stretches that join")
    gap_word: int = Field(2, ge=0, le=10, description="words between stretches that join")
    min_han: int = Field(
        6, ge=1, le=40, description="characters besides facts a copied run needs to count"
    )
    min_word: int = Field(4, ge=1, le=20, description="words besides facts a copied run needs")
    max_quote_chars: int = Field(
        30, ge=0, description="a longer quotation counts as copied text, not as a quote"
    )
    verbatim_han: int = Field(
        24, ge=1, description="a common stretch this long is copied, facts and all (characters)"
    )
    verbatim_word: int = Field(24, ge=1, description="the same in Latin words")
    min_facts: dict[Kind, int] = Field(
        default_factory=default_min_facts,
        description="source facts a draft of this kind must state",
    )
    min_facts_default: int = Field(1, ge=0, description="for kinds not in min_facts")
    recap_kinds: list[Kind] = Field(
        default_factory=lambda: ["weekly_summary"],
        description="kinds that may repeat sentences of the day's other drafts",
    )
    repeat_min_chars: int = Field(15, ge=1, description="shorter sentences are boilerplate")
    banned_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_BANNED))
    trade_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_TRADE_PATTERNS))

    @field_validator("trade_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return value
