"""Slot flow: topics -> brief and draft per audience segment (fan-out) -> checks -> queued for review."""

from __future__ import annotations

from datetime import date

from prefect import flow, unmapped
from prefect.artifacts import create_markdown_artifact

from newsdesk.clock import desk_clock
from newsdesk.drafting.report import slot_summary_markdown
from newsdesk.drafting.service import slot_segments
from newsdesk.timetable import working_day
from tasks.desk import desk
from tasks.drafting import draft_segment, llm_calls
from tasks.topics import detect_topics


@flow(name="slot", log_prints=True)
def run_slot(
    slot: str, day: date | None = None, provider: str | None = None, new_version: bool = False
) -> list[dict[str, object]]:
    """Draft one posting slot for a day (default: the desk's working day); idempotent per day.

    The steps of ``newsdesk.drafting.service.draft_slot``, as tasks: topics, then a draft per
    segment, fanned out."""
    settings = desk().settings
    conf = settings.slot(slot)
    day = day or working_day(settings, desk_clock(settings).now())
    segments = slot_segments(conf, day)
    if not segments:
        print(f"{day} is not a trading day on the Shanghai exchange: {slot} skipped")
        return []
    detect_topics(day)
    # Each provider call holds one slot of the global llm limit while it runs
    # (tasks/llm_limit.py); the process takes free slots for the first calls before they start.
    with llm_calls(len(segments), provider):
        outcomes = draft_segment.map(
            unmapped(slot), unmapped(day), segments, unmapped(provider), unmapped(new_version)
        ).result()
    create_markdown_artifact(
        key=f"slot-{slot.replace('_', '-')}",
        markdown=slot_summary_markdown(desk().db, [o.draft_id for o in outcomes]),
        description=f"{conf.title} {day}: drafts and their checks",
    )
    for o in outcomes:
        print(
            f"draft {o.draft_id} {o.segment or '-'}: {'flagged: ' + (o.reason or '') if o.flagged else 'ok'}"
        )
    return [o.__dict__ for o in outcomes]
