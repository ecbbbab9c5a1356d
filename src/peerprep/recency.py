"""Recency-weighted answer counts, kept per item so planning never rescans history.

An answer given d days before `now` weighs 0.5 ** (d / HALF_LIFE_DAYS). Per item the
store keeps (weighted answers, weighted correct, last answer time) as of that last
answer; decaying both counts to any later `now` is one multiplication, because every
weight shrinks by the same factor as time passes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from peerprep.constants import HALF_LIFE_DAYS, SECONDS_PER_DAY

_HALF_LIFE_S = HALF_LIFE_DAYS * SECONDS_PER_DAY

ItemStats = list[float]  # [weighted answers, weighted correct, last answer (epoch seconds)]


def decay(seconds: float) -> float:
    return float(0.5 ** (max(0.0, seconds) / _HALF_LIFE_S))


def add(stats: dict[str, ItemStats], item: str, correct: bool, at: dt.datetime) -> None:
    ts = at.timestamp()
    n, c, last = stats.get(item, (0.0, 0.0, ts))
    f = decay(ts - last)
    stats[item] = [n * f + 1.0, c * f + float(correct), max(last, ts)]


def from_results(results: Iterable[tuple[str, bool, dt.datetime]]) -> dict[str, ItemStats]:
    stats: dict[str, ItemStats] = {}
    for item, ok, at in results:
        add(stats, item, ok, at)
    return stats


def at(stats: ItemStats, now: dt.datetime) -> tuple[float, float]:
    """(weighted answers, weighted correct) as seen from `now`."""
    n, c, last = stats
    f = decay(now.timestamp() - last)
    return n * f, c * f
