"""Mock exams: forms, printable PDFs/Markdown, the exam state machine, and grading."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from peerprep.bank import Bank, load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.engine.draw import draw, present
from peerprep.exams.forms import build_forms, key_document
from peerprep.exams.grade import FormKey, grade, read_responses
from peerprep.exams.printable import form_data, render_markdown, render_pdf
from peerprep.exams.session import ExamSession
from tests.conftest import WriteBank, item, items_for_all_tasks

BP = load_blueprint()
runner = CliRunner()


@pytest.fixture
def bank(write_bank: WriteBank) -> Bank:
    return load_bank(write_bank(a=items_for_all_tasks(3)), BP)  # 162 items: 33/45/42/42


# ---------------------------------------------------------------- forms
def test_forms_follow_the_blueprint_and_overlap_little(bank: Bank) -> None:
    fs = build_forms(bank, forms=2, items=75, seed=3)
    for form in fs.forms:
        assert len(set(form.ids)) == 75
        per_domain: dict[str, int] = {}
        for i in form.ids:
            d = BP.domain_of(bank.get(i).task).code
            per_domain[d] = per_domain.get(d, 0) + 1
        assert per_domain == {"I": 15, "II": 21, "III": 20, "IV": 19}
    assert fs.overlap()["max"] == 0  # 162 items hold two disjoint 75-item forms
    three = build_forms(bank, forms=3, items=75, seed=3)
    max_shared = three.overlap()["max"]
    assert isinstance(max_shared, int) and max_shared > 0  # three cannot be disjoint: reported
    again = build_forms(bank, forms=2, items=75, seed=3)
    assert [f.items for f in again.forms] == [f.items for f in fs.forms]


def test_too_small_a_bank_builds_what_it_can_and_says_how(write_bank: WriteBank) -> None:
    small = load_bank(write_bank(a=items_for_all_tasks(1)), BP)  # 11/15/14/14
    fs = build_forms(small, forms=1, items=75, seed=1)
    assert len(fs.forms[0].items) == 54 and sum(fs.per_domain.values()) == 54
    assert fs.notes == ("the bank has 54 items: all 54 are asked, not 75.",)


def test_key_document_records_shown_keys(bank: Bank) -> None:
    fs = build_forms(bank, forms=1, items=10, seed=5)
    doc = key_document(bank, fs.forms[0], title="T", seed=5)
    key = FormKey.model_validate(doc)
    for row, p in zip(key.items, fs.forms[0].items, strict=True):
        assert row.key == p.shown_letter(bank.get(p.item_id).answer)


# ---------------------------------------------------------------- printing
def _pdf_text(blob: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(blob)).pages)


def test_pdf_prints_markup_characters_literally(write_bank: WriteBank) -> None:
    tricky = "A #hash, $dollar$, *star*, <angle>, ]bracket and @at sign: what should happen?"
    items = [
        item(
            id="T-1",
            stem=tricky,
            options={
                "A": "Option #1 with $x$",
                "B": "Option *two*",
                "C": "Option <three>",
                "D": "Option @four]",
            },
        )
    ]
    b = load_bank(write_bank(a=items), BP)
    rng = random.Random(0)
    form = build_forms.__globals__["Form"](1, present(b, ["T-1"], rng, shuffle_options=False))
    text = _pdf_text(render_pdf(form_data(b, form, title="Tricky", minutes=5, kind="form")))
    flat = " ".join(text.split())
    assert tricky in flat
    for opt in ("Option #1 with $x$", "Option *two*", "Option <three>", "Option @four]"):
        assert opt in flat


def test_form_and_key_pdfs_hold_every_item_in_order(bank: Bank) -> None:
    form = build_forms(bank, forms=1, items=12, seed=9).forms[0]
    text = " ".join(
        _pdf_text(render_pdf(form_data(bank, form, title="T", minutes=20, kind="form"))).split()
    )
    pos = -1
    for p in form.items:
        q = bank.get(p.item_id)
        for key in p.order:
            at = text.find(" ".join(q.options[key].split()), pos + 1)
            assert at > pos, (q.id, key)
            pos = at
    assert "Answer sheet" in text and "Name:" in text
    key_text = " ".join(
        _pdf_text(render_pdf(form_data(bank, form, title="T", minutes=20, kind="key"))).split()
    )
    for n, p in enumerate(form.items, start=1):
        q = bank.get(p.item_id)
        assert f"{n} {p.shown_letter(q.answer)} {q.task}" in key_text


def test_markdown_form_and_key(bank: Bank) -> None:
    form = build_forms(bank, forms=1, items=4, seed=2).forms[0]
    md = render_markdown(form_data(bank, form, title="T", minutes=6, kind="form"))
    assert md.count("- **A**") == 4 and "## Answer sheet" in md
    key = render_markdown(form_data(bank, form, title="T", minutes=6, kind="key"))
    assert "## Rationales" in key


def test_exam_build_cli(bank: Bank, write_bank: WriteBank, tmp_path: Path) -> None:
    out = tmp_path / "forms"
    args = [
        "exam",
        "build",
        "--bank",
        str(bank.source),
        "-o",
        str(out),
        "--forms",
        "2",
        "--items",
        "20",
        "--seed",
        "4",
        "--json",
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)["data"]
    assert data["overlap"]["max"] == 0 and len(data["files"]) == 6
    assert (out / "form-2.pdf").read_bytes()[:4] == b"%PDF"
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "--force" in r.stderr
    first = (out / "form-1.pdf").read_bytes()
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert (out / "form-1.pdf").read_bytes() == first  # same seed, same bytes
    r = runner.invoke(
        app,
        [
            "exam",
            "build",
            "--bank",
            str(bank.source),
            "-o",
            str(tmp_path / "md"),
            "--format",
            "md",
            "--items",
            "8",
        ],
    )
    assert r.exit_code == 0 and (tmp_path / "md" / "form-1-key.md").exists()


# ---------------------------------------------------------------- exam session
class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _session(bank: Bank, n: int = 6, **kw: Any) -> ExamSession:
    rng = random.Random(1)
    return ExamSession(bank, present(bank, draw(bank, rng, count=n), rng), **kw)


def test_answer_in_any_order_change_flag_and_review(bank: Bank) -> None:
    changes: list[int] = []
    s = _session(bank, limit_seconds=600, on_change=lambda x: changes.append(len(x.answers)))
    s.goto(4)
    s.answer("B")
    s.goto(1)
    s.answer("A")
    s.answer("C")  # changed
    s.toggle_flag(3)
    assert s.answers == {4: "B", 1: "C"} and s.unanswered() == [0, 2, 3, 5]
    assert s.flagged_list() == [3]
    s.clear(4)
    assert 4 in s.unanswered() and changes == [1, 2, 2, 2, 1]
    res = s.submit()
    assert res.answered == 1 and res.report.answered == 6  # blanks count as wrong
    with pytest.raises(RuntimeError):
        s.answer("A")


def test_time_runs_out_and_resume_keeps_time_left(bank: Bank) -> None:
    clock = FakeClock()
    s = _session(bank, limit_seconds=100, clock=clock)
    clock.now = 40
    assert s.remaining == 60
    resumed = _session(bank, limit_seconds=100, clock=clock, elapsed=s.elapsed)
    clock.now = 90
    assert resumed.remaining == 10  # 40 s before the interruption + 50 s after
    clock.now = 200
    assert resumed.expired


def test_plain_exam_submit_and_resume_with_time_left(bank: Bank) -> None:
    src = str(bank.source)
    r = runner.invoke(
        app,
        ["exam", "--bank", src, "--items", "4", "--minutes", "3", "--seed", "2"],
        input="a\nf\nb\n",
    )
    assert r.exit_code == 130 and "exam --resume" in r.output  # input ended: saved, resumable
    r = runner.invoke(app, ["exam", "--bank", src, "--resume"], input="g 4\nd\nr\ns\ny\n")
    assert r.exit_code == 0, r.output
    assert "Unanswered: 3" in r.output and "Flagged: 2" in r.output
    assert "Exam result:" in r.output and "3 answered" in r.output
    data = json.loads(runner.invoke(app, ["progress", "--bank", src, "--json"]).output)["data"]
    exam_sessions = [s for s in data["sessions"] if s["mode"] == "exam"]
    assert exam_sessions[0]["answered"] == 3 and exam_sessions[0]["finished"]
    r = runner.invoke(app, ["exam", "--bank", src, "--resume"])
    assert r.exit_code == 2 and "no interrupted exam" in r.stderr


def test_textual_app_drives_the_same_session(bank: Bank) -> None:
    import asyncio

    from peerprep.tui.exam_app import ExamApp

    s = _session(bank, limit_seconds=600)

    async def scenario() -> None:
        app_ = ExamApp(s)
        async with app_.run_test(size=(100, 30)) as pilot:
            await pilot.press("b", "n", "f", "c", "n", "p", "x")
            assert s.answers == {0: "B"} and s.flagged == {1} and s.current == 1
            await pilot.press("s")
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()

    asyncio.run(scenario())
    assert s.result is not None and s.result.answered == 1


def test_textual_app_submits_when_time_runs_out(bank: Bank) -> None:
    import asyncio

    from peerprep.tui.exam_app import ExamApp

    clock = FakeClock()
    s = _session(bank, limit_seconds=30, clock=clock)

    async def scenario() -> None:
        app_ = ExamApp(s)
        async with app_.run_test() as pilot:
            await pilot.press("a")
            clock.now = 31
            app_.tick()
            await pilot.pause()

    asyncio.run(scenario())
    assert s.result is not None and s.result.timed_out


# ---------------------------------------------------------------- grading
def _key(n: int = 4) -> FormKey:
    return FormKey.model_validate(
        {
            "format": "peerprep-form-key",
            "version": 1,
            "title": "T",
            "form": 1,
            "items": [
                {
                    "n": i + 1,
                    "id": f"X{i}",
                    "task": "I1" if i < 2 else "II1",
                    "domain": "I" if i < 2 else "II",
                    "key": "A",
                    "options": 4,
                }
                for i in range(n)
            ],
        }
    )


def test_item_analysis_matches_hand_computation() -> None:
    text = "id,q1,q2,q3,q4\nc1,A,A,A,A\nc2,A,A,B,\nc3,A,B,B,C\nc4,B,B,B,C\n"
    cands, problems = read_responses(text, _key())
    rep = grade(_key(), cands, problems)
    assert not problems
    assert [c.correct for c in rep.candidates] == [4, 2, 1, 0]
    assert rep.candidates[1].by_domain == {"I": 100.0, "II": 0.0}
    assert [i.p for i in rep.items] == [0.75, 0.5, 0.25, 0.25]
    # item 1: scores 1,1,1,0 vs rest-totals 3,1,0,0 -> Pearson by hand
    assert rep.items[0].discrimination == pytest.approx(1 / 4.5**0.5)  # sxy 1, sxx .75, syy 6
    # KR-20: k=4, sum pq = .1875+.25+.1875+.1875 = .8125, var(totals 4,2,1,0) = 2.1875
    assert rep.kr20 == pytest.approx(4 / 3 * (1 - 0.8125 / 2.1875))
    assert rep.sem == pytest.approx(2.1875**0.5 * (1 - rep.kr20) ** 0.5)  # type: ignore[operator]
    assert rep.items[3].shares == {"A": 0.25, "B": 0.0, "C": 0.5, "D": 0.0, "blank": 0.25}
    assert any("distractor C chosen more than the key" in f for f in rep.items[3].flags)


def test_malformed_rows_are_reported_and_skipped() -> None:
    # Issue 14: a cell that is not an option no longer drops the row: it is scored wrong
    # and listed (c3 is graded); rows that cannot be attributed are still skipped.
    text = "c1,A,A,A,A\nc2,A,A\n,A,A,A,A\nc3,A,F,A,A\nc1,B,B,B,B\nc4,a,b,c,d\n"
    cands, problems = read_responses(text, _key())
    assert [c.id for c in cands] == ["c1", "c3", "c4"]
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (2, "2 answers, but the key has 4 items"),
        (3, "no candidate id"),
        (4, "candidate 'c3', item 2: 'F' is not one of its options (A, B, C, D)"),
        (5, "candidate 'c1' already graded from line 1"),
    ]


def test_grade_cli_json_csv_and_width_mismatch(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text(_key().model_dump_json())
    resp = tmp_path / "r.csv"
    resp.write_text("c1,A,A,A,A\nc2,B,A,,C\nc3,A,B,A,A\n")
    r = runner.invoke(app, ["exam", "grade", str(key), str(resp), "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)["data"]
    assert data["summary"]["candidates"] == 3 and len(data["items"]) == 4
    r = runner.invoke(app, ["exam", "grade", str(key), str(resp), "--csv"])
    assert r.output.startswith("candidate,correct,percent")
    r = runner.invoke(app, ["exam", "grade", str(key), str(resp)])
    assert "KR-20" in r.output and "Item analysis" in r.output
    wide = tmp_path / "wide.csv"
    wide.write_text("c1,A,A,A,A,A,A\nc2,A,A,A,A,A,A\n")
    r = runner.invoke(app, ["exam", "grade", str(key), str(wide)])
    assert r.exit_code == 2 and "right key" in r.stderr and f"{wide}:1:" in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    r = runner.invoke(app, ["exam", "grade", str(bad), str(resp)])
    assert r.exit_code == 2 and "not a peerprep key file" in r.stderr
