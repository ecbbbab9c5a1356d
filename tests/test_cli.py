"""The commands as a user runs them, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep import __version__
from peerprep.cli import app
from tests.conftest import WriteBank, item, items_for_all_tasks

runner = CliRunner()


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


def test_version_and_help() -> None:
    assert run("--version").output.strip() == f"peerprep {__version__}"
    for args in (["-h"], ["bank", "-h"], ["quiz", "-h"], ["bank", "validate", "-h"]):
        r = run(*args)
        assert r.exit_code == 0 and "Usage" in r.output


def test_domains_json_lists_54_tasks() -> None:
    r = run("domains", "--json")
    assert r.exit_code == 0
    out = json.loads(r.output)
    assert out["kind"] == "domains" and out["format"] == 1
    data = out["data"]
    assert sum(len(d["tasks"]) for d in data["domains"]) == 54
    assert "PROVISIONAL" in data["weights"]["source"]


def test_domains_table() -> None:
    r = run("domains")
    assert r.exit_code == 0
    assert (
        "Ethical Responsibility" in r.output and "27.8 %" in r.output and "PROVISIONAL" in r.output
    )


def test_validate_ok_and_json(write_bank: WriteBank) -> None:
    root = write_bank(a=[item()])
    r = run("bank", "validate", str(root))
    assert r.exit_code == 0 and "1 items valid" in r.output
    r = run("bank", "validate", str(root), "--json")
    assert json.loads(r.output)["data"] == {
        "valid": True,
        "items": 1,
        "source": str(root),
        "problems": [],
    }


def test_validate_reports_every_problem_and_exits_2(write_bank: WriteBank) -> None:
    root = write_bank(a=[item(answer="E"), item(id="b", task="I99")])
    r = run("bank", "validate", str(root))
    assert r.exit_code == 2
    assert f"{root / 'a.yaml'}:10: answer: E is not one of the options" in r.stderr
    assert f"{root / 'a.yaml'}:21: task: unknown task code 'I99'" in r.stderr
    assert "error: question bank is invalid: 2 problems" in r.stderr
    assert "Traceback" not in r.output
    r = run("bank", "validate", str(root), "--json")
    assert r.exit_code == 2
    problems = json.loads(r.stdout)["data"]["problems"]
    assert [(p["line"], p["field"]) for p in problems] == [(10, "answer"), (21, "task")]


def test_missing_bank_is_a_clear_usage_error(tmp_path: Path) -> None:
    r = run("bank", "validate", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "bank not found" in r.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    r = run("--debug", "bank", "validate", str(tmp_path / "nope"))
    assert r.exit_code == 1 and r.exception is not None


def test_stats_flags_thin_tasks(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    r = run("bank", "stats", str(root), "--json")
    data = json.loads(r.output)["data"]
    assert data["total"] == 108 and len(data["thin_tasks"]) == 54
    assert data["answer_letters"] == {"A": 54, "B": 54, "C": 0, "D": 0}
    r = run("bank", "stats", str(root), "--min", "2")
    assert r.exit_code == 0 and "Answer-key letters" in r.output and "fewer than 2" in r.output


@pytest.mark.parametrize("columns", ["50", "80"])
def test_stats_never_cuts_task_codes_on_a_narrow_terminal(
    write_bank: WriteBank, columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    root = write_bank(a=items_for_all_tasks(1))
    r = run("bank", "stats", str(root))
    assert r.exit_code == 0
    rows = [line.split("│")[1].strip() for line in r.output.splitlines() if line.count("│") >= 4]
    for code in ("I11", "II15", "III14", "IV14"):
        assert code in rows, f"{code} cut at {columns} columns"
    assert all(len(line) <= int(columns) for line in r.output.splitlines())


def _answers_for(root: Path, seed: int, count: int) -> list[str]:
    """The right shown letters for a seeded quiz, computed the way the quiz draws."""
    import random

    from peerprep.bank import load_bank
    from peerprep.blueprint import load_blueprint
    from peerprep.engine.draw import draw, present

    bank = load_bank(root, load_blueprint())
    rng = random.Random(seed)
    ps = present(bank, draw(bank, rng, count=count), rng)
    return [p.shown_letter(bank.get(p.item_id).answer) for p in ps]


def test_quiz_full_run_scores_by_domain(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    right = _answers_for(root, 5, 4)
    wrong = next(x for x in "ABCD" if x != right[3])
    r = run(
        "quiz",
        "--bank",
        str(root),
        "--seed",
        "5",
        "-n",
        "4",
        input="\n".join([*right[:3], wrong]) + "\n",
    )
    assert r.exit_code == 0, r.output
    assert r.output.count("✓ Correct") == 3 and r.output.count("✗ Not quite") == 1
    assert "Score: 3/4 (75 %)" in r.output
    assert "scaled score" in r.output  # never a pass prediction


def test_quiz_reprompts_on_invalid_letters(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    right = _answers_for(root, 1, 1)
    r = run("quiz", "--bank", str(root), "--seed", "1", "-n", "1", input=f"x\nE\n\n{right[0]}\n")
    assert r.exit_code == 0
    assert r.output.count("Please type one of A/B/C/D") == 3
    assert "Score: 1/1" in r.output


def test_quiz_eof_ends_cleanly_with_score_so_far(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    right = _answers_for(root, 2, 5)
    r = run(
        "quiz", "--bank", str(root), "--seed", "2", "-n", "5", input=f"{right[0]}\n{right[1]}\n"
    )
    assert r.exit_code == 0
    assert "Stopped after 2 of 5 questions" in r.output and "Score: 2/2" in r.output


def test_quiz_q_stops(write_bank: WriteBank) -> None:
    r = run("quiz", "--bank", str(write_bank(a=items_for_all_tasks(2))), "-n", "3", input="q\n")
    assert r.exit_code == 0 and "Stopped after 0 of 3" in r.output


def test_quiz_wraps_options_under_their_own_text(
    write_bank: WriteBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    r = run("quiz", "--bank", str(write_bank(a=items_for_all_tasks(1))), "-n", "1", input="q\n")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  A  Option"))
    # The synthetic option is longer than 40 columns, so it wraps; the rest of it is
    # indented past the letter instead of starting at the left edge.
    assert lines[first + 1].startswith("     ") and lines[first + 1].strip()


def test_quiz_ctrl_c_exits_130_with_score(
    write_bank: WriteBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    right = _answers_for(root, 3, 3)
    replies = iter([right[0]])

    def fake_input(self: object, prompt: str = "", **_: object) -> str:
        try:
            return next(replies)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr("rich.console.Console.input", fake_input)
    r = run("quiz", "--bank", str(root), "--seed", "3", "-n", "3")
    assert r.exit_code == 130
    assert "Stopped after 1 of 3" in r.output and "Score: 1/1" in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--domain", "V"], "unknown domain 'V'"),
        (["--task", "II99"], "unknown task code II99"),
        (["--domain", "I", "--task", "I1"], "--domain or --task, not both"),
    ],
)
def test_quiz_bad_options_exit_2(write_bank: WriteBank, args: list[str], message: str) -> None:
    r = run("quiz", "--bank", str(write_bank(a=items_for_all_tasks(2))), *args)
    assert r.exit_code == 2 and message in r.stderr


def test_quiz_count_zero_is_a_usage_error() -> None:
    r = run("quiz", "-n", "0")
    assert r.exit_code == 2


def test_other_blueprint_file(tmp_path: Path, write_bank: WriteBank) -> None:
    src = (Path(__file__).parents[1] / "domains.yaml").read_text()
    custom = tmp_path / "mine.yaml"
    custom.write_text(src.replace("weight: 11", "weight: 40"))
    r = run("domains", "--domains", str(custom), "--json")
    assert json.loads(r.output)["data"]["shares"]["I"] == pytest.approx(40 / 83)
