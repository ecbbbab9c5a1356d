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
    notes: list[str] | None = None,
) -> list[str]:
    """Item ids for a quiz of `count` items, in the order they will be asked.

    A pool smaller than `count` gives what it has, and a blueprint draw from a bank too
    small for the weights fills from the other domains: a small or custom bank can still
    be practised. Each such departure is appended to `notes` (a sentence for the user).
    `only` limits the draw to those ids (e.g. missed items); `prefer` draws those ids
    first (e.g. unseen items).
    """
    if count < 1:
        raise InvalidInputError("--count must be at least 1")
    said = notes if notes is not None else []
    bp = bank.blueprint
    by_task = bank.ids_by_task()
    if only is not None:
        by_task = {t: [i for i in ids if i in only] for t, ids in by_task.items()}
    if only is not None and not tasks and domain is None:
        # A restricted pool rarely fills blueprint quotas: spread over all tasks instead.
        picked = spread_sample(by_task, min(count, sum(map(len, by_task.values()))), rng, prefer)
    elif tasks:
        codes = [t.strip().upper() for t in tasks]
        unknown = [t for t in codes if t not in by_task]
        if unknown:
            raise InvalidInputError(
                f"unknown task code {', '.join(u or repr(u) for u in unknown)}; {bp.task_choices()}"
            )
        pool = {t: by_task[t] for t in codes}
        picked = _from_pool(pool, count, rng, what=f"task {', '.join(codes)}", prefer=prefer)
        if len(picked) < count and only is None:
            said.append(f"task {', '.join(codes)} has {len(picked)} items: all are asked.")
    elif domain is not None:
        d = bp.require_domain(domain)
        pool = {t.code: by_task[t.code] for t in d.tasks}
        picked = _from_pool(pool, count, rng, what=f"domain {d.code}", prefer=prefer)
        if len(picked) < count and only is None:
            said.append(f"domain {d.code} ({d.name}) has {len(picked)} items: all are asked.")
    else:
        picked = _by_blueprint(bank, by_task, count, rng, prefer, said)
    rng.shuffle(picked)
    return picked


def _by_blueprint(
    bank: Bank,
    by_task: dict[str, list[str]],
    count: int,
    rng: random.Random,
    prefer: Collection[str] | None,
    notes: list[str],
) -> list[str]:
    """Each domain's share of `count` by weight; a domain short of items gives what it
    has and the rest comes from the other domains (said in `notes`)."""
    bp = bank.blueprint
    total = sum(len(v) for v in by_task.values())
    if total == 0:
        raise InvalidInputError("the bank has no items to draw")
    want = min(count, total)
    if want < count:
        notes.append(f"the bank has {total} items: all {total} are asked, not {count}.")
    counts = allocate(want, {d.code: d.weight for d in bp.domains})
    picked: list[str] = []
    short = []
    for d in bp.domains:
        pool = {t.code: by_task[t.code] for t in d.tasks}
        have = sum(len(v) for v in pool.values())
        if have < counts[d.code]:
            short.append(f"{d.code} has {have} of its {counts[d.code]}")
        picked += spread_sample(pool, min(have, counts[d.code]), rng, prefer)
    if len(picked) < want:
        taken = set(picked)
        rest = {t: [i for i in ids if i not in taken] for t, ids in by_task.items()}
        picked += spread_sample(rest, want - len(picked), rng, prefer)
    if short:
        notes.append(
            "this draw departs from the blueprint weights because the bank is small ("
            + "; ".join(short)
            + "); the other domains make up the difference."
        )
    return picked


def _from_pool(
    pool: dict[str, list[str]],
    count: int,
    rng: random.Random,
    *,
    what: str,
    prefer: Collection[str] | None = None,
) -> list[str]:
    have = sum(len(v) for v in pool.values())
    if have == 0:
        raise InvalidInputError(f"{what} has no items in this bank")
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
