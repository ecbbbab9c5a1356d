"""`peerprep progress ...`: where you stand, your history, and care of the progress file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peerprep.cli.options import (
    BankOpt,
    DomainsOpt,
    JsonOpt,
    ProfileOpt,
    ProgressOpt,
    with_history,
)

app = typer.Typer(
    help="Your progress: mastery by domain and task, history, export, check, reset.",
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)


def _show(
    bank: Path | None, domains: Path | None, profile: str, progress: Path | None, json: bool
) -> None:
    from peerprep.progress.report import progress_report

    b, store, history, r = with_history(bank, domains, progress, profile)
    report = progress_report(b, history, path=str(store.path), now=store.clock())
    r.report("progress", report, "json" if json else "rich")


@app.callback()
def progress(
    ctx: typer.Context,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    json: JsonOpt = False,
) -> None:
    """Your progress: mastery by domain and task, history, export, check, reset."""
    if ctx.invoked_subcommand is None:
        _show(bank, domains, profile, progress, json)


@app.command("show")
def show(
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    json: JsonOpt = False,
) -> None:
    """Mastery per domain and task with its uncertainty, weakest tasks, session history."""
    _show(bank, domains, profile, progress, json)


@app.command("path")
def path(profile: ProfileOpt = "default", progress: ProgressOpt = None) -> None:
    """Print where this profile's progress file lives."""
    from peerprep.cli.env import current

    env = current()
    env.renderer().data(f"{env.open_store(progress, profile).path}\n")


@app.command("export")
def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="Write the CSV here instead of to standard output.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
) -> None:
    """Write every recorded answer as CSV (one row per answer)."""
    import io

    from peerprep.atomic import atomic_write
    from peerprep.errors import InvalidInputError
    from peerprep.progress.report import export_csv

    if output is not None and output.exists() and not force:
        raise InvalidInputError(f"{output} exists; use --force to overwrite it")
    b, _, history, r = with_history(bank, domains, progress, profile)
    if output is None:
        buf = io.StringIO()
        export_csv(b, history, buf)
        r.data(buf.getvalue())
        return
    buf = io.StringIO()
    n = export_csv(b, history, buf)
    atomic_write(output, buf.getvalue().encode(), mode=0o600)  # answers are private
    from peerprep.render import literal

    r.err.print(f"wrote {n} answers to {literal(output)}")


@app.command("check")
def check(
    profile: ProfileOpt = "default", progress: ProgressOpt = None, json: JsonOpt = False
) -> None:
    """Verify the progress file and its segments; repair what is safe to repair."""
    from peerprep.cli.env import current

    env = current()
    report = env.open_store(progress, profile).check()
    env.renderer().report("progress.check", report, "json" if json else "rich")
    if not report.ok:
        raise typer.Exit(1)


@app.command("reset")
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
) -> None:
    """Start over: the current progress is moved to a backup, never deleted."""
    from peerprep.cli.env import current
    from peerprep.render import literal
    from peerprep.text import printable

    env = current()
    r = env.renderer()
    store = env.open_store(progress, profile)
    if not store.path.exists():
        r.note(f"nothing to reset: {literal(store.path)} does not exist")
        return
    shown = printable(str(store.path))
    if not yes and not env.confirm(f"Move {shown} aside and start over?", default=False):
        raise typer.Exit(1)
    moved = store.reset()
    r.note("Backed up to:\n" + "\n".join(f"  {literal(m)}" for m in moved))
