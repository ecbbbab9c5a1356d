"""`peerprep import csv|gift`: bring a trainer's question set into the bank's YAML."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import DomainsOpt, load_blueprint

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.models import Blueprint

app = typer.Typer(
    help="Import a question set (CSV or GIFT) as bank YAML, validated before writing.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
)

SourceArg = Annotated[Path, typer.Argument(help="The file to import.", dir_okay=False, exists=True)]
OutOpt = Annotated[
    Path,
    typer.Option(
        "--output", "-o", file_okay=False, help="Folder for the YAML file (e.g. question_bank/)."
    ),
]
TaskOpt = Annotated[
    str | None,
    typer.Option(
        "--task", "-t", help="Task code for items that do not name one (asked for if needed)."
    ),
]
PrefixOpt = Annotated[str, typer.Option("--id-prefix", help="Prefix for ids made up on import.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


def _run(
    kind: str,
    source: Path,
    output: Path,
    task: str | None,
    prefix: str,
    force: bool,
    domains: Path | None,
) -> None:
    import sys

    import yaml

    from peerprep.atomic import atomic_write
    from peerprep.cli.env import current
    from peerprep.constants import SHARED_FILE_MODE
    from peerprep.errors import BankInvalidError, InvalidInputError
    from peerprep.export import importers
    from peerprep.export.select import output_path
    from peerprep.render import literal

    bp = load_blueprint(domains)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{source} is not UTF-8 text") from None
    reader = importers.from_csv if kind == "csv" else importers.from_gift
    path = output_path(output, f"imported-{source.stem}.yaml", force=force)
    # Ids must be new to the bank the file joins (the bundled one for question_bank/);
    # a file that --force replaces does not count.
    existing = [_target_bank(output, bp)] if output.is_dir() and _holds_yaml(output) else []
    if task is None and sys.stdin.isatty():
        _, problems = reader(text, str(source), bp, task=None, id_prefix=prefix)
        if any(p.field == "task" for p in problems):
            task = typer.prompt("Task code for items without one (e.g. II9)")
    items, problems = reader(
        text, str(source), bp, task=task, id_prefix=prefix, existing=existing, replacing=path
    )
    if problems:
        raise BankInvalidError(problems, what=f"import of {source}")
    if not items:  # an empty list would be a bank file that fails validation
        raise InvalidInputError(f"{source} holds no questions; nothing written")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"cannot create the folder {output}: {exc.strerror}") from None
    atomic_write(
        path,
        yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=100).encode(),
        mode=SHARED_FILE_MODE,
    )
    # Items from our own exports carry their fields; others get stated defaults.
    defaulted = sum(str(it.get("source", "")).startswith("imported from ") for it in items)
    hint = (
        f" {defaulted} of them took defaults: review difficulty (2), cognitive level "
        "(comprehension) and source, then run `peerprep bank lint`."
        if defaulted
        else " Run `peerprep bank lint` to check them."
    )
    current().renderer().note(f"[green]✓[/] {len(items)} items written to {literal(path)}.{hint}")


def _target_bank(folder: Path, bp: Blueprint) -> Bank:
    """The bank an import joins. A folder whose YAML is not a bank (a project folder with
    other YAML files, a broken bank) is refused: its ids cannot be checked."""
    from peerprep.bank import load_bank
    from peerprep.errors import BankInvalidError, InvalidInputError

    try:
        return load_bank(folder, bp)
    except BankInvalidError as exc:
        first = exc.details[0] if exc.details else exc.message
        raise InvalidInputError(
            f"{folder} holds YAML files that are not a valid question bank (first problem: "
            f"{first}); import into a bank folder such as question_bank/, or a new folder "
            "with -o FOLDER"
        ) from None


def _holds_yaml(folder: Path) -> bool:
    from peerprep.bank import bank_files
    from peerprep.errors import InvalidInputError

    try:
        return bool(bank_files(folder))
    except InvalidInputError:  # no bank there yet: the import starts one
        return False


@app.command("csv")
def import_csv(
    source: SourceArg,
    output: OutOpt = Path("."),
    task: TaskOpt = None,
    id_prefix: PrefixOpt = "IMP",
    force: ForceOpt = False,
    domains: DomainsOpt = None,
) -> None:
    """CSV with a header (the columns `peerprep export csv` writes; task may be --task)."""
    _run("csv", source, output, task, id_prefix, force, domains)


@app.command("gift")
def import_gift(
    source: SourceArg,
    output: OutOpt = Path("."),
    task: TaskOpt = None,
    id_prefix: PrefixOpt = "IMP",
    force: ForceOpt = False,
    domains: DomainsOpt = None,
) -> None:
    """Moodle GIFT multiple-choice questions (titles become ids; feedback, rationales)."""
    _run("gift", source, output, task, id_prefix, force, domains)
