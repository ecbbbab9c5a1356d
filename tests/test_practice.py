"""The practice-session service: quiz/study/review/exam driven through one core object.

Covers the Environment (a whole quiz with scripted input and frozen clocks, no
CliRunner), Ctrl-C during a save (the score counts only what is on disk), resuming
after bank edits (quiz and exam), the typed exam limit (and old files' label), and the
one-process-per-session claim.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from peerprep.bank import Bank, load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.cli.env import Environment
from peerprep.cli.exam import ExamRequest, start_exam
from peerprep.cli.quiz import QuizRequest, drill_and_close, start_quiz
from peerprep.engine.draw import Presented, draw, present
from peerprep.practice import (
    PracticeService,
    SessionBusyError,
    decode_order,
    encode_order,
)
from peerprep.progress.schema import Event
from peerprep.progress.store import ProgressStore
from tests.conftest import WriteBank, items_for_all_tasks

FROZEN = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
SRC = Path(__file__).parents[1] / "src" / "peerprep"


class FakeEnv:
    """An Environment with scripted input, captured output and frozen clocks."""

    def __init__(self, replies: list[str], *, tty: bool = False, step: float = 7.0) -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.replies: Iterator[str] = iter(replies)
        self.ticks = 0.0
        self.step = step
        console = Console(file=self.out, width=120, no_color=True, highlight=False)
        self.env = Environment(
            stdout=console,
            stderr=Console(file=self.err, width=200, no_color=True, highlight=False),
            stdin_isatty=tty,
            stdout_isatty=False,
            term="dumb",
            input=self.ask,
            clock=lambda: FROZEN,
            monotonic=self.monotonic,
        )

    def ask(self, prompt: str) -> str:
        self.out.write(prompt)
        try:
            return next(self.replies)
        except StopIteration:
            raise EOFError from None

    def monotonic(self) -> float:
        self.ticks += self.step
        return self.ticks

    @property
    def text(self) -> str:
        return self.out.getvalue()


@pytest.fixture
def items() -> list[dict[str, Any]]:
    return items_for_all_tasks(2)


@pytest.fixture
def bank_dir(write_bank: WriteBank, items: list[dict[str, Any]]) -> Path:
    return write_bank(a=items)


def _bank(root: Path) -> Bank:
    return load_bank(root, load_blueprint(), use_cache=False)


def _drawn(root: Path, seed: int, count: int) -> list[Presented]:
    b = _bank(root)
    rng = random.Random(seed)
    return present(b, draw(b, rng, count=count), rng)


def _right(root: Path, seed: int, count: int) -> list[str]:
    b = _bank(root)
    return [p.shown_letter(b.get(p.item_id).answer) for p in _drawn(root, seed, count)]


def _events(progress: Path) -> list[dict[str, Any]]:
    store = ProgressStore(progress)
    doc = json.loads(progress.read_text())
    assert doc["index"] is None  # these tests stay below the sealing threshold
    assert store.load() is not None
    return doc["events"]  # type: ignore[no-any-return]


def _answers(progress: Path) -> list[dict[str, Any]]:
    return [e for e in _events(progress) if e["type"] == "answer"]


def _score(text: str) -> tuple[int, int]:
    m = re.search(r"Score: (\d+)/(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


# ---------------------------------------------------------------- 16: one Environment
def test_whole_quiz_runs_on_a_fake_environment(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    right = _right(bank_dir, 3, 3)
    fake = FakeEnv([right[0], "zz", right[1].lower() + ")", right[2]])
    code = start_quiz(fake.env, QuizRequest(count=3, seed=3, bank=bank_dir, progress=progress))
    assert code == 0
    assert "Please type one of A/B/C/D" in fake.text and "Score: 3/3" in fake.text
    events = _events(progress)
    assert [e["type"] for e in events] == ["session", "answer", "answer", "answer", "session_end"]
    # the wall clock is the environment's, so is every answer time (monotonic: 7 s steps)
    assert {e["at"] for e in events} == {"2026-03-01T12:00:00Z"}
    assert [e["seconds"] for e in _answers(progress)] == [7.0, 7.0, 7.0]
    cards = json.loads(progress.read_text())["cards"]
    assert len(cards) == 3  # each answer moved its review card in the same write


def test_resume_offer_at_a_terminal_is_asked_through_the_environment(
    bank_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    right = _right(bank_dir, 5, 4)
    req = QuizRequest(count=4, seed=5, bank=bank_dir, progress=progress)
    assert start_quiz(FakeEnv([right[0], "q"]).env, req) == 0
    fake = FakeEnv(["", *right[1:]], tty=True)  # Enter takes the default: resume
    assert start_quiz(fake.env, QuizRequest(bank=bank_dir, progress=progress, pause=False)) == 0
    assert "Resume it? [Y/n]" in fake.text and "Resuming: 1 answered, 3 to go." in fake.text
    assert "Score: 4/4" in fake.text


def test_practice_commands_take_what_varies_from_the_environment() -> None:
    for name in ("quiz.py", "study.py", "exam.py", "exam_plain.py"):
        text = (SRC / "cli" / name).read_text()
        for direct in ("sys.stdin.isatty", "Console(", "datetime.now", "time.monotonic"):
            assert direct not in text, f"cli/{name} calls {direct} itself"
    for name in ("practice.py", "engine/session.py", "exams/session.py"):
        text = (SRC / name).read_text()
        assert "import typer" not in text and "from rich" not in text
        assert not re.search(r"(?<![\w.])print\(", text)


def test_the_core_service_imports_neither_typer_nor_rich() -> None:
    code = (
        "import sys, peerprep.practice, peerprep.exams.session\n"
        "bad = [m for m in ('typer', 'rich') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- 3: Ctrl-C during a save
class InterruptingStore(ProgressStore):
    """A store whose `nth` write is hit by Ctrl-C: before it, after it, or as a real
    SIGINT arriving while it runs."""

    def __init__(self, path: Path, *, nth: int, how: str) -> None:
        super().__init__(path, clock=lambda: FROZEN)
        self.nth, self.how, self.writes = nth, how, 0

    def append(
        self, *events: Event, on_cards: Callable[[dict[str, dict[str, Any]]], None] | None = None
    ) -> None:
        self.writes += 1
        if self.writes != self.nth:
            return super().append(*events, on_cards=on_cards)
        if self.how == "before":
            raise KeyboardInterrupt
        if self.how == "signal":
            signal.raise_signal(signal.SIGINT)  # as if Ctrl-C were pressed mid-write
            return super().append(*events, on_cards=on_cards)
        super().append(*events, on_cards=on_cards)
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("how", "saved", "claim"),
    [
        ("before", 1, "was NOT saved"),
        ("after", 2, "was saved"),
        ("signal", 2, "was saved"),
    ],
)
def test_ctrl_c_inside_a_save_counts_only_what_is_on_disk(
    bank_dir: Path, tmp_path: Path, how: str, saved: int, claim: str
) -> None:
    progress = tmp_path / "p.json"
    store = InterruptingStore(progress, nth=2, how=how)
    fake = FakeEnv(_right(bank_dir, 7, 3))
    svc = PracticeService(_bank(bank_dir), store, clock=lambda: FROZEN, monotonic=fake.monotonic)
    drill = svc.new_drill(_drawn(bank_dir, 7, 3), mode="quiz")
    code = drill_and_close(drill, fake.env.renderer(), fake.env)
    assert code == 130
    assert len(_answers(progress)) == saved
    assert _score(fake.text) == (saved, saved)  # the screen counts exactly what is on disk
    assert f"Stopped after {saved} of 3" in fake.text
    assert f"your last answer {claim}" in fake.text


@pytest.mark.parametrize(("how", "recorded"), [("before", False), ("after", True)])
def test_ctrl_c_while_recording_an_exam_says_whether_it_was_submitted(
    bank_dir: Path, tmp_path: Path, how: str, recorded: bool
) -> None:
    progress = tmp_path / "p.json"
    store = InterruptingStore(progress, nth=3, how=how)  # start, one snapshot, submission
    svc = PracticeService(_bank(bank_dir), store, clock=lambda: FROZEN, monotonic=lambda: 0.0)
    drawn = _drawn(bank_dir, 3, 4)
    with svc.new_exam(drawn, limit_seconds=600) as run:
        run.exam.answer("A")
        run.exam.submit()
        assert run.record_submission() is recorded
    pending = store.load().unfinished_exams()
    assert (not pending) is recorded
    assert len(_answers(progress)) == (1 if recorded else 0)
    if not recorded:  # still resumable, with the answer (as a bank key) in its snapshot
        snapshot = pending[0][1]
        assert snapshot is not None and snapshot["answers"] == {"0": drawn[0].order[0]}


def test_cli_ctrl_c_before_a_write_does_not_count_the_answer(
    bank_dir: Path, monkeypatch: pytest.MonkeyPatch, sandbox_home: Path
) -> None:
    real = ProgressStore.append
    calls = []

    def append(self: ProgressStore, *events: Any, **kw: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C lands inside the save, before the write
        real(self, *events, **kw)

    monkeypatch.setattr(ProgressStore, "append", append)
    right = _right(bank_dir, 9, 3)
    r = CliRunner().invoke(
        app, ["quiz", "--bank", str(bank_dir), "--seed", "9", "-n", "3"], input="\n".join(right)
    )
    assert r.exit_code == 130
    on_disk = len(_answers(sandbox_home / "progress.json"))
    assert on_disk == 1
    assert _score(r.output) == (1, 1) and "Stopped after 1 of 3" in r.output


# ---------------------------------------------------------------- 7: resume after bank edits
def _edit_bank(
    root: Path, items: list[dict[str, Any]], *, remove: str, drop_option: str, reorder: str
) -> None:
    """Remove one item, take the last option off another, swap two options of a third."""
    edited = []
    for it in items:
        if it["id"] == remove:
            continue
        it = json.loads(json.dumps(it))
        if it["id"] == drop_option:
            last = sorted(it["options"])[-1]
            if it["answer"] == last:  # keep a valid key: the answer moves to A
                it["options"]["A"], it["options"][last] = it["options"][last], it["options"]["A"]
                it["answer"] = "A"
            it["options"].pop(last)
            it["rationale"]["distractors"] = {k: "No." for k in it["options"] if k != it["answer"]}
        if it["id"] == reorder:
            key = it["answer"]
            other = "B" if key != "B" else "C"
            it["options"][key], it["options"][other] = it["options"][other], it["options"][key]
            it["answer"] = other
            it["rationale"]["distractors"] = {k: "No." for k in it["options"] if k != other}
        edited.append(it)
    (root / "a.yaml").write_text(yaml.safe_dump(edited, sort_keys=False), encoding="utf-8")


def test_quiz_resume_after_bank_edits_continues_with_what_exists(
    bank_dir: Path, items: list[dict[str, Any]], tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    drawn = _drawn(bank_dir, 11, 6)
    right = _right(bank_dir, 11, 6)
    req = QuizRequest(count=6, seed=11, bank=bank_dir, progress=progress)
    assert start_quiz(FakeEnv(right[:2]).env, req) == 0
    gone, fewer, swapped = (p.item_id for p in drawn[2:5])
    _edit_bank(bank_dir, items, remove=gone, drop_option=fewer, reorder=swapped)

    fake = FakeEnv(["a"] * 3)
    assert start_quiz(fake.env, QuizRequest(resume=True, bank=bank_dir, progress=progress)) == 0
    text = fake.text
    assert "1 question is no longer in the bank and was skipped" in text
    assert "2 questions changed in the bank since you started" in text
    assert fewer in text and swapped in text
    assert "Resuming: 2 answered, 3 to go." in text and "Score:" in text
    b = _bank(bank_dir)
    for a in _answers(progress)[2:]:
        assert a["chosen"] in b.get(a["item"]).options  # never a key the item lacks
        assert a["correct"] == (a["chosen"] == b.get(a["item"]).answer)


def test_quiz_resume_grades_edited_items_by_the_bank_as_it_is_now(
    bank_dir: Path, items: list[dict[str, Any]], tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    drawn = _drawn(bank_dir, 13, 5)
    assert (
        start_quiz(
            FakeEnv(["a", "q"]).env,
            QuizRequest(count=5, seed=13, bank=bank_dir, progress=progress),
        )
        == 0
    )
    _edit_bank(
        bank_dir,
        items,
        remove=drawn[1].item_id,
        drop_option=drawn[2].item_id,
        reorder=drawn[3].item_id,
    )
    b = _bank(bank_dir)
    store = ProgressStore(progress, clock=lambda: FROZEN)
    svc = PracticeService(b, store, clock=lambda: FROZEN, monotonic=lambda: 0.0)
    (u,) = svc.unfinished_quizzes(store.load())
    first, _ = svc.resume_drill(u)
    orders = [p.order for p in first.quiz.presented]
    first.__exit__(None, None, None)
    with svc.resume_drill(u)[0] as drill:
        # a fresh order comes from the session and item, so every resume shows the same
        assert [p.order for p in drill.quiz.presented] == orders
        while not drill.quiz.finished:
            p, q = drill.quiz.current()
            assert set(p.order) == set(q.options)
            assert drill.answer(p.shown_letter(q.answer)).correct
        drill.end()
    assert [a["correct"] for a in _answers(progress)[1:]] == [True, True, True]
    assert svc.unfinished_quizzes(store.load()) == []


def test_cli_quiz_resume_after_an_option_was_removed(
    bank_dir: Path, items: list[dict[str, Any]], sandbox_home: Path
) -> None:
    runner = CliRunner()
    drawn = _drawn(bank_dir, 11, 4)
    runner.invoke(app, ["quiz", "--bank", str(bank_dir), "--seed", "11", "-n", "4"], input="a\nq\n")
    _edit_bank(bank_dir, items, remove="none", drop_option=drawn[1].item_id, reorder="none")
    r = runner.invoke(app, ["quiz", "--bank", str(bank_dir), "--resume"], input="a\na\na\n")
    assert r.exit_code == 0, r.exception  # the old order named an option that is gone
    assert "1 question changed in the bank since you started" in r.output
    assert "Score:" in r.output and "Question 4 of 4" in r.output


def test_option_order_encoding_round_trip_and_old_bare_orders(bank_dir: Path) -> None:
    b = _bank(bank_dir)
    q = b.get("T-I1-000")
    p = Presented(q.id, ("C", "A", "D", "B"))
    stored = encode_order(q, p)
    assert stored.startswith("CADB@") and decode_order(q, stored) == p.order
    assert decode_order(q, "CADB") == p.order  # older files: bare order, keys checked
    assert decode_order(q, "CAB") is None and decode_order(q, "CAEB") is None
    edited = q.model_copy(update={"options": {**q.options, "A": "Changed text"}})
    assert decode_order(edited, stored) is None  # same keys, other text: not the same item


def _exam(bank_dir: Path, progress: Path, replies: list[str], **kw: Any) -> FakeEnv:
    fake = FakeEnv(replies, step=1.0)
    req = ExamRequest(plain=True, bank=bank_dir, progress=progress, **kw)
    fake.code = start_exam(fake.env, req)  # type: ignore[attr-defined]
    return fake


def test_exam_resume_after_bank_edits_keeps_answers_on_their_items(
    bank_dir: Path, items: list[dict[str, Any]], tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    # answer questions 1-5 (a b c d a), flag question 6, then leave
    fake = _exam(
        bank_dir, progress, ["a", "b", "c", "d", "a", "f", "q"], items=8, minutes=10, seed=4
    )
    assert fake.code == 130  # type: ignore[attr-defined]
    start = next(e for e in _events(progress) if e["type"] == "session")
    snap = [e for e in _events(progress) if e["type"] == "exam_state"][-1]
    ids = [i for i, _ in start["items"]]
    saved = {ids[int(k)]: v for k, v in snap["answers"].items()}
    assert len(saved) == 5 and snap["flagged"] == [5]
    # question 2 leaves the bank, question 3 loses an option, question 4 is reordered
    _edit_bank(bank_dir, items, remove=ids[1], drop_option=ids[2], reorder=ids[3])

    b = _bank(bank_dir)
    store = ProgressStore(progress, clock=lambda: FROZEN)
    svc = PracticeService(b, store, clock=lambda: FROZEN, monotonic=lambda: 0.0)
    run, notice = svc.resume_exam(*svc.unfinished_exams(store.load())[0])
    with run:
        s = run.exam
        assert [p.item_id for p in s.items] == [ids[0], *ids[2:]]
        assert notice.dropped == [ids[1]] and notice.reshuffled == [ids[2], ids[3]]
        assert notice.cleared == [2, 3]  # their answers no longer mean what was chosen
        kept = s.original_answers()
        assert kept == {0: saved[ids[0]], 3: saved[ids[4]]}  # moved up with their items
        assert s.flagged == {4}  # question 6 is question 5 now
        for i, p in enumerate(s.items):
            assert set(p.order) == set(b.get(p.item_id).options), i
    messages = " ".join(notice.messages())
    assert "1 question is no longer in the bank and was skipped" in messages
    assert "answer to questions 2, 3 was cleared" in messages

    # the continued exam is its own session now (the old one closed in the same write),
    # so a second resume finds positions that match, and says nothing more
    run2, notice2 = svc.resume_exam(*svc.unfinished_exams(store.load())[0])
    with run2:
        assert not notice2.messages() and run2.exam.original_answers() == kept
    assert len(svc.unfinished_exams(store.load())) == 1


def test_exam_resume_through_the_cli_after_an_item_left_the_bank(
    bank_dir: Path, items: list[dict[str, Any]], tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    _exam(bank_dir, progress, ["a", "b", "q"], items=4, minutes=10, seed=2)
    start = next(e for e in _events(progress) if e["type"] == "session")
    gone = start["items"][0][0]
    kept = [it for it in items if it["id"] != gone]
    (bank_dir / "a.yaml").write_text(yaml.safe_dump(kept, sort_keys=False), encoding="utf-8")
    fake = _exam(bank_dir, progress, ["s", "y"], resume=True)
    assert fake.code == 0, fake.text  # type: ignore[attr-defined]
    assert "1 question is no longer in the bank and was skipped" in fake.text
    assert re.search(r"Exam result: [01] of 3 correct \(\d+ %\); 1 answered", fake.text)


# ---------------------------------------------------------------- 15: typed exam limit
def test_new_exams_store_a_typed_limit(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    _exam(bank_dir, progress, ["q"], items=3, minutes=3, seed=1)
    start = next(e for e in _events(progress) if e["type"] == "session")
    assert start["limit_seconds"] == 180.0 and start["label"] == ""


def test_old_exam_with_its_limit_in_the_label_resumes_with_that_limit(
    bank_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    drawn = _drawn(bank_dir, 1, 3)
    old_start = {  # as written before `limit_seconds` existed: no such key at all
        "type": "session",
        "session": "oldexam00001",
        "at": "2026-02-01T09:00:00Z",
        "mode": "exam",
        "items": [[p.item_id, "".join(p.order)] for p in drawn],
        "label": "limit:300",
    }
    progress.write_text(
        json.dumps({"schema_version": 2, "created": "2026-02-01T09:00:00Z", "events": [old_start]})
    )
    fake = _exam(bank_dir, progress, ["q"], resume=True)
    assert fake.code == 130  # type: ignore[attr-defined]
    assert re.search(r"4 minutes 5\d seconds left", fake.text)  # 300 s, not the 2-hour default
    snap = [e for e in _events(progress) if e["type"] == "exam_state"][-1]
    assert snap["limit"] == 300.0 and snap["session"] == "oldexam00001"


# ---------------------------------------------------------------- one process per session
def test_a_session_cannot_be_resumed_twice_at_once(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    req = QuizRequest(count=4, seed=17, bank=bank_dir, progress=progress)
    assert start_quiz(FakeEnv(["a", "q"]).env, req) == 0
    b = _bank(bank_dir)
    store = ProgressStore(progress, clock=lambda: FROZEN)
    svc = PracticeService(b, store, clock=lambda: FROZEN, monotonic=lambda: 0.0)
    (u,) = svc.unfinished_quizzes(store.load())
    first, _ = svc.resume_drill(u)
    with first:
        with pytest.raises(SessionBusyError, match=r"already open in another peerprep process"):
            svc.resume_drill(u)
        fake = FakeEnv(["a"])
        with pytest.raises(SessionBusyError, match=r"pid \d+"):
            start_quiz(fake.env, QuizRequest(resume=True, bank=bank_dir, progress=progress))
    second, _ = svc.resume_drill(u)  # released: free to continue
    second.__exit__(None, None, None)


def test_a_running_new_quiz_is_claimed_from_its_first_answer(
    bank_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    b = _bank(bank_dir)
    store = ProgressStore(progress, clock=lambda: FROZEN)
    svc = PracticeService(b, store, clock=lambda: FROZEN, monotonic=lambda: 0.0)
    with svc.new_drill(_drawn(bank_dir, 19, 3), mode="quiz") as drill:
        drill.answer("A")
        (u,) = svc.unfinished_quizzes(store.load())
        with pytest.raises(SessionBusyError):
            svc.resume_drill(u)
    assert not list(tmp_path.glob("*.session-*"))  # claim files go with the session


def test_busy_resume_is_a_clear_error_through_the_cli(bank_dir: Path, sandbox_home: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["quiz", "--bank", str(bank_dir), "-n", "3"], input="a\nq\n")
    store = ProgressStore(sandbox_home / "progress.json")
    svc = PracticeService(_bank(bank_dir), store, clock=lambda: FROZEN, monotonic=lambda: 0.0)
    (u,) = svc.unfinished_quizzes(store.load())
    with svc.resume_drill(u)[0]:
        r = runner.invoke(app, ["quiz", "--bank", str(bank_dir), "--resume"])
    assert r.exit_code == 1 and "already open in another peerprep process" in r.stderr
