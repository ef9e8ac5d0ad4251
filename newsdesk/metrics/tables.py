"""The metrics as named tables: the same rows feed the CLI, the CSV downloads and the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# Only for type hints: the CLI reads TABLES for its help without loading the metrics code.
if TYPE_CHECKING:
    from newsdesk.metrics.compute import Metrics

TABLES = ("slots", "sources", "providers", "failures", "originality", "rejections")
# A rejection or rewrite request: kept as a row of these (a month has tens of thousands,
# read back from snapshots on every dashboard view), an object only where one is shown.
NOTE_KEYS = ("draft", "slot", "by", "note")


def note_objects(notes: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(NOTE_KEYS, note, strict=True)) for note in notes]


# The page shows this many of a long table (the newest), the CSV all of them.
PAGE_ROWS = 50


def table(metrics: Metrics, name: str) -> list[dict[str, Any]]:
    return rows(metrics.as_json(notes=name == "rejections"), name)


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


def page_tables(metrics: Metrics) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Every table as the page shows it and each table's full length: the notes (a month holds
    tens of thousands) cut to the newest PAGE_ROWS of each kind, newest first, and only those
    made objects; the other tables whole."""
    data = metrics.as_json(notes=False) | {
        "rejections": note_objects(metrics.rejections[: -PAGE_ROWS - 1 : -1]),
        "rewrite_requests": note_objects(metrics.rewrite_requests[: -PAGE_ROWS - 1 : -1]),
    }
    shown = {name: rows(data, name) for name in TABLES}
    totals = {name: len(table_rows) for name, table_rows in shown.items()}
    totals["rejections"] = len(metrics.rejections) + len(metrics.rewrite_requests)
    return shown, totals


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
