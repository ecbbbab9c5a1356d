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

import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from peerprep import csvcells
from peerprep.constants import OPTION_LETTERS
from peerprep.errors import InvalidInputError

# The key's model and its reader live in formkey.py, next to the writer's; named here too
# for callers that import them from grade.
from peerprep.exams.formkey import FormKey as FormKey
from peerprep.exams.formkey import KeyPosition as KeyPosition
from peerprep.exams.formkey import load_key as load_key
from peerprep.exams.responses import Candidate as Candidate
from peerprep.exams.responses import Responses
from peerprep.exams.responses import RowProblem as RowProblem
from peerprep.exams.responses import read_responses as _read

P_LOW, P_HIGH, DISC_LOW = 0.2, 0.9, 0.2
# Fewer candidates than this and KR-20 and r_pb swing by +-0.2 or more from class to class
# (their standard errors go as 1/sqrt(n)): the figures are shown with a caution.
SMALL_SAMPLE = 30
# "Near chance": the class mean is within this many standard errors of what blind
# guessing scores, or at most CHANCE_MARGIN percentage points above it.
CHANCE_SE, CHANCE_MARGIN = 1.5, 10.0
WRONG_KEY = "is this the right key for these sheets?"


@dataclass(frozen=True)
class GradeWarning:
    """A finding the trainer must see before the tables: `code` for tools, `items` the
    printed item numbers it is about (empty: the whole form)."""

    code: str
    message: str
    items: list[int] = field(default_factory=list)


def read_responses(text: str, key: FormKey) -> tuple[list[Candidate], list[RowProblem]]:
    """A letters file against one key: the candidates, and every listed row (skipped
    rows, cells scored wrong, all-blank rows excluded) in file order. The CLI uses
    `responses.read_responses`, which keeps those apart."""
    r = _read(text, [key])
    return r.candidates, r.listed()


@dataclass(frozen=True)
class CandidateResult:
    id: str
    correct: int
    percent: float
    by_domain: dict[str, float]  # domain code -> percent correct
    blanks: int
    invalid: int = 0  # double marks, stray marks, unreadable cells: scored wrong


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
    invalid: float = 0.0  # share of candidates whose cell was no single option


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
    problems: list[RowProblem]  # rows skipped
    warnings: list[GradeWarning] = field(default_factory=list)
    cells: list[RowProblem] = field(default_factory=list)  # cells scored wrong
    absent: list[RowProblem] = field(default_factory=list)  # all-blank rows, excluded
    dropped: list[int] = field(default_factory=list)  # item numbers left out of scoring
    rekeyed: dict[int, tuple[str, str]] = field(default_factory=dict)  # n -> (old, new)
    chance: float = 0.0  # percent a blind guesser expects on the scored items

    @property
    def small_sample(self) -> bool:
        return len(self.candidates) < SMALL_SAMPLE

    @property
    def scored(self) -> int:
        return len(self.items)

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
                "chance_percent": self.chance,
                "small_sample": self.small_sample,
            },
            "warnings": [w.__dict__ for w in self.warnings],
            "dropped": self.dropped,
            "rekeyed": [{"item": n, "from": a, "to": b} for n, (a, b) in self.rekeyed.items()],
            "candidates": [c.__dict__ for c in self.candidates],
            "items": [i.__dict__ for i in self.items],
            "skipped_rows": [p.__dict__ for p in self.problems],
            "invalid_cells": [p.__dict__ for p in self.cells],
            "excluded_blank_rows": [p.__dict__ for p in self.absent],
        }

    def to_csv(self) -> str:
        return write_csv(self)


@dataclass(frozen=True)
class ClassGrade:
    """One report per form the answer file holds (one, for a single key)."""

    reports: list[GradeReport]
    problems: list[RowProblem]  # rows no form could take (unknown form, no id, ...)
    cells: list[RowProblem]
    absent: list[RowProblem]
    notes: list[str] = field(default_factory=list)
    format: str = "letters"

    def as_dict(self) -> dict[str, object]:
        """A single form keeps the single-report shape; several are under "forms"."""
        if len(self.reports) == 1:
            return {**self.reports[0].as_dict(), "format": self.format, "notes": self.notes}
        return {
            "format": self.format,
            "notes": self.notes,
            "forms": [r.as_dict() for r in self.reports],
            "skipped_rows": [p.__dict__ for p in self.problems],
            "invalid_cells": [p.__dict__ for p in self.cells],
            "excluded_blank_rows": [p.__dict__ for p in self.absent],
        }

    def to_csv(self) -> str:
        if len(self.reports) == 1:
            return write_csv(self.reports[0])
        out = io.StringIO()
        w = csvcells.writer(out)
        for r in self.reports:
            w.writerow(["form", r.form])
            out.write(write_csv(r))
            w.writerow([])
        return out.getvalue()


def _pearson(xs: list[int], ys: list[int]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _scored_positions(
    key: FormKey, drop: Sequence[int], rekey: Mapping[int, str]
) -> tuple[list[tuple[int, KeyPosition, str]], dict[int, tuple[str, str]]]:
    """(index, position, key letter) of each item still scored, and what was rekeyed."""
    k = len(key.items)
    for n in [*drop, *rekey]:
        if not 1 <= n <= k:
            raise InvalidInputError(f"item {n} is not on form {key.form} (items 1 to {k})")
    rekeyed: dict[int, tuple[str, str]] = {}
    for n, letter in sorted(rekey.items()):
        pos = key.items[n - 1]
        letters = OPTION_LETTERS[: pos.options]
        new = letter.strip().upper()
        if len(new) != 1 or new not in letters:
            raise InvalidInputError(
                f"--rekey {n}={letter}: item {n} printed options {', '.join(letters)}"
            )
        rekeyed[n] = (pos.key, new)
    kept = [(i, p, rekeyed.get(p.n, (p.key, p.key))[1]) for i, p in enumerate(key.items)]
    kept = [t for t in kept if t[1].n not in set(drop)]
    if not kept:
        raise InvalidInputError("--drop leaves no item to score")
    return kept, rekeyed


def grade(
    key: FormKey,
    candidates: list[Candidate],
    problems: list[RowProblem],
    *,
    drop: Sequence[int] = (),
    rekey: Mapping[int, str] | None = None,
    cells: list[RowProblem] | None = None,
    absent: list[RowProblem] | None = None,
) -> GradeReport:
    """Score the candidates against the key (less the dropped items, with the rekeyed
    letters), with item analysis and the warnings a trainer must not miss."""
    if not candidates:
        detail = f" ({len(problems)} rows skipped: see above)" if problems else ""
        raise InvalidInputError(f"no gradable answer rows{detail}")
    kept, rekeyed = _scored_positions(key, drop, rekey or {})
    k = len(kept)
    scores = [[int(c.answers[i] == letter) for i, _, letter in kept] for c in candidates]
    totals = [sum(row) for row in scores]
    n = len(candidates)
    domains = sorted({p.domain for _, p, _ in kept}, key=domain_order)
    results = []
    for c, row in zip(candidates, scores, strict=True):
        by_domain = {}
        for d in domains:
            idx = [j for j, (_, p, _) in enumerate(kept) if p.domain == d]
            by_domain[d] = 100.0 * sum(row[j] for j in idx) / len(idx)
        answers = [c.answers[i] for i, _, _ in kept]
        results.append(
            CandidateResult(
                c.id,
                sum(row),
                100.0 * sum(row) / k,
                by_domain,
                sum(1 for a in answers if not a),
                sum(1 for (_, p, _), a in zip(kept, answers, strict=True) if _invalid(a, p)),
            )
        )
    items = []
    pq_sum = 0.0
    for j, (i, it, letter) in enumerate(kept):
        col = [row[j] for row in scores]
        p = sum(col) / n
        pq_sum += p * (1 - p)
        rest = [t - x for t, x in zip(totals, col, strict=True)]
        disc = _pearson(col, rest) if n > 2 else None
        letters = OPTION_LETTERS[: it.options]
        shares = {L: sum(1 for c in candidates if c.answers[i] == L) / n for L in letters}
        shares["blank"] = sum(1 for c in candidates if not c.answers[i]) / n
        invalid = sum(1 for c in candidates if _invalid(c.answers[i], it)) / n
        flags = []
        if it.n in rekeyed:
            flags.append(f"rekeyed {rekeyed[it.n][0]} -> {letter}")
        if p < P_LOW:
            flags.append(f"hard (p {p:.2f} < {P_LOW})")
        if p > P_HIGH:
            flags.append(f"easy (p {p:.2f} > {P_HIGH})")
        if disc is not None and disc < 0:
            flags.append(f"negative discrimination ({disc:.2f}): check the key of item {it.n}")
        elif disc is not None and disc < DISC_LOW:
            flags.append(f"low discrimination ({disc:.2f} < {DISC_LOW})")
        lure = [L for L in letters if letter != L and shares[L] > shares[letter]]
        if lure:
            flags.append(f"distractor {', '.join(lure)} chosen more than the key")
        items.append(
            ItemStats(it.n, it.id, it.task, it.domain, letter, p, disc, shares, flags, invalid)
        )
    mean = sum(totals) / n
    var = sum((t - mean) ** 2 for t in totals) / n
    kr20 = (k / (k - 1)) * (1 - pq_sum / var) if k > 1 and var > 0 else None
    sem = math.sqrt(var) * math.sqrt(1 - kr20) if kr20 is not None and kr20 <= 1 else None
    chance = 100.0 * sum(1 / p.options for _, p, _ in kept) / k
    report = GradeReport(
        key.title,
        str(key.form),
        results,
        items,
        kr20,
        sem,
        mean,
        math.sqrt(var),
        problems,
        [],
        list(cells or []),
        list(absent or []),
        sorted(set(drop)),
        rekeyed,
        chance,
    )
    report.warnings.extend(warnings(report))
    return report


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def domain_order(code: str) -> tuple[int, int, str]:
    """Blueprint order for domain codes: I, II, III, IV (a plain sort puts IV before III);
    codes that are not Roman numerals follow, shortest first (2 before 10)."""
    if code and all(ch in _ROMAN for ch in code):
        values = [_ROMAN[ch] for ch in code]
        total = sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))
        return (0, total, code)
    return (1, len(code), code)


def _invalid(answer: str, pos: KeyPosition) -> bool:
    return bool(answer) and not (len(answer) == 1 and answer in OPTION_LETTERS[: pos.options])


def warnings(r: GradeReport) -> list[GradeWarning]:
    """The rules that make a report loud: a key that does not fit the sheets, an item whose
    key is likely wrong, and figures from too few candidates to lean on."""
    out: list[GradeWarning] = []
    n, k = len(r.candidates), r.scored
    mean_pct = 100.0 * r.mean / k
    se_pct = 100.0 * (r.sd / math.sqrt(n)) / k if n > 1 else 0.0
    if mean_pct <= r.chance + max(CHANCE_MARGIN, CHANCE_SE * se_pct):
        out.append(
            GradeWarning(
                "near-chance",
                f"the class mean, {r.mean:.1f}/{k} ({mean_pct:.0f} %), is near what blind "
                f"guessing scores ({r.chance:.0f} %): {WRONG_KEY}",
            )
        )
    if r.kr20 is not None and r.kr20 < 0:
        out.append(
            GradeWarning(
                "negative-kr20",
                f"KR-20 is negative ({r.kr20:.2f}): the items do not rank candidates alike; "
                f"{WRONG_KEY}",
            )
        )
    for it in r.items:
        if it.discrimination is not None and it.discrimination < 0:
            out.append(
                GradeWarning(
                    "negative-discrimination",
                    f"item {it.n} ({it.id}): discrimination {it.discrimination:.2f} is "
                    f"negative, stronger candidates miss it more: check the key of item {it.n}",
                    [it.n],
                )
            )
    if n < SMALL_SAMPLE:
        out.append(
            GradeWarning(
                "small-sample",
                f"only {n} candidate{'s' if n != 1 else ''}: KR-20 and discrimination from "
                f"fewer than {SMALL_SAMPLE} are rough estimates; read them with caution",
            )
        )
    return out


def grade_class(
    keys: Sequence[FormKey],
    responses: Responses,
    *,
    drop: Sequence[tuple[int | None, int]] = (),
    rekey: Sequence[tuple[int | None, int, str]] = (),
) -> ClassGrade:
    """Grade each form's candidates against its key. `drop`/`rekey` name items as
    (form or None, item number); None means the only form, and is refused with several."""
    forms = sorted(keys, key=lambda k: k.form)
    several = len({c.form for c in responses.candidates}) > 1 or len(forms) > 1
    if several:
        unnamed = [n for f, n in drop if f is None] + [n for f, n, _ in rekey if f is None]
        if unnamed:
            raise InvalidInputError(
                f"several forms: name item {unnamed[0]} as FORM:ITEM, e.g. "
                f"--drop {forms[0].form}:{unnamed[0]}"
            )
    known = {k.form for k in forms}
    for f, n in [*drop, *((f, n) for f, n, _ in rekey)]:
        if f is not None and f not in known:
            raise InvalidInputError(f"--drop/--rekey {f}:{n}: no key for form {f} was given")
    reports = []
    for key in forms:
        mine = [c for c in responses.candidates if c.form == key.form]
        if not mine and several:
            continue
        reports.append(
            grade(
                key,
                mine,
                [] if several else responses.skipped,
                drop=[n for f, n in drop if f in (None, key.form)],
                rekey={n: c for f, n, c in rekey if f in (None, key.form)},
                cells=[] if several else responses.cells,
                absent=[] if several else responses.absent,
            )
        )
    if not reports:
        detail = f" ({len(responses.skipped)} rows skipped: see above)" if responses.skipped else ""
        raise InvalidInputError(f"no gradable answer rows{detail}")
    return ClassGrade(
        reports,
        responses.skipped,
        responses.cells,
        responses.absent,
        list(responses.notes),
        responses.format,
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
