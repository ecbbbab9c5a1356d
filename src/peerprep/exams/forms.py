"""Building exam forms: blueprint counts per domain, no repeats, little overlap.

A form is drawn like a quiz (largest-remainder counts per domain, spread across tasks),
except that items used by earlier forms are drawn last, so forms overlap only as much
as the bank forces them to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import combinations

from peerprep.bank import Bank
from peerprep.constants import form_minutes
from peerprep.engine.draw import Presented, draw, present
from peerprep.exams.formkey import FormKey, build_key


@dataclass(frozen=True)
class Form:
    number: int
    items: list[Presented]

    @property
    def ids(self) -> list[str]:
        return [p.item_id for p in self.items]


@dataclass(frozen=True)
class FormSet:
    forms: list[Form]
    seed: int
    per_domain: dict[str, int]
    notes: tuple[str, ...] = ()  # how a small bank made the forms depart from the request

    def overlap(self) -> dict[str, object]:
        """Shared items between every pair of forms."""
        pairs = {
            f"{a.number}-{b.number}": len(set(a.ids) & set(b.ids))
            for a, b in combinations(self.forms, 2)
        }
        return {
            "pairs": pairs,
            "max": max(pairs.values(), default=0),
            "distinct_items": len({i for f in self.forms for i in f.ids}),
        }


def build_forms(bank: Bank, *, forms: int, items: int, seed: int) -> FormSet:
    """`forms` blueprint-weighted forms of `items` items each; same seed, same forms."""
    rng = random.Random(seed)
    used: set[str] = set()
    out = []
    notes: list[str] = []
    for n in range(1, forms + 1):
        ids = draw(bank, rng, count=items, prefer=bank.ids - used, notes=notes)
        used.update(ids)
        out.append(Form(n, present(bank, ids, rng)))
    # What the forms hold, not what the weights asked for: a small bank departs from them.
    first = out[0].ids if out else []
    per_domain = {
        d.code: sum(bank.blueprint.domain_of(bank.get(i).task).code == d.code for i in first)
        for d in bank.blueprint.domains
    }
    return FormSet(out, seed, per_domain, tuple(dict.fromkeys(notes)))


def minutes_for(bank: Bank, items: int) -> int:
    """A form's time limit: the blueprint's exam pace applied to its length."""
    exam = bank.blueprint.exam
    return form_minutes(items, exam_minutes=exam.minutes, exam_items=exam.items)


def form_key(
    bank: Bank, form: Form, *, title: str, seed: int, minutes: int | None = None
) -> FormKey:
    """The form's key as the one FormKey model (exams/formkey.py)."""
    return build_key(
        bank,
        form.items,
        number=form.number,
        title=title,
        seed=seed,
        minutes=minutes if minutes is not None else minutes_for(bank, len(form.items)),
    )


def key_document(
    bank: Bank, form: Form, *, title: str, seed: int, minutes: int | None = None
) -> dict[str, object]:
    """What `exam build` writes as form-N-key.json: the FormKey, dumped as JSON data."""
    return form_key(bank, form, title=title, seed=seed, minutes=minutes).model_dump(mode="json")
