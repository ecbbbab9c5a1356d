"""`peerprep study`, `peerprep review`, `peerprep readiness`: self-study aimed at weakness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import (
    FILES,
    BankOpt,
    DomainsOpt,
    JsonOpt,
    NoPauseOpt,
    ProfileOpt,
    ProgressOpt,
    TargetOpt,
    with_history,
)

if TYPE_CHECKING:
    from peerprep.cli.env import Environment

CountOpt = Annotated[
    int, typer.Option("--count", "-n", min=1, metavar="N", help="How many questions.")
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed", metavar="N", rich_help_panel=FILES, help="Seed for a repeatable session."
    ),
]


def study(
    count: CountOpt = 10,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            "-d",
            metavar="DOMAIN",
            help="Study this domain (I-IV, 1-4 or a name) instead of the weakest.",
        ),
    ] = None,
    seed: SeedOpt = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    no_pause: NoPauseOpt = False,
) -> None:
    """Practise where you are weakest: the weakest domain's weak or little-seen tasks."""
    from peerprep.cli.env import current

    code = start_study(
        current(), count, domain, seed, bank, domains, profile, progress, pause=not no_pause
    )
    if code:
        raise typer.Exit(code)


def start_study(
    env: Environment,
    count: int,
    domain: str | None,
    seed: int | None,
    bank: Path | None,
    domains: Path | None,
    profile: str,
    progress: Path | None,
    *,
    pause: bool = True,
) -> int:
    import random

    from peerprep.cli.env import open_practice
    from peerprep.cli.quiz import drill_and_close
    from peerprep.engine.draw import present
    from peerprep.engine.mastery import whole_counts
    from peerprep.engine.study import StudyPlanner

    o = open_practice(env, bank, domains, progress, profile)
    assert o.history is not None
    rng = random.Random(seed)
    whole = whole_counts(o.bank, ((a["item"], a["correct"]) for a in o.history.answers))
    planner = StudyPlanner(
        o.bank, o.history.item_stats, now=env.clock(), rng=rng, domain=domain, whole=whole
    )
    from peerprep.render import literal
    from peerprep.wording import legend

    target = planner.target
    o.r.note(
        f"[bold]Studying {literal(target.domain.code)} {literal(target.domain.name)}[/] "
        f"({'your choice' if domain else 'your weakest domain'}). {literal(target.reason())}."
    )
    o.r.note(
        "[dim]About 70 % of the questions come from this domain; the rest keep the others fresh."
        + (f" {legend()}" if target.mastery.answers else "")
        + "[/]"
    )
    drill = o.service.new_drill(present(o.bank, planner.draw(count), rng), mode="study")
    return drill_and_close(drill, o.r, env, pause=pause and env.stdin_isatty)


def review(
    count: Annotated[
        int,
        typer.Option("--count", "-n", min=1, metavar="N", help="At most this many due questions."),
    ] = 20,
    seed: SeedOpt = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    no_pause: NoPauseOpt = False,
) -> None:
    """Review the questions your spaced-repetition schedule says are due, oldest first.

    The schedule is FSRS (the scheduler modern Anki uses), one card per question.
    """
    from peerprep.cli.env import current

    code = start_review(
        current(), count, seed, bank, domains, profile, progress, pause=not no_pause
    )
    if code:
        raise typer.Exit(code)


def start_review(
    env: Environment,
    count: int,
    seed: int | None,
    bank: Path | None,
    domains: Path | None,
    profile: str,
    progress: Path | None,
    *,
    pause: bool = True,
) -> int:
    import random

    from peerprep.cli.env import open_practice
    from peerprep.cli.quiz import drill_and_close
    from peerprep.engine import schedule
    from peerprep.engine.draw import present
    from peerprep.wording import local_time

    o = open_practice(env, bank, domains, progress, profile)
    assert o.history is not None
    now = env.clock()
    all_due = [(i, d) for i, d in schedule.due(o.history.cards, now) if i in o.bank]
    due = all_due[:count]
    if not due:
        upcoming = sorted(
            dt.datetime.fromisoformat(c["due"]) for i, c in o.history.cards.items() if i in o.bank
        )
        when = (
            f" The next is due {local_time(upcoming[0])}."
            if upcoming
            else (" Answer some questions first (quiz, study or exam).")
        )
        o.r.note(f"Nothing is due for review.{when}")
        return 0
    o.r.note(_due_line(len(all_due), len(due)))
    presented = present(o.bank, [i for i, _ in due], random.Random(seed))
    drill = o.service.new_drill(presented, mode="review")
    return drill_and_close(drill, o.r, env, pause=pause and env.stdin_isatty)


def _due_line(total: int, taking: int) -> str:
    """The true number due, and how many of them this session takes."""
    are = "1 question is due" if total == 1 else f"{total} questions are due"
    if taking < total:
        return f"{are} for review; reviewing the {taking} oldest now (-n sets how many)."
    return f"{are} for review; reviewing {'it' if total == 1 else 'them'}, oldest first."


def readiness(
    target: TargetOpt = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    json: JsonOpt = False,
) -> None:
    """Estimate your percent correct on an exam weighted like the real one, against your target.

    Method: per domain, a Beta posterior (uniform prior) of your recency-weighted answers
    (half-life 30 days); overall, the blueprint-weighted mix of the domains, with an 80 %
    credible interval from Monte Carlo draws ("likely" in the output).
    """
    from peerprep.engine.readiness import DEFAULT_TARGET, trend
    from peerprep.engine.readiness import readiness as estimate
    from peerprep.results import ReadinessResult

    b, store, history, r = with_history(bank, domains, progress, profile)
    if target is not None:
        store.update_settings(target=target)
    goal = float(target if target is not None else history.settings.get("target", DEFAULT_TARGET))
    now = store.clock()
    results = history.results()
    est = estimate(b, results, now=now, target=goal)
    moves = trend(b, results, now=now, target=goal)
    result = ReadinessResult(est, moves, target_saved=target is not None)
    r.report("readiness", result, "json" if json else "rich")
