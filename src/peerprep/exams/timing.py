"""Exam time in words, and extended time for candidates with an accommodation.

Shared by the timed exam (both front ends) and the printed forms, so the screen, the
prompt, the form's cover and its key all say the same thing the same way.
"""

from __future__ import annotations

import math

# Testing accommodations commonly grant time and a half or double time; anything from 1
# to 3 is accepted so a program's own rule (1.25x, for example) can be followed.
MIN_MULTIPLIER = 1.0
MAX_MULTIPLIER = 3.0


def say_time(seconds: float) -> str:
    """'12 minutes 30 seconds', '1 hour 5 minutes', '45 seconds': for a screen reader
    (a clock such as 12:30 is read out as a time of day, or as punctuation)."""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((h, "hour"), (m, "minute"), (s, "second"))
        if n
    ]
    return " ".join(parts) if parts else "0 seconds"


def say_limit(seconds: float) -> str:
    """A time limit as exam rules state one: '180 minutes' (or say_time if not whole)."""
    if seconds % 60 == 0:
        m = int(seconds // 60)
        return f"{m} minute{'s' if m != 1 else ''}"
    return say_time(seconds)


def extended(multiplier: float) -> str:
    """' (1.5x extended time)' for an accommodation, '' for standard time."""
    return f" ({multiplier:g}x extended time)" if multiplier != 1 else ""


def extended_minutes(minutes: float, multiplier: float) -> int:
    """A printed form's whole minutes with extended time, never rounded down."""
    return max(1, math.ceil(round(minutes * multiplier, 6)))
