"""A bank's files on disk, read into raw items for the validation pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peerprep.bank.pipeline import Origin, RawItem
from peerprep.errors import BankProblem, InvalidInputError
from peerprep.yamlio import FileProblem, decode, line_of, load_yaml

BANK_SUFFIXES = (".yaml", ".yml")


def bank_files(path: Path) -> list[Path]:
    """The YAML files of a bank: the file itself, or every *.yaml below a folder, sorted."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.suffix in BANK_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if not files:
            raise InvalidInputError(f"no .yaml bank files in {path}")
        return files
    raise InvalidInputError(f"bank not found: {path}")


def raw_items(display: str, data: bytes, problems: list[BankProblem]) -> list[RawItem]:
    """One YAML bank file's items, each with its origin; a file that is not a list of
    items adds its problem and gives none."""
    try:
        text = decode(data, display)
        items = load_yaml(text, display)
    except FileProblem as exc:
        problems.append(exc.problem)
        return []
    if not isinstance(items, list) or not items:
        problems.append(_not_a_list(display, text, items))
        return []
    return [RawItem(it, Origin(display, None, i, text)) for i, it in enumerate(items)]


def _not_a_list(display: str, text: str, items: Any) -> BankProblem:
    if items is None:
        return BankProblem(display, None, "file", "is empty; a bank file must hold a list of items")
    if isinstance(items, list):
        return BankProblem(display, 1, "file", "is an empty list; a bank file must hold items")
    return BankProblem(
        display,
        line_of(text, ()),
        "file",
        f"must be a list of items (each starting with '- id: ...'), not a {type(items).__name__}",
    )
