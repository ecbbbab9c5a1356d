"""`peerprep quiz`: answer questions in the terminal with immediate feedback.

Every answer is saved (atomically, fsynced) before its feedback is shown, so whatever
the screen confirmed is on disk, whatever happens next.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from peerprep.cli.options import (
    BankOpt,
    DomainsOpt,
    ProfileOpt,
    ProgressOpt,
    load_bank,
    open_store,
)

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.engine.draw import Presented
    from peerprep.engine.session import Feedback, QuizSession
    from peerprep.progress.schema import Mode, SessionStart
    from peerprep.progress.store import ProgressStore
    from peerprep.render import Renderer

PROMPT = "Your answer ({letters}, q to stop): "


class _Quit(Exception):
    """The candidate typed q."""


def run_quiz(
    session: QuizSession,
    r: Renderer,
    ask: Callable[[str], str],
    on_answer: Callable[[Feedback], None] = lambda fb: None,
) -> None:
    """Drive a session with an input function until it ends or the user stops.

    `on_answer` runs (and must succeed) before feedback is shown. EOFError and
    KeyboardInterrupt propagate to the caller; every answer given so far was saved.
    """
    from peerprep.engine.session import parse_choice

    bp = session.bank.blueprint
    while not session.finished:
        p, item = session.current()
        number = len(session.earlier) + session.position + 1
        r.question(number, len(session.earlier) + len(session.presented), p, item, bp)
        letters = "/".join("ABCDE"[: len(p.order)])
        while True:
            raw = ask(PROMPT.format(letters=letters))
            if raw.strip().lower() in ("q", "quit", "exit"):
                raise _Quit
            choice = parse_choice(raw, len(p.order))
            if choice is not None:
                break
            r.note(f"[yellow]Please type one of {letters}, or q to stop.[/]")
        fb = session.answer(choice)
        on_answer(fb)
        r.feedback(fb)


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
    missed: Annotated[
        bool, typer.Option("--missed", help="Only items whose last answer was wrong.")
    ] = False,
    new: Annotated[bool, typer.Option("--new", help="Items you have never seen, first.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue your last unfinished session.")
    ] = False,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed for a repeatable draw and option order.")
    ] = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
) -> None:
    """Answer questions drawn by the blueprint weights (or one domain or task), with rationales."""
    import random

    from peerprep.engine.draw import Presented, draw, present
    from peerprep.errors import InvalidInputError
    from peerprep.render import Renderer

    if domain is not None and task:
        raise InvalidInputError("use --domain or --task, not both")
    if resume and (domain or task or missed or new):
        raise InvalidInputError("--resume continues a session as it was; drop the other filters")
    b = load_bank(bank, domains)
    store = open_store(progress, profile)
    r = Renderer()
    rng = random.Random(seed)
    offer = sys.stdin.isatty() and not (domain or task or missed or new or resume)
    # History is read only when something needs it, so a plain quiz starts fast.
    history = store.load() if (missed or new or resume or offer) else None
    r.notices(store.notices)
    store.notices.clear()

    unfinished = [u for u in history.unfinished() if u.start.mode == "quiz"] if history else []
    if offer and unfinished:
        u = unfinished[0]
        resume = typer.confirm(
            f"You have an unfinished quiz from {u.start.when:%Y-%m-%d %H:%M} UTC "
            f"({len(u.answered)} of {len(u.start.items)} answered). Resume it?",
            default=True,
        )
    session_id: str | None = None  # None: a new session (see drill)
    if resume:
        if not unfinished:
            raise InvalidInputError("there is no unfinished quiz to resume")
        u = unfinished[0]
        session_id = u.start.session
        presented = [Presented(i, tuple(order)) for i, order in u.remaining if i in b]
        earlier = [(a["item"], a["correct"]) for a in u.answered if a["item"] in b]
        r.note(f"Resuming: {len(u.answered)} answered, {len(presented)} to go.")
    else:
        assert history is not None or not (missed or new)
        only = history.missed if history and missed else None
        if only is not None and not only:
            r.note("No missed items to drill: every item you answered, you last got right.")
            return
        ids = draw(
            b,
            rng,
            count=count,
            domain=domain,
            tasks=[t.upper() for t in task or []],
            only=only,
            prefer=(b.ids - history.seen) if history and new else None,
        )
        presented = present(b, ids, rng)
        earlier = []
    drill(b, store, r, presented, mode="quiz", session_id=session_id, earlier=earlier)


def drill(
    b: Bank,
    store: ProgressStore,
    r: Renderer,
    presented: list[Presented],
    *,
    mode: Mode,
    session_id: str | None = None,
    earlier: list[tuple[str, bool]] | None = None,
) -> None:
    """Run a question-by-question session (quiz, study, review) and save every answer.

    Each answer is saved, with its review card updated in the same atomic write, before
    its feedback is shown. Without `session_id` this is a new session, whose start is
    saved together with its first answer (a session abandoned unanswered leaves nothing).
    """
    from peerprep.progress.schema import SessionStart
    from peerprep.progress.store import new_session_id

    start: SessionStart | None = None
    if session_id is None:
        session_id = new_session_id()
        start = SessionStart(
            session=session_id,
            at=store.clock(),
            mode=mode,
            items=[(p.item_id, "".join(p.order)) for p in presented],
        )
    from peerprep.engine import schedule
    from peerprep.engine.session import QuizSession
    from peerprep.errors import ExitCode
    from peerprep.progress.schema import AnswerEvent, SessionEnd

    exam = b.blueprint.exam
    pace = exam.minutes * 60 / exam.items
    session = QuizSession(b, presented, earlier=earlier or [])

    def save(fb: Feedback) -> None:
        nonlocal start
        now = store.clock()
        seconds = round(fb.seconds, 2)

        def update_card(cards: dict[str, dict[str, Any]]) -> None:
            cards[fb.item.id] = schedule.review(
                cards.get(fb.item.id),
                fb.item.id,
                correct=fb.correct,
                seconds=seconds,
                when=now,
                pace_seconds=pace,
            )

        events: list[SessionStart | AnswerEvent] = [start] if start is not None else []
        answer = AnswerEvent(
            session=session_id,
            at=now,
            item=fb.item.id,
            chosen=fb.chosen_original,  # type: ignore[arg-type]  # one of A-E
            correct=fb.correct,
            seconds=seconds,
            mode=mode,
        )
        store.append(*events, answer, on_cards=update_card)
        start = None
        if store.notices:  # e.g. a damaged file was moved aside on this first write
            r.notices(store.notices)
            store.notices.clear()

    code = ExitCode.OK
    try:
        run_quiz(session, r, r.console.input, on_answer=save)
    except (_Quit, EOFError):
        pass
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
    if session.finished and start is None:  # saved, i.e. at least one answer was given
        store.append(SessionEnd(session=session_id, at=store.clock()))
    r.score(session.report(), stopped_early=not session.finished)
    if not session.finished and mode == "quiz":
        r.note("[dim]Your answers are saved. Continue with `peerprep quiz --resume`.[/]")
    if code:
        raise typer.Exit(int(code))
