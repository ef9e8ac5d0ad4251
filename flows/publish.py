"""Publish flow (every minute): expire overdue drafts, send what is due, mark published."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from newsdesk.clock import desk_clock
from newsdesk.publish.notices import NoticeReport, notify_editors
from newsdesk.publish.service import PublishReport, publish_due
from tasks.desk import desk


@task(retries=1, retry_delay_seconds=10, timeout_seconds=300, cache_policy=NO_CACHE)
def publish_now() -> PublishReport:
    d = desk()
    return publish_due(d.db, d.settings, desk_clock(d.settings).now())


@task(cache_policy=NO_CACHE)
def notify_now() -> NoticeReport:
    d = desk()
    return notify_editors(d.db, d.settings, desk_clock(d.settings).now())


@flow(name="publish", log_prints=True)
def publish_flow() -> dict[str, int]:
    # Editors first: a draft whose deadline just passed is escalated before it can expire.
    notices = notify_now()
    report = publish_now()
    if report.failed or report.uncertain or report.expired or report.skipped:
        lines = [f"- failed: draft {d} → {c}: {e}" for d, c, e in report.failed]
        lines += [
            f"- uncertain (check the channel, then `newsdesk posts mark-sent` or `resend`): draft {d} → {c}"
            for d, c in report.uncertain
        ]
        lines += [f"- skipped: draft {d}: {why}" for d, why in report.skipped]
        lines += [f"- expired unapproved: draft {d}" for d in report.expired]
        create_markdown_artifact(
            key="publish-problems", markdown="\n".join(lines), description="posts needing attention"
        )
    summary = {
        "sent": len(report.sent),
        "failed": len(report.failed),
        "uncertain": len(report.uncertain),
        "busy": len(report.busy),
        "skipped": len(report.skipped),
        "expired": len(report.expired),
        "published": len(report.published),
        "reminded": len(notices.reminded),
        "escalated": len(notices.escalated),
        "notice_failed": len(notices.failed),
    }
    print(f"publish: {summary}")
    return summary
