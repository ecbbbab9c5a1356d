"""Printable forms and keys: PDF through Typst (one template), and Markdown.

The exam data goes to Typst as JSON in `sys_inputs` and the template reads it with
`json()`, so no question text is ever parsed as Typst markup (a stem may contain
`#`, `$`, `*` or `@` and prints as written).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from peerprep.bank import Bank
from peerprep.constants import OPTION_LETTERS
from peerprep.exams.formkey import KeyPosition, form_id_of, key_positions
from peerprep.exams.forms import Form

T = TypeVar("T")

NOTICE = (
    "A practice form made by peerprep from its own original items. It follows a provisional "
    "blueprint (domain weights proportional to tasks per domain, not IC&RC's official figures). "
    "IC&RC reports a scaled score (200-800, 500 passes); percent correct on this form is a study "
    "measure, not a prediction of that score."
)


def form_data(
    bank: Bank,
    form: Form,
    *,
    title: str,
    minutes: int,
    kind: str,
    multiplier: float = 1.0,
    large_print: bool = False,
    seed: int | None = None,
) -> dict[str, object]:
    """What the template (or the Markdown writer) prints; `minutes` already includes
    any extended time, and `multiplier` only makes the form say so."""
    from peerprep.exams.timing import extended

    time = f"{minutes} minutes{extended(multiplier)}"
    questions = []
    # Positions, printed order and key letters come from the same place as key.json's.
    positions = key_positions(bank, form.items)
    for pos in positions:
        q = bank.get(pos.id)
        notes = [
            q.rationale.answer if k == q.answer else q.rationale.distractors.get(k, "")
            for k in pos.order
        ]
        questions.append(
            {
                "n": pos.n,
                "id": pos.id,
                "task": pos.task,
                "domain": pos.domain,
                "key": pos.key,
                "stem": q.stem.strip(),
                "options": [q.options[k] for k in pos.order],
                "notes": notes,
            }
        )
    return {
        "kind": kind,
        "title": title,
        "form": str(form.number),
        "subtitle": f"{len(questions)} items · {time}",
        "large_print": large_print,
        "instructions": [
            f"You have {time} for {len(questions)} questions.",
            (
                "Each question has one best answer. Mark it on the large-print answer sheet "
                "at the end."
                if large_print
                else "Each question has one best answer. Mark it on the scannable answer sheet "
                "at the end (the page with black corner squares)."
            ),
            "Answer every question: a blank counts as wrong.",
            "Do not write on the question pages if the form will be reused.",
        ],
        "notice": NOTICE,
        "questions": questions,
        # Large print is marked by hand on its own big-bubble sheet (graded by typing the
        # answers into a CSV); the scannable sheet's geometry is fixed, so it is left out.
        "scan": scan_pages(form.number, positions, title=title, seed=seed)
        if kind == "form" and not large_print
        else [],
    }


def scan_pages(
    number: int, positions: list[KeyPosition], *, title: str, seed: int | None
) -> list[dict[str, object]]:
    """The machine-readable answer sheet's shapes (exams/scan_layout.py), its QR code
    naming the key's form id, so `exam scan` finds the key that grades it."""
    from peerprep.exams.scan_layout import sheet_pages, typst_pages

    form_id = form_id_of([(p.id, p.order) for p in positions])
    pages = sheet_pages([p.options for p in positions], form_id=form_id, form=number, seed=seed)
    return typst_pages(pages, title=title, form=number)


_local = threading.local()


def _compiler() -> Any:
    """One Typst compiler per thread (a compiler is not thread-safe): it loads fonts once
    and memoizes layout work across forms."""
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        import typst  # heavy: only `exam build` pays for it

        # The templates folder is the root, so form.typ can import scan_sheet.typ.
        root = resources.files("peerprep.exams").joinpath("templates")
        compiler = _local.compiler = typst.Compiler(root=str(root))
    return compiler


@cache
def _template() -> bytes:
    return resources.files("peerprep.exams").joinpath("templates/form.typ").read_bytes()


def render_pdf(data: dict[str, object]) -> bytes:
    # A fixed timestamp keeps the bytes reproducible: same seed, same PDF.
    pdf: bytes = _compiler().compile(
        input=_template(),
        sys_inputs={"data": json.dumps(data)},
        timestamp=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    )
    return pdf


def render_pdfs(
    datas: list[dict[str, object]], on_done: Callable[[], None] = lambda: None
) -> list[bytes]:
    """Several forms and keys as PDFs (see `in_parallel`)."""
    return in_parallel(render_pdf, datas, on_done)


def in_parallel(
    render: Callable[[T], bytes], datas: list[T], on_done: Callable[[], None] = lambda: None
) -> list[bytes]:
    """`render` each document on as many threads as there are cores (up to 4), in order.

    Typst releases the GIL while it lays out a document: 10 forms with keys took 3.4 s
    on one thread and 2.2 s on two here.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(data: T) -> bytes:
        pdf = render(data)
        on_done()
        return pdf

    workers = max(1, min(4, os.cpu_count() or 1, len(datas)))
    if workers == 1:
        return [one(d) for d in datas]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, datas))


def render_markdown(data: dict[str, Any]) -> str:
    qs: list[dict[str, Any]] = data["questions"]
    lines = [f"# {data['title']} · Form {data['form']}", "", f"_{data['subtitle']}_", ""]
    if data["kind"] == "form":
        lines += [f"- {i}" for i in data["instructions"]] + ["", f"> {data['notice']}", ""]
        for q in qs:
            lines += [f"**{q['n']}.** {q['stem']}", ""]
            lines += [f"- **{OPTION_LETTERS[i]}** {o}" for i, o in enumerate(q["options"])]
            lines.append("")
        lines += [
            "## Answer sheet",
            "",
            f"Name: ______________________________  Candidate ID: ______________  "
            f"Form: {data['form']}",
            "",
            "| No. | Answer |",
            "|---|---|",
        ]
        lines += [f"| {q['n']} |  |" for q in qs]
    else:
        lines += ["| No. | Key | Task | Domain | Item id |", "|---|---|---|---|---|"]
        lines += [
            f"| {q['n']} | {q['key']} | {q['task']} | {q['domain']} | {q['id']} |" for q in qs
        ]
        lines += ["", "## Rationales", ""]
        for q in qs:
            lines += [f"**{q['n']}. Key {q['key']}** ({q['task']} · {q['id']}) {q['stem']}", ""]
            for i, (o, note) in enumerate(zip(q["options"], q["notes"], strict=True)):
                mark = " ✓ (key)" if OPTION_LETTERS[i] == q["key"] else ""
                lines.append(f"- **{OPTION_LETTERS[i]}**{mark} {o}: _{note}_")
            lines.append("")
    return "\n".join(lines) + "\n"
