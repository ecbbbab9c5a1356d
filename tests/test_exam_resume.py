"""Issue 13.4 and 13.5: resume behaves the same everywhere; an accessible plain mode.

CLI runs go through `start_exam` with FakeEnv (scripted input, captured output, a fake
monotonic clock), the full-screen exam through Textual's pilot, and the plain mode's
transcript is read as a screen reader would get it: every state in words.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.cli import app
from peerprep.cli.exam import ExamRequest, start_exam
from peerprep.cli.exam_plain import run_plain_exam
from peerprep.cli.quiz import QuizRequest, start_quiz
from peerprep.errors import InvalidInputError
from peerprep.exams.session import ExamSession
from peerprep.exams.timing import extended_minutes, say_limit, say_time
from peerprep.practice import PracticeService
from peerprep.progress.schema import ExamState
from peerprep.progress.store import ProgressStore
from peerprep.render import Renderer
from tests.conftest import WriteBank, items_for_all_tasks
from tests.test_practice import FROZEN, FakeEnv, _bank, _drawn, _events

BOX_DRAWING = re.compile(r"[\u2500-\u259f]")  # lines, corners, blocks


@pytest.fixture
def bank_dir(write_bank: WriteBank) -> Path:
    return write_bank(a=items_for_all_tasks(2))


def _exam(
    bank_dir: Path, progress: Path, replies: list[str], *, tty: bool = False, **kw: Any
) -> FakeEnv:
    fake = FakeEnv(replies, tty=tty, step=1.0)
    req = ExamRequest(plain=True, bank=bank_dir, progress=progress, **kw)
    fake.code = start_exam(fake.env, req)  # type: ignore[attr-defined]
    return fake


def _unfinished_exams(bank_dir: Path, progress: Path) -> list[Any]:
    store = ProgressStore(progress, clock=lambda: FROZEN)
    return store.load().unfinished_exams()


def _service(bank_dir: Path, progress: Path) -> tuple[PracticeService, ProgressStore]:
    store = ProgressStore(progress, clock=lambda: FROZEN)
    svc = PracticeService(_bank(bank_dir), store, clock=lambda: FROZEN, monotonic=lambda: 0.0)
    return svc, store


# ---------------------------------------------------------------- 4: the resume offer
def test_exam_at_a_terminal_offers_the_unfinished_exam(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    first = _exam(bank_dir, progress, ["a", "b", "q"], items=4, minutes=10, seed=2)
    assert first.code == 130  # type: ignore[attr-defined]
    # Enter takes the offer (Y is the default); then leave again at once
    again = _exam(bank_dir, progress, ["", "q"], tty=True)
    assert again.code == 130  # type: ignore[attr-defined]
    assert re.search(
        r"You have an unfinished exam from \d{4}-\d\d-\d\d \d\d:\d\d "
        r"\(2 of 4 answered, 9:\d\d left\)\. Resume it\? \[Y/n\]",
        again.text,
    ), again.text
    assert "Resuming at question 3 of 4: 2 answered" in again.text
    assert len(_unfinished_exams(bank_dir, progress)) == 1  # the same exam, no new one


def test_declining_the_offer_starts_a_new_exam(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    _exam(bank_dir, progress, ["a", "q"], items=4, minutes=10, seed=2)
    fresh = _exam(bank_dir, progress, ["n", "q"], tty=True, items=4, minutes=10)
    assert "Resume it?" in fresh.text and "Resuming" not in fresh.text
    assert len(_unfinished_exams(bank_dir, progress)) == 2


def test_without_a_terminal_a_new_exam_starts_and_names_the_resume_command(
    bank_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    _exam(bank_dir, progress, ["a", "q"], items=4, minutes=10, seed=2)
    fresh = _exam(bank_dir, progress, ["q"], items=4, minutes=10)
    flat = " ".join(fresh.text.split())
    assert "Resume it?" not in flat
    assert re.search(
        r"You have an unfinished exam from .* \(1 of 4 answered, 9:\d\d left\); starting a new "
        r"one\. Continue that one with `peerprep exam --resume`\.",
        flat,
    ), flat


# ---------------------------------------------------------------- 4: hints name the command
def test_progress_names_the_command_that_continues_each_kind(
    bank_dir: Path, sandbox_home: Path
) -> None:
    runner = CliRunner()
    bank = ["--bank", str(bank_dir)]
    r = runner.invoke(app, ["exam", *bank, "--items", "3", "--plain"], input="q\n")
    assert r.exit_code == 130
    # no answers yet (exam answers count only when submitted): the hint is still there
    out = runner.invoke(app, ["progress", *bank], env={"COLUMNS": "200"}).output
    assert "1 unfinished exam: `peerprep exam --resume`" in out
    assert "quiz --resume" not in out
    runner.invoke(app, ["quiz", *bank, "-n", "3", "--no-pause"], input="a\nq\n")
    out = runner.invoke(app, ["progress", *bank], env={"COLUMNS": "200"}).output
    flat = " ".join(out.split())
    assert (
        "(1 unfinished quiz: `peerprep quiz --resume`; 1 unfinished exam: "
        "`peerprep exam --resume`)" in flat
    )


# ---------------------------------------------------------------- 4: back where you were
def test_resume_returns_to_the_question_you_were_on(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    # answer 1 and 2 (plain mode moves on after an answer), go to 4, back to 3, leave
    _exam(bank_dir, progress, ["a", "b", "g 4", "p", "q"], items=5, minutes=10, seed=3)
    snap = [e for e in _events(progress) if e["type"] == "exam_state"][-1]
    assert snap["current"] == 2
    fake = _exam(bank_dir, progress, ["q"], resume=True)
    assert "Resuming at question 3 of 5: 2 answered" in fake.text
    shown = re.findall(r"Question (\d) of 5\. \d answered\.", fake.text)
    assert shown == ["3"], fake.text


def test_snapshots_without_a_current_question_still_load_and_start_at_1() -> None:
    old = {
        "type": "exam_state",
        "session": "s1",
        "at": "2026-03-01T12:00:00Z",
        "elapsed": 10.0,
        "limit": 600.0,
        "answers": {},
        "flagged": [],
    }
    assert ExamState.model_validate(old).current == 0
    # on question 1 the field is left out, so earlier versions still read the file
    assert "current" not in ExamState.model_validate(old).model_dump(mode="json")
    assert ExamState.model_validate({**old, "current": 4}).model_dump()["current"] == 4


def test_resume_skips_to_the_next_question_when_yours_left_the_bank(
    bank_dir: Path, write_bank: WriteBank, tmp_path: Path
) -> None:
    import yaml

    progress = tmp_path / "p.json"
    _exam(bank_dir, progress, ["g 3", "q"], items=5, minutes=10, seed=3)
    start = next(e for e in _events(progress) if e["type"] == "session")
    gone = start["items"][2][0]
    items = [it for it in items_for_all_tasks(2) if it["id"] != gone]
    (bank_dir / "a.yaml").write_text(yaml.safe_dump(items, sort_keys=False), encoding="utf-8")
    fake = _exam(bank_dir, progress, ["q"], resume=True)
    assert "Resuming at question 3 of 4" in fake.text  # old question 4, now number 3


# ---------------------------------------------------------------- 4: the TUI
def _tui_session(bank_dir: Path, clock: Callable[[], float], limit: float = 600) -> ExamSession:
    b = _bank(bank_dir)
    return ExamSession(b, _drawn(bank_dir, 5, 6), limit_seconds=limit, clock=clock)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("on_review", [False, True])
def test_ctrl_c_in_the_full_screen_exam_saves_and_leaves(bank_dir: Path, on_review: bool) -> None:
    from peerprep.tui.exam_app import ExamApp

    s = _tui_session(bank_dir, Clock())

    async def scenario() -> ExamApp:
        app_ = ExamApp(s)
        async with app_.run_test(size=(80, 24)) as pilot:
            await pilot.press("b")
            if on_review:
                await pilot.press("r")
                await pilot.pause()
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert not app_.is_running
            assert not [n.message for n in app_._notifications]  # no "Press ctrl+q to quit"
        return app_

    asyncio.run(scenario())
    assert s.result is None and s.answers == {0: "B"}  # left, not submitted


def test_ctrl_c_in_the_full_screen_exam_exits_130_with_the_exam_saved(
    bank_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerprep.tui import exam_app

    def run_with_pilot(session: ExamSession) -> None:
        async def scenario() -> None:
            app_ = exam_app.ExamApp(session)
            async with app_.run_test(size=(80, 24)) as pilot:
                await pilot.press("c", "n", "ctrl+c")
                await pilot.pause()

        asyncio.run(scenario())

    monkeypatch.setattr(exam_app, "run_exam_app", run_with_pilot)
    progress = tmp_path / "p.json"
    fake = FakeEnv([], step=1.0)
    fake.env.stdin_isatty = fake.env.stdout_isatty = True
    fake.env.term = "xterm-256color"
    req = ExamRequest(bank=bank_dir, progress=progress, items=4, minutes=10, seed=1)
    assert start_exam(fake.env, req) == 130
    assert "Continue with `peerprep exam --resume`" in fake.text
    snap = [e for e in _events(progress) if e["type"] == "exam_state"][-1]
    assert len(snap["answers"]) == 1 and snap["current"] == 1


def test_the_clock_runs_on_the_review_screen(bank_dir: Path) -> None:
    from textual.widgets import Label

    from peerprep.tui.exam_app import ExamApp, ReviewScreen

    clock = Clock()
    s = _tui_session(bank_dir, clock)

    async def scenario() -> None:
        app_ = ExamApp(s)
        async with app_.run_test(size=(80, 24)) as pilot:
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app_.screen, ReviewScreen)
            summary = app_.screen.query_one("#review-summary", Label)
            assert "0:10:00 left" in str(summary.render())
            clock.now = 75
            app_.tick()
            await pilot.pause()
            assert "0:08:45 left" in str(summary.render())
            timer = app_.screen_stack[0].query_one("#timer", Label)
            assert "0:08:45 left" in str(timer.render())
            clock.now = 601  # and time running out there submits
            app_.tick()
            await pilot.pause()

    asyncio.run(scenario())
    assert s.result is not None and s.result.timed_out


def test_the_full_screen_exam_says_the_chosen_answer_in_words(bank_dir: Path) -> None:
    from textual.widgets import Static

    from peerprep.tui.exam_app import ExamApp

    s = _tui_session(bank_dir, Clock())

    async def scenario() -> None:
        app_ = ExamApp(s)
        async with app_.run_test(size=(80, 24)) as pilot:
            await pilot.press("c")
            await pilot.press("p")
            text = str(app_.query_one("#options", Static).render())
            assert text.count("(your answer)") == 1
            assert re.search(r"C  .*\(your answer\)", text)

    asyncio.run(scenario())


# ---------------------------------------------------------------- 4: plain mode at zero
class ScriptedWait:
    """A terminal's timed prompt: each entry is a line typed after `seconds`, or None
    (nobody typed: the prompt gives up after its timeout). Moves the fake clock."""

    def __init__(self, clock: Clock, script: list[tuple[float, str | None]]) -> None:
        self.clock = clock
        self.script: Iterator[tuple[float, str | None]] = iter(script)
        self.timeouts: list[float] = []

    def __call__(self, prompt: str, timeout: float) -> str | None:
        self.timeouts.append(timeout)
        try:
            after, line = next(self.script)
        except StopIteration:
            raise EOFError from None
        if line is None or after > timeout:
            self.clock.now += timeout
            return None
        self.clock.now += after
        return line


def _plain(bank_dir: Path, limit: float) -> tuple[ExamSession, Clock, Renderer, Any]:
    import io

    from rich.console import Console

    clock = Clock()
    s = _tui_session(bank_dir, clock, limit)
    out = io.StringIO()
    return s, clock, Renderer(Console(file=out, width=80, no_color=True)), out


def test_plain_mode_submits_at_zero_while_waiting_without_reading_a_key(
    bank_dir: Path,
) -> None:
    s, clock, r, out = _plain(bank_dir, limit=400)
    typed: list[str] = []

    def ask(prompt: str) -> str:  # the untimed prompt must not be used at a terminal
        typed.append(prompt)
        return "a"

    # answer B after 10 s, then nobody types: announcements at 5 and 1 minute, then zero
    wait = ScriptedWait(clock, [(10, "b"), (0, None), (0, None), (0, None), (0, "c")])
    run_plain_exam(s, r, ask, wait=wait)
    text = out.getvalue()
    assert s.result is not None and s.result.timed_out and s.answers == {0: "B"}
    assert "Time is up; your exam was submitted with 1 answered." in text
    assert "5 minutes left." in text and "1 minute left." in text
    assert wait.timeouts[1:4] == pytest.approx([90, 240, 60])  # 390 s left after the answer
    assert not typed
    assert next(wait.script) == (0, "c")  # the next line was never read


def test_plain_mode_without_a_timed_prompt_never_takes_a_late_line_as_an_answer(
    bank_dir: Path,
) -> None:
    s, clock, r, out = _plain(bank_dir, limit=60)

    def ask(prompt: str) -> str:
        clock.now += 61  # the bell rang while waiting
        return "b"

    run_plain_exam(s, r, ask)
    assert s.result is not None and s.result.timed_out and not s.answers
    assert "Time is up; your exam was submitted with 0 answered." in out.getvalue()


def test_start_exam_uses_the_environments_timed_prompt(bank_dir: Path, tmp_path: Path) -> None:
    fake = FakeEnv(["never read"], step=0.0)
    seen: list[float] = []

    def wait(prompt: str, timeout: float) -> str | None:
        seen.append(timeout)
        fake.ticks += timeout  # nobody types until the time is up
        return None

    fake.env.timed_input = wait
    req = ExamRequest(plain=True, bank=bank_dir, progress=tmp_path / "p.json", items=2, minutes=1)
    assert start_exam(fake.env, req) == 0
    assert "Time is up; your exam was submitted with 0 answered." in fake.text
    assert "Submitted when time ran out." in fake.text
    assert seen and next(fake.replies) == "never read"


def test_items_scale_the_time(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    fake = _exam(bank_dir, progress, ["q"], items=3)
    start = next(e for e in _events(progress) if e["type"] == "session")
    assert start["limit_seconds"] == 300.0  # 3 items at the exam's pace, not 120 minutes
    assert "3 questions, time 5 minutes." in fake.text


# ---------------------------------------------------------------- 4: one process at a time
def test_a_stale_read_cannot_resume_an_exam_submitted_meanwhile(
    bank_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    _exam(bank_dir, progress, ["a", "b", "q"], items=4, minutes=10, seed=2)
    svc, store = _service(bank_dir, progress)
    stale = svc.unfinished_exams(store.load())[0]  # terminal 1 read it, then waited
    fake = _exam(bank_dir, progress, ["s", "y"], resume=True)  # terminal 2 submitted it
    assert fake.code == 0  # type: ignore[attr-defined]
    with pytest.raises(InvalidInputError, match="submitted or closed in another"):
        svc.resume_exam(*stale)
    exam_answers = [e for e in _events(progress) if e["type"] == "answer"]
    assert len(exam_answers) == 2  # recorded once
    assert not list(tmp_path.glob("*.session-*"))  # the refused claim was let go


def test_a_stale_read_cannot_ask_a_quiz_item_answered_meanwhile(
    bank_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    req = QuizRequest(count=4, seed=7, bank=bank_dir, progress=progress, pause=False)
    assert start_quiz(FakeEnv(["a", "q"]).env, req) == 0
    svc, store = _service(bank_dir, progress)
    (stale,) = svc.unfinished_quizzes(store.load())  # terminal 1 read it
    resumed = QuizRequest(resume=True, bank=bank_dir, progress=progress, pause=False)
    assert start_quiz(FakeEnv(["b", "q"]).env, resumed) == 0  # terminal 2 answered one
    drill, _ = svc.resume_drill(stale)
    with drill:
        answered = {a["item"] for a in store.load().answers}
        assert len(answered) == 2
        assert not answered & {p.item_id for p in drill.quiz.presented}
        assert len(drill.quiz.presented) == 2


_HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from peerprep.practice import SessionClaim
    c = SessionClaim(Path(sys.argv[1]), sys.argv[2])
    c.acquire("exam")
    print("held", flush=True)
    time.sleep(30)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["exam", "quiz"])
def test_another_process_holding_a_session_blocks_its_resume(
    bank_dir: Path, sandbox_home: Path, kind: str
) -> None:
    runner = CliRunner()
    bank = ["--bank", str(bank_dir)]
    if kind == "exam":
        runner.invoke(app, ["exam", *bank, "--items", "3", "--plain"], input="a\nq\n")
    else:
        runner.invoke(app, ["quiz", *bank, "-n", "3", "--no-pause"], input="a\nq\n")
    progress = sandbox_home / "progress.json"
    session = next(e for e in _events(progress) if e["type"] == "session")["session"]
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(progress), session],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        extra = ["--plain"] if kind == "exam" else ["--no-pause"]
        r = runner.invoke(app, [kind, *bank, "--resume", *extra], input="a\n")
        assert r.exit_code == 1, r.output
        assert re.search(
            rf"already open in another peerprep process \(pid {holder.pid}\)", r.stderr
        )
    finally:
        holder.kill()
        holder.wait()
    r = runner.invoke(app, [kind, *bank, "--resume", *extra], input="q\n")
    assert r.exit_code in (0, 130), r.output  # the kernel let go of the dead holder's claim


# ---------------------------------------------------------------- 5: plain mode in words
def test_plain_transcript_says_every_state_in_words(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    # answer B on 1 (moves on), flag 2, back to 1, forward to 2, clear, review, submit
    fake = _exam(
        bank_dir, progress, ["b", "f", "p", "n", "x", "r", "s", "y"], items=4, minutes=12, seed=2
    )
    assert fake.code == 0  # type: ignore[attr-defined]
    text = fake.text
    assert "Question 1: your answer is B." in text
    assert "Question 2 flagged for review." in text
    q1_again = text.split("Question 1 of 4.")[2]
    assert "Your answer: B." in q1_again.split("Your choice:")[0]
    q2_again = text.split("Question 2 of 4.")[2]
    assert q2_again.startswith(" 1 answered. Flagged for review.")
    assert "Not answered." in q2_again.split("Your choice:")[0]
    assert re.search(r"1[12] minutes \d+ seconds left\. Your choice:", text)
    assert "Question 2: answer cleared, not answered." in text
    assert "Unanswered: 2, 3, 4" in text and "Flagged: 2" in text
    # the result, too, is sentences: no bordered table, no bars
    assert re.search(r"Exam result: [01] of 4 correct \(\d+ %\); 1 answered\.", text)
    assert re.search(r"Domain I, .*: \d of \d correct", text)
    assert (
        "Items to review:" in text
        and "Your answer: none (left blank)" in text
        and "Best answer (" in text
    )
    assert not BOX_DRAWING.search(text), BOX_DRAWING.findall(text)
    assert "\x1b[7m" not in text  # and no reverse video carries meaning


def test_plain_mode_at_80_columns_through_the_cli_has_no_rules_or_symbols(
    bank_dir: Path, sandbox_home: Path
) -> None:
    r = CliRunner().invoke(
        app,
        ["exam", "--bank", str(bank_dir), "--items", "2", "--plain"],
        input="c\nf\nq\n",
        env={"COLUMNS": "80", "LINES": "24"},
    )
    assert r.exit_code == 130
    assert "Question 1: your answer is C." in r.output
    assert "Question 2 flagged for review." in r.output
    assert not BOX_DRAWING.search(r.output) and "⚑" not in r.output


def test_time_in_words() -> None:
    assert say_time(750) == "12 minutes 30 seconds"
    assert say_time(3900) == "1 hour 5 minutes"
    assert say_time(61) == "1 minute 1 second"
    assert say_time(0) == say_time(-3) == "0 seconds"
    assert say_limit(10800) == "180 minutes" and say_limit(90) == "1 minute 30 seconds"


# ---------------------------------------------------------------- 5: extended time
def test_time_multiplier_extends_the_exam_and_says_so(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    fake = _exam(bank_dir, progress, ["q"], items=75, time_multiplier=1.5)
    start = next(e for e in _events(progress) if e["type"] == "session")
    assert start["limit_seconds"] == 180 * 60
    assert "75 questions, time 180 minutes (1.5x extended time)." in fake.text
    # the resumed exam keeps that time
    again = _exam(bank_dir, progress, ["q"], resume=True)
    assert re.search(r"2 hours 59 minutes \d+ seconds left", again.text)


def test_time_multiplier_is_checked_on_the_command_line(bank_dir: Path) -> None:
    runner = CliRunner()
    bank = ["--bank", str(bank_dir)]
    for bad in ("0.5", "3.5", "x"):
        r = runner.invoke(app, ["exam", *bank, "--plain", "--time-multiplier", bad])
        assert r.exit_code == 2, bad
    r = runner.invoke(app, ["exam", *bank, "--resume", "--time-multiplier", "2"])
    assert r.exit_code == 2 and "a resumed exam keeps its own time" in r.stderr
    r = runner.invoke(app, ["exam", *bank, "--plain", "--time-multiplier", "2", "--items", "3"])
    assert r.exit_code == 130 and "time 10 minutes (2x extended time)" in r.output


def test_printed_forms_and_keys_show_the_extended_time(bank_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "forms"
    args = ["exam", "build", "--bank", str(bank_dir), "-o", str(out), "--format", "md"]
    r = CliRunner().invoke(app, [*args, "--time-multiplier", "1.5"])
    assert r.exit_code == 0, r.output
    assert "Time on the forms: 180 minutes (1.5x extended time)." in r.output
    form = (out / "form-1.md").read_text()
    assert "75 items · 180 minutes (1.5x extended time)" in form
    assert "You have 180 minutes (1.5x extended time) for 75 questions." in form
    assert "180 minutes (1.5x extended time)" in (out / "form-1-key.md").read_text()
    assert json.loads((out / "form-1-key.json").read_text())["minutes"] == 180
    assert extended_minutes(5, 1.25) == 7  # never rounded down


# ---------------------------------------------------------------- 5: large print
def test_large_print_forms_have_bigger_type(bank_dir: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    runner = CliRunner()
    pages = {}
    sizes = {}
    for name, extra in (("normal", []), ("large", ["--large-print"])):
        out = tmp_path / name
        args = ["exam", "build", "--bank", str(bank_dir), "-o", str(out), "--items", "12"]
        r = runner.invoke(app, args + extra)
        assert r.exit_code == 0, r.output
        form = PdfReader(out / "form-1.pdf")
        pages[name] = (len(form.pages), len(PdfReader(out / "form-1-key.pdf").pages))
        found: list[float] = []

        def visit(
            text: str, cm: Any, tm: Any, font: Any, size: float, found: list[float] = found
        ) -> None:
            if text.strip():
                found.append(size * tm[0])

        form.pages[1].extract_text(visitor_text=visit)  # the first page of questions
        sizes[name] = max(set(found), key=found.count)  # the body text's size
    assert sizes["large"] >= 1.3 * sizes["normal"], sizes
    assert pages["large"][0] > pages["normal"][0] and pages["large"][1] > pages["normal"][1]


@pytest.mark.skipif(sys.platform == "win32", reason="flock: POSIX only")
def test_a_lock_won_on_a_just_removed_claim_file_is_not_a_claim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terminal B opens the claim's name just before A lets go (A removes the file);
    B's lock then lands on a file nobody else will open. B must retry on the file under
    the name, or a third terminal C could claim the same session beside it."""
    import fcntl
    import os

    from peerprep.practice import SessionBusyError, SessionClaim

    progress = tmp_path / "p.json"
    a = SessionClaim(progress, "s1")
    a.acquire("quiz")
    stale = os.open(a.lock_path, os.O_RDWR)  # B opened the name while A held it
    a.release()
    fcntl.flock(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ...and wins the lock on the orphan
    assert not a.holds_the_named_file(stale)

    real_open = os.open
    opens: list[int] = []

    def racing_open(path: Any, flags: int, mode: int = 0o777) -> int:
        opens.append(1)
        if len(opens) == 1:
            return os.dup(stale)  # B's first try is the stale file
        return real_open(path, flags, mode)

    b = SessionClaim(progress, "s1")
    monkeypatch.setattr(os, "open", racing_open)
    b.acquire("quiz")  # the orphan's lock is already B's (same file description): it retries
    monkeypatch.setattr(os, "open", real_open)
    assert len(opens) == 2
    with pytest.raises(SessionBusyError):
        SessionClaim(progress, "s1").acquire("quiz")  # C is refused
    b.release()
    os.close(stale)
    assert not list(tmp_path.glob("*.session-*"))
