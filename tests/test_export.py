"""Exports: a real Anki import of our deck, CSV, filters, and safe output paths."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.export.anki import write_apkg
from peerprep.export.select import select
from tests.conftest import WriteBank, item, items_for_all_tasks

BP = load_blueprint()
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _import(collection: Path, apkg: Path) -> None:
    from anki.collection import Collection, ImportAnkiPackageRequest

    col = Collection(str(collection))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg)))
    finally:
        col.close()


def _notes(collection: Path) -> list[Any]:
    from anki.collection import Collection

    col = Collection(str(collection))
    try:
        return [col.get_note(nid) for nid in col.find_notes("")]
    finally:
        col.close()


def test_real_anki_import_and_reimport_of_an_edited_export(
    write_bank: WriteBank, tmp_path: Path
) -> None:
    items = items_for_all_tasks(1)
    root = write_bank(a=items)
    bank = load_bank(root, BP)
    apkg = tmp_path / "deck.apkg"
    assert write_apkg(bank, list(bank), apkg, namespace="test-bank") == 54
    col = tmp_path / "collection.anki2"
    _import(col, apkg)
    notes = _notes(col)
    assert len(notes) == 54
    by_id = {n["ItemId"]: n for n in notes}
    first = by_id["T-I1-000"]
    assert "speak up for them" in first["Question"]
    assert "<li>" in first["Options"] and first["Answer"].startswith("A. ")
    assert {"domain::I", "task::I1", "difficulty::2"} <= set(first.tags)
    # edit one item, export again, import again: notes are updated, none added. Anki
    # updates a note when the incoming copy is newer, and genanki stamps whole seconds, so
    # the re-export happens a second later, as any real re-export would.
    time.sleep(1.1)
    items[0]["stem"] = items[0]["stem"].replace("housing meeting", "court hearing")
    (root / "a.yaml").unlink()
    bank2 = load_bank(write_bank(a=items), BP)
    apkg2 = tmp_path / "deck2.apkg"
    write_apkg(bank2, list(bank2), apkg2, namespace="test-bank")
    _import(col, apkg2)
    notes = _notes(col)
    assert len(notes) == 54
    assert "court hearing" in {n["ItemId"]: n for n in notes}["T-I1-000"]["Question"]


def test_csv_export_round_trips_every_field(write_bank: WriteBank, tmp_path: Path) -> None:
    root = write_bank(a=[item(stem='A "quoted", comma-laden stem, with\na line break: what?')])
    r = run("export", "csv", "--bank", str(root), "-o", str(tmp_path))
    assert r.exit_code == 0, r.output
    (row,) = list(csv.DictReader(io.StringIO((tmp_path / "peerprep-items.csv").read_text())))
    q = load_bank(root, BP).get("ADV-I1-901")
    assert row["stem"] == q.stem.strip() and row["answer"] == q.answer
    assert row["option_c"] == q.options["C"] and row["note_b"] == q.rationale.distractors["B"]
    assert row["option_e"] == "" and row["difficulty"] == "2"


def test_filters_and_forms(write_bank: WriteBank, tmp_path: Path) -> None:
    bank = load_bank(write_bank(a=items_for_all_tasks(2)), BP)
    assert {q.task for q in select(bank, domain="ethical")} == {f"II{n}" for n in range(1, 16)}
    assert len(select(bank, tasks=["iv14", "I1"])) == 4
    r = run(
        "exam",
        "build",
        "--bank",
        str(bank.source),
        "-o",
        str(tmp_path / "f"),
        "--items",
        "10",
        "--format",
        "md",
    )
    assert r.exit_code == 0
    key = tmp_path / "f" / "form-1-key.json"
    ids = [it["id"] for it in json.loads(key.read_text())["items"]]
    assert [q.id for q in select(bank, form=key)] == ids
    r = run("export", "csv", "--bank", str(bank.source), "--form", str(key), "-o", str(tmp_path))
    assert r.exit_code == 0 and "10 items" in r.output


def test_output_never_escapes_the_folder_or_clobbers(write_bank: WriteBank, tmp_path: Path) -> None:
    root = write_bank(a=[item()])
    out = tmp_path / "out"
    r = run("export", "anki", "--bank", str(root), "-o", str(out), "--name", "../x.apkg")
    assert r.exit_code == 2 and "would leave the folder" in r.stderr
    assert run("export", "anki", "--bank", str(root), "-o", str(out)).exit_code == 0
    r = run("export", "anki", "--bank", str(root), "-o", str(out))
    assert r.exit_code == 2 and "--force" in r.stderr
    assert run("export", "anki", "--bank", str(root), "-o", str(out), "--force").exit_code == 0
    r = run("export", "csv", "--bank", str(root), "-o", str(out), "--task", "II99")
    assert r.exit_code == 2 and "unknown task code II99" in r.stderr


@pytest.mark.parametrize("fmt", ["anki", "csv"])
def test_whole_bundled_bank_exports(fmt: str, tmp_path: Path) -> None:
    r = run("export", fmt, "-o", str(tmp_path))
    assert r.exit_code == 0 and f"{len(load_bank(None, BP))} " in r.output
