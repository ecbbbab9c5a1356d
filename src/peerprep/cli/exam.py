"""`peerprep exam ...`: the timed simulation, printable forms, and class grading."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerprep.cli.options import (
    BankOpt,
    DomainsOpt,
    JsonOpt,
    ProfileOpt,
    ProgressOpt,
    load_bank,
    with_history,
)

if TYPE_CHECKING:
    from peerprep.exams.session import ExamSession

app = typer.Typer(
    help="Mock exams: a timed simulation, printable forms with keys, and class grading.",
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)


@app.callback()
def exam(
    ctx: typer.Context,
    items: Annotated[
        int | None, typer.Option("--items", min=1, help="Items on the form (default: blueprint).")
    ] = None,
    minutes: Annotated[
        int | None, typer.Option("--minutes", min=1, help="Time limit (default: blueprint).")
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Line-by-line prompts (screen readers, dumb terminals).")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted exam with its time left.")
    ] = False,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for a repeatable form.")] = None,
    bank: BankOpt = None,
    domains: DomainsOpt = None,
    profile: ProfileOpt = "default",
    progress: ProgressOpt = None,
) -> None:
    """A timed, full-length exam simulation scored by domain (subcommands: build, grade)."""
    if ctx.invoked_subcommand is not None:
        return
    import os
    import random
    import sys

    from peerprep.engine.draw import Presented, draw, present
    from peerprep.errors import InvalidInputError
    from peerprep.exams.session import ExamSession
    from peerprep.progress.schema import ExamState, SessionStart
    from peerprep.progress.store import new_session_id

    b, store, history, r = with_history(bank, domains, progress, profile)
    pending = history.unfinished_exams()
    if resume:
        if not pending:
            raise InvalidInputError("there is no interrupted exam to resume")
        start, snap = pending[0]
        session_id = start.session
        presented = [Presented(i, tuple(o)) for i, o in start.items]
        missing = [p.item_id for p in presented if p.item_id not in b]
        if missing:
            raise InvalidInputError(f"items of that exam are no longer in the bank: {missing}")
        limit = float(start.label.split(":")[1]) if start.label.startswith("limit:") else 7200.0
        elapsed = float(snap["elapsed"]) if snap else 0.0
        answers = {
            int(k): presented[int(k)].shown_letter(v)
            for k, v in (snap["answers"] if snap else {}).items()
        }
        flagged = {int(i) for i in (snap["flagged"] if snap else [])}
        if elapsed >= limit:
            r.note("[yellow]The time for that exam had already run out; submitting it now.[/]")
    else:
        n = items or b.blueprint.exam.items
        limit = 60.0 * (minutes or b.blueprint.exam.minutes)
        rng = random.Random(seed)
        presented = present(b, draw(b, rng, count=n), rng)
        session_id, elapsed, answers, flagged = new_session_id(), 0.0, {}, set()
        store.append(
            SessionStart(
                session=session_id,
                at=store.clock(),
                mode="exam",
                items=[(p.item_id, "".join(p.order)) for p in presented],
                label=f"limit:{limit:g}",
            )
        )

    def save(s: ExamSession) -> None:
        store.append(
            ExamState(
                session=session_id,
                at=store.clock(),
                elapsed=s.elapsed,
                limit=s.limit,
                answers=s.original_answers(),  # type: ignore[arg-type]
                flagged=s.flagged_list(),
            )
        )

    session = ExamSession(
        b,
        presented,
        limit_seconds=limit,
        elapsed=elapsed,
        answers=answers,
        flagged=flagged,
        on_change=save,
    )
    use_tui = (
        not plain
        and sys.stdin.isatty()
        and sys.stdout.isatty()
        and os.environ.get("TERM", "dumb") != "dumb"
    )
    if session.expired:
        session.submit(timed_out=True)
    elif use_tui:
        from peerprep.tui.exam_app import run_exam_app

        run_exam_app(session)
    else:
        from peerprep.cli.exam_plain import run_plain_exam

        run_plain_exam(session, r, r.console.input)
    if session.result is None:  # left without submitting: saved, resumable
        save(session)
        r.note("[dim]Exam saved with its time left. Continue with `peerprep exam --resume`.[/]")
        raise typer.Exit(130)
    _finish(session, store, session_id)
    r.exam_result(session)


def _finish(session: ExamSession, store: object, session_id: str) -> None:
    """Record the submitted answers (they count toward mastery) and close the session."""
    from peerprep.progress.schema import AnswerEvent, SessionEnd
    from peerprep.progress.store import ProgressStore

    assert isinstance(store, ProgressStore)
    assert session.result is not None
    now = store.clock()
    events: list[AnswerEvent | SessionEnd] = []
    for i, letter in sorted(session.answers.items()):
        p, q = session.item(i)
        key = p.original_key(letter)
        events.append(
            AnswerEvent(
                session=session_id,
                at=now,
                item=q.id,
                chosen=key,  # type: ignore[arg-type]
                correct=key == q.answer,
                seconds=0.0,
                mode="exam",
            )
        )
    events.append(SessionEnd(session=session_id, at=now))
    exam = session.bank.blueprint.exam
    pace = exam.minutes * 60 / exam.items

    def update_cards(cards: dict[str, dict[str, object]]) -> None:
        from peerprep.engine import schedule

        for ev in events:
            if isinstance(ev, AnswerEvent):  # no per-item timing in an exam: rated on right/wrong
                cards[ev.item] = schedule.review(
                    cards.get(ev.item),
                    ev.item,
                    correct=ev.correct,
                    seconds=0.0,
                    when=now,
                    pace_seconds=pace,
                )

    store.append(*events, on_cards=update_cards)


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
    """Write printable forms: cover, questions, bubble sheet; a key PDF; key.json for grading."""
    import json as jsonlib

    from peerprep.atomic import atomic_write
    from peerprep.errors import InvalidInputError
    from peerprep.exams.forms import build_forms, key_document
    from peerprep.exams.printable import form_data, render_markdown, render_pdfs
    from peerprep.render import Renderer

    if fmt not in ("pdf", "md"):
        raise InvalidInputError("--format must be pdf or md")
    if output.exists() and any(output.iterdir()) and not force:
        raise InvalidInputError(f"{output} exists and is not empty; use --force to write into it")
    b = load_bank(bank, domains)
    n = items or b.blueprint.exam.items
    minutes = round(b.blueprint.exam.minutes * n / b.blueprint.exam.items)
    fs = build_forms(b, forms=forms, items=n, seed=seed)
    r = Renderer()
    jobs = [
        (
            output / f"form-{form.number}{suffix}.{fmt}",
            form_data(b, form, title=title, minutes=minutes, kind=kind),
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
        atomic_write(path, blob, mode=0o644)
        written.append(str(path))
    for form in fs.forms:
        key_path = output / f"form-{form.number}-key.json"
        key = key_document(b, form, title=title, seed=seed)
        atomic_write(key_path, jsonlib.dumps(key, indent=2).encode(), mode=0o644)
        written.append(str(key_path))
    summary = {
        "forms": forms,
        "items": n,
        "seed": seed,
        "per_domain": fs.per_domain,
        "overlap": fs.overlap(),
        "files": written,
    }
    if json:
        r.json("exam.build", summary)
    else:
        r.build_summary(summary)


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
    from peerprep.errors import InvalidInputError
    from peerprep.exams.grade import grade as grade_sheets
    from peerprep.exams.grade import load_key, read_responses, write_csv
    from peerprep.render import Renderer

    form_key = load_key(key)
    try:
        text = responses.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{responses} is not UTF-8 text; save it as CSV (UTF-8)") from None
    candidates, problems = read_responses(text, form_key)
    r = Renderer()
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
    if json:
        r.json("exam.grade", report.as_dict())
    elif csv_out:
        r.console.file.write(write_csv(report))
    else:
        r.grade_report(report)
