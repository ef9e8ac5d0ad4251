"""Drafts planted directly in the store for review tests."""

from __future__ import annotations

from datetime import date

from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, DraftVersion

SOURCE_TEXT = (
    "人民银行决定下调金融机构存款准备金率0.25个百分点，预计释放长期资金约5000亿元。"
    "下调后金融机构加权平均存款准备金率约为6.2%，每年可降低银行资金成本约50亿元。"
)
# States the source's four facts in its own words (the substance check wants facts).
BODY = (
    "央行降准0.25个百分点，预计释放的长期资金约5000亿元，平均存款准备金率降至6.2%左右，"
    "银行每年的资金成本可减少约50亿元[1]。"
    "降准之后，我们认为这是稳增长信号的又一次确认。投资有风险，入市需谨慎。以上内容仅供参考，不构成投资建议。"
)


def brief(slot: str = "morning_report", kind: str = "morning_report") -> Brief:
    source = BriefSource(
        1, 1, "央行降准0.25个百分点", SOURCE_TEXT, "演示媒体", "https://e.com/1", None
    )
    return Brief(slot, kind, "早报", "2026-11-23", "入门", "时效性内容", "", "", [], [source])


def plant(
    db: Database,
    *,
    state: str = "pending_review",
    slot: str = "morning_report",
    kind: str = "morning_report",
    flagged: bool = False,
    day: date = date(2026, 11, 23),
    segment: str = "",
    body: str = BODY,
) -> int:
    with db.session() as session:
        draft = Draft(
            day=day,
            slot=slot,
            kind=kind,
            segment=segment,
            title="早报",
            state=state,
            flagged=flagged,
            flag_reason="原创度 10% 低于要求 60%" if flagged else None,
            version=1,
            brief=brief(slot, kind).as_json(),
        )
        session.add(draft)
        session.flush()
        session.add(
            DraftVersion(
                draft_id=draft.id,
                number=1,
                body=body,
                report={
                    "passed": not flagged,
                    "originality": {"ratio": 1.0, "threshold": 0.6, "passed": True, "borrowed": []},
                    "citations": {
                        "recall": 1.0,
                        "precision": 1.0,
                        "passed": True,
                        "needing": 0,
                        "problems": [],
                    },
                    "compliance": {"passed": True, "violations": []},
                },
                passed=not flagged,
                origin="draft",
                provider="offline",
            )
        )
        return draft.id
