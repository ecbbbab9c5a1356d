"""Which items an export holds, and where its file may go."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from peerprep.bank import Bank
from peerprep.errors import InvalidInputError
from peerprep.models import Question


def select(
    bank: Bank, *, domain: str | None = None, tasks: Sequence[str] = (), form: Path | None = None
) -> list[Question]:
    """Items by domain, task codes, or exactly a built form (its key.json), in bank order
    (form order for a form)."""
    if form is not None:
        from peerprep.exams.formkey import load_key

        key = load_key(form)
        missing = [it.id for it in key.items if it.id not in bank]
        if missing:
            raise InvalidInputError(f"{form}: items not in this bank: {', '.join(missing[:5])}")
        return [as_printed(bank.get(it.id), it.order) for it in key.items]
    chosen = list(bank)
    if domain is not None:
        d = bank.blueprint.require_domain(domain)
        codes = {t.code for t in d.tasks}
        chosen = [q for q in chosen if q.task in codes]
    if tasks:
        wanted = {t.strip().upper() for t in tasks}
        unknown = wanted - set(bank.blueprint.task_codes())
        if unknown:
            raise InvalidInputError(
                f"unknown task code {', '.join(sorted(unknown))}; {bank.blueprint.task_choices()}"
            )
        chosen = [q for q in chosen if q.task in wanted]
    if not chosen:
        raise InvalidInputError("no items match those filters")
    return chosen


def output_path(folder: Path, name: str, *, force: bool) -> Path:
    """`folder/name`, refusing names that would land outside `folder` and, without
    `force`, files that exist."""
    root = folder.resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root) or target == root:
        raise InvalidInputError(f"output name {name!r} would leave the folder {folder}")
    if target.is_dir():  # --force could not help: a folder is never replaced by a file
        raise InvalidInputError(f"{target} is a folder; give --name a file name")
    if target.exists() and not force:
        raise InvalidInputError(f"{target} exists; use --force to overwrite it")
    return target


def form_title(form: Path) -> str:
    """The title a built form was printed with (what LMS quizzes and categories are named)."""
    from peerprep.exams.formkey import load_key

    return load_key(form).title


def as_printed(q: Question, order: str) -> Question:
    """The item with its options lettered as a printed form shows them (`order`: the
    bank's keys in printed order), so an online copy of the form has the same key
    letters as the paper one."""
    from peerprep.constants import OPTION_LETTERS

    if sorted(order) != sorted(q.options):
        raise InvalidInputError(f"{q.id}: the form's option order {order!r} does not fit the item")
    letter = {bank_key: OPTION_LETTERS[i] for i, bank_key in enumerate(order)}
    rationale = q.rationale.model_copy(
        update={"distractors": {letter[k]: v for k, v in q.rationale.distractors.items()}}
    )
    return q.model_copy(
        update={
            "options": {letter[k]: q.options[k] for k in order},
            "answer": letter[q.answer],
            "rationale": rationale,
        }
    )
