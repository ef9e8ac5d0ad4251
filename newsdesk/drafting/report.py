"""Human-readable summaries of stored drafts (Prefect artifacts, CLI)."""

from __future__ import annotations

from newsdesk.store.db import Database
from newsdesk.store.models import Draft


def slot_summary_markdown(db: Database, draft_ids: list[int]) -> str:
    parts: list[str] = []
    with db.session() as session:
        for draft_id in draft_ids:
            draft = session.get(Draft, draft_id)
            if draft is None:
                continue
            parts.append(f"## {draft.title} · {draft.day} · draft {draft.id}")
            if draft.flagged:
                parts.append(f"**flagged**: {draft.flag_reason}")
            if not draft.versions:
                parts.append("_no text yet_")
                continue
            latest = draft.versions[-1]
            report = latest.report
            originality = report["originality"]
            citations = report["citations"]
            parts.append(
                f"version {latest.number} ({latest.provider}, {latest.latency_ms} ms): "
                f"{'passed' if latest.passed else 'failed'} · originality {originality['ratio']:.0%} · "
                f"citations recall {citations['recall']:.0%} precision {citations['precision']:.0%} · "
                f"compliance {'ok' if report['compliance']['passed'] else 'violations'}"
            )
            parts.append("\n".join(f"> {line}" for line in latest.body.splitlines()))
    return "\n\n".join(parts) or "_no drafts_"
