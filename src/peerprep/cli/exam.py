"""`peerprep exam ...`: the timed simulation, printable forms, and class grading."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import (
    FILES,
    BankOpt,
    DomainsOpt,
    JsonOpt,
    ProfileOpt,
    ProgressOpt,
    load_bank,
    with_history,
)
from peerprep.constants import SHARED_FILE_MODE

if TYPE_CHECKING:
    from peerprep.cli.env import Environment

app = typer.Typer(
    help="Mock exams: a timed simulation, printable forms with keys, and class grading.",
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)


@app.callback()
def exam(
    ctx: typer.Context,
    items: Annotated[
        int | None,
        typer.Option("--items", min=1, metavar="N", help="Items on the form (default: blueprint)."),
    ] = None,
    minutes: Annotated[
        int | None,
        typer.Option("--minutes", min=1, metavar="N", help="Time limit (default: blueprint)."),
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Line-by-line prompts (screen readers, dumb terminals).")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted exam with its time left.")
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", metavar="N", rich_help_panel=FILES, help="Seed for a repeatable form."
        ),
    ] = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
) -> None:
    """A timed, full-length exam simulation scored by domain (subcommands: build, grade)."""
    if ctx.invoked_subcommand is not None:
        return
    from peerprep.cli.env import current

    code = start_exam(
        current(),
        ExamRequest(items, minutes, plain, resume, seed, bank, domains, profile, progress),
    )
    if code:
        raise typer.Exit(code)


@dataclass(frozen=True)
class ExamRequest:
    """`peerprep exam` (the timed simulation) as parsed from its options."""

    items: int | None = None
    minutes: int | None = None
    plain: bool = False
    resume: bool = False
    seed: int | None = None
    bank: Path | None = None
    domains: Path | None = None
    profile: str = "default"
    progress: Path | None = None


def start_exam(env: Environment, q: ExamRequest) -> int:
    """Run the timed exam in an environment; returns the exit code (130: left, resumable)."""
    import random

    from peerprep.cli.env import open_practice
    from peerprep.engine.draw import draw, present
    from peerprep.errors import ExitCode, InvalidInputError
    from peerprep.exams.forms import minutes_for
    from peerprep.render import literal

    o = open_practice(env, q.bank, q.domains, q.progress, q.profile, read_history=q.resume)
    svc, r, b = o.service, o.r, o.bank
    if q.resume:
        assert o.history is not None
        pending = svc.unfinished_exams(o.history)
        if not pending:
            raise InvalidInputError("there is no interrupted exam to resume")
        run, notice = svc.resume_exam(*pending[0])
        for message in notice.messages():
            r.note(f"[yellow]{literal(message)}[/]")
        if run.exam.expired:
            r.note("[yellow]The time for that exam had already run out; submitting it now.[/]")
    else:
        n = q.items or b.blueprint.exam.items
        rng = random.Random(q.seed)
        notes: list[str] = []
        presented = present(b, draw(b, rng, count=n, notes=notes), rng)
        for note in notes:
            r.note(f"[yellow]{literal(note[0].upper() + note[1:])}[/]")
        # A shorter exam gets the same pace, not the full exam's time.
        minutes = q.minutes or minutes_for(b, len(presented))
        run = svc.new_exam(presented, limit_seconds=60.0 * minutes)
    use_tui = not q.plain and env.stdin_isatty and env.stdout_isatty and env.term != "dumb"
    with run:
        session = run.exam
        try:
            if session.expired:
                session.submit(timed_out=True)
            elif use_tui:
                from peerprep.tui.exam_app import run_exam_app

                run_exam_app(session)
            else:
                from peerprep.cli.exam_plain import run_plain_exam

                run_plain_exam(session, r, env.input)
        except KeyboardInterrupt:
            pass  # a Ctrl-C during a save: the exam is saved below and can be resumed
        if session.result is None:  # left without submitting: saved, resumable
            run.snapshot()
            r.note("[dim]Exam saved with its time left. Continue with `peerprep exam --resume`.[/]")
            return int(ExitCode.INTERRUPTED)
        if not run.record_submission():
            r.note(
                "[yellow]Interrupted while recording the result: the exam was NOT submitted. "
                "Continue with `peerprep exam --resume`.[/]"
            )
            return int(ExitCode.INTERRUPTED)
    r.exam_result(session)
    return int(ExitCode.OK)


@app.command("build")
def build(
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", file_okay=False, help="Folder to write the forms and keys into."
        ),
    ],
    forms: Annotated[int, typer.Option("--forms", min=1, max=50, help="How many forms.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same forms.")] = 1,
    items: Annotated[
        int | None, typer.Option("--items", min=1, help="Items per form (default: blueprint).")
    ] = None,
    title: Annotated[str, typer.Option("--title", help="Title on every page.")] = (
        "IC&RC Peer Recovery practice exam"
    ),
    fmt: Annotated[str, typer.Option("--format", help="pdf or md.")] = "pdf",
    force: Annotated[bool, typer.Option("--force", help="Write into an existing folder.")] = False,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Write printable forms (questions, bubble sheet), a key PDF, and a key file for grading."""
    import json as jsonlib

    from peerprep.atomic import atomic_write
    from peerprep.cli.env import current
    from peerprep.errors import InvalidInputError
    from peerprep.exams.forms import build_forms, key_document
    from peerprep.exams.printable import form_data, render_markdown, render_pdfs
    from peerprep.render import literal
    from peerprep.results import BuildResult

    if fmt not in ("pdf", "md"):
        raise InvalidInputError("--format must be pdf or md")
    if output.exists() and any(output.iterdir()) and not force:
        raise InvalidInputError(f"{output} exists and is not empty; use --force to write into it")
    b = load_bank(bank, domains)
    n = items or b.blueprint.exam.items
    minutes = round(b.blueprint.exam.minutes * n / b.blueprint.exam.items)
    fs = build_forms(b, forms=forms, items=n, seed=seed)
    r = current().renderer()
    for note in fs.notes:
        r.note(f"[yellow]{literal(note[0].upper() + note[1:])}[/]")
    if fs.forms and len(fs.forms[0].items) != n:
        n = len(fs.forms[0].items)
        minutes = round(b.blueprint.exam.minutes * n / b.blueprint.exam.items)
    jobs = [
        (
            output / f"form-{form.number}{suffix}.{fmt}",
            form_data(b, form, title=title, minutes=minutes, kind=kind, seed=seed),
        )
        for form in fs.forms
        for kind, suffix in (("form", ""), ("key", "-key"))
    ]
    with r.progress_bar(f"Typesetting {len(jobs)} documents", total=len(jobs)) as advance:
        if fmt == "pdf":
            blobs = render_pdfs([d for _, d in jobs], on_done=advance)
        else:
            blobs = [render_markdown(d).encode() for _, d in jobs]
    written: list[str] = []
    for (path, _), blob in zip(jobs, blobs, strict=True):
        atomic_write(path, blob, mode=SHARED_FILE_MODE)
        written.append(str(path))
    for form in fs.forms:
        key_path = output / f"form-{form.number}-key.json"
        key = key_document(b, form, title=title, seed=seed)
        atomic_write(key_path, jsonlib.dumps(key, indent=2).encode(), mode=SHARED_FILE_MODE)
        written.append(str(key_path))
    result = BuildResult(forms, n, seed, fs.per_domain, fs.overlap(), written)
    r.report("exam.build", result, "json" if json else "rich")


@app.command("grade")
def grade(
    key: Annotated[
        Path,
        typer.Argument(help="The form's key.json from `exam build`.", dir_okay=False, exists=True),
    ],
    responses: Annotated[
        Path,
        typer.Argument(
            help="CSV: candidate id, then answers in order.", dir_okay=False, exists=True
        ),
    ],
    json: JsonOpt = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print results as CSV.")] = False,
) -> None:
    """Grade answer sheets: scores by domain, item difficulty and discrimination, KR-20."""
    from peerprep.cli.env import current
    from peerprep.errors import InvalidInputError
    from peerprep.exams.grade import grade as grade_sheets
    from peerprep.exams.grade import load_key, read_responses

    form_key = load_key(key)
    try:
        text = responses.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{responses} is not UTF-8 text; save it as CSV (UTF-8)") from None
    candidates, problems = read_responses(text, form_key)
    r = current().renderer()
    r.row_problems(responses, problems)
    if (
        not candidates
        and problems
        and all("answers, but the key has" in p.message for p in problems)
    ):
        raise InvalidInputError(
            f"no row of {responses} matches the key's {len(form_key.items)} items: is this the "
            "right key for these answer sheets?"
        )
    report = grade_sheets(form_key, candidates, problems)
    r.report("exam.grade", report, "json" if json else "csv" if csv_out else "rich")


@app.command("history")
def history(
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    json: JsonOpt = False,
) -> None:
    """List your past mock exams: date, score, per-domain percent, time used."""
    from peerprep.progress.exams import past_exams
    from peerprep.results import ExamHistory

    b, _store, hist, r = with_history(bank, domains, progress, profile)
    r.report("exam.history", ExamHistory(past_exams(hist, b)), "json" if json else "rich")


@app.command("report")
def report(
    number: Annotated[
        int | None,
        typer.Argument(
            help="Which exam (the # in `peerprep exam history`); default: the last.",
            show_default=False,
        ),
    ] = None,
    last: Annotated[bool, typer.Option("--last", help="The most recent exam.")] = False,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
    json: JsonOpt = False,
) -> None:
    """Open a past mock exam again: score by domain, and every missed question with why."""
    from peerprep.errors import InvalidInputError
    from peerprep.progress.exams import past_exams, pick
    from peerprep.results import ExamReport

    if last and number is not None:
        raise InvalidInputError("give an exam number or --last, not both")
    b, _store, hist, r = with_history(bank, domains, progress, profile)
    chosen = pick(past_exams(hist, b), number)
    r.report("exam.report", ExamReport(chosen, b), "json" if json else "rich")


@app.command("scan")
def scan(
    key_dir: Annotated[
        Path,
        typer.Argument(
            help="The folder `exam build` wrote: its form-N-key.json files.",
            file_okay=False,
            exists=True,
        ),
    ],
    photos: Annotated[
        list[Path],
        typer.Argument(
            help="Phone photos (JPEG, PNG) or scanned PDFs of the answer sheets.",
            dir_okay=False,
            exists=True,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="Responses CSV for `exam grade` (several forms: one file each, -form-N added).",
        ),
    ] = Path("responses.csv"),
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            metavar="EMPTY,FILLED",
            help="Bubble darkness (0-1) below which a bubble is blank, and from which it is "
            "filled; between is reported to confirm (default 0.2,0.45).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing responses CSV.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Read filled answer sheets from photos or scans into a responses CSV; list every
    uncertain mark for you to confirm (needs `pip install "peerprep[scan]"`)."""
    from peerprep.atomic import atomic_write
    from peerprep.cli.env import current
    from peerprep.errors import InvalidInputError
    from peerprep.exams import scan as scanner

    scanner.require_scan_extra()
    t = scanner.Thresholds()
    if threshold is not None:
        try:
            empty, filled = (float(v) for v in threshold.split(","))
        except ValueError:
            raise InvalidInputError(
                f"--threshold takes two numbers, EMPTY,FILLED (like 0.2,0.45), not {threshold!r}"
            ) from None
        t = scanner.Thresholds(empty, filled)
    keys = scanner.load_keys(key_dir)
    report = scanner.scan(photos, keys, t)
    forms = sorted({s.form_id for s in report.sheets}, key=lambda f: keys[f].form)
    targets = {
        f: output
        if len(forms) == 1
        else output.with_name(f"{output.stem}-form-{keys[f].form}{output.suffix}")
        for f in forms
    }
    taken = [str(p) for p in targets.values() if p.exists()]
    if taken and not force:
        raise InvalidInputError(
            f"{', '.join(taken)} exists (it may hold your corrections); use --force to replace it"
        )
    for form_id, path in targets.items():
        text, problems = scanner.responses(report, keys[form_id])
        atomic_write(path, text.encode(), mode=SHARED_FILE_MODE)
        report.written[keys[form_id].form] = str(path)
        report.problems += problems
    current().renderer().report("exam.scan", report, "json" if json else "rich")
    if report.failures or not report.sheets:
        raise typer.Exit(1)
