"""The composer's words as data: ``phrases/<kind>.toml`` and ``phrases/_desk.toml``.

A desk overrides a file by putting one of the same name in ``<prompts_dir>/phrases/`` (as it
overrides prompt templates); its keys replace the packaged ones, the rest stay. The weekday,
the persona's name and a story's subject fill the placeholders.
"""

from __future__ import annotations

import hashlib
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

PACKAGED = Path(__file__).parent / "phrases"


@cache
def _read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def phrases(name: str, desk_dirs: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The packaged ``phrases/<name>.toml`` with a desk's own file of that name laid over it."""
    merged = dict(_read(PACKAGED / f"{name}.toml"))
    for directory in reversed(desk_dirs):
        merged |= _read(directory / "phrases" / f"{name}.toml")
    return merged


def pick(options: list[str] | str, seed: str) -> str:
    """One of several wordings, the same for the same draft (a hash of ``seed``)."""
    if isinstance(options, str):
        return options
    if not options:
        return ""
    digest = int(hashlib.sha1(seed.encode()).hexdigest()[:8], 16)
    return options[digest % len(options)]


def metric_classes(desk_dirs: tuple[Path, ...] = ()) -> dict[str, str]:
    """Canonical metric -> its class (macro, company, market, other): the metrics stated."""
    return {
        metric: klass
        for klass, metrics in phrases("metrics", desk_dirs).items()
        for metric in metrics
    }
