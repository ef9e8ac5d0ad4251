"""Run the CLI as a user does: a subprocess, from the repository root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=os.environ | (env or {}),
        timeout=300,
    )
