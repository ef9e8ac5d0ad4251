"""Read items for ``newsdesk topics detect`` from JSON lines, with errors naming the line."""

from __future__ import annotations

import json
from datetime import tzinfo
from pathlib import Path

from newsdesk.errors import ItemError
from newsdesk.feeds.normalise import parse_time
from newsdesk.text.clean import clean_text
from newsdesk.topics.stories import TopicItem

REQUIRED = ("id", "title", "source", "published")


def read_items_jsonl(path: Path, default_tz: tzinfo) -> list[TopicItem]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ItemError(f"{path}: cannot read items file: {exc}") from exc
    items: list[TopicItem] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ItemError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        if not isinstance(row, dict):
            raise ItemError(f"{path}:{number}: each line must be a JSON object")
        missing = [key for key in REQUIRED if not row.get(key)]
        if missing:
            raise ItemError(f"{path}:{number}: missing {', '.join(missing)}")
        published = parse_time(str(row["published"]), default_tz)
        if published is None:
            raise ItemError(f"{path}:{number}: cannot read published time {row['published']!r}")
        items.append(
            TopicItem(
                str(row["id"]),
                clean_text(str(row["title"])),
                clean_text(str(row.get("summary") or "")),
                str(row["source"]),
                published,
                row.get("link"),
            )
        )
    return items
