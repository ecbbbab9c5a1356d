"""Where everything sits on a form's scan page: one source for the printer and the reader.

`sheet_pages` places every mark of the machine-readable answer sheet in points (1/72
inch) from the top-left corner of a US Letter page. printable.py hands these shapes to
the Typst template (templates/scan_sheet.typ), which draws them where they are told
and decides nothing; scan.py samples the photographed page at the same coordinates. A
change here moves the print and the reader together.

Pure Python, no imports beyond the standard library: `exam build` runs it on the base
install.
"""

from __future__ import annotations

from dataclasses import dataclass

from peerprep.constants import OPTION_LETTERS
from peerprep.exams.qr import qr_matrix

PAGE_W, PAGE_H = 612.0, 792.0  # US Letter, the form's paper

# Four solid squares at the corners, far enough in for any printer's unprintable edge.
FID_SIZE = 24.0
FID_INSET = 30.0
_FC = FID_INSET + FID_SIZE / 2
# Centres, clockwise from top-left (y grows downwards, as on the page and in an image).
FIDUCIALS: tuple[tuple[float, float], ...] = (
    (_FC, _FC),
    (PAGE_W - _FC, _FC),
    (PAGE_W - _FC, PAGE_H - _FC),
    (_FC, PAGE_H - _FC),
)
# A bar beside the top-left square only: it tells which corner is which, so a sheet
# photographed sideways or upside down is read the right way up. The places it would
# land for the three wrong turns are blank paper (left and right margins, bottom strip).
ORIENT = (FID_INSET + FID_SIZE + 14.0, FID_INSET + 7.0, 40.0, 10.0)  # x, y, w, h

QR_BOX = (446.0, 54.0, 104.0)  # x, y, side, quiet zone included: ~2.8 pt a module
QR_QUIET = 4  # modules of blank margin the standard asks for

BUBBLE_R = 6.0  # radius: 12 pt (4.2 mm) across, room for a pen stroke
ID_DIGITS = 6
ID_X0, ID_DX = 96.0, 22.0  # first digit column's bubble centre; column pitch
ID_Y0, ID_DY = 182.0, 15.0  # row of digit 0; row pitch
ID_BOX_Y = 146.0  # write-in boxes above the bubble columns

ANSWER_Y0, ANSWER_DY = 340.0, 16.0  # first row's centre; row pitch
ANSWER_COLS = 3
ANSWER_ROWS = 25  # per column: 75 items (the full exam) on one page
ANSWER_X0, ANSWER_COL_DX = 70.0, 160.0
NUMBER_W = 22.0  # the item number, right-aligned in this width from the column's left
FIRST_BUBBLE_DX, BUBBLE_DX = 42.0, 28.0  # from the column's left; between options
LETTER_DX = -11.0  # the option letter's centre, left of its bubble (never inside it)
PER_PAGE = ANSWER_COLS * ANSWER_ROWS
TITLE_CHARS = 56  # of the exam title, in 8 pt beside the heading, before the QR code


@dataclass(frozen=True)
class Bubble:
    x: float
    y: float
    label: str  # the option letter or the digit


@dataclass(frozen=True)
class AnswerRow:
    n: int  # the item's number on the form
    bubbles: tuple[Bubble, ...]


@dataclass(frozen=True)
class SheetPage:
    page: int  # 1-based
    pages: int
    payload: str  # what its QR code says
    id_columns: tuple[tuple[Bubble, ...], ...]  # per digit position, digits 0-9
    rows: tuple[AnswerRow, ...]


QR_PREFIX = "peerprep-sheet"


def qr_payload(form_id: str, form: int, seed: int | None, page: int, pages: int) -> str:
    """What a scan page's QR code says: the key's form id (which key grades it), the form
    number and seed (for people), and which page of how many."""
    return f"{QR_PREFIX}:{form_id}:{form}:{'' if seed is None else seed}:{page}/{pages}"


def parse_payload(text: str) -> tuple[str, int, int | None, int, int] | None:
    """(form_id, form, seed, page, pages), or None for a QR code that is not ours."""
    parts = text.strip().split(":")
    if len(parts) != 5 or parts[0] != QR_PREFIX:
        return None
    try:
        page, pages = (int(p) for p in parts[4].split("/"))
        return parts[1], int(parts[2]), int(parts[3]) if parts[3] else None, page, pages
    except ValueError:
        return None


def id_columns() -> tuple[tuple[Bubble, ...], ...]:
    return tuple(
        tuple(Bubble(ID_X0 + c * ID_DX, ID_Y0 + d * ID_DY, str(d)) for d in range(10))
        for c in range(ID_DIGITS)
    )


def sheet_pages(
    option_counts: list[int], *, form_id: str, form: int, seed: int | None
) -> list[SheetPage]:
    """The scan pages of a form whose items have these option counts, in order."""
    pages = max(1, -(-len(option_counts) // PER_PAGE))
    out = []
    for p in range(pages):
        rows = []
        for i, count in enumerate(option_counts[p * PER_PAGE : (p + 1) * PER_PAGE]):
            col, row = divmod(i, ANSWER_ROWS)
            x0 = ANSWER_X0 + col * ANSWER_COL_DX
            y = ANSWER_Y0 + row * ANSWER_DY
            bubbles = tuple(
                Bubble(x0 + FIRST_BUBBLE_DX + j * BUBBLE_DX, y, OPTION_LETTERS[j])
                for j in range(count)
            )
            rows.append(AnswerRow(p * PER_PAGE + i + 1, bubbles))
        out.append(
            SheetPage(
                page=p + 1,
                pages=pages,
                payload=qr_payload(form_id, form, seed, p + 1, pages),
                id_columns=id_columns(),
                rows=tuple(rows),
            )
        )
    return out


def _qr_runs(payload: str) -> tuple[float, list[list[float]]]:
    """The QR code as dark runs per row, [x, y, width] in points: a few hundred
    rectangles for Typst instead of one per module."""
    matrix = qr_matrix(payload.encode())
    size = len(matrix)
    x0, y0, side = QR_BOX
    module = side / (size + 2 * QR_QUIET)
    runs: list[list[float]] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < size:
            if row[c]:
                start = c
                while c < size and row[c]:
                    c += 1
                runs.append(
                    [
                        round(x0 + (QR_QUIET + start) * module, 3),
                        round(y0 + (QR_QUIET + r) * module, 3),
                        round((c - start) * module, 3),
                    ]
                )
            else:
                c += 1
    return module, runs


def typst_pages(pages: list[SheetPage], *, title: str, form: int) -> list[dict[str, object]]:
    """The shapes of each scan page as JSON data for templates/scan_sheet.typ."""
    out: list[dict[str, object]] = []
    # A long title would run under the QR code: the sheet shows its start.
    short = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"
    for sp in pages:
        module, runs = _qr_runs(sp.payload)
        texts: list[list[object]] = [
            # [x, y, text, size, align]: x is the left edge ("l"), centre ("c") or right
            # edge ("r"); y the centre of the line.
            [ORIENT[0] + ORIENT[2] + 12, 44.0, f"Answer sheet · Form {form}", 13.0, "l"],
            [ORIENT[0] + ORIENT[2] + 12, 60.0, f"{short} · page {sp.page} of {sp.pages}", 8.0, "l"],
            [
                72.0,
                84.0,
                "Fill the bubble of your answer completely, with a dark pen or pencil;",
                8.5,
                "l",
            ],
            [
                72.0,
                96.0,
                "one bubble per question. Keep marks off the corner squares and the code.",
                8.5,
                "l",
            ],
            [72.0, 122.0, "Name:", 10.0, "l"],
            [
                72.0,
                138.0,
                "Candidate ID: write it in the boxes, then fill one bubble per column",
                8.5,
                "l",
            ],
            [
                QR_BOX[0] + QR_BOX[2] / 2,
                QR_BOX[1] + QR_BOX[2] + 6,
                f"Form {form} · p. {sp.page}",
                7.0,
                "c",
            ],
        ]
        for d in range(10):
            texts.append([ID_X0 - 14, ID_Y0 + d * ID_DY, str(d), 8.0, "c"])
        bubbles: list[list[float]] = []
        for col in sp.id_columns:
            bubbles += [[b.x, b.y] for b in col]
        for row in sp.rows:
            x0 = row.bubbles[0].x - FIRST_BUBBLE_DX
            texts.append([x0 + NUMBER_W, row.bubbles[0].y, str(row.n), 9.0, "r"])
            for b in row.bubbles:
                bubbles.append([b.x, b.y])
                texts.append([b.x + LETTER_DX, b.y, b.label, 8.0, "c"])
        boxes = [[ID_X0 + c * ID_DX - 9, ID_BOX_Y, 18.0, 18.0] for c in range(ID_DIGITS)]
        out.append(
            {
                "fiducials": [[x - FID_SIZE / 2, y - FID_SIZE / 2, FID_SIZE] for x, y in FIDUCIALS],
                "orient": list(ORIENT),
                "qr": {"box": list(QR_BOX), "module": module, "runs": runs},
                "bubbles": bubbles,
                "radius": BUBBLE_R,
                "boxes": boxes,
                "lines": [[108.0, 128.0, 420.0, 128.0]],
                "texts": texts,
            }
        )
    return out
