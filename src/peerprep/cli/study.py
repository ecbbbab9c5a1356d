"""`peerprep study`, `peerprep review`, `peerprep readiness`: self-study aimed at weakness."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import (
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

CountOpt = Annotated[int, typer.Option("--count", "-n", min=1, help="How many questions.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed for a repeatable session.")]


def study(
    count: CountOpt = 10,
    domain: Annotated[
        str | None, typer.Option("--domain", "-d", help="Study this domain instead of the weakest.")
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
    from peerprep.engine.study import StudyPlanner

    o = open_practice(env, bank, domains, progress, profile)
    assert o.history is not None
    rng = random.Random(seed)
    planner = StudyPlanner(o.bank, o.history.item_stats, now=env.clock(), rng=rng, domain=domain)
    from peerprep.render import literal

    target = planner.target
    o.r.note(
        f"[bold]Studying {literal(target.domain.code)} {literal(target.domain.name)}[/] "
        f"({'your choice' if domain else 'your weakest domain'}). {literal(target.reason())}."
    )
    o.r.note(
        "[dim]About 70 % of the questions come from this domain; the rest keep the others fresh.[/]"
    )
    drill = o.service.new_drill(present(o.bank, planner.draw(count), rng), mode="study")
    return drill_and_close(drill, o.r, env, pause=pause and env.stdin_isatty)


def review(
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, help="At most this many due items.")
    ] = 20,
    seed: SeedOpt = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    no_pause: NoPauseOpt = False,
) -> None:
    """Review the items your spaced-repetition schedule (FSRS) says are due, oldest first."""
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

    o = open_practice(env, bank, domains, progress, profile)
    assert o.history is not None
    now = env.clock()
    due = [(i, d) for i, d in schedule.due(o.history.cards, now) if i in o.bank][:count]
    if not due:
        upcoming = sorted(o.history.cards.values(), key=lambda c: c["due"])
        when = (
            f" The next is due {upcoming[0]['due'][:16].replace('T', ' ')} UTC."
            if upcoming
            else (" Answer some questions first (quiz, study or exam).")
        )
        o.r.note(f"Nothing is due for review.{when}")
        return 0
    o.r.note(f"{len(due)} item(s) due for review, oldest first.")
    presented = present(o.bank, [i for i, _ in due], random.Random(seed))
    drill = o.service.new_drill(presented, mode="review")
    return drill_and_close(drill, o.r, env, pause=pause and env.stdin_isatty)


def readiness(
    target: TargetOpt = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    json: JsonOpt = False,
) -> None:
    """Estimate your percent correct on a blueprint-weighted form, against your study target."""
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
