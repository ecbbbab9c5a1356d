"""`peerprep export ...`: the bank (or a filtered part, or one built form) for other tools."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import BankOpt, DomainsOpt, load_bank
from peerprep.constants import SHARED_FILE_MODE

if TYPE_CHECKING:
    from peerprep.bank import Bank
    from peerprep.models import Question

app = typer.Typer(
    help="Export items: Anki, GIFT, Aiken, QTI (Canvas), CSV. Filters: --domain --task --form.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
)

OutOpt = Annotated[
    Path,
    typer.Option(
        "--output", "-o", file_okay=False, help="Folder to write into (created if missing)."
    ),
]
DomainOpt = Annotated[str | None, typer.Option("--domain", "-d", help="Only this domain.")]
TaskOpt = Annotated[list[str] | None, typer.Option("--task", "-t", help="Only these task codes.")]
FormOpt = Annotated[
    Path | None,
    typer.Option(
        "--form", dir_okay=False, exists=True, help="Exactly the items of a built form (key.json)."
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]
NameOpt = Annotated[str | None, typer.Option("--name", help="File name inside the folder.")]


def _items(
    bank: Path | None,
    domains: Path | None,
    domain: str | None,
    task: list[str] | None,
    form: Path | None,
) -> tuple[Bank, list[Question]]:
    from peerprep.export.select import select

    b = load_bank(bank, domains)
    return b, select(b, domain=domain, tasks=task or [], form=form)


@app.command("anki")
def anki(
    output: OutOpt = Path("."),
    name: NameOpt = None,
    domain: DomainOpt = None,
    task: TaskOpt = None,
    form: FormOpt = None,
    force: ForceOpt = False,
    namespace: Annotated[
        str,
        typer.Option(
            "--namespace", help="Keeps note identities stable across exports of one bank."
        ),
    ] = "peerprep",
    bank: BankOpt = None,
    domains: DomainsOpt = None,
) -> None:
    """An Anki deck (.apkg): a sub-deck per domain; re-importing an edited export updates notes."""
    from peerprep.cli.env import current
    from peerprep.export.anki import write_apkg
    from peerprep.export.select import form_title, output_path
    from peerprep.render import literal

    b, items = _items(bank, domains, domain, task, form)
    _make_folder(output)
    path = output_path(output, name or "peerprep.apkg", force=force)
    if form is not None:
        n = write_apkg(b, items, path, namespace=namespace, title=form_title(form))
    else:
        n = write_apkg(b, items, path, namespace=namespace)
    current().renderer().note(f"[green]✓[/] {n} notes written to {literal(path)}")


@app.command("csv")
def csv(
    output: OutOpt = Path("."),
    name: NameOpt = None,
    domain: DomainOpt = None,
    task: TaskOpt = None,
    form: FormOpt = None,
    force: ForceOpt = False,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
) -> None:
    """One CSV row per item with every field (options, key, rationale, notes, source)."""
    from peerprep.cli.env import current
    from peerprep.export.table import to_csv
    from peerprep.render import literal

    _, items = _items(bank, domains, domain, task, form)
    path = _write_text(output, name or "peerprep-items.csv", to_csv(items), force)
    current().renderer().note(f"[green]✓[/] {len(items)} items written to {literal(path)}")


def _make_folder(output: Path) -> None:
    from peerprep.errors import InvalidInputError

    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, or no permission
        raise InvalidInputError(f"cannot create the folder {output}: {exc.strerror}") from None


def _write_text(output: Path, name: str, text: str | bytes, force: bool) -> Path:
    from peerprep.atomic import atomic_write
    from peerprep.export.select import output_path

    _make_folder(output)
    path = output_path(output, name, force=force)
    atomic_write(path, text.encode() if isinstance(text, str) else text, mode=SHARED_FILE_MODE)
    return path


@app.command("gift")
def gift(
    output: OutOpt = Path("."),
    name: NameOpt = None,
    domain: DomainOpt = None,
    task: TaskOpt = None,
    form: FormOpt = None,
    force: ForceOpt = False,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
) -> None:
    """Moodle GIFT, a category per domain, with each option's rationale as feedback."""
    from peerprep.cli.env import current
    from peerprep.export.gift import to_gift
    from peerprep.export.select import form_title
    from peerprep.render import literal

    b, items = _items(bank, domains, domain, task, form)
    title = form_title(form) if form is not None else None
    path = _write_text(output, name or "peerprep.gift.txt", to_gift(b, items, title=title), force)
    current().renderer().note(f"[green]✓[/] {len(items)} questions written to {literal(path)}")


@app.command("aiken")
def aiken(
    output: OutOpt = Path("."),
    name: NameOpt = None,
    domain: DomainOpt = None,
    task: TaskOpt = None,
    form: FormOpt = None,
    force: ForceOpt = False,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
) -> None:
    """Moodle Aiken (questions and keys only: the format has no feedback)."""
    from peerprep.cli.env import current
    from peerprep.export.gift import to_aiken
    from peerprep.render import literal

    _, items = _items(bank, domains, domain, task, form)
    path = _write_text(output, name or "peerprep.aiken.txt", to_aiken(items), force)
    current().renderer().note(f"[green]✓[/] {len(items)} questions written to {literal(path)}")


@app.command("qti")
def qti(
    output: OutOpt = Path("."),
    name: NameOpt = None,
    domain: DomainOpt = None,
    task: TaskOpt = None,
    form: FormOpt = None,
    force: ForceOpt = False,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
) -> None:
    """A QTI 1.2 zip for Canvas: one quiz per domain, or one for a built form (--form)."""
    from peerprep.cli.env import current
    from peerprep.export.qti import to_qti_zip
    from peerprep.export.select import form_title
    from peerprep.render import literal

    b, items = _items(bank, domains, domain, task, form)
    if form is not None:
        groups = [(form_title(form), items)]
    else:
        groups = []
        for d in b.blueprint.domains:
            codes = {t.code for t in d.tasks}
            mine = [q for q in items if q.task in codes]
            if mine:
                groups.append((f"peerprep {d.code} {d.name}", mine))
    path = _write_text(output, name or "peerprep-qti.zip", to_qti_zip(groups), force)
    current().renderer().note(
        f"[green]✓[/] {len(items)} questions in {len(groups)} quiz(zes) written to {literal(path)}"
    )
