"""Grading reports speed (issue 14.3), in-process on the bundled bank.

Targets: grading 1,000 candidates x 75 items *with* reports (every class and candidate
document as data, and every CSV table, no PDFs) in at most 1 s; 30 per-candidate PDFs in
at most 3 s. The baseline, measured in the same run, is plain grading (read the answers,
grade, item analysis); ratios are printed against it. Medians of several alternated runs.

Run: python bench/grade_speed.py [--runs 5]
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

from bench._timing import alternate, report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("PEERPREP_HOME", tempfile.mkdtemp())
    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint
    from peerprep.exams import reports
    from peerprep.exams.formkey import build_key
    from peerprep.exams.forms import build_forms
    from peerprep.exams.grade import grade_class
    from peerprep.exams.responses import read_responses

    bank = load_bank(None, load_blueprint())
    form = build_forms(bank, forms=1, items=75, seed=3).forms[0]
    key = build_key(bank, form.items, number=1, title="Bench", seed=3, minutes=120)
    rng = random.Random(1)
    lines = ["id," + ",".join(f"q{i + 1}" for i in range(75))]
    for c in range(1000):
        ability = rng.random()
        row = [
            p.key if rng.random() < 0.3 + 0.6 * ability else rng.choice("ABCD") for p in key.items
        ]
        lines.append(f"c{c}," + ",".join(row))
    text = "\n".join(lines) + "\n"
    # Warm up Typst (fonts) so the PDF figure is the steady-state cost a class pays.
    read = read_responses(text, [key])
    g = grade_class([key], read)
    docs = reports.build_documents(g, [key], read.candidates, bank)
    reports.render_pdfs([d for _, d in docs.candidates[:2]])
    start = 0

    def plain() -> float:
        t = time.perf_counter()
        r = read_responses(text, [key])
        grade_class([key], r)
        return time.perf_counter() - t

    def with_reports() -> float:
        t = time.perf_counter()
        r = read_responses(text, [key])
        cg = grade_class([key], r)
        reports.build_documents(cg, [key], r.candidates, bank)
        reports.csv_tables(cg)
        return time.perf_counter() - t

    def pdfs_30() -> float:
        nonlocal start
        # Different candidates each run: Typst memoizes, repeating one would flatter it.
        batch = docs.candidates[start : start + 30]
        start += 30
        t = time.perf_counter()
        reports.render_pdfs([d for _, d in batch])
        return time.perf_counter() - t

    times = alternate(
        args.runs, plain_grading=plain, grading_with_reports=with_reports, candidate_pdfs_30=pdfs_30
    )
    print(f"1,000 candidates x 75 items; {os.cpu_count()} cores; {args.runs} runs")
    ok = report(times, "plain_grading", {})
    absolute = {"grading_with_reports": 1.0, "candidate_pdfs_30": 3.0}
    for name, limit in absolute.items():
        med = statistics.median(times[name])
        passed = med <= limit
        ok &= passed
        print(f"{name:<28}{med:>10.3f} s  target <= {limit:g} s {'ok' if passed else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
