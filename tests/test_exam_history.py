"""Issue 13.2-13.3: one exam score everywhere, `exam history`, `exam report`."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.progress.exams import past_exams
from peerprep.progress.history import History
from peerprep.render import InertConsole, Renderer
from peerprep.results import ExamReport
from tests.conftest import WriteBank, items_for_all_tasks


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "80"})


@pytest.fixture
def setup(write_bank: WriteBank, tmp_path: Path) -> tuple[Path, Path]:
    return write_bank(a=items_for_all_tasks(2)), tmp_path / "p.json"


def _exam(root: Path, progress: Path, keys: str, *, items: int, seed: int) -> None:
    """A plain-mode exam: answer with `keys` (one letter per question, '-' = skip), submit."""
    lines = ["n" if k == "-" else k for k in keys] + ["s", "y"]
    r = run(
        "exam", "--plain", "--items", str(items), "--seed", str(seed),
        "--bank", str(root), "--progress", str(progress), input="\n".join(lines) + "\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.output


def _data(*args: str) -> Any:
    r = run(*args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["data"]


def test_exam_score_is_over_all_items_everywhere(setup: tuple[Path, Path]) -> None:
    root, progress = setup
    _exam(root, progress, "AA---", items=5, seed=1)  # 2 answered, 3 blank
    where = ("--bank", str(root), "--progress", str(progress))
    hist = _data("exam", "history", *where)["exams"]
    assert len(hist) == 1 and hist[0]["items"] == 5 and hist[0]["answered"] == 2
    correct = hist[0]["correct"]
    assert hist[0]["percent"] == round(100 * correct / 5, 1)
    sessions = [s for s in _data("progress", *where)["sessions"] if s["mode"] == "exam"]
    assert sessions[0]["scored_over"] == 5
    assert sessions[0]["percent"] == pytest.approx(100 * correct / 5)
    report = _data("exam", "report", "1", *where)
    assert report["correct"] == correct and report["items"] == 5
    assert (
        sum(d["items"] for d in report["by_domain"]) == 5
        and "answered" not in report["by_domain"][0]
    )  # blanks counted as wrong
    text = run("progress", *where).output
    assert f"{correct}/5" in text and f"{correct}/2" not in text


def test_history_lists_every_exam_newest_first_with_time_used(setup: tuple[Path, Path]) -> None:
    root, progress = setup
    _exam(root, progress, "A--", items=3, seed=1)
    _exam(root, progress, "BBBB", items=4, seed=2)
    out = run("exam", "history", "--bank", str(root), "--progress", str(progress)).output
    rows = [line.split()[0] for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert rows == ["2", "1"]
    assert "Time used" in out and " of 0:" in out  # a short exam: minutes of its limit
    assert "exam report N" in out


def test_report_shows_missed_items_with_choice_key_and_why(setup: tuple[Path, Path]) -> None:
    root, progress = setup
    _exam(root, progress, "-", items=1, seed=3)
    where = ("--bank", str(root), "--progress", str(progress))
    out = " ".join(run("exam", "report", "--last", *where).output.split())
    assert "Score: 0 of 1 correct (0 %); 0 answered, 1 left blank." in out
    assert "Your answer: none (left blank)" in out
    assert "Best answer (" in out and "Why: Because." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("exam", "report", "1"), "no mock exam has been submitted yet"),
        (("exam", "report", "1", "--last"), "an exam number or --last, not both"),
    ],
)
def test_report_refusals(setup: tuple[Path, Path], args: tuple[str, ...], message: str) -> None:
    root, progress = setup
    r = run(*args, "--bank", str(root), "--progress", str(progress))
    assert r.exit_code == 2 and message in r.stderr


def test_report_of_a_missing_number_names_the_range(setup: tuple[Path, Path]) -> None:
    root, progress = setup
    _exam(root, progress, "A", items=1, seed=3)
    r = run("exam", "report", "4", "--bank", str(root), "--progress", str(progress))
    assert r.exit_code == 2 and "there is no exam 4; you have exams 1 to 1" in r.stderr


def test_empty_history_says_how_to_start(setup: tuple[Path, Path]) -> None:
    root, progress = setup
    r = run("exam", "history", "--bank", str(root), "--progress", str(progress))
    assert r.exit_code == 0 and "No mock exam submitted yet" in r.output


def _events(items: list[str]) -> list[dict[str, Any]]:
    at = "2026-03-01T12:00:00+00:00"
    order = [(i, "ABCD") for i in items]
    return [
        {"type": "session", "session": "old", "at": at, "mode": "exam", "items": order,
         "limit_seconds": 600},
        {"type": "exam_state", "session": "old", "at": at, "elapsed": 60, "limit": 600,
         "answers": {}, "flagged": []},
        {"type": "session_end", "session": "old", "at": at},
        {"type": "session", "session": "new", "at": at, "mode": "exam", "items": order[1:],
         "label": "resumed:old", "limit_seconds": 600},
        {"type": "answer", "session": "new", "at": at, "item": items[1], "chosen": "A",
         "correct": True, "seconds": 0.0, "mode": "exam"},
        {"type": "exam_state", "session": "new", "at": at, "elapsed": 300, "limit": 600,
         "answers": {"0": "A"}, "flagged": []},
        {"type": "session_end", "session": "new", "at": at},
    ]  # fmt: skip


def test_an_exam_continued_after_a_bank_edit_is_reported_once(write_bank: WriteBank) -> None:
    bank = load_bank(write_bank(a=items_for_all_tasks(1)), load_blueprint(), use_cache=False)
    ids = sorted(bank.ids)[:3]
    exams = past_exams(History(_events(ids), settings={}), bank)
    assert [(e.session, e.items, e.seconds_used) for e in exams] == [("new", 2, 300.0)]
    assert exams[0].started == dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def _long_report(write_bank: WriteBank) -> ExamReport:
    bank = load_bank(write_bank(a=items_for_all_tasks(1)), load_blueprint(), use_cache=False)
    ids = sorted(bank.ids)[:12]
    events = [e for e in _events(ids) if e["session"] == "old"]
    return ExamReport(past_exams(History(events, settings={}), bank)[0], bank)


def test_a_long_report_goes_through_the_pager_on_a_terminal(
    write_bank: WriteBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr("rich.pager.SystemPager.show", lambda self, content: shown.append(content))
    out = io.StringIO()
    console = InertConsole(file=out, width=80, height=24, force_terminal=True)
    Renderer(console).report("exam.report", _long_report(write_bank))
    assert len(shown) == 1 and "Questions to review (12)" in shown[0]
    assert out.getvalue() == ""


def test_a_report_in_a_pipe_is_never_paged(
    write_bank: WriteBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rich.pager.SystemPager.show", lambda self, content: pytest.fail("paged"))
    out = io.StringIO()
    Renderer(Console(file=out, width=80, height=24)).report("exam.report", _long_report(write_bank))
    assert "Questions to review (12)" in out.getvalue()
