"""`peerprep plan`, and what bare `peerprep` shows: today's plan to the exam date.

The numbers come from engine/plan.py; this module reads and saves the settings, turns
the injected clock into the candidate's local date, and hands the result to the renderer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import BankOpt, DomainsOpt, JsonOpt, ProfileOpt, ProgressOpt

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.cli.env import Environment
    from peerprep.progress.history import History
    from peerprep.progress.store import ProgressStore
    from peerprep.render import Renderer

HOW_TO_SET = "set it with `peerprep plan --exam-date YYYY-MM-DD` (e.g. {example})"


def parse_date(value: str | dt.date) -> dt.date:
    """--exam-date: YYYY-MM-DD, else a usage error (exit 2) that shows the form."""
    if isinstance(value, dt.date):  # a default passes through the parser too
        return value
    from peerprep.engine.plan import parse_exam_date

    try:
        return parse_exam_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


ExamDateOpt = Annotated[
    dt.date | None,
    typer.Option(
        "--exam-date",
        parser=parse_date,
        metavar="YYYY-MM-DD",
        help="Your exam day (saved; later runs reuse it).",
    ),
]
MinutesOpt = Annotated[
    int | None,
    typer.Option(
        "--minutes-a-day",
        min=1,
        max=600,
        metavar="MINUTES",
        help="Minutes you can study a day, 1-600 (saved); the plan says if it does not fit.",
    ),
]


def plan(
    exam_date: ExamDateOpt = None,
    minutes_a_day: MinutesOpt = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    json: JsonOpt = False,
) -> None:
    """A daily plan to your exam date: new and review items a day, today's progress, streak."""
    from peerprep.cli.env import current
    from peerprep.engine.plan import make_plan, parse_exam_date
    from peerprep.errors import InvalidInputError

    env = current()
    b, store, history, r = _open(env, bank, domains, progress, profile)
    now = env.clock()
    today = now.astimezone().date()
    example = (today + dt.timedelta(days=90)).isoformat()
    saved = history.settings.get("exam_date")
    if exam_date is None and saved is None:
        raise InvalidInputError("no exam date yet: " + HOW_TO_SET.format(example=example))
    date = exam_date or parse_exam_date(str(saved))
    if exam_date is None and date <= today:
        raise InvalidInputError(
            f"your saved exam date {date.isoformat()} has passed (today is "
            f"{today.isoformat()}); " + HOW_TO_SET.format(example=example)
        )
    minutes = minutes_a_day or history.settings.get("minutes_a_day")
    # Computed before saving: a date in the past is refused and nothing is written.
    result = make_plan(b, history, now=now, exam_date=date, minutes_a_day=minutes)
    changes: dict[str, object] = {}
    if exam_date is not None and exam_date.isoformat() != saved:
        changes["exam_date"] = exam_date.isoformat()
    if minutes_a_day is not None and minutes_a_day != history.settings.get("minutes_a_day"):
        changes["minutes_a_day"] = minutes_a_day
    if changes:
        store.update_settings(**changes)
    if not json and changes:
        words = {"exam_date": "exam date", "minutes_a_day": "minutes a day"}
        saved_words = ", ".join(f"{words[k]} {v}" for k, v in changes.items())
        r.note(f"[green]✓[/] saved: {saved_words}")
    r.report("plan", result, "json" if json else "rich")


def _open(
    env: Environment,
    bank: Path | None,
    domains: Path | None,
    progress: Path | None,
    profile: str,
) -> tuple[Bank, ProgressStore, History, Renderer]:
    """Bank, store (on the environment's clock), history, and a renderer that has shown
    any notice from reading it."""
    from peerprep.cli.options import load_bank

    b = load_bank(bank, domains)
    store = env.open_store(progress, profile)
    history = store.load()
    r = env.renderer()
    r.notices(store.notices)
    store.notices.clear()
    return b, store, history, r


def _env_path(name: str) -> Path | None:
    import os

    value = os.environ.get(name, "")
    return Path(value) if value else None


def show_today(env: Environment) -> None:
    """Bare `peerprep`: today's plan on one screen, or a welcome when no exam date is set.

    The root has no --profile or --progress of its own, so the same environment
    variables the commands read choose the file here.
    """
    import os

    from peerprep.cli.options import load_bank
    from peerprep.engine.plan import make_plan, parse_exam_date

    profile = os.environ.get("PEERPREP_PROFILE") or "default"
    store = env.open_store(_env_path("PEERPREP_PROGRESS"), profile)
    history = store.load()
    r = env.renderer()
    r.notices(store.notices)
    store.notices.clear()
    today = env.clock().astimezone().date()
    saved = history.settings.get("exam_date")
    date = parse_exam_date(str(saved)) if saved is not None else None
    if date is None or date <= today:
        r.welcome(passed=date)
    else:
        b = load_bank(_env_path("PEERPREP_BANK"), _env_path("PEERPREP_DOMAINS"))
        minutes = history.settings.get("minutes_a_day")
        r.plan(make_plan(b, history, now=env.clock(), exam_date=date, minutes_a_day=minutes))
    r.note("[dim]`peerprep --help`: every command.[/]")
