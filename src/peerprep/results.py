"""Results of the report commands that the core does not already return as one object.

Every report command returns a result with `as_dict()` (the `--json` data) and hands it,
with its kind, to `Renderer.report`, the one place that turns a result into rich text,
a JSON envelope or CSV. Lint, stats, progress, check and grade reports live beside the
code that computes them; these are the few that are assembled from several parts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.engine.readiness import Readiness
    from peerprep.errors import BankProblem
    from peerprep.progress.exams import PastExam


@dataclass(frozen=True)
class Failure:
    """An error as a result: what `--json` prints (kind `error`) besides the stderr line."""

    message: str
    details: tuple[str, ...]
    exit_code: int

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "details": list(self.details), "exit_code": self.exit_code}


@dataclass(frozen=True)
class Validation:
    """`bank validate`: a bank that loaded, or every problem that stopped it."""

    valid: bool
    items: int = 0
    source: str = ""
    from_cache: bool = False
    problems: list[BankProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"valid": self.valid}
        if self.valid:
            out |= {"items": self.items, "source": self.source}
        out["problems"] = [p.as_dict() for p in self.problems]
        return out


@dataclass(frozen=True)
class ReadinessResult:
    estimate: Readiness
    trend: list[tuple[dt.date, float, float, float]]  # week ending, expected, low, high
    target_saved: bool

    def as_dict(self) -> dict[str, Any]:
        return self.estimate.as_dict() | {
            "trend": [
                {"week_ending": d.isoformat(), "expected": e, "low": lo, "high": hi}
                for d, e, lo, hi in self.trend
            ]
        }


@dataclass(frozen=True)
class BuildResult:
    """`exam build`: what was written, and how the forms follow the blueprint."""

    forms: int
    items: int
    seed: int
    per_domain: dict[str, int]
    overlap: Any
    files: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "forms": self.forms,
            "items": self.items,
            "seed": self.seed,
            "per_domain": self.per_domain,
            "overlap": self.overlap,
            "files": self.files,
        }


@dataclass(frozen=True)
class ExamHistory:
    """`exam history`: every submitted mock exam, oldest first."""

    exams: list[PastExam]

    def as_dict(self) -> dict[str, Any]:
        return {
            "exams": [{k: v for k, v in e.as_dict().items() if k != "missed"} for e in self.exams]
        }


@dataclass(frozen=True)
class ExamReport:
    """`exam report N`: one past exam with its missed items (the bank gives their text)."""

    exam: PastExam
    bank: Bank

    def as_dict(self) -> dict[str, Any]:
        out = self.exam.as_dict()
        for row in out["missed"]:
            q = self.bank.get(row["item"])
            row |= {"task": q.task, "key": q.answer}
        return out
