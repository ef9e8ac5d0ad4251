"""``newsdesk init DIR``: a desk of a team's own, not the demo.

It writes ``desk.yaml`` from the packaged template (``desk_template.yaml``: the demo off, the SOP
timetable, channels with their disclaimers, a commented example source of each type, no demo
dictionaries) with ``var_dir`` made absolute, so the store is the same whichever folder the desk
is run from, and ``.env`` with a generated session secret, which ``load_settings`` reads.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from newsdesk.errors import ConfigError

TEMPLATE = Path(__file__).resolve().parent / "desk_template.yaml"
_VAR_LINE = "var_dir: var "


def write_desk(directory: Path) -> tuple[Path, Path]:
    """Write ``desk.yaml`` and ``.env`` into ``directory`` (made if missing); never overwrites."""
    directory = directory.resolve()
    desk, env = directory / "desk.yaml", directory / ".env"
    existing = [str(p) for p in (desk, env) if p.exists()]
    if existing:
        raise ConfigError(f"已存在，未覆盖 / already there, not overwritten: {', '.join(existing)}")
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"不是文件夹 / not a folder: {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.read_text(encoding="utf-8")
    var_dir = json.dumps((directory / "var").as_posix(), ensure_ascii=False)  # a YAML string
    desk.write_text(text.replace(_VAR_LINE, f"var_dir: {var_dir} ", 1), encoding="utf-8")
    env.write_text(
        "# Read by newsdesk with the desk file beside it; the environment overrides it.\n"
        f"NEWSDESK_WEB__SECRET_KEY={secrets.token_urlsafe(32)}\n",
        encoding="utf-8",
    )
    env.chmod(0o600)
    return desk, env
