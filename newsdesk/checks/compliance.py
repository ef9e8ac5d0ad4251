"""Compliance: banned phrases, the channel's risk disclaimer, no personal buy/sell instructions.

Banned phrases match across inserted spaces and punctuation and in full
width (稳 赚、稳-赚、ＸＸ), and not when plainly negated just before (不保本,
并非稳赚). Each violation carries its offsets in the draft.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from newsdesk.checks.units import fold_chars

_NEGATION = re.compile(r"(不|非|未|没有|并非|不会|不能|不承诺|无法|谈不上|绝非)\W{0,2}$")
_GAP = r"[\s\W_]{0,2}"


@dataclass(frozen=True)
class Violation:
    rule: str
    text: str
    start: int
    end: int

    def as_json(self) -> dict[str, object]:
        return {"rule": self.rule, "text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class ComplianceResult:
    passed: bool
    violations: list[Violation]

    def as_json(self) -> dict[str, object]:
        return {"passed": self.passed, "violations": [v.as_json() for v in self.violations]}


@dataclass(frozen=True)
class ComplianceParams:
    banned: tuple[str, ...] = ()
    trade_patterns: tuple[str, ...] = ()
    disclaimer: str | None = None
    allow_trade_instructions: bool = False


@lru_cache(maxsize=1024)  # the configured phrases, asked for every draft
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    chars = [re.escape(c) for c in unicodedata.normalize("NFKC", phrase) if not c.isspace()]
    return re.compile(_GAP.join(chars), re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", text)).lower()


def check_compliance(draft: str, params: ComplianceParams) -> ComplianceResult:
    folded = fold_chars(draft)  # offsets stay those of the draft
    violations: list[Violation] = []
    for phrase in params.banned:
        for match in _phrase_pattern(phrase).finditer(folded):
            if _NEGATION.search(folded[max(0, match.start() - 6) : match.start()]):
                continue
            violations.append(
                Violation(
                    f"banned:{phrase}",
                    draft[match.start() : match.end()],
                    match.start(),
                    match.end(),
                )
            )
    if not params.allow_trade_instructions:
        for pattern in params.trade_patterns:
            for match in re.finditer(pattern, folded, re.IGNORECASE):
                violations.append(
                    Violation(
                        "trade_instruction",
                        draft[match.start() : match.end()],
                        match.start(),
                        match.end(),
                    )
                )
    violations = _outermost(violations)
    if params.disclaimer and _squash(params.disclaimer) not in _squash(draft):
        violations.append(
            Violation("missing_disclaimer", params.disclaimer, len(draft), len(draft))
        )
    return ComplianceResult(not violations, violations)


def _outermost(violations: list[Violation]) -> list[Violation]:
    """Drop a finding inside a longer one (稳赚 inside 稳赚不赔); keep the rest in text order."""
    ordered = sorted(violations, key=lambda v: (v.start, -(v.end - v.start), v.rule))
    kept: list[Violation] = []
    for v in ordered:
        if not any(k.start <= v.start and v.end <= k.end for k in kept):
            kept.append(v)
    return kept
