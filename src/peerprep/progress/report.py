"""What `peerprep progress` shows: totals, mastery per domain and task, weakest tasks,
and the history of session scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TextIO

from peerprep import csvcells
from peerprep.bank import Bank
from peerprep.engine.mastery import Mastery, MasteryTable, mastery_table
from peerprep.engine.plan import DomainPace, Leech, leeches, pace_by_domain
from peerprep.engine.schedule import due_counts
from peerprep.progress.history import History, SessionSummary


@dataclass(frozen=True)
class ProgressReport:
    path: str
    answers: int
    correct: int
    items_seen: int
    bank_items: int
    mastery: MasteryTable
    weakest: list[Mastery]
    sessions: list[SessionSummary]
    unfinished: int
    due: dict[str, int]
    leeches: list[Leech] = field(default_factory=list)  # missed 4+ times, not yet mastered
    pace: list[DomainPace] = field(default_factory=list)  # seconds per answer by domain

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "answers": self.answers,
            "correct": self.correct,
            "items_seen": self.items_seen,
            "bank_items": self.bank_items,
            "domains": [m.as_dict() for m in self.mastery.domains],
            "tasks": [m.as_dict() for m in self.mastery.tasks],
            "weakest": [m.code for m in self.weakest],
            "sessions": [
                {
                    "session": s.session,
                    "mode": s.mode,
                    "started": s.started.isoformat(),
                    "asked": s.asked,
                    "answered": s.answered,
                    "correct": s.correct,
                    "scored_over": s.scored_over,
                    "percent": s.percent,
                    "finished": s.finished,
                }
                for s in self.sessions
            ],
            "unfinished_sessions": self.unfinished,
            "review_due": self.due,
            "leeches": [x.as_dict() for x in self.leeches],
            "time_per_item": [d.as_dict() for d in self.pace],
        }


def progress_report(
    bank: Bank, history: History, *, path: str, now: dt.datetime | None = None
) -> ProgressReport:
    answers = history.answers
    table = mastery_table(bank, [(a["item"], a["correct"]) for a in answers])
    return ProgressReport(
        path=path,
        answers=len(answers),
        correct=sum(a["correct"] for a in answers),
        items_seen=len(history.seen & bank.ids),
        bank_items=len(bank),
        mastery=table,
        weakest=table.weakest(5),
        sessions=history.sessions(),
        unfinished=len(history.unfinished()),
        due=due_counts(history.cards, now or dt.datetime.now(dt.UTC)),
        leeches=leeches(bank, history),
        pace=pace_by_domain(bank, history),
    )


CSV_COLUMNS = (
    "at",
    "session",
    "mode",
    "item",
    "task",
    "domain",
    "chosen",
    "answer",
    "correct",
    "seconds",
)


def export_csv(bank: Bank, history: History, out: TextIO) -> int:
    """Write every recorded answer as a CSV row; returns the number of rows."""
    w = csvcells.writer(out)  # no cell can run as a spreadsheet formula
    w.writerow(CSV_COLUMNS)
    n = 0
    for a in history.answers:
        if a["item"] in bank:
            q = bank.get(a["item"])
            task, domain, key = q.task, bank.blueprint.domain_of(q.task).code, str(q.answer)
        else:  # retired since it was answered: keep the row, leave what we no longer know
            task, domain, key = "", "", ""
        w.writerow(
            [
                a["at"],
                a["session"],
                a["mode"],
                a["item"],
                task,
                domain,
                a["chosen"],
                key,
                int(a["correct"]),
                f"{a['seconds']:.2f}",
            ]
        )
        n += 1
    return n
