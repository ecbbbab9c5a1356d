"""The root command, and the one place where errors become messages and exit codes.

Only typer and the standard library are imported at module level: `peerprep --help`
must not pay for pydantic, yaml or the bank. Commands import the core when they run.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from peerprep import __version__
from peerprep.errors import ExitCode, PeerprepError, describe_os_error

# typer's parser errors (bad value, unknown option) share this base; typer exports only
# BadParameter, so the base is taken from it rather than from typer's private modules.
_UsageError: type[Exception] = typer.BadParameter.__mro__[1]

JSON_MODE = "peerprep.json"  # ctx.meta key set by every --json option (cli/options.py)


class PeerprepGroup(TyperGroup):
    """Root group: the one place where what escapes a command becomes stderr text + exit code.

    - PeerprepError: its message (and details), its own exit code.
    - OSError (full disk, read-only folder, permission denied, a folder where a file
      should be): one line naming the path and the OS reason, exit 1. The core lets these
      through rather than wrapping each call, so they are translated here, once.
    - Ctrl-C outside the quiz and exam loops (which save and report themselves): a short
      note, exit 130, as shells expect.
    `--debug` re-raises, so the traceback shows.
    """

    # typer.Context is the public name of the (vendored) click Context it subclasses.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from peerprep.cli.env import installed

        with installed(ctx.obj):
            return self._invoke(ctx)

    def _invoke(self, ctx: typer.Context) -> Any:
        # Read before invoking: the group hands these to the subcommand and clears them.
        wants_json = "--json" in [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            return super().invoke(ctx)
        except _UsageError as exc:
            # A value the parser refuses (`--target abc`) is raised before any --json
            # callback runs; a tool that asked for JSON still gets an `error` envelope on
            # stdout. The usual usage message follows on stderr (typer prints it).
            if wants_json:
                from peerprep.cli.env import current
                from peerprep.results import Failure

                formatted = getattr(exc, "format_message", None)
                message = formatted() if callable(formatted) else str(exc)
                failure = Failure(message, (), int(ExitCode.INVALID_INPUT))
                current().renderer().report("error", failure, "json")
            raise
        except PeerprepError as exc:
            if ctx.meta.get("peerprep.debug"):
                raise
            _error(exc.message, exc.details, code=int(exc.exit_code), ctx=ctx)
            raise typer.Exit(int(exc.exit_code)) from None
        except BrokenPipeError:
            if ctx.meta.get("peerprep.debug"):
                raise
            # The reader (`peerprep ... | head`) has gone: nothing to tell it. Point stdout
            # at devnull so the interpreter's last flush does not fail a second time.
            _silence_stdout()
            raise typer.Exit(int(ExitCode.ERROR)) from None
        except OSError as exc:
            if ctx.meta.get("peerprep.debug"):
                raise
            _error(describe_os_error(exc), code=int(ExitCode.ERROR), ctx=ctx)
            raise typer.Exit(int(ExitCode.ERROR)) from None
        except KeyboardInterrupt:
            if ctx.meta.get("peerprep.debug"):
                raise
            _error("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except typer.Abort as exc:
            # typer.confirm turns Ctrl-C at a prompt into Abort; an Abort from EOF stays typer's.
            if not isinstance(exc.__context__, KeyboardInterrupt) or ctx.meta.get("peerprep.debug"):
                raise
            _error("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _error(
    message: str,
    details: tuple[str, ...] = (),
    *,
    code: int = int(ExitCode.ERROR),
    ctx: typer.Context | None = None,
) -> None:
    """The one way an error is shown: a line on stderr, and under --json also an
    `error` envelope on stdout, so a tool reading JSON gets JSON either way."""
    from peerprep.cli.env import current
    from peerprep.results import Failure

    r = current().renderer()
    r.error(message, details)
    if ctx is not None and ctx.meta.get(JSON_MODE):
        r.report("error", Failure(message, details, code), "json")


def _silence_stdout() -> None:
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test runner's buffer): nothing to do
        pass


CONTEXT = {"help_option_names": ["-h", "--help"]}


def _flags_show_no_type() -> None:
    """Show an on/off flag as just its name in help, not `--resume <bool>`.

    This typer prints a type for every option, flags included, and builds `--help`
    itself, so no per-option metavar reaches every flag; one override of its display
    does. An option with its own metavar keeps it.
    """
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "peerprep_plain_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return shown(self, ctx)

    display_type_rich.peerprep_plain_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_show_no_type()

app = typer.Typer(
    name="peerprep",
    cls=PeerprepGroup,
    help="Exam prep for the IC&RC Peer Recovery (PR) examination.",
    context_settings=CONTEXT,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"peerprep {__version__}")
        raise typer.Exit(int(ExitCode.OK))


@app.callback(invoke_without_command=True)
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
    if ctx.invoked_subcommand is None:  # bare `peerprep`: today's plan, or a welcome
        from peerprep.cli.env import current
        from peerprep.cli.plan import show_today

        show_today(current())


# Registration order is the order `--help` lists them.
from peerprep.cli import (  # noqa: E402  (commands need `app` defined)
    bank,
    domains,
    exam,
    export,
    importing,
    plan,
    progress,
    quiz,
    study,
)

app.command("quiz", context_settings=CONTEXT)(quiz.quiz)
app.command("study", context_settings=CONTEXT)(study.study)
app.command("review", context_settings=CONTEXT)(study.review)
app.command("readiness", context_settings=CONTEXT)(study.readiness)
app.command("plan", context_settings=CONTEXT)(plan.plan)
app.command("domains", context_settings=CONTEXT)(domains.domains)
app.add_typer(exam.app, name="exam")
app.add_typer(progress.app, name="progress")
app.add_typer(bank.app, name="bank")
app.add_typer(export.app, name="export")
app.add_typer(importing.app, name="import")


def main() -> None:
    """Console-script entry point."""
    from peerprep.practice import hangup_as_interrupt

    hangup_as_interrupt()
    app(prog_name="peerprep")
