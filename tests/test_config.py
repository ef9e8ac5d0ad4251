"""Configuration: the bundled desk, env overrides, and clear errors for bad files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.config import load_settings
from newsdesk.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "config" / "desk.yaml"


def test_bundled_desk_loads() -> None:
    settings = load_settings(BUNDLED)
    assert len(settings.sources) >= 9
    assert [s.time.strftime("%H:%M") for s in settings.slots][:8] == [
        "08:00",
        "09:00",
        "10:00",
        "12:00",
        "14:00",
        "15:30",
        "16:00",
        "18:00",
    ]
    assert settings.thresholds.originality == 0.60
    assert settings.llm.provider == "offline"
    assert settings.demo_dir == ROOT / "demo"


def test_env_overrides_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("NEWSDESK_FETCH__MAX_BYTES", "1234")
    monkeypatch.setenv("NEWSDESK_CONFIG", str(BUNDLED))
    settings = load_settings()
    assert settings.resolved_database_url == "sqlite:////tmp/x.db"
    assert settings.fetch.max_bytes == 1234
    assert settings.fetch.read_timeout == 15


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "desk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sources:\n  - {name: a, url: 'ftp://x/y'}\n",
            ["sources.0.url", "http://", "entry name: 'a'"],
        ),
        ("sources:\n  - {name: 'Bad Name', url: 'http://x/y'}\n", ["sources.0.name", "lower-case"]),
        ("fetch:\n  max_bytes: -1\n", ["fetch.max_bytes", "greater than 0"]),
        ("fetch:\n  max_byte: 10\n", ["fetch.max_byte", "Extra inputs"]),
        ("slots:\n  - {name: s, time: '25:00', kind: viewpoint, title: t}\n", ["slots.0.time"]),
        ("slots:\n  - {name: s, time: '08:00', kind: nonsense, title: t}\n", ["slots.0.kind"]),
        (
            "slots:\n  - {name: w, time: '08:00', kind: viewpoint, title: t, calendar: weekly}\n",
            ["weekday"],
        ),
        (
            "slots:\n  - {name: s, time: '08:00', kind: viewpoint, title: t, channels: [nope]}\n",
            ["unknown channel", "nope"],
        ),
        (
            "sources:\n  - {name: a, url: 'http://x/1'}\n  - {name: a, url: 'http://x/2'}\n",
            ["duplicate", "a"],
        ),
        ("thresholds:\n  originality: 1.5\n", ["thresholds.originality"]),
        ("sources: [\n", ["not valid YAML", "line"]),
        ("- just\n- a list\n", ["top level must be a mapping"]),
    ],
)
def test_bad_file_names_file_field_and_problem(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")


def test_cli_prints_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "fetch:\n  max_bytes: lots\n")
    env = os.environ | {"NEWSDESK_CONFIG": str(path)}
    out = subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "sources"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    assert str(path) in out.stderr and "fetch.max_bytes" in out.stderr


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", *args],
        capture_output=True,
        text=True,
        env=os.environ | env,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("timezone: Mars/Olympus\n", ["timezone", "Mars/Olympus", "Asia/Shanghai"]),
        ("timezone: ../../etc/passwd\n", ["timezone", "not a time zone"]),
        ("", ["empty"]),
        ("# only a comment\n", ["empty"]),
    ],
)
def test_operator_mistakes_are_one_clear_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    """Issue 26 item 5: these printed tracebacks, or (an empty file) were accepted silently."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    for fragment in expected:
        assert fragment in str(info.value)
    out = _cli("review", "list", NEWSDESK_CONFIG=str(path))
    assert out.returncode == 2 and "Traceback" not in out.stderr + out.stdout, out.stderr
    assert expected[0] in out.stderr


def test_var_dir_that_is_a_file(tmp_path: Path) -> None:
    taken = tmp_path / "var"
    taken.write_text("not a folder")
    for value in (taken, taken / "inside"):
        out = _cli("review", "list", NEWSDESK_CONFIG=str(BUNDLED), NEWSDESK_VAR_DIR=str(value))
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        assert "var_dir" in out.stderr and "not a folder" in out.stderr


def test_a_port_out_of_range_is_refused(tmp_path: Path) -> None:
    for port in ("99999", "0", "-1"):
        out = _cli("web", "--port", port, NEWSDESK_CONFIG=str(BUNDLED))
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        assert "--port" in out.stderr
