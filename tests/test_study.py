"""Study aimed at weakness, FSRS review, readiness: units, a learner simulation, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peerprep import recency
from peerprep.bank import Bank, load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.engine import schedule
from peerprep.engine.draw import draw
from peerprep.engine.readiness import readiness, trend
from peerprep.engine.study import StudyPlanner, recency_weights
from peerprep.progress.store import ProgressStore
from tests.conftest import WriteBank, items_for_all_tasks

BP = load_blueprint()
T0 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
runner = CliRunner()


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(None, BP, use_cache=False)


# ---------------------------------------------------------------- FSRS
def test_card_ids_are_stable_and_ratings_follow_answers() -> None:
    assert schedule.card_id("ETH-II9-001") == schedule.card_id("ETH-II9-001") > 0
    assert schedule.card_id("ETH-II9-001") != schedule.card_id("ETH-II9-002")
    assert schedule.rating_name(False, 5, 96) == "Again"
    assert schedule.rating_name(True, 5, 96) == "Good"
    assert schedule.rating_name(True, 120, 96) == "Hard"


def test_review_schedules_right_answers_later_than_wrong_ones() -> None:
    def due_after(*answers: tuple[bool, float]) -> dt.datetime:
        card = None
        when = T0
        for ok, secs in answers:
            card = schedule.review(card, "X", correct=ok, seconds=secs, when=when, pace_seconds=96)
            when = dt.datetime.fromisoformat(card["due"])
        assert card is not None
        return dt.datetime.fromisoformat(card["due"])

    good = due_after((True, 10), (True, 10), (True, 10))
    hard = due_after((True, 10), (True, 10), (True, 200))
    again = due_after((True, 10), (True, 10), (False, 10))
    assert again < hard < good
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule.review(
            None, "X", correct=True, seconds=1, when=dt.datetime(2026, 1, 1), pace_seconds=96
        )


def test_due_lists_oldest_first_and_counts() -> None:
    cards = {
        "a": {"due": "2026-09-03T00:00:00+00:00"},
        "b": {"due": "2026-09-02T00:00:00+00:00"},
        "c": {"due": "2026-09-20T00:00:00+00:00"},
    }
    now = dt.datetime(2026, 9, 4, tzinfo=dt.UTC)
    assert [i for i, _ in schedule.due(cards, now)] == ["b", "a"]
    assert schedule.due_counts(cards, now) == {"now": 2, "today": 2, "week": 2, "cards": 3}


# ---------------------------------------------------------------- study planner
def test_recency_weights_halve_every_30_days() -> None:
    w = recency_weights([T0, T0 - dt.timedelta(days=30), T0 - dt.timedelta(days=60)], T0)
    assert w == pytest.approx([1.0, 0.5, 0.25])


def test_per_item_stats_equal_the_weighted_sums() -> None:
    times = [T0 - dt.timedelta(days=d) for d in (90, 45, 10, 0)]
    oks = [True, False, True, True]
    stats = recency.from_results([("x", ok, t) for ok, t in zip(oks, times, strict=True)])
    later = T0 + dt.timedelta(days=15)
    w = recency_weights(times, later)
    n, c = recency.at(stats["x"], later)
    assert n == pytest.approx(sum(w))
    assert c == pytest.approx(sum(wi for wi, ok in zip(w, oks, strict=True) if ok))


def _dom(bank: Bank, item: str) -> str:
    return BP.domain_of(bank.get(item).task).code


def test_planner_targets_the_weakest_domain_and_explains_why(bank: Bank) -> None:
    results = []
    for i in sorted(bank.ids)[:400]:
        results.append((i, _dom(bank, i) != "III" or i.endswith("1"), T0))
    p = StudyPlanner(bank, recency.from_results(results), now=T0, rng=random.Random(1))
    assert p.target.domain.code == "III"
    assert "Mentoring and Education: about " in p.target.reason() and "likely" in p.target.reason()
    picks = p.draw(40)
    assert len(set(picks)) == 40
    share = sum(_dom(bank, i) == "III" for i in picks) / 40
    assert share >= 0.55
    forced = StudyPlanner(
        bank, recency.from_results(results), now=T0, rng=random.Random(1), domain="advocacy"
    )
    assert forced.target.domain.code == "I" and forced.target.chosen_by == "--domain"


def test_simulated_learners(bank: Bank) -> None:
    """Synthetic learners with known per-domain skill study 10 items a day for 20 days.

    1. `study` gives the weakest domain a larger share than blueprint drawing does.
    2. The recency-weighted estimates converge: each domain's true skill lies inside the
       reported 80 % interval in at least 80 % of learner-domains, and the mean error is small.
    """
    dom = {i: _dom(bank, i) for i in bank.ids}
    study_share, blueprint_share, covered, errors = [], [], [], []
    for run in range(40):
        rng = random.Random(run)
        skill = {d.code: rng.uniform(0.35, 0.9) for d in BP.domains}
        weakest = min(skill, key=lambda k: skill[k])
        results: list[tuple[str, bool, dt.datetime]] = []
        now, studied = T0, []
        for _day in range(20):
            ids = StudyPlanner(bank, recency.from_results(results), now=now, rng=rng).draw(10)
            studied += ids
            results += [(i, rng.random() < skill[dom[i]], now) for i in ids]
            now += dt.timedelta(days=1)
        study_share.append(sum(dom[i] == weakest for i in studied) / len(studied))
        drawn = draw(bank, rng, count=200)
        blueprint_share.append(sum(dom[i] == weakest for i in drawn) / len(drawn))
        final = StudyPlanner(bank, recency.from_results(results), now=now, rng=rng)
        for m in final.table.domains:
            covered.append(m.low <= skill[m.code] <= m.high)
            errors.append(abs(m.mean - skill[m.code]))
    assert statistics.mean(study_share) > statistics.mean(blueprint_share) + 0.1
    assert statistics.mean(covered) >= 0.80
    assert statistics.mean(errors) < 0.08


# ---------------------------------------------------------------- readiness
def test_readiness_is_the_blueprint_weighted_mix(bank: Bank) -> None:
    rng = random.Random(0)
    results = [(i, rng.random() < 0.7, T0) for i in sorted(bank.ids)]
    r = readiness(bank, results, now=T0, target=60)
    shares = BP.shares()
    assert r.expected == pytest.approx(100 * sum(shares[m.code] * m.mean for m in r.domains))
    assert r.low < r.expected < r.high and 60 <= r.expected <= 80
    assert r.p_target > 0.9
    assert readiness(bank, results, now=T0, target=60) == r  # deterministic
    empty = readiness(bank, [], now=T0, target=75)
    assert empty.expected == pytest.approx(50) and empty.high - empty.low > 15
    moves = trend(
        bank,
        [(i, ok, T0 - dt.timedelta(days=20)) for i, ok, _ in results],
        now=T0,
        target=60,
        weeks=4,
    )
    assert len(moves) == 3  # no answers before the first week ending


# ---------------------------------------------------------------- CLI
def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


def test_study_cli_announces_and_saves(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    r = run("study", "--bank", str(root), "-n", "5", "--seed", "1", input="a\n" * 5)
    assert r.exit_code == 0, r.output
    assert "Studying" in r.output and "no answers yet" in r.output
    data = json.loads(run("progress", "--bank", str(root), "--json").output)["data"]
    assert data["sessions"][0]["mode"] == "study" and data["answers"] == 5
    assert data["review_due"]["cards"] == 5
    r = run("study", "--bank", str(root), "-d", "II", "-n", "3", input="a\n" * 3)
    assert "Ethical Responsibility (your choice)" in " ".join(r.output.split())


def test_review_cli_runs_due_items(write_bank: WriteBank, sandbox_home: Path) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    r = run("review", "--bank", str(root))
    assert r.exit_code == 0 and "Nothing is due" in r.output
    store = ProgressStore(sandbox_home / "progress.json")
    past = "2026-01-01T00:00:00+00:00"

    def plant(cards: dict[str, dict[str, Any]]) -> None:
        for item, due in (("T-I1-000", past), ("T-II3-001", "2026-01-02T00:00:00+00:00")):
            cards[item] = {
                "card_id": schedule.card_id(item),
                "state": 2,
                "step": None,
                "stability": 3.0,
                "difficulty": 5.0,
                "due": due,
                "last_review": past,
            }

    store.append(on_cards=plant)
    r = run("review", "--bank", str(root), input="a\nb\n")
    assert r.exit_code == 0, r.output
    assert "2 questions are due" in r.output and "I1" in r.output.split("Question 1")[1][:80]
    cards = ProgressStore(sandbox_home / "progress.json").load().cards
    assert dt.datetime.fromisoformat(cards["T-I1-000"]["due"]) > dt.datetime(
        2026, 1, 2, tzinfo=dt.UTC
    )


def test_readiness_cli_target_and_json(write_bank: WriteBank) -> None:
    root = write_bank(a=items_for_all_tasks(2))
    run("quiz", "--bank", str(root), "-n", "6", input="a\n" * 6)
    r = run("readiness", "--bank", str(root), "--target", "80")
    assert r.exit_code == 0 and "study target set to 80 %" in r.output
    assert "not a pass prediction" in " ".join(r.output.split())
    data = json.loads(run("readiness", "--bank", str(root), "--json").output)["data"]
    assert data["target"] == 80 and data["answers"] == 6 and len(data["domains"]) == 4
