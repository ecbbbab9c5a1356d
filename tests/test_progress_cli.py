"""Progress through the CLI: saved answers, resume, drill modes, reports, export, reset."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.engine.draw import draw, present
from tests.conftest import WriteBank, items_for_all_tasks

runner = CliRunner()


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def bank_dir(write_bank: WriteBank) -> Path:
    return write_bank(a=items_for_all_tasks(2))


def right_letters(root: Path, seed: int, count: int) -> list[str]:
    bank = load_bank(root, load_blueprint())
    rng = random.Random(seed)
    return [
        p.shown_letter(bank.get(p.item_id).answer)
        for p in present(bank, draw(bank, rng, count=count), rng)
    ]


def wrong(letter: str) -> str:
    return "B" if letter == "A" else "A"


def progress_json(*args: str) -> dict[str, Any]:
    r = run("progress", "--json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["data"]  # type: ignore[no-any-return]


def test_path_follows_home_profile_and_override(sandbox_home: Path, tmp_path: Path) -> None:
    assert run("progress", "path").output.strip() == str(sandbox_home / "progress.json")
    assert run("progress", "path", "-p", "kim").output.strip() == str(
        sandbox_home / "progress-kim.json"
    )
    mine = tmp_path / "mine.json"
    assert run("progress", "path", "--progress", str(mine)).output.strip() == str(mine)


def test_quiz_answers_are_saved_and_reported(bank_dir: Path) -> None:
    right = right_letters(bank_dir, 11, 3)
    r = run(
        "quiz",
        "--bank",
        str(bank_dir),
        "--seed",
        "11",
        "-n",
        "3",
        input=f"{right[0]}\n{wrong(right[1])}\n{right[2]}\n",
    )
    assert r.exit_code == 0
    data = progress_json("--bank", str(bank_dir))
    assert (data["answers"], data["correct"], data["items_seen"]) == (3, 2, 3)
    (s,) = data["sessions"]
    assert (s["asked"], s["answered"], s["finished"]) == (3, 3, True)
    tried = [t for t in data["tasks"] if t["attempts"]]
    assert len(tried) == 3 and len(data["weakest"]) == 3
    one_right = next(t for t in tried if t["correct"] == 1)
    assert one_right["mean"] == pytest.approx(2 / 3)  # Beta(2, 1): one right is not 100 %
    assert one_right["high"] < 1.0


def test_profiles_are_separate(bank_dir: Path) -> None:
    run("quiz", "--bank", str(bank_dir), "-n", "1", "-p", "sam", input="a\n")
    assert progress_json("--bank", str(bank_dir), "-p", "sam")["answers"] == 1
    assert progress_json("--bank", str(bank_dir))["answers"] == 0


def test_interrupted_quiz_resumes_with_remaining_questions_in_order(bank_dir: Path) -> None:
    right = right_letters(bank_dir, 21, 5)
    r = run(
        "quiz",
        "--bank",
        str(bank_dir),
        "--seed",
        "21",
        "-n",
        "5",
        input=f"{right[0]}\n{right[1]}\n",
    )
    assert "Stopped after 2 of 5" in r.output and "--resume" in r.output
    r = run("quiz", "--bank", str(bank_dir), "--resume", input="\n".join(right[2:]) + "\n")
    assert r.exit_code == 0, r.output
    assert "Resuming: 2 answered, 3 to go." in r.output
    assert "Question 3 of 5" in r.output and "Score: 5/5" in r.output
    (s,) = progress_json("--bank", str(bank_dir))["sessions"]
    assert (s["answered"], s["finished"]) == (5, True)
    r = run("quiz", "--bank", str(bank_dir), "--resume")
    assert r.exit_code == 2 and "no unfinished quiz" in r.stderr


def test_missed_drills_only_items_last_answered_wrong(bank_dir: Path) -> None:
    right = right_letters(bank_dir, 31, 4)
    answers = [wrong(right[0]), right[1], wrong(right[2]), right[3]]
    run("quiz", "--bank", str(bank_dir), "--seed", "31", "-n", "4", input="\n".join(answers) + "\n")
    r = run("quiz", "--bank", str(bank_dir), "--missed", "-n", "10", input="q\n")
    assert "Stopped after 0 of 2" in r.output  # only the two missed items
    r = run("quiz", "--bank", str(bank_dir), "--missed", "--resume")
    assert r.exit_code == 2


def test_missed_with_nothing_missed_says_so(bank_dir: Path) -> None:
    r = run("quiz", "--bank", str(bank_dir), "--missed")
    assert r.exit_code == 0 and "No missed items" in r.output


def test_new_prefers_unseen_items(bank_dir: Path) -> None:
    run("quiz", "--bank", str(bank_dir), "-n", "100", "--seed", "1", input="a\n" * 100)
    assert progress_json("--bank", str(bank_dir))["items_seen"] == 100
    r = run("quiz", "--bank", str(bank_dir), "-n", "8", "--new", "--seed", "2", input="a\n" * 8)
    assert r.exit_code == 0
    assert progress_json("--bank", str(bank_dir))["items_seen"] == 108  # all 8 of 108 were new


def test_export_csv(bank_dir: Path, tmp_path: Path) -> None:
    run("quiz", "--bank", str(bank_dir), "-n", "2", input="a\nb\n")
    r = run("progress", "export", "--bank", str(bank_dir))
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert len(rows) == 2 and rows[0]["task"] and rows[0]["chosen"] in "ABCD"
    out = tmp_path / "h.csv"
    assert run("progress", "export", "--bank", str(bank_dir), "-o", str(out)).exit_code == 0
    r = run("progress", "export", "--bank", str(bank_dir), "-o", str(out))
    assert r.exit_code == 2 and "--force" in r.stderr
    assert (
        run("progress", "export", "--bank", str(bank_dir), "-o", str(out), "--force").exit_code == 0
    )


def test_reset_asks_and_keeps_a_backup(bank_dir: Path, sandbox_home: Path) -> None:
    run("quiz", "--bank", str(bank_dir), "-n", "1", input="a\n")
    r = run("progress", "reset", input="n\n")
    assert r.exit_code == 1 and (sandbox_home / "progress.json").exists()
    r = run("progress", "reset", input="y\n")
    assert r.exit_code == 0 and "Backed up to" in r.output
    assert not (sandbox_home / "progress.json").exists()
    assert list(sandbox_home.glob("progress.json.reset-*"))


def test_damaged_progress_is_reported_and_quiz_goes_on(bank_dir: Path, sandbox_home: Path) -> None:
    (sandbox_home / "progress.json").write_text("{oops")
    r = run("quiz", "--bank", str(bank_dir), "-n", "1", input="a\n")
    assert r.exit_code == 0
    assert "could not be read" in r.stderr and "progress.json.damaged-" in r.stderr
    assert progress_json("--bank", str(bank_dir))["answers"] == 1


def test_check_reports(bank_dir: Path, sandbox_home: Path) -> None:
    run("quiz", "--bank", str(bank_dir), "-n", "1", input="a\n")
    r = run("progress", "check", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["data"]["ok"] is True
    (sandbox_home / "progress.json").write_text("[]")
    r = run("progress", "check")
    assert r.exit_code == 1 and "damaged" in r.output


def test_progress_report_table(bank_dir: Path) -> None:
    run("quiz", "--bank", str(bank_dir), "-n", "3", input="a\nb\nc\n")
    r = run("progress", "show", "--bank", str(bank_dir))
    assert r.exit_code == 0
    for text in ("By domain", "8 times out of 10", "Weakest tasks", "Session scores"):
        assert text in r.output
    assert (
        "No answers recorded yet" in run("progress", "-p", "nobody", "--bank", str(bank_dir)).output
    )
