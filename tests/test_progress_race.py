"""A reader process and a writer process race on one progress file that starts damaged or
gets damaged: no answer the writer confirmed is ever lost, and the reader moves nothing.

Two long-lived spawned processes run every trial in step (a barrier per trial), so the
test pays for process start-up twice, not once per trial.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

import pytest

TRIALS = 240
ANSWERS = 5  # per trial; "gets damaged" trials damage the head after the second
DAMAGE_AT = 2
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def _path(root: Path, trial: int) -> Path:
    return root / f"trial-{trial:03d}" / "progress.json"


def _forbid_changes(log: list[str]) -> None:
    """In the reader process: record every call that could rename, remove or write a file."""
    import builtins
    import io
    import os

    def wrap(name: str, fn: Any) -> Any:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            log.append(f"os.{name}{args[:2]!r}")
            return fn(*args, **kwargs)

        return guarded

    for name in ("replace", "rename", "renames", "link", "unlink", "remove", "rmdir", "truncate"):
        setattr(os, name, wrap(name, getattr(os, name)))
    real_os_open = os.open
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & writing:
            log.append(f"os.open({path!r}, {flags:#x})")
        return real_os_open(path, flags, *args, **kwargs)

    os.open = os_open
    real_open = builtins.open

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            log.append(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    builtins.open = open_
    io.open = open_  # pathlib opens through io.open


def reader(root: str, barrier: Any, done: Any, out: str) -> None:
    from peerprep.errors import PeerprepError
    from peerprep.progress.store import ProgressStore

    moves: list[str] = []
    _forbid_changes(moves)
    refused = loads = 0
    for trial in range(TRIALS):
        barrier.wait(timeout=30)
        while True:
            finished = done.value >= trial  # read first: one more load after the writer ends
            store = ProgressStore(_path(Path(root), trial))
            try:
                store.load()
                loads += 1
            except PeerprepError:
                refused += 1
            except Exception as exc:  # a crash while reading: recorded, the race goes on
                moves.append(f"trial {trial}: load() raised {exc!r}")
            if finished:
                break
    summary = json.dumps({"moves": moves, "refused": refused, "loads": loads})
    Path(out).write_bytes(summary.encode())  # after the checks are over: patched open is fine


def writer(root: str, barrier: Any, done: Any, out: str) -> None:
    from peerprep.atomic import atomic_write
    from peerprep.progress.schema import AnswerEvent
    from peerprep.progress.store import ProgressStore

    confirmed: dict[int, list[str]] = {}
    damaged: dict[int, str] = {}
    errors: list[str] = []
    for trial in range(TRIALS):
        path = _path(Path(root), trial)
        store = ProgressStore(path)
        barrier.wait(timeout=30)
        kept: list[str] = []
        for n in range(ANSWERS):
            if trial % 2 and n == DAMAGE_AT:  # the head gets damaged (disk, editor, ...)
                raw = path.read_bytes()
                broken = raw[: len(raw) // 2]
                atomic_write(path, broken)
                damaged[trial] = broken.decode()
                kept = []  # what was confirmed before lived only in the damaged head
            item = f"ADV-I1-{trial:03d}-{n}"
            event = AnswerEvent(
                session=f"t{trial}",
                at=T0 + dt.timedelta(seconds=n),
                item=item,
                chosen="A",
                correct=True,
                seconds=1.0,
                mode="quiz",
            )
            try:
                store.append(event)
            except Exception as exc:  # not confirmed; recorded so the test can say why
                errors.append(f"trial {trial}: {exc!r}")
                continue
            kept.append(item)  # append returned: confirmed
        confirmed[trial] = kept
        done.value = trial
    result = {"confirmed": confirmed, "damaged": damaged, "errors": errors}
    Path(out).write_text(json.dumps(result))


@pytest.mark.slow
def test_a_racing_reader_never_moves_a_file_and_confirmed_answers_survive(
    tmp_path: Path,
) -> None:
    from peerprep.progress.store import ProgressStore

    started_damaged = b'{"schema_version": 2, "created": "2026-11-01T09:00:00Z", "eve'
    for trial in range(TRIALS):
        path = _path(tmp_path, trial)
        path.parent.mkdir()
        if trial % 2 == 0:  # starts damaged
            path.write_bytes(started_damaged)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    done = ctx.Value("i", -1)
    outs = {name: str(tmp_path / f"{name}.json") for name in ("reader", "writer")}
    procs = [
        ctx.Process(target=fn, args=(str(tmp_path), barrier, done, outs[fn.__name__]))
        for fn in (reader, writer)
    ]
    start = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=100)
    for p in procs:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [0, 0], "a racing process failed"
    read = json.loads(Path(outs["reader"]).read_text())
    wrote = json.loads(Path(outs["writer"]).read_text())
    assert read["moves"] == [], "the reader renamed, removed or wrote a file"
    assert wrote["errors"] == [], "a save failed while a reader was reading"
    assert read["refused"] > 0 and read["loads"] > 0  # it did see damage, and good files
    for trial in range(TRIALS):
        path = _path(tmp_path, trial)
        answers = {a["item"] for a in ProgressStore(path).load().answers}
        missing = set(wrote["confirmed"][str(trial)]) - answers
        assert not missing, f"trial {trial}: confirmed answers lost: {sorted(missing)}"
        backups = [p.read_bytes() for p in path.parent.glob("progress.json.damaged-*")]
        expected = started_damaged if trial % 2 == 0 else wrote["damaged"][str(trial)].encode()
        assert backups == [expected], f"trial {trial}: the damaged file was not kept as is"
    assert time.monotonic() - start < 90
