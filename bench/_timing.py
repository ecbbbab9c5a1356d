"""Small helpers shared by the benchmarks: alternate runs, report medians and ratios."""

from __future__ import annotations

import statistics
from collections.abc import Callable


def alternate(runs: int, **fns: Callable[[], float]) -> dict[str, list[float]]:
    """Run each timing function in turn (A B C A B C ...) so drift hits all alike."""
    out: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            out[name].append(fn())
    return out


def report(times: dict[str, list[float]], baseline: str, limits: dict[str, float]) -> bool:
    """Print median seconds and the ratio of medians to the baseline; True if within limits."""
    base = statistics.median(times[baseline])
    ok = True
    print(f"{'measure':<28}{'median s':>10}{'min s':>9}{'max s':>9}{'ratio':>8}  target")
    for name, ts in times.items():
        med = statistics.median(ts)
        ratio = med / base
        limit = limits.get(name)
        verdict = ""
        if limit is not None:
            passed = ratio <= limit
            ok &= passed
            verdict = f"<= {limit:g}x {'ok' if passed else 'MISSED'}"
        print(f"{name:<28}{med:>10.3f}{min(ts):>9.3f}{max(ts):>9.3f}{ratio:>8.2f}  {verdict}")
    return ok
