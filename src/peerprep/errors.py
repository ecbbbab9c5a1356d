"""One error family for everything a user can act on.

The core raises these; the CLI's single handler (cli/app.py) turns them into a
message on stderr and an exit code. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    INVALID_INPUT = 2  # also click's code for usage errors
    INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


class PeerprepError(Exception):
    """An error with a message a user can act on."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInputError(PeerprepError):
    """The user's input (a file, an option value) is not usable as given."""

    exit_code = ExitCode.INVALID_INPUT


def describe_os_error(exc: OSError) -> str:
    """`PATH: reason` (or `SRC -> DST: reason`), the way Unix tools report a failed call.

    The CLI's root handler prints this for any OSError a command lets escape, so a full
    disk or a read-only folder reads as one line naming the file, not a traceback.
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    names = [_filename(f) for f in (exc.filename, exc.filename2) if f is not None]
    return f"{' -> '.join(names)}: {reason}" if names else reason


def _filename(name: object) -> str:
    # OSError.filename is whatever the call got: str, bytes or even a file descriptor.
    if isinstance(name, bytes):
        return os.fsdecode(name)
    return str(name)


class BankProblem:
    """One problem in a bank file, located as precisely as we can."""

    __slots__ = ("field", "file", "line", "message")

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class BankInvalidError(InvalidInputError):
    """A bank (or blueprint) failed validation; carries every problem found."""

    def __init__(self, problems: list[BankProblem], *, what: str = "question bank") -> None:
        n = len(problems)
        super().__init__(
            f"{what} is invalid: {n} problem{'s' if n != 1 else ''}",
            details=tuple(str(p) for p in problems),
        )
        self.problems = problems
