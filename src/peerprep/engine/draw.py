"""Choosing which items a quiz or form gets: by blueprint weight, domain or task."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from peerprep.bank import Bank
from peerprep.blueprint import allocate
from peerprep.constants import OPTION_LETTERS
from peerprep.errors import InvalidInputError


@dataclass(frozen=True)
class Presented:
    """An item as shown: `order[i]` is the bank's key for the i-th letter on screen."""

    item_id: str
    order: tuple[str, ...]

    def shown_letter(self, original_key: str) -> str:
        return OPTION_LETTERS[self.order.index(original_key)]

    def original_key(self, shown_letter: str) -> str:
        return self.order[OPTION_LETTERS.index(shown_letter)]


def spread_sample(
    ids_by_task: dict[str, list[str]],
    k: int,
    rng: random.Random,
    prefer: Collection[str] | None = None,
) -> list[str]:
    """Pick k ids so that tasks are covered as evenly as the pool allows.

    Each task's ids are shuffled, tasks are visited in a shuffled round-robin, and the
    first k picks are kept: a 10-item domain quiz touches 10 different tasks when it can.
    With `prefer`, those ids are used up first (e.g. items never seen before).
    """
    if prefer is not None:
        first = spread_sample(
            {t: [i for i in ids if i in prefer] for t, ids in ids_by_task.items()}, k, rng
        )
        rest = {t: [i for i in ids if i not in prefer] for t, ids in ids_by_task.items()}
        return first + spread_sample(rest, k - len(first), rng)
    queues = {t: rng.sample(ids, len(ids)) for t, ids in ids_by_task.items() if ids}
    tasks = list(queues)
    rng.shuffle(tasks)
    picked: list[str] = []
    while len(picked) < k and tasks:
        for t in list(tasks):
            if len(picked) == k:
                break
            picked.append(queues[t].pop())
            if not queues[t]:
                tasks.remove(t)
    return picked


def draw(
    bank: Bank,
    rng: random.Random,
    *,
    count: int,
    domain: str | None = None,
    tasks: Sequence[str] = (),
    only: Collection[str] | None = None,
    prefer: Collection[str] | None = None,
) -> list[str]:
    """Item ids for a quiz of `count` items, in the order they will be asked.

    `only` limits the draw to those ids (e.g. missed items) and may return fewer than
    `count`; `prefer` draws those ids first (e.g. unseen items).
    """
    if count < 1:
        raise InvalidInputError("--count must be at least 1")
    bp = bank.blueprint
    by_task = bank.ids_by_task()
    if only is not None:
        by_task = {t: [i for i in ids if i in only] for t, ids in by_task.items()}
    if only is not None and not tasks and domain is None:
        # A restricted pool rarely fills blueprint quotas: spread over all tasks instead.
        picked = spread_sample(by_task, min(count, sum(map(len, by_task.values()))), rng, prefer)
    elif tasks:
        unknown = [t for t in tasks if t not in by_task]
        if unknown:
            raise InvalidInputError(
                f"unknown task code {', '.join(unknown)}; see `peerprep domains` for the list"
            )
        pool = {t: by_task[t] for t in tasks}
        picked = _from_pool(
            pool,
            count,
            rng,
            what=f"task {', '.join(tasks)}",
            prefer=prefer,
            partial=only is not None,
        )
    elif domain is not None:
        d = bp.find_domain(domain)
        if d is None:
            names = ", ".join(f"{x.code} ({x.name})" for x in bp.domains)
            raise InvalidInputError(f"unknown domain {domain!r}; choose one of {names}")
        pool = {t.code: by_task[t.code] for t in d.tasks}
        picked = _from_pool(
            pool,
            count,
            rng,
            what=f"domain {d.code} ({d.name})",
            prefer=prefer,
            partial=only is not None,
        )
    else:
        picked = []
        counts = allocate(count, {d.code: d.weight for d in bp.domains})
        short = []
        for d in bp.domains:
            pool = {t.code: by_task[t.code] for t in d.tasks}
            have = sum(len(v) for v in pool.values())
            if have < counts[d.code]:
                short.append(f"{d.code} ({d.name}) needs {counts[d.code]}, has {have}")
                continue
            picked += spread_sample(pool, counts[d.code], rng, prefer)
        if short:
            raise InvalidInputError(
                f"the bank is too small for {count} blueprint-weighted items: " + "; ".join(short)
            )
    rng.shuffle(picked)
    return picked


def _from_pool(
    pool: dict[str, list[str]],
    count: int,
    rng: random.Random,
    *,
    what: str,
    prefer: Collection[str] | None = None,
    partial: bool = False,
) -> list[str]:
    have = sum(len(v) for v in pool.values())
    if have < count and not partial:
        raise InvalidInputError(f"{what} has only {have} items; ask for --count {have} or fewer")
    return spread_sample(pool, min(count, have), rng, prefer)


def present(
    bank: Bank, ids: Sequence[str], rng: random.Random, *, shuffle_options: bool = True
) -> list[Presented]:
    """Fix each item's on-screen option order (shuffled by the injected RNG)."""
    out = []
    for item_id in ids:
        keys = list(bank.get(item_id).options)
        if shuffle_options:
            rng.shuffle(keys)
        out.append(Presented(item_id, tuple(keys)))
    return out
