"""Scoring answers by domain and task, the way IC&RC's score letter reports them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from peerprep.bank import Bank


@dataclass(frozen=True)
class Tally:
    code: str
    name: str
    answered: int
    correct: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class ScoreReport:
    answered: int
    correct: int
    asked: int
    by_domain: list[Tally] = field(default_factory=list)
    by_task: list[Tally] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.correct / self.answered if self.answered else None

    def as_dict(self) -> dict[str, object]:
        def rows(ts: list[Tally]) -> list[dict[str, object]]:
            return [
                {
                    "code": t.code,
                    "name": t.name,
                    "answered": t.answered,
                    "correct": t.correct,
                    "percent": t.percent,
                }
                for t in ts
            ]

        return {
            "asked": self.asked,
            "answered": self.answered,
            "correct": self.correct,
            "percent": self.percent,
            "by_domain": rows(self.by_domain),
            "by_task": rows(self.by_task),
        }


def score(
    bank: Bank, results: Sequence[tuple[str, bool]], *, asked: int | None = None
) -> ScoreReport:
    """Tally (item_id, correct) pairs per domain and per task, in blueprint order."""
    bp = bank.blueprint
    per_task: dict[str, list[int]] = {}
    for item_id, ok in results:
        t = per_task.setdefault(bank.get(item_id).task, [0, 0])
        t[0] += 1
        t[1] += int(ok)
    by_domain, by_task = [], []
    for d in bp.domains:
        n = c = 0
        for task in d.tasks:
            if task.code in per_task:
                tn, tc = per_task[task.code]
                by_task.append(Tally(task.code, task.text, tn, tc))
                n, c = n + tn, c + tc
        by_domain.append(Tally(d.code, d.name, n, c))
    correct = sum(int(ok) for _, ok in results)
    return ScoreReport(
        len(results), correct, asked if asked is not None else len(results), by_domain, by_task
    )
