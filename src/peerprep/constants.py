"""Numbers and letters that several modules must agree on, defined once.

It imports nothing of peerprep's, so any module (the CLI's fast path too) can use it.
A value that belongs to the exam itself (items, minutes, weights) lives in domains.yaml;
what is here is what the code assumes whatever the blueprint says.
"""

from __future__ import annotations

from typing import Final

# Option letters, in the order a form prints them. An item has 3 to 5 options.
OPTION_LETTERS = "ABCDE"
MIN_OPTIONS = 3
MAX_OPTIONS = len(OPTION_LETTERS)

# Recency weighting of answers: an answer from HALF_LIFE_DAYS ago counts half.
HALF_LIFE_DAYS = 30.0
SECONDS_PER_DAY = 86_400.0

# The IC&RC Peer Recovery exam as published: 75 items in 120 minutes. domains.yaml is the
# source for a run; these are the fallbacks where no blueprint is at hand (e.g. an exam
# saved without its time limit).
EXAM_ITEMS = 75
EXAM_MINUTES = 120
EXAM_LIMIT_SECONDS = EXAM_MINUTES * 60.0


def pace_seconds(minutes: float, items: int) -> float:
    """The exam's own pace: seconds per item (96 s for 75 items in 120 minutes). A right
    answer slower than this rates Hard in review."""
    return minutes * 60.0 / items


def form_minutes(items: int, *, exam_minutes: int, exam_items: int) -> int:
    """The time limit of a form of `items` items, at the exam's pace (whole minutes)."""
    return max(1, round(exam_minutes * items / exam_items))


# `peerprep bank stats` flags tasks with fewer items than this.
MIN_ITEMS_PER_TASK = 8

# Files peerprep writes for people to read or share (forms, keys, exports, imports).
SHARED_FILE_MODE = 0o644

# The machine-readable key of a printed form (exams/formkey.py).
FORM_KEY_FORMAT: Final = "peerprep-form-key"
FORM_KEY_VERSION: Final = 2
