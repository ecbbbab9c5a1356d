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
