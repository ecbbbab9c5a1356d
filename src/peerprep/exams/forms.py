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
from peerprep.blueprint import allocate
from peerprep.engine.draw import Presented, draw, present


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
    for n in range(1, forms + 1):
        ids = draw(bank, rng, count=items, prefer=bank.ids - used)
        used.update(ids)
        out.append(Form(n, present(bank, ids, rng)))
    per_domain = allocate(items, {d.code: d.weight for d in bank.blueprint.domains})
    return FormSet(out, seed, per_domain)


def key_document(bank: Bank, form: Form, *, title: str, seed: int) -> dict[str, object]:
    """The machine-readable key that `exam grade` reads (see exams.grade.FormKey)."""
    rows = []
    for n, p in enumerate(form.items, start=1):
        q = bank.get(p.item_id)
        rows.append(
            {
                "n": n,
                "id": q.id,
                "task": q.task,
                "domain": bank.blueprint.domain_of(q.task).code,
                "key": p.shown_letter(q.answer),
                "options": len(p.order),
                "order": "".join(p.order),
            }
        )
    return {
        "format": "peerprep-form-key",
        "version": 1,
        "title": title,
        "form": form.number,
        "seed": seed,
        "items": rows,
    }
