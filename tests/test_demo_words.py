"""The demo is a desk, not a mode of the product: none of its invented names, its 演示 labels
or its dates appear in what newsdesk/, flows/ and tasks/ execute or ship as wording
(docstrings, comments and migration headers are documentation and are not read)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("newsdesk", "flows", "tasks", "prompts", "content_templates")
SUFFIXES = {".py", ".j2", ".html", ".toml", ".yaml", ".txt", ".json", ".js", ".css"}
# The demo's dates: its trading week 2026-11-16..20 and its day 2026-11-23, in any spelling.
DEMO_DATES = re.compile(
    r"2026-11-(1[6-9]|2[0-3])|2026/11/(1[6-9]|2[0-3])|\(2026,\s*11,\s*(1[6-9]|2[0-3])\)"
    r"|11月(1[6-9]|2[0-3])日"
)
# Known exceptions (file, word), for work in progress elsewhere; the test fails once one is gone.
KNOWN: set[tuple[str, str]] = set()


def demo_words() -> list[str]:
    names = [
        line.split()[0]
        for line in (ROOT / "demo" / "dictionary.txt").read_text("utf-8").splitlines()
        if line.strip()
    ]
    desk = yaml.safe_load((ROOT / "config" / "desk.yaml").read_text("utf-8"))
    return [*names, *(s["title"] for s in desk["sources"]), "演示"]


def executed_text(path: Path) -> str:
    """The file without its docstrings and comments (Python), or whole (templates, data)."""
    text = path.read_text("utf-8")
    if path.suffix != ".py":
        return text
    docs: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            docs.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    comments = {
        tok.start[0]: tok.start[1]
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.COMMENT
    }
    kept = [
        line[: comments[n]] if n in comments else line
        for n, line in enumerate(text.splitlines(), start=1)
        if n not in docs
    ]
    return "\n".join(kept)


def test_product_code_has_no_demo_words_or_dates() -> None:
    words = demo_words()
    found: set[tuple[str, str]] = set()
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or path.suffix not in SUFFIXES or "__pycache__" in path.parts:
                continue
            if "migrations" in path.parts:
                continue  # Alembic headers carry their creation date, nothing else of the demo
            text = executed_text(path)
            name = path.relative_to(ROOT).as_posix()
            found |= {(name, word) for word in words if word in text}
            found |= {(name, m.group(0)) for m in DEMO_DATES.finditer(text)}
    assert found - KNOWN == set()
    assert KNOWN - found == set(), "a known exception is gone: remove it from KNOWN"


def test_the_scan_sees_a_demo_word_in_code(tmp_path: Path) -> None:
    planted = tmp_path / "x.py"
    planted.write_text(
        '"""文档里的华芯微电子不算。"""\nSEED = "华芯微电子"  # 注释里的演示也不算\n', "utf-8"
    )
    text = executed_text(planted)
    assert "华芯微电子" in text and "演示" not in text and "文档" not in text
