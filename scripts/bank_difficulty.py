"""Difficulty labels from the blind solves (issue 12: "difficulty labels follow the blind
solves").

The rule, from the issue: a difficulty-3 item is one a prepared solver gets with medium or
low confidence, or only with a specific fact. So, for each item, the LATEST blind solve of
its current wording decides:

- answered with medium or low confidence, or missed            -> 3
- answered with high confidence, labelled 3, and a recall item -> 3 (a specific fact)
- answered with high confidence, labelled 3, otherwise         -> 2
- answered with high confidence, labelled 1 or 2               -> unchanged

    python -m scripts.bank_difficulty [PROBE_DIR...] [--apply | --check]

PROBE_DIRs are given oldest first (default: CHAIN, the blind solves logged under
docs/reviews/rewrite/probes/, in the order the bank was changed); each holds key.json
and answers-*.txt of a blind solve. A later probe's answer for an item wins. Items never
blind-solved keep their label. `--check` exits 1 if any label differs from the rule
(tests/test_bundled_bank.py runs it, so the shipped labels keep following the solves).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from scripts.bank_probe import read_answers

ROOT = Path(__file__).resolve().parents[1]
PROBES = ROOT / "docs" / "reviews" / "rewrite" / "probes"
# Every blind solve of the bank's items, oldest first: the whole bank after pass 3, its
# fixes, then the items each later pass changed. A new pass appends its probe here.
CHAIN = [
    PROBES / d
    for d in (
        "final/blind",
        "fix-recheck",
        "after-pass4-II/blind",
        "after-pass5/blind",
        "after-pass5-fix-recheck",
        "after-pass6/blind",
        "after-pass7/blind",
        "after-pass7-fix-recheck",
        "final-sample/blind",
        "final-sample-fix-recheck",
        "final-sample-fix-recheck-2",
        "final-sample-fix-recheck-3",
    )
]


def latest_solves(dirs: list[Path]) -> dict[str, tuple[bool, str]]:
    """Item id -> (answered right, confidence) from the newest probe that holds it."""
    out: dict[str, tuple[bool, str]] = {}
    for d in dirs:
        key_file = d / "key.json"
        entries = json.loads(key_file.read_text())["entries"]
        answers = read_answers(sorted(d.glob("answers*.txt")))
        for e in entries:
            got = answers.get(int(e["n"]))
            if got is None:
                continue
            letter, rest = got
            level = next((w for w in ("low", "medium", "high") if w in rest), "high")
            out[str(e["item"])] = (letter == e["key"], level)
    return out


def relabel(current: int, cognitive: str, right: bool, level: str) -> int:
    if not right or level in ("medium", "low"):
        return 3
    if current == 3:
        return 3 if cognitive == "recall" else 2
    return current


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("probes", nargs="*", type=Path)
    ap.add_argument("--apply", action="store_true", help="rewrite the labels in the bank")
    ap.add_argument("--check", action="store_true", help="exit 1 if a label differs")
    args = ap.parse_args()
    bank = load_bank(None, load_blueprint(), use_cache=False)
    solves = latest_solves(args.probes or CHAIN)
    changes: dict[str, int] = {}
    before: Counter[int] = Counter()
    after: Counter[int] = Counter()
    for q in bank:
        before[q.difficulty] += 1
        new = q.difficulty
        if q.id in solves:
            new = relabel(q.difficulty, q.cognitive, *solves[q.id])
        after[new] += 1
        if new != q.difficulty:
            changes[q.id] = new
    print(f"blind-solved: {sum(q.id in solves for q in bank)} of {len(bank)} items")
    print(f"labels before: {dict(sorted(before.items()))}; after: {dict(sorted(after.items()))}")
    moves = Counter((bank.get(i).difficulty, d) for i, d in changes.items())
    print("changes (from -> to: items):", {f"{a}->{b}": n for (a, b), n in sorted(moves.items())})
    if args.apply:
        _apply(changes)
    if args.check and changes:
        print("labels that do not follow the blind solves:", ", ".join(sorted(changes)))
        return 1
    return 0


def _apply(changes: dict[str, int]) -> None:
    """Rewrite `difficulty: N` inside each changed item's block, leaving the rest of
    the file byte for byte."""
    for path in sorted((ROOT / "question_bank").rglob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        current = None
        touched = False
        for i, line in enumerate(lines):
            m = re.match(r"- id: (\S+)", line)
            if m:
                current = m.group(1)
                continue
            d = re.match(r"(\s+difficulty: )([1-3])(\s*)$", line)
            if d and current in changes and int(d.group(2)) != changes[current]:
                lines[i] = f"{d.group(1)}{changes[current]}{d.group(3)}"
                touched = True
        if touched:
            path.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
