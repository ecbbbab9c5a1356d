"""Grading a class's answer sheets, with classical item analysis.

Plain Python, linear in candidates x items: 1,000 candidates x 75 items is 75,000 cells,
well under a second, without numpy as a dependency.

Statistics (classical test theory):
- difficulty p: share of candidates answering the item correctly (blank = wrong);
- discrimination: corrected point-biserial, the Pearson correlation between the item
  score and the total score *without that item* (so an item does not correlate with
  itself);
- KR-20 reliability: k/(k-1) * (1 - sum(p*q) / var(total)), population variance;
- SEM: sd(total) * sqrt(1 - KR-20), in raw-score points.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from peerprep import csvcells
from peerprep.constants import OPTION_LETTERS
from peerprep.errors import InvalidInputError

# The key's model and its reader live in formkey.py, next to the writer's; named here too
# for callers that import them from grade.
from peerprep.exams.formkey import FormKey as FormKey
from peerprep.exams.formkey import KeyPosition as KeyPosition
from peerprep.exams.formkey import load_key as load_key

P_LOW, P_HIGH, DISC_LOW = 0.2, 0.9, 0.2


@dataclass(frozen=True)
class Candidate:
    id: str
    line: int
    answers: list[str]  # "" for blank


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


def _csv_rows(text: str) -> Iterator[list[str]]:
    """csv.reader, with its errors (a field over 128 KiB, say) as one-line input errors."""
    reader = csv.reader(io.StringIO(text))
    try:
        yield from reader
    except csv.Error as exc:
        what = "a field is over 128 KiB" if "field limit" in str(exc) else str(exc)
        raise InvalidInputError(
            f"answer sheets, line {reader.line_num}: {what}; "
            "expected a CSV of a candidate id, then one letter per item"
        ) from None


def read_responses(text: str, key: FormKey) -> tuple[list[Candidate], list[RowProblem]]:
    """Parse CSV rows `id, answer1, ..., answerK`; a header row is optional."""
    k = len(key.items)
    candidates: list[Candidate] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for line_no, row in enumerate(_csv_rows(text), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if line_no == 1 and row[0].strip().lower() in ("id", "candidate", "candidate_id", "name"):
            continue  # header
        cid, answers = row[0].strip(), [c.strip().upper() for c in row[1:]]
        if len(answers) != k:
            problems.append(
                RowProblem(
                    line_no, f"{len(answers)} answers, but the key has {k} items; row skipped"
                )
            )
            continue
        if not cid:
            problems.append(RowProblem(line_no, "no candidate id in the first column; row skipped"))
            continue
        bad = [
            (i + 1, a)
            for i, a in enumerate(answers)
            if a
            and (
                a not in OPTION_LETTERS
                or len(a) != 1
                or OPTION_LETTERS.index(a) >= key.items[i].options
            )
        ]
        if bad:
            shown = ", ".join(f"item {i}: {a!r}" for i, a in bad[:5])
            problems.append(
                RowProblem(line_no, f"answers that are not options ({shown}); row skipped")
            )
            continue
        if cid in seen:
            problems.append(
                RowProblem(
                    line_no, f"candidate {cid!r} already graded from line {seen[cid]}; row skipped"
                )
            )
            continue
        seen[cid] = line_no
        candidates.append(Candidate(cid, line_no, answers))
    return candidates, problems


@dataclass(frozen=True)
class CandidateResult:
    id: str
    correct: int
    percent: float
    by_domain: dict[str, float]  # domain code -> percent correct
    blanks: int


@dataclass(frozen=True)
class ItemStats:
    n: int
    id: str
    task: str
    domain: str
    key: str
    p: float
    discrimination: float | None
    shares: dict[str, float]  # letter (and "blank") -> share of candidates
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GradeReport:
    title: str
    form: str
    candidates: list[CandidateResult]
    items: list[ItemStats]
    kr20: float | None
    sem: float | None
    mean: float
    sd: float
    problems: list[RowProblem]

    def as_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "form": self.form,
            "summary": {
                "candidates": len(self.candidates),
                "items": len(self.items),
                "mean": self.mean,
                "sd": self.sd,
                "kr20": self.kr20,
                "sem": self.sem,
            },
            "candidates": [c.__dict__ for c in self.candidates],
            "items": [i.__dict__ for i in self.items],
            "skipped_rows": [p.__dict__ for p in self.problems],
        }

    def to_csv(self) -> str:
        return write_csv(self)


def _pearson(xs: list[int], ys: list[int]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def grade(key: FormKey, candidates: list[Candidate], problems: list[RowProblem]) -> GradeReport:
    if not candidates:
        detail = f" ({len(problems)} rows skipped: see above)" if problems else ""
        raise InvalidInputError(f"no gradable answer rows{detail}")
    k = len(key.items)
    keys = [it.key for it in key.items]
    scores = [[int(a == keys[i]) for i, a in enumerate(c.answers)] for c in candidates]
    totals = [sum(row) for row in scores]
    n = len(candidates)
    domains = sorted({it.domain for it in key.items}, key=lambda d: (len(d), d))
    results = []
    for c, row in zip(candidates, scores, strict=True):
        by_domain = {}
        for d in domains:
            idx = [i for i, it in enumerate(key.items) if it.domain == d]
            by_domain[d] = 100.0 * sum(row[i] for i in idx) / len(idx)
        results.append(
            CandidateResult(
                c.id, sum(row), 100.0 * sum(row) / k, by_domain, sum(1 for a in c.answers if not a)
            )
        )
    items = []
    pq_sum = 0.0
    for i, it in enumerate(key.items):
        col = [row[i] for row in scores]
        p = sum(col) / n
        pq_sum += p * (1 - p)
        rest = [t - x for t, x in zip(totals, col, strict=True)]
        disc = _pearson(col, rest) if n > 2 else None
        letters = OPTION_LETTERS[: it.options]
        shares = {L: sum(1 for c in candidates if c.answers[i] == L) / n for L in letters}
        shares["blank"] = sum(1 for c in candidates if not c.answers[i]) / n
        flags = []
        if p < P_LOW:
            flags.append(f"hard (p {p:.2f} < {P_LOW})")
        if p > P_HIGH:
            flags.append(f"easy (p {p:.2f} > {P_HIGH})")
        if disc is not None and disc < DISC_LOW:
            flags.append(f"low discrimination ({disc:.2f} < {DISC_LOW})")
        lure = [L for L in letters if it.key != L and shares[L] > shares[it.key]]
        if lure:
            flags.append(f"distractor {', '.join(lure)} chosen more than the key")
        items.append(ItemStats(it.n, it.id, it.task, it.domain, it.key, p, disc, shares, flags))
    mean = sum(totals) / n
    var = sum((t - mean) ** 2 for t in totals) / n
    kr20 = (k / (k - 1)) * (1 - pq_sum / var) if k > 1 and var > 0 else None
    sem = math.sqrt(var) * math.sqrt(1 - kr20) if kr20 is not None and kr20 <= 1 else None
    return GradeReport(
        key.title, str(key.form), results, items, kr20, sem, mean, math.sqrt(var), problems
    )


def write_csv(report: GradeReport) -> str:
    """Two tables in one CSV: candidates, then items (a blank line between)."""
    out = io.StringIO()
    w = csvcells.writer(out)  # candidate and item ids come from files we did not write
    domains = list(report.candidates[0].by_domain) if report.candidates else []
    w.writerow(["candidate", "correct", "percent", *[f"domain_{d}" for d in domains], "blanks"])
    for c in report.candidates:
        w.writerow(
            [
                c.id,
                c.correct,
                f"{c.percent:.1f}",
                *[f"{c.by_domain[d]:.1f}" for d in domains],
                c.blanks,
            ]
        )
    w.writerow([])
    w.writerow(["item", "id", "task", "domain", "key", "p", "discrimination", "shares", "flags"])
    for it in report.items:
        w.writerow(
            [
                it.n,
                it.id,
                it.task,
                it.domain,
                it.key,
                f"{it.p:.3f}",
                "" if it.discrimination is None else f"{it.discrimination:.3f}",
                json.dumps(it.shares),
                "; ".join(it.flags),
            ]
        )
    return out.getvalue()
