"""Drawing, the quiz state machine and scoring, with no terminal involved."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerprep.bank import Bank, load_bank
from peerprep.blueprint import load_blueprint
from peerprep.engine.draw import draw, present, spread_sample
from peerprep.engine.score import score
from peerprep.engine.session import QuizSession, parse_choice
from peerprep.errors import InvalidInputError
from tests.conftest import WriteBank, items_for_all_tasks

BP = load_blueprint()


@pytest.fixture
def bank(write_bank: WriteBank) -> Bank:
    return load_bank(write_bank(a=items_for_all_tasks(3)), BP)  # 162 items


def test_blueprint_draw_follows_largest_remainder(bank: Bank) -> None:
    ids = draw(bank, random.Random(1), count=75)
    per_domain = Counter(BP.domain_of(bank.get(i).task).code for i in ids)
    assert per_domain == {"I": 15, "II": 21, "III": 20, "IV": 19}
    assert len(set(ids)) == 75


def test_same_seed_same_quiz_and_option_order(bank: Bank) -> None:
    a = present(bank, draw(bank, random.Random(7), count=10), random.Random(7))
    b = present(bank, draw(bank, random.Random(7), count=10), random.Random(7))
    c = present(bank, draw(bank, random.Random(8), count=10), random.Random(8))
    assert a == b and a != c


def test_domain_and_task_filters(bank: Bank) -> None:
    ids = draw(bank, random.Random(0), count=14, domain="mentoring")
    assert {bank.get(i).task for i in ids} == {
        f"III{n}" for n in range(1, 15)
    }  # spread: one per task
    ids = draw(bank, random.Random(0), count=6, tasks=["II9", "II10"])
    assert Counter(bank.get(i).task for i in ids) == {"II9": 3, "II10": 3}


def test_draw_gives_what_a_small_pool_has_and_says_so(bank: Bank) -> None:
    notes: list[str] = []
    ids = draw(bank, random.Random(0), count=4, tasks=["II9"], notes=notes)
    assert len(ids) == 3 and notes == ["task II9 has 3 items: all are asked."]
    with pytest.raises(InvalidInputError, match="unknown domain 'V'; choose one of I or 1"):
        draw(bank, random.Random(0), count=4, domain="V")
    with pytest.raises(InvalidInputError, match="unknown task code X1; task codes are I1-I11"):
        draw(bank, random.Random(0), count=4, tasks=["X1"])
    notes = []
    ids = draw(bank, random.Random(0), count=200, notes=notes)
    assert len(ids) == len(set(ids)) == 162  # the whole 3-per-task bank
    assert "all 162 are asked" in notes[0]


@given(st.integers(0, 10_000), st.integers(1, 30))
def test_spread_sample_is_even_and_unique(seed: int, k: int) -> None:
    pool = {f"t{t}": [f"t{t}-{n}" for n in range(t + 1)] for t in range(6)}  # 21 ids
    k = min(k, 21)
    picked = spread_sample(pool, k, random.Random(seed))
    assert len(picked) == len(set(picked)) == k
    counts = Counter(p.split("-")[0] for p in picked)
    # no task gets a second item while another task with items left has none
    if k <= 6:
        assert max(counts.values()) == 1


def test_session_maps_shuffled_letters_back_to_keys(bank: Bank) -> None:
    ids = draw(bank, random.Random(3), count=5)
    presented = present(bank, ids, random.Random(3))
    ticks = itertools.count()
    session = QuizSession(bank, presented, clock=lambda: float(next(ticks)))
    results = []
    for n in range(5):
        p, item = session.current()
        right = p.shown_letter(item.answer)
        letter = right if n % 2 == 0 else next(x for x in "ABCD" if x != right)
        fb = session.answer(letter)
        assert fb.correct == (n % 2 == 0)
        assert fb.chosen_original == p.original_key(letter)
        assert fb.seconds == 1.0
        results.append(fb.correct)
    assert session.finished
    report = session.report()
    assert (report.answered, report.correct, report.asked) == (5, 3, 5)
    assert sum(d.answered for d in report.by_domain) == 5
    with pytest.raises(IndexError):
        session.current()


def test_answer_rejects_letters_that_are_not_shown(bank: Bank) -> None:
    session = QuizSession(
        bank, present(bank, draw(bank, random.Random(0), count=1), random.Random(0))
    )
    with pytest.raises(ValueError, match="not an option"):
        session.answer("E")


@pytest.mark.parametrize(
    ("raw", "n", "want"),
    [
        ("a", 4, "A"),
        (" B ", 4, "B"),
        ("c)", 4, "C"),
        ("d.", 4, "D"),
        ("E", 4, None),
        ("E", 5, "E"),
        ("", 4, None),
        ("ab", 4, None),
        ("1", 4, None),
    ],
)
def test_parse_choice(raw: str, n: int, want: str | None) -> None:
    assert parse_choice(raw, n) == want


@given(st.lists(st.tuples(st.integers(0, 161), st.booleans()), max_size=60))
def test_score_invariants(answers: list[tuple[int, bool]]) -> None:
    b = _BANK
    ids = [r[0] for r in b.records]
    results = [(str(ids[i]), ok) for i, ok in answers]
    r = score(b, results)
    assert r.answered == len(results) == sum(d.answered for d in r.by_domain)
    assert r.correct == sum(ok for _, ok in results) == sum(t.correct for t in r.by_task)
    for t in r.by_domain + r.by_task:
        assert 0 <= t.correct <= t.answered
        assert t.percent is None or 0 <= t.percent <= 100


def _make_bank() -> Bank:
    import tempfile
    from pathlib import Path

    import yaml

    folder = Path(tempfile.mkdtemp())
    (folder / "a.yaml").write_text(yaml.safe_dump(items_for_all_tasks(3)))
    return load_bank(folder, BP, use_cache=False)


_BANK = _make_bank()
