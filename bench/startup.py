"""CLI start-up: ``newsdesk --help`` and ``newsdesk feed parse`` of one small feed vs bare typer.

    python bench/startup.py [--repeat 15]

The peer is ``python -c "import typer, rich.console"``: what any Typer + Rich
command line pays before it does anything. Each command runs as a user runs
it (the ``newsdesk`` console script beside this Python, a fresh process each
time), the three alternating, in one run. Figures: median wall seconds, and
median CPU seconds of the child process (user + system; the machine is shared,
so wall time also measures the neighbours). Target: both commands <= 5x the peer.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FEED = ROOT / "demo" / "feeds" / "chanye.xml"  # the smallest demo feed: 16 KB, 37 entries


def command_line() -> list[str]:
    script = Path(sys.executable).with_name("newsdesk")
    found = script if script.exists() else shutil.which("newsdesk")
    if found is None:
        raise SystemExit("no newsdesk console script: pip install the project first")
    return [str(found)]


def run_once(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process; its output is checked, not shown."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="one run each: for the tests")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 1
    newsdesk = command_line()
    cases = {
        "peer: import typer, rich.console": [sys.executable, "-c", "import typer, rich.console"],
        "newsdesk --help": [*newsdesk, "--help"],
        f"newsdesk feed parse {FEED.name}": [*newsdesk, "feed", "parse", str(FEED)],
    }
    for argv in cases.values():
        run_once(argv)  # warm the file cache and the .pyc files
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, argv in cases.items():
            wall, cpu = run_once(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
    peer = next(iter(cases))
    peer_wall, peer_cpu = statistics.median(walls[peer]), statistics.median(cpus[peer])
    print(f"median of {args.repeat} runs each, alternating; wall s / CPU s; ratio to the peer")
    for name in cases:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(
            f"{name:40s} {wall:6.3f} s / {cpu:6.3f} s   "
            f"x{wall / peer_wall:5.2f} wall  x{cpu / peer_cpu:5.2f} CPU  (target <= 5x)"
        )


if __name__ == "__main__":
    main()
