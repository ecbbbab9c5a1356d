"""Readiness: the percent correct a candidate can expect on a blueprint-weighted form.

Per domain, a recency-weighted Beta posterior (see study.py); overall, the blueprint-
weighted mix of the domains, with an 80 % interval from Monte Carlo draws of the
domain posteriors. It is compared with a study target the user sets. IC&RC reports a
scaled score (200-800, 500 passes) and does not publish the raw cut, so this is a study
target, never a pass prediction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from peerprep.bank import Bank
from peerprep.engine.mastery import Mastery, mastery_table
from peerprep.engine.study import recency_weights

DEFAULT_TARGET = 75.0
DRAWS = 4000


@dataclass(frozen=True)
class Readiness:
    expected: float  # percent
    low: float
    high: float
    domains: list[Mastery]
    weights: dict[str, float]
    target: float
    answers: int
    p_target: float  # posterior probability that the expected percent reaches the target

    def as_dict(self) -> dict[str, object]:
        return {
            "expected": self.expected,
            "low": self.low,
            "high": self.high,
            "target": self.target,
            "answers": self.answers,
            "probability_expected_at_or_above_target": self.p_target,
            "domains": [m.as_dict() | {"weight": self.weights[m.code]} for m in self.domains],
        }


def readiness(
    bank: Bank,
    results: Sequence[tuple[str, bool, dt.datetime]],
    *,
    now: dt.datetime,
    target: float,
    seed: int = 0,
) -> Readiness:
    weights = recency_weights([t for _, _, t in results], now)
    table = mastery_table(bank, [(i, ok) for i, ok, _ in results], weights)
    shares = bank.blueprint.shares()
    rng = random.Random(seed)  # fixed: the same history always reports the same interval
    sims = sorted(
        100
        * sum(
            shares[m.code] * rng.betavariate(1 + m.correct, 1 + m.attempts - m.correct)
            for m in table.domains
        )
        for _ in range(DRAWS)
    )
    expected = 100 * sum(shares[m.code] * m.mean for m in table.domains)
    p_target = sum(s >= target for s in sims) / DRAWS
    return Readiness(
        expected,
        sims[int(0.1 * DRAWS)],
        sims[int(0.9 * DRAWS)],
        table.domains,
        shares,
        target,
        len(results),
        p_target,
    )


def trend(
    bank: Bank,
    results: Sequence[tuple[str, bool, dt.datetime]],
    *,
    now: dt.datetime,
    target: float,
    weeks: int = 8,
) -> list[tuple[dt.date, float, float, float]]:
    """(week ending, expected, low, high) at the end of each of the last `weeks` weeks;
    the week-ending date is the candidate's local date."""
    out = []
    for k in range(weeks - 1, -1, -1):
        cut = now - dt.timedelta(weeks=k)
        upto = [r for r in results if r[2] <= cut]
        if not upto:
            continue
        r = readiness(bank, upto, now=cut, target=target)
        out.append((cut.astimezone().date(), r.expected, r.low, r.high))
    return out
