"""The exam as line-by-line prompts: for screen readers, dumb terminals and scripts.

Everything is said in words (the chosen answer, a flag, the time left), never only by
reverse video, colour or box drawing, so a screen reader reads the whole state.

Time runs out on its own: given `wait` (a prompt that gives up after a timeout, which
a terminal provides), the exam is submitted the moment time is up, even while the
candidate sits at the prompt, and says so at 5 minutes and 1 minute left. Without it
(piped input), each line is checked against the clock: a line typed after the bell is
never taken as an answer.
"""

from __future__ import annotations

from collections.abc import Callable

from peerprep.constants import OPTION_LETTERS
from peerprep.exams.session import ExamSession
from peerprep.exams.timing import say_time
from peerprep.render import Renderer

HELP = (
    "Type a letter to answer; n next, p previous, g N go to question N, f flag, "
    "x clear the answer, r review, s submit, q save and leave."
)
WARN_AT = (300.0, 60.0)  # seconds left at which the time is announced unasked
# A prompt that gives up: the line typed, or None when `timeout` seconds passed first.
TimedPrompt = Callable[[str, float], "str | None"]


class _TimeUp(Exception):
    """The time ran out while waiting at a prompt."""


def run_plain_exam(
    s: ExamSession,
    r: Renderer,
    ask: Callable[[str], str],
    *,
    wait: TimedPrompt | None = None,
) -> None:
    """Drive the exam until it is submitted (or time runs out), or the user leaves.

    Leaving (q, end of input, Ctrl-C) returns with `s.result` still None: the caller saves
    the exam so it can be resumed with the time that was left.
    """
    r.note(HELP)
    show = True
    try:
        while s.result is None:
            if s.expired:
                raise _TimeUp
            if show:
                r.exam_question_words(s)
            show = True
            try:
                raw = _read(s, r, ask, wait, f"{say_time(s.remaining)} left. Your choice: ")
            except (EOFError, KeyboardInterrupt):
                r.note("")
                return
            cmd = raw.strip().lower()
            if cmd in ("q", "quit"):
                return
            show = _act(s, r, ask, wait, cmd)
    except _TimeUp:
        s.submit(timed_out=True)
        r.note("")  # the prompt may still be waiting on its line
        r.note(f"[bold]Time is up; your exam was submitted with {len(s.answers)} answered.[/]")


def _act(
    s: ExamSession, r: Renderer, ask: Callable[[str], str], wait: TimedPrompt | None, cmd: str
) -> bool:
    """Carry out one command; returns whether to show the current question again."""
    i = s.current
    if cmd == "n":
        s.next()
    elif cmd == "p":
        s.prev()
    elif cmd == "f":
        s.toggle_flag()
        r.note(
            f"Question {i + 1} flagged for review."
            if i in s.flagged
            else f"Question {i + 1}: flag removed."
        )
        return False  # the sentence says it all; a screen reader need not hear the item again
    elif cmd == "x":
        s.clear()
        r.note(f"Question {i + 1}: answer cleared, not answered.")
        return False
    elif cmd == "r":
        r.exam_review(s)
        r.note(f"{say_time(s.remaining)} left.")
        return False
    elif cmd.startswith("g"):
        try:
            s.goto(int(cmd[1:].strip()) - 1)
        except (ValueError, IndexError):
            r.note(f"[yellow]Go to a question from 1 to {len(s.items)}, e.g. g {len(s.items)}.[/]")
            return False
    elif cmd == "s":
        r.exam_review(s)
        try:
            sure = _read(s, r, ask, wait, "Submit now? (y/N) ").strip().lower()
        except (EOFError, KeyboardInterrupt):
            sure = ""
        if sure in ("y", "yes"):
            s.submit()
    elif len(cmd) == 1 and cmd.upper() in OPTION_LETTERS[: len(s.items[i].order)]:
        s.answer(cmd.upper())
        r.note(f"Question {i + 1}: your answer is {cmd.upper()}.")
        if i < len(s.items) - 1:
            s.next()
    else:
        r.note(f"[yellow]{HELP}[/]")
        return False
    return True


def _read(
    s: ExamSession, r: Renderer, ask: Callable[[str], str], wait: TimedPrompt | None, prompt: str
) -> str:
    """One line from the candidate, unless the time runs out first (then `_TimeUp`).

    With `wait`, the read gives up at the next announcement (5 minutes, 1 minute left)
    or at zero; a half-typed line is left where it is, never read as an answer.
    """
    if wait is None:
        line = ask(prompt)
        if s.expired:  # typed after the bell: not accepted
            raise _TimeUp
        return line
    pending = [t for t in WARN_AT if t < s.remaining]
    while True:
        stop = pending[0] if pending else 0.0
        got = wait(prompt, max(0.05, s.remaining - stop))
        if s.expired:
            raise _TimeUp
        if got is not None:
            return got
        if pending and s.remaining <= stop + 0.5:
            pending.pop(0)
            r.note("")
            r.note(f"[bold]{say_time(round(s.remaining))} left.[/]")
