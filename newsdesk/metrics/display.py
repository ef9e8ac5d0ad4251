"""Figures as the desk reads them: 无 for nothing yet, 11.1 % for a share, 9.6 分钟 for a time.

One place for the CLI, the dashboard and the daily-metrics artifact; the JSON
and CSV keep the raw numbers for scripts.
"""

from __future__ import annotations

from typing import Any

NOTHING = "无"


def percent(value: float | None) -> str:
    return NOTHING if value is None else f"{value * 100:.1f} %"


def minutes(value: float | None) -> str:
    return NOTHING if value is None else f"{value:.1f} 分钟"


def number(value: Any) -> str:
    if value is None:
        return NOTHING
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def cell(column: str, value: Any) -> str:
    """A table cell by its column: rates as percentages, *_minutes as minutes."""
    if column.endswith("_rate"):
        return percent(value)
    if column.endswith("_minutes"):
        return minutes(value)
    return number(value)


def summary(data: dict[str, Any]) -> str:
    """The headline figures of a period in one line."""
    approve = data["approve_minutes"]
    return (
        f"按时发布率 fill rate {percent(data['fill_rate'])} ({data['filled_on_time']}/{data['due']}), "
        f"稿件 drafts {data['drafts']}, 通过率 approval {percent(data['approval_rate'])}, "
        f"审核用时 time to approve 中位 median {minutes(approve['median'])} / p90 {minutes(approve['p90'])}, "
        f"每稿修订 revisions per draft {number(data['revisions_per_draft'])}, "
        f"突发解读 breaking turnaround {minutes(data['breaking_turnaround_minutes']['median'])}"
    )
