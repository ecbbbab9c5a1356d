"""Plain words for what a candidate reads: one format for an estimate, local times.

An estimate (a domain's or task's mastery, readiness on a whole exam, the study note)
is always written the same way, "about 62 %, likely 50–73 %", wherever it appears,
and every table that shows one ends with `LEGEND`. The method behind the numbers (a
Beta posterior with a uniform prior, an 80 % interval) is named in `--help` and the
README, not here: a candidate needs to know what the range means, not what it is
called. Pure standard library, so the core (engine/study.py) can use it too.
"""

from __future__ import annotations

import datetime as dt


def estimate(mean: float, low: float, high: float) -> str:
    """'about 62 %, likely 50–73 %' from fractions in [0, 1]."""
    return percent_estimate(100 * mean, 100 * low, 100 * high)


def percent_estimate(expected: float, low: float, high: float) -> str:
    """'about 62 %, likely 50–73 %' from percents; rounding never puts 'about' outside."""
    e, lo, hi = round(expected), round(low), round(high)
    return f"about {e} %, likely {min(lo, e)}–{max(hi, e)} %"


def _times_in_ten(level: float) -> str:
    tenths = round(10 * level)
    return f"{tenths} times out of 10" if tenths * 10 == round(100 * level) else f"{level:.0%}"


def legend() -> str:
    """What the two numbers mean, in one line a candidate can act on.

    The range is the central LEVEL (80 %) credible interval of mastery.py and
    readiness.py; "about" is the posterior mean, which starts at the prior's 50 % and
    follows the answers as they add up.
    """
    from peerprep.engine.mastery import LEVEL  # here: this module stays import-light

    return (
        f"“likely”: your true percent is in this range {_times_in_ten(LEVEL)}. "
        "Few answers give a wide range, and “about” starts near 50 %."
    )


def right_so_far(right: int, answers: int) -> str:
    """Whole answers: '3 of 6'."""
    return f"{right} of {answers}"


def local_time(when: dt.datetime) -> str:
    """An aware time (stored in UTC) as the candidate's wall-clock time: '2026-03-01 13:00'."""
    return f"{when.astimezone():%Y-%m-%d %H:%M}"


def local_date(when: dt.datetime) -> dt.date:
    """The candidate's calendar date of an aware time."""
    return when.astimezone().date()
