"""The offline composer: a data-to-text pipeline over the brief's figure facts.

plan.py picks the facts (only sure ones, read plainly) and orders the stories by weight;
realise.py words one fact as one clause; layouts.py arranges a kind's stories; the words are
data in phrases/. :func:`compose` returns the post text and, separately, the notes an editor
reads beside it (a section left out and why) — never in the post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief
from newsdesk.drafting.composer.layouts import LAYOUTS, Context
from newsdesk.drafting.composer.plan import Steering
from newsdesk.drafting.composer.wording import phrases
from newsdesk.kinds import kind_spec


@dataclass(frozen=True)
class Composition:
    text: str
    notes: tuple[str, ...]


def desk_script(settings: Settings) -> str:
    """The script the desk posts in (``script`` in desk.yaml; simplified by default)."""
    return str(getattr(settings, "script", "simplified"))


def compose(
    settings: Settings,
    brief: Brief,
    disclaimer: str,
    *,
    note: str | None = None,
    day_texts: Sequence[str] = (),
) -> Composition:
    spec = kind_spec(brief.kind)
    desk_dirs = tuple(settings.prompt_dirs[:-1])  # the desk's own folders; packaged last
    ctx = Context(
        brief=brief,
        spec=spec,
        persona=settings.persona.name,
        words=phrases(brief.kind, desk_dirs),
        desk=phrases("_desk", desk_dirs),
        steering=Steering.of(brief.note, note),
        script=desk_script(settings),
        desk_dirs=desk_dirs,
        day_texts=tuple(day_texts),
        seed=f"{brief.day}|{brief.slot}|{brief.segment}",
        max_quote=settings.checks.max_quote_chars,  # a quote the originality check counts as one
    )
    # The same brief and note give the same text: a revision round cannot change a draft that
    # states only what it is sure of, and the service stops asking when the text is unchanged.
    body = [text for text in LAYOUTS[spec.layout](ctx) if text]
    text = "\n".join([*body, disclaimer]) if body else ""
    return Composition(text, tuple(dict.fromkeys(ctx.notes)))
