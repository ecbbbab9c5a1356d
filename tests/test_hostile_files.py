"""Hostile and odd input files stay inert and cheap: YAML, cache, CSV, GIFT, answer sheets."""

from __future__ import annotations

import contextlib
import csv
import io
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from peerprep import csvcells
from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli.app import app
from peerprep.errors import BankInvalidError
from peerprep.exams.grade import FormKey
from peerprep.models import OPTION_MAX, RATIONALE_MAX, STEM_MAX, TAGS_MAX
from peerprep.yamlio import FileProblem, load_yaml

from .conftest import GOOD_ITEM, WriteBank, item, items_for_all_tasks

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def assert_one_line_error(r: Any, code: int | tuple[int, ...] = (1, 2)) -> str:
    """Exit 1 or 2, no traceback anywhere, and the error itself on one line."""
    codes = (code,) if isinstance(code, int) else code
    assert r.exit_code in codes, (r.exit_code, r.output, r.exception)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert "Traceback" not in r.output and "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, r.stderr
    return str(r.stderr)


# ---------------------------------------------------------------- 9: YAML stays inert
ALIAS_SPELLINGS = {  # the first five loaded, aliases expanded, before the event-stream check
    "NEL line break": "[1,\x85&x 2,\x85*x]\n",
    "U+2028 line break": "[1,\u2028&x 2,\u2028*x]\n",
    "U+2029 line break": "[1,\u2029&x 2,\u2029*x]\n",
    "BOM at a line start": "[1,\n\ufeff&x 2,\n\ufeff*x]\n",
    "flow mapping": "{a: 1,\x85&x b: 2, c:\x85*x}\n",
    "tab": "a:\t&x b\nc:\t*x\n",
    "after a quoted key in flow": '{"a":&x 1, "b":*x}\n',
    "plain": "a: &x 1\nb: *x\n",
    "anchor only": "a: &x 1\n",
}


@pytest.mark.parametrize("text", list(ALIAS_SPELLINGS.values()), ids=list(ALIAS_SPELLINGS))
def test_anchors_and_aliases_are_refused_however_spelled(text: str) -> None:
    with pytest.raises(FileProblem) as exc:
        load_yaml(text, "bank.yaml")
    assert "anchors and aliases" in exc.value.problem.message


def test_a_nel_alias_bomb_in_a_bank_is_refused_not_expanded(write_bank: WriteBank) -> None:
    levels = ["&l0 [lol]"] + [
        f"&l{i} [" + ",".join([f"\x85*l{i - 1}"] * 9) + "]" for i in range(1, 9)
    ]
    root = write_bank(bomb="[" + ",".join("\x85" + level for level in levels) + "]\n")
    r = run("bank", "validate", str(root))
    err = assert_one_line_error(r, 2)
    assert "anchors and aliases" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- <<: {id: X-1}\n  task: I1\n", "merge keys"),
        ("[" * 40 + "]" * 40, "nests deeper than"),
        ("- difficulty: " + "9" * 5000 + "\n", "a number longer than"),
        ("- difficulty: 1" + ":1" * 200_000 + "\n", "a number longer than"),  # base-60: quadratic
        ("- as_of: 2026-02-30\n", "day is out of range"),
        ("- a\n---\n- b\n", "more than one YAML document"),
        ("- a\n- b\x00\n", "#x0000"),
    ],
    ids=["merge", "deep", "long int", "base-60 int", "bad date", "two documents", "NUL"],
)
def test_what_expands_or_raises_is_one_problem_quickly(
    text: str, message: str, write_bank: WriteBank
) -> None:
    root = write_bank(odd=text)
    start = time.perf_counter()
    r = run("bank", "validate", str(root))
    assert time.perf_counter() - start < 2
    err = assert_one_line_error(r, 2)
    assert message in err
    assert len([ln for ln in err.splitlines() if "odd.yaml" in ln]) == 1


def test_the_loader_builds_what_yaml_load_builds() -> None:
    from peerprep.bank import bank_files
    from peerprep.paths import bundled_bank

    for f in bank_files(bundled_bank())[:20]:
        text = f.read_text(encoding="utf-8")
        assert load_yaml(text, str(f)) == yaml.load(text, Loader=yaml.CSafeLoader)
    odd = "a: !!binary aGk=\nb: !!str 12\nc: 2026-01-02\nd: ~\ne: 0x1f\nf: [yes, 1.5, 'x']\n"
    assert load_yaml(odd, "x") == yaml.safe_load(odd)


def _peak_ratio(tmp_path: Path, text: str) -> float:
    """Peak traced memory of loading `text` as a bank file, over the file's size. The
    file may be refused: what a refused file costs counts as much as a loaded one."""
    f = tmp_path / "big.yaml"
    f.write_text(text, encoding="utf-8")
    bp = load_blueprint()
    with contextlib.suppress(BankInvalidError):  # one-time costs (validators, regexes)
        load_bank(f, bp, use_cache=False)
    tracemalloc.start()
    try:
        with contextlib.suppress(BankInvalidError):
            load_bank(f, bp, use_cache=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / f.stat().st_size


def test_loading_a_valid_bank_file_peaks_under_ten_times_its_size(tmp_path: Path) -> None:
    many = items_for_all_tasks(per_task=6)  # 324 items, the usual shape
    assert _peak_ratio(tmp_path, yaml.safe_dump(many, sort_keys=False)) < 10
    # The longest texts the schema allows, in every field of every item.
    longest = [
        item(
            id=f"L-{n}",
            stem="w" * STEM_MAX,
            options=dict.fromkeys("ABCD", "o" * OPTION_MAX),
            rationale={
                "answer": "r" * RATIONALE_MAX,
                "distractors": dict.fromkeys("BCD", "n" * 900),
            },
            tags=[f"t{i}" * 10 for i in range(TAGS_MAX)],
        )
        for n in range(100)
    ]
    assert _peak_ratio(tmp_path, yaml.safe_dump(longest, width=80)) < 10


@pytest.mark.parametrize(
    "field",
    [
        {"stem": "word " * 300_000},  # one 1.5 MB scalar
        {"stem": "a" * 1_500_000 + "\U0001f600"},  # ASCII plus one emoji: 4 bytes a char in str
        {"tags": [f"t{i}" for i in range(46_000)]},  # many tiny strings
    ],
)
def test_oversized_fields_are_refused_and_stay_cheap(tmp_path: Path, field: dict[str, Any]) -> None:
    text = yaml.safe_dump([item(**field)], allow_unicode=True, width=80)
    f = tmp_path / "big.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(BankInvalidError) as err:
        load_bank(f, load_blueprint(), use_cache=False)
    assert any("at most" in d or "entries" in d for d in err.value.details), err.value.details
    assert _peak_ratio(tmp_path, text) < 20  # refused files too: bounded, if not tight


# ---------------------------------------------------------------- 11: CSV cells never run
NASTY = ["=1+1", "-5 is a negative number", "+SUM(A1)", "@cmd", "\tTabbed", "\rCR", "'=quoted"]


def test_neutralise_and_restore_round_trip_every_string() -> None:
    for s in [*NASTY, "", "'", "''", "plain", "'plain", "''-x", "a=b"]:
        out = csvcells.neutralise(s)
        assert not out.startswith(csvcells.TRIGGERS)
        assert csvcells.restore(out) == s
    assert csvcells.neutralise(None) == ""
    # A plain number stays a number (sortable); anything formula-like is quoted.
    for number in (-3, "-0.123", "+4", "1e-5", "-.5"):
        assert csvcells.neutralise(number) == str(number)
    for formula in ("-1+2", "-A1", "+cmd|' /C calc'!A0", "-3 ", "=1", "@SUM(A1)"):
        assert csvcells.neutralise(formula) == "'" + formula


def _nasty_bank(write_bank: WriteBank) -> Path:
    items = items_for_all_tasks(per_task=1)
    items[0] = item(
        stem="=1+1 is what a spreadsheet would compute here?",
        options={"A": "-5 is a negative number", "B": "@SUM(A1:A9)", "C": "+cmd|' /C calc'!A0"},
        answer="A",
        rationale={"answer": '=HYPERLINK("http://x")', "distractors": {"B": "-no", "C": "+no"}},
        tags=["=tag"],
    )
    return write_bank(b=items)


def test_export_csv_neutralises_and_import_csv_restores(
    write_bank: WriteBank, tmp_path: Path
) -> None:
    root = _nasty_bank(write_bank)
    r = run("export", "csv", "--bank", str(root), "-t", "I1", "-o", str(tmp_path))
    assert r.exit_code == 0, r.output
    rows = list(csv.reader((tmp_path / "peerprep-items.csv").open(encoding="utf-8")))
    cells = [c for row in rows for c in row]
    assert cells and not [c for c in cells if c.startswith(csvcells.TRIGGERS)]
    assert "'=1+1 is what a spreadsheet would compute here?" in cells
    assert "'-5 is a negative number" in cells
    out = tmp_path / "imported"
    r = run("import", "csv", str(tmp_path / "peerprep-items.csv"), "-o", str(out))
    assert r.exit_code == 0, r.output
    (back,) = yaml.safe_load((out / "imported-peerprep-items.yaml").read_text(encoding="utf-8"))
    assert back["stem"] == "=1+1 is what a spreadsheet would compute here?"
    assert back["options"]["A"] == "-5 is a negative number"
    assert back["options"]["C"] == "+cmd|' /C calc'!A0"
    assert back["rationale"]["answer"] == '=HYPERLINK("http://x")'
    assert back["tags"] == ["=tag"]


def test_progress_export_neutralises_every_cell() -> None:
    from peerprep.progress.report import export_csv

    bank = load_bank(None, load_blueprint())
    history = SimpleNamespace(
        answers=[
            {
                "at": "=NOW()",
                "session": "@s",
                "mode": "+quiz",
                "item": "-RETIRED",
                "chosen": "=A",
                "correct": False,
                "seconds": 1.5,
            }
        ]
    )
    out = io.StringIO()
    assert export_csv(bank, history, out) == 1  # type: ignore[arg-type]
    row = list(csv.reader(io.StringIO(out.getvalue())))[1]
    assert row[:4] == ["'=NOW()", "'@s", "'+quiz", "'-RETIRED"] and row[6] == "'=A"


def _key_file(tmp_path: Path, n: int = 4) -> Path:
    key = FormKey.model_validate(
        {
            "format": "peerprep-form-key",
            "version": 1,
            "title": "T",
            "form": 1,
            "items": [
                {"n": i + 1, "id": f"X{i}", "task": "I1", "domain": "I", "key": "A", "options": 4}
                for i in range(n)
            ],
        }
    )
    path = tmp_path / "key.json"
    path.write_text(key.model_dump_json(), encoding="utf-8")
    return path


def test_exam_grade_csv_neutralises_candidate_ids(tmp_path: Path) -> None:
    resp = tmp_path / "r.csv"
    resp.write_text('"=HYPERLINK(""http://x"")",A,A,A,A\n@c2,B,A,,C\nc3,A,B,A,A\n')
    r = run("exam", "grade", str(_key_file(tmp_path)), str(resp), "--csv")
    assert r.exit_code == 0, r.output
    cells = [c for row in csv.reader(io.StringIO(r.stdout)) for c in row]
    assert '\'=HYPERLINK("http://x")' in cells and "'@c2" in cells
    formulas = [c for c in cells if c.startswith(csvcells.TRIGGERS)]
    assert all(csvcells.neutralise(c) == c for c in formulas), formulas  # plain numbers only
    assert "-0.500" in formulas  # a negative discrimination stays a sortable number


# ---------------------------------------------------------------- 12: imports are linear
HEADER = "task,stem,option_a,option_b,option_c,option_d,answer,rationale\n"


def _csv_rows(n: int) -> str:
    row = "I1,A question about advocacy number {i}?,a,b,c,d,A,Because.\n"
    return HEADER + "".join(row.format(i=i) for i in range(n))


def _unclosed_gift(n: int) -> str:
    return "::Q1:: A stem whose brace never closes {\n=yes\n" + "~another option\n" * n


class _CountingSet(set[str]):
    """A set that counts membership tests: the id maker's work, without a stopwatch."""

    checks = 0

    def __contains__(self, item: object) -> bool:
        type(self).checks += 1
        return super().__contains__(item)


def test_csv_import_without_ids_does_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # The quadratic version rescanned every earlier number for each row (~n^2/2 checks);
    # counting the checks is exact where a timing would be flaky on a shared CPU.
    from peerprep.export import importers

    real_init = importers._IdMaker.__init__

    def counting_init(self: Any, prefix: str) -> None:
        real_init(self, prefix)
        self.used = _CountingSet()

    monkeypatch.setattr(importers._IdMaker, "__init__", counting_init)
    counts = []
    for n in (1_000, 10_000):
        _CountingSet.checks = 0
        importers.from_csv(_csv_rows(n), "set", load_blueprint(), task="I1")
        counts.append(_CountingSet.checks)
    assert counts[1] <= 2 * 10_000 and counts[1] <= 11 * counts[0], counts


def test_gift_without_its_closing_brace_is_scanned_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rescanning the whole question per new line made an unclosed brace quadratic.
    from peerprep.export import gift, importers

    scanned = [0]
    real = gift._braces

    def counting(line: str) -> Any:
        scanned[0] += len(line)
        return real(line)

    monkeypatch.setattr(gift, "_braces", counting)
    text = _unclosed_gift(10_000)
    good, problems = importers.from_gift(text, "set", load_blueprint(), task="I1")
    assert not good and problems and "no closing" in problems[0].message
    assert scanned[0] <= len(text), (scanned[0], len(text))


def test_ten_thousand_rows_without_ids_get_distinct_ids() -> None:
    from peerprep.export import importers

    good, problems = importers.from_csv(_csv_rows(10_000), "set", load_blueprint(), task=None)
    assert not problems and len({i["id"] for i in good}) == 10_000
    assert good[0]["id"] == "IMP-I1-001" and good[-1]["id"] == "IMP-I1-10000"


# ---------------------------------------------------------------- 13: a damaged cache rebuilds
def test_a_flipped_bit_anywhere_in_the_cache_means_a_rebuild(
    write_bank: WriteBank, sandbox_home: Path
) -> None:
    from peerprep import cache

    root = write_bank(b=[GOOD_ITEM, item(id="ADV-I1-902", task="I2")])
    bp = load_blueprint()
    fresh = load_bank(root, bp, use_cache=False)
    assert not load_bank(root, bp).from_cache
    (slot,) = (sandbox_home / "cache").glob("bank-*.marshal")
    good = slot.read_bytes()
    key = cache.content_key("bank", [("b.yaml", (root / "b.yaml").read_bytes())], *bp.task_codes())
    assert cache.read("bank", root, key) is not None
    for offset in range(len(good)):  # every byte, every bit position in turn: cheap reads
        damaged = bytearray(good)
        damaged[offset] ^= 1 << (offset % 8)
        slot.write_bytes(bytes(damaged))
        assert cache.read("bank", root, key) is None, offset
    step = max(1, len(good) // 40)
    for offset in [*range(0, len(good), step), len(good) - 1]:  # and whole loads, sampled
        damaged = bytearray(good)
        damaged[offset] ^= 0x10
        slot.write_bytes(bytes(damaged))
        b = load_bank(root, bp)
        assert not b.from_cache, offset
        assert [q.model_dump() for q in b] == [q.model_dump() for q in fresh]
        assert slot.read_bytes() == good  # rebuilt in place
    assert load_bank(root, bp).from_cache


# ---------------------------------------------------------------- 14: no tracebacks
def _csv_file(tmp_path: Path, body: str | bytes, name: str = "set.csv") -> Path:
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path


def test_gift_with_eleven_answers_is_one_problem(tmp_path: Path) -> None:
    src = tmp_path / "q.gift"
    src.write_text("::Q1:: Which one? {\n" + "~no\n" * 10 + "=yes\n}\n", encoding="utf-8")
    r = run("import", "gift", str(src), "-t", "I1", "-o", str(tmp_path / "o"))
    err = assert_one_line_error(r, 2)
    assert f"{src}:1: options: 11 answers" in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.parametrize("digit", ["\u0662", "\uff12", "\u00b2", "two"])
def test_a_non_ascii_difficulty_is_refused_with_its_line(digit: str, tmp_path: Path) -> None:
    src = _csv_file(
        tmp_path, HEADER.strip() + ",difficulty\nI1,A fine question?,a,b,c,d,A,Because.," + digit
    )
    r = run("import", "csv", str(src), "-o", str(tmp_path / "o"))
    err = assert_one_line_error(r, 2)
    assert f"{src}:2: difficulty: " in err


def test_a_csv_field_over_128_kib_is_one_problem(tmp_path: Path) -> None:
    src = _csv_file(tmp_path, HEADER + "I1," + "x" * (128 * 1024 + 1) + ",a,b,c,d,A,Because.\n")
    r = run("import", "csv", str(src), "-o", str(tmp_path / "o"))
    err = assert_one_line_error(r, 2)
    assert "128 KiB" in err


def test_a_key_beyond_the_options_is_one_problem_everywhere(
    tmp_path: Path, write_bank: WriteBank
) -> None:
    src = _csv_file(tmp_path, HEADER + "I1,A fine question?,a,b,c,d,E,Because.\n")
    err = assert_one_line_error(run("import", "csv", str(src), "-o", str(tmp_path / "o")), 2)
    assert f"{src}:2: answer: " in err
    root = write_bank(b=[item(answer="E")])
    err = assert_one_line_error(run("bank", "validate", str(root)), 2)
    assert "answer" in err and "E is not one of the options" in err
    gift = tmp_path / "q.gift"  # GIFT has no letters: the key is whichever answer has '='
    gift.write_text("::Q1:: Which one? {\n~a\n~b\n~c\n~d\n~e\n=f\n}\n", encoding="utf-8")
    err = assert_one_line_error(
        run("import", "gift", str(gift), "-t", "I1", "-o", str(tmp_path / "g")), 2
    )
    assert f"{gift}:1: options: 6 answers" in err


@pytest.mark.parametrize("fmt", ["anki", "csv", "gift", "aiken", "qti"])
@pytest.mark.parametrize("force", [False, True])
def test_export_name_that_is_a_folder(fmt: str, force: bool, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    args = ["export", fmt, "-t", "I1", "-o", str(tmp_path), "--name", "taken"]
    err = assert_one_line_error(run(*args, *(["--force"] if force else [])), 2)
    assert "is a folder" in err
    assert (tmp_path / "taken").is_dir() and not any((tmp_path / "taken").iterdir())


def test_export_into_a_path_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    err = assert_one_line_error(run("export", "csv", "-t", "I1", "-o", str(tmp_path / "file/sub")))
    assert "cannot create the folder" in err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("c1," + "A" * (128 * 1024 + 1) + ",A,A,A\n", "128 KiB"),
        (b"c1,A,A,A,A\n\xff\xfe,A,A,A,A\n", "not UTF-8"),
        ("", "no gradable answer rows"),
        ("id,q1,q2,q3,q4\n", "no gradable answer rows"),
        ('c1,"A,A,A,A\n', "right key"),  # an unterminated quote swallows the rest
    ],
    ids=["huge field", "non-UTF-8", "empty", "header only", "open quote"],
)
def test_odd_answer_sheets_are_one_line_errors(
    body: str | bytes, message: str, tmp_path: Path
) -> None:
    resp = _csv_file(tmp_path, body, "responses.csv")
    err = assert_one_line_error(run("exam", "grade", str(_key_file(tmp_path)), str(resp)))
    assert message in err


@pytest.mark.parametrize(
    "body",
    ["\ufeffid,q1,q2,q3,q4\r\nc1,A,A,A,A\r\nc2,B,B,B,B\r\n", "c1,A,A,A,A\nc\x002,B,B,\x00,B\n"],
    ids=["BOM and CRLF", "NUL bytes"],
)
def test_answer_sheets_with_a_bom_crlf_or_nul_are_graded(body: str, tmp_path: Path) -> None:
    resp = _csv_file(tmp_path, body, "responses.csv")
    r = run("exam", "grade", str(_key_file(tmp_path)), str(resp), "--json")
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output


ODD_FILES: dict[str, bytes] = {
    "empty": b"",
    "header only": HEADER.encode(),
    "CRLF": (HEADER + "I1,A question?,a,b,c,d,A,Because.\n").replace("\n", "\r\n").encode(),
    "BOM": "\ufeff".encode() + HEADER.encode() + b"I1,A question?,a,b,c,d,A,Because.\n",
    "NUL bytes": HEADER.encode() + b"I1,A ques\x00tion?,a,b,c,d,A,Because.\n",
    "non-UTF-8": HEADER.encode() + b"I1,A question\xff?,a,b,c,d,A,Because.\n",
    "only blank lines": b"\n\n\n",
}


@pytest.mark.parametrize("name", list(ODD_FILES))
@pytest.mark.parametrize("kind", ["csv", "gift"])
def test_odd_import_files_never_trace_back(name: str, kind: str, tmp_path: Path) -> None:
    src = _csv_file(tmp_path, ODD_FILES[name], f"set.{kind}")
    out = tmp_path / "o"
    r = run("import", kind, str(src), "-t", "I1", "-o", str(out))
    assert "Traceback" not in r.output + r.stderr and r.exit_code in (0, 1, 2), r.exception
    if r.exit_code == 0:
        (written,) = out.iterdir()
        assert yaml.safe_load(written.read_text(encoding="utf-8"))  # never an empty list
    else:
        assert_one_line_error(r)
        assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("name", ["empty", "BOM", "NUL bytes", "non-UTF-8", "CRLF"])
def test_odd_bank_files_never_trace_back(name: str, write_bank: WriteBank) -> None:
    body = yaml.safe_dump([GOOD_ITEM], sort_keys=False).encode()
    variants = {
        "empty": b"",
        "BOM": "\ufeff".encode() + body,
        "NUL bytes": body.replace(b"stem:", b"stem: \x00", 1),
        "non-UTF-8": body + b"# \xff\n",
        "CRLF": body.replace(b"\n", b"\r\n"),
    }
    r = run("bank", "validate", str(write_bank(b=variants[name])))
    assert "Traceback" not in r.output + r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code in (0, 2)


def test_the_top_level_list_of_items_is_not_capped(tmp_path: Path) -> None:
    many = [item(id=f"T-{n}", stem=f"A question number {n} about advocacy?") for n in range(600)]
    f = tmp_path / "many.yaml"
    f.write_text(yaml.safe_dump(many, sort_keys=False), encoding="utf-8")
    assert len(load_bank(f, load_blueprint(), use_cache=False)) == 600
