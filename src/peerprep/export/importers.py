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

from peerprep.bank import Bank, Origin, RawItem, validate_items
from peerprep.errors import BankProblem
from peerprep.export.gift import GiftError, parse_gift
from peerprep.models import Blueprint

DEFAULTS: dict[str, Any] = {"difficulty": 2, "cognitive": "comprehension"}


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


def _next_id(prefix: str, task: str, used: set[str]) -> str:
    n = 1
    while f"{prefix}-{task}-{n:03d}" in used:
        n += 1
    used.add(f"{prefix}-{task}-{n:03d}")
    return f"{prefix}-{task}-{n:03d}"


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
    used: set[str] = set()
    rows = []
    for row in reader:
        line = reader.line_num

        def get(k: str, row: dict[str, str | None] = row) -> str:
            return (row.get(k) or "").strip()

        t = (get("task") or task or "").upper()
        options = {k.upper(): get(f"option_{k}") for k in "abcde" if get(f"option_{k}")}
        answer = get("answer").upper()
        notes = {
            k.upper(): get(f"note_{k}") for k in "abcde" if get(f"note_{k}") and k.upper() != answer
        }
        item: dict[str, Any] = {
            "id": get("id") or _next_id(id_prefix, t or "X", used),
            "task": t,
            "stem": get("stem"),
            "options": options,
            "answer": answer,
            "rationale": {"answer": get("rationale"), "distractors": notes},
            "source": get("source") or f"imported from {display}",
            "difficulty": int(get("difficulty"))
            if get("difficulty").isdigit()
            else DEFAULTS["difficulty"],
            "cognitive": get("cognitive") or DEFAULTS["cognitive"],
            "tags": [x for x in get("tags").split(";") if x] or None,
            "as_of": get("as_of") or None,
        }
        used.add(item["id"])
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
    return _check(rows, display, blueprint, existing, replacing)


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
    used: set[str] = set()
    rows = []
    for q in questions:
        t = (task or "").upper()
        keys = "ABCDEFGHIJ"[: len(q.answers)]  # more than 5 fails validation, clearly
        answer = next(k for k, (ok, _, _) in zip(keys, q.answers, strict=False) if ok)
        why = q.general or next((fb for ok, _, fb in q.answers if ok), "")
        item: dict[str, Any] = {
            "id": q.title
            if q.title and " " not in q.title
            else _next_id(id_prefix, t or "X", used),
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
            "source": f"imported from {display}",
            **DEFAULTS,
        }
        used.add(item["id"])
        rows.append((q.line, item))
    return _check(rows, display, blueprint, existing, replacing)
