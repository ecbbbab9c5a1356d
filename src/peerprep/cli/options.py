"""Options shared by several commands, and lazy loaders behind them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# Learner options come first in every command's help (typer's "Options" panel); where
# the files live, machine output and repeatable draws are for trainers and tools, so
# they share one panel below.
FILES = "Files"

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from peerprep.bank import Bank
    from peerprep.models import Blueprint
    from peerprep.progress.history import History
    from peerprep.progress.store import ProgressStore
    from peerprep.render import Renderer

DomainsOpt = Annotated[
    Path | None,
    typer.Option(
        "--domains",
        envvar="PEERPREP_DOMAINS",
        dir_okay=False,
        metavar="FILE",
        rich_help_panel=FILES,
        help="Blueprint file (domains, tasks, weights). Default: the bundled domains.yaml.",
    ),
]
BankOpt = Annotated[
    Path | None,
    typer.Option(
        "--bank",
        envvar="PEERPREP_BANK",
        metavar="PATH",
        rich_help_panel=FILES,
        help="Bank file or folder of .yaml files. Default: the bundled bank.",
    ),
]
BankArg = Annotated[
    Path | None,
    typer.Argument(
        help="Bank file or folder of .yaml files. Default: the bundled bank.", show_default=False
    ),
]
ProfileOpt = Annotated[
    str,
    typer.Option(
        "--profile",
        "-p",
        envvar="PEERPREP_PROFILE",
        metavar="NAME",
        rich_help_panel=FILES,
        help="Whose progress: one file per profile (for a shared machine).",
    ),
]
ProgressOpt = Annotated[
    Path | None,
    typer.Option(
        "--progress",
        envvar="PEERPREP_PROGRESS",
        dir_okay=False,
        metavar="FILE",
        rich_help_panel=FILES,
        help="Progress file to use instead of the profile's default.",
    ),
]


def _json_mode(ctx: typer.Context, value: bool) -> bool:
    # Remembered on the shared meta so the root handler prints errors as JSON too.
    if value:
        ctx.meta["peerprep.json"] = True
    return value


JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        callback=_json_mode,
        rich_help_panel=FILES,
        help="Print machine-readable JSON (errors too, as an `error` envelope).",
    ),
]


def parse_percent(value: str) -> float:
    """'75', '75%', '75 %' or '75.5' -> 75.0; 1-100, else a usage error naming the form."""
    if isinstance(value, float | int):  # a default passes through the parser too
        return float(value)
    text = value.strip().removesuffix("%").strip()
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 1 <= number <= 100:  # also rejects nan
        raise typer.BadParameter(f"{value!r} is not a percent from 1 to 100 (e.g. 75 or 75%)")
    return number


TargetOpt = Annotated[
    float | None,
    typer.Option(
        "--target",
        parser=parse_percent,
        metavar="PERCENT",
        help="Your study target, percent correct, e.g. 75 or 75% (saved as your default).",
    ),
]
NoPauseOpt = Annotated[
    bool,
    typer.Option(
        "--no-pause",
        help="Go straight to the next question after the feedback (no Enter needed).",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Parse the bank files even if a cached copy is valid.",
        rich_help_panel=FILES,
    ),
]


def load_blueprint(path: Path | None) -> Blueprint:
    from peerprep.blueprint import load_blueprint as _load

    return _load(path)


def load_bank(bank: Path | None, domains: Path | None, *, use_cache: bool = True) -> Bank:
    from peerprep.bank import load_bank as _load

    return _load(bank, load_blueprint(domains), use_cache=use_cache)


def with_history(
    bank: Path | None, domains: Path | None, progress: Path | None, profile: str
) -> tuple[Bank, ProgressStore, History, Renderer]:
    """What every progress-reading command starts with: the bank, the profile's store, its
    history, and a renderer that has already shown any notice from reading it."""
    from peerprep.cli.env import current

    env = current()
    b = load_bank(bank, domains)
    store = env.open_store(progress, profile)  # on env's clock: same data, same report
    history = store.load()
    r = env.renderer()
    r.notices(store.notices)
    store.notices.clear()
    return b, store, history, r


def open_store(
    progress: Path | None,
    profile: str,
    clock: Callable[[], dt.datetime] | None = None,
) -> ProgressStore:
    """The profile's store (or the --progress file), on `clock` if given."""
    import os

    from peerprep.errors import InvalidInputError
    from peerprep.paths import data_home
    from peerprep.progress.store import ProgressStore, progress_path

    path = progress or progress_path(data_home(), profile)
    # Say it now, not after the first answer: the folder the file lives in is a file.
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise InvalidInputError(
                    f"{folder} is a file, so progress cannot be kept under it; set "
                    "PEERPREP_HOME (or --progress) to a folder"
                )
            break
    raw = os.environ.get("PEERPREP_LOCK_TIMEOUT", "")
    # Only peerprep writes a profile's default file, so anything unreadable there is ours,
    # damaged; a --progress file must look like ours before it may be moved aside.
    own = progress is None
    from peerprep.progress.store import utcnow

    now = clock or utcnow
    if not raw:
        return ProgressStore(path, own_location=own, clock=now)
    try:  # how long a save waits for another peerprep on the same file (default 10 s)
        timeout = float(raw)
    except ValueError:
        timeout = -1.0
    if not 0 <= timeout <= 3600:
        raise InvalidInputError(f"PEERPREP_LOCK_TIMEOUT={raw!r}: use seconds from 0 to 3600")
    return ProgressStore(path, lock_timeout=timeout, own_location=own, clock=now)
