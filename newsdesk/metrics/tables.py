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


# A cell a spreadsheet would read as a formula: =HYPERLINK(...) in a reject note is a live link.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Text that starts like a formula gets a leading apostrophe (OWASP's advice); numbers stay."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV, every text cell safe to open in a spreadsheet."""
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()
