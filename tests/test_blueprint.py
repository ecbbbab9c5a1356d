"""domains.yaml and the largest-remainder allocation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerprep.blueprint import allocate, load_blueprint
from peerprep.errors import BankInvalidError, InvalidInputError


def test_bundled_blueprint_has_the_54_official_tasks() -> None:
    bp = load_blueprint()
    assert [d.code for d in bp.domains] == ["I", "II", "III", "IV"]
    assert [len(d.tasks) for d in bp.domains] == [11, 15, 14, 14]
    codes = bp.task_codes()
    assert codes[:3] == ["I1", "I2", "I3"] and codes[-1] == "IV14"
    assert len(set(codes)) == 54
    assert bp.task("II9").text == "Recognize and adhere to the rules of confidentiality."
    assert bp.task("IV14").text == "Recognize and understand the impact of trauma."
    assert bp.domain_of("III3").name == "Mentoring and Education"


def test_weights_are_labelled_provisional_not_official() -> None:
    bp = load_blueprint()
    assert "PROVISIONAL" in bp.weights.source
    assert "NOT IC&RC's official" in bp.weights.source
    shares = bp.shares()
    assert shares["II"] == pytest.approx(15 / 54)
    assert (bp.exam.items, bp.exam.minutes, bp.exam.options_per_item) == (75, 120, 4)


def test_find_domain_by_code_name_or_prefix() -> None:
    bp = load_blueprint()
    assert bp.find_domain("ii") is bp.domains[1]
    assert bp.find_domain("Ethical") is bp.domains[1]
    assert bp.find_domain("mentoring and education") is bp.domains[2]
    assert bp.find_domain("REC") is bp.domains[3]
    assert bp.find_domain("nothing") is None


def test_blueprint_errors_name_file_and_line(tmp_path: Path) -> None:
    src = Path(__file__).parents[1] / "domains.yaml"
    bad = tmp_path / "domains.yaml"
    bad.write_text(src.read_text().replace("minutes: 120", "minutes: two hours"))
    with pytest.raises(BankInvalidError) as exc:
        load_blueprint(bad)
    (problem,) = exc.value.problems
    assert problem.field == "exam.minutes"
    assert problem.line == 8
    with pytest.raises(InvalidInputError, match="not found"):
        load_blueprint(tmp_path / "missing.yaml")


def test_allocate_75_items_by_task_share() -> None:
    assert allocate(75, {"I": 11, "II": 15, "III": 14, "IV": 14}) == {
        "I": 15,
        "II": 21,
        "III": 20,
        "IV": 19,
    }


def test_allocate_breaks_ties_by_order() -> None:
    assert allocate(1, {"a": 1, "b": 1}) == {"a": 1, "b": 0}
    assert allocate(0, {"a": 1}) == {"a": 0}


@given(
    st.integers(min_value=0, max_value=500),
    st.lists(st.floats(min_value=0.01, max_value=100), min_size=1, max_size=8),
)
def test_allocate_sums_and_stays_within_one_of_quota(total: int, ws: list[float]) -> None:
    weights = {f"d{i}": w for i, w in enumerate(ws)}
    counts = allocate(total, weights)
    assert sum(counts.values()) == total
    s = sum(ws)
    for k, w in weights.items():
        assert abs(counts[k] - total * w / s) < 1 + 1e-9
