"""The bank as CSV: one row per item, every field, for spreadsheets and LMS imports.

Cells a spreadsheet would run as formulas get a leading `'` (see csvcells.py).
"""

from __future__ import annotations

import io

from peerprep import csvcells
from peerprep.constants import OPTION_LETTERS
from peerprep.models import Question

COLUMNS = (
    "id",
    "task",
    "stem",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_e",
    "answer",
    "rationale",
    "note_a",
    "note_b",
    "note_c",
    "note_d",
    "note_e",
    "source",
    "difficulty",
    "cognitive",
    "tags",
    "as_of",
)


def to_csv(items: list[Question]) -> str:
    out = io.StringIO()
    w = csvcells.writer(out)  # no cell can run as a spreadsheet formula
    w.writerow(COLUMNS)
    for q in items:
        opts = [q.options.get(k, "") for k in OPTION_LETTERS]
        notes = [q.rationale.distractors.get(k, "") for k in OPTION_LETTERS]
        w.writerow(
            [
                q.id,
                q.task,
                q.stem.strip(),
                *opts,
                q.answer,
                q.rationale.answer.strip(),
                *notes,
                q.source,
                q.difficulty,
                q.cognitive,
                ";".join(q.tags),
                q.as_of.isoformat() if q.as_of else "",
            ]
        )
    return out.getvalue()
