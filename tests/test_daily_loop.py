"""Issue 13: the candidate's daily loop (feedback that stays on screen, retry missed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.cli import app
from peerprep.cli.quiz import QuizRequest, start_quiz
from tests.conftest import WriteBank, items_for_all_tasks
from tests.test_practice import FakeEnv, _bank, _drawn, _right


@pytest.fixture
def bank_dir(write_bank: WriteBank) -> Path:
    return write_bank(a=items_for_all_tasks(2))


def _wrong(root: Path, seed: int, count: int) -> list[str]:
    b = _bank(root)
    out = []
    for p in _drawn(root, seed, count):
        key = p.shown_letter(b.get(p.item_id).answer)
        out.append("A" if key != "A" else "B")
    return out


# ---------------------------------------------------------------- 1: feedback stays
def test_feedback_waits_for_enter_at_a_terminal_and_names_choices_in_words(
    bank_dir: Path, tmp_path: Path
) -> None:
    right = _right(bank_dir, 3, 2)
    wrong = _wrong(bank_dir, 3, 2)
    fake = FakeEnv([wrong[0], "", right[1], ""], tty=True)
    req = QuizRequest(count=2, seed=3, bank=bank_dir, progress=tmp_path / "p.json")
    assert start_quiz(fake.env, req) == 0
    text = fake.text
    # the pause prompt repeats the verdict in words, then waits (one per question)
    assert text.count("Enter: next question, q: stop") == 1
    assert text.count("Enter: your score, q: stop") == 1
    assert f"Not quite: you chose {wrong[0]}; the best answer is {right[0]}." in text
    assert f"Correct: you chose {right[1]}, the best answer." in text
    # every option's text is beside its explanation, the two that matter named in words
    b = _bank(bank_dir)
    first = b.get(_drawn(bank_dir, 3, 2)[0].item_id)
    flat = " ".join(text.split())
    assert f"{first.options[first.answer]} (best answer)" in flat
    chosen_key = _drawn(bank_dir, 3, 2)[0].original_key(wrong[0])
    assert f"{first.options[chosen_key]} (your answer)" in flat
    assert "Why not:" in text and "Why:" in text
    assert "Score: 1/2" in text


def test_q_at_the_pause_stops_and_keeps_the_answer(bank_dir: Path, tmp_path: Path) -> None:
    right = _right(bank_dir, 3, 3)
    fake = FakeEnv([right[0], "q"], tty=True)
    req = QuizRequest(count=3, seed=3, bank=bank_dir, progress=tmp_path / "p.json")
    assert start_quiz(fake.env, req) == 0
    assert "Stopped after 1 of 3 questions." in fake.text and "Score: 1/1" in fake.text


@pytest.mark.parametrize(("tty", "pause"), [(False, True), (True, False)])
def test_no_pause_when_input_is_not_a_terminal_or_asked(
    bank_dir: Path, tmp_path: Path, tty: bool, pause: bool
) -> None:
    right = _right(bank_dir, 3, 2)
    fake = FakeEnv(list(right), tty=tty)
    req = QuizRequest(count=2, seed=3, bank=bank_dir, progress=tmp_path / "p.json", pause=pause)
    assert start_quiz(fake.env, req) == 0
    assert "Enter:" not in fake.text and "Score: 2/2" in fake.text


def test_no_pause_option_on_every_drill_command() -> None:
    for cmd in ("quiz", "study", "review"):
        res = CliRunner().invoke(app, [cmd, "--help"], env={"COLUMNS": "200"})
        assert "--no-pause" in res.output, cmd


# ---------------------------------------------------------------- 3: retry missed now
def test_end_lists_missed_and_r_retries_only_them(bank_dir: Path, tmp_path: Path) -> None:
    right = _right(bank_dir, 4, 3)
    wrong = _wrong(bank_dir, 4, 3)
    b = _bank(bank_dir)
    drawn = _drawn(bank_dir, 4, 3)
    missed = [drawn[0].item_id, drawn[2].item_id]
    # retry round: option order is random, so answer by reading the prompt's question
    replies: list[Any] = [wrong[0], "", right[1], "", wrong[2], "", "r"]
    fake = FakeEnv(replies, tty=True)
    req = QuizRequest(count=3, seed=4, bank=bank_dir, progress=tmp_path / "p.json")
    assert start_quiz(fake.env, req) == 0  # the retry round ends at end of input
    text = fake.text
    assert "Missed in this session (2):" in text
    assert "Press r to retry the 2 missed now, or Enter to finish:" in text
    after = text.split("Press r to retry")[1]
    shown = re.findall(r"Question 1 of (\d+)", after)
    assert shown == ["2"]
    stems = [" ".join(b.get(i).stem.split())[:40] for i in missed]
    assert " ".join(after.split()).count(stems[0]) + " ".join(after.split()).count(stems[1]) >= 1


def test_enter_at_the_retry_offer_finishes(bank_dir: Path, tmp_path: Path) -> None:
    wrong = _wrong(bank_dir, 4, 1)
    fake = FakeEnv([wrong[0], "", ""], tty=True)
    req = QuizRequest(count=1, seed=4, bank=bank_dir, progress=tmp_path / "p.json")
    assert start_quiz(fake.env, req) == 0
    assert fake.text.count("Question 1 of 1") == 1


# ---------------------------------------------------------------- 6: forgiving input
def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "200"})


def test_task_without_count_gives_all_its_items(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(9))
    r = run("quiz", "--bank", str(root), "-t", "ii9", "--no-pause", input="A\n" * 9)
    assert r.exit_code == 0, r.output
    assert "Task II9 has 9 items: all are asked." in r.output
    assert "Question 9 of 9" in r.output


@pytest.mark.parametrize("given", ["2", "II", "ii", "ethical", "Eth", "domain 2", "Domain II"])
def test_domain_by_number_code_or_name_prefix(write_bank: WriteBank, given: str) -> None:
    root = write_bank(a=items_for_all_tasks(1))
    r = run("quiz", "--bank", str(root), "-d", given, "-n", "1", "--no-pause", input="A\n")
    assert r.exit_code == 0, r.output
    assert "Ethical Responsibility · II" in r.output


@pytest.mark.parametrize(
    ("cmd", "given"), [("quiz", "5"), ("quiz", "V"), ("study", "5"), ("study", "x")]
)
def test_every_domain_refusal_lists_the_choices(cmd: str, given: str) -> None:
    r = run(cmd, "-d", given)
    assert r.exit_code == 2
    err = " ".join(r.stderr.split())
    assert f"unknown domain '{given}'" in err
    for choice in ("I or 1 (Advocacy)", "II or 2 (Ethical Responsibility)", "IV or 4"):
        assert choice in err


def test_unknown_task_lists_the_ranges() -> None:
    r = run("quiz", "-t", "II16")
    assert r.exit_code == 2
    assert "task codes are I1-I11, II1-II15, III1-III14, IV1-IV14" in " ".join(r.stderr.split())


def test_small_bank_quiz_draws_what_exists_and_says_how(write_bank: WriteBank) -> None:
    items = [i for i in items_for_all_tasks(1) if not i["task"].startswith("II")][:5]
    items.append(items_for_all_tasks(1)[11])  # one item in domain II
    root = write_bank(a=items)
    r = run("quiz", "--bank", str(root), "-n", "6", "--no-pause", input="A\n" * 6)
    assert r.exit_code == 0, r.output
    assert "Question 6 of 6" in r.output
    flat = " ".join(r.output.split())
    assert "departs from the blueprint" in flat
    r = run("quiz", "--bank", str(root), "-n", "10", "--no-pause", input="A\n" * 6)
    assert r.exit_code == 0 and "The bank has 6 items: all 6 are asked, not 10." in r.output


@pytest.mark.parametrize(("given", "saved"), [("75%", 75.0), ("75 %", 75.0), ("62.5", 62.5)])
def test_target_accepts_a_percent_sign(given: str, saved: float) -> None:
    r = run("readiness", "--target", given, "--json")
    assert r.exit_code == 0, r.output
    assert f"{saved:g}" in r.output


@pytest.mark.parametrize("given", ["abc", "0", "101", "nan"])
def test_target_refusal_names_the_form(given: str) -> None:
    r = run("readiness", "--target", given)
    assert r.exit_code == 2 and "percent from 1 to 100" in r.stderr


# ---------------------------------------------------------------- 3: retry after an exam
def test_exam_end_offers_the_missed_items_as_a_quiz(bank_dir: Path, tmp_path: Path) -> None:
    from peerprep.cli.exam import ExamRequest, start_exam

    progress = tmp_path / "p.json"
    # blank exam, submitted: both items missed; r retries them with feedback
    fake = FakeEnv(["s", "y", "r", "A", "", "A", ""], tty=True)
    req = ExamRequest(items=2, seed=1, plain=True, bank=bank_dir, progress=progress)
    assert start_exam(fake.env, req) == 0
    text = fake.text
    assert "Press r to retry the 2 missed now, or Enter to finish:" in text
    after = text.split("Press r to retry")[1]
    assert "Question 2 of 2" in after and "Score:" in after
    modes = [e["mode"] for e in _events_of(progress) if e["type"] == "session"]
    assert modes == ["exam", "quiz"]


def test_exam_end_without_a_terminal_does_not_ask(bank_dir: Path, tmp_path: Path) -> None:
    from peerprep.cli.exam import ExamRequest, start_exam

    fake = FakeEnv(["s", "y"], tty=False)
    req = ExamRequest(items=2, seed=1, plain=True, bank=bank_dir, progress=tmp_path / "p.json")
    assert start_exam(fake.env, req) == 0
    assert "retry" not in fake.text


def _events_of(progress: Path) -> list[dict[str, Any]]:
    import json

    return list(json.loads(progress.read_text())["events"])
