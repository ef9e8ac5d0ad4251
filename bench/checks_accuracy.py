"""Check accuracy: real Chinese finance news, Clough-Stevenson and our Chinese set.

    python bench/checks_accuracy.py [--corpus ../shared/data/clough-stevenson] [--sweep]
                                    [--heldout] [--quick]

**Real news** (``../shared/data/real-news-dev``): drafts an editor wrote about
real news items (mainland and Hong Kong / Taiwan outlets, both scripts):
correct rewrites, rewrites with exactly one planted fidelity error (labelled
with its kind, sentence and figure) and keyword filler. Per family: correct
drafts with no citation problem (target >= 0.95), planted errors caught on
their sentence with the right kind (>= 0.9), filler failing (1.0). The checks
were tuned on drafts 001-022 (items rn003-rn030); drafts 023-030 (rn033,
rn037, rn038, rn040) were kept aside and are reported only with ``--heldout``,
run once, at the end. ``--quick`` runs the tuned part only (the test suite's
smoke run).

**Clough-Stevenson.** 95 short answers to five tasks (a-e), each checked for
originality against its task's Wikipedia excerpt at the threshold 0.60.
Word-unit parameters (k_word, gap_word, min_word) are chosen by leaving one
task out: for each task, the grid point that classifies the other four tasks
best (cut + light below the threshold, non at or above it) is applied to the
held-out task, and only those held-out verdicts are counted. Targets: 36/38
cut + light flagged (two ``cut`` answers copy passages that are not in the
shipped excerpt), >= 37/38 non passed. ``heavy`` is information only.

**Chinese set** (bench/data/checks_zh.json): invented finance news with drafts
of five families. Expected verdicts: copy, light and mix fail originality;
paraphrase passes every check as a research digest; filler fails substance.
Han-unit parameters (k_han, gap_han, min_han) are chosen on the ``tune`` part
only and then applied to the ``heldout`` parts; all are reported per family.
``heldout-2`` was written after parameters and vocabulary were fixed.
``--sweep`` prints the grid's scores on the tune part.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpora import shared_data  # noqa: E402
from newsdesk.checks.originality import OriginalityParams, check_originality
from newsdesk.checks.report import run_checks
from newsdesk.config import Settings
from newsdesk.text.facts import fact_spans

DEFAULT_CORPUS = shared_data("clough-stevenson")
CHINESE = Path(__file__).resolve().parent / "data" / "checks_zh.json"
THRESHOLD = 0.60
WORD_GRID = [
    {"k_word": k, "gap_word": gap, "min_word": least}
    for k, gap, least in itertools.product((1, 2, 3), (0, 1, 2, 3), (2, 3, 4, 5, 6, 8))
    if least >= k
]
HAN_GRID = [
    {"k_han": k, "gap_han": gap, "min_han": least}
    for k, gap, least in itertools.product((2, 3, 4), (1, 2, 3, 4), (4, 6, 8, 10, 12))
]
FAMILIES = ("copy", "light", "mix", "paraphrase", "filler")
REAL_NEWS = shared_data("real-news-dev")
HELDOUT_FROM = 23  # drafts 023-030 were not looked at while the checks were built
# labels.json names two kinds in its own words; the checks' names for them:
_LABEL_KINDS = {"unit_dropped": "unit_changed", "percent_vs_point": "percent_vs_points"}


def read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # a few answers are Windows-1252


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # Clough: the task; Chinese: tune / heldout
    label: str  # Clough: cut/light/heavy/non; Chinese: the family
    text: str
    sources: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # the draft's facts, computed once


def clough_cases(corpus: Path) -> list[Case]:
    rows = list(csv.DictReader((corpus / "file_information.csv").open(encoding="utf-8")))
    sources = {t: read(corpus / f"orig_task{t}.txt") for t in "abcde"}
    cases = []
    for row in rows:
        if row["Category"] == "orig":
            continue
        text = read(corpus / row["File"])
        cases.append(
            Case(
                row["File"],
                row["Task"],
                row["Category"],
                text,
                (sources[row["Task"]],),
                tuple(fact_spans(text)),
            )
        )
    return cases


def chinese_cases(path: Path = CHINESE) -> list[Case]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Case(
            d["id"],
            d["split"],
            d["family"],
            d["text"],
            tuple(data["sources"][s] for s in d["sources"]),
            tuple(fact_spans(d["text"])),
        )
        for d in data["drafts"]
    ]


def ratio(case: Case, params: OriginalityParams) -> float:
    return check_originality(case.text, case.sources, params, facts=list(case.spans)).ratio


def clough_correct(case: Case, params: OriginalityParams) -> bool | None:
    """True when the verdict is right; None for heavy (no right verdict)."""
    if case.label == "heavy":
        return None
    copied = ratio(case, params) < params.threshold
    return copied if case.label in ("cut", "light") else not copied


def choose(
    grid: list[dict[str, int]],
    cases: Iterable[Case],
    correct: Callable[[Case, OriginalityParams], bool | None],
) -> tuple[dict[str, int], int]:
    """The grid point with the most right verdicts; ties go to the most lenient (fewest flags):
    larger k, smaller gap, larger minimum run."""
    cases = list(cases)
    best: tuple[tuple[int, int, int, int], dict[str, int]] | None = None
    for point in grid:
        params = replace(OriginalityParams(threshold=THRESHOLD), **point)
        score = sum(bool(correct(c, params)) for c in cases)
        k, gap, least = point.values()
        key = (score, k, -gap, least)
        if best is None or key > best[0]:
            best = (key, point)
    assert best is not None
    return best[1], best[0][0]


def leave_one_task_out(cases: list[Case]) -> None:
    flagged = copied = passed = non = heavy_flagged = heavy = 0
    print("Clough-Stevenson, leave one task out (threshold 0.60):")
    for task in "abcde":
        train = [c for c in cases if c.group != task]
        test = [c for c in cases if c.group == task]
        point, score = choose(WORD_GRID, train, clough_correct)
        params = replace(OriginalityParams(threshold=THRESHOLD), **point)
        fold = {"flagged": 0, "copied": 0, "passed": 0, "non": 0}
        for case in test:
            low = ratio(case, params) < THRESHOLD
            if case.label in ("cut", "light"):
                fold["copied"] += 1
                fold["flagged"] += low
            elif case.label == "non":
                fold["non"] += 1
                fold["passed"] += not low
            else:
                heavy += 1
                heavy_flagged += low
        flagged += fold["flagged"]
        copied += fold["copied"]
        passed += fold["passed"]
        non += fold["non"]
        print(
            f"  task {task}: chose {point} ({score}/{len([c for c in train if c.label != 'heavy'])} "
            f"on the other tasks) -> cut+light flagged {fold['flagged']}/{fold['copied']}, "
            f"non passed {fold['passed']}/{fold['non']}"
        )
    print(
        f"  total: cut+light flagged {flagged}/{copied} (target 36/38), "
        f"non passed {passed}/{non} (target >= 37/38), heavy flagged {heavy_flagged}/{heavy} (info)"
    )
    point, score = choose(WORD_GRID, cases, clough_correct)
    print(f"  all five tasks (in-sample, for the configuration): {point} -> {score}/76")


def chinese_correct(case: Case, params: OriginalityParams) -> bool:
    """The originality part of a family's verdict (what the Han parameters decide)."""
    copied = ratio(case, params) < params.threshold
    return copied if case.label in ("copy", "light", "mix") else not copied


def full_verdict(case: Case, settings: Settings) -> bool:
    report = run_checks(case.text, case.sources, settings, kind="research_digest")
    if case.label in ("copy", "light", "mix"):
        return not report.originality.passed
    if case.label == "paraphrase":
        return report.passed
    return not report.substance.passed


def chinese(cases: list[Case], sweep: bool) -> None:
    tune = [c for c in cases if c.group == "tune"]
    point, score = choose(HAN_GRID, tune, chinese_correct)
    print(f"Chinese set: {len(cases)} drafts; chose {point} on the tune part ({score}/{len(tune)})")
    if sweep:
        for candidate in HAN_GRID:
            params = replace(OriginalityParams(threshold=THRESHOLD), **candidate)
            right = sum(chinese_correct(c, params) for c in tune)
            print(f"    {candidate}: {right}/{len(tune)}")
    settings = Settings()
    settings.checks.k_han, settings.checks.gap_han, settings.checks.min_han = point.values()
    for part in ("tune", "heldout", "heldout-2"):
        chosen = [c for c in cases if c.group == part]
        verdicts = {c.name: full_verdict(c, settings) for c in chosen}
        cells = []
        for family in FAMILIES:
            members = [c for c in chosen if c.label == family]
            cells.append(f"{family} {sum(verdicts[c.name] for c in members)}/{len(members)}")
        wrong = [name for name, ok in verdicts.items() if not ok]
        print(
            f"  {part}: "
            + ", ".join(cells)
            + f"; all {len(chosen) - len(wrong)}/{len(chosen)}"
            + (f" (wrong: {', '.join(wrong)})" if wrong else "")
        )


@dataclass(frozen=True)
class RealDraft:
    number: int
    label: str  # correct | error | filler
    text: str
    sources: tuple[str, ...]
    error: dict[str, str] | None


def real_news_drafts(root: Path = REAL_NEWS) -> list[RealDraft]:
    items = {i["id"]: i for i in json.loads((root / "items.json").read_text(encoding="utf-8"))}
    labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))
    return [
        RealDraft(
            int(Path(row["draft"]).stem),
            row["label"],
            (root / row["draft"]).read_text(encoding="utf-8"),
            tuple(items[i]["text"] for i in row["item_ids"]),
            row["error"],
        )
        for row in labels
    ]


def real_verdict(draft: RealDraft, settings: Settings) -> tuple[bool, str]:
    """(right, what the checks said) for one labelled draft."""
    report = run_checks(draft.text, draft.sources, settings, kind="research_digest")
    problems = report.citations.problems
    said = "; ".join(f"{p.kind}: {p.sentence[:24]}…" for p in problems) or "no citation problem"
    if draft.label == "correct":
        return not problems, said
    if draft.label == "filler":
        return not report.passed, "fails" if not report.passed else "passes"
    assert draft.error is not None
    kind = _LABEL_KINDS.get(draft.error["kind"], draft.error["kind"])
    sentence = draft.error["sentence"]
    caught = any(p.kind == kind and p.sentence.strip() == sentence.strip() for p in problems)
    return caught, said


def real_news(heldout: bool) -> dict[str, tuple[int, int]]:
    """Per family (right, total) on the tuned part, or on the held-out part."""
    settings = Settings()
    part = "held-out 023-030" if heldout else "tuned 001-022"
    drafts = [d for d in real_news_drafts() if (d.number >= HELDOUT_FROM) == heldout]
    scores: dict[str, tuple[int, int]] = {}
    print(f"Real news ({part}): {len(drafts)} editor drafts")
    for draft in drafts:
        right, said = real_verdict(draft, settings)
        right_so_far, total = scores.get(draft.label, (0, 0))
        scores[draft.label] = (right_so_far + right, total + 1)
        mark = "ok " if right else "MISS"
        expected = draft.error["kind"] if draft.error else ""
        print(f"  {mark} {draft.number:03d} {draft.label:8} {expected:24} {said}")
    targets = {"correct": 0.95, "error": 0.9, "filler": 1.0}
    for family, (right, total) in scores.items():
        print(
            f"  {family}: {right}/{total} = {right / total:.2f} (target >= {targets[family]:.2f})"
        )
    # The family's figure judges citations only; an editor also sees originality fail.
    correct = [d for d in drafts if d.label == "correct"]
    original = [d for d in correct if original_and_cited(d, settings)]
    print(
        f"  correct, originality included: {len(original)}/{len(correct)} = "
        f"{len(original) / max(1, len(correct)):.2f}"
    )
    return scores


def original_and_cited(draft: RealDraft, settings: Settings) -> bool:
    """No citation problem and originality passed."""
    report = run_checks(draft.text, draft.sources, settings, kind="research_digest")
    return not report.citations.problems and report.originality.passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--heldout", action="store_true", help="the held-out real-news drafts")
    parser.add_argument("--quick", action="store_true", help="tuned real-news part only")
    args = parser.parse_args()
    real_news(heldout=False)
    if args.quick:
        return
    if args.heldout:
        real_news(heldout=True)
    leave_one_task_out(clough_cases(args.corpus))
    chinese(chinese_cases(), args.sweep)


if __name__ == "__main__":
    main()
