"""GIFT, Aiken, QTI exports and CSV/GIFT imports, checked by independent readers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from peerprep.bank import Bank, load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.export.gift import to_aiken, to_gift
from peerprep.export.qti import to_qti_zip
from tests.conftest import WriteBank, item

BP = load_blueprint()
runner = CliRunner()
NASTY = "Mark {this} = that ~ other # hash: colon \\ backslash, then :: double colons?"


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(None, BP, use_cache=False)


def _tokens(text: str) -> list[tuple[str, str]]:
    """Independent GIFT tokenizer: ('ch', c) for literal text, ('sp', c) for syntax."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            out.append(("ch", text[i + 1]))
            i += 2
        elif c in "~=#{}:":
            out.append(("sp", c))
            i += 1
        else:
            out.append(("ch", c))
            i += 1
    return out


def strict_gift(text: str) -> list[dict[str, Any]]:
    """A strict reader for the GIFT we write: title, stem, =/~ answers with #feedback,
    ####general feedback. Anything else is an error."""
    body = "\n".join(
        ln for ln in text.splitlines() if not ln.startswith("//") and not ln.startswith("$CATEGORY")
    )
    toks = _tokens(body)
    questions, i = [], 0

    def literal(until: set[str]) -> str:
        nonlocal i
        buf = []
        while i < len(toks) and not (toks[i][0] == "sp" and toks[i][1] in until):
            assert toks[i][0] == "ch", f"unexpected {toks[i]}"
            buf.append(toks[i][1])
            i += 1
        return " ".join("".join(buf).split())

    while i < len(toks):
        if toks[i] == ("ch", "\n") or toks[i][1].isspace():
            i += 1
            continue
        assert toks[i : i + 2] == [("sp", ":"), ("sp", ":")], "a question starts with ::title::"
        i += 2
        title = literal({":"})
        assert toks[i : i + 2] == [("sp", ":"), ("sp", ":")]
        i += 2
        stem = literal({"{"})
        assert toks[i] == ("sp", "{")
        i += 1
        answers, general = [], ""
        while True:
            literal({"=", "~", "#", "}"})
            kind = toks[i][1]
            i += 1
            if kind == "}":
                break
            if kind == "#":
                assert [t[1] for t in toks[i : i + 3]] == ["#", "#", "#"], "#### general feedback"
                i += 3
                general = literal({"}"})
                continue
            text_ = literal({"=", "~", "#", "}"})
            fb = ""
            if toks[i] == ("sp", "#") and toks[i + 1] != ("sp", "#"):
                i += 1
                fb = literal({"=", "~", "#", "}"})
            answers.append((kind == "=", text_, fb))
        questions.append({"title": title, "stem": stem, "answers": answers, "general": general})
    return questions


def _norm(s: str) -> str:
    return " ".join(s.split())


def test_gift_round_trips_through_an_independent_reader(bank: Bank, write_bank: WriteBank) -> None:
    items = list(bank)
    parsed = strict_gift(to_gift(bank, items))
    assert len(parsed) == len(items)
    for q, p in zip(items, parsed, strict=True):
        assert p["title"] == q.id and p["stem"] == _norm(q.stem)
        assert [(ok, t) for ok, t, _ in p["answers"]] == [
            (k == q.answer, _norm(v)) for k, v in q.options.items()
        ]
        assert p["general"] == _norm(q.rationale.answer)
        for (ok, _, fb), k in zip(p["answers"], q.options, strict=True):
            want = q.rationale.answer if ok else q.rationale.distractors[k]
            assert fb == _norm(want)
    # special characters in every field survive
    nasty = load_bank(
        write_bank(
            a=[item(stem=NASTY, options={"A": "A = B", "B": "~tilde", "C": "#1 {x}", "D": "a:b"})]
        ),
        BP,
    )
    (p,) = strict_gift(to_gift(nasty, list(nasty)))
    assert p["stem"] == NASTY
    assert [t for _, t, _ in p["answers"]] == ["A = B", "~tilde", "#1 {x}", "a:b"]


def test_aiken_is_strict(bank: Bank) -> None:
    items = list(bank)[:20]
    blocks = to_aiken(items).strip().split("\n\n")
    assert len(blocks) == 20
    for q, block in zip(items, blocks, strict=True):
        lines = block.split("\n")
        assert lines[0] == _norm(q.stem)
        assert [ln[:3] for ln in lines[1:-1]] == [f"{k}. " for k in q.options]
        assert lines[-1] == f"ANSWER: {q.answer}"


def test_qti_zip_is_well_formed_and_structured(bank: Bank) -> None:
    items = list(bank)[:30]
    data = to_qti_zip([("Quiz one", items[:10]), ("Quiz two", items[10:])])
    z = zipfile.ZipFile(io.BytesIO(data))
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter("{*}file")]
    assert len(hrefs) == 2 and all(h in z.namelist() for h in hrefs)
    total = 0
    for href in hrefs:
        root = etree.fromstring(z.read(href))
        assert etree.QName(root).localname == "questestinterop"
        for it in root.iter("{*}item"):
            total += 1
            q = bank.get(it.get("title"))
            labels = it.findall(".//{*}response_label")
            assert len(labels) == len(q.options)
            texts = [lab.find(".//{*}mattext").text for lab in labels]
            assert texts == [_norm(v) for v in q.options.values()]
            key_id = labels[list(q.options).index(q.answer)].get("ident")
            scoring = [c for c in it.iter("{*}respcondition") if c.get("continue") == "No"]
            assert [c.find(".//{*}varequal").text for c in scoring] == [key_id]
            assert it.find(".//{*}fieldentry").text == "multiple_choice_question"
    assert total == 30


def test_import_csv_and_gift_round_trip(bank: Bank, tmp_path: Path) -> None:
    some = ["--task", "II9"]
    assert run("export", "csv", *some, "-o", str(tmp_path)).exit_code == 0
    assert run("export", "gift", *some, "-o", str(tmp_path)).exit_code == 0
    out = tmp_path / "bank"
    r = run("import", "csv", str(tmp_path / "peerprep-items.csv"), "-o", str(out))
    assert r.exit_code == 0, r.output
    imported = yaml.safe_load((out / "imported-peerprep-items.yaml").read_text())
    originals = {q.id: q for q in bank if q.task == "II9"}
    assert {i["id"] for i in imported} == set(originals)
    for i in imported:
        q = originals[i["id"]]
        assert (i["stem"], i["answer"], i["options"]) == (q.stem.strip(), q.answer, q.options)
    # The GIFT holds the same ids: it may only join a bank that does not have them yet.
    (out / "imported-peerprep-items.yaml").unlink()
    r = run("import", "gift", str(tmp_path / "peerprep.gift.txt"), "-o", str(out), "-t", "II9")
    assert r.exit_code == 0, r.output
    assert run("bank", "validate", str(out)).exit_code == 0


def test_import_reports_problems_by_line_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "set.csv"
    src.write_text(
        "stem,option_a,option_b,option_c,option_d,answer,rationale,task\n"
        "A good question about advocacy?,a,b,c,d,A,Because.,I1\n"
        "Second question with no task given?,a,b,c,d,B,Because.,\n"
        "Third question with a bad key?,a,b,c,d,E,Because.,II3\n"
        "Fourth question without a rationale?,a,b,c,d,C,,IV1\n"
    )
    r = run("import", "csv", str(src), "-o", str(tmp_path / "out"))
    assert r.exit_code == 2
    err = r.stderr
    assert f"{src}:3: task: unknown task code ''" in err
    assert f"{src}:4:" in err and f"{src}:5: rationale.answer" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    r = run("import", "csv", str(src), "-o", str(tmp_path / "out"), "--task", "I5")
    assert r.exit_code == 2 and f"{src}:3:" not in r.stderr  # --task fills the blank
    bad = tmp_path / "bad.gift"
    bad.write_text("::Q1:: A stem without a closing brace {\n=yes\n~no\n")
    r = run("import", "gift", str(bad), "-t", "I1", "-o", str(tmp_path / "o2"))
    assert r.exit_code == 2 and f"{bad}:1: gift: question has no closing" in r.stderr


@pytest.mark.parametrize("fmt", ["gift", "aiken", "qti"])
def test_cli_exports_and_no_clobber(fmt: str, tmp_path: Path) -> None:
    assert run("export", fmt, "-o", str(tmp_path)).exit_code == 0
    r = run("export", fmt, "-o", str(tmp_path))
    assert r.exit_code == 2 and "--force" in r.stderr
