"""Everything a command takes from the process, in one object passed down.

Built once per command: the root group (cli/app.py) installs the one a caller passed as
click's `obj` (a test: scripted input, captured consoles, frozen clocks), and `current()`
builds one from the process on first use otherwise. Commands never make their own
consoles, read `isatty`, the clock or stdin (the shape of httpie's `Environment`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from peerprep.bank import Bank
    from peerprep.practice import PracticeService
    from peerprep.progress.history import History
    from peerprep.progress.store import ProgressStore
    from peerprep.render import Renderer


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Environment:
    stdout: Console
    stderr: Console
    stdin_isatty: bool
    stdout_isatty: bool
    term: str  # $TERM; "dumb" (or unset) rules out the full-screen exam
    input: Callable[[str], str]  # shows a prompt, returns a line; EOFError at end of input
    clock: Callable[[], dt.datetime]  # wall time, timezone-aware UTC: what is saved
    monotonic: Callable[[], float]  # for durations: answer times, the exam countdown
    # A prompt that gives up after a timeout (None then), so the plain exam can submit
    # at zero while the candidate sits at it. Only a POSIX terminal provides one.
    timed_input: Callable[[str, float], str | None] | None = None

    @classmethod
    def from_process(cls) -> Environment:
        import os
        import sys
        import time

        from rich.console import Console

        out = Console(highlight=False)
        return cls(
            stdout=out,
            stderr=Console(stderr=True, highlight=False),
            stdin_isatty=sys.stdin.isatty(),
            stdout_isatty=sys.stdout.isatty(),
            term=os.environ.get("TERM", "dumb"),
            input=lambda prompt: out.input(prompt),
            clock=_utcnow,
            monotonic=time.monotonic,
            timed_input=_timed_input(out) if sys.stdin.isatty() and os.name == "posix" else None,
        )

    def renderer(self) -> Renderer:
        from peerprep.render import Renderer

        return Renderer(self.stdout, self.stderr)

    def open_store(self, progress: Path | None, profile: str) -> ProgressStore:
        from peerprep.cli.options import open_store

        return open_store(progress, profile, clock=self.clock)

    def service(self, bank: Bank, store: ProgressStore) -> PracticeService:
        from peerprep.practice import PracticeService

        return PracticeService(bank, store, clock=self.clock, monotonic=self.monotonic)

    def confirm(self, question: str, *, default: bool) -> bool:
        """A yes/no question at the prompt; Enter takes the default, end of input too."""
        hint = "[Y/n]" if default else "[y/N]"
        while True:
            try:
                raw = self.input(f"{question} {hint}: ").strip().lower()
            except EOFError:
                return default
            if not raw:
                return default
            if raw in ("y", "yes"):
                return True
            if raw in ("n", "no"):
                return False


def _timed_input(console: Console) -> Callable[[str, float], str | None]:
    """Show a prompt and wait for a line at most `timeout` seconds (None: no line).

    Only for a terminal in line mode: the kernel hands over one whole line per read, so
    no typed-ahead line sits in a buffer `select` cannot see, and a half-typed line left
    at the timeout stays unread (it is never taken as an answer).
    """
    import select
    import sys

    def read(prompt: str, timeout: float) -> str | None:
        console.print(prompt, end="")
        console.file.flush()
        ready, _, _ = select.select([sys.stdin], [], [], max(0.0, timeout))
        if not ready:
            return None
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    return read


_CURRENT: ContextVar[Environment | None] = ContextVar("peerprep_env", default=None)


@contextmanager
def installed(env: object) -> Iterator[None]:
    """Make `env` (if it is an Environment) the current one while a command runs."""
    token = _CURRENT.set(env if isinstance(env, Environment) else None)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Environment:
    """This command's environment: the installed one, or one built from the process."""
    env = _CURRENT.get()
    if env is None:
        env = Environment.from_process()
        _CURRENT.set(env)
    return env


@dataclass
class Opened:
    """What a practice command starts with: bank, store, history (if read), renderer."""

    bank: Bank
    store: ProgressStore
    history: History | None
    r: Renderer
    service: PracticeService


def open_practice(
    env: Environment,
    bank: Path | None,
    domains: Path | None,
    progress: Path | None,
    profile: str,
    *,
    read_history: bool = True,
) -> Opened:
    """Load the bank, open the profile's store (on env's clock), read the history if
    asked, and show any notice reading it raised."""
    from peerprep.cli.options import load_bank

    b = load_bank(bank, domains)
    store = env.open_store(progress, profile)
    history = store.load() if read_history else None
    r = env.renderer()
    r.notices(store.notices)
    store.notices.clear()
    return Opened(b, store, history, r, env.service(b, store))
