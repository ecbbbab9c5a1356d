"""Cues a test-wise candidate can use without knowing peer recovery work.

The "cover the options" rule says the key must not stand out from the options alone.
Outside reviewers found four ways it did in this bank (issue 12); each is a check here:

- values-key: only the key speaks the profession's values vocabulary ("together",
  "explore", "ask", "permission", "own words", "choose", ...). A candidate who picks the
  one collaborative-sounding option wins without the stem.
- straw-distractors: two or more distractors carry straw-man markers (threats, insisting,
  refusing, lending money, the worker's own phone or car, "outside the peer role"). Each
  one a candidate can eliminate on manners alone moves the odds toward the key.
- stem-echo: the key alone repeats a distinctive word of the stem ("clang").
- key-union: the key is two distractors joined ("X and Y"), so "the most complete" option
  wins.

These are heuristics over words, so the word lists are kept short and specific, and the
thresholds are per item: an item is flagged, and an author reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from peerprep.models import Question

# Values vocabulary. Stems of words, matched at a word start, case-insensitive.
VALUES_WORDS = (
    "together",
    "explore",
    "exploring",
    "ask ",
    "asks ",
    "asking",
    "permission",
    "own words",
    "in their own",
    "in her own",
    "in his own",
    "choose",
    "chooses",
    "choice",
    "collaborat",
    "invite",
    "invites",
    "inviting",
    "what matters",
    "their preferences",
    "her preferences",
    "his preferences",
    "strengths",
    "empower",
    "self-determin",
    "partner with",
    "jointly",
    "with the participant",
    "with her",
    "with him",
    "with them",
)
_VALUES = re.compile(
    "|".join(
        r"\b" + re.escape(w.strip()) + (r"\b" if w.endswith(" ") else "") for w in VALUES_WORDS
    ),
    re.I,
)

# Straw-man markers: what a candidate rejects on manners alone.
STRAW_MARKERS = (
    r"\bthreat",
    r"\binsist",
    r"\brefuse\b",
    r"\brefuses\b",
    r"\bdemand",
    r"\bunless (?:she|he|they) (?:agrees?|accepts?|complies)",
    r"\buntil (?:she|he|they) (?:agrees?|accepts?|complies|admits?)",
    r"\blend\b",
    r"\bloan\b",
    r"\bpersonal (?:cell|phone|number)",
    r"\bat any hour\b",
    r"\bany time of (?:the )?day or night\b",
    r"\bin (?:her|his|the coach's|the worker's) (?:own )?car\b",
    r"\boutside the peer role\b",
    r"\bnot the peer(?:'s| worker's)? (?:job|role)\b",
    r"\bthe rules are the rules\b",
    r"\bscold",
    r"\blecture",
    r"\bshame",
    r"\bridicul",
    r"\bmock",
    r"\bignore\b",
    r"\bdo nothing\b",
    r"\bwarn (?:her|him|them) that\b",
    r"\bkick",
    r"\bdischarge (?:her|him|them)\b",
    r"\bunannounced\b",
    r"\bwithout (?:her|his|their) (?:knowledge|consent|permission|input)\b",
    r"\bon (?:her|his|their) behalf\b",
    r"\bclose (?:her|his|their) (?:file|case)\b",
    r"\b(?:services|support) will end unless\b",
    r"\btell (?:her|him|them) (?:to|(?:that )?(?:she|he|they) (?:must|has to|have to))\b",
    r"\btry harder\b",
)
_STRAW = re.compile("|".join(STRAW_MARKERS), re.I)
STRAW_MAX = 1  # distractors per item that may carry a marker

# Words too common in this bank to cue anything when repeated from the stem.
_COMMON = frozenset(
    [
        "about",
        "after",
        "again",
        "against",
        "also",
        "among",
        "another",
        "answer",
        "because",
        "been",
        "before",
        "being",
        "best",
        "between",
        "both",
        "coach",
        "coaches",
        "could",
        "describe",
        "describes",
        "does",
        "doing",
        "during",
        "each",
        "every",
        "first",
        "from",
        "have",
        "having",
        "here",
        "into",
        "just",
        "know",
        "later",
        "like",
        "made",
        "make",
        "makes",
        "many",
        "might",
        "more",
        "most",
        "much",
        "must",
        "need",
        "needs",
        "next",
        "only",
        "other",
        "over",
        "participant",
        "participants",
        "peer",
        "peers",
        "person",
        "people",
        "recovery",
        "response",
        "responds",
        "right",
        "said",
        "says",
        "session",
        "should",
        "since",
        "some",
        "still",
        "such",
        "support",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "think",
        "this",
        "those",
        "through",
        "today",
        "together",
        "under",
        "until",
        "very",
        "want",
        "wants",
        "week",
        "weeks",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "will",
        "with",
        "within",
        "without",
        "worker",
        "workers",
        "would",
        "your",
        "best",
        "statement",
        "step",
        "following",
        "likely",
        "appropriate",
        "action",
        "actions",
        "approach",
        "option",
        "options",
    ]
)
_WORD = re.compile(r"[a-z][a-z'-]{4,}")


def _words(text: str) -> set[str]:
    return {w.strip("'-") for w in _WORD.findall(text.lower())} - _COMMON


def values_hits(text: str) -> list[str]:
    return [m.group(0).strip().lower() for m in _VALUES.finditer(text)]


def straw_hits(text: str) -> list[str]:
    return [m.group(0).lower() for m in _STRAW.finditer(text)]


def item_cues(q: Question) -> list[tuple[str, str]]:
    """(check, message) pairs for one item."""
    out: list[tuple[str, str]] = []
    key = q.options[q.answer]
    others = {k: v for k, v in q.options.items() if k != q.answer}

    key_values = values_hits(key)
    if key_values and not any(values_hits(v) for v in others.values()):
        out.append(
            (
                "values-key",
                f"only the key ({q.answer}) uses values words ({', '.join(key_values)}); "
                "give distractors the same vocabulary or take it out of the key",
            )
        )

    straw = {k: straw_hits(v) for k, v in others.items()}
    straw = {k: hits for k, hits in straw.items() if hits}
    if len(straw) > STRAW_MAX:
        listed = "; ".join(f"{k}: {', '.join(h)}" for k, h in sorted(straw.items()))
        out.append(
            (
                "straw-distractors",
                f"{len(straw)} distractors carry straw-man markers ({listed}); "
                "make them wrong for a reason the stem establishes",
            )
        )

    stem_words = _words(q.stem)
    option_words = {k: _words(v) & stem_words for k, v in q.options.items()}
    echoed = option_words[q.answer] - set().union(*(option_words[k] for k in others))
    if echoed:
        out.append(
            (
                "stem-echo",
                f"only the key repeats the stem's word(s) {', '.join(sorted(echoed))}",
            )
        )

    if _is_union(key, others.values()):
        out.append(("key-union", "the key joins two distractors; 'the most complete option' wins"))
    return out


def _is_union(key: str, distractors: Iterable[str]) -> bool:
    """The key says 'X and Y' where X and Y are (mostly) two of the distractors."""
    if not re.search(r"\b(?:and|both|as well as|while also)\b", key, re.I):
        return False
    key_words = _words(key)
    covered = [
        w for w in (_words(d) for d in distractors) if w and len(w & key_words) >= 0.6 * len(w)
    ]
    return len(covered) >= 2
