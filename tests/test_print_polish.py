"""Issue 14.8: print polish that does not depend on the PDF layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.cli import app


def build(out: Path, *args: str) -> Any:
    return CliRunner().invoke(
        app, ["exam", "build", "-o", str(out), "--items", "5", *args], env={"COLUMNS": "120"}
    )


@pytest.mark.parametrize("given", ["MD", "Md", "markdown", " md "])
def test_format_is_case_insensitive(tmp_path: Path, given: str) -> None:
    r = build(tmp_path / "f", "--format", given)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "f" / "form-1.md").exists()


def test_unknown_format_names_the_choices(tmp_path: Path) -> None:
    r = build(tmp_path / "f", "--format", "docx")
    assert r.exit_code == 2 and "is not one of: pdf, md" in r.stderr


def test_force_removes_stale_files_of_an_earlier_build_and_only_those(tmp_path: Path) -> None:
    out = tmp_path / "f"
    assert build(out, "--forms", "3", "--format", "md").exit_code == 0
    (out / "notes.txt").write_text("mine")
    (out / "form-1-notes.md").write_text("mine too")
    r = build(out, "--forms", "1", "--format", "md", "--force")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "form-1-key.json",
        "form-1-key.md",
        "form-1-notes.md",
        "form-1.md",
        "notes.txt",
    ]
    assert "Removed 6 file(s) left by an earlier build" in " ".join(r.output.split())


def test_markdown_form_has_name_and_id_fields_and_the_key_marks_the_keyed_option(
    tmp_path: Path,
) -> None:
    out = tmp_path / "f"
    assert build(out, "--format", "md").exit_code == 0
    form = (out / "form-1.md").read_text()
    assert "Name: ____" in form and "Candidate ID: ____" in form
    key = (out / "form-1-key.md").read_text()
    assert key.count("✓ (key)") == 5


def _pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(path).pages]


@pytest.mark.parametrize("items", [75, 33])
def test_pdf_last_question_never_sits_alone_and_the_key_marks_the_keyed_option(
    tmp_path: Path, items: int
) -> None:
    import re

    out = tmp_path / "f"
    r = CliRunner().invoke(
        app, ["exam", "build", "-o", str(out), "--items", str(items), "--seed", "3"]
    )
    assert r.exit_code == 0, r.output
    holding_last = [
        re.findall(r"(?m)^(\d+)\.", pg)
        for pg in _pages(out / "form-1.pdf")
        if re.search(rf"(?m)^{items}\.", pg)
    ]
    assert holding_last and len(holding_last[0]) >= 2, holding_last
    key = "".join(_pages(out / "form-1-key.pdf"))
    assert key.count("(key") == items


@pytest.mark.parametrize("large", [False, True])
def test_every_answer_sheet_page_has_the_name_and_id_fields(tmp_path: Path, large: bool) -> None:
    out = tmp_path / "f"
    args = ["exam", "build", "-o", str(out), "--items", "120", "--seed", "3"]
    r = CliRunner().invoke(app, args + (["--large-print"] if large else []))
    assert r.exit_code == 0, r.output
    sheets = [pg for pg in _pages(out / "form-1.pdf") if pg.lstrip().startswith("Answer sheet")]
    assert len(sheets) >= (4 if large else 2)
    assert all("Name" in pg and "ID" in pg for pg in sheets)
