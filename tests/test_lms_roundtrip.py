"""Issue 14.5-14.6: forms and LMS exports in step; GIFT and CSV imports round-trip."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.export.gift import category, parse_gift, to_gift
from peerprep.export.importers import from_gift

BP = load_blueprint()


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forms")
    r = run("exam", "build", "-o", str(out), "--items", "12", "--seed", "9", "--format", "md",
            "--title", "Spring cohort")  # fmt: skip
    assert r.exit_code == 0, r.output
    return out / "form-1-key.json"


def test_form_exports_keep_the_printed_letters(built: Path, tmp_path: Path) -> None:
    key = json.loads(built.read_text())
    printed = [(it["id"], it["key"]) for it in key["items"]]
    assert run("export", "aiken", "--form", str(built), "-o", str(tmp_path)).exit_code == 0
    aiken = (tmp_path / "peerprep.aiken.txt").read_text()
    assert re.findall(r"^ANSWER: ([A-E])$", aiken, re.M) == [k for _, k in printed]
    assert run("export", "csv", "--form", str(built), "-o", str(tmp_path)).exit_code == 0
    rows = (tmp_path / "peerprep-items.csv").read_text().splitlines()
    assert len(rows) == 13
    assert run("export", "gift", "--form", str(built), "-o", str(tmp_path)).exit_code == 0
    gift = (tmp_path / "peerprep.gift.txt").read_text()
    questions = parse_gift(gift)
    keys = ["ABCDE"[[ok for ok, _, _ in q.answers].index(True)] for q in questions]
    assert [(q.title, k) for q, k in zip(questions, keys, strict=True)] == printed
    # and the option texts in printed order are what the form shows
    bank = load_bank(None, BP)
    first = key["items"][0]
    q0 = bank.get(first["id"])
    assert [t for _, t, _ in questions[0].answers] == [
        " ".join(q0.options[k].split()) for k in first["order"]
    ]


def test_form_exports_make_one_category_or_quiz_named_after_the_form(
    built: Path, tmp_path: Path
) -> None:
    assert run("export", "gift", "--form", str(built), "-o", str(tmp_path)).exit_code == 0
    cats = re.findall(r"^\$CATEGORY: (.*)$", (tmp_path / "peerprep.gift.txt").read_text(), re.M)
    assert cats == ["peerprep/Spring cohort"]
    assert run("export", "qti", "--form", str(built), "-o", str(tmp_path)).exit_code == 0
    with zipfile.ZipFile(tmp_path / "peerprep-qti.zip") as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    assert 'title="Spring cohort"' in xml and "form-1-key" not in xml


def test_gift_category_names_escape_the_slash() -> None:
    assert category("peerprep", "IV Recovery/Wellness Support") == (
        "peerprep/IV Recovery//Wellness Support"
    )
    bank = load_bank(None, BP)
    text = to_gift(bank, [q for q in bank if q.task.startswith("IV")][:1])
    assert "$CATEGORY: peerprep/IV Recovery//Wellness Support" in text


def _same(a: Any, b: Any) -> list[str]:
    return [
        f"{q.id}.{k}"
        for q in a
        for k, v in q.model_dump().items()
        if q.id not in b or b.get(q.id).model_dump()[k] != v
    ]


@pytest.mark.parametrize(
    ("fmt", "file"), [("gift", "peerprep.gift.txt"), ("csv", "peerprep-items.csv")]
)
def test_our_exports_reimport_to_an_identical_bank(fmt: str, file: str, tmp_path: Path) -> None:
    assert run("export", fmt, "-o", str(tmp_path)).exit_code == 0
    r = run("import", fmt, str(tmp_path / file), "-o", str(tmp_path / "back"))
    assert r.exit_code == 0, r.output
    a, b = load_bank(None, BP), load_bank(tmp_path / "back", BP, use_cache=False)
    assert len(b) == len(a) and _same(a, b) == []


def _one(text: str) -> dict[str, Any]:
    good, problems = from_gift(text, "/home/trainer/secret/set.gift", BP, task="I1")
    assert not problems, problems
    return good[0]


def test_gift_import_strips_format_markers_and_html() -> None:
    it = _one(
        "::Q1::[html]<p>What does <b>advocacy</b> mean&nbsp;here?</p>{\n"
        "=<i>Speaking up</i> with someone #<b>Right</b>\n~Doing for #No\n~Waiting #No\n"
        "####<p>Because it is <em>with</em>.</p>\n}"
    )
    assert it["stem"] == "What does advocacy mean here?"
    assert it["options"] == {"A": "Speaking up with someone", "B": "Doing for", "C": "Waiting"}
    assert it["rationale"]["answer"] == "Because it is with."
    assert (
        _one("::Q2::[markdown]A plain question stem {\n=a\n~b\n~c\n####Why.\n}")["stem"]
        == "A plain question stem"
    )


def test_gift_import_reads_weights_and_refuses_partial_credit() -> None:
    it = _one(
        "::Q::A question stem here {\n~%100%right #yes\n~%-50%wrong #no\n"
        "~%0%also wrong #no\n####Why.\n}"
    )
    assert it["answer"] == "A" and it["options"]["B"] == "wrong"
    good, problems = from_gift(
        "::Q::A question stem here {\n~%50%half\n~%50%half\n}", "x", BP, task="I1"
    )
    assert not good and "partial credit (50 %)" in problems[0].message


def test_gift_import_names_the_file_not_its_path() -> None:
    assert (
        _one("::Q::A question stem here {\n=a\n~b\n~c\n####Why.\n}")["source"]
        == "imported from set.gift"
    )
