"""A desk outside the checkout: newsdesk installed without ``-e`` into a fresh virtualenv runs the
demo day from another folder, drafting from the prompts and templates shipped in the package.

The fresh venv gets newsdesk itself from a wheel built from a copy of this tree
(no editable finder, nothing read from the checkout), and borrows the already
installed third-party packages through a .pth line, so the test stays offline
and fast; that the dependencies are declared is tests/test_dependencies.py's job.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import yaml

from tests.web_support import free_port

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".*_cache", "node_modules", "*.so"
)


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert out.returncode == 0, f"{argv[:4]} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def test_installed_desk_runs_the_demo_from_another_folder(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NEWSDESK_CONFIG")}
    run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-build-isolation", str(source)],
        env=clean,
    )
    shutil.rmtree(source)  # nothing may be read from the tree it was built from

    # The demo desk, moved out of the checkout: only its data (demo/) stays where it is.
    desk_dir = tmp_path / "elsewhere"
    desk_dir.mkdir()
    conf = yaml.safe_load((ROOT / "config" / "desk.yaml").read_text(encoding="utf-8"))
    conf["demo"]["directory"] = str((ROOT / "config" / conf["demo"]["directory"]).resolve())
    topics = conf.get("topics", {})
    topics["user_dictionaries"] = [
        str((ROOT / "config" / path).resolve()) for path in topics.get("user_dictionaries", [])
    ]
    (desk_dir / "desk.yaml").write_text(yaml.safe_dump(conf, allow_unicode=True), "utf-8")
    work = tmp_path / "cwd"
    work.mkdir()
    env = clean | {
        "NEWSDESK_CONFIG": str(desk_dir / "desk.yaml"),
        "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "NEWSDESK_DEMO__PORT": str(free_port()),
    }
    where = run([str(python), "-c", "import newsdesk; print(newsdesk.__file__)"], env=env, cwd=work)
    assert where.stdout.strip().startswith(str(site))
    # The repository's top-level prompts/ and content_templates/ travel inside the wheel.
    assert (site / "newsdesk" / "prompts" / "system.j2").is_file()
    assert (site / "newsdesk" / "content_templates" / "scripts" / "welcome.j2").is_file()
    # The C modules were compiled for it (setup.py), not left to the slower Python code.
    assert {path.name.split(".")[0] for path in (site / "newsdesk" / "text").glob("*.so")} == {
        "_scan",
        "_route",
    }
    newsdesk = str(env_dir / "bin" / "newsdesk")
    out = run([newsdesk, "demo"], env=env, cwd=work)
    assert "drafts for 2026-11-23" in out.stdout and "error" not in out.stderr
    queued = json.loads(run([newsdesk, "review", "list", "--json"], env=env, cwd=work).stdout)
    assert {row["slot"] for row in queued} == {slot["name"] for slot in conf["slots"]}
    script = run(
        [newsdesk, "script", "render", "welcome", "--var", "name=老张", "--var", "group=投研群"],
        env=env,
        cwd=work,
    )
    assert "老张" in script.stdout
