"""Mastery with honest uncertainty: a Beta posterior per task and per domain.

With a uniform Beta(1, 1) prior, 2 right out of 2 gives a posterior mean of 75 % and an
80 % interval of about 46-97 %, not "100 % mastered". The interval narrows only as
evidence accumulates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from peerprep.bank import Bank

PRIOR = (1.0, 1.0)
LEVEL = 0.80


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-12:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _beta_pdf(x: float, a: float, b: float) -> float:
    if x <= 0.0 or x >= 1.0:
        return 0.0
    return math.exp(
        (a - 1) * math.log(x)
        + (b - 1) * math.log1p(-x)
        + math.lgamma(a + b)
        - math.lgamma(a)
        - math.lgamma(b)
    )


def beta_ppf(q: float, a: float, b: float) -> float:
    """Quantile of Beta(a, b): Newton steps kept inside a shrinking bisection bracket.

    Newton converges in a handful of steps from the normal approximation; the bracket
    guarantees convergence where the density is flat or the step overshoots.
    """
    lo, hi = 0.0, 1.0
    mean = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    z = math.sqrt(2) * _erfinv(2 * q - 1)
    x = min(max(mean + z * sd, 1e-9), 1 - 1e-9)
    for _ in range(100):
        f = beta_cdf(x, a, b) - q
        if f < 0:
            lo = x
        else:
            hi = x
        pdf = _beta_pdf(x, a, b)
        step = f / pdf if pdf > 0 else math.inf
        nxt = x - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - x) < 1e-10 or hi - lo < 1e-10:
            return nxt
        x = nxt
    return x


def _erfinv(y: float) -> float:
    """Inverse error function (Giles 2010 single-precision approximation, then polished)."""
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w -= 2.5
        p = 2.81022636e-08
        for c in (
            3.43273939e-07,
            -3.5233877e-06,
            -4.39150654e-06,
            0.00021858087,
            -0.00125372503,
            -0.00417768164,
            0.246640727,
            1.50140941,
        ):
            p = c + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        for c in (
            0.000100950558,
            0.00134934322,
            -0.00367342844,
            0.00573950773,
            -0.0076224613,
            0.00943887047,
            1.00167406,
            2.83297682,
        ):
            p = c + p * w
    return p * y


@dataclass(frozen=True)
class Mastery:
    code: str
    name: str
    attempts: float  # may be fractional when answers are weighted by recency
    correct: float
    mean: float
    low: float
    high: float
    # Whole answers behind the estimate, for people: `attempts`/`correct` above may be
    # recency-weighted (9.99971 answers), which is how the estimate weighs them but not
    # how many the candidate gave.
    answers: int = 0
    right: int = 0

    @property
    def percent_correct(self) -> float | None:
        return 100.0 * self.correct / self.attempts if self.attempts else None

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"percent_correct": self.percent_correct}


def estimate(
    code: str,
    name: str,
    correct: float,
    attempts: float,
    prior: tuple[float, float] = PRIOR,
    level: float = LEVEL,
    *,
    whole: tuple[int, int] | None = None,
) -> Mastery:
    """`whole`: (answers, right) as given, when `attempts`/`correct` are weighted."""
    a, b = prior[0] + correct, prior[1] + (attempts - correct)
    tail = (1.0 - level) / 2
    answers, right = whole if whole is not None else (round(attempts), round(correct))
    return Mastery(
        code,
        name,
        attempts,
        correct,
        a / (a + b),
        beta_ppf(tail, a, b),
        beta_ppf(1.0 - tail, a, b),
        answers,
        right,
    )


@dataclass(frozen=True)
class MasteryTable:
    domains: list[Mastery]
    tasks: list[Mastery]

    def weakest(self, n: int = 5) -> list[Mastery]:
        """Lowest posterior mean among tasks with answers; less evidence breaks ties."""
        tried = [t for t in self.tasks if t.attempts]
        return sorted(tried, key=lambda t: (t.mean, t.attempts))[:n]


def mastery_table(
    bank: Bank, results: Iterable[tuple[str, bool]], weights: Sequence[float] | None = None
) -> MasteryTable:
    """Per-task and per-domain Beta estimates from (item id, correct) results.

    Items no longer in the bank (retired) are skipped. `weights`, if given, scales each
    result (recency weighting); the default counts every answer once.
    """
    task_of = {str(r[0]): str(r[1]) for r in bank.records}
    per_task: dict[str, list[float]] = {}
    whole: dict[str, list[int]] = {}
    for i, (item_id, ok) in enumerate(results):
        task = task_of.get(item_id)
        if task is None:
            continue
        w = weights[i] if weights is not None else 1.0
        tally = per_task.setdefault(task, [0.0, 0.0])
        tally[0] += w
        tally[1] += w * ok
        count = whole.setdefault(task, [0, 0])
        count[0] += 1
        count[1] += bool(ok)
    return table_from_counts(bank, per_task, whole)


def whole_counts(bank: Bank, results: Iterable[tuple[str, bool]]) -> dict[str, list[int]]:
    """[answers, right] per task code, every answer counted once (retired items skipped)."""
    task_of = {str(r[0]): str(r[1]) for r in bank.records}
    out: dict[str, list[int]] = {}
    for item_id, ok in results:
        task = task_of.get(item_id)
        if task is not None:
            count = out.setdefault(task, [0, 0])
            count[0] += 1
            count[1] += bool(ok)
    return out


def table_from_counts(
    bank: Bank,
    per_task: dict[str, list[float]],
    whole: dict[str, list[int]] | None = None,
) -> MasteryTable:
    """Estimates from (answers, correct) per task code, possibly recency-weighted;
    `whole` gives the real [answers, right] per task when the counts are weighted."""
    domains, tasks = [], []
    for d in bank.blueprint.domains:
        dn = dc = 0.0
        da = dr = 0
        for t in d.tasks:
            n, c = per_task.get(t.code, (0.0, 0.0))
            a, r = whole.get(t.code, (0, 0)) if whole is not None else (round(n), round(c))
            tasks.append(estimate(t.code, t.text, c, n, whole=(a, r)))
            dn, dc, da, dr = dn + n, dc + c, da + a, dr + r
        domains.append(estimate(d.code, d.name, dc, dn, whole=(da, dr)))
    return MasteryTable(domains, tasks)
