"""One source of truth: the bank's validation pipeline, shared constants, and the FormKey.

Requirement 17: `peerprep.bank` is a package with ONE validation pipeline that the loader,
the importers, lint and stats share; imports check ids against the bank they join.
Requirement 18: one FormKey model written by `exam build` and read by `exam grade` and
the exports' `--form`; old key files still load; a bad key is a one-line error.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.errors import BankInvalidError, BankProblem
from tests.conftest import WriteBank, item, items_for_all_tasks

BP = load_blueprint()
runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src" / "peerprep"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


# ================================================================ 17: the bank package
def test_bank_is_a_package_and_old_imports_still_work() -> None:
    import peerprep.bank as bank_pkg
    from peerprep.bank import BANK_SUFFIXES, Bank, bank_files, load_bank, nearest_codes

    assert hasattr(bank_pkg, "__path__")  # a package, not the old single module
    assert (SRC / "bank" / "__init__.py").is_file() and not (SRC / "bank.py").exists()
    assert callable(load_bank) and callable(bank_files) and BANK_SUFFIXES and isinstance(Bank, type)
    assert nearest_codes("II16", set(BP.task_codes()))[:2] == ["II15", "II14"]


def _raw(*rows: tuple[dict[str, Any], int], file: str = "set.csv") -> list[Any]:
    from peerprep.bank import Origin, RawItem

    return [RawItem(data, Origin(file, line)) for data, line in rows]


def test_pipeline_returns_the_complete_list_of_problems() -> None:
    from peerprep.bank import validate_items

    raw = _raw(
        (item(id="P-1"), 2),
        (item(id="P-2", answer="E"), 3),  # key not among the options
        (item(id="P-3", source=None), 4),  # schema: missing field
        (item(id="P-1", stem="Another stem that is long enough."), 5),  # duplicate of line 2
        (item(id="P-5", task="II16"), 6),  # unknown task code
        (item(id="P-6"), 7),
    )
    checked = validate_items(raw, BP)
    got = [(p.line, p.field, p.message) for p in checked.problems]
    assert [(line, field) for line, field, _ in got] == [
        (3, "answer"),
        (4, "source"),
        (5, "id"),
        (6, "task"),
    ]
    assert "E is not one of the options (A, B, C, D) (P-2)" in got[0][2]
    assert got[1][2] == "is required but missing (P-3)"
    assert got[2][2] == "duplicate id P-1; first used at set.csv:2"
    assert got[3][2].startswith("unknown task code 'II16' (P-5); nearest: II15, II14")
    assert not checked.ok
    assert [q.id for q in checked.questions] == ["P-1", "P-6"] and checked.accepted == [0, 5]


def test_pipeline_checks_ids_against_an_existing_bank(write_bank: WriteBank) -> None:
    from peerprep.bank import load_bank, validate_items

    root = write_bank(a=[item(id="OLD-1"), item(id="OLD-2")])
    existing = load_bank(root, BP)
    checked = validate_items(
        _raw((item(id="OLD-2"), 9), (item(id="NEW-1"), 10)), BP, existing=existing
    )
    (p,) = checked.problems
    assert (p.file, p.line, p.field) == ("set.csv", 9, "id")
    assert p.message == f"duplicate id OLD-2; already in the bank at {root / 'a.yaml'}:20"
    # A file that is about to be replaced does not hold its ids any more.
    again = validate_items(
        _raw((item(id="OLD-2"), 9)), BP, existing=existing, replacing=root / "a.yaml"
    )
    assert again.ok


def test_loader_and_importer_report_a_problem_in_the_same_words(
    write_bank: WriteBank, tmp_path: Path
) -> None:
    """The same two bad items through the YAML loader and through `import csv`."""
    bad = [item(id="W-1", task="II16"), item(id="W-1", stem="A different stem, long enough.")]
    from peerprep.bank import load_bank

    with pytest.raises(BankInvalidError) as exc:
        load_bank(write_bank(a=bad), BP, use_cache=False)
    load_bank_problems = exc.value.problems

    src = tmp_path / "set.csv"
    _write_csv(src, bad)
    r = run("import", "csv", str(src), "-o", str(tmp_path / "out"))
    assert r.exit_code == 2

    def words(p: BankProblem) -> tuple[str, str]:
        msg = p.message.replace(" (give --task CODE or fill the task column)", "")
        return p.field, re.sub(r"first used at \S+", "first used at <place>", msg)

    from_csv = _problems_in(r.stderr, src)
    assert [words(p) for p in load_bank_problems] == [words(p) for p in from_csv]
    assert [p.line for p in from_csv] == [2, 3]  # the CSV rows


def _write_csv(path: Path, items: list[dict[str, Any]]) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    head = "id task stem option_a option_b option_c option_d answer rationale source difficulty"
    w.writerow([*head.split(), "cognitive"])
    for it in items:
        opts = list(it["options"].values())
        why = it["rationale"]["answer"]
        w.writerow([it["id"], it["task"], it["stem"], *opts, it["answer"], why, it["source"],
                    it["difficulty"], it["cognitive"]])  # fmt: skip
    path.write_text(out.getvalue(), encoding="utf-8")


def _problems_in(stderr: str, src: Path) -> list[BankProblem]:
    out = []
    for line in stderr.splitlines():
        m = re.match(rf"\s*{re.escape(str(src))}:(\d+): ([\w.()]+): (.*)$", line)
        if m:
            out.append(BankProblem(str(src), int(m.group(1)), m.group(2), m.group(3)))
    return out


def test_import_refuses_an_id_the_target_folder_already_holds(tmp_path: Path) -> None:
    folder = tmp_path / "mybank"
    folder.mkdir()
    (folder / "existing.yaml").write_text(yaml.safe_dump([item(id="DUP-1")], sort_keys=False))
    src = tmp_path / "set.csv"
    _write_csv(src, [item(id="NEW-1"), item(id="DUP-1", stem="Another stem, long enough here.")])
    r = run("import", "csv", str(src), "-o", f"{folder}/")
    assert r.exit_code == 2, r.output
    assert (
        f"{src}:3: id: duplicate id DUP-1; already in the bank at {folder / 'existing.yaml'}:1"
        in r.stderr
    )
    assert sorted(p.name for p in folder.iterdir()) == ["existing.yaml"]  # nothing written
    # A fresh id is accepted, and re-importing over its own file with --force is no duplicate.
    _write_csv(src, [item(id="NEW-1")])
    assert run("import", "csv", str(src), "-o", str(folder)).exit_code == 0
    r = run("import", "csv", str(src), "-o", str(folder), "--force")
    assert r.exit_code == 0, r.stderr
    assert run("bank", "validate", str(folder)).exit_code == 0


def test_lint_and_stats_report_the_banks_one_letter_spread(write_bank: WriteBank) -> None:
    from peerprep.bank import load_bank
    from peerprep.bank_stats import bank_stats
    from peerprep.lint import lint

    bank = load_bank(write_bank(a=items_for_all_tasks(2)), BP)
    spread = bank.answer_letters()
    assert spread == {"A": 54, "B": 54, "C": 0, "D": 0}
    assert bank_stats(bank).answer_letters == spread == lint(bank).letters


def test_an_invalid_bank_stops_lint_and_stats_with_the_pipelines_problems(
    write_bank: WriteBank,
) -> None:
    root = write_bank(a=[item(id="L-1"), item(id="L-1", stem="Same id, different stem here.")])
    for cmd in ("lint", "stats", "validate"):
        r = run("bank", cmd, str(root))
        assert r.exit_code == 2 and "duplicate id L-1; first used at" in r.stderr, cmd


# ---------------------------------------------------------------- constants
@pytest.mark.parametrize(
    "name", sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.name != "constants.py")
)
def test_shared_literals_come_from_constants(name: str) -> None:
    text = (SRC / name).read_text(encoding="utf-8")
    for literal in ('"ABCDE"', "'ABCDE'", '"ABCD"', "0o644", "HALF_LIFE_DAYS = ", "86400"):
        assert literal not in text, f"{name} repeats {literal}; use peerprep.constants"


def test_the_option_key_type_matches_the_letters() -> None:
    from typing import get_args

    from peerprep import constants
    from peerprep.models import OPTION_KEYS, OptionKey

    assert "".join(get_args(OptionKey)) == constants.OPTION_LETTERS
    assert "".join(OPTION_KEYS) == constants.OPTION_LETTERS
    assert constants.pace_seconds(BP.exam.minutes, BP.exam.items) == 96.0
    assert (BP.exam.items, BP.exam.minutes) == (constants.EXAM_ITEMS, constants.EXAM_MINUTES)


# ================================================================ 18: the FormKey
@pytest.fixture
def built(tmp_path: Path) -> Path:
    out = tmp_path / "forms"
    r = run("exam", "build", "-o", str(out), "--format", "md", "--items", "12", "--seed", "4",
            "--title", "Round trip")  # fmt: skip
    assert r.exit_code == 0, r.output
    return out / "form-1-key.json"


def test_build_writes_the_formkey_and_it_round_trips(built: Path) -> None:
    from peerprep.bank import load_bank
    from peerprep.exams.formkey import FormKey, fingerprint, load_key

    data = json.loads(built.read_text())
    key = load_key(built)
    assert isinstance(key, FormKey)
    assert key.model_dump(mode="json") == data  # the file is exactly the model
    assert FormKey.model_validate_json(key.to_json()) == key
    assert (key.version, key.form, key.title, key.seed, key.minutes) == (2, 1, "Round trip", 4, 19)
    bank = load_bank(None, BP)
    assert key.bank_fingerprint == fingerprint(bank, [p.id for p in key.items])
    assert key.matches(bank) is True
    assert len(key.form_id) == 16 and len(key.items) == 12
    for pos in key.items:
        q = bank.get(pos.id)
        assert sorted(pos.order) == sorted(q.options)  # the printed order of this item's options
        assert pos.original_key() == q.answer and pos.options == len(q.options)
        assert (pos.task, pos.domain) == (q.task, BP.domain_of(q.task).code)
    # The printed key shows the same letters as the key file.
    md = (built.parent / "form-1-key.md").read_text()
    rows = re.findall(r"^\| (\d+) \| ([A-E]) \| \S+ \| \S+ \| (\S+) \|$", md, re.M)
    assert [(int(n), k, i) for n, k, i in rows] == [(p.n, p.key, p.id) for p in key.items]


def _answers(key_path: Path, tmp_path: Path) -> Path:
    from peerprep.exams.formkey import load_key

    key = load_key(key_path)
    resp = tmp_path / "answers.csv"
    resp.write_text(
        "c1," + ",".join(p.key for p in key.items) + "\n"
        "c2," + ",".join("A" for _ in key.items) + "\n"
        "c3," + ",".join("B" for _ in key.items) + "\n"
    )
    return resp


def test_grade_and_export_csv_form_read_the_same_key(built: Path, tmp_path: Path) -> None:
    from peerprep.exams.formkey import load_key

    key = load_key(built)
    r = run("exam", "grade", str(built), str(_answers(built, tmp_path)), "--json")
    assert r.exit_code == 0, r.output
    graded = json.loads(r.output)["data"]
    assert [(i["n"], i["id"], i["key"]) for i in graded["items"]] == [
        (p.n, p.id, p.key) for p in key.items
    ]
    assert graded["candidates"][0]["percent"] == 100.0
    r = run("export", "csv", "--form", str(built), "-o", str(tmp_path / "csv"))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader((tmp_path / "csv" / "peerprep-items.csv").open(encoding="utf-8")))
    assert [row["id"] for row in rows] == [p.id for p in key.items]


def test_a_key_written_by_the_old_code_still_loads(tmp_path: Path) -> None:
    """tests/fixtures/form_key_v1.json was written by `peerprep exam build` before FormKey
    (commit b847b0b): version 1, no time limit, fingerprint or form id."""
    from peerprep.exams.formkey import load_key

    old = FIXTURES / "form_key_v1.json"
    raw = json.loads(old.read_text())
    assert raw["version"] == 1 and "minutes" not in raw
    key = load_key(old)
    assert key.version == 2 and key.minutes is None and key.bank_fingerprint is None
    assert (key.title, key.form, key.seed) == (raw["title"], raw["form"], raw["seed"])
    assert [(p.id, p.order, p.key, p.options) for p in key.items] == [
        (i["id"], i["order"], i["key"], i["options"]) for i in raw["items"]
    ]
    r = run("exam", "grade", str(old), str(_answers(old, tmp_path)), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["data"]["candidates"][0]["percent"] == 100.0
    r = run("export", "csv", "--form", str(old), "-o", str(tmp_path / "csv"))
    # The form was built from an older bank: items retired since then cannot be exported,
    # and the refusal names them (exit 2, one line) instead of exporting a different form.
    retired = {
        line.split()[0]
        for line in (ROOT / "question_bank" / "retired-ids.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    gone = sorted({i["id"] for i in raw["items"]} & retired)
    if gone:
        assert r.exit_code == 2 and "items not in this bank" in r.stderr, r.output
        assert all(i in r.stderr for i in gone)
    else:
        assert r.exit_code == 0, r.output


def _tamper(data: dict[str, Any], how: str) -> str:
    """Change a written key; returns the field the error must name."""
    if how == "unknown letter":
        data["items"][2]["key"] = "F"
        return "items[2].key"
    if how == "letter not printed":  # 4 options printed, so E is no option of this item
        data["items"][0]["key"] = "E"
        return "items[0].key"
    if how == "order not a permutation":
        data["items"][1]["order"] = "ABCA"
        return "items[1].order"
    if how == "missing field":
        del data["items"][3]["task"]
        return "items[3].task"
    if how == "missing top field":
        del data["minutes"]
        return "minutes"
    if how == "wrong type":
        data["seed"] = "four"
        return "seed"
    if how == "wrong type in a position":
        data["items"][0]["n"] = "one"
        return "items[0].n"
    if how == "not json":
        return "(file)"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "unknown letter",
        "letter not printed",
        "order not a permutation",
        "missing field",
        "missing top field",
        "wrong type",
        "wrong type in a position",
        "not json",
    ],
)
def test_a_tampered_key_is_a_one_line_error_for_every_reader(
    built: Path, tmp_path: Path, how: str
) -> None:
    resp = _answers(built, tmp_path)
    data = json.loads(built.read_text())
    field = _tamper(data, how)
    bad = tmp_path / "tampered-key.json"
    bad.write_text("{not json" if how == "not json" else json.dumps(data))
    for args in (
        ["exam", "grade", str(bad), str(resp)],
        ["export", "csv", "--form", str(bad), "-o", str(tmp_path / "csv")],
    ):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        err = r.stderr.strip()
        assert "Traceback" not in r.output + r.stderr
        assert len(err.splitlines()) == 1, err
        assert err.startswith(f"error: {bad}: {field}: "), err
