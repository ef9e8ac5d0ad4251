"""The desk file's content kinds come from the one registry (newsdesk/kinds.py), issue 25 item 1:
a kind registered there is a kind the desk may name, with no change to the config's code."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.config import load_settings
from newsdesk.errors import ConfigError
from newsdesk.kinds import REGISTRY, KindSpec

FLASH = KindSpec("market_flash", "market", "brief", "80-150 字", 1, 1, min_facts=2)

DESK = """\
slots:
  - {name: flash, time: '11:00', kind: KIND, title: 快讯}
checks:
  recap_kinds: [KIND]
review:
  compliance_kinds: [KIND]
"""


def desk(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "desk.yaml"
    path.write_text(DESK.replace("KIND", kind), encoding="utf-8")
    return path


def test_a_kind_added_to_the_registry_is_accepted_everywhere_the_desk_names_a_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(REGISTRY, FLASH.name, FLASH)
    settings = load_settings(desk(tmp_path, "market_flash"))
    assert settings.slot("flash").kind == "market_flash"
    assert settings.checks.recap_kinds == ["market_flash"]
    assert settings.review.compliance_kinds == ["market_flash"]
    # its minimum of facts is its registry entry's, with no line of config for it
    assert settings.checks.min_facts["market_flash"] == 2


def test_a_kind_not_in_the_registry_is_one_error_per_place_listing_the_known_kinds(
    tmp_path: Path,
) -> None:
    path = desk(tmp_path, "market_flash")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    for place in ("slots.0.kind", "checks.recap_kinds.0", "review.compliance_kinds.0"):
        assert place in message
    assert "unknown content kind 'market_flash'" in message and "morning_report" in message


def test_min_facts_keys_are_registered_kinds(tmp_path: Path) -> None:
    path = tmp_path / "desk.yaml"
    path.write_text("checks:\n  min_facts: {morning_reprot: 3}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"checks\.min_facts\.morning_reprot"):
        load_settings(path)
