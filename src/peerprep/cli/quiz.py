"""`peerprep quiz`: answer questions in the terminal with immediate feedback.

Every answer is saved (atomically, fsynced) before its feedback is shown, so whatever
the screen confirmed is on disk, whatever happens next. The saving, resuming and
scoring live in `peerprep.practice`; this module asks, parses and shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import FILES, BankOpt, DomainsOpt, NoPauseOpt, ProfileOpt, ProgressOpt
from peerprep.constants import OPTION_LETTERS

if TYPE_CHECKING:
    from collections.abc import Callable

    from peerprep.cli.env import Environment
    from peerprep.practice import Drill
    from peerprep.render import Renderer

PROMPT = "Your answer ({letters}, q to stop): "
PAUSE = "{verdict}  Enter: {next}, q: stop "
RETRY = "Press r to retry the {n} missed now, or Enter to finish: "


class _Quit(Exception):
    """The candidate typed q."""


@dataclass(frozen=True)
class QuizRequest:
    """`peerprep quiz` as parsed from its options."""

    count: int = 10
    domain: str | None = None
    tasks: list[str] = field(default_factory=list)
    missed: bool = False
    new: bool = False
    resume: bool = False
    seed: int | None = None
    bank: Path | None = None
    domains: Path | None = None
    profile: str = "default"
    progress: Path | None = None
    pause: bool = True  # wait for Enter after feedback (only at a terminal)
    leeches: bool = False  # only items missed 4+ times and not yet mastered


def run_quiz(drill: Drill, r: Renderer, ask: Callable[[str], str], *, pause: bool = False) -> None:
    """Ask until the session ends or the user stops.

    `drill.answer` saves each answer before its feedback is shown. With `pause`, the
    feedback stays on screen until Enter (an 80x24 terminal would otherwise scroll it
    away under the next question); the verdict is repeated in the prompt. _Quit,
    EOFError and KeyboardInterrupt propagate to the caller; what was counted is what
    was saved.
    """
    from peerprep.engine.session import parse_choice
    from peerprep.render import verdict

    session = drill.quiz
    bp = session.bank.blueprint
    while not session.finished:
        p, item = session.current()
        number = len(session.earlier) + session.position + 1
        r.question(number, len(session.earlier) + len(session.presented), p, item, bp)
        letters = "/".join(OPTION_LETTERS[: len(p.order)])
        while True:
            raw = ask(PROMPT.format(letters=letters))
            if raw.strip().lower() in ("q", "quit", "exit"):
                raise _Quit
            choice = parse_choice(raw, len(p.order))
            if choice is not None:
                break
            r.note(f"[yellow]Please type one of {letters}, or q to stop.[/]")
        fb = drill.answer(choice)
        store = drill.service.store
        if store.notices:  # e.g. a damaged file was moved aside on this first write
            r.notices(store.notices)
            store.notices.clear()
        r.feedback(fb)
        if pause:
            step = "your score" if session.finished else "next question"
            if ask(PAUSE.format(verdict=verdict(fb), next=step)).strip().lower() in (
                "q",
                "quit",
                "exit",
            ):
                raise _Quit
        else:
            r.note("")


def quiz(
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, metavar="N", help="How many questions.")
    ] = 10,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            "-d",
            metavar="DOMAIN",
            help="Only this domain: I-IV, 1-4 or the start of a name (e.g. eth).",
        ),
    ] = None,
    task: Annotated[
        list[str] | None,
        typer.Option(
            "--task", "-t", metavar="TASK", help="Only these task codes (repeat: -t II9 -t II10)."
        ),
    ] = None,
    missed: Annotated[
        bool, typer.Option("--missed", help="Only items whose last answer was wrong.")
    ] = False,
    new: Annotated[bool, typer.Option("--new", help="Items you have never seen, first.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue your last unfinished session.")
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            metavar="N",
            rich_help_panel=FILES,
            help="Seed for a repeatable draw and option order.",
        ),
    ] = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    no_pause: NoPauseOpt = False,
    leeches: Annotated[
        bool,
        typer.Option("--leeches", help="Only leeches: items missed 4+ times, not yet mastered."),
    ] = False,
) -> None:
    """Answer questions drawn by the blueprint weights (or one domain or task), with rationales."""
    from peerprep.cli.env import current

    request = QuizRequest(
        count,
        domain,
        list(task or []),
        missed,
        new,
        resume,
        seed,
        bank,
        domains,
        profile,
        progress,
        pause=not no_pause,
        leeches=leeches,
    )
    code = start_quiz(current(), request)
    if code:
        raise typer.Exit(code)


def start_quiz(env: Environment, q: QuizRequest) -> int:
    """Run `peerprep quiz` in an environment; returns the exit code."""
    import random

    from peerprep.cli.env import open_practice
    from peerprep.engine.draw import draw, present
    from peerprep.errors import InvalidInputError
    from peerprep.render import literal
    from peerprep.wording import local_time

    if q.domain is not None and q.tasks:
        raise InvalidInputError("use --domain or --task, not both")
    if q.missed and q.leeches:
        raise InvalidInputError("use --missed or --leeches, not both")
    filtered = bool(q.domain or q.tasks or q.missed or q.new or q.leeches)
    if q.resume and filtered:
        raise InvalidInputError("--resume continues a session as it was; drop the other filters")
    offer = env.stdin_isatty and not (filtered or q.resume)
    # History is read only when something needs it, so a plain quiz starts fast.
    o = open_practice(
        env,
        q.bank,
        q.domains,
        q.progress,
        q.profile,
        read_history=q.missed or q.new or q.resume or q.leeches or offer,
    )
    history, svc, r = o.history, o.service, o.r
    unfinished = svc.unfinished_quizzes(history) if history else []
    resume = q.resume
    if offer and unfinished:
        u = unfinished[0]
        resume = env.confirm(
            f"You have an unfinished quiz from {local_time(u.start.when)} "
            f"({len(u.answered)} of {len(u.start.items)} answered). Resume it?",
            default=True,
        )
    if resume:
        if not unfinished:
            raise InvalidInputError("there is no unfinished quiz to resume")
        u = unfinished[0]
        drill, notice = svc.resume_drill(u)
        for message in notice.messages():
            r.note(f"[yellow]{literal(message)}[/]")
        r.note(f"Resuming: {len(u.answered)} answered, {len(drill.quiz.presented)} to go.")
    else:
        assert history is not None or not (q.missed or q.new or q.leeches)
        only = history.missed if history and q.missed else None
        if only is not None and not only:
            r.note(
                "No missed items to drill: every item you answered, you last got right."
                if history and history.answers
                else "No missed items yet: you have not answered any question. "
                "Start with `peerprep quiz`."
            )
            return 0
        if history is not None and q.leeches:
            from peerprep.engine.plan import leeches

            only = {x.item for x in leeches(o.bank, history)}
            if not only:
                r.note(
                    "No leeches: no item has been missed 4 or more times without being "
                    "answered right 3 times in a row since. Well done."
                )
                return 0
        rng = random.Random(q.seed)
        b = o.bank
        notes: list[str] = []
        ids = draw(
            b,
            rng,
            count=q.count,
            domain=q.domain,
            tasks=q.tasks,
            only=only,
            prefer=(b.ids - history.seen) if history and q.new else None,
            notes=notes,
        )
        for note in notes:
            r.note(f"[yellow]{literal(note[0].upper() + note[1:])}[/]")
        drill = svc.new_drill(present(b, ids, rng), mode="quiz")
    return drill_and_close(drill, r, env, pause=q.pause and env.stdin_isatty)


def drill_and_close(drill: Drill, r: Renderer, env: Environment, *, pause: bool = False) -> int:
    """Run a question-by-question session (quiz, study, review) to its end or a stop, then
    show the score of what is saved; returns the exit code (130 after Ctrl-C).

    With `pause` (an interactive terminal), feedback waits for Enter, and the end lists
    the missed items and offers to retry them at once (as a new quiz, saved like any)."""
    import random

    from peerprep.engine.draw import present

    while True:
        code, missed = _one_session(drill, r, env, pause=pause)
        if code or not missed or not pause:
            return int(code)
        r.missed(drill.quiz.bank, missed)
        declined = ask_retry(env, len(missed))
        if declined is not None:
            return declined
        drill = drill.service.new_drill(
            present(drill.quiz.bank, missed, random.Random()), mode="quiz"
        )


def ask_retry(env: Environment, n: int) -> int | None:
    """Offer to drill the n missed items now: None if taken, else the exit code to end
    with (Enter or end of input: 0; Ctrl-C: 130)."""
    from peerprep.errors import ExitCode

    try:
        again = env.input(RETRY.format(n=n)).strip().lower()
    except EOFError:
        return int(ExitCode.OK)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    return None if again in ("r", "retry") else int(ExitCode.OK)


def _one_session(
    drill: Drill, r: Renderer, env: Environment, *, pause: bool
) -> tuple[int, list[str]]:
    """One drill to its end or a stop: (exit code, ids of the items missed in it)."""
    from peerprep.errors import ExitCode

    code = ExitCode.OK
    with drill:
        try:
            run_quiz(drill, r, env.input, pause=pause)
        except (_Quit, EOFError):
            pass
        except KeyboardInterrupt:
            code = ExitCode.INTERRUPTED
        session = drill.quiz
        if session.finished:
            drill.end()
        r.score(session.report(), stopped_early=not session.finished)
        if drill.interrupted_save == "saved":
            r.note("[yellow]Interrupted while saving: your last answer was saved.[/]")
        elif drill.interrupted_save == "not saved":
            r.note(
                "[yellow]Interrupted while saving: your last answer was NOT saved "
                "(it is not in this score).[/]"
            )
        if not session.finished and drill.mode == "quiz" and drill.saved_any:
            r.note("[dim]Your answers are saved. Continue with `peerprep quiz --resume`.[/]")
    missed = [i for i, ok in session.earlier if not ok]
    missed += [f.item.id for f in session.answers if not f.correct]
    return int(code), list(dict.fromkeys(missed))
