"""What a bank holds: items per domain and task, thin tasks, and the answer-key spread."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from peerprep.bank import Bank
from peerprep.constants import MIN_ITEMS_PER_TASK


@dataclass(frozen=True)
class TaskCount:
    code: str
    text: str
    domain: str
    items: int
    thin: bool


@dataclass(frozen=True)
class DomainCount:
    code: str
    name: str
    items: int
    share: float  # of the bank
    blueprint_share: float


@dataclass(frozen=True)
class BankStats:
    total: int
    min_per_task: int
    domains: list[DomainCount]
    tasks: list[TaskCount]
    answer_letters: dict[str, int]
    cognitive: dict[str, int]
    difficulty: dict[int, int]

    @property
    def thin_tasks(self) -> list[TaskCount]:
        return [t for t in self.tasks if t.thin]

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "min_per_task": self.min_per_task,
            "domains": [d.__dict__ for d in self.domains],
            "tasks": [t.__dict__ for t in self.tasks],
            "thin_tasks": [t.code for t in self.thin_tasks],
            "answer_letters": self.answer_letters,
            "cognitive": self.cognitive,
            "difficulty": {str(k): v for k, v in self.difficulty.items()},
        }


def bank_stats(bank: Bank, *, min_per_task: int = MIN_ITEMS_PER_TASK) -> BankStats:
    bp = bank.blueprint
    per_task = Counter(q.task for q in bank)
    shares = bp.shares()
    total = len(bank)
    tasks = [
        TaskCount(t.code, t.text, d.code, per_task[t.code], per_task[t.code] < min_per_task)
        for d in bp.domains
        for t in d.tasks
    ]
    domains = []
    for d in bp.domains:
        n = sum(per_task[t.code] for t in d.tasks)
        domains.append(DomainCount(d.code, d.name, n, n / total if total else 0.0, shares[d.code]))
    return BankStats(
        total=total,
        min_per_task=min_per_task,
        domains=domains,
        tasks=tasks,
        answer_letters=bank.answer_letters(),
        cognitive=dict(Counter(q.cognitive for q in bank).most_common()),
        difficulty=dict(sorted(Counter(q.difficulty for q in bank).items())),
    )
