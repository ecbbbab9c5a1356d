"""Item-writing checks over a bank, per item and for the bank as a whole.

The rules follow shared/guide/item-writing.md (NBME-style one-best-answer items):
cues that let a test-wise candidate guess, flaws that make an item unfair, and
language that stigmatizes the people the exam is about.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from peerprep.bank import Bank
from peerprep.cues import item_cues
from peerprep.models import Question

# Bank-level limits (issue 3). Each key letter within 1/k +- 5 points (20-30 % for 4).
LETTER_TOLERANCE = 0.05
LONGEST_KEY_MAX = 0.35
DEFAULT_SIMILARITY = (
    85.0  # rapidfuzz token_sort_ratio (0-100): reordering words does not hide a twin
)
UNEQUAL_RATIO = 2.5  # longest option over shortest ...
UNEQUAL_CHARS = 40  # ... and at least this many characters apart

_ALL_NONE = re.compile(r"\b(all|none|both|neither) of the (above|options|choices)\b", re.I)
_ABSOLUTE = re.compile(r"\b(always|never)\b", re.I)
_NEGATIVE = re.compile(r"\b(not|except|least)\b", re.I)
# Where the main clause ends: relative pronouns and subordinating conjunctions. A "not"
# after them describes the scenario ("even though he has not used") rather than asking
# a negative question.
_RELATIVE = re.compile(
    r"[\s,](?:who|whom|whose|that|although|though|because|since|while|when|if|after|"
    r"before|once|until)\s",
    re.I,
)
# Endings that close an option (a full stop, or the quote around a spoken response).
_CLOSERS = (".", "?", "!", '"', "”", "'", "’")
# Quoted spans are skipped by the language check: an item may quote a label to teach it.
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|(?<!\w)'[^'\n]{1,60}'(?!\w)|‘[^’\n]*’")


@dataclass(frozen=True)
class Finding:
    check: str
    message: str
    item_id: str | None = None  # None: a finding about the bank as a whole
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.check,
            "message": self.message,
            "item": self.item_id,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class LintReport:
    items: int
    findings: list[Finding]
    letters: dict[str, int]
    longest_key_share: float
    checks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def clean(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        by_check = Counter(f.check for f in self.findings)
        return {
            "items": self.items,
            "clean": self.clean,
            "letters": self.letters,
            "longest_key_share": self.longest_key_share,
            "counts": {c: by_check.get(c, 0) for c in self.checks},
            # Share of items with each finding: the bank-wide cue rates the README reports.
            "rates": {
                c: round(by_check.get(c, 0) / self.items, 4) if self.items else 0.0
                for c in self.checks
            },
            "findings": [f.as_dict() for f in self.findings],
        }


CHECKS = (
    "letter-balance",
    "longest-key",
    "all-none-of-above",
    "absolute-key",
    "negative-stem",
    "near-duplicate",
    "unequal-options",
    "option-endings",
    "missing-distractor-note",
    "stigmatizing-language",
    # test-wiseness cues (cues.py): the key must not stand out from the options alone
    "values-key",
    "straw-distractors",
    "stem-echo",
    "key-union",
)


@cache
def stigma_terms() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The project's list (lint_terms.yaml), compiled once."""
    import yaml

    text = resources.files("peerprep").joinpath("lint_terms.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return tuple((re.compile(t["pattern"], re.I), t["use"]) for t in data["terms"])


def _question_sentence(stem: str) -> str:
    """The sentence that asks: the last one ending in '?', else the last sentence."""
    sentences = re.split(r"(?<=[.?!])\s+|(?<=[.?!][\"”’'])\s+", stem.strip())
    asking = [s for s in sentences if s.endswith("?")]
    return asking[-1] if asking else sentences[-1]


def _texts(q: Question) -> list[tuple[str, str]]:
    out = [("stem", q.stem)]
    out += [(f"option {k}", v) for k, v in q.options.items()]
    out.append(("rationale", q.rationale.answer))
    out += [(f"note {k}", v) for k, v in q.rationale.distractors.items()]
    return out


def item_findings(q: Question) -> list[tuple[str, str]]:
    """(check, message) pairs for one item."""
    out: list[tuple[str, str]] = []
    for k, v in q.options.items():
        hit = _ALL_NONE.search(v)
        if hit:
            out.append(("all-none-of-above", f"option {k} uses '{hit.group(0)}'"))
    m = _ABSOLUTE.search(q.options[q.answer])
    if m:
        out.append(
            (
                "absolute-key",
                f"the key ({q.answer}) says '{m.group(0)}', a cue test-wise candidates use",
            )
        )
    # Quoted speech is a person's words in the scenario, not the question's negation.
    # Only the main clause counts: "partners who do not dictate" is description, while
    # "Which is not a principle?" asks a negative question.
    ask = _RELATIVE.split(_QUOTED.sub(" ", _question_sentence(q.stem)), maxsplit=1)[0]
    for m in _NEGATIVE.finditer(ask):
        if m.group(0) != m.group(0).upper():
            out.append(
                (
                    "negative-stem",
                    f"negative question word '{m.group(0)}' should be "
                    f"emphasized as {m.group(0).upper()}",
                )
            )
    lengths = {k: len(v) for k, v in q.options.items()}
    lo, hi = min(lengths.values()), max(lengths.values())
    if hi > UNEQUAL_RATIO * lo and hi - lo >= UNEQUAL_CHARS:
        out.append(
            (
                "unequal-options",
                f"option lengths range {lo}-{hi} characters; make options similar in length",
            )
        )
    # Parallel form: an option that alone has (or alone lacks) a closing full stop
    # stands out to a test-wise candidate who does not know the content.
    closed = {k: v.rstrip().endswith(_CLOSERS) for k, v in q.options.items()}
    if len(set(closed.values())) > 1:
        with_stop = ", ".join(k for k, c in closed.items() if c)
        without = ", ".join(k for k, c in closed.items() if not c)
        out.append(
            (
                "option-endings",
                f"options {with_stop} end with punctuation and {without} do not; "
                "keep options parallel",
            )
        )
    missing = [k for k in q.distractors if not q.rationale.distractors.get(k)]
    if missing:
        out.append(("missing-distractor-note", f"no rationale note for {', '.join(missing)}"))
    for where, text in _texts(q):
        plain = _QUOTED.sub(" ", text)
        for pattern, use in stigma_terms():
            hit = pattern.search(plain)
            if hit:
                out.append(("stigmatizing-language", f"{where}: '{hit.group(0)}'; use: {use}"))
    out += item_cues(q)
    return out


def _normalize(stem: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", stem.lower()).split())


def near_duplicates(questions: list[Question], threshold: float) -> list[tuple[int, int, float]]:
    """Index pairs whose normalized stems are at least `threshold` similar (0-100)."""
    from rapidfuzz import fuzz, process

    stems = [_normalize(q.stem) for q in questions]
    pairs = []
    for i, stem in enumerate(stems[:-1]):
        later = stems[i + 1 :]
        for _, score, j in process.extract(
            stem, later, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=None
        ):
            pairs.append((i, i + 1 + j, float(score)))
    return pairs


def lint(bank: Bank, *, similarity: float = DEFAULT_SIMILARITY) -> LintReport:
    questions = bank.questions
    raw: list[Finding] = []
    for q in questions:
        raw += [Finding(check, msg, q.id) for check, msg in item_findings(q)]
    for i, j, score in near_duplicates(questions, similarity):
        a, b = questions[i], questions[j]
        raw.append(Finding("near-duplicate", f"stem is {score:.0f} % similar to {a.id}", b.id))

    n = len(questions)
    # The same spread `bank stats` shows, from the same place.
    counts = bank.answer_letters()
    width = len(counts)
    lo, hi = 1 / width - LETTER_TOLERANCE, 1 / width + LETTER_TOLERANCE
    for k, c in counts.items():
        share = c / n if n else 0.0
        if n and not lo - 1e-9 <= share <= hi + 1e-9:
            raw.append(
                Finding(
                    "letter-balance",
                    f"{k} is the key in {100 * share:.1f} % of items "
                    f"(keep each letter within {lo:.0%}-{hi:.0%})",
                )
            )
    longest = sum(1 for q in questions if _key_is_longest(q))
    longest_share = longest / n if n else 0.0
    if longest_share > LONGEST_KEY_MAX:
        raw.append(
            Finding(
                "longest-key",
                f"the key is the longest option in "
                f"{100 * longest_share:.1f} % of items "
                f"(at most {LONGEST_KEY_MAX:.0%})",
            )
        )
    where = bank.locate({f.item_id for f in raw if f.item_id})
    located = [
        Finding(f.check, f.message, f.item_id, *where[f.item_id]) if f.item_id else f for f in raw
    ]
    return LintReport(n, located, counts, longest_share, CHECKS)


def _key_is_longest(q: Question) -> bool:
    lengths = [len(v) for v in q.options.values()]
    key_len = len(q.options[q.answer])
    return key_len == max(lengths) and lengths.count(key_len) == 1
