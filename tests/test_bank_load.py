"""Loading banks: every kind of bad input gives file:line: field: message, never a traceback."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerprep.bank import load_bank
from peerprep.blueprint import load_blueprint
from peerprep.errors import BankInvalidError, BankProblem, InvalidInputError
from peerprep.models import Blueprint
from tests.conftest import WriteBank, item, items_for_all_tasks

BP = load_blueprint()


def problems_of(root: Path, bp: Blueprint = BP) -> list[BankProblem]:
    with pytest.raises(BankInvalidError) as exc:
        load_bank(root, bp, use_cache=False)
    return exc.value.problems


def test_a_valid_bank_loads(write_bank: WriteBank) -> None:
    bank = load_bank(write_bank(a=[item()], b=[item(id="ADV-I1-902")]), BP)
    assert len(bank) == 2
    assert bank.get("ADV-I1-902").task == "I1"
    assert BP.domain_of(bank.get("ADV-I1-901").task).name == "Advocacy"


def test_malformed_yaml_names_the_line(write_bank: WriteBank) -> None:
    (p,) = problems_of(write_bank(a="- id: X\n  task: I1\n  stem: [unclosed\n  answer: A\n"))
    assert p.field == "yaml" and p.line == 4 and p.file.endswith("a.yaml")
    assert str(p).startswith(p.file + ":4: yaml: ")


def test_a_list_of_strings_is_not_a_bank(write_bank: WriteBank) -> None:
    ps = problems_of(write_bank(a=["one", "two"]))
    assert [(p.line, p.field) for p in ps] == [(1, "(item)"), (2, "(item)")]
    assert "expected a mapping of fields, got str" in ps[0].message


def test_a_mapping_is_not_a_bank(write_bank: WriteBank) -> None:
    (p,) = problems_of(write_bank(a={"id": "x"}))
    assert p.field == "file" and "must be a list of items" in p.message


def test_missing_and_extra_fields(write_bank: WriteBank) -> None:
    bad = item(source=None, colour="blue")
    ps = problems_of(write_bank(a=[item(id="ADV-I1-001"), bad]))
    by_field = {p.field: p for p in ps}
    assert set(by_field) == {"source", "colour"}
    assert by_field["source"].message.startswith("is required but missing (ADV-I1-901)")
    assert by_field["source"].line == 20  # the second item starts on line 20
    assert "'colour' is not a field" in by_field["colour"].message


def test_answer_key_must_be_an_option(write_bank: WriteBank) -> None:
    (p,) = problems_of(write_bank(a=[item(answer="E")]))
    assert p.field == "answer"
    assert "E is not one of the options (A, B, C, D)" in p.message
    assert p.line == 10


def test_options_keyed_in_order_and_three_to_five(write_bank: WriteBank) -> None:
    ps = problems_of(
        write_bank(
            a=[
                item(options={"A": "x", "C": "y", "B": "z"}),
                item(id="two", options={"A": "x", "B": "y"}),
            ]
        )
    )
    assert [p.field for p in ps] == ["options", "options"]
    assert "keyed A, B, C in that order" in ps[0].message
    assert "3 to 5 options" in ps[1].message


def test_distractor_notes_only_for_distractors(write_bank: WriteBank) -> None:
    notes = {"A": "the key", "B": "b", "C": "c", "D": "d"}
    (p,) = problems_of(write_bank(a=[item(rationale={"answer": "why", "distractors": notes})]))
    assert p.field == "rationale.distractors" and "notes for A" in p.message


def test_duplicate_ids_name_both_places(write_bank: WriteBank) -> None:
    (p,) = problems_of(write_bank(a=[item()], b=[item(stem="Another stem, long enough to count.")]))
    assert p.field == "id" and p.file.endswith("b.yaml") and p.line == 1
    assert "duplicate id ADV-I1-901; first used at " in p.message
    assert p.message.endswith("a.yaml:1")


def test_unknown_task_code_suggests_nearest(write_bank: WriteBank) -> None:
    (p,) = problems_of(write_bank(a=[item(task="II16")]))
    assert p.field == "task" and p.line == 2
    assert "unknown task code 'II16'" in p.message
    assert "nearest: II15, II14, II6" in p.message


def test_empty_file_and_empty_list(write_bank: WriteBank) -> None:
    ps = problems_of(write_bank(a="", b="[]\n", c="# only a comment\n"))
    assert len(ps) == 3
    assert all("must hold" in p.message for p in ps)


def test_non_utf8_file(write_bank: WriteBank) -> None:
    text = yaml.safe_dump([item()], sort_keys=False).replace("peer worker", "peer w\x00rker")
    raw = text.encode().replace(b"\x00", b"\xe9")  # latin-1 é
    (p,) = problems_of(write_bank(a=raw))
    assert p.field == "encoding" and p.line == 3 and "0xe9" in p.message


def test_alias_bomb_is_refused_quickly_in_bounded_memory(write_bank: WriteBank) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    root = write_bank(a="\n".join(lines) + "\n")
    tracemalloc.start()
    start = time.perf_counter()
    (p,) = problems_of(root)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "anchors and aliases" in p.message and p.line == 1
    assert elapsed < 2.0 and peak < 20 * 1024 * 1024


def test_oversized_file_is_refused_before_reading(
    write_bank: WriteBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("peerprep.yamlio.MAX_FILE_BYTES", 1000)
    (p,) = problems_of(write_bank(a=[item(stem="x" * 2000)]))
    assert p.field == "file" and "limited to" in p.message


def test_python_tags_are_never_constructed(write_bank: WriteBank, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = f"- !!python/object/apply:os.system ['touch {marker}']\n"
    (p,) = problems_of(write_bank(a=evil))
    assert p.field == "yaml" and p.line == 1 and "tag" in p.message
    assert not marker.exists()


def test_every_problem_in_every_file_in_one_run(write_bank: WriteBank) -> None:
    ps = problems_of(
        write_bank(
            a=[item(answer="Z"), item(id="x2", difficulty=7)],
            b="key: [",
            c=[item(id="x3", task="V1")],
        )
    )
    assert sorted((Path(p.file).name, p.field) for p in ps) == [
        ("a.yaml", "answer"),
        ("a.yaml", "difficulty"),
        ("b.yaml", "yaml"),
        ("c.yaml", "task"),
    ]


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="bank not found"):
        load_bank(tmp_path / "nope", BP)
    with pytest.raises(InvalidInputError, match=r"no \.yaml bank files"):
        load_bank(tmp_path, BP)


def test_second_load_comes_from_cache_and_edits_invalidate(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(1))
    first = load_bank(root, BP)
    second = load_bank(root, BP)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert [q.model_dump() for q in second] == [q.model_dump() for q in first]
    f = root / "a.yaml"
    f.write_text(f.read_text().replace("Option A for task I1", "Option a for task I1"))
    third = load_bank(root, BP)
    assert not third.from_cache
    assert third.get("T-I1-000").options["A"].startswith("Option a")


def test_damaged_cache_is_ignored_and_rebuilt(write_bank: WriteBank, sandbox_home: Path) -> None:
    root = write_bank(a=[item()])
    load_bank(root, BP)
    (cache,) = (sandbox_home / "cache").glob("bank-*.marshal")
    cache.write_bytes(b"\x00garbage")
    again = load_bank(root, BP)
    assert not again.from_cache and len(again) == 1
    assert load_bank(root, BP).from_cache


def test_unwritable_cache_costs_only_speed(
    write_bank: WriteBank, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("PEERPREP_HOME", str(blocker))
    assert len(load_bank(write_bank(a=[item()]), BP)) == 1


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_no_input_crashes_the_loader(write_bank: WriteBank, data: bytes | str) -> None:
    root = write_bank(a=data)
    try:
        load_bank(root, BP, use_cache=False)
    except BankInvalidError as exc:
        assert exc.problems
        assert all(p.file.endswith("a.yaml") for p in exc.problems)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "task",
                "stem",
                "options",
                "answer",
                "rationale",
                "source",
                "difficulty",
                "cognitive",
                "tags",
                "as_of",
                "extra",
            ]
        ),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=20),
            st.lists(st.text(max_size=5)),
            st.dictionaries(st.text(max_size=2), st.text(max_size=5), max_size=3),
        ),
    )
)
def test_no_item_shape_crashes_the_loader(write_bank: WriteBank, fields: dict[str, object]) -> None:
    try:
        load_bank(write_bank(a=[item() | fields]), BP, use_cache=False)
    except BankInvalidError as exc:
        assert all(p.line is not None for p in exc.problems)
