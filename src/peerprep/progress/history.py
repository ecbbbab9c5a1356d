"""Views derived from the event stream: sessions, last results, unfinished sessions.

History is read-side only. Events arrive as plain dicts (sealed segments are validated
when written and checksummed when read, so they are not re-validated here) and become
light named tuples: a year of drilling (100,000 answers) loads in a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple, TypedDict


class Answer(TypedDict):
    """An answer event as stored (see schema.AnswerEvent): kept as the dict JSON gives."""

    type: str
    session: str
    at: str  # ISO 8601, UTC; `when(answer)` parses it
    item: str
    chosen: str
    correct: bool
    seconds: float
    mode: str


def when(event: Answer) -> dt.datetime:
    return dt.datetime.fromisoformat(event["at"])


class Start(NamedTuple):
    session: str
    at: str
    mode: str
    items: list[tuple[str, str]]
    label: str
    limit_seconds: float | None = None  # exams only; older files keep it in `label`

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at)


@dataclass(frozen=True)
class SessionSummary:
    session: str
    mode: str
    started: dt.datetime
    asked: int
    answered: int
    correct: int
    finished: bool

    @property
    def scored_over(self) -> int:
        """The score's denominator: a submitted exam counts every item (blanks are
        wrong, as its report says); a drill counts the answers given."""
        return self.asked if self.mode == "exam" and self.finished else self.answered

    @property
    def percent(self) -> float | None:
        n = self.scored_over
        return 100.0 * self.correct / n if n else None


@dataclass(frozen=True)
class Unfinished:
    """An interrupted session and what is left of it, in the original order."""

    start: Start
    answered: list[Answer]
    remaining: list[tuple[str, str]]  # (item id, on-screen option order)


class History:
    def __init__(
        self,
        events: Iterable[dict[str, Any]],
        *,
        settings: dict[str, Any],
        cards: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.settings = settings
        self.cards = cards or {}
        self.item_stats: dict[str, list[float]] = {}  # set by the store (recency.py)
        self.answers: list[Answer] = []
        self._starts: dict[str, Start] = {}
        self._by_session: dict[str, list[Answer]] = {}
        self._ended: set[str] = set()
        self.exam_states: dict[str, dict[str, Any]] = {}  # session -> latest snapshot
        for e in events:  # one pass, oldest first
            kind = e["type"]
            if kind == "answer":
                self.answers.append(e)  # type: ignore[arg-type]
                self._by_session.setdefault(e["session"], []).append(e)  # type: ignore[arg-type]
            elif kind == "session":
                self._starts.setdefault(
                    e["session"],
                    Start(
                        e["session"],
                        e["at"],
                        e["mode"],
                        [tuple(p) for p in e["items"]],
                        e.get("label", ""),
                        e.get("limit_seconds"),
                    ),
                )
            elif kind == "session_end":
                self._ended.add(e["session"])
            elif kind == "exam_state":
                self.exam_states[e["session"]] = e

    @cached_property
    def last_result(self) -> dict[str, bool]:
        """Item id -> whether its most recent answer was correct."""
        return {a["item"]: a["correct"] for a in self.answers}

    def results(self) -> list[tuple[str, bool, dt.datetime]]:
        """(item, correct, when) for every answer, oldest first."""
        return [(a["item"], a["correct"], when(a)) for a in self.answers]

    @property
    def seen(self) -> set[str]:
        return set(self.last_result)

    @property
    def missed(self) -> set[str]:
        return {item for item, ok in self.last_result.items() if not ok}

    def sessions(self) -> list[SessionSummary]:
        out = []
        for sid, s in self._starts.items():
            answers = self._by_session.get(sid, [])
            out.append(
                SessionSummary(
                    sid,
                    s.mode,
                    s.when,
                    len(s.items),
                    len(answers),
                    sum(a["correct"] for a in answers),
                    sid in self._ended,
                )
            )
        return out

    def starts(self) -> list[Start]:
        """Every session start, oldest first."""
        return list(self._starts.values())

    def ended(self, session: str) -> bool:
        return session in self._ended

    def answers_of(self, session: str) -> list[Answer]:
        return self._by_session.get(session, [])

    def unfinished_exams(self) -> list[tuple[Start, dict[str, Any] | None]]:
        """Exams started and never submitted, most recent first, with their last snapshot."""
        out = [
            (s, self.exam_states.get(sid))
            for sid, s in self._starts.items()
            if s.mode == "exam" and sid not in self._ended
        ]
        out.sort(key=lambda x: x[0].when, reverse=True)
        return out

    def unfinished(self) -> list[Unfinished]:
        """Interrupted sessions with questions left, most recent first."""
        out = []
        for sid, s in self._starts.items():
            if sid in self._ended:
                continue
            answered = self._by_session.get(sid, [])
            done = {a["item"] for a in answered}
            remaining = [(i, order) for i, order in s.items if i not in done]
            if remaining:
                out.append(Unfinished(s, answered, remaining))
        out.sort(key=lambda u: u.start.when, reverse=True)
        return out
