"""Issue 13.7: a plan to the exam date (`peerprep plan`, bare `peerprep`), leeches
(`progress`, `quiz --leeches`) and time per item against the exam's pace."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from peerprep import recency
from peerprep.bank import Bank, load_bank
from peerprep.blueprint import load_blueprint
from peerprep.cli import app
from peerprep.cli.env import Environment
from peerprep.engine import schedule
from peerprep.engine.plan import (
    exam_pace,
    leeches,
    make_plan,
    pace_by_domain,
    streak,
)
from peerprep.errors import InvalidInputError
from peerprep.progress.history import History
from peerprep.progress.schema import AnswerEvent
from peerprep.progress.store import ProgressStore
from tests.conftest import WriteBank, items_for_all_tasks

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
UTC = dt.UTC


@pytest.fixture
def bank_dir(write_bank: WriteBank) -> Path:
    return write_bank(a=items_for_all_tasks(2))  # 108 items, 2 per task


@pytest.fixture
def bank(bank_dir: Path) -> Bank:
    return load_bank(bank_dir, load_blueprint(), use_cache=False)


def answer(
    item: str, at: dt.datetime, *, correct: bool = True, seconds: float = 30.0
) -> dict[str, Any]:
    return {
        "type": "answer",
        "session": "s1",
        "at": at.isoformat(),
        "item": item,
        "chosen": "A",
        "correct": correct,
        "seconds": seconds,
        "mode": "quiz",
    }


def history(answers: list[dict[str, Any]], *, cards: bool = True) -> History:
    """A history as the store would give it: item stats and FSRS cards from the answers."""
    h = History(answers, settings={}, cards={})
    h.item_stats = recency.from_results(h.results())
    if cards:
        for a in answers:
            h.cards[a["item"]] = schedule.review(
                h.cards.get(a["item"]),
                a["item"],
                correct=a["correct"],
                seconds=a["seconds"],
                when=dt.datetime.fromisoformat(a["at"]),
                pace_seconds=96.0,
            )
    return h


def ids(bank: Bank, prefix: str = "") -> list[str]:
    return sorted(i for i in bank.ids if i.startswith(prefix))


# ---------------------------------------------------------------- core: the numbers
def test_days_left_and_new_items_a_day_cover_the_bank(bank: Bank) -> None:
    p = make_plan(bank, history([]), now=NOW, exam_date=TODAY + dt.timedelta(days=10), tz=UTC)
    assert p.days_left == 10
    assert p.unseen == p.bank_items == 108
    assert p.new_per_day == math.ceil(108 / 10) == 11
    assert p.progress.new_target == 11 and p.progress.answered == 0
    assert p.reviews_per_day > 0  # new items come back for review under FSRS
    # the last domain's unseen items fall on the last study day at the latest
    assert max(d.covered_by for d in p.domains if d.covered_by) <= p.exam_date - dt.timedelta(
        days=1
    )
    # no history: the exam's pace (120 min / 75 items = 96 s)
    assert p.pace_from == "exam pace" and p.seconds_per_answer == exam_pace(bank) == 96.0
    assert p.minutes_per_day == pytest.approx((11 + p.reviews_per_day) * 96 / 60)


def test_per_day_numbers_change_with_history(bank: Bank) -> None:
    exam = TODAY + dt.timedelta(days=10)
    yesterday = NOW - dt.timedelta(days=1)
    seen = ids(bank)[:28]
    h = history([answer(i, yesterday) for i in seen])
    fresh = make_plan(bank, history([]), now=NOW, exam_date=exam, tz=UTC)
    p = make_plan(bank, h, now=NOW, exam_date=exam, tz=UTC)
    assert p.unseen == 80 and p.new_per_day == 8
    # reviews come from the cards they have plus the new items' own
    no_cards = make_plan(
        bank,
        history([answer(i, yesterday) for i in seen], cards=False),
        now=NOW,
        exam_date=exam,
        tz=UTC,
    )
    assert p.reviews_total > no_cards.reviews_total
    assert p.reviews_per_day != fresh.reviews_per_day
    # your own speed replaces the exam pace
    assert p.pace_from == "your answers" and p.seconds_per_answer == 30.0


def test_todays_new_target_holds_while_you_answer(bank: Bank) -> None:
    exam = TODAY + dt.timedelta(days=10)
    done = [answer(i, NOW - dt.timedelta(minutes=30)) for i in ids(bank)[:5]]
    again = [answer(ids(bank)[0], NOW - dt.timedelta(minutes=5))]  # a review of today's new
    p = make_plan(bank, history(done + again), now=NOW, exam_date=exam, tz=UTC)
    assert p.unseen == 103
    assert p.new_per_day == 11 and p.progress.new_target == 11  # as the day began
    assert p.progress.new_done == 5 and p.progress.reviews_done == 1
    assert p.progress.answered == 6
    assert p.progress.target == p.progress.new_target + p.progress.reviews_target


def test_weak_domain_comes_first(bank: Bank) -> None:
    yesterday = NOW - dt.timedelta(days=1)
    wrong = [answer(i, yesterday, correct=False) for i in ids(bank, "T-III")[:6]]
    right = [answer(i, yesterday) for i in ids(bank, "T-I")[:6] if not i.startswith("T-II")]
    p = make_plan(bank, history(wrong + right), now=NOW, exam_date=TODAY + dt.timedelta(30), tz=UTC)
    assert p.domains[0].code == "III"
    first, *rest = [d.covered_by for d in p.domains]
    assert first is not None and all(first <= d for d in rest if d)


def test_minutes_that_do_not_fit_say_what_would(bank: Bank) -> None:
    exam = TODAY + dt.timedelta(days=10)
    p = make_plan(bank, history([]), now=NOW, exam_date=exam, minutes_a_day=10, tz=UTC)
    assert p.fits is False and p.fit is not None
    fit = p.fit
    assert 0 < fit.new_per_day < p.new_per_day
    assert (fit.new_per_day + fit.reviews_per_day) * 96 / 60 <= 10
    assert fit.covered_by is not None and fit.covered_by > exam  # too slow to cover it
    roomy = make_plan(bank, history([]), now=NOW, exam_date=exam, minutes_a_day=600, tz=UTC)
    assert roomy.fits is True and roomy.fit is None


@pytest.mark.parametrize("days", [0, -3])
def test_today_or_past_exam_date_is_refused(bank: Bank, days: int) -> None:
    with pytest.raises(InvalidInputError, match="give a date after today"):
        make_plan(bank, history([]), now=NOW, exam_date=TODAY + dt.timedelta(days=days), tz=UTC)


# ---------------------------------------------------------------- core: streak
def _days(*back: int) -> set[dt.date]:
    return {TODAY - dt.timedelta(days=n) for n in back}


def test_streak_counts_back_across_a_gap() -> None:
    assert streak(_days(0, 1, 2, 4, 5), TODAY) == 3  # the gap at day 3 ends it
    assert streak(_days(1, 2, 4), TODAY) == 2  # nothing yet today: still alive from yesterday
    assert streak(_days(2, 3), TODAY) == 0  # yesterday missed: broken
    assert streak(set(), TODAY) == 0


def test_streak_and_today_use_local_dates(bank: Bank) -> None:
    # 02:00 UTC on 1 March is 21:00 on 28 February in UTC-5: yesterday there.
    east = dt.timezone(dt.timedelta(hours=-5))
    h = history([answer(ids(bank)[0], dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC))])
    exam = TODAY + dt.timedelta(days=10)
    utc = make_plan(bank, h, now=NOW, exam_date=exam, tz=UTC)
    local = make_plan(bank, h, now=NOW, exam_date=exam, tz=east)
    assert utc.answered_today and utc.progress.answered == 1 and utc.streak == 1
    assert not local.answered_today and local.progress.answered == 0 and local.streak == 1


# ---------------------------------------------------------------- core: leeches, pace
@pytest.mark.parametrize(("misses", "leech"), [(3, False), (4, True), (6, True)])
def test_leech_threshold(bank: Bank, misses: int, leech: bool) -> None:
    item = ids(bank)[0]
    h = history([answer(item, NOW - dt.timedelta(hours=n), correct=False) for n in range(misses)])
    found = leeches(bank, h)
    assert [x.item for x in found] == ([item] if leech else [])
    if leech:
        assert found[0].missed == misses and found[0].task == bank.get(item).task


def test_a_leech_answered_right_three_times_in_a_row_is_mastered(bank: Bank) -> None:
    item = ids(bank)[0]
    misses = [answer(item, NOW - dt.timedelta(hours=10 - n), correct=False) for n in range(4)]
    two = [answer(item, NOW - dt.timedelta(hours=2 - n)) for n in range(2)]
    assert leeches(bank, history(misses + two))  # 2 right: still a leech
    three = [*two, answer(item, NOW)]
    assert leeches(bank, history(misses + three)) == []


def test_time_per_item_by_domain_against_exam_pace(bank: Bank) -> None:
    adv = [i for i in ids(bank, "T-I") if not i.startswith(("T-II", "T-IV"))]
    answers = [answer(adv[n], NOW, seconds=s) for n, s in enumerate((40, 50, 60, 0))]
    rows = {r.code: r for r in pace_by_domain(bank, history(answers))}
    assert rows["I"].median_seconds == 50  # 0 s (not measured) is left out
    assert rows["I"].answers == 4 and rows["I"].exam_pace == 96.0
    assert rows["II"].median_seconds is None


# ---------------------------------------------------------------- CLI
def fake_env(
    width: int = 80, now: dt.datetime = NOW
) -> tuple[Environment, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=Console(file=out, width=width, no_color=True, highlight=False),
        stderr=Console(file=err, width=200, no_color=True, highlight=False),
        stdin_isatty=False,
        stdout_isatty=False,
        term="dumb",
        input=lambda _: "",
        clock=lambda: now,
        monotonic=lambda: 0.0,
    )
    return env, out, err


def run(args: list[str], obj: Environment | None = None, **kw: Any) -> Any:
    """A CLI run; `obj` is an Environment (frozen clock, captured output) or None."""
    return CliRunner().invoke(app, args, obj=obj, **kw)


def test_plan_saves_the_date_and_a_second_run_reuses_it(bank_dir: Path, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    common = ["--bank", str(bank_dir), "--progress", str(progress)]
    env, out, _ = fake_env()
    r = run(["plan", "--exam-date", "2026-03-11", "--minutes-a-day", "45", *common], env)
    assert r.exit_code == 0, r.output
    assert "saved: exam date 2026-03-11, minutes a day 45" in out.getvalue()
    assert "Exam Wed 11 Mar 2026: 10 days left" in out.getvalue()
    assert json.loads(progress.read_text())["settings"] == {
        "exam_date": "2026-03-11",
        "minutes_a_day": 45,
    }
    env, out, _ = fake_env()
    r = run(["plan", "--json", *common], env)
    assert r.exit_code == 0, r.output
    data = json.loads(out.getvalue())["data"]
    assert data["exam_date"] == "2026-03-11" and data["days_left"] == 10
    assert data["minutes_a_day"] == 45 and data["new_per_day"] == 11
    assert data["progress_today"]["new_target"] == 11 and "leeches" in data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exam-date", "2026-13-01"], "is not a date as YYYY-MM-DD"),
        (["--exam-date", "next week"], "is not a date as YYYY-MM-DD"),
        (["--exam-date", "2026-03-01"], "is today"),
        (["--exam-date", "2025-12-24"], "is in the past"),
        ([], "no exam date yet: set it with `peerprep plan --exam-date YYYY-MM-DD`"),
        (["--exam-date", "2026-04-01", "--minutes-a-day", "0"], "--minutes-a-day"),
        (["--exam-date", "2026-04-01", "--minutes-a-day", "601"], "--minutes-a-day"),
    ],
)
def test_bad_dates_exit_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    progress = tmp_path / "p.json"
    env, _, err = fake_env()
    r = run(["plan", "--progress", str(progress), *args], env)
    assert r.exit_code == 2
    said = " ".join((err.getvalue() + r.output).split())
    assert message in said
    assert not progress.exists()  # nothing saved


def test_a_saved_date_that_has_passed_says_how_to_set_one(tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    ProgressStore(progress).update_settings(exam_date="2026-02-01")
    env, _, err = fake_env()
    r = run(["plan", "--progress", str(progress)], env)
    assert r.exit_code == 2
    assert "saved exam date 2026-02-01 has passed" in err.getvalue()


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"exam_date": "someday"}, "settings.exam_date"),
        ({"minutes_a_day": 0}, "settings.minutes_a_day"),
    ],
)
def test_a_bad_setting_in_the_file_is_one_clear_line(
    tmp_path: Path, settings: dict[str, object], field: str
) -> None:
    progress = tmp_path / "p.json"
    doc = {"schema_version": 2, "created": "2026-01-01T00:00:00+00:00", "settings": settings}
    progress.write_text(json.dumps(doc))
    env, _, err = fake_env()
    r = run(["plan", "--progress", str(progress)], env)
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)  # not a traceback
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and field in lines[0]


def _leech_file(bank: Bank, progress: Path, misses: int = 4) -> str:
    item = ids(bank)[0]
    store = ProgressStore(progress)
    store.append(
        *[
            AnswerEvent(
                session="s1",
                at=NOW - dt.timedelta(days=2, hours=n),
                item=item,
                chosen="A",
                correct=False,
                seconds=40.0,
                mode="quiz",
            )
            for n in range(misses)
        ]
    )
    return item


def test_bare_peerprep_welcomes_without_an_exam_date() -> None:
    r = run([], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    for start in ("peerprep quiz", "peerprep study", "peerprep plan --exam-date", "peerprep exam"):
        assert start in r.output
    assert "`peerprep --help`" in r.output
    assert len(r.output.splitlines()) <= 24


def test_bare_peerprep_shows_todays_plan_on_one_80x24_screen(
    bank_dir: Path, bank: Bank, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    _leech_file(bank, progress)
    exam = (dt.date.today() + dt.timedelta(days=40)).isoformat()  # the real clock here
    env = {"COLUMNS": "80", "PEERPREP_BANK": str(bank_dir), "PEERPREP_PROGRESS": str(progress)}
    r = run(["plan", "--exam-date", exam, "--minutes-a-day", "5"], env=env)
    assert r.exit_code == 0, r.output
    r = run([], env=env)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert len(lines) <= 24 and max(len(line) for line in lines) <= 80, r.output
    text = " ".join(r.output.split())
    assert "days left" in text and "Streak:" in text and "More than your 5 min a day" in text
    assert "Leeches: 1" in text and "`peerprep --help`" in text


def test_help_still_shows_help() -> None:
    for flag in ("-h", "--help"):
        r = run([flag])
        assert r.exit_code == 0 and "Usage:" in r.output and "plan" in r.output


def test_quiz_leeches_drills_only_leeches(bank_dir: Path, bank: Bank, tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    item = _leech_file(bank, progress)
    r = run(
        ["quiz", "--leeches", "--no-pause", "--bank", str(bank_dir), "--progress", str(progress)],
        input="A\n",
        env={"COLUMNS": "200"},
    )
    assert r.exit_code == 0, r.output
    assert "Question 1 of 1" in r.output
    assert " ".join(bank.get(item).stem.split())[:50] in " ".join(r.output.split())


def test_quiz_leeches_with_none_is_a_friendly_note(
    bank_dir: Path, bank: Bank, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    _leech_file(bank, progress, misses=3)
    r = run(["quiz", "--leeches", "--bank", str(bank_dir), "--progress", str(progress)])
    assert r.exit_code == 0 and "No leeches" in r.output and "Question" not in r.output


def test_progress_lists_leeches_and_time_per_item(
    bank_dir: Path, bank: Bank, tmp_path: Path
) -> None:
    progress = tmp_path / "p.json"
    item = _leech_file(bank, progress)
    common = ["progress", "--bank", str(bank_dir), "--progress", str(progress)]
    r = run(common, env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "Leeches: 1 (missed 4+ times" in text and "missed 4×" in text
    assert "drill them: `peerprep quiz --leeches`" in text
    assert " ".join(bank.get(item).stem.split())[:30] in text
    domain = bank.blueprint.domain_of(bank.get(item).task).code
    assert "about 40 s an item; exam pace is 96 s" in text
    r = run([*common, "--json"])
    data = json.loads(r.output)["data"]
    assert data["leeches"] == [
        {
            "item": item,
            "task": bank.get(item).task,
            "stem": " ".join(bank.get(item).stem.split()),
            "missed": 4,
        }
    ]
    pace = {d["code"]: d for d in data["time_per_item"]}
    assert pace[domain]["median_seconds"] == 40.0 and pace[domain]["exam_pace_seconds"] == 96.0


def test_bare_peerprep_with_a_passed_date_welcomes_and_says_so(tmp_path: Path) -> None:
    progress = tmp_path / "p.json"
    ProgressStore(progress).update_settings(exam_date="2026-02-01")
    env, out, _ = fake_env()
    r = CliRunner().invoke(app, [], obj=env, env={"PEERPREP_PROGRESS": str(progress)})
    assert r.exit_code == 0
    assert "Your exam date 2026-02-01 has passed." in out.getvalue()
    assert "peerprep plan --exam-date YYYY-MM-DD" in out.getvalue()
