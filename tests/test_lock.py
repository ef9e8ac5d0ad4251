"""requirements/lock.txt (scripts/lock.sh, uv's resolver) matches pyproject.toml, and the test
environment was installed from it: a dependency added, removed or re-ranged in pyproject.toml
without running scripts/lock.sh fails here, not on a fresh machine that installs floating versions."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")
_FROM_PYPROJECT = "newsdesk (pyproject.toml)"


def declared() -> dict[str, Requirement]:
    texts = [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["test"]]
    return {canonicalize_name(Requirement(t).name): Requirement(t) for t in texts}


def locked() -> tuple[dict[str, Version], set[str]]:
    """The lock's pins, and the names it says pyproject.toml asked for (its ``# via`` notes)."""
    pins: dict[str, Version] = {}
    direct: set[str] = set()
    current = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        pin = _PIN.match(line)
        if pin:
            current = canonicalize_name(pin.group(1))
            pins[current] = Version(pin.group(2))
        elif _FROM_PYPROJECT in line and current:
            direct.add(current)
    return pins, direct


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins, _ = locked()
    wrong = {
        name: f"{req.specifier or 'any'} but lock has {pins.get(name, 'nothing')}"
        for name, req in declared().items()
        if name not in pins or not req.specifier.contains(pins[name], prereleases=True)
    }
    assert wrong == {}, "run bash scripts/lock.sh"


def test_the_lock_pins_nothing_pyproject_no_longer_asks_for() -> None:
    _, direct = locked()
    assert direct == set(declared()), "run bash scripts/lock.sh"


def test_the_environment_was_installed_from_the_lock() -> None:
    pins, _ = locked()
    drift = {}
    for name, pinned in pins.items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            continue  # a pin behind a marker this platform does not meet
        if installed != pinned:
            drift[name] = f"installed {installed}, lock {pinned}"
    assert drift == {}, "install with scripts/bootstrap.sh (pip --constraint requirements/lock.txt)"
