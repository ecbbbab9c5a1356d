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
