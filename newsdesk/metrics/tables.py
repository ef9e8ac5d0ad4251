"""The metrics as named tables: the same rows feed the CLI, the CSV downloads and the page."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

# Only for type hints: the CLI reads TABLES for its help without loading the metrics code.
if TYPE_CHECKING:
    from newsdesk.metrics.compute import Metrics

TABLES = ("slots", "sources", "providers", "failures", "originality", "rejections")


def table(metrics: Metrics, name: str) -> list[dict[str, Any]]:
    data = metrics.as_json()
    if name == "slots":
        return data["slots"]
    if name == "sources":
        return data["sources"]
    if name == "providers":
        return data["providers"]
    if name == "failures":
        return [{"rule": rule, "count": count} for rule, count in data["failures_by_rule"].items()]
    if name == "originality":
        return [
            {"bucket": bucket, "drafts": count} for bucket, count in data["originality"].items()
        ]
    if name == "rejections":
        return [{"kind": "reject", **r} for r in data["rejections"]] + [
            {"kind": "request_revision", **r} for r in data["rewrite_requests"]
        ]
    raise ValueError(f"no table {name!r} (tables: {', '.join(TABLES)})")


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
