"""CSV cells a spreadsheet will not run as formulas (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or
`@` (or a TAB or CR before one) as a formula, so an item stem like "=HYPERLINK(...)"
would run when a trainer opens the export. Every CSV peerprep writes goes through
`writer`, which prefixes such cells with a single quote, the prefix spreadsheets
show as text. `restore` strips exactly that prefix on import, so export -> import
gives back the original text. Cells that already start with quotes before a trigger
character get one more quote, so the round trip is exact for every string.

A plain number ("-0.12", "+3", "1e-5") is left as it is: it is no formula, and a
trainer's spreadsheet must be able to sort and average the discrimination column of
`exam grade --csv`, which is often negative. Anything more ("-1+2", "-A1") is quoted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

from peerprep.text import printable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: object) -> str:
    """The cell as text, with a leading `'` if a spreadsheet would read it as a formula."""
    text = "" if cell is None else str(cell)
    if _NUMBER.fullmatch(text):
        return text
    return "'" + text if text.lstrip("'").startswith(TRIGGERS) else text


def restore(text: str) -> str:
    """Undo `neutralise`: drop the one quote it added, and nothing else."""
    if text.startswith("'") and text.lstrip("'").startswith(TRIGGERS):
        return text[1:]  # (a quoted number, "'-5", is a user's text: it keeps its quote)
    return text


class SafeWriter:
    """`csv.writer` with every cell neutralised and made printable.

    Control characters in a cell (an ESC from a candidate id, a bidi override from an
    imported stem) become visible stand-ins (`text.printable`; newlines and tabs stay),
    so a CSV shown with `cat` or opened in an editor cannot act on the terminal.
    """

    def __init__(self, out: TextIO) -> None:
        self._writer: Any = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(
            [neutralise(printable("" if c is None else str(c), multiline=True)) for c in row]
        )


def writer(out: TextIO) -> SafeWriter:
    return SafeWriter(out)
