"""Issue 13.2 and 13.8: plain words, one estimate format, whole counts, local times, and
help that puts the learner's options first.

Progress is seeded through the real quiz (FakeEnv, frozen clock); the commands then run
through the CLI with an Environment of a given width (80 or 100 columns) and clock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.cli.quiz import QuizRequest, start_quiz
from peerprep.engine import schedule
from peerprep.progress.store import ProgressStore
from tests.conftest import WriteBank, items_for_all_tasks
from tests.test_practice import FROZEN, FakeEnv

JARGON = ("Beta", "posterior", "FSRS", "blueprint-weighted", "UTC", "±")
ESTIMATE = re.compile(r"about \d+ %, likely \d+–\d+ %")
LONGEST = max((t for d in load_blueprint().domains for t in d.tasks), key=lambda t: len(t.text))


@pytest.fixture
def bank_dir(write_bank: WriteBank) -> Path:
    return write_bank(a=items_for_all_tasks(2))


@pytest.fixture
def progress(bank_dir: Path, tmp_path: Path) -> Path:
    """20 answers across the blueprint and 2 on the longest-named task, all at FROZEN,
    and one quiz left unfinished (1 of 3 answered)."""
    path = tmp_path / "p.json"
    runs: list[tuple[QuizRequest, list[str]]] = [
        (QuizRequest(count=20, seed=5, bank=bank_dir, progress=path), ["A"] * 20),
        (
            QuizRequest(count=2, tasks=[LONGEST.code], seed=1, bank=bank_dir, progress=path),
            ["B", "A"],
        ),
        (QuizRequest(count=3, seed=9, bank=bank_dir, progress=path), ["C"]),
    ]
    for req, replies in runs:
        assert start_quiz(FakeEnv(replies).env, req) == 0
    return path


def screen(cols: int, *, at: dt.datetime = FROZEN, replies: list[str] | None = None) -> FakeEnv:
    """A FakeEnv whose stdout is `cols` wide and whose clock reads `at`."""
    fake = FakeEnv(replies or [], tty=replies is not None)
    fake.env.stdout = Console(file=fake.out, width=cols, no_color=True, highlight=False)
    fake.env.clock = lambda: at
    return fake


def cli(fake: FakeEnv, *args: str) -> str:
    r = CliRunner().invoke(app, list(args), obj=fake.env)
    assert r.exit_code == 0, (r.output, fake.err.getvalue(), r.exception)
    return fake.text


def show(cmd: str, bank_dir: Path, progress: Path, cols: int, **kw: Any) -> str:
    return cli(
        screen(cols, **kw), *cmd.split(), "--bank", str(bank_dir), "--progress", str(progress)
    )


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The candidate lives in UTC+9 (no daylight saving): 12:00 UTC is 21:00 there."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _row(text: str, code: str) -> list[str]:
    """The cells of the table row whose first cell is `code`, its wrapped lines joined."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if not cells:
            continue
        if cells[0]:
            rows.append(cells)
        elif rows:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=False)]
    for cells in rows:
        if cells[0] == code:
            return cells
    raise AssertionError(f"no row {code!r} in:\n{text}")


# ---------------------------------------------------------------- 2: plain words
@pytest.mark.parametrize("cols", [80, 100])
def test_learner_output_has_no_statistics_jargon_nor_utc(
    bank_dir: Path, progress: Path, cols: int
) -> None:
    later = FROZEN + dt.timedelta(days=3)  # some reviews are due by then
    texts = {
        "study": show("study", bank_dir, progress, cols, replies=[]),
        "progress": show("progress", bank_dir, progress, cols),
        "readiness": show("readiness", bank_dir, progress, cols),
        "review": show("review -n 2", bank_dir, progress, cols, at=later, replies=[]),
        "quiz": show("quiz -n 1", bank_dir, progress, cols, replies=["n", "A", ""]),
    }
    assert "unfinished quiz from" in texts["quiz"]  # the resume offer is in what is checked
    assert "Question 1 of 1" in texts["quiz"]
    for cmd, text in texts.items():
        for word in JARGON:
            assert word not in text, f"{word!r} in {cmd} output:\n{text}"
    for cmd in ("study", "progress", "readiness"):
        assert ESTIMATE.search(" ".join(texts[cmd].split())), cmd


def test_the_method_stays_named_in_help() -> None:
    out = CliRunner().invoke(app, ["readiness", "--help"], env={"COLUMNS": "100"}).output
    assert "Beta posterior" in out and "80 %" in out
    out = CliRunner().invoke(app, ["review", "--help"], env={"COLUMNS": "100"}).output
    assert "FSRS" in out


def test_one_estimate_format_in_study_progress_and_readiness(
    bank_dir: Path, progress: Path
) -> None:
    # Every answer was given at FROZEN, so the recency weights (study, readiness) are 1 and
    # all three commands estimate one domain from the same evidence.
    study = " ".join(show("study -d II", bank_dir, progress, 100, replies=[]).split())
    found = re.search(r"Ethical Responsibility: (about \d+ %, likely \d+–\d+ %)", study)
    assert found, study
    said = found.group(1)
    prog = _row(show("progress", bank_dir, progress, 100), "II")
    ready = _row(show("readiness", bank_dir, progress, 100), "II")
    assert said in prog and said in ready
    # the legend says what "likely" is, truthfully: the 80 % interval
    for text in (study, show("progress", bank_dir, progress, 100)):
        assert "8 times out of 10" in " ".join(text.split())


def test_whole_answer_counts_in_readiness_and_its_json(bank_dir: Path, progress: Path) -> None:
    later = FROZEN + dt.timedelta(days=3, hours=5)  # weights below 1: 0.93...
    text = show("readiness", bank_dir, progress, 100, at=later)
    data = json.loads(
        cli(
            screen(100, at=later),
            "readiness",
            "--json",
            "--bank",
            str(bank_dir),
            "--progress",
            str(progress),
        )
    )["data"]
    plain = json.loads(show("progress --json", bank_dir, progress, 100))["data"]
    given = {d["code"]: (d["right"], d["answers"]) for d in plain["domains"]}
    assert sum(a for _, a in given.values()) == plain["answers"] == 23
    for d in data["domains"]:
        assert isinstance(d["answers"], int) and isinstance(d["right"], int)
        assert (d["right"], d["answers"]) == given[d["code"]]
        assert d["attempts"] < d["answers"]  # the estimate still weighs recent answers more
        right, answers = given[d["code"]]
        assert _row(text, d["code"])[2] == f"{right} of {answers}"
    assert isinstance(data["answers"], int)
    assert not re.search(r"\d\.\d{3,}", text)  # no 9.99971 anywhere a person reads


def test_same_data_and_clock_same_output_as_wall_time_passes(
    bank_dir: Path, progress: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import peerprep.progress.store as store_module

    outs = []
    for wall in (FROZEN + dt.timedelta(days=40), FROZEN + dt.timedelta(days=41, seconds=7)):
        monkeypatch.setattr(store_module, "utcnow", lambda wall=wall: wall)
        outs.append(
            (
                show("readiness", bank_dir, progress, 100),
                show("progress", bank_dir, progress, 100),
                show("readiness --json", bank_dir, progress, 100),
            )
        )
    assert outs[0] == outs[1]


# ---------------------------------------------------------------- 2: local times
def test_times_shown_are_local_and_saved_times_stay_utc(
    bank_dir: Path, progress: Path, tokyo: None
) -> None:
    offer = show("quiz -n 1", bank_dir, progress, 100, replies=["n", "A", ""])
    assert "unfinished quiz from 2026-03-01 21:" in offer  # started at 12:0x UTC
    history = show("progress", bank_dir, progress, 100)
    assert "2026-03-01 21:" in history and "2026-03-01 12:" not in history
    saved = json.loads(progress.read_text())["events"][0]["at"]
    assert saved.startswith("2026-03-01T12:") and saved.endswith(("Z", "+00:00"))


def test_review_names_the_next_due_time_in_local_time(
    write_bank: WriteBank, tmp_path: Path, tokyo: None
) -> None:
    root = write_bank(a=items_for_all_tasks(1))
    path = tmp_path / "p.json"
    _plant(path, {"T-I1-000": "2026-03-02T03:30:00+00:00"})
    out = " ".join(show("review", root, path, 100).split())
    assert "Nothing is due for review. The next is due 2026-03-02 12:30." in out


def test_due_today_means_the_local_day(tokyo: None) -> None:
    now = FROZEN  # 21:00 in Tokyo
    cards = {
        "a": {"due": "2026-03-01T14:00:00+00:00"},  # 23:00 local: today
        "b": {"due": "2026-03-01T16:00:00+00:00"},  # 01:00 local tomorrow, still 1 March UTC
    }
    assert schedule.due_counts(cards, now)["today"] == 1


# ---------------------------------------------------------------- review -n says the truth
def _plant(path: Path, dues: dict[str, str]) -> None:
    past = "2026-01-01T00:00:00+00:00"

    def plant(cards: dict[str, dict[str, Any]]) -> None:
        for item, due in dues.items():
            cards[item] = {
                "card_id": schedule.card_id(item),
                "state": 2,
                "step": None,
                "stability": 3.0,
                "difficulty": 5.0,
                "due": due,
                "last_review": past,
            }

    ProgressStore(path).append(on_cards=plant)


@pytest.mark.parametrize("cols", [80, 100])
def test_review_with_a_small_count_says_how_many_are_due(
    write_bank: WriteBank, tmp_path: Path, cols: int
) -> None:
    items = items_for_all_tasks(1)
    root = write_bank(a=items)
    path = tmp_path / "p.json"
    _plant(
        path, {it["id"]: f"2026-02-{1 + n:02d}T00:00:00+00:00" for n, it in enumerate(items[:22])}
    )
    out = " ".join(show("review -n 2", root, path, cols, replies=[]).split())
    assert "22 questions are due for review; reviewing the 2 oldest now" in out
    assert "item(s)" not in out
    out = " ".join(show("review -n 30", root, path, cols, replies=[]).split())
    assert "22 questions are due for review; reviewing them, oldest first." in out


# ---------------------------------------------------------------- 8: help, task names
LEARNER = {
    "quiz": "--count",
    "study": "--count",
    "review": "--count",
    "readiness": "--target",
    "exam": "--minutes",
    "progress": "--help",
}


@pytest.mark.parametrize("cols", ["80", "100"])
@pytest.mark.parametrize("cmd", sorted(LEARNER))
def test_help_puts_learner_options_first_and_files_in_their_own_panel(cmd: str, cols: str) -> None:
    out = CliRunner().invoke(app, [cmd, "-h"], env={"COLUMNS": cols}).output
    assert "<bool>" not in out and "<" not in out.split("Usage:")[1].split("\n", 1)[1]
    options, files = out.index("─ Options ─"), out.index("─ Files ─")
    assert options < out.index(LEARNER[cmd]) < files
    for opt in ("--bank", "--progress", "--profile", "--domains"):
        assert out.index(opt) > files, opt
    if cmd in ("quiz", "study", "review", "exam"):
        assert out.index("--seed") > files


def test_no_bool_noise_in_any_help() -> None:
    for args in (["-h"], ["bank", "validate", "-h"], ["progress", "reset", "-h"]):
        out = CliRunner().invoke(app, args, env={"COLUMNS": "80"}).output
        assert "<bool>" not in out, args
    out = CliRunner().invoke(app, ["bank", "validate", "-h"], env={"COLUMNS": "100"}).output
    assert out.index("--no-cache") > out.index("─ Files ─")


@pytest.mark.parametrize("cols", [80, 100])
def test_a_long_task_name_is_whole(bank_dir: Path, progress: Path, cols: int) -> None:
    text = show("progress", bank_dir, progress, cols)
    assert len(LONGEST.text) > 100  # the blueprint's longest, wider than the column
    assert _row(text, LONGEST.code)[1] == LONGEST.text
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= cols
