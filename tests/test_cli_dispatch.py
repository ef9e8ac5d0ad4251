"""A run of one command registers only the group defining it (newsdesk/cli/__init__.py): the map
from command to group must say what the groups really register, or a command would run with
every group registered (slower, still right) or, mapped to the wrong group, not be found."""

from __future__ import annotations

import json
import subprocess
import sys

from newsdesk.cli import COMMANDS, GROUPS, groups_for

# What each group registers, imported one at a time into a fresh root app.
REGISTERED = """
import importlib, json
from newsdesk.cli import base
app, found = base.app, {}
for group in json.loads(input()):
    before = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}
    before |= {g.name for g in app.registered_groups}
    importlib.import_module(f"newsdesk.cli.{group}")
    after = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}
    after |= {g.name for g in app.registered_groups}
    found[group] = sorted(after - before)
print(json.dumps(found))
"""


def registered(groups: list[str]) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", REGISTERED],
        input=json.dumps(groups),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_every_command_is_mapped_to_a_group_that_registers_it() -> None:
    everything = {name for names in registered(list(GROUPS)).values() for name in names}
    assert set(COMMANDS) == everything
    for name, group in COMMANDS.items():
        assert name in registered([group])[group], (name, group)


def test_a_run_registers_the_group_of_its_command_and_all_of_them_otherwise() -> None:
    assert groups_for(["metrics", "--month", "2026-11"]) == ("metrics",)
    assert groups_for(["--config", "desk.yaml", "feed", "parse", "x.xml"]) == ("feeds",)
    assert groups_for(["-c", "metrics", "web"]) == ("desk",)  # "metrics" is -c's value
    assert groups_for(["--config=desk.yaml", "users", "list"]) == ("users",)
    assert groups_for([]) == GROUPS
    assert groups_for(["--help"]) == GROUPS
    assert groups_for(["no-such-command"]) == GROUPS
