"""Defects an outside-style test pass found in issue 14's features, each pinned."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from peerprep import csvcells
from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.exams.forms import build_forms
from peerprep.exams.reports import _EMAIL
from peerprep.export.importers import from_gift
from tests.conftest import WriteBank, items_for_all_tasks

BP = load_blueprint()


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})


def test_csv_cells_show_control_characters_instead_of_sending_them() -> None:
    out = io.StringIO()
    csvcells.writer(out).writerow(["\x1b[31mRED\x1b[0m", "\x1b]0;pwned\x07", "two\nlines"])
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "␛[31mRED␛[0m" in text and "two\nlines" in text


def test_gift_format_marker_inside_an_answer_is_dropped() -> None:
    good, problems = from_gift(
        "::Q1::A question stem here {\n=%100%[html]<p>Listen first</p>#Good.\n"
        "~[markdown]Talk first #No.\n~Wait #No.\n####Why.\n}",
        "set.gift",
        BP,
        task="I1",
    )
    assert not problems, problems
    assert good[0]["options"] == {"A": "Listen first", "B": "Talk first", "C": "Wait"}


def test_build_summary_counts_what_the_forms_hold(write_bank: WriteBank) -> None:
    only_iv = [i for i in items_for_all_tasks(1) if i["task"].startswith("IV")][:9]
    bank = load_bank(write_bank(a=only_iv), BP, use_cache=False)
    fs = build_forms(bank, forms=1, items=10, seed=1)
    assert fs.per_domain == {"I": 0, "II": 0, "III": 0, "IV": 9}


def test_force_keeps_a_form_file_no_build_wrote(tmp_path: Path) -> None:
    out = tmp_path / "f"
    assert run("exam", "build", "-o", str(out), "--items", "5", "--forms", "2", "--format",
               "md").exit_code == 0  # fmt: skip
    (out / "form-9.pdf").write_bytes(b"%PDF-1.4 my own")
    r = run("exam", "build", "-o", str(out), "--items", "5", "--format", "md", "--force")
    assert r.exit_code == 0, r.output
    assert (out / "form-9.pdf").exists() and not (out / "form-2.md").exists()
    assert "left by an earlier build" in " ".join(r.output.split())


def test_only_real_addresses_go_to_the_email_columns() -> None:
    assert _EMAIL.fullmatch("ana.lopez@example.org")
    assert not _EMAIL.fullmatch("@cmd|calc") and not _EMAIL.fullmatch("a@b")


def test_large_print_forms_have_one_answer_sheet(tmp_path: Path) -> None:
    out = tmp_path / "f"
    r = run("exam", "build", "-o", str(out), "--items", "10", "--large-print")
    assert r.exit_code == 0, r.output
    from pypdf import PdfReader

    pages = [p.extract_text() for p in PdfReader(out / "form-1.pdf").pages]
    sheets = [p for p in pages if p.lstrip().startswith("Answer sheet")]
    assert len(sheets) == 1 and "large-print answer sheet" in " ".join(pages[0].split())
    assert json.loads((out / "form-1-key.json").read_text())["items"]


def test_scan_help_names_the_extra() -> None:
    r = run("exam", "scan", "-h")
    assert "peerprep[scan]" in r.output


# ---------------------------------------------------------------- candidate-side fixes
def test_a_closed_terminal_ends_a_session_like_ctrl_c() -> None:
    import os
    import signal

    import pytest

    from peerprep.practice import hangup_as_interrupt, interrupts_deferred

    old = signal.getsignal(signal.SIGHUP)
    try:
        hangup_as_interrupt()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGHUP)
        # during a save it is held until the write is done, then delivered
        done = []

        def save() -> None:
            with interrupts_deferred():
                os.kill(os.getpid(), signal.SIGHUP)
                done.append("write finished")

        with pytest.raises(KeyboardInterrupt):
            save()
        assert done == ["write finished"]
    finally:
        signal.signal(signal.SIGHUP, old)


def test_plan_refuses_a_date_years_away() -> None:
    r = run("plan", "--exam-date", "9999-12-31")
    assert r.exit_code == 2 and "is the year right?" in " ".join(r.stderr.split())


def test_ctrl_c_at_the_retry_offer_exits_130(write_bank: WriteBank, tmp_path: Path) -> None:
    from peerprep.cli.quiz import QuizRequest, start_quiz
    from tests.test_practice import FakeEnv, _right

    root = write_bank(a=items_for_all_tasks(2))
    wrong = ["A" if k != "A" else "B" for k in _right(root, 4, 1)]

    class Interrupting(FakeEnv):
        def ask(self, prompt: str) -> str:
            if prompt.startswith("Press r to retry"):
                raise KeyboardInterrupt
            return super().ask(prompt)

    fake = Interrupting([wrong[0], ""], tty=True)
    req = QuizRequest(count=1, seed=4, bank=root, progress=tmp_path / "p.json")
    assert start_quiz(fake.env, req) == 130


def test_feedback_puts_your_answer_and_the_best_last(write_bank: WriteBank, tmp_path: Path) -> None:
    from peerprep.cli.quiz import QuizRequest, start_quiz
    from tests.test_practice import FakeEnv, _right

    root = write_bank(a=items_for_all_tasks(2))
    key = _right(root, 4, 1)[0]
    wrong = "A" if key != "A" else "B"
    fake = FakeEnv([wrong, ""], tty=True)
    start_quiz(fake.env, QuizRequest(count=1, seed=4, bank=root, progress=tmp_path / "p.json"))
    feedback = fake.text.split("Not quite")[1].split("Enter:")[0]
    order = [line.strip()[0] for line in feedback.splitlines() if line.startswith("  ") and
             line.strip()[:1] in "ABCD" and line.strip()[1:3] == "  "]  # fmt: skip
    assert order[-2:] == [wrong, key] and sorted(order) == sorted("ABCD")


def test_percents_round_half_up() -> None:
    from peerprep.render import whole

    assert [whole(100 * k / 8) for k in (1, 3, 5, 7)] == [13, 38, 63, 88]


def test_missed_on_a_new_profile_says_nothing_is_answered_yet() -> None:
    r = run("quiz", "--missed")
    assert r.exit_code == 0 and "you have not answered any question" in r.output


def test_plain_exam_end_names_both_options_by_text(write_bank: WriteBank, tmp_path: Path) -> None:
    from peerprep.cli.exam import ExamRequest, start_exam
    from tests.test_practice import FakeEnv

    root = write_bank(a=items_for_all_tasks(2))
    fake = FakeEnv(["A", "A", "s", "y"], tty=False)
    req = ExamRequest(items=2, seed=1, plain=True, bank=root, progress=tmp_path / "p.json")
    assert start_exam(fake.env, req) == 0
    text = fake.text
    if "Your answer (A):" in text:  # at least one of the two was missed with A
        assert "Option " in text.split("Your answer (A):")[1].splitlines()[0]
    assert "Best answer (" in text


def test_a_bad_setting_is_reset_and_every_answer_kept(tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    where = ("--progress", str(progress))
    r = CliRunner().invoke(app, ["quiz", "-n", "3", "--no-pause", *where], input="A\nA\nA\n")
    assert r.exit_code == 0, r.output
    assert run("plan", "--exam-date", "2027-02-01", *where).exit_code == 0
    doc = json.loads(progress.read_text())
    answers = sum(e["type"] == "answer" for e in doc["events"])
    doc["settings"] |= {"exam_date": "2027-02-30", "minutes_a_day": True}
    progress.write_text(json.dumps(doc))
    before = progress.read_bytes()
    r = run("progress", *where)
    assert r.exit_code == 1 and "reset the bad setting(s)" in " ".join(r.stderr.split())
    assert progress.read_bytes() == before  # a read changes nothing
    r = run("progress", "check", *where)
    assert r.exit_code == 0 and "every answer was kept" in " ".join(r.output.split())
    after = json.loads(progress.read_text())
    assert sum(e["type"] == "answer" for e in after["events"]) == answers
    assert "exam_date" not in after["settings"]
    assert any(p.name.startswith("p.json.damaged-") for p in tmp_path.iterdir())


def test_a_home_that_is_a_file_is_refused_before_the_first_question(
    tmp_path: Path, monkeypatch: Any
) -> None:
    home = tmp_path / "afile"
    home.write_text("x")
    monkeypatch.setenv("PEERPREP_HOME", str(home))
    r = CliRunner().invoke(app, ["quiz", "-n", "1", "--no-pause"], input="A\n")
    assert r.exit_code == 2 and "is a file" in r.stderr and "Question 1" not in r.output


def test_a_value_the_parser_refuses_still_gives_a_json_envelope() -> None:
    for args in (["readiness", "--target", "abc", "--json"], ["exam", "report", "abc", "--json"]):
        r = run(*args)
        assert r.exit_code == 2
        envelope = json.loads(r.stdout)
        assert envelope["kind"] == "error" and envelope["data"]["exit_code"] == 2
    r = run("readiness", "--target", "abc")
    assert r.exit_code == 2 and r.stdout == ""
