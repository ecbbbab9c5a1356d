"""Trainers' question sets (CSV, GIFT) into bank items, checked before anything is written.

Every item is validated against the bank schema and the blueprint's task codes; problems
come back with the line they start on, and nothing is written unless all items pass.
Fields that CSV or GIFT cannot carry get stated defaults (difficulty 2, comprehension,
"imported from FILE") for the author to review; an item without a rationale is a problem,
because a candidate learns from the rationale.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from peerprep import csvcells
from peerprep.bank import Bank, Origin, RawItem, validate_items
from peerprep.constants import OPTION_LETTERS
from peerprep.errors import BankProblem
from peerprep.export.gift import GiftError, parse_gift
from peerprep.models import Blueprint

DEFAULTS: dict[str, Any] = {"difficulty": 2, "cognitive": "comprehension"}
OPTION_KEYS = OPTION_LETTERS


def _check(
    items: Iterable[tuple[int, dict[str, Any]]],
    display: str,
    blueprint: Blueprint,
    existing: Sequence[Bank] = (),
    replacing: Path | None = None,
) -> tuple[list[dict[str, Any]], list[BankProblem]]:
    """The bank's own validation pipeline, with each row's line as its origin."""
    rows = [(line, {k: v for k, v in it.items() if v is not None}) for line, it in items]
    checked = validate_items(
        [RawItem(it, Origin(display, line)) for line, it in rows],
        blueprint,
        existing=existing,
        replacing=replacing,
    )
    hint = " (give --task CODE or fill the task column)"
    problems = [
        BankProblem(p.file, p.line, p.field, p.message + hint)
        if p.field == "task" and p.message.startswith("unknown task code")
        else p
        for p in checked.problems
    ]
    good = [
        {k: v for k, v in rows[i][1].items() if v not in (None, "", [], {})}
        for i in checked.accepted
    ]
    return good, problems


class _IdMaker:
    """Made-up ids `PREFIX-TASK-NNN`, skipping ids already used in the file.

    Each prefix/task keeps its own counter, so 10,000 rows without ids cost 10,000
    steps rather than rescanning every earlier number for each row.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.used: set[str] = set()
        self._next: dict[str, int] = {}

    def make(self, task: str) -> str:
        n = self._next.get(task, 1)
        while (made := f"{self.prefix}-{task}-{n:03d}") in self.used:
            n += 1
        self._next[task] = n + 1
        self.used.add(made)
        return made


# Python's csv refuses fields over 128 KiB; say so as a problem, not a traceback.
_FIELD_LIMIT = "a field is over 128 KiB (no question needs that much text)"


def _difficulty(raw: str, display: str, line: int) -> tuple[int | None, BankProblem | None]:
    """The difficulty cell: empty means the stated default; only ASCII 1-3 otherwise.

    int() would accept "٢" (Arabic-Indic) or "２" (fullwidth) and raise on "²", so a
    cell that is not plain ASCII digits is refused rather than guessed at.
    """
    if not raw:
        return DEFAULTS["difficulty"], None
    if raw.isascii() and raw.isdigit():
        return int(raw), None
    return None, BankProblem(
        display, line, "difficulty", f"{raw!r} is not 1, 2 or 3 (write it in ASCII digits)"
    )


def from_csv(
    text: str,
    display: str,
    blueprint: Blueprint,
    *,
    task: str | None,
    id_prefix: str = "IMP",
    existing: Sequence[Bank] = (),
    replacing: Path | None = None,
) -> tuple[list[dict[str, Any]], list[BankProblem]]:
    """Rows with columns as `peerprep export csv` writes them (extra columns ignored;
    only stem, option_a/b/c, answer and rationale are required)."""
    reader = csv.DictReader(io.StringIO(text))
    ids = _IdMaker(id_prefix)
    rows = []
    cell_problems: list[BankProblem] = []
    try:
        # Reading every row up front also reads the header, so a csv.Error anywhere
        # (an oversized field) is one problem before any item is looked at.
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        what = _FIELD_LIMIT if "field limit" in str(exc) else str(exc)
        return [], [BankProblem(display, reader.line_num, "csv", what)]
    for line, row in records:

        def get(k: str, row: dict[str, str | None] = row) -> str:
            # export csv quotes cells a spreadsheet would run; take that quote back off
            return csvcells.restore(row.get(k) or "").strip()

        t = (get("task") or task or "").upper()
        options = {
            k.upper(): get(f"option_{k}") for k in OPTION_LETTERS.lower() if get(f"option_{k}")
        }
        answer = get("answer").upper()
        difficulty, bad = _difficulty(get("difficulty"), display, line)
        if bad is not None:
            cell_problems.append(bad)
        notes = {
            k.upper(): get(f"note_{k}")
            for k in OPTION_LETTERS.lower()
            if get(f"note_{k}") and k.upper() != answer
        }
        item: dict[str, Any] = {
            "id": get("id") or ids.make(t or "X"),
            "task": t,
            "stem": get("stem"),
            "options": options,
            "answer": answer,
            "rationale": {"answer": get("rationale"), "distractors": notes},
            "source": get("source") or f"imported from {Path(display).name}",
            "difficulty": difficulty,
            "cognitive": get("cognitive") or DEFAULTS["cognitive"],
            "tags": [x for x in get("tags").split(";") if x] or None,
            "as_of": get("as_of") or None,
        }
        ids.used.add(item["id"])
        if bad is None:
            rows.append((line, item))
    if reader.fieldnames is None or "stem" not in reader.fieldnames:
        return [], [
            BankProblem(
                display,
                1,
                "header",
                "needs a header row with at least stem, option_a, option_b, "
                "option_c, answer and rationale (as `peerprep export csv` writes)",
            )
        ]
    good, problems = _check(rows, display, blueprint, existing, replacing)
    problems = sorted(problems + cell_problems, key=lambda p: p.line or 0)
    return good, problems


def from_gift(
    text: str,
    display: str,
    blueprint: Blueprint,
    *,
    task: str | None,
    id_prefix: str = "IMP",
    existing: Sequence[Bank] = (),
    replacing: Path | None = None,
) -> tuple[list[dict[str, Any]], list[BankProblem]]:
    try:
        questions = parse_gift(text)
    except GiftError as exc:
        return [], [BankProblem(display, exc.line, "gift", exc.message)]
    ids = _IdMaker(id_prefix)
    rows = []
    too_many: list[BankProblem] = []
    from peerprep.export.gift import read_meta

    for q in questions:
        meta = read_meta(q.comments)  # our own export's `// task ...` line
        t = (meta.get("task") or task or "").upper()
        if len(q.answers) > len(OPTION_KEYS):
            too_many.append(
                BankProblem(
                    display,
                    q.line,
                    "options",
                    f"{len(q.answers)} answers; an item has at most {len(OPTION_KEYS)} options",
                )
            )
            continue
        keys = OPTION_KEYS[: len(q.answers)]
        answer = next(k for k, (ok, _, _) in zip(keys, q.answers, strict=False) if ok)
        why = q.general or next((fb for ok, _, fb in q.answers if ok), "")
        item: dict[str, Any] = {
            "id": q.title if q.title and " " not in q.title else ids.make(t or "X"),
            "task": t,
            "stem": q.stem,
            "options": {k: text for k, (_, text, _) in zip(keys, q.answers, strict=False)},
            "answer": answer,
            "rationale": {
                "answer": why,
                "distractors": {
                    k: fb for k, (ok, _, fb) in zip(keys, q.answers, strict=False) if fb and not ok
                },
            },
            "source": f"imported from {Path(display).name}",
            **DEFAULTS,
        }
        item |= {k: v for k, v in meta.items() if k != "task"}
        ids.used.add(item["id"])
        rows.append((q.line, item))
    good, problems = _check(rows, display, blueprint, existing, replacing)
    return good, sorted(problems + too_many, key=lambda p: p.line or 0)
