"""`peerprep quiz`: answer questions in the terminal with immediate feedback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import BankOpt, DomainsOpt, load_bank

if TYPE_CHECKING:
    from peerprep.engine.session import QuizSession
    from peerprep.render import Renderer

PROMPT = "Your answer ({letters}, q to stop): "


class _Quit(Exception):
    """The candidate typed q."""


def run_quiz(session: QuizSession, r: Renderer, ask: Callable[[str], str]) -> None:
    """Drive a session with an input function until it ends or the user stops.

    EOFError and KeyboardInterrupt propagate to the caller after the last answer has
    been recorded, so nothing already answered is lost.
    """
    from peerprep.engine.session import parse_choice

    bp = session.bank.blueprint
    while not session.finished:
        p, item = session.current()
        r.question(session.position + 1, len(session.presented), p, item, bp)
        letters = "/".join("ABCDE"[: len(p.order)])
        while True:
            raw = ask(PROMPT.format(letters=letters))
            if raw.strip().lower() in ("q", "quit", "exit"):
                raise _Quit
            choice = parse_choice(raw, len(p.order))
            if choice is not None:
                break
            r.note(f"[yellow]Please type one of {letters}, or q to stop.[/]")
        r.feedback(session.answer(choice))


def quiz(
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many questions.")] = 10,
    domain: Annotated[
        str | None,
        typer.Option("--domain", "-d", help="Only this domain: I-IV or a name (e.g. ethical)."),
    ] = None,
    task: Annotated[
        list[str] | None,
        typer.Option("--task", "-t", help="Only these task codes (repeat: -t II9 -t II10)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed for a repeatable draw and option order.")
    ] = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
) -> None:
    """Answer questions drawn by the blueprint weights (or one domain or task), with rationales."""
    import random

    from peerprep.engine.draw import draw, present
    from peerprep.engine.session import QuizSession
    from peerprep.errors import ExitCode, InvalidInputError
    from peerprep.render import Renderer

    if domain is not None and task:
        raise InvalidInputError("use --domain or --task, not both")
    b = load_bank(bank, domains)
    rng = random.Random(seed)
    ids = draw(b, rng, count=count, domain=domain, tasks=[t.upper() for t in task or []])
    session = QuizSession(b, present(b, ids, rng))
    r = Renderer()
    code = ExitCode.OK
    try:
        run_quiz(session, r, r.console.input)
    except (_Quit, EOFError):
        pass
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
    r.score(session.report(), stopped_early=not session.finished)
    if code:
        raise typer.Exit(int(code))
