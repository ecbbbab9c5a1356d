"""Exam speed (issue 5), in-process on the bundled bank.

Targets: one 75-item form with its key PDF under 0.5 s; 10 forms (form + key PDFs each)
under 3 s; grading 1,000 candidates x 75 items with full item analysis under 1 s.
Each figure is the median of several runs in this one process.

Run: python bench/exam_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
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
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("PEERPREP_HOME", tempfile.mkdtemp())
    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint
    from peerprep.exams.forms import build_forms, key_document
    from peerprep.exams.grade import FormKey, grade, read_responses
    from peerprep.exams.printable import form_data, render_pdf, render_pdfs

    bank = load_bank(None, load_blueprint())
    render_pdf(
        form_data(
            bank,
            build_forms(bank, forms=1, items=5, seed=0).forms[0],
            title="warm",
            minutes=5,
            kind="form",
        )
    )  # load typst once

    seeds = iter(range(1000, 10_000))

    def build(n_forms: int) -> float:
        # A fresh seed every run: Typst memoizes, so repeating one form would flatter it.
        seed = next(seeds)
        start = time.perf_counter()
        fs = build_forms(bank, forms=n_forms, items=75, seed=seed)
        render_pdfs(
            [
                form_data(bank, f, title="Bench", minutes=120, kind=kind)
                for f in fs.forms
                for kind in ("form", "key")
            ]
        )
        for f in fs.forms:
            key_document(bank, f, title="Bench", seed=seed)
        return time.perf_counter() - start

    key = FormKey.model_validate(
        key_document(bank, build_forms(bank, forms=1, items=75, seed=9).forms[0], title="B", seed=9)
    )
    rng = random.Random(0)
    rows = []
    for c in range(1000):
        skill = rng.random()
        answers = [it.key if rng.random() < skill else rng.choice("ABCD") for it in key.items]
        rows.append(f"cand{c}," + ",".join(answers))
    text = "\n".join(rows) + "\n"

    def grade_class() -> float:
        start = time.perf_counter()
        cands, problems = read_responses(text, key)
        grade(key, cands, problems)
        return time.perf_counter() - start

    results = {
        "one form + key PDF": ([build(1) for _ in range(args.runs)], 0.5),
        "10 forms + keys": ([build(10) for _ in range(max(2, args.runs // 2))], 3.0),
        "grade 1000 x 75": ([grade_class() for _ in range(args.runs)], 1.0),
    }
    print(f"exam speed, in-process, bundled bank of {len(bank)} items")
    ok = True
    for name, (ts, limit) in results.items():
        med = statistics.median(ts)
        ok &= med < limit
        print(
            f"{name:<22}{med:>8.3f} s  (min {min(ts):.3f}, max {max(ts):.3f})  "
            f"target < {limit:g} s {'ok' if med < limit else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
