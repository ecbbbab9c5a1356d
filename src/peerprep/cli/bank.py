"""`peerprep bank ...`: check and describe a question bank."""

from __future__ import annotations

from typing import Annotated

import typer

from peerprep.cli.options import BankArg, DomainsOpt, JsonOpt, NoCacheOpt, load_bank

app = typer.Typer(
    help="Validate and describe a question bank.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
)


@app.command("validate")
def validate(
    path: BankArg = None,
    domains: DomainsOpt = None,
    json: JsonOpt = False,
    no_cache: NoCacheOpt = False,
) -> None:
    """Check every item in a bank against the schema and blueprint; list every problem."""
    from peerprep.cli.env import current
    from peerprep.errors import BankInvalidError
    from peerprep.results import Validation

    try:
        bank = load_bank(path, domains, use_cache=not no_cache)
    except BankInvalidError as exc:
        if not json:
            raise
        # Under --json the problems are the result itself, not an error message.
        failed = Validation(False, problems=exc.problems)
        current().renderer().report("bank.validate", failed, "json")
        raise typer.Exit(int(exc.exit_code)) from None
    result = Validation(True, len(bank), str(bank.source), bank.from_cache)
    current().renderer().report("bank.validate", result, "json" if json else "rich")


@app.command("stats")
def stats(
    path: BankArg = None,
    domains: DomainsOpt = None,
    json: JsonOpt = False,
    min_per_task: Annotated[
        int, typer.Option("--min", min=0, help="Flag tasks with fewer items than this.")
    ] = 8,
) -> None:
    """Items per domain and task (thin tasks flagged) and the answer-letter spread."""
    from peerprep.bank_stats import bank_stats
    from peerprep.cli.env import current

    s = bank_stats(load_bank(path, domains), min_per_task=min_per_task)
    current().renderer().report("bank.stats", s, "json" if json else "rich")


@app.command("lint")
def lint(
    path: BankArg = None,
    domains: DomainsOpt = None,
    json: JsonOpt = False,
    similarity: Annotated[
        float,
        typer.Option(
            "--similarity",
            min=50,
            max=100,
            help="Flag stems at least this similar (rapidfuzz token-sort ratio, 0-100).",
        ),
    ] = 85.0,
) -> None:
    """Check item-writing quality: cues, flaws, near-duplicates, stigmatizing language."""
    from peerprep.cli.env import current
    from peerprep.lint import lint as run_lint

    report = run_lint(load_bank(path, domains), similarity=similarity)
    current().renderer().report("bank.lint", report, "json" if json else "rich")
    if not report.clean:
        raise typer.Exit(1)
