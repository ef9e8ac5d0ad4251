"""Where the desk file and the packaged prompts and content templates are."""

from __future__ import annotations

from pathlib import Path

DEFAULT_CONFIG = Path("config/desk.yaml")
# Prompts and content templates ship inside the package, so an installed desk drafts from any folder.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def shipped_dir(name: str) -> Path:
    """``prompts/`` or ``content_templates/``: kept at the repository's top, carried inside the
    installed wheel as ``newsdesk/<name>`` (setup.py maps them), so a wheel has them beside the
    package's modules and a checkout (editable install included) one level up."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name
