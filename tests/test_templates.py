"""A desk outside the checkout: packaged prompts and content templates, a desk's own overrides,
paths relative to the desk file, and one error line for a missing template."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.config import PACKAGE_DIR, load_settings, shipped_dir
from newsdesk.drafting.prompts import system_prompt
from newsdesk.errors import ConfigError
from newsdesk.publish.render import render_post, render_script, script_names
from tests.cli_support import cli


def desk(folder: Path, text: str = "timezone: Asia/Shanghai\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "desk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("folder", ["config", "mydesk"])
def test_paths_are_relative_to_the_desk_file_whatever_its_folder_is_called(
    tmp_path: Path, folder: str
) -> None:
    settings = load_settings(desk(tmp_path / folder, "demo: {directory: feeds}\n"))
    assert settings.base_dir == tmp_path / folder
    assert settings.demo_dir == tmp_path / folder / "feeds"


def test_a_checkout_keeps_prompts_and_templates_at_the_repository_top() -> None:
    top = PACKAGE_DIR.parent
    assert shipped_dir("prompts") == top / "prompts"
    assert shipped_dir("content_templates") == top / "content_templates"
    assert not (PACKAGE_DIR / "prompts").exists()


def test_a_desk_without_template_folders_uses_the_packaged_ones(tmp_path: Path) -> None:
    settings = load_settings(desk(tmp_path / "elsewhere"))
    assert settings.prompt_dirs == (shipped_dir("prompts"),)
    assert "研究助理小新" in system_prompt(settings, "viewpoint", "投资有风险")
    assert {"welcome", "group_rules", "announcement"} <= set(script_names(settings))
    post = render_post(
        settings,
        "outbox",
        "viewpoint",
        title="标题",
        body="正文",
        day="2026-11-23",
        slot_title="早报",
    )
    assert "正文" in post


def test_a_desk_overrides_single_templates(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    (folder / "my_prompts").mkdir(parents=True)
    (folder / "my_prompts" / "system.j2").write_text(
        "本台口径 {{ persona.name }}", encoding="utf-8"
    )
    (folder / "my_templates" / "scripts").mkdir(parents=True)
    (folder / "my_templates" / "scripts" / "welcome.j2").write_text(
        "自家欢迎词 {{ name }}", encoding="utf-8"
    )
    (folder / "my_templates" / "scripts" / "closing.j2").write_text("收盘见", encoding="utf-8")
    settings = load_settings(
        desk(folder, "prompts_dir: my_prompts\npublish: {templates_dir: my_templates}\n")
    )
    assert system_prompt(settings, "viewpoint", "x") == "本台口径 研究助理小新"
    assert render_script(settings, "welcome", {"name": "老张"}) == "自家欢迎词 老张"
    # The packaged scripts the desk did not replace are still there, beside its own.
    assert {"welcome", "group_rules", "closing"} <= set(script_names(settings))
    assert "小王" in render_script(settings, "group_rules", {"group": "群", "contact": "小王"})


def test_a_template_folder_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="prompts_dir") as caught:
        load_settings(desk(tmp_path / "desk", "prompts_dir: nope\n"))
    assert str(tmp_path / "desk" / "nope") in str(caught.value)


def test_a_missing_prompt_template_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    (folder / "prompts").mkdir(parents=True)
    (folder / "prompts" / "system.j2").write_text('{% include "_house.j2" %}', encoding="utf-8")
    settings = load_settings(desk(folder, "prompts_dir: prompts\n"))
    with pytest.raises(ConfigError, match="_house.j2"):
        system_prompt(settings, "viewpoint", "x")


def test_a_missing_template_is_one_line_from_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    (folder / "t" / "scripts").mkdir(parents=True)
    (folder / "t" / "scripts" / "welcome.j2").write_text('{% include "_footer.j2" %}', "utf-8")
    path = desk(folder, "publish: {templates_dir: t}\n")
    out = cli("script", "render", "welcome", env={"NEWSDESK_CONFIG": str(path)})
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout
    assert "_footer.j2" in out.stderr and len(out.stderr.strip().splitlines()) == 1
