"""Issue 14, the trainer's class: `exam grade` reads answer files as they come (14.1) and
is loud where it matters (14.2). One test per requirement bullet."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.cli import app
from peerprep.cli.options import load_bank
from peerprep.constants import OPTION_LETTERS
from peerprep.exams.grade import FormKey, grade, grade_class
from peerprep.exams.responses import read_responses

runner = CliRunner()


def _key(keys: str = "AAAA", form: int = 1) -> FormKey:
    return FormKey.model_validate(
        {
            "format": "peerprep-form-key",
            "version": 1,
            "title": "T",
            "form": form,
            "items": [
                {
                    "n": i + 1,
                    "id": f"X{form}-{i}",
                    "task": "I1" if i < 2 else "II1",
                    "domain": "I" if i < 2 else "II",
                    "key": letter,
                    "options": 4,
                }
                for i, letter in enumerate(keys)
            ],
        }
    )


def _write_key(path: Path, key: FormKey) -> Path:
    path.write_text(key.model_dump_json(), encoding="utf-8")
    return path


def _grade_cli(tmp_path: Path, keys: list[Path], body: str | bytes, *extra: str) -> Any:
    resp = tmp_path / "responses.csv"
    if isinstance(body, str):
        resp.write_text(body, encoding="utf-8", newline="")
    else:
        resp.write_bytes(body)
    return runner.invoke(app, ["exam", "grade", *map(str, keys), str(resp), *extra])


def _data(r: Any) -> dict[str, Any]:
    assert r.exit_code == 0, (r.output, r.exception)
    out: dict[str, Any] = json.loads(r.stdout)["data"]
    return out


# ---------------------------------------------------------------- 14.1 files as they come
def test_semicolon_bom_crlf_file_is_read() -> None:
    text = "\ufeffID;Q1;Q2;Q3;Q4\r\nc1;A;A;A;A\r\nc2;B;A;;C\r\nc3;a;b;a;a\r\n"
    got = read_responses(text.encode("utf-8").decode("utf-8-sig"), [_key()])
    assert not got.skipped and not got.cells
    assert [(c.id, c.answers) for c in got.candidates] == [
        ("c1", ["A", "A", "A", "A"]),
        ("c2", ["B", "A", "", "C"]),
        ("c3", ["A", "B", "A", "A"]),
    ]


def test_excel_file_with_two_empty_trailing_columns(tmp_path: Path) -> None:
    body = "id,q1,q2,q3,q4,,\r\nc1,A,A,A,A,,\r\nc2,B,B,B,,,\r\nc3,A,B,A,A,,\r\n"
    data = _data(_grade_cli(tmp_path, [_write_key(tmp_path / "k.json", _key())], body, "--json"))
    assert [(c["id"], c["correct"], c["blanks"]) for c in data["candidates"]] == [
        ("c1", 4, 0),
        ("c2", 0, 1),  # the blank last answer is kept, the empty Excel columns are not
        ("c3", 3, 0),
    ]
    assert data["skipped_rows"] == []


def test_mixed_case_headers_pick_the_id_column() -> None:
    text = "EMAIL,Name,Q1,q2,Item 3,ITEM 4\nann@x.org,Ann,A,A,B,A\nbo@x.org,Bo,B,A,A,A\n"
    got = read_responses(text, [_key()])
    assert not got.skipped
    assert [(c.id, c.answers) for c in got.candidates] == [
        ("ann@x.org", ["A", "A", "B", "A"]),
        ("bo@x.org", ["B", "A", "A", "A"]),
    ]


def test_form_column_with_two_keys_grades_each_row_by_its_form(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    _write_key(forms / "form-1-key.json", _key("ABCD", 1))
    _write_key(forms / "form-2-key.json", _key("DCBA", 2))
    body = (
        "Candidate,Form,q1,q2,q3,q4\n"
        "c1,Form 1,A,B,C,D\n"  # 4/4 on form 1
        "c2,form-2,D,C,B,A\n"  # 4/4 on form 2
        "c3,2,A,B,C,D\n"  # 0/4 on form 2
        "c4,1,A,B,A,A\n"  # 2/4 on form 1
        "c5,Form 3,A,B,C,D\n"  # no key: listed, not guessed
    )
    r = _grade_cli(tmp_path, [forms], body, "--json")
    data = _data(r)
    by_form = {f["form"]: [(c["id"], c["correct"]) for c in f["candidates"]] for f in data["forms"]}
    assert by_form == {"1": [("c1", 4), ("c4", 2)], "2": [("c2", 4), ("c3", 0)]}
    assert [p["line"] for p in data["skipped_rows"]] == [6]
    assert "responses.csv:6: form 'Form 3' has no key here" in r.stderr
    # the same with the keys given one by one, and the rich report per form
    r = _grade_cli(tmp_path, [forms / "form-1-key.json", forms / "form-2-key.json"], body)
    assert r.exit_code == 0 and "Form 1: 2 candidates" in r.stdout
    assert "Form 2: 2 candidates" in r.stdout


def test_double_mark_and_stray_mark_are_scored_wrong_and_listed(tmp_path: Path) -> None:
    body = "id,q1,q2,q3,q4\nc1,AB,A,*,A\nc2,B,B,B,B\nc3,A,A,A,A\n"
    r = _grade_cli(tmp_path, [_write_key(tmp_path / "k.json", _key())], body, "--json")
    data = _data(r)
    c1 = data["candidates"][0]
    assert (c1["id"], c1["correct"], c1["invalid"], c1["blanks"]) == ("c1", 2, 2, 0)
    assert [(p["line"], p["message"]) for p in data["invalid_cells"]] == [
        (2, "candidate 'c1', item 1: 'AB' is a double mark; scored wrong"),
        (2, "candidate 'c1', item 3: '*' is not one of its options (A, B, C, D); scored wrong"),
    ]
    assert "responses.csv:2: candidate 'c1', item 1: 'AB' is a double mark" in r.stderr
    assert data["items"][0]["invalid"] == pytest.approx(1 / 3)


def test_all_blank_row_is_excluded_with_a_notice_and_leaves_kr20_alone(tmp_path: Path) -> None:
    rows = "id,q1,q2,q3,q4\nc1,A,A,A,A\nc2,A,A,B,\nc3,A,B,B,C\nc4,B,B,B,C\n"
    key = _write_key(tmp_path / "k.json", _key())
    without = _data(_grade_cli(tmp_path, [key], rows, "--json"))
    r = _grade_cli(tmp_path, [key], rows + "absent1,,,,\n", "--json")
    data = _data(r)
    assert [c["id"] for c in data["candidates"]] == ["c1", "c2", "c3", "c4"]
    assert data["summary"]["kr20"] == without["summary"]["kr20"]
    assert data["summary"]["kr20"] == pytest.approx(4 / 3 * (1 - 0.8125 / 2.1875))
    assert data["excluded_blank_rows"] == [
        {"line": 6, "message": "candidate 'absent1': every answer blank (absent?); not graded"}
    ]
    assert "responses.csv:6: candidate 'absent1': every answer blank" in r.stderr
    rich = _grade_cli(tmp_path, [key], rows + "absent1,,,,\n")
    assert "1 all-blank row(s) excluded as absent" in rich.stdout


# ---------------------------------------------------------------- LMS exports
@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FormKey, dict[int, Any]]:
    """A 6-item form of the bundled bank, its key, and each position's printed options."""
    out = tmp_path_factory.mktemp("forms")
    r = runner.invoke(
        app, ["exam", "build", "--format", "md", "--items", "6", "--seed", "4", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    path = out / "form-1-key.json"
    key = FormKey.model_validate_json(path.read_bytes())
    bank = load_bank(None, None)
    printed = {
        p.n: {
            "stem": bank.get(p.id).stem,
            "options": [bank.get(p.id).options[b] for b in p.order],
            "key": OPTION_LETTERS.index(p.key),
        }
        for p in key.items
    }
    return path, key, printed


def _pick(printed: dict[int, Any], n: int, right: bool) -> str:
    item = printed[n]
    i = item["key"] if right else (item["key"] + 1) % len(item["options"])
    text: str = item["options"][i]
    return text


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _expected(rows: list[list[bool]]) -> list[int]:
    return [sum(r) for r in rows]


PATTERN = [
    [True] * 6,
    [True, True, True, False, False, True],
    [False, True, False, True, False, False],
]


def test_google_forms_export_is_mapped_by_option_text(
    built: tuple[Path, FormKey, dict[int, Any]], tmp_path: Path
) -> None:
    key_path, _, printed = built
    header = ["Timestamp", "Email Address"] + [f"{n}. {printed[n]['stem']}" for n in range(1, 7)]
    rows = [header]
    for i, pattern in enumerate(PATTERN):
        cells = [_pick(printed, n, ok) for n, ok in enumerate(pattern, start=1)]
        if i == 1:  # a person's spacing and case: still the same option
            cells[0] = "  " + cells[0].upper().rstrip(".") + " "
        rows.append([f"2026/03/0{i + 1} 9:00:00 AM GMT", f"s{i}@example.org", *cells])
    rows.append(["2026/03/04 9:00:00 AM GMT", "s9@example.org", "Something else", *[""] * 5])
    r = _grade_cli(tmp_path, [key_path], _csv(rows), "--json")  # detected: Timestamp first
    data = _data(r)
    assert data["format"] == "google-forms"
    got = {c["id"]: c["correct"] for c in data["candidates"]}
    assert got == {
        "s0@example.org": 6,
        "s1@example.org": 4,
        "s2@example.org": 2,
        "s9@example.org": 0,
    }
    assert data["invalid_cells"][0]["message"] == (
        "candidate 's9@example.org', item 1: 'Something else' is unreadable: it matches none "
        "of the item's option texts; scored wrong"
    )


def test_moodle_responses_export_is_mapped(
    built: tuple[Path, FormKey, dict[int, Any]], tmp_path: Path
) -> None:
    key_path, _, printed = built
    header = [
        "Surname",
        "First name",
        "Email address",
        "State",
        "Started on",
        "Completed",
        "Time taken",
        "Grade/6.00",
        *[f"Response {n}" for n in range(1, 7)],
    ]
    rows = [header]
    for i, pattern in enumerate(PATTERN):
        cells = [_pick(printed, n, ok) for n, ok in enumerate(pattern, start=1)]
        if i == 2:
            cells[5] = "-"  # Moodle's "no response"
        rows.append(
            [
                f"Sur{i}",
                f"First{i}",
                f"m{i}@example.org",
                "Finished",
                "1 March 2026  9:00 AM",
                "1 March 2026  10:00 AM",
                "1 hour",
                "3.00",
                *cells,
            ]
        )
    rows.append(["Late", "Lee", "late@example.org", "In progress", "", "", "", "", *[""] * 6])
    r = _grade_cli(tmp_path, [key_path], _csv(rows), "--from", "moodle", "--json")
    data = _data(r)
    assert {c["id"]: c["correct"] for c in data["candidates"]} == {
        "m0@example.org": 6,
        "m1@example.org": 4,
        "m2@example.org": 2,
    }
    assert data["candidates"][2]["blanks"] == 1
    assert "attempt state 'In progress', not finished" in data["skipped_rows"][0]["message"]


def test_canvas_student_analysis_export_is_mapped(
    built: tuple[Path, FormKey, dict[int, Any]], tmp_path: Path
) -> None:
    key_path, _, printed = built
    header = [
        "name",
        "id",
        "sis_id",
        "section",
        "section_id",
        "section_sis_id",
        "submitted",
        "attempt",
    ]
    for n in range(1, 7):
        header += [f"{1000 + n}: {printed[n]['stem']}", "1.0"]
    header += ["n correct", "n incorrect", "score"]
    rows = [header]
    for i, pattern in enumerate(PATTERN):
        cells: list[str] = []
        for n, ok in enumerate(pattern, start=1):
            cells += [_pick(printed, n, ok), "1" if ok else "0"]
        right = sum(pattern)
        rows.append(
            [
                f"Student {i}",
                str(500 + i),
                f"S{i}",
                "Sec",
                "1",
                "",
                "2026-03-01 10:00:00 UTC",
                "1",
                *cells,
                str(right),
                str(6 - right),
                str(right),
            ]
        )
    r = _grade_cli(tmp_path, [key_path], _csv(rows), "--json")  # detected: name,id,sis_id
    data = _data(r)
    assert data["format"] == "canvas"
    assert {c["id"]: c["correct"] for c in data["candidates"]} == {
        "Student 0": 6,
        "Student 1": 4,
        "Student 2": 2,
    }
    assert data["invalid_cells"] == []


def test_option_text_without_from_is_refused_not_scored_zero(tmp_path: Path) -> None:
    body = "Name,Q1,Q2,Q3,Q4\nann,Refer the peer to a clinician,Listen,Wait a bit,Ask again\n"
    r = _grade_cli(tmp_path, [_write_key(tmp_path / "k.json", _key())], body)
    assert r.exit_code == 2 and "--from google-forms|moodle|canvas" in r.stderr


# ---------------------------------------------------------------- 14.2 loud where it matters
def _class(keys: str, n: int, seed: int, skill: float = 0.0) -> str:
    """n candidates of spread ability (around skill): each item right with that chance,
    else a random letter."""
    rng = random.Random(seed)
    lines = ["id," + ",".join(f"q{i + 1}" for i in range(len(keys)))]
    for c in range(n):
        ability = min(1.0, max(0.0, skill + rng.uniform(-0.3, 0.3)))
        ans = [k if rng.random() < ability else rng.choice("ABCD") for k in keys]
        lines.append(f"c{c}," + ",".join(ans))
    return "\n".join(lines) + "\n"


def test_wrong_key_says_is_this_the_right_key(tmp_path: Path) -> None:
    rng = random.Random(1)
    form1 = "".join(rng.choice("ABCD") for _ in range(40))
    form2 = "".join(rng.choice("ABCD") for _ in range(40))
    sheets = _class(form1, 60, seed=2, skill=0.7)  # form-1 answers ...
    k1 = _write_key(tmp_path / "k1.json", _key(form1))
    k2 = _write_key(tmp_path / "k2.json", _key(form2))
    right = _data(_grade_cli(tmp_path, [k1], sheets, "--json"))
    codes = {w["code"] for w in right["warnings"]}
    assert not codes & {"near-chance", "negative-kr20"}, right["warnings"]
    wrong = _data(_grade_cli(tmp_path, [k2], sheets, "--json"))  # ... against form 2's key
    assert "near-chance" in [w["code"] for w in wrong["warnings"]]
    r = _grade_cli(tmp_path, [k2], sheets)
    first_table = r.stdout.index("Form 1:")
    assert r.stdout.index("is this the right key for these sheets?") < first_table


def test_negative_discrimination_says_check_the_key_of_item_n(tmp_path: Path) -> None:
    # Item 3 is right only for the weakest candidates: its key is likely wrong.
    body = "id,q1,q2,q3,q4\nc1,A,A,B,A\nc2,A,A,B,A\nc3,A,B,A,B\nc4,B,B,A,B\nc5,A,A,B,B\n"
    key = _write_key(tmp_path / "k.json", _key())
    data = _data(_grade_cli(tmp_path, [key], body, "--json"))
    neg = [w for w in data["warnings"] if w["code"] == "negative-discrimination"]
    assert [w["items"] for w in neg] == [[3]]
    assert "check the key of item 3" in neg[0]["message"]
    assert data["items"][2]["discrimination"] < 0
    r = _grade_cli(tmp_path, [key], body)
    assert "check the key of item 3" in r.stdout


def test_small_class_gets_a_caution_beside_kr20_and_discrimination(tmp_path: Path) -> None:
    key = _write_key(tmp_path / "k.json", _key("ABCDABCDAB"))
    small = _class("ABCDABCDAB", 5, seed=3, skill=0.6)
    data = _data(_grade_cli(tmp_path, [key], small, "--json"))
    assert data["summary"]["small_sample"] is True
    assert "small-sample" in [w["code"] for w in data["warnings"]]
    r = _grade_cli(tmp_path, [key], small)
    summary = next(line for line in r.stdout.splitlines() if line.startswith("Mean"))
    assert "KR-20 reliability" in summary and "(small sample: caution)" in summary
    assert "Disc.*" in r.stdout and "discrimination is a rough estimate" in r.stdout
    big = _data(_grade_cli(tmp_path, [key], _class("ABCDABCDAB", 40, 3, 0.6), "--json"))
    assert big["summary"]["small_sample"] is False
    assert "small-sample" not in [w["code"] for w in big["warnings"]]


def test_drop_and_rekey_rescore_as_by_hand(tmp_path: Path) -> None:
    body = "id,q1,q2,q3,q4\nc1,A,A,A,A\nc2,A,A,B,\nc3,A,B,B,C\nc4,B,B,B,C\n"
    key = _write_key(tmp_path / "k.json", _key())
    # by hand: drop item 4, key item 3 as B -> c1: A,A,(A!=B) = 2; c2: A,A,B = 3;
    # c3: A,(B),B = 2; c4: (B),(B),B = 1; out of 3 items
    data = _data(_grade_cli(tmp_path, [key], body, "--drop", "4", "--rekey", "3=b", "--json"))
    assert [(c["correct"], round(c["percent"], 1)) for c in data["candidates"]] == [
        (2, 66.7),
        (3, 100.0),
        (2, 66.7),
        (1, 33.3),
    ]
    assert [i["n"] for i in data["items"]] == [1, 2, 3]
    assert data["items"][2]["key"] == "B" and data["items"][2]["p"] == 0.75
    assert data["dropped"] == [4]
    assert data["rekeyed"] == [{"item": 3, "from": "A", "to": "B"}]
    r = _grade_cli(tmp_path, [key], body, "--drop", "4", "--rekey", "3=B")
    assert "Dropped from scoring: item 4." in r.stdout and "Rekeyed: item 3 A -> B." in r.stdout
    bad = _grade_cli(tmp_path, [key], body, "--rekey", "3=F")
    assert bad.exit_code == 2 and "item 3 printed options A, B, C, D" in bad.stderr
    assert _grade_cli(tmp_path, [key], body, "--drop", "9").exit_code == 2


def test_core_grade_class_reports_per_form() -> None:
    k1, k2 = _key("ABCD", 1), _key("DCBA", 2)
    got = read_responses("id,form,a,b,c,d\nx,1,A,B,C,D\ny,2,A,B,C,D\n", [k1, k2])
    rep = grade_class([k1, k2], got)
    assert [(r.form, [c.correct for c in r.candidates]) for r in rep.reports] == [
        ("1", [4]),
        ("2", [0]),
    ]
    single = grade(k1, got.candidates[:1], [])
    assert single.candidates[0].correct == 4
