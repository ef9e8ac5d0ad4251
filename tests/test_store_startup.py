"""Opening the store costs a command only what it uses: the ORM (and the YAML loader's pure-Python
fallback) stay out of a process that reads through Core, such as ``newsdesk metrics --month``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OPEN_THEN_SESSION = """
import sys
from sqlalchemy import text
from newsdesk.store.db import Database
db = Database(sys.argv[1])
with db.engine.connect() as connection:
    connection.execute(text("select 1"))
print("orm after core:", "sqlalchemy.orm" in sys.modules)
with db.session() as session:
    print("session:", session.execute(text("select 2")).scalar_one())
print("orm after session:", "sqlalchemy.orm" in sys.modules)
"""


def test_the_orm_is_imported_only_when_a_session_is_opened(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", OPEN_THEN_SESSION, f"sqlite:///{tmp_path / 'store.db'}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == [
        "orm after core: False",
        "session: 2",
        "orm after session: True",
    ]


def test_the_desk_file_is_read_with_libyaml(tmp_path: Path) -> None:
    import yaml

    from newsdesk.config.load import _SAFE_LOADER, read_yaml

    assert _SAFE_LOADER is yaml.CSafeLoader  # PyYAML's wheels ship libyaml
    desk = tmp_path / "desk.yaml"
    desk.write_text("timezone: Asia/Shanghai\nslots: [{name: 早报, at: '08:00'}]\n", "utf-8")
    assert read_yaml(desk) == {
        "timezone": "Asia/Shanghai",
        "slots": [{"name": "早报", "at": "08:00"}],
    }
