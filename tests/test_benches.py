"""Every bench runs in its quick mode (``--quick``, seconds): a bench that no longer runs, or
no longer prints its table with its floor or peer, fails here. Speeds are not asserted: they
belong to the bench runs on a quiet machine (bench/README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpora import shared_data

ROOT = Path(__file__).resolve().parents[1]
# Benches over a shared public corpus: skipped on a machine without it.
CORPUS = {
    "ingest.py": "feeds-bench",
    "ingest_e2e.py": "feeds-bench",
    "topics.py": "real-news-dev",
    "real_news.py": "real-news-dev",
    "checks_accuracy.py": "real-news-dev",
}

# bench -> lines its quick run must print (its figures and the floor or peer beside them)
BENCHES = {
    "review_ui.py": [
        "| /queue (working day + earlier) |",
        "| /api/queue |",
        "| one day's page |",
        "floor p50 / p95",
        "concurrent approvals: 1 won",
    ],
    "metrics.py": [
        "| SQLite month view, in process | ms CPU",
        "| floor: read the 30 snapshot rows |",
        "| from snapshots (closed month) |",
        "| GET /metrics?month=2026-11, 1 client |",
        "| floor: newsdesk --help |",
        "| newsdesk metrics --month 2026-11 |",
    ],
    "ingest.py": ["newsdesk parser", "fastfeedparser", "newsdesk / floor", "agreement"],
    "ingest_e2e.py": ["| SQLite |", "floor: parse + one bulk insert", "ratio (wall, CPU)"],
    "clean_text.py": ["'<' * n", "em-space * n"],
    "startup.py": ["peer: import typer, rich.console", "newsdesk --help", "newsdesk feed parse"],
    "real_news.py": [
        "precision of stated figures:",
        "multi-report stories in the 早报:",
        "every statement the plan allows, item by item:",
    ],
    "drafting_quality.py": [
        "facts per 早报/研报精选:",
        "repeated sentences across slots:",
        "drafts passing their checks:",
    ],
    "checks_accuracy.py": [
        "Real news (tuned 001-022)",
        "correct: ",
        "error: ",
        "filler: ",
    ],
    "drafting.py": [
        "ideal fan-out",
        "product, one worker",
        "peer: concurrency() per call",
        "peak concurrent calls at server",
        "offline composer, thin brief",
        "offline composer, demo day",
    ],
    "checks_speed.py": ["cold: sources new", "warm: a revision (1 sentence)", "warm: a new draft"],
    "topics.py": [
        "3+ outlet stories in top 5, labelled with their name:",
        "planted bursts",
        "floor: segment the",
        "ratio detection / floor",
    ],
}


@pytest.mark.parametrize("bench", sorted(BENCHES))
def test_bench_quick_mode_prints_its_table(bench: str) -> None:
    if bench in CORPUS and not (shared_data(CORPUS[bench]) / "README.md").exists():
        pytest.skip(f"no {CORPUS[bench]} corpus here")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / bench), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    missing = [line for line in BENCHES[bench] if line not in done.stdout]
    assert missing == [], done.stdout
