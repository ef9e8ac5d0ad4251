"""Reading the desk file: YAML, then the environment and the desk's ``.env`` over it, then the
files it names; every problem one :class:`ConfigError` naming the file and the field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from newsdesk.config.paths import DEFAULT_CONFIG
from newsdesk.config.settings import Settings
from newsdesk.errors import ConfigError


def _format_validation(path: Path, exc: ValidationError, data: dict[str, Any]) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        lines.append(f"  {loc}: {err['msg']}{_named(data, err['loc'])}")
    return "\n".join(lines)


def _named(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Point at the entry by its name when the error is inside a list of named entries."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        entries = data.get(str(loc[0]))
        if isinstance(entries, list) and loc[1] < len(entries):
            entry = entries[loc[1]]
            if isinstance(entry, dict) and "name" in entry:
                return f" (entry name: {entry['name']!r})"
    return ""


# libyaml's safe loader when PyYAML was built with it (its wheels are): the same documents, a
# tenth of the pure-Python loader's time, which every command pays at start-up.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, not {type(data).__name__}")
    return data


def config_path_from_env() -> Path:
    return Path(os.environ.get("NEWSDESK_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path | str | None = None) -> Settings:
    """Read the desk from ``path`` (default: ``$NEWSDESK_CONFIG`` or config/desk.yaml)."""
    config_path = Path(path) if path is not None else config_path_from_env()
    data = read_yaml(config_path)
    if not data:
        raise ConfigError(
            f"{config_path}: 配置文件为空 / the desk file is empty: it needs sources, slots and "
            "channels (newsdesk init DIR writes a complete one)"
        )
    try:
        settings = Settings(_env_file=config_path.parent / ".env", **data)
    except ValidationError as exc:
        raise ConfigError(_format_validation(config_path, exc, data)) from None
    settings.config_path = config_path
    missing = settings.missing_files()
    if missing:
        raise ConfigError("\n".join(f"{config_path}: {line}" for line in missing))
    return settings
