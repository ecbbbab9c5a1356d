"""The exam as line-by-line prompts: for screen readers, dumb terminals and scripts."""

from __future__ import annotations

from collections.abc import Callable

from peerprep.constants import OPTION_LETTERS
from peerprep.exams.session import ExamSession
from peerprep.render import Renderer

HELP = (
    "Type a letter to answer; n next, p previous, g N go to question N, f flag, "
    "x clear the answer, r review, s submit, q save and leave."
)


def run_plain_exam(s: ExamSession, r: Renderer, ask: Callable[[str], str]) -> None:
    """Drive the exam until it is submitted (or time runs out), or the user leaves.

    Leaving (q, end of input, Ctrl-C) returns with `s.result` still None: the caller saves
    the exam so it can be resumed with the time that was left.
    """
    r.note(HELP)
    show = True
    while s.result is None:
        if s.expired:
            r.note("[bold yellow]Time is up: the exam has been submitted.[/]")
            s.submit(timed_out=True)
            return
        if show:
            r.exam_question(s)
        show = True
        try:
            raw = ask(f"[{_clock(s.remaining)} left] > ").strip()
        except (EOFError, KeyboardInterrupt):
            r.note("")
            return
        cmd = raw.lower()
        if s.expired:  # answered after the bell: not accepted
            continue
        if cmd in ("q", "quit"):
            return
        if cmd == "n":
            s.next()
        elif cmd == "p":
            s.prev()
        elif cmd == "f":
            s.toggle_flag()
        elif cmd == "x":
            s.clear()
        elif cmd == "r":
            r.exam_review(s)
            show = False
        elif cmd.startswith("g"):
            try:
                s.goto(int(cmd[1:].strip()) - 1)
            except (ValueError, IndexError):
                r.note(f"[yellow]Go to a question from 1 to {len(s.items)}, e.g. g 12.[/]")
                show = False
        elif cmd == "s":
            r.exam_review(s)
            if ask("Submit now? (y/N) ").strip().lower() in ("y", "yes"):
                s.submit()
                return
        elif len(cmd) == 1 and cmd.upper() in OPTION_LETTERS[: len(s.items[s.current].order)]:
            s.answer(cmd.upper())
            if s.current < len(s.items) - 1:
                s.next()
        else:
            r.note(f"[yellow]{HELP}[/]")
            show = False


def _clock(seconds: float) -> str:
    m, sec = divmod(int(seconds), 60)
    return f"{m // 60}:{m % 60:02d}:{sec:02d}" if m >= 60 else f"{m}:{sec:02d}"
