"""Provider ``offline``: the composer package (:mod:`newsdesk.drafting.composer`) behind the
provider interface, with no model and no key.

The composition's editor notes (a section left out and why, a focus with no facts) travel as
the completion's remark, stored beside the version; the post text carries no machine label and
no internal note (the queue shows the provider instead).
"""

from __future__ import annotations

import time

from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief
from newsdesk.drafting.composer import Composition, compose
from newsdesk.drafting.composer.plan import Steering
from newsdesk.drafting.llm import Completion, DraftRequest


class OfflineComposer:
    """Deterministic, fast, honest: states only facts it is sure of."""

    name = "offline"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def compose(
        self,
        brief: Brief,
        disclaimer: str,
        *,
        note: str | None = None,
        day_texts: tuple[str, ...] = (),
    ) -> Composition:
        return compose(self.settings, brief, disclaimer, note=note, day_texts=day_texts)

    def complete(self, request: DraftRequest) -> Completion:
        started = time.perf_counter()
        composed = self.compose(
            request.brief,
            request.disclaimer,
            note=request.note,
            day_texts=request.day_texts,
        )
        notes = list(composed.notes)
        previous = request.previous
        if previous is not None and composed.text.strip() == previous.strip():
            notes.append(self.unchanged_reason(request.brief, request.note))
        latency = int((time.perf_counter() - started) * 1000)
        remark = "；".join(notes) or None
        return Completion(
            composed.text, self.name, "offline-composer", 0, 0, latency, "stop", remark
        )

    def unchanged_reason(self, brief: Brief, note: str | None) -> str:
        focus = Steering.of(brief.note, note).focus
        if focus:
            return f"来源中没有与“{'、'.join(focus)}”相关的新事实，正文未改动"
        return "来源没有可换用的事实或写法，正文未改动"
