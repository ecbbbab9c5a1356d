"""Turn pydantic's validation errors into `file:line: field: message` problems."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

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


def _field_path(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc if p != "[key]"]
    return ".".join(parts) if parts else "(item)"


def problems_from(
    exc: ValidationError, display: str, text: str, *, items: Any = None
) -> list[BankProblem]:
    """One problem per pydantic error, with the line of the offending node.

    `items` is the parsed data; when given, the item's id is added to the message so
    an author can find the item even in a long file.
    """
    problems: list[BankProblem] = []
    for err in exc.errors(include_url=False):
        loc: tuple[int | str, ...] = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        if err["type"] == "item_rule" and ctx.get("field"):
            loc = (*loc, *str(ctx["field"]).split("."))
        index = loc[0] if loc and isinstance(loc[0], int) else None
        field_loc = loc[1:] if index is not None else loc
        msg = _FRIENDLY.get(err["type"], err["msg"])
        if err["type"] in ("model_type", "dict_type"):
            msg = f"{msg}, got {type(err['input']).__name__}"
        if err["type"] == "extra_forbidden" and field_loc:
            msg = f"'{field_loc[-1]}' {msg}"
        where = f"item {index + 1}" if index is not None else ""
        if index is not None and isinstance(items, list):
            item = items[index] if index < len(items) else None
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                where = item["id"]
        if where:
            msg = f"{msg} ({where})"
        line = line_of(text, loc if err["type"] != "missing" else loc[:-1])
        problems.append(BankProblem(display, line, _field_path(field_loc), msg))
    return problems
