"""Crash-safe file replacement: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

# Tests set PEERPREP_FSYNC=0: fsync proves nothing about logic and costs most of a save's
# time on a loaded machine. Real use (and the crash tests) keep it on.
FSYNC = os.environ.get("PEERPREP_FSYNC", "1") != "0"


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write `data` to `path` via a temp file in the same folder, fsync, os.replace.

    The folder is fsynced too, so the rename itself survives a power cut.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if FSYNC:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename in (None, tmp):
            # Name the file the user asked for, not our hidden temp file (a failed write()
            # names none): the CLI prints "PATH: No space left on device" from this.
            exc.filename, exc.filename2 = str(path), None
        raise
    if not FSYNC:
        return
    with contextlib.suppress(OSError):  # not every platform can fsync a directory
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
