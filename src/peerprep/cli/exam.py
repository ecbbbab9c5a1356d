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
    from typing import Any

    from peerprep.bank import Bank
    from peerprep.cli.env import Environment
    from peerprep.exams.session import ExamSession
    from peerprep.practice import PracticeService
    from peerprep.progress.history import Start
    from peerprep.progress.store import ProgressStore
    from peerprep.render import Renderer


def _multiplier(value: float) -> float:
    # Checked here rather than with min/max, whose "[1.0<=x<=3.0]" clutters the help.
    if not 1.0 <= value <= 3.0:  # also refuses nan
        raise typer.BadParameter(f"{value:g} is not from 1 to 3 (e.g. 1.5 or 2)")
    return value


TimeMultiplierOpt = Annotated[
    float,
    typer.Option(
        "--time-multiplier",
        callback=_multiplier,
        metavar="X",
        help="Extended time for an accommodation: 1.5 (time and a half), 2 (double); 1-3.",
    ),
]

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
    time_multiplier: TimeMultiplierOpt = 1.0,
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
        ExamRequest(
            items,
            minutes,
            plain,
            resume,
            seed,
            bank,
            domains,
            profile,
            progress,
            time_multiplier=time_multiplier,
        ),
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
    time_multiplier: float = 1.0  # extended time (an accommodation): 1.5, 2, ...


def _open_elsewhere(svc: PracticeService, session: str) -> bool:
    """Whether another process holds this exam (so offering to resume it would fail)."""
    from peerprep.practice import SessionBusyError

    try:
        svc.claim(session, "exam").release()
    except SessionBusyError:
        return True
    return False


def _pending_summary(start: Start, snapshot: dict[str, Any] | None) -> str:
    """'from 2026-03-01 14:05 (12 of 75 answered, 83:20 left)': what an offer names."""
    from peerprep.practice import exam_limit

    snap = snapshot or {}
    answered = len(snap.get("answers", {}))
    left = max(0.0, exam_limit(start, snapshot) - float(snap.get("elapsed", 0.0)))
    m, sec = divmod(int(left), 60)
    local = start.when.astimezone()  # the candidate's own clock, not UTC
    return (
        f"from {local:%Y-%m-%d %H:%M} ({answered} of {len(start.items)} answered, "
        f"{m}:{sec:02d} left)"
    )


def start_exam(env: Environment, q: ExamRequest) -> int:
    """Run the timed exam in an environment; returns the exit code (130: left, resumable)."""
    import random

    from peerprep.cli.env import open_practice
    from peerprep.engine.draw import draw, present
    from peerprep.errors import ExitCode, InvalidInputError
    from peerprep.exams.forms import minutes_for
    from peerprep.exams.timing import extended, say_limit, say_time
    from peerprep.render import literal

    if q.resume and q.time_multiplier != 1:
        raise InvalidInputError(
            "--time-multiplier sets the time of a new exam; a resumed exam keeps its own "
            "time left (drop --resume to start a new one with extended time)"
        )
    o = open_practice(env, q.bank, q.domains, q.progress, q.profile)
    svc, r, b = o.service, o.r, o.bank
    assert o.history is not None
    pending = svc.unfinished_exams(o.history)
    resume = q.resume
    if not resume and pending and _open_elsewhere(svc, pending[0][0].session):
        r.note(
            "[yellow]Your unfinished exam is open in another peerprep process; "
            "starting a new one.[/]"
        )
        pending = []
    if not resume and pending:
        # Like `quiz`: at a terminal, offer the unfinished exam; in a script, say it exists.
        summary = _pending_summary(*pending[0])
        if env.stdin_isatty:
            resume = env.confirm(f"You have an unfinished exam {summary}. Resume it?", default=True)
        else:
            r.note(
                f"[yellow]You have an unfinished exam {literal(summary)}; starting a new one. "
                "Continue that one with `peerprep exam --resume`.[/]"
            )
        if resume and q.time_multiplier != 1:
            r.note("[yellow]The resumed exam keeps its own time; --time-multiplier is not used.[/]")
    if resume:
        if not pending:
            raise InvalidInputError("there is no interrupted exam to resume")
        run, notice = svc.resume_exam(*pending[0])
        for message in notice.messages():
            r.note(f"[yellow]{literal(message)}[/]")
        if run.exam.expired:
            r.note("[yellow]The time for that exam had already run out; submitting it now.[/]")
        else:
            e = run.exam
            r.note(
                f"Resuming at question {e.current + 1} of {len(e.items)}: {len(e.answers)} "
                f"answered, {say_time(e.remaining)} left."
            )
    else:
        n = q.items or b.blueprint.exam.items
        rng = random.Random(q.seed)
        notes: list[str] = []
        presented = present(b, draw(b, rng, count=n, notes=notes), rng)
        for note in notes:
            r.note(f"[yellow]{literal(note[0].upper() + note[1:])}[/]")
        # A shorter exam gets the same pace, not the full exam's time.
        minutes = q.minutes or minutes_for(b, len(presented))
        limit = 60.0 * minutes * q.time_multiplier
        r.note(f"{len(presented)} questions, time {say_limit(limit)}{extended(q.time_multiplier)}.")
        run = svc.new_exam(presented, limit_seconds=limit)
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

                run_plain_exam(session, r, env.input, wait=env.timed_input)
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
    if use_tui:
        _full_report(o.store, b, run.session, session, r)
    else:
        r.exam_result(session, plain=True)
    assert session.result is not None
    missed = [q.id for _, q, _ in session.result.missed]
    if not (env.stdin_isatty and missed):
        return int(ExitCode.OK)
    from peerprep.cli.quiz import ask_retry, drill_and_close

    declined = ask_retry(env, len(missed))
    if declined is not None:
        return declined
    # The retry is a quiz of the missed items, with feedback: saved like any quiz.
    drill = svc.new_drill(present(b, missed, random.Random()), mode="quiz")
    return drill_and_close(drill, r, env, pause=True)


def _full_report(
    store: ProgressStore, bank: Bank, session_id: str, session: ExamSession, r: Renderer
) -> None:
    """After the full-screen exam: the same report `exam report --last` opens (one score
    everywhere), paged when longer than the screen."""
    from peerprep.progress.exams import past_exams
    from peerprep.results import ExamReport

    exams = past_exams(store.load(), bank)
    if exams and exams[-1].session == session_id:
        r.report("exam.report", ExamReport(exams[-1], bank))
    else:  # not found on disk (cannot happen after a recorded submission): say what we know
        r.exam_result(session, plain=False)


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
    time_multiplier: TimeMultiplierOpt = 1.0,
    large_print: Annotated[
        bool,
        typer.Option("--large-print", help="Bigger type and spacing on forms and answer sheets."),
    ] = False,
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
    from peerprep.exams.timing import extended, extended_minutes
    from peerprep.render import literal
    from peerprep.results import BuildResult

    fmt = {"markdown": "md"}.get(fmt.strip().lower(), fmt.strip().lower())
    if fmt not in ("pdf", "md"):
        raise InvalidInputError(f"--format {fmt!r} is not one of: pdf, md")
    if output.exists() and any(output.iterdir()) and not force:
        raise InvalidInputError(f"{output} exists and is not empty; use --force to write into it")
    earlier = _earlier_forms(output)  # read before this build writes its own keys
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
    if large_print and fmt == "md":
        r.note("[yellow]--large-print sets PDF type sizes; Markdown has none to set.[/]")
    if time_multiplier != 1:
        # Forms printed for a candidate with extended time say so, with the time itself.
        minutes = extended_minutes(minutes, time_multiplier)
        r.note(f"Time on the forms: {minutes} minutes{extended(time_multiplier)}.")
    jobs = [
        (
            output / f"form-{form.number}{suffix}.{fmt}",
            form_data(
                b,
                form,
                title=title,
                minutes=minutes,
                kind=kind,
                multiplier=time_multiplier,
                large_print=large_print,
                seed=seed,
            ),
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
        key = key_document(b, form, title=title, seed=seed, minutes=minutes)
        atomic_write(key_path, jsonlib.dumps(key, indent=2).encode(), mode=SHARED_FILE_MODE)
        written.append(str(key_path))
    stale = _stale_form_files(output, written, earlier)
    for old in stale:
        old.unlink()
    if stale:
        names = ", ".join(p.name for p in stale)
        r.note(
            f"[yellow]Removed {len(stale)} file(s) left by an earlier build: {literal(names)}[/]"
        )
    result = BuildResult(forms, n, seed, fs.per_domain, fs.overlap(), written)
    r.report("exam.build", result, "json" if json else "rich")


def _earlier_forms(output: Path) -> set[str]:
    """Form numbers an earlier build left in `output` (each build writes form-N-key.json)."""
    import re

    if not output.is_dir():
        return set()
    keys = (re.fullmatch(r"form-(\d+)-key\.json", p.name) for p in output.iterdir())
    return {m.group(1) for m in keys if m}


def _stale_form_files(output: Path, written: list[str], earlier: set[str]) -> list[Path]:
    """Files of an earlier build's forms (form-N.pdf, form-N-key.md, form-N-key.json, ...
    for a form N that build made) that this build did not write: with more forms or
    another format, they would be printed or graded by mistake. A file with our naming
    but no key of its own beside it (a trainer's own form-9.pdf) is not ours: kept."""
    import re

    ours = re.compile(r"form-(\d+)(-key)?\.(pdf|md|json)")
    keep = {Path(w).name for w in written}
    stale = []
    for p in output.iterdir():
        m = ours.fullmatch(p.name)
        built = m is not None and m.group(1) in earlier
        if built and p.name not in keep and p.is_file() and not p.is_symlink():
            stale.append(p)
    return sorted(stale)


@app.command("grade")
def grade(
    keys: Annotated[
        list[Path],
        typer.Argument(
            help="Each form's key.json from `exam build`, or the folder holding them "
            "(form-N-key.json); several when the answer file has a form column.",
            exists=True,
            show_default=False,
        ),
    ],
    responses: Annotated[
        Path,
        typer.Argument(
            help="Answer file: CSV (any delimiter) of a candidate id, an optional form, then "
            "one letter per item; or a Google Forms, Moodle or Canvas export (see --from).",
            dir_okay=False,
            exists=True,
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="letters, google-forms, moodle or canvas (default: from the header where "
            "that is unambiguous, else letters).",
        ),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option(
            "--drop", help="Leave item N out of scoring (repeatable; FORM:N for several forms)."
        ),
    ] = None,
    rekey: Annotated[
        list[str] | None,
        typer.Option("--rekey", help="Score item N against letter C: N=C (repeatable; FORM:N=C)."),
    ] = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    json: JsonOpt = False,
    csv_out: Annotated[
        bool,
        typer.Option(
            "--csv", help="Print results as CSV; with --report, write the CSV tables into DIR."
        ),
    ] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="DIR",
            file_okay=False,
            help="Write a PDF per candidate (DIR/candidates/) and a class PDF into DIR.",
        ),
    ] = None,
    csv_dir: Annotated[
        Path | None,
        typer.Option(
            "--csv-dir",
            metavar="DIR",
            file_okay=False,
            help="Write tidy CSV tables (candidates, domains, items, options, summary) and "
            "gradebook.csv for a Moodle or Canvas gradebook import into DIR.",
        ),
    ] = None,
) -> None:
    """Grade answer sheets: scores by domain, item difficulty and discrimination, KR-20."""
    from peerprep.cli.env import current
    from peerprep.errors import InvalidInputError
    from peerprep.exams.grade import grade_class, load_key
    from peerprep.exams.responses import FORMATS, TEXT_FORMATS, ItemText, detect_format, read_table
    from peerprep.exams.responses import read_responses as read_answers

    if source is not None and source not in FORMATS:
        raise InvalidInputError(f"--from {source!r}: choose one of {', '.join(FORMATS)}")
    form_keys = [load_key(p) for p in _key_files(keys)]
    try:
        text = responses.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{responses} is not UTF-8 text; save it as CSV (UTF-8)") from None
    rows = read_table(text)
    fmt = source or (detect_format(rows[0][1]) if rows else None) or "letters"
    texts = None
    if fmt in TEXT_FORMATS:
        b = load_bank(bank, domains)
        texts = {
            q.id: ItemText(q.stem, dict(q.options))
            for k in form_keys
            for p in k.items
            if p.id in b
            for q in [b.get(p.id)]
        }
    read = read_answers(text, form_keys, fmt=fmt, texts=texts)
    r = current().renderer()
    r.row_problems(responses, read.listed())
    r.notices(read.notes)
    if (
        not read.candidates
        and read.skipped
        and all("answers, but the key has" in p.message for p in read.skipped)
    ):
        width = ", ".join(str(len(k.items)) for k in form_keys)
        raise InvalidInputError(
            f"no row of {responses} matches the key's {width} items: is this the "
            "right key for these answer sheets?"
        )
    report = grade_class(
        form_keys,
        read,
        drop=[_item_ref(d) for d in drop or []],
        rekey=[_rekey_ref(x) for x in rekey or []],
    )
    tables_dir = csv_dir or (report_dir if csv_out else None)
    stdout_csv = csv_out and report_dir is None
    r.report("exam.grade", report, "json" if json else "csv" if stdout_csv else "rich")
    if report_dir is not None or tables_dir is not None:
        written = _write_reports(
            report, form_keys, read.candidates, report_dir, tables_dir, bank, domains
        )
        r.files_written(written)


if TYPE_CHECKING:  # here rather than at the top: only `grade`'s helpers need them
    from peerprep.exams.formkey import FormKey
    from peerprep.exams.grade import ClassGrade
    from peerprep.exams.responses import Candidate


def _write_reports(
    report: ClassGrade,
    keys: list[FormKey],
    sheets: list[Candidate],
    report_dir: Path | None,
    tables_dir: Path | None,
    bank: Path | None,
    domains: Path | None,
) -> list[Path]:
    """The PDFs (class, then one per candidate) and the CSV tables; returns what was written."""
    from peerprep.atomic import atomic_write
    from peerprep.cli.env import current
    from peerprep.exams import reports

    written: list[Path] = []
    if tables_dir is not None:
        tables_dir.mkdir(parents=True, exist_ok=True)
        for name, text in reports.csv_tables(report).items():
            atomic_write(tables_dir / name, text.encode(), mode=SHARED_FILE_MODE)
            written.append(tables_dir / name)
    if report_dir is None:
        return written
    docs = reports.build_documents(report, keys, sheets, load_bank(bank, domains))
    jobs = [(report_dir / n, d) for n, d in docs.classes]
    jobs += [(report_dir / "candidates" / n, d) for n, d in docs.candidates]
    (report_dir / "candidates").mkdir(parents=True, exist_ok=True)
    r = current().renderer()
    with r.progress_bar(f"Typesetting {len(jobs)} reports", total=len(jobs)) as advance:
        blobs = reports.render_pdfs([d for _, d in jobs], on_done=advance)
    for (path, _), blob in zip(jobs, blobs, strict=True):
        atomic_write(path, blob, mode=SHARED_FILE_MODE)
        written.append(path)
    return written


def _key_files(paths: list[Path]) -> list[Path]:
    """Key files as given; a folder stands for its form-N-key.json files."""
    from peerprep.errors import InvalidInputError

    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("form-*-key.json"), key=lambda f: (len(f.name), f.name))
            if not found:
                raise InvalidInputError(f"{p} holds no form-N-key.json (from `exam build`)")
            out.extend(found)
        else:
            out.append(p)
    return out


def _item_ref(text: str) -> tuple[int | None, int]:
    """'12' -> (None, 12); '2:12' -> (2, 12): item 12 of form 2."""
    from peerprep.errors import InvalidInputError

    form, _, item = text.strip().rpartition(":")
    try:
        return (int(form) if form else None), int(item)
    except ValueError:
        raise InvalidInputError(
            f"{text!r} is not an item number (N, or FORM:N with several forms)"
        ) from None


def _rekey_ref(text: str) -> tuple[int | None, int, str]:
    """'12=C' -> (None, 12, 'C'); '2:12=c' -> (2, 12, 'c')."""
    from peerprep.errors import InvalidInputError

    ref, eq, letter = text.partition("=")
    if not eq or not letter.strip():
        raise InvalidInputError(f"--rekey {text!r}: write N=C, e.g. --rekey 12=C")
    form, item = _item_ref(ref)
    return form, item, letter.strip()


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
    """Read answer sheets from photos or scans into a responses CSV; list uncertain marks.

    Every mark the reader is not sure of is listed for you to confirm instead of guessed.
    Needs the scan extra: `pip install "peerprep\\[scan]"`.
    """
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
