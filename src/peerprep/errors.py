"""One error family for everything a user can act on.

The core raises these; the CLI's single handler (cli/app.py) turns them into a
message on stderr and an exit code. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

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
