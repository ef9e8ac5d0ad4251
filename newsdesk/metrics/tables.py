"""The metrics as named tables: the same rows feed the CLI, the CSV downloads and the page."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

# Only for type hints: the CLI reads TABLES for its help without loading the metrics code.
if TYPE_CHECKING:
    from newsdesk.metrics.compute import Metrics

TABLES = ("slots", "sources", "providers", "failures", "originality", "rejections")


# The page shows this many of a long table (the newest), the CSV all of them.
PAGE_ROWS = 50


def table(metrics: Metrics, name: str) -> list[dict[str, Any]]:
    return rows(metrics.as_json(), name)


def rows(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Table ``name`` from a period's figures as ``Metrics.as_json`` gives them."""
    if name in ("slots", "sources", "providers"):
        return data[name]
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


def page_tables(data: dict[str, Any]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Every table as the page shows it (a long one cut to its newest PAGE_ROWS rows, newest
    first: a month holds thousands of rejection notes) and each table's full length."""
    full = {name: rows(data, name) for name in TABLES}
    shown = {
        name: table_rows if len(table_rows) <= PAGE_ROWS else table_rows[: -PAGE_ROWS - 1 : -1]
        for name, table_rows in full.items()
    }
    return shown, {name: len(table_rows) for name, table_rows in full.items()}


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
