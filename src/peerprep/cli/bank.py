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
    from peerprep.errors import BankInvalidError
    from peerprep.render import Renderer

    r = Renderer()
    try:
        bank = load_bank(path, domains, use_cache=not no_cache)
    except BankInvalidError as exc:
        if not json:
            raise
        r.json("bank.validate", {"valid": False, "problems": [p.as_dict() for p in exc.problems]})
        raise typer.Exit(int(exc.exit_code)) from None
    if json:
        r.json(
            "bank.validate",
            {"valid": True, "items": len(bank), "source": str(bank.source), "problems": []},
        )
    else:
        r.validated(bank)


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
    from peerprep.render import Renderer

    s = bank_stats(load_bank(path, domains), min_per_task=min_per_task)
    r = Renderer()
    if json:
        r.json("bank.stats", s.as_dict())
    else:
        r.stats(s)


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
    from peerprep.lint import lint as run_lint
    from peerprep.render import Renderer

    report = run_lint(load_bank(path, domains), similarity=similarity)
    r = Renderer()
    if json:
        r.json("bank.lint", report.as_dict())
    else:
        r.lint(report)
    if not report.clean:
        raise typer.Exit(1)
