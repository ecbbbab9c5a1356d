"""Sheets and scoring for the bank's solver probes (issue 12: "cover the options").

Three probes, each answered by a fresh solver who sees nothing but the sheet:

- options-only: the options of a random sample, shuffled, with no stem, id or task. A bank
  that needs knowledge keeps this near chance (goal <= 40 %, no domain above 50 %).
- blind: every item in full (stem and shuffled options), no key. The solver's answers must
  match the key (goal >= 97 %); items marked as having two defensible answers get fixed.
- test-wise: full items, but the solver is told to use only test-taking heuristics.

    python scripts/bank_probe.py sheet options-only --n 120 --seed 7 -o probe/
    python scripts/bank_probe.py sheet blind --all --batches 8 --seed 7 -o probe/
    python scripts/bank_probe.py score probe/key.json probe/answers-*.txt

A sheet's key (key.json) maps each entry number to the shown key letter, the item id and
its domain; it is never shown to a solver. Answer files hold one line per entry, such as
`12: C` or `12: C (medium)` or `12: B/C two defensible`; other lines are ignored.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from peerprep.bank import Bank, load_bank
from peerprep.blueprint import load_blueprint
from peerprep.models import Question

LETTERS = "ABCDE"

INSTRUCTIONS = {
    "options-only": (
        "Each entry below is the list of answer options of a multiple-choice question from "
        "an exam for peer recovery support workers. The question itself is hidden. For each "
        "entry, pick the option you think is most likely the keyed answer, using whatever "
        "cues you can see in the options alone. Answer every entry, one line each, as "
        "`N: LETTER`."
    ),
    "blind": (
        "Answer each question as a well-prepared candidate for the IC&RC Peer Recovery "
        "exam would. Each question names the IC&RC task it is written for. Give one line "
        "per question as `N: LETTER (high|medium|low)`. If two options are equally "
        "defensible, write `N: X/Y two defensible` and say why on the next line. If a "
        "question does not test its task's statement (it tests another task's point), add "
        "`off-task` to its line and say which task it tests instead on the next line."
    ),
    "test-wise": (
        "You know NOTHING about peer recovery work, addiction or counselling. Answer each "
        "question using only test-taking heuristics (option length, wording, which option "
        "sounds most like what an examiner wants, grammar, repeated words). Give one line "
        "per question as `N: LETTER`."
    ),
}


def _entry(
    q: Question, order: list[str], *, with_stem: bool, n: int, task_text: str | None = None
) -> str:
    lines = [f"## {n}"]
    if task_text is not None:
        lines.append(f"(Task {q.task}: {task_text})")
    if with_stem:
        lines.append(" ".join(q.stem.split()))
    for shown, original in zip(LETTERS, order, strict=False):
        lines.append(f"{shown}. {q.options[original]}")
    return "\n".join(lines)


def make_sheet(
    bank: Bank, mode: str, rng: random.Random, *, n: int | None, batches: int
) -> tuple[list[str], list[dict[str, object]]]:
    """Sheets (one per batch) and the key for every entry."""
    questions = list(bank.questions)
    rng.shuffle(questions)
    if n is not None:
        questions = questions[:n]
    per = math.ceil(len(questions) / batches)
    sheets: list[str] = []
    key: list[dict[str, object]] = []
    for b in range(batches):
        part = questions[b * per : (b + 1) * per]
        entries = []
        for q in part:
            order = list(q.options)
            rng.shuffle(order)
            number = len(key) + 1
            task_text = bank.blueprint.task(q.task).text if mode == "blind" else None
            entries.append(
                _entry(q, order, with_stem=mode != "options-only", n=number, task_text=task_text)
            )
            key.append(
                {
                    "n": number,
                    "batch": b + 1,
                    "item": q.id,
                    "domain": bank.blueprint.domain_of(q.task).code,
                    "key": LETTERS[order.index(q.answer)],
                    "difficulty": q.difficulty,
                }
            )
        sheets.append(INSTRUCTIONS[mode] + "\n\n" + "\n\n".join(entries) + "\n")
    return sheets, key


_ANSWER = re.compile(r"^\s*#*\s*(\d+)\s*[:.)-]\s*([A-E])(?:\s*/\s*([A-E]))?(.*)$", re.I)


def read_answers(paths: list[Path]) -> dict[int, tuple[str, str]]:
    """Entry -> (letter, rest of line). A later line for the same entry wins."""
    out: dict[int, tuple[str, str]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = _ANSWER.match(line)
            if m:
                rest = (m.group(4) or "").strip().lower()
                if m.group(3):
                    rest = f"two defensible {m.group(2).upper()}/{m.group(3).upper()} {rest}"
                out[int(m.group(1))] = (m.group(2).upper(), rest)
    return out


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def score(key: list[dict[str, object]], answers: dict[int, tuple[str, str]]) -> dict[str, Any]:
    by_domain: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses, flagged, unanswered, off_task = [], [], [], []
    confidence: dict[str, list[tuple[object, bool, object]]] = defaultdict(list)
    for e in key:
        n = int(str(e["n"]))
        if n not in answers:
            unanswered.append(e["item"])
            continue
        letter, rest = answers[n]
        hit = letter == e["key"]
        tally = by_domain[str(e["domain"])]
        tally[0] += hit
        tally[1] += 1
        if not hit:
            misses.append({"item": e["item"], "key": e["key"], "chose": letter, "note": rest})
        if "two defensible" in rest:
            flagged.append({"item": e["item"], "key": e["key"], "note": rest})
        if "off-task" in rest:
            off_task.append(e["item"])
        for level in ("high", "medium", "low"):
            if level in rest:
                confidence[level].append((e["item"], hit, e.get("difficulty")))
    k = sum(t[0] for t in by_domain.values())
    n = sum(t[1] for t in by_domain.values())
    lo, hi = wilson(k, n)
    return {
        "answered": n,
        "matched": k,
        "rate": round(k / n, 4) if n else None,
        "interval95": [round(lo, 4), round(hi, 4)],
        "by_domain": {
            d: {"answered": t[1], "matched": t[0], "rate": round(t[0] / t[1], 4)}
            for d, t in sorted(by_domain.items())
        },
        "unanswered": unanswered,
        "misses": misses,
        "two_defensible": flagged,
        "off_task": off_task,
        # Confidence (blind solves) against the item's difficulty label: how many items of
        # each label the solver answered with high / medium / low confidence.
        "confidence_by_difficulty": {
            level: {str(d): sum(1 for _, _, dd in rows if dd == d) for d in (1, 2, 3)}
            for level, rows in confidence.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sheet", help="write solver sheets and their key")
    s.add_argument("mode", choices=sorted(INSTRUCTIONS))
    s.add_argument("--n", type=int, help="sample size (default: every item)")
    s.add_argument("--batches", type=int, default=1)
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--bank", type=Path)
    s.add_argument("-o", "--out", type=Path, required=True)
    c = sub.add_parser("score", help="score answer files against a key")
    c.add_argument("key", type=Path)
    c.add_argument("answers", type=Path, nargs="+")
    args = ap.parse_args(argv)

    if args.cmd == "sheet":
        bank = load_bank(args.bank, load_blueprint(), use_cache=False)
        sheets, key = make_sheet(
            bank, args.mode, random.Random(args.seed), n=args.n, batches=args.batches
        )
        args.out.mkdir(parents=True, exist_ok=True)
        for i, text in enumerate(sheets, 1):
            (args.out / f"sheet-{i}.md").write_text(text, encoding="utf-8")
        meta = {"mode": args.mode, "seed": args.seed, "entries": key}
        (args.out / "key.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        print(f"{len(sheets)} sheet(s), {len(key)} entries -> {args.out}")
        return 0
    meta = json.loads(args.key.read_text(encoding="utf-8"))
    result = score(meta["entries"], read_answers(args.answers))
    result["mode"] = meta["mode"]
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
