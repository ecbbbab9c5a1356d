"""Which canonical knowledge lists (shared/reference/exam-facts.md) the bank's items use.

Issue 12 asks that each list be needed to answer at least 3 items. This counts items
whose stem or options name a list's members; a reader still checks that the item needs
the list (the review logs under docs/reviews/rewrite/ say which items do).

    python scripts/bank_coverage.py [--bank PATH] [--min 3]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint

# List -> regexes for its members (any one matching counts the item).
LISTS: dict[str, tuple[str, ...]] = {
    "stages of change": (
        r"precontemplation",
        r"\bcontemplation\b",
        r"\bpreparation stage",
        r"\bmaintenance\b",
    ),
    "OARS": (
        r"open(?:-ended)? question",
        r"affirmation",
        r"reflective listening",
        r"\breflection",
        r"summar(?:y",
        r"ies",
        r"ize)",
    ),
    "change talk / DARN-CAT": (
        r"change talk",
        r"sustain talk",
        r"\bDARN",
        r"mobilizing",
        r"preparatory",
        r"commitment language",
        r"\bactivation\b",
    ),
    "MI spirit and processes": (
        r"\bengaging\b",
        r"\bfocusing\b",
        r"\bevok",
        r"\bevocation",
        r"\bpartnership\b",
        r"acceptance",
        r"compassion",
    ),
    "SAMHSA recovery definition and 4 dimensions": (
        r"working definition",
        r"four dimensions",
        r"\bhealth, home\b",
        r"\bpurpose\b.*\bcommunity\b",
    ),
    "SAMHSA 10 guiding principles": (
        r"person-driven",
        r"many pathways",
        r"\bholistic\b",
        r"\brelational\b",
        r"culturally based",
        r"addresses trauma",
        r"strengths and responsibility",
        r"\bhope\b",
    ),
    "trauma-informed 6 principles": (
        r"trustworthiness and transparency",
        r"collaboration and mutuality",
        r"empowerment, voice",
        r"cultural, historical",
        r"peer support principle",
        r"\bsafety\b",
    ),
    "recovery capital": (r"recovery capital",),
    "White's roles and ethics": (
        r"resource broker",
        r"truth-teller",
        r"tour guide",
        r"motivator",
        r"ally and confidant",
        r"role model",
        r"community organizer",
        r"lifestyle consultant",
        r"monitor",
        r"White and PRO-ACT",
        r"White & PRO-ACT",
    ),
    "42 CFR Part 2": (
        r"Part 2",
        r"42 CFR",
    ),
    "988 and crisis response": (
        r"\b988\b",
        r"crisis line",
        r"suicid",
    ),
    "naloxone and overdose": (
        r"naloxone",
        r"overdose",
    ),
    "harm reduction": (
        r"harm reduction",
        r"syringe",
        r"fentanyl test",
        r"test strip",
    ),
    "multiple pathways incl. MOUD": (
        r"buprenorphine",
        r"methadone",
        r"naltrexone",
        r"medications? for opioid use disorder",
        r"\bMOUD\b",
    ),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bank", type=Path)
    ap.add_argument("--min", type=int, default=3)
    args = ap.parse_args(argv)
    bank = load_bank(args.bank, load_blueprint(), use_cache=False)
    short = 0
    print("| list | items | example ids |\n|---|---|---|")
    for name, pattern in LISTS.items():
        rx = re.compile("|".join(pattern), re.I)
        hits = [
            q.id
            for q in bank.questions
            if rx.search(" ".join([q.stem, *q.options.values(), q.source]))
        ]
        short += len(hits) < args.min
        print(f"| {name} | {len(hits)} | {', '.join(hits[:4])} |")
    return 1 if short else 0


if __name__ == "__main__":
    raise SystemExit(main())
