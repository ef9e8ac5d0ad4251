"""What the code imports is declared, and urllib3 stays in the range feeds/pinning.py was tested with."""

from __future__ import annotations

import socket
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from urllib3.connection import HTTPConnection

from tests.imports import PACKAGES, files, imports

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DECLARED = {canonicalize_name(Requirement(r).name): Requirement(r) for r in PROJECT["dependencies"]}


def imported_modules() -> set[str]:
    """Top-level names imported anywhere in the shipped packages."""
    names = {name.split(".")[0] for path in files(*PACKAGES) for name in imports(path)}
    return names - set(PACKAGES) - set(sys.stdlib_module_names) - {"__future__"}


def test_every_imported_distribution_is_declared() -> None:
    distributions = packages_distributions()
    missing = sorted(
        f"{name} ({', '.join(distributions.get(name, ['not installed']))})"
        for name in imported_modules()
        if not any(canonicalize_name(d) in DECLARED for d in distributions.get(name, []))
    )
    assert missing == []


def test_urllib3_is_in_the_range_pinning_was_tested_with() -> None:
    pin = DECLARED["urllib3"].specifier
    assert pin.contains(Version(version("urllib3"))), f"urllib3 {version('urllib3')} not in {pin}"
    assert not pin.contains(Version("3.0")), "the pin must have an upper bound"


def test_urllib3_connects_to_dns_host_and_reads_host_back_from_it() -> None:
    """The private contract feeds/pinning.py relies on: the TCP connect goes to ``_dns_host``,
    and ``host`` (used for SNI and the certificate check) is read from it, so it must be restored."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        conn = HTTPConnection("pinned.invalid", listener.getsockname()[1], timeout=5)
        assert conn._dns_host == "pinned.invalid"
        conn._dns_host = "127.0.0.1"
        assert conn.host == "127.0.0.1"
        sock = conn._new_conn()  # would fail to resolve pinned.invalid
        try:
            assert sock.getpeername()[0] == "127.0.0.1"
        finally:
            sock.close()
