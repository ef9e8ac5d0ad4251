"""``newsdesk init DIR``: a desk of a team's own (demo off, generated secret, the SOP timetable),
and every file a desk names that is missing is one error line at load, naming key and path."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from newsdesk.config import DEMO_SECRET, load_settings
from newsdesk.desk_writer import TEMPLATE
from newsdesk.errors import ConfigError
from tests.cli_support import cli

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "config" / "desk.yaml"


def test_init_writes_a_real_desk_that_loads(tmp_path: Path) -> None:
    folder = tmp_path / "mydesk"
    out = cli("init", str(folder))
    assert out.returncode == 0, out.stderr
    desk, env = folder / "desk.yaml", folder / ".env"
    for step in ("sources:", "newsdesk users add", f"NEWSDESK_CONFIG={desk} newsdesk up"):
        assert step in out.stdout
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    settings = load_settings(desk)
    assert not settings.demo.enabled and settings.sources == []
    assert settings.topics.user_dictionaries == [] and settings.topics.stopwords == []
    secret = settings.web.secret_key
    assert secret != DEMO_SECRET and len(secret) >= 32 and secret in env.read_text("utf-8")
    settings.require_real_secret()
    assert settings.var_dir == folder.resolve() / "var"
    assert not settings.fetch.allow_private_networks
    assert all(channel.disclaimer for channel in settings.channels)
    assert settings.llm.concurrency == 4
    assert "演示" not in desk.read_text("utf-8") and "demo/" not in desk.read_text("utf-8")
    second = cli("init", str(folder))
    assert second.returncode == 2 and "not overwritten" in second.stderr
    assert second.stderr.count("\n") == 1 and yaml.safe_load(desk.read_text("utf-8"))


def test_the_environment_overrides_the_desks_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("init", str(tmp_path)).returncode == 0
    monkeypatch.setenv("NEWSDESK_WEB__SECRET_KEY", "x" * 40)
    assert load_settings(tmp_path / "desk.yaml").web.secret_key == "x" * 40


def test_the_template_keeps_the_bundled_timetable_and_checks() -> None:
    """The SOP is one thing in two files: the demo desk and the one init writes."""
    template = yaml.safe_load(TEMPLATE.read_text("utf-8"))
    bundled = yaml.safe_load(BUNDLED.read_text("utf-8"))
    for key in ("slots", "checks", "thresholds", "channels", "persona", "timezone"):
        assert template[key] == bundled[key], key
    assert template["llm"]["concurrency"] == bundled["llm"]["concurrency"]


def test_every_missing_file_a_desk_names_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "dict.txt").write_text("词 5 n\n", encoding="utf-8")
    desk = tmp_path / "desk.yaml"
    desk.write_text(
        "topics: {user_dictionaries: [dict.txt, ../gone/dictionary.txt, nope.txt]}\n"
        "prompts_dir: my_prompts\n"
        "demo: {enabled: true, directory: no_demo}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(desk)
    lines = str(caught.value).splitlines()
    assert len(lines) == 4
    for line, key, path in zip(
        lines,
        [
            "topics.user_dictionaries[1]",
            "topics.user_dictionaries[2]",
            "prompts_dir",
            "demo.directory",
        ],
        [
            tmp_path.parent / "gone" / "dictionary.txt",
            tmp_path / "nope.txt",
            tmp_path / "my_prompts",
            tmp_path / "no_demo",
        ],
        strict=True,
    ):
        assert line.startswith(f"{desk}: {key}: ") and line.endswith(str(path))
    out = cli("topics", env={"NEWSDESK_CONFIG": str(desk)})
    assert out.returncode == 2 and "Traceback" not in out.stderr + out.stdout
    assert "topics.user_dictionaries[1]" in out.stderr and "demo.directory" in out.stderr


def test_a_copied_demo_desk_without_its_dictionary_is_named(tmp_path: Path) -> None:
    """The issue's first report: the bundled desk copied elsewhere, the demo turned off."""
    conf = yaml.safe_load(BUNDLED.read_text("utf-8"))
    conf["demo"]["enabled"] = False
    (tmp_path / "desk.yaml").write_text(yaml.safe_dump(conf, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError, match=r"topics\.user_dictionaries\[0\]: .*dictionary\.txt$"):
        load_settings(tmp_path / "desk.yaml")


def test_web_refuses_a_lan_address_while_the_demo_secret_is_set(tmp_path: Path) -> None:
    """The bundled desk as a team copies it: demo secret, bound to the LAN. Refused, and the
    refusal made no demo account (only the demo's loading does)."""
    env = {"NEWSDESK_CONFIG": str(BUNDLED), "NEWSDESK_VAR_DIR": str(tmp_path / "var")}
    out = cli("web", "--host", "0.0.0.0", "--port", "8999", env=env)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "0.0.0.0" in out.stderr and "demo secret" in out.stderr
    listed = cli("users", "list", env=env)
    assert listed.returncode == 0 and "admin" not in listed.stdout


def test_web_refuses_a_lan_address_while_a_demo_account_has_its_printed_password(
    tmp_path: Path,
) -> None:
    from newsdesk.desk import add_demo_users, open_store, refuse_known_secrets
    from newsdesk.review.accounts import set_active, set_password

    assert cli("init", str(tmp_path)).returncode == 0
    settings = load_settings(tmp_path / "desk.yaml")
    db = open_store(settings)
    try:
        add_demo_users(db)
        out = cli(
            "web", "--host", "192.168.1.20", env={"NEWSDESK_CONFIG": str(settings.config_path)}
        )
        assert out.returncode == 2 and "admin / admin-demo" in out.stderr
        assert "demo secret" not in out.stderr  # init wrote a real one
        refuse_known_secrets(settings, db, "127.0.0.1")  # loopback: the demo is fine there
        refuse_known_secrets(settings, db, "localhost")
        set_password(db, "admin", "a-long-new-password-1")
        set_password(db, "editor", "a-long-new-password-2")
        with pytest.raises(ConfigError, match="compliance / compliance-demo"):
            refuse_known_secrets(settings, db, "10.0.0.5")
        set_active(db, "compliance", False)
        refuse_known_secrets(settings, db, "10.0.0.5")
    finally:
        db.dispose()


def test_drafting_a_past_slot_says_it_is_for_review_only(tmp_path: Path) -> None:
    assert cli("init", str(tmp_path)).returncode == 0
    env = {"NEWSDESK_CONFIG": str(tmp_path / "desk.yaml")}
    out = cli("draft", "--slot", "viewpoint", "--date", "2025-06-04", env=env)  # a Wednesday
    assert out.returncode == 0, out.stderr
    assert "仅供审阅" in out.stdout and "2025-06-04 09:00" in out.stdout
