"""Past mock exams, rebuilt from the event stream: `exam history` and `exam report`.

An exam's score is over ALL its items, blanks counting as wrong, the way the report at
submission shows it; `progress`, `exam history`, `exam report` and their JSON use the
numbers computed here, so one exam has one score everywhere.

What a submitted exam left on disk: its start (items and their on-screen order, time
limit), snapshots while it ran (the last one's `elapsed` is the time used), an answer
event per answered item, and its end. An exam continued under a new session after a
bank edit ("resumed:<old id>") is reported once, under the session that was submitted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from peerprep.engine.score import ScoreReport, Tally, score

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.progress.history import History


@dataclass(frozen=True)
class ExamItem:
    """One question of a past exam, as it was shown (letters as on screen when known)."""

    number: int  # 1-based position in the exam
    item_id: str
    chosen: str | None  # the bank's key the candidate chose; None = left blank
    correct: bool
    order: tuple[str, ...] | None  # bank keys in on-screen order; None if since edited

    def shown(self, key: str | None) -> str | None:
        """The on-screen letter of a bank key, if the item is unchanged since."""
        from peerprep.constants import OPTION_LETTERS

        if key is None or self.order is None or key not in self.order:
            return None
        return OPTION_LETTERS[self.order.index(key)]


@dataclass(frozen=True)
class PastExam:
    number: int  # 1 = the first exam this profile submitted
    session: str
    started: dt.datetime  # aware, UTC (shown in local time)
    items: int  # questions in the exam (still in the bank)
    answered: int
    correct: int
    seconds_used: float | None
    limit_seconds: float | None
    report: ScoreReport  # by domain and task, over all items: blanks are wrong
    questions: list[ExamItem] = field(default_factory=list)
    dropped: int = 0  # questions since removed from the bank (not scored)

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.items if self.items else 0.0

    @property
    def missed(self) -> list[ExamItem]:
        return [q for q in self.questions if not q.correct]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "session": self.session,
            "started": self.started.isoformat(),
            "items": self.items,
            "answered": self.answered,
            "correct": self.correct,
            "percent": round(self.percent, 1),
            "seconds_used": None if self.seconds_used is None else round(self.seconds_used),
            "limit_seconds": None if self.limit_seconds is None else round(self.limit_seconds),
            "dropped": self.dropped,
            # Per domain and task: questions in the exam ("items", blanks included) and
            # how many were right, so "answered" keeps one meaning (answers given).
            "by_domain": [_items_row(t) for t in self.report.by_domain],
            "by_task": [_items_row(t) for t in self.report.by_task],
            "missed": [
                {"number": q.number, "item": q.item_id, "chosen": q.chosen} for q in self.missed
            ],
        }


def _items_row(t: Tally) -> dict[str, Any]:
    return {"code": t.code, "name": t.name, "items": t.answered, "correct": t.correct,
            "percent": t.percent}  # fmt: skip


def past_exams(history: History, bank: Bank) -> list[PastExam]:
    """Every submitted exam, oldest first, numbered 1, 2, ..."""
    from peerprep.practice import decode_order, exam_limit

    superseded = {
        s.label.partition(":")[2] for s in history.starts() if s.label.startswith("resumed:")
    }
    out: list[PastExam] = []
    for start in history.starts():
        if start.mode != "exam" or not history.ended(start.session):
            continue
        if start.session in superseded:
            continue  # continued under a new session, which carries its answers
        chosen = {a["item"]: a["chosen"] for a in history.answers_of(start.session)}
        questions: list[ExamItem] = []
        dropped = 0
        for item_id, stored in start.items:
            if item_id not in bank:
                dropped += 1
                continue
            q = bank.get(item_id)
            key = chosen.get(item_id)
            questions.append(
                ExamItem(
                    len(questions) + 1,
                    item_id,
                    key,
                    key == q.answer,
                    decode_order(q, stored),
                )
            )
        if not questions:
            continue  # closed because none of its items are left: nothing to report
        snapshot = history.exam_states.get(start.session)
        used = float(snapshot["elapsed"]) if snapshot else None
        results = [(q.item_id, q.correct) for q in questions]
        out.append(
            PastExam(
                number=len(out) + 1,
                session=start.session,
                started=start.when,
                items=len(questions),
                answered=sum(q.chosen is not None for q in questions),
                correct=sum(q.correct for q in questions),
                seconds_used=used,
                limit_seconds=exam_limit(start, snapshot),
                report=score(bank, results),
                questions=questions,
                dropped=dropped,
            )
        )
    return out


def pick(exams: list[PastExam], number: int | None) -> PastExam:
    """Exam `number` (1 = first), or the last one when None; InvalidInputError if absent."""
    from peerprep.errors import InvalidInputError

    if not exams:
        raise InvalidInputError(
            "no mock exam has been submitted yet; take one with `peerprep exam`"
        )
    if number is None:
        return exams[-1]
    if not 1 <= number <= len(exams):
        raise InvalidInputError(
            f"there is no exam {number}; you have exams 1 to {len(exams)} "
            "(see `peerprep exam history`)"
        )
    return exams[number - 1]
