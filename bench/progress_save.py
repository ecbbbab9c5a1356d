"""Progress store speed (issue 4).

Targets: saving one answer takes under 5 ms and stays within 1.5x from an empty history
to 100,000 recorded answers; loading 100,000 answers for `peerprep progress` (load +
report) takes well under a second. Everything runs in this one process, alternating.

Run: python bench/progress_save.py [--answers 100000] [--saves 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--answers", type=int, default=100_000)
    ap.add_argument("--saves", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    os.environ["PEERPREP_HOME"] = str(tmp / "home")
    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint
    from peerprep.progress.report import progress_report
    from peerprep.progress.schema import SEAL_AT, AnswerEvent, ProgressDoc
    from peerprep.progress.store import ProgressStore

    bank = load_bank(None, load_blueprint())
    ids = sorted(bank.ids)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def answer(n: int) -> AnswerEvent:
        return AnswerEvent(
            session=f"s{n // 20}",
            at=t0 + dt.timedelta(seconds=n),
            item=ids[n % len(ids)],
            chosen="ABCD"[n % 4],  # type: ignore[arg-type]
            correct=n % 3 != 0,
            seconds=5.0,
            mode="quiz",
        )

    empty = ProgressStore(tmp / "empty" / "progress.json")
    full = ProgressStore(tmp / "full" / "progress.json")
    # Pre-fill `full` through the store's own sealing path (one seal per SEAL_AT events).
    from peerprep import recency

    doc = ProgressDoc(schema_version=2, created=t0)
    for start in range(0, args.answers, SEAL_AT):
        batch = [answer(n) for n in range(start, min(args.answers, start + SEAL_AT))]
        doc.events = list(batch)
        for e in batch:  # what append() keeps current with every answer
            recency.add(doc.item_stats, e.item, e.correct, e.at)
            doc.stats_answers += 1
        if len(doc.events) >= SEAL_AT:
            full._seal(doc)
    full._write(doc)

    times: dict[str, list[float]] = {"save_empty_history": [], "save_100k_history": []}
    for i in range(args.saves):
        for name, store in (("save_empty_history", empty), ("save_100k_history", full)):
            ev = answer(args.answers + i)
            t_save = time.perf_counter()
            store.append(ev)
            times[name].append(time.perf_counter() - t_save)

    loads: list[float] = []
    for _ in range(5):
        t_load = time.perf_counter()
        history = full.load()
        progress_report(bank, history, path=str(full.path))
        loads.append(time.perf_counter() - t_load)
    n = len(full.load().answers)

    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    p95 = {k: sorted(v)[int(len(v) * 0.95)] * 1000 for k, v in times.items()}
    ratio = med["save_100k_history"] / med["save_empty_history"]
    print(f"progress store: {args.saves} alternating saves each; history of {n:,} answers")
    print(f"{'measure':<24}{'median ms':>10}{'p95 ms':>9}  target")
    for k in times:
        print(f"{k:<24}{med[k]:>10.2f}{p95[k]:>9.2f}  < 5 ms {'ok' if med[k] < 5 else 'MISSED'}")
    verdict = "ok" if ratio <= 1.5 else "MISSED"
    print(f"{'ratio 100k / empty':<24}{ratio:>10.2f}{'':>9}  <= 1.5x {verdict}")
    load_med = statistics.median(loads)
    print(
        f"{'load + report, 100k':<24}{load_med * 1000:>10.0f}{'':>9}  well under 1000 ms "
        f"{'ok' if load_med < 1 else 'MISSED'}"
    )
    ok = all(v < 5 for v in med.values()) and ratio <= 1.5 and load_med < 1
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
