"""The solver-probe script: sheets hide what they must, and scoring reads real answer files."""

from __future__ import annotations

import json
import random
from pathlib import Path

from scripts.bank_probe import main, make_sheet, read_answers, score

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint


def test_options_only_sheet_hides_stem_id_and_key() -> None:
    bank = load_bank(None, load_blueprint())
    sheets, key = make_sheet(bank, "options-only", random.Random(3), n=40, batches=2)
    assert len(sheets) == 2 and len(key) == 40
    text = "\n".join(sheets)
    for e in key:
        q = bank.get(str(e["item"]))
        assert str(e["item"]) not in text
        assert " ".join(q.stem.split()) not in text
        # the shown key letter points at the key's text in the sheet
        entry = text.split(f"## {e['n']}\n", 1)[1].split("\n## ", 1)[0]
        assert f"{e['key']}. {q.options[q.answer]}" in entry
    # keys are shuffled, not left where the bank put them
    assert len({e["key"] for e in key}) == 4


def test_scoring_reads_answer_lines_and_flags(tmp_path: Path) -> None:
    out = tmp_path / "p"
    assert main(["sheet", "blind", "--n", "4", "--seed", "1", "-o", str(out)]) == 0
    meta = json.loads((out / "key.json").read_text())
    keys = [e["key"] for e in meta["entries"]]
    wrong = "A" if keys[1] != "A" else "B"
    answers = tmp_path / "a.txt"
    answers.write_text(
        f"1: {keys[0]} (high)\nnoise line\n2) {wrong} (low) off-task\n"
        f"## 3: {keys[2]}/{wrong} two defensible\n"
    )
    got = read_answers([answers])
    assert got[1][0] == keys[0] and 4 not in got
    result = score(meta["entries"], got)
    assert result["answered"] == 3 and result["matched"] == 2
    assert result["unanswered"] == [meta["entries"][3]["item"]]
    assert [m["item"] for m in result["misses"]] == [meta["entries"][1]["item"]]
    assert len(result["two_defensible"]) == 1
    assert result["off_task"] == [meta["entries"][1]["item"]]
    assert sum(result["confidence_by_difficulty"]["high"].values()) == 1
    sheet = (out / "sheet-1.md").read_text()
    assert "(Task " in sheet  # a blind solver sees the task statement, never the key
