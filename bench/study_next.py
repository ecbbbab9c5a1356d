"""Choosing the next study item with 100,000 recorded answers (issue 6: under 50 ms).

Measured in this one process: building the study plan from the per-item recency stats
that the progress store keeps current with every saved answer (so planning reads one
entry per answered item, not every answer), then choosing items one by one. Medians.

Run: python bench/study_next.py [--answers 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--answers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    os.environ.setdefault("PEERPREP_HOME", tempfile.mkdtemp())
    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint
    from peerprep.engine.study import StudyPlanner

    bank = load_bank(None, load_blueprint())
    ids = sorted(bank.ids)
    rng = random.Random(0)
    now = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    results = [
        (
            ids[rng.randrange(len(ids))],
            rng.random() < 0.7,
            now - dt.timedelta(minutes=5 * (args.answers - n)),
        )
        for n in range(args.answers)
    ]
    from peerprep import recency

    stats = recency.from_results(results)  # what the progress store keeps up to date
    plan_t, first_t, next_t = [], [], []
    for run in range(args.runs):
        start = time.perf_counter()
        planner = StudyPlanner(bank, stats, now=now, rng=random.Random(run))
        t1 = time.perf_counter()
        used: set[str] = set()
        item = planner.next_item(used)
        t2 = time.perf_counter()
        assert item is not None
        used.add(item)
        per = []
        for _ in range(20):
            t = time.perf_counter()
            nxt = planner.next_item(used)
            per.append(time.perf_counter() - t)
            if nxt:
                used.add(nxt)
        plan_t.append(t1 - start)
        first_t.append(t2 - start)
        next_t.append(statistics.median(per))
    first = statistics.median(first_t)
    print(f"study: history of {args.answers:,} answers, {args.runs} runs (medians)")
    print(f"plan from history (one pass)     {1000 * statistics.median(plan_t):8.1f} ms")
    print(f"each further item                {1000 * statistics.median(next_t):8.2f} ms")
    print(
        f"first item, plan included        {1000 * first:8.1f} ms  target < 50 ms "
        f"{'ok' if first < 0.05 else 'MISSED'}"
    )
    return 0 if first < 0.05 else 1


if __name__ == "__main__":
    raise SystemExit(main())
