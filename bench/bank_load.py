"""Bank loading speed on a synthetic 50,000-item bank (generated here, never committed).

Targets (issue 2):
- a cold load (parse + validate + checks + cache write) within 1.25x of the time
  `yaml.load(..., CSafeLoader)` alone takes on the same files;
- a second load of the unchanged bank, from the cache, at least 20x faster than that parse.

Run: python bench/bank_load.py [--items 50000] [--per-file 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._timing import alternate, report


def synthetic_bank(folder: Path, items: int, per_file: int, task_codes: list[str]) -> None:
    rng = random.Random(0)
    words = [
        "peer",
        "recovery",
        "coach",
        "participant",
        "support",
        "plan",
        "goal",
        "housing",
        "family",
        "group",
        "strength",
        "trust",
        "boundary",
        "consent",
        "referral",
        "crisis",
        "community",
        "wellness",
    ]

    def text(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    for f in range(0, items, per_file):
        batch = []
        for i in range(f, min(items, f + per_file)):
            key = "ABCD"[i % 4]
            batch.append(
                {
                    "id": f"SYN-{i:06d}",
                    "task": task_codes[i % len(task_codes)],
                    "stem": text(40) + "?",
                    "options": {k: text(12) for k in "ABCD"},
                    "answer": key,
                    "rationale": {
                        "answer": text(30),
                        "distractors": {k: text(12) for k in "ABCD" if k != key},
                    },
                    "source": "synthetic benchmark item",
                    "difficulty": 1 + i % 3,
                    "cognitive": ("recall", "comprehension", "application")[i % 3],
                    "tags": ["synthetic"],
                }
            )
        (folder / f"part{f // per_file:03d}.yaml").write_text(
            yaml.safe_dump(batch, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=50_000)
    ap.add_argument("--per-file", type=int, default=1_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PEERPREP_HOME"] = str(Path(tmp) / "home")
        from peerprep.bank import bank_files, load_bank
        from peerprep.blueprint import load_blueprint

        bp = load_blueprint()
        folder = Path(tmp) / "bank"
        folder.mkdir()
        synthetic_bank(folder, args.items, args.per_file, bp.task_codes())
        size = sum(p.stat().st_size for p in folder.iterdir())
        files = bank_files(folder)
        cache_dir = Path(tmp) / "home" / "cache"

        def yaml_only() -> float:
            start = time.perf_counter()
            for p in files:
                yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            return time.perf_counter() - start

        def cold_load() -> float:
            shutil.rmtree(cache_dir, ignore_errors=True)
            start = time.perf_counter()
            bank = load_bank(folder, bp)
            elapsed = time.perf_counter() - start
            if bank.from_cache or len(bank) != args.items:
                raise RuntimeError("cold load did not parse the whole bank")
            return elapsed

        def cached_load() -> float:
            start = time.perf_counter()
            bank = load_bank(folder, bp)
            elapsed = time.perf_counter() - start
            if not bank.from_cache or len(bank) != args.items:
                raise RuntimeError("second load did not come from the cache")
            return elapsed

        times = alternate(
            args.runs,
            yaml_load_only=yaml_only,
            peerprep_cold_load=cold_load,
            peerprep_cached_load=cached_load,
        )
    print(
        f"bank load: {args.items:,} items in {len(files)} files, {size / 1e6:.1f} MB; "
        f"{args.runs} alternating runs, in one process"
    )
    ok = report(times, "yaml_load_only", {"peerprep_cold_load": 1.25, "peerprep_cached_load": 0.05})
    print("(cached_load target: ratio <= 0.05, i.e. at least 20x faster than the parse)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
