"""The timed exam as a state machine, shared by the full-screen and plain front ends.

Answer in any order, change answers, flag items for review, see what is unanswered or
flagged, submit (or be submitted when time runs out). No I/O: the clock is injected and
every change is reported through `on_change` so the caller can save it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from peerprep.bank import Bank
from peerprep.constants import OPTION_LETTERS
from peerprep.engine.draw import Presented
from peerprep.engine.score import ScoreReport, score
from peerprep.models import Question


@dataclass(frozen=True)
class ExamResult:
    report: ScoreReport  # percent correct overall and by domain; blanks count as wrong
    answered: int
    missed: list[tuple[int, Question, str | None]]  # (number, item, shown letter or None)
    timed_out: bool


class ExamSession:
    def __init__(
        self,
        bank: Bank,
        items: list[Presented],
        *,
        limit_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        elapsed: float = 0.0,
        answers: dict[int, str] | None = None,
        flagged: set[int] | None = None,
        current: int = 0,
        on_change: Callable[[ExamSession], None] = lambda s: None,
    ) -> None:
        self.bank = bank
        self.items = items
        self.limit = limit_seconds
        self.clock = clock
        self._elapsed_before = elapsed
        self._started = clock()
        self.answers: dict[int, str] = dict(answers or {})  # index -> shown letter
        self.flagged: set[int] = set(flagged or ())
        # Where a resumed exam was left; a position no longer on the form starts at 1.
        self.current = current if 0 <= current < len(items) else 0
        self.on_change = on_change
        self.result: ExamResult | None = None

    # ---------------------------------------------------------------- time
    @property
    def elapsed(self) -> float:
        return self._elapsed_before + (self.clock() - self._started)

    @property
    def remaining(self) -> float:
        return max(0.0, self.limit - self.elapsed)

    @property
    def expired(self) -> bool:
        return self.remaining <= 0

    # ---------------------------------------------------------------- navigation
    def item(self, index: int | None = None) -> tuple[Presented, Question]:
        p = self.items[self.current if index is None else index]
        return p, self.bank.get(p.item_id)

    def goto(self, index: int) -> None:
        if not 0 <= index < len(self.items):
            raise IndexError(f"there is no question {index + 1}")
        self.current = index

    def next(self) -> None:
        self.current = min(self.current + 1, len(self.items) - 1)

    def prev(self) -> None:
        self.current = max(self.current - 1, 0)

    # ---------------------------------------------------------------- answering
    def answer(self, letter: str, index: int | None = None) -> None:
        i = self.current if index is None else index
        if letter not in OPTION_LETTERS[: len(self.items[i].order)]:
            raise ValueError(f"{letter!r} is not an option of question {i + 1}")
        self._guard()
        self.answers[i] = letter
        self.on_change(self)

    def clear(self, index: int | None = None) -> None:
        self._guard()
        self.answers.pop(self.current if index is None else index, None)
        self.on_change(self)

    def toggle_flag(self, index: int | None = None) -> None:
        self._guard()
        i = self.current if index is None else index
        self.flagged.symmetric_difference_update({i})
        self.on_change(self)

    def _guard(self) -> None:
        if self.result is not None:
            raise RuntimeError("the exam has been submitted")

    def unanswered(self) -> list[int]:
        return [i for i in range(len(self.items)) if i not in self.answers]

    def flagged_list(self) -> list[int]:
        return sorted(self.flagged)

    def original_answers(self) -> dict[int, str]:
        """Answers as the bank's own keys (what is saved)."""
        return {i: self.items[i].original_key(L) for i, L in self.answers.items()}

    # ---------------------------------------------------------------- submitting
    def submit(self, *, timed_out: bool = False) -> ExamResult:
        if self.result is not None:
            return self.result
        results, missed = [], []
        for i, p in enumerate(self.items):
            q = self.bank.get(p.item_id)
            chosen = self.answers.get(i)
            ok = chosen is not None and p.original_key(chosen) == q.answer
            results.append((q.id, ok))
            if not ok:
                missed.append((i + 1, q, chosen))
        self.result = ExamResult(score(self.bank, results), len(self.answers), missed, timed_out)
        return self.result
