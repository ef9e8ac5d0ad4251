"""The desk's finance vocabulary: metrics with their short forms, connectors, terms.

Read from ``data/finance_terms.txt`` (general finance words, no company names).
A figure's metric is canonicalised through it, so 营收 and 营业收入 are one metric.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TERMS_FILE = Path(__file__).parent / "data" / "finance_terms.txt"


def term_key(term: str) -> str:
    """The form terms are compared in: NFKC, lower case, no spaces."""
    return unicodedata.normalize("NFKC", term).lower().replace(" ", "")


@dataclass(frozen=True)
class Vocabulary:
    canonical: dict[str, str]  # key of any name -> canonical metric
    aliases: dict[str, frozenset[str]]  # canonical metric -> keys of all its names
    connector_set: frozenset[str]  # keys of words between a metric and its figure
    terms: frozenset[str]  # keys of standard finance terms (metrics included)


def read_sections(path: Path) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections.setdefault(current, []).append(line.split())
    return sections


@cache
def vocabulary() -> Vocabulary:
    sections = read_sections(TERMS_FILE)
    canonical: dict[str, str] = {}
    aliases: dict[str, frozenset[str]] = {}
    for names in sections.get("metrics", []):
        main = names[0]
        keys = frozenset(term_key(n) for n in names)
        aliases[main] = keys
        for key in keys:
            canonical.setdefault(key, main)
    connectors = {term_key(w) for line in sections.get("connectors", []) for w in line}
    terms = {term_key(w) for line in sections.get("terms", []) for w in line}
    return Vocabulary(
        canonical,
        aliases,
        frozenset(connectors),
        frozenset(terms | set(canonical)),
    )


def finance_vocabulary() -> frozenset[str]:
    """Every metric name, short form and standard term of the data file (as written there)."""
    sections = read_sections(TERMS_FILE)
    return frozenset(
        w for key in ("metrics", "terms") for line in sections.get(key, []) for w in line
    )


def canonical_metric(term: str) -> str:
    """One name per metric: 营收 -> 营业收入, 存准率 -> 存款准备金率, PE -> 市盈率.

    A longer phrase ending in a known name takes that name (前三季度营收 ->
    营业收入, 加权平均存款准备金率 -> 存款准备金率); anything else is returned
    normalised (NFKC, trimmed).
    """
    vocab = vocabulary()
    key = term_key(term).strip("的之")
    if key in vocab.canonical:
        return vocab.canonical[key]
    for size in range(len(key) - 1, 1, -1):
        found = vocab.canonical.get(key[-size:])
        if found:
            return found
    return unicodedata.normalize("NFKC", term).strip()


def metric_names(metric: str) -> frozenset[str]:
    """All spellings of a metric (compared lower-case): the canonical name and its short forms."""
    canonical = canonical_metric(metric)
    return vocabulary().aliases.get(canonical, frozenset()) | {
        term_key(metric),
        term_key(canonical),
    }


def is_finance_term(term: str) -> bool:
    """A standard finance word: a metric or its short form (归母净利润), or a term (同比增长)."""
    key = term_key(term)
    return bool(key) and key in vocabulary().terms
