"""The one validation pipeline: raw item dicts (with where they came from) -> questions.

Every way items enter peerprep goes through `validate_items`: the bank loader (YAML),
`peerprep import csv|gift`, and through the loader `bank validate`, `bank lint` and
`bank stats`. So an item is judged by the same rules, and reported in the same words,
whichever door it came in by. It returns the questions or the complete list of problems:
schema errors, an answer key that is not an option, duplicate ids (both places named,
also against an existing bank an import would join), unknown task codes (with the
nearest known ones).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from peerprep.errors import BankProblem
from peerprep.yamlio import line_of

if TYPE_CHECKING:
    from pydantic import ValidationError
    from pydantic_core import ErrorDetails

    from peerprep.bank.model import Bank
    from peerprep.models import Blueprint, Question


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a raw item came from: its file, and its line there.

    A CSV row or a GIFT question knows its line when it is read. A YAML item does not
    (a plain `yaml.load` keeps no marks, and composing with marks costs more than the
    load itself), so it carries its file's text and its position in the file's list,
    and the line of the exact field is found only when a problem needs it.
    """

    file: str
    line: int | None = None
    index: int = 0
    text: str | None = None

    def line_of(self, *field_loc: int | str) -> int | None:
        if self.text is None:
            return self.line
        return line_of(self.text, (self.index, *field_loc))


class RawItem(NamedTuple):
    data: Any  # what the reader produced; a valid item is a mapping of Question fields
    origin: Origin


@dataclass
class Checked:
    """The pipeline's answer. `questions[i]` came from `raw[accepted[i]]`; a bank is built
    only when `problems` is empty."""

    questions: list[Question] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    problems: list[BankProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def nearest_codes(code: str, codes: set[str], n: int = 3) -> list[str]:
    """Likely intended task codes: same-domain neighbours by number, then lookalikes."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", code.strip())
    near: list[str] = []
    if m:
        prefix, num = m.group(1).upper(), int(m.group(2))
        same = [c for c in codes if re.fullmatch(rf"{prefix}\d+", c)]
        near = sorted(same, key=lambda c: (abs(int(c[len(prefix) :]) - num), c))[: n - 1]
    for c in difflib.get_close_matches(code, sorted(codes), n=n, cutoff=0.5):
        if c not in near:
            near.append(c)
    return near[:n]


def validate_items(
    raw: Sequence[RawItem],
    blueprint: Blueprint,
    *,
    existing: Bank | Sequence[Bank] = (),
    replacing: Path | None = None,
) -> Checked:
    """Validate raw items against the schema, the blueprint and each other (and, for an
    import, against the bank(s) they would join). Never raises for bad data.

    `replacing` is a file about to be overwritten: its items in `existing` do not count.
    """
    from pydantic import TypeAdapter, ValidationError

    from peerprep.models import Question

    adapter: TypeAdapter[list[Question]] = TypeAdapter(list[Question])
    datas = [r.data for r in raw]
    errors: dict[int, list[ErrorDetails]] = {}
    try:
        # One call for the whole list: per-item calls cost ~30 % more on a large bank.
        questions: list[Question | None] = list(adapter.validate_python(datas))
    except ValidationError as exc:
        questions = _one_by_one(exc, datas, errors)

    codes = set(blueprint.task_codes())
    taken = _existing_ids(existing, replacing)
    per_item: dict[int, list[BankProblem]] = {}
    first_seen: dict[str, int] = {}
    for i, (data, origin) in enumerate(raw):
        if not isinstance(data, dict):
            continue
        found: list[BankProblem] = []
        task = data.get("task")
        if isinstance(task, str) and task.strip() not in codes:
            near = nearest_codes(task.strip(), codes)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            found.append(
                BankProblem(
                    origin.file,
                    origin.line_of("task"),
                    "task",
                    f"unknown task code {task.strip()!r} ({_label(data, origin)}){hint}",
                )
            )
            # The schema may also object to this task (e.g. an empty one): one problem is
            # enough, and this one carries the suggestions.
            errors[i] = [e for e in errors.get(i, ()) if tuple(e["loc"][1:]) != ("task",)]
        item_id = data.get("id")
        if isinstance(item_id, str) and item_id.strip():
            item_id = item_id.strip()
            if item_id in first_seen:
                there = raw[first_seen[item_id]].origin
                found.append(
                    BankProblem(
                        origin.file,
                        origin.line_of("id"),
                        "id",
                        f"duplicate id {item_id}; first used at {there.file}:{there.line_of('id')}",
                    )
                )
            else:
                first_seen[item_id] = i
        if found:
            per_item[i] = found

    for item_id, i in first_seen.items():
        if item_id in taken:
            origin = raw[i].origin
            per_item.setdefault(i, []).append(
                BankProblem(
                    origin.file,
                    origin.line_of("id"),
                    "id",
                    f"duplicate id {item_id}; already in the bank at {_place(*taken[item_id])}",
                )
            )

    out = Checked()
    if not errors and not per_item:  # the common case, kept cheap for a 50,000-item bank
        out.questions = [q for q in questions if q is not None]
        out.accepted = list(range(len(questions)))
        return out
    for i, q in enumerate(questions):
        mine = _schema_problems(errors.get(i, ()), raw[i]) + per_item.get(i, [])
        out.problems.extend(mine)
        if q is not None and not mine:
            out.questions.append(q)
            out.accepted.append(i)
    return out


def _one_by_one(
    exc: ValidationError, datas: list[Any], errors: dict[int, list[ErrorDetails]]
) -> list[Question | None]:
    """The failure path: which items failed and why, keeping the valid ones for the
    cross-item checks, so one run reports everything."""
    from pydantic import ValidationError

    from peerprep.models import Question

    for err in exc.errors(include_url=False):
        loc = err["loc"]
        index = loc[0] if loc and isinstance(loc[0], int) else -1
        errors.setdefault(index, []).append(err)
    out: list[Question | None] = []
    for i, data in enumerate(datas):
        if i in errors:
            out.append(None)
            continue
        try:
            out.append(Question.model_validate(data))
        except ValidationError:  # pragma: no cover - the list call already reported it
            out.append(None)
    return out


def _schema_problems(errs: Sequence[ErrorDetails], item: RawItem) -> list[BankProblem]:
    from peerprep.validation import describe, field_path, line_loc

    out = []
    for err in errs:
        loc, msg = describe(err)
        field_loc = loc[1:]  # loc[0] is the item's index in the list
        line = item.origin.line_of(*line_loc(err, loc)[1:])
        out.append(
            BankProblem(
                item.origin.file,
                line,
                field_path(field_loc),
                f"{msg} ({_label(item.data, item.origin)})",
            )
        )
    return out


def _label(data: Any, origin: Origin) -> str:
    from peerprep.validation import item_label

    return item_label(data, origin.index)


def _existing_ids(
    existing: Bank | Sequence[Bank], replacing: Path | None
) -> dict[str, tuple[Bank, str]]:
    from peerprep.bank.model import Bank

    banks = [existing] if isinstance(existing, Bank) else list(existing)
    skip = replacing.resolve() if replacing is not None else None
    taken: dict[str, tuple[Bank, str]] = {}
    for bank in banks:
        files = {f for f, _ in bank.origins} if skip is not None else set()
        skipped = {f for f in files if Path(f).resolve() == skip}
        for r, (file, _) in zip(bank.records, bank.origins, strict=True):
            if file not in skipped:
                taken.setdefault(str(r[0]), (bank, str(r[0])))
    return taken


def _place(bank: Bank, item_id: str) -> str:
    file, line = bank.locate([item_id])[item_id]
    return f"{file}:{line}" if line is not None else file
