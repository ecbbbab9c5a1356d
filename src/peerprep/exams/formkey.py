"""The key of a printed form: one model for the writer (`exam build`) and every reader
(`exam grade KEY`, the exports' `--form KEY`).

`form-N-key.json` is this model dumped as JSON. Version 2 adds the time limit, the bank
fingerprint and the form id to what version 1 held; a version 1 file (written before
this model existed) is migrated on reading, with what it never recorded left as null.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from peerprep.constants import (
    FORM_KEY_FORMAT,
    FORM_KEY_VERSION,
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_LETTERS,
)
from peerprep.errors import InvalidInputError

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.engine.draw import Presented

Name = Annotated[StrictStr, Field(min_length=1)]


class KeyPosition(BaseModel):
    """One printed position: which item, and how its options were printed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: Annotated[StrictInt, Field(ge=1)]
    id: Name
    task: Name
    domain: Name
    # order[i] is the bank's letter of the option printed as OPTION_LETTERS[i].
    order: Annotated[StrictStr, Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)]
    key: StrictStr  # the printed letter of the right answer

    @field_validator("order")
    @classmethod
    def _order_is_a_permutation(cls, value: str) -> str:
        letters = OPTION_LETTERS[: len(value)]
        if sorted(value) != list(letters):
            raise PydanticCustomError(
                "key_rule",
                "must list the letters {letters} once each, in printed order, not {got!r}",
                {"letters": ", ".join(letters), "got": value},
            )
        return value

    @field_validator("key")
    @classmethod
    def _key_is_a_printed_option(cls, value: str, info: ValidationInfo) -> str:
        order = info.data.get("order")
        letters = OPTION_LETTERS[: len(order)] if isinstance(order, str) else OPTION_LETTERS
        if len(value) != 1 or value not in letters:
            raise PydanticCustomError(
                "key_rule",
                "{got!r} is not one of the printed options ({letters})",
                {"got": value, "letters": ", ".join(letters)},
            )
        return value

    @property
    def options(self) -> int:
        """How many options this position printed."""
        return len(self.order)

    def original_key(self) -> str:
        """The bank's letter of the right answer."""
        return self.order[OPTION_LETTERS.index(self.key)]


class FormKey(BaseModel):
    """A printed form's key. `exam build` writes it, `exam grade` and `export --form` read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["peerprep-form-key"]
    version: Literal[2]
    form_id: Name  # hash of the positions: the same printed form, the same id
    form: Annotated[StrictInt, Field(ge=1)]
    title: StrictStr
    seed: StrictInt | None  # null only in a key migrated from a file that lacked it
    minutes: Annotated[StrictInt, Field(ge=1)] | None  # null: a version 1 key (not recorded)
    bank_fingerprint: Name | None  # null: a version 1 key (not recorded)
    items: Annotated[list[KeyPosition], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("version") == 1:
            return migrate_v1(data)
        return data

    @model_validator(mode="after")
    def _positions_in_order(self) -> FormKey:
        for i, pos in enumerate(self.items, start=1):
            if pos.n != i:
                raise PydanticCustomError(
                    "key_rule",
                    "position {i} is numbered {n}; positions run 1, 2, 3, ... in order",
                    {"i": i, "n": pos.n},
                )
        return self

    def to_json(self) -> bytes:
        return (json.dumps(self.model_dump(mode="json"), indent=2) + "\n").encode()

    def matches(self, bank: Bank) -> bool | None:
        """Whether the bank's items are still those the form printed (None: not recorded)."""
        if self.bank_fingerprint is None:
            return None
        if any(p.id not in bank for p in self.items):
            return False
        return fingerprint(bank, [p.id for p in self.items]) == self.bank_fingerprint


def fingerprint(bank: Bank, item_ids: Sequence[str]) -> str:
    """sha256 of the items used, in form order: any edit to one of them changes it."""
    h = hashlib.sha256()
    for item_id in item_ids:
        record = bank.get(item_id).to_record()
        h.update(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
        h.update(b"\0")
    return h.hexdigest()


def form_id_of(positions: Sequence[tuple[str, str]]) -> str:
    """A form's id from its (item id, printed order) pairs: FormKey.form_id, and what the
    scan page's QR code carries."""
    text = "\n".join(f"{item_id} {order}" for item_id, order in positions)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key_positions(bank: Bank, presented: Sequence[Presented]) -> list[KeyPosition]:
    """Each printed position: its item, printed option order and printed key letter. The
    key file and the printed key (exams/printable.py) are both made from these."""
    out = []
    for n, p in enumerate(presented, start=1):
        q = bank.get(p.item_id)
        out.append(
            KeyPosition(
                n=n,
                id=q.id,
                task=q.task,
                domain=bank.blueprint.domain_of(q.task).code,
                order="".join(p.order),
                key=p.shown_letter(q.answer),
            )
        )
    return out


def build_key(
    bank: Bank,
    presented: Sequence[Presented],
    *,
    number: int,
    title: str,
    seed: int,
    minutes: int,
) -> FormKey:
    """The key of a form as printed."""
    positions = key_positions(bank, presented)
    return FormKey(
        format=FORM_KEY_FORMAT,
        version=FORM_KEY_VERSION,
        form_id=form_id_of([(p.id, p.order) for p in positions]),
        form=number,
        title=title,
        seed=seed,
        minutes=minutes,
        bank_fingerprint=fingerprint(bank, [p.id for p in positions]),
        items=positions,
    )


def migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version 1 key (peerprep before FormKey) as version 2.

    Version 1 had per position n, id, task, domain, key, an option count and (from the
    code that printed forms) the printed order; no time limit, fingerprint or form id.
    A position without an order gets the bank's own order: its key letter is still the
    printed one, which is all grading needs.
    """
    items = data.get("items")
    out_items: Any = items
    if isinstance(items, list):
        out_items = []
        for it in items:
            if not isinstance(it, dict):
                out_items.append(it)
                continue
            row = {k: it[k] for k in ("n", "id", "task", "domain", "key") if k in it}
            order = it.get("order")
            count = it.get("options")
            if order is None and isinstance(count, int) and MIN_OPTIONS <= count <= MAX_OPTIONS:
                order = OPTION_LETTERS[:count]
            if order is not None:
                row["order"] = order
            out_items.append(row)
    form = data.get("form")
    if isinstance(form, str) and form.isdigit():
        form = int(form)
    positions = [
        (str(r.get("id")), str(r.get("order")))
        for r in (out_items if isinstance(out_items, list) else [])
        if isinstance(r, dict)
    ]
    return {
        "format": data.get("format"),
        "version": FORM_KEY_VERSION,
        "form_id": form_id_of(positions),
        "form": form,
        "title": data.get("title"),
        "seed": data.get("seed"),
        "minutes": None,
        "bank_fingerprint": None,
        "items": out_items,
    }


def _where(loc: Sequence[int | str]) -> str:
    """A JSON path a person can find: items[2].key."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def load_key(path: Path) -> FormKey:
    """Read a key file. Anything wrong with it is one line naming the file and the field."""
    try:
        return FormKey.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise InvalidInputError(f"cannot read key file {path}: {exc.strerror}") from None
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        msg = "is required but missing" if first["type"] == "missing" else first["msg"]
        raise InvalidInputError(
            f"{path}: {_where(first['loc'])}: {msg}{more}; not a peerprep key file "
            "(use the form-N-key.json that `peerprep exam build` wrote)"
        ) from None
