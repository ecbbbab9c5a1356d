"""Loading a question bank: files -> the validation pipeline -> a Bank, cached."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from peerprep import cache
from peerprep.bank.files import bank_files, raw_items
from peerprep.bank.model import Bank
from peerprep.bank.pipeline import RawItem, validate_items
from peerprep.errors import BankInvalidError, BankProblem
from peerprep.paths import bundled_bank
from peerprep.yamlio import FileProblem, read_bytes

if TYPE_CHECKING:
    from peerprep.models import Blueprint


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building a large acyclic structure.

    Every parsed item stays alive until the bank is built, so the collector would
    rescan an ever-growing heap many times over (measured: ~40 % of a 10,000-item
    load). Nothing built here forms reference cycles; reference counting frees it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_bank(path: Path | None, blueprint: Blueprint, *, use_cache: bool = True) -> Bank:
    """Load every bank file under `path` (default: the bundled bank) and validate it all.

    Raises BankInvalidError listing every problem in every file, not just the first.
    """
    root = path or bundled_bank()
    files = bank_files(root)
    base = root if root.is_dir() else root.parent
    problems: list[BankProblem] = []
    contents: list[tuple[str, bytes]] = []
    for f in files:
        try:
            contents.append((str(f), read_bytes(f, str(f))))
        except FileProblem as exc:
            problems.append(exc.problem)
    codes = blueprint.task_codes()
    key = cache.content_key(
        "bank",
        ((str(Path(display).relative_to(base)), data) for display, data in contents),
        *codes,
    )
    if use_cache and not problems:
        cached = cache.read("bank", root, key)
        if isinstance(cached, tuple) and len(cached) == 2:
            records, origins = cached
            return Bank(blueprint, records, origins, source=root, from_cache=True)

    with _gc_paused():
        raw: list[RawItem] = []
        for display, data in contents:
            raw.extend(raw_items(display, data, problems))
        checked = validate_items(raw, blueprint)
    if problems or checked.problems:
        # Problems in file order, a file's own problem before its items'.
        rank = {display: n for n, (display, _) in enumerate(contents)}
        every = sorted(problems + checked.problems, key=lambda p: rank.get(p.file, -1))
        raise BankInvalidError(every)
    questions = checked.questions
    with _gc_paused():
        records = [q.to_record() for q in questions]
    origins = [(raw[i].origin.file, raw[i].origin.index) for i in checked.accepted]
    if use_cache:
        cache.write("bank", root, key, (records, origins))
    return Bank(blueprint, records, origins, source=root, from_cache=False, questions=questions)
