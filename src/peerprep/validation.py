"""Turn pydantic's validation errors into `file:line: field: message` problems.

`describe` is the one translation of a pydantic error into a field path and a message a
bank author can act on; the bank pipeline (bank/pipeline.py) and the blueprint loader
both use it, so an item and domains.yaml report alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from peerprep.errors import BankProblem
from peerprep.yamlio import line_of

_FRIENDLY = {
    "missing": "is required but missing",
    "extra_forbidden": "is not a field of this schema (check the spelling)",
    "model_type": "expected a mapping of fields",
    "dict_type": "expected a mapping",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
}


def field_path(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc if p != "[key]"]
    return ".".join(parts) if parts else "(item)"


def describe(err: ErrorDetails) -> tuple[tuple[int | str, ...], str]:
    """(location, message) of one error. The location includes the field a cross-field
    rule names (an `item_rule` error carries it in ctx), so its line can be found."""
    loc: tuple[int | str, ...] = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    if err["type"] == "item_rule" and ctx.get("field"):
        loc = (*loc, *str(ctx["field"]).split("."))
    msg = _FRIENDLY.get(err["type"], err["msg"])
    if err["type"] in ("model_type", "dict_type"):
        msg = f"{msg}, got {type(err['input']).__name__}"
    if err["type"] == "extra_forbidden" and loc:
        msg = f"'{loc[-1]}' {msg}"
    return loc, msg


def line_loc(err: ErrorDetails, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Where to look for the line: a missing field has none, so its parent's line."""
    return loc[:-1] if err["type"] == "missing" else loc


def problems_from(
    exc: ValidationError, display: str, text: str, *, items: Any = None
) -> list[BankProblem]:
    """One problem per pydantic error in a whole YAML document, with the offending node's line.

    `items` is the parsed data; when given, the item's id is added to the message so
    an author can find the item even in a long file.
    """
    problems: list[BankProblem] = []
    for err in exc.errors(include_url=False):
        loc, msg = describe(err)
        index = loc[0] if loc and isinstance(loc[0], int) else None
        field_loc = loc[1:] if index is not None else loc
        if index is not None:
            item = items[index] if isinstance(items, list) and index < len(items) else None
            msg = f"{msg} ({item_label(item, index)})"
        line = line_of(text, line_loc(err, loc))
        problems.append(BankProblem(display, line, field_path(field_loc), msg))
    return problems


def item_label(item: Any, index: int) -> str:
    """How a message names an item: its id when it has one, else its position."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return str(item["id"])
    return f"item {index + 1}"
