"""Spaced review with FSRS (the scheduler modern Anki uses): one card per item.

Ratings from an answer: wrong -> Again; right -> Good; right but slower than the exam's
own pace (minutes x 60 / items; 96 s for 75 items in 120 minutes) -> Hard, because a
slow right answer is a shaky one. Card ids are derived from item ids, times are
timezone-aware UTC, and fuzzing is off so the same history always gives the same
schedule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from typing import Any


def card_id(item_id: str) -> int:
    """A stable positive integer per item id (FSRS wants integer card ids)."""
    return int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:6], "big")


@cache
def _scheduler() -> Any:
    import fsrs  # imported on first use: only answering and reviewing pay for it

    return fsrs.Scheduler(enable_fuzzing=False)


def rating_name(correct: bool, seconds: float, pace_seconds: float) -> str:
    if not correct:
        return "Again"
    return "Hard" if seconds > pace_seconds else "Good"


def review(
    card: dict[str, Any] | None,
    item_id: str,
    *,
    correct: bool,
    seconds: float,
    when: dt.datetime,
    pace_seconds: float,
) -> dict[str, Any]:
    """The card after one answer (a new card if the item was never answered)."""
    import fsrs

    if when.tzinfo is None:
        raise ValueError("review times must be timezone-aware (UTC)")
    current = fsrs.Card.from_dict(card) if card else fsrs.Card(card_id=card_id(item_id))  # type: ignore[arg-type]
    rating = fsrs.Rating[rating_name(correct, seconds, pace_seconds)]
    updated, _ = _scheduler().review_card(current, rating, review_datetime=when.astimezone(dt.UTC))
    out: dict[str, Any] = updated.to_dict()
    return out


def due(cards: dict[str, dict[str, Any]], now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(item id, due time) for cards due at `now`, oldest due first."""
    out = [(item, dt.datetime.fromisoformat(c["due"])) for item, c in cards.items()]
    return sorted(((i, d) for i, d in out if d <= now), key=lambda x: (x[1], x[0]))


def due_counts(cards: dict[str, dict[str, Any]], now: dt.datetime) -> dict[str, int]:
    """How many cards are due now, by the end of today, and within 7 days.

    "Today" is the candidate's local day (the process's time zone): the end of the
    local day, compared as an aware time with the UTC dues.
    """
    end_of_day = now.astimezone().replace(hour=23, minute=59, second=59, microsecond=0)
    week = now + dt.timedelta(days=7)
    dues = [dt.datetime.fromisoformat(c["due"]) for c in cards.values()]
    return {
        "now": sum(d <= now for d in dues),
        "today": sum(d <= end_of_day for d in dues),
        "week": sum(d <= week for d in dues),
        "cards": len(dues),
    }
