"""Issue 14.3, the trainer's class: `exam grade --report DIR` (a PDF per candidate and a
class PDF), `--csv-dir DIR` (tidy tables and a gradebook CSV), 80-column output, domains
in blueprint order I-IV."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from peerprep.cli import app
from peerprep.cli.options import load_bank
from peerprep.exams import reports
from peerprep.exams.grade import domain_order, grade_class, load_key
from peerprep.exams.responses import read_responses

runner = CliRunner()
ITEMS = 20
HOSTILE = ["../x", "CON", "=cmd", ".hidden", "a/b\\c", "cOn"]


def _text(pdf: Path) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(pdf).pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A built 20-item form and a class of 25: strong candidates mostly right, item 3
    answered B by the strong half whatever its key (so it looks miskeyed)."""
    root = tmp_path_factory.mktemp("class")
    forms = root / "forms"
    r = runner.invoke(
        app, ["exam", "build", "-o", str(forms), "--items", str(ITEMS), "--format", "md"]
    )
    assert r.exit_code == 0, r.output
    key = json.loads((forms / "form-1-key.json").read_text())
    rng = random.Random(7)
    ids = [f"cand{i:02d}" for i in range(19)] + HOSTILE
    rows = ["id," + ",".join(f"q{i + 1}" for i in range(ITEMS))]
    for n, cid in enumerate(ids):
        ability = n / len(ids)
        answers = []
        for it in key["items"]:
            wrong = [L for L in "ABCD" if it["key"] != L]
            if it["n"] == 3:
                answers.append(wrong[0] if ability > 0.5 else it["key"])
            elif rng.random() < 0.25 + 0.7 * ability:
                answers.append(it["key"])
            else:
                answers.append(rng.choice(wrong))
        if n == 0:
            answers[0] = ""  # a blank
            answers[1] = "AB"  # a double mark
        rows.append(",".join([_csv_cell(cid), *answers]))
    sheet = root / "answers.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = root / "report"
    r = runner.invoke(app, ["exam", "grade", str(forms), str(sheet), "--report", str(out), "--csv"])
    assert r.exit_code == 0, (r.output, r.exception)
    return {"forms": forms, "sheet": sheet, "out": out, "key": key, "ids": ids, "output": r.output}


def _csv_cell(text: str) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([text])
    return buf.getvalue().strip()


def _graded(klass: dict[str, Any]) -> Any:
    key = load_key(klass["forms"] / "form-1-key.json")
    read = read_responses(klass["sheet"].read_text(), [key])
    return key, read, grade_class([key], read)


def test_candidate_pdf_has_score_band_and_missed_item(klass: dict[str, Any]) -> None:
    _key, _read, g = _graded(klass)
    rep = g.reports[0]
    c = rep.candidates[0]  # cand00: a blank on item 1 and a double mark on item 2
    text = _flat(_text(klass["out"] / "candidates" / "cand00.pdf"))
    assert "cand00" in text
    assert f"{c.correct} of {ITEMS} ({c.percent:.0f} %)" in text
    lo, hi = reports.band(rep, c.correct) or (0.0, 0.0)
    assert f"would likely fall between {lo:.0f} % and {hi:.0f} %" in text
    assert "one standard error of measurement" in text and "68 %" in text
    assert "left blank" in text and "two marks (A and B)" in text
    # a missed item with a chosen option: its letter and text, and the key's letter and text
    bank = load_bank(None, None)
    pos = klass["key"]["items"][2]  # item 3: the strong half chose a wrong option
    strong = rep.candidates[-8]
    sheet = next(s for s in _read.candidates if s.id == strong.id)
    chosen = sheet.answers[2]
    assert chosen != pos["key"]
    q = bank.get(pos["id"])
    chosen_text = q.options[pos["order"]["ABCD".index(chosen)]]
    key_text = q.options[pos["order"]["ABCD".index(pos["key"])]]
    name = reports.safe_name(strong.id, set())
    strong_text = _flat(_text(klass["out"] / "candidates" / f"{name}.pdf"))
    assert f"{chosen}. {_flat(chosen_text)[:40]}" in strong_text
    assert f"{pos['key']}. {_flat(key_text)[:40]}" in strong_text
    assert _flat(q.rationale.answer)[:40] in strong_text


def test_class_pdf_lists_flagged_items_first_with_a_legend(klass: dict[str, Any]) -> None:
    _key, _read, g = _graded(klass)
    rep = g.reports[0]
    flagged = [i for i in rep.items if i.flags]
    plain = [i for i in rep.items if not i.flags]
    assert flagged and plain
    text = _flat(_text(klass["out"] / "class.pdf"))
    first_plain = text.index(f" {plain[0].id} ")
    assert all(text.index(f" {i.id} ") < first_plain for i in flagged)
    assert text.index(f" {flagged[-1].id} ") > text.index(f" {flagged[0].id} ") or len(flagged) == 1
    assert "How to read this" in text and "share of the class who got the item right" in text
    assert "KR-20" in text and "rough estimate" in text  # 25 < 30 candidates
    assert "check the key of item 3" in text  # the existing warning is in the PDF
    # domains in blueprint order
    assert text.index("Advocacy") < text.index("Ethical") < text.index("Mentoring")
    assert text.index("Mentoring") < text.index("Recovery/Wellness")


def test_file_names_are_safe_for_hostile_ids(klass: dict[str, Any]) -> None:
    names = sorted(p.name for p in (klass["out"] / "candidates").iterdir())
    assert len(names) == len(klass["ids"])  # "CON" and "cOn" do not overwrite each other
    for n in names:
        assert not n.startswith(".") and "/" not in n and "\\" not in n and "=" not in n
        assert n.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert not (klass["out"].parent / "x.pdf").exists()
    taken: set[str] = set()
    got = [reports.safe_name(i, taken) for i in ["../x", "CON", "=cmd", "con", "", "..."]]
    assert got == ["x", "_CON", "cmd", "_con-2", "candidate", "candidate-2"]


def test_csv_tables_parse_and_cells_are_neutralised(klass: dict[str, Any]) -> None:
    out = klass["out"]
    tables = {
        n: list(csv.DictReader(io.StringIO((out / n).read_text(encoding="utf-8"))))
        for n in ("candidates.csv", "domains.csv", "items.csv", "options.csv", "summary.csv")
    }
    assert len(tables["candidates.csv"]) == len(klass["ids"])
    assert len(tables["items.csv"]) == ITEMS
    assert {r["option"] for r in tables["options.csv"]} == {"A", "B", "C", "D", "blank"}
    assert sum(int(r["is_key"]) for r in tables["options.csv"]) == ITEMS
    ids = {r["candidate"] for r in tables["candidates.csv"]}
    assert "'=cmd" in ids and "=cmd" not in ids
    doms = [r["domain"] for r in tables["domains.csv"] if r["candidate"] == "cand00"]
    assert doms == ["I", "II", "III", "IV"]
    assert tables["summary.csv"][0]["small_sample"] == "1"
    # numbers match the grader's
    _key, _read, g = _graded(klass)
    first = g.reports[0].candidates[0]
    row = next(r for r in tables["candidates.csv"] if r["candidate"] == first.id)
    assert (int(row["correct"]), float(row["percent"])) == (first.correct, round(first.percent, 1))


def test_gradebook_columns_for_moodle_and_canvas(klass: dict[str, Any]) -> None:
    rows = list(csv.reader(io.StringIO((klass["out"] / "gradebook.csv").read_text())))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert "ID number" in header and "Email address" in header
    assert header[-1].endswith("(percent)")
    body = {r[header.index("ID number")]: r for r in rows[1:]}
    assert float(body["cand00"][-1]) >= 0 and body["'=cmd"][header.index("SIS User ID")] == "'=cmd"


def test_csv_dir_alone_writes_tables_without_pdfs(klass: dict[str, Any], tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        ["exam", "grade", str(klass["forms"]), str(klass["sheet"]), "--csv-dir", str(tmp_path)],
    )
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "candidates.csv",
        "domains.csv",
        "gradebook.csv",
        "items.csv",
        "options.csv",
        "summary.csv",
    ]


def test_hostile_text_stays_inert_in_the_pdf(tmp_path: Path) -> None:
    data: dict[str, object] = {
        "kind": "candidate",
        "title": "#set page(width: 1cm) $x$",
        "form": "1",
        "candidate": '#panic("boom") ] [ *bold*',
        "score": "1 of 2 (50 %)",
        "band": '#import "x"',
        "domains": [{"code": "I", "name": "@ref", "you": 0.5, "class": 0.2, "label": "_x_"}],
        "missed": [],
        "notes": [],
    }
    text = _flat(_text(_write(tmp_path, reports.render_pdf(data))))
    assert '#panic("boom") ] [ *bold*' in text and "#set page(width: 1cm) $x$" in text


def _write(tmp_path: Path, pdf: bytes) -> Path:
    p = tmp_path / "x.pdf"
    p.write_bytes(pdf)
    return p


def test_terminal_report_fits_80_columns(klass: dict[str, Any]) -> None:
    r = runner.invoke(
        app, ["exam", "grade", str(klass["forms"]), str(klass["sheet"])], env={"COLUMNS": "80"}
    )
    assert r.exit_code == 0, r.output
    # stdout; the `file:line: ...` problem lines on stderr stay whole lines for editors
    long = [line for line in r.stdout.splitlines() if len(line) > 80]
    assert not long, long
    assert "neg. disc." in r.output or "lure" in r.output  # short flags with a legend
    assert "Flags:" in r.output
    header = next(line for line in r.output.splitlines() if "Candidate" in line)
    assert re.search(r"\bI\b.*\bII\b.*\bIII\b.*\bIV\b", header)


def test_domains_follow_the_blueprint_order() -> None:
    assert sorted(["IV", "II", "III", "I", "V"], key=domain_order) == ["I", "II", "III", "IV", "V"]
    assert sorted(["10", "2", "B"], key=domain_order) == ["2", "B", "10"]


def test_no_band_when_kr20_is_negative(klass: dict[str, Any]) -> None:
    import dataclasses

    _key, _read, g = _graded(klass)
    rep = dataclasses.replace(g.reports[0], kr20=-0.5)
    assert reports.band(rep, 10) is None
    assert "No score band" in reports.band_sentence(rep, 10)
    assert "would likely fall between" in reports.band_sentence(g.reports[0], 10)
