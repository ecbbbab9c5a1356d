"""The root command, and the one place where errors become messages and exit codes.

Only typer and the standard library are imported at module level: `peerprep --help`
must not pay for pydantic, yaml or the bank. Commands import the core when they run.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from peerprep import __version__
from peerprep.errors import ExitCode, PeerprepError


class PeerprepGroup(TyperGroup):
    """Root group: turns a PeerprepError from any subcommand into stderr text + exit code."""

    # typer.Context is the public name of the (vendored) click Context it subclasses.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PeerprepError as exc:
            if ctx.meta.get("peerprep.debug"):
                raise
            from peerprep.render import Renderer

            Renderer().error(exc.message, exc.details)
            raise typer.Exit(int(exc.exit_code)) from None


CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="peerprep",
    cls=PeerprepGroup,
    help="Exam prep for the IC&RC Peer Recovery (PR) examination.",
    context_settings=CONTEXT,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"peerprep {__version__}")
        raise typer.Exit(int(ExitCode.OK))


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Exam prep for the IC&RC Peer Recovery (PR) examination.

    Drill original, reviewed questions tagged to the 54 IC&RC tasks, scored by domain.
    """
    ctx.meta["peerprep.debug"] = debug


# Registration order is the order `--help` lists them.
from peerprep.cli import (  # noqa: E402  (commands need `app` defined)
    bank,
    domains,
    exam,
    export,
    importing,
    progress,
    quiz,
    study,
)

app.command("quiz", context_settings=CONTEXT)(quiz.quiz)
app.command("study", context_settings=CONTEXT)(study.study)
app.command("review", context_settings=CONTEXT)(study.review)
app.command("readiness", context_settings=CONTEXT)(study.readiness)
app.command("domains", context_settings=CONTEXT)(domains.domains)
app.add_typer(exam.app, name="exam")
app.add_typer(progress.app, name="progress")
app.add_typer(bank.app, name="bank")
app.add_typer(export.app, name="export")
app.add_typer(importing.app, name="import")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="peerprep")
