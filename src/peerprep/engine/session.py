"""The quiz as a state machine: present an item, take a choice, give feedback, move on.

It holds no I/O: a terminal loop, a test, or a future full-screen UI drives it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from peerprep.bank import Bank
from peerprep.constants import OPTION_LETTERS
from peerprep.engine.draw import Presented
from peerprep.engine.score import ScoreReport, score
from peerprep.models import Question


@dataclass(frozen=True)
class Feedback:
    item: Question
    presented: Presented
    chosen_shown: str
    correct: bool
    seconds: float

    @property
    def key_shown(self) -> str:
        return self.presented.shown_letter(self.item.answer)

    @property
    def chosen_original(self) -> str:
        return self.presented.original_key(self.chosen_shown)


def parse_choice(raw: str, n_options: int) -> str | None:
    """'b', ' B ', 'b)' -> 'B'; anything that is not one of the shown letters -> None."""
    s = raw.strip().rstrip(").").upper()
    return s if len(s) == 1 and s in OPTION_LETTERS[:n_options] else None


class QuizSession:
    def __init__(
        self,
        bank: Bank,
        presented: list[Presented],
        *,
        clock: Callable[[], float] = time.monotonic,
        earlier: Sequence[tuple[str, bool]] = (),
    ) -> None:
        """`earlier`: (item id, correct) answered before an interruption, for a resumed
        session's report; `presented` then holds only what is left."""
        self.bank = bank
        self.presented = presented
        self.earlier = list(earlier)
        self.clock = clock
        self.answers: list[Feedback] = []
        self._shown_at: float | None = None

    @property
    def position(self) -> int:
        return len(self.answers)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.presented)

    def current(self) -> tuple[Presented, Question]:
        if self.finished:
            raise IndexError("the quiz is finished")
        p = self.presented[self.position]
        if self._shown_at is None:
            self._shown_at = self.clock()
        return p, self.bank.get(p.item_id)

    def grade(self, shown_letter: str) -> Feedback:
        """The feedback for a choice on the current item, without counting it yet.

        The caller saves it first and then calls `record`: an answer counts in the score
        only once it is on disk (a Ctrl-C during the save must not leave it counted).
        """
        p, item = self.current()
        if shown_letter not in OPTION_LETTERS[: len(p.order)]:
            raise ValueError(f"{shown_letter!r} is not an option of this item")
        started = self._shown_at if self._shown_at is not None else self.clock()
        return Feedback(
            item=item,
            presented=p,
            chosen_shown=shown_letter,
            correct=p.original_key(shown_letter) == item.answer,
            seconds=max(0.0, self.clock() - started),
        )

    def record(self, fb: Feedback) -> None:
        """Count a graded answer and move on to the next item."""
        if self.finished or fb.presented is not self.presented[self.position]:
            raise ValueError("that feedback is not for the current item")
        self.answers.append(fb)
        self._shown_at = None

    def answer(self, shown_letter: str) -> Feedback:
        """Grade and record in one step (for callers with nothing to save in between)."""
        fb = self.grade(shown_letter)
        self.record(fb)
        return fb

    def report(self) -> ScoreReport:
        results = self.earlier + [(f.item.id, f.correct) for f in self.answers]
        return score(self.bank, results, asked=len(self.earlier) + len(self.presented))
