"""Reading photographed or scanned answer sheets (`peerprep exam scan`).

Each picture goes through the same steps:
1. find the four solid corner squares (contours that are square, solid and alike in
   size, the largest quadrilateral they make);
2. tell which is which from the orientation bar beside the top-left one, so a sheet
   photographed sideways or upside down reads the right way up;
3. warp the page to the layout's own geometry (exams/scan_layout.py, the same numbers
   the printer used), at SCALE pixels per point;
4. read the QR code: which key, which page;
5. divide by a local estimate of the paper's brightness (uneven light, shadows), then
   measure each bubble's darkness inside its circle, relative to the printed black;
6. classify each bubble as filled, empty or uncertain; a row with an uncertain bubble,
   or more than one filled, is reported for a person to confirm, never settled silently.

opencv, numpy, zxing-cpp and pypdfium2 come with the `[scan]` extra and are imported
here only, inside functions: the rest of peerprep never loads them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peerprep.errors import InvalidInputError, PeerprepError
from peerprep.exams import scan_layout as L
from peerprep.exams.formkey import FormKey, load_key

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Gray = NDArray[np.uint8]

SCALE = 2.0  # pixels per point on the warped page: a bubble is 24 px across
PDF_DPI = 200
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
INSTALL_HINT = 'scanning needs the scan extra: pip install "peerprep[scan]"'

# Darkness of a bubble's inside, 0 (paper) to 1 (as dark as the printed corner squares).
# Below EMPTY it is blank, from FILLED up it is a mark; between is uncertain. An empty
# printed bubble reads about 0.02, a pen-filled one 0.6 to 1.
EMPTY = 0.2
FILLED = 0.45
SAMPLE_R = 0.62  # of the bubble's radius: inside the printed ring, where the mark is
# Points a block of bubbles, then each row of it, may sit off the flat page's geometry
# (a curled sheet, a wide-angle lens): well under the 16 pt between rows.
BLOCK_SHIFT = 7.0
CHUNK, CHUNK_SHIFT = 5, 4.0
GROUP_SHIFT = 2.0
LOST_RINGS = 0.6  # a group whose rings hold less ink than this share of the page's median
LOST_REASON = "bubbles not where printed (fold, curl?)"
BAND_PAD = 5.0  # points around a group's bubbles where its marks may stray
STRAY_INK = 0.35  # unexplained ink, in filled bubbles, that makes a group uncertain
STRAY_REASON = "ink outside the bubbles"


class ScanUnavailableError(PeerprepError):
    """The `[scan]` extra is not installed."""


def _modules() -> tuple[Any, Any, Any]:
    try:
        import cv2
        import numpy
        import zxingcpp
    except ImportError:
        raise ScanUnavailableError(INSTALL_HINT) from None
    return cv2, numpy, zxingcpp


def require_scan_extra() -> None:
    """Raise the one-line install hint if the `[scan]` extra is missing."""
    _modules()
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        raise ScanUnavailableError(INSTALL_HINT) from None


@dataclass(frozen=True)
class Thresholds:
    empty: float = EMPTY
    filled: float = FILLED

    def __post_init__(self) -> None:
        if not 0 < self.empty < self.filled < 1:
            raise InvalidInputError(
                f"thresholds must satisfy 0 < empty < filled < 1, not {self.empty}, {self.filled}"
            )


@dataclass(frozen=True)
class Uncertain:
    """A mark a person should confirm: where it is, what was written, and why."""

    sheet: str  # the file (and page inside a PDF)
    page: int  # the answer sheet's page number
    candidate: str
    item: int | None  # the question number, or None for a candidate-ID digit
    digit: int | None  # 1-based position in the candidate ID
    read: str  # what the CSV holds for it ("" blank, "AB" a double mark)
    fills: dict[str, float]  # each bubble's darkness
    reason: str

    @property
    def where(self) -> str:
        if self.item is not None:
            return f"item {self.item}"
        return "candidate ID" if self.digit is None else f"ID digit {self.digit}"

    def as_dict(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "page": self.page,
            "candidate": self.candidate,
            "item": self.item,
            "id_digit": self.digit,
            "read": self.read,
            "fills": self.fills,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SheetRead:
    """One answer-sheet page as read."""

    source: str
    form_id: str
    form: int
    page: int
    pages: int
    candidate: str  # "?" in place of a digit that could not be read
    answers: dict[int, str]  # item number -> letters read ("" blank)
    uncertain: list[Uncertain]


@dataclass(frozen=True)
class Failure:
    source: str
    message: str


@dataclass
class ScanReport:
    """`exam scan`: the sheets read, the marks to confirm, what was written."""

    sheets: list[SheetRead]
    failures: list[Failure]
    skipped: list[str] = field(default_factory=list)  # PDF pages with no answer sheet
    problems: list[str] = field(default_factory=list)  # e.g. a candidate's missing page
    written: dict[int, str] = field(default_factory=dict)  # form number -> CSV path

    @property
    def uncertain(self) -> list[Uncertain]:
        return [u for s in self.sheets for u in s.uncertain]

    def as_dict(self) -> dict[str, object]:
        return {
            "sheets": [
                {
                    "source": s.source,
                    "form": s.form,
                    "form_id": s.form_id,
                    "page": s.page,
                    "pages": s.pages,
                    "candidate": s.candidate,
                    "answered": sum(1 for a in s.answers.values() if a),
                    "uncertain": len(s.uncertain),
                }
                for s in self.sheets
            ],
            "uncertain": [u.as_dict() for u in self.uncertain],
            "failures": [{"source": f.source, "message": f.message} for f in self.failures],
            "skipped": self.skipped,
            "problems": self.problems,
            "written": {str(k): v for k, v in self.written.items()},
        }


class SheetError(Exception):
    """This picture cannot be read as an answer sheet (reported, the others go on)."""


# ---------------------------------------------------------------- loading
def load_keys(key_dir: Path) -> dict[str, FormKey]:
    """Every form-N-key.json in the folder, by form id."""
    if not key_dir.is_dir():
        raise InvalidInputError(f"{key_dir} is not a folder (give the folder `exam build` wrote)")
    keys = {}
    for path in sorted(key_dir.glob("form-*-key.json")):
        key = load_key(path)
        keys[key.form_id] = key
    if not keys:
        raise InvalidInputError(f"{key_dir} holds no form-N-key.json (written by `exam build`)")
    return keys


def load_pages(path: Path) -> list[tuple[str, Gray]]:
    """The pictures in a file as grey images: one for a photo, one per page of a PDF."""
    cv2, np, _ = _modules()
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise InvalidInputError(f"{path}: not a readable PDF ({exc})") from None
        out = []
        try:
            for i in range(len(pdf)):
                bitmap = pdf[i].render(scale=PDF_DPI / 72, grayscale=True)
                arr = np.array(bitmap.to_numpy(), dtype=np.uint8)
                out.append((f"{path.name} p{i + 1}", arr.reshape(arr.shape[0], arr.shape[1])))
        finally:
            pdf.close()
        return out
    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if img is None:
        raise InvalidInputError(f"{path}: not an image opencv can read (JPEG, PNG, TIFF) or a PDF")
    return [(path.name, img)]


# ---------------------------------------------------------------- geometry
def _find_fiducials(gray: Gray) -> list[tuple[float, float]]:
    """The four corner squares' centres in the image, clockwise from any of them."""
    cv2, np, _ = _modules()
    h, w = gray.shape
    f = min(1.0, 1200 / max(h, w))  # find them on a smaller copy: faster, and enough
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    block = int(max(small.shape) / 12) | 1
    binary = cv2.adaptiveThreshold(
        cv2.GaussianBlur(small, (5, 5), 0),
        255,
        cv2.ADAPTIVE_THRESH_MEAN_C,
        cv2.THRESH_BINARY_INV,
        block,
        12,
    )
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area_img = small.shape[0] * small.shape[1]
    found: list[tuple[float, float, float]] = []
    for c in contours:
        area = cv2.contourArea(c)
        if not area_img * 8e-5 < area < area_img * 2e-2:
            continue
        (cx, cy), (rw, rh), _angle = cv2.minAreaRect(c)
        if rw * rh == 0 or not 0.6 < rw / rh < 1.6 or area / (rw * rh) < 0.85:
            continue
        if len(cv2.approxPolyDP(c, 0.06 * cv2.arcLength(c, True), True)) != 4:
            continue
        x, y, bw, bh = cv2.boundingRect(c)
        mask = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(mask, [c - [x, y]], -1, 255, -1)
        inside = binary[y : y + bh, x : x + bw][mask > 0]
        if inside.size == 0 or inside.mean() < 0.85 * 255:  # solid, not a QR finder ring
            continue
        found.append((cx / f, cy / f, area))
    # Keep one of any nested duplicates (a contour and its twin along the same edge).
    found.sort(key=lambda t: -t[2])
    unique: list[tuple[float, float, float]] = []
    for c in found:
        if all(math.dist(c[:2], u[:2]) > math.sqrt(u[2]) / f for u in unique):
            unique.append(c)
    unique = unique[:10]
    best: tuple[float, list[tuple[float, float]]] | None = None
    for combo in combinations(unique, 4):
        areas = [c[2] for c in combo]
        if max(areas) > 3 * min(areas):
            continue
        pts = _clockwise([(c[0], c[1]) for c in combo])
        quad = _polygon_area(pts)
        if best is None or quad > best[0]:
            best = (quad, pts)
    if best is None:
        raise SheetError("the four corner squares were not found (is the whole page in view?)")
    return best[1]


def _clockwise(pts: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    cx = sum(p[0] for p in pts) / len(pts)
    cy = sum(p[1] for p in pts) / len(pts)
    return sorted(pts, key=lambda p: math.atan2(p[1] - cy, p[0] - cx))


def _polygon_area(pts: Sequence[tuple[float, float]]) -> float:
    return abs(
        sum(
            pts[i][0] * pts[(i + 1) % len(pts)][1] - pts[(i + 1) % len(pts)][0] * pts[i][1]
            for i in range(len(pts))
        )
        / 2
    )


def _upright(gray: Gray, corners: list[tuple[float, float]]) -> Any:
    """The homography from the image to the page (at SCALE), the right way up: of the
    four ways to pair the corners, the one that finds the orientation bar where the
    layout put it."""
    cv2, np, _ = _modules()
    page = np.float32(L.FIDUCIALS)
    ox, oy, ow, oh = L.ORIENT
    bar = np.float32([[[ox + ow * t, oy + oh / 2] for t in (0.2, 0.5, 0.8)]])
    blur = cv2.blur(gray, (3, 3))
    h, w = gray.shape
    scores = []
    for k in range(4):
        img = np.float32(corners[k:] + corners[:k])
        to_img = cv2.getPerspectiveTransform(page, img)
        pts = cv2.perspectiveTransform(bar, to_img)[0]
        vals = [float(blur[min(h - 1, max(0, int(y))), min(w - 1, max(0, int(x)))]) for x, y in pts]
        scores.append(sum(vals) / len(vals))
    k = min(range(4), key=lambda i: scores[i])
    others = sorted(s for i, s in enumerate(scores) if i != k)
    if scores[k] > 0.7 * others[0]:
        raise SheetError("cannot tell which way up the sheet is (orientation bar not found)")
    img = np.float32(corners[k:] + corners[:k])
    return cv2.getPerspectiveTransform(img, page * SCALE)


# ---------------------------------------------------------------- reading
def _decode_qr(page: Gray, gray: Gray) -> tuple[str, int, int | None, int, int]:
    cv2, _np, zxingcpp = _modules()
    x, y, side = L.QR_BOX
    pad = 10
    crop = page[
        max(0, int((y - pad) * SCALE)) : int((y + side + pad) * SCALE),
        max(0, int((x - pad) * SCALE)) : int((x + side + pad) * SCALE),
    ]
    # Cheapest first. A small or soft photo (a page far from the camera) still decodes
    # once enlarged, where the modules are only 2 or 3 pixels wide.
    big = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    sharp = cv2.addWeighted(big, 2.0, cv2.GaussianBlur(big, (0, 0), 3), -1.0, 0)
    attempts = [
        (crop, zxingcpp.Binarizer.LocalAverage),
        (big, zxingcpp.Binarizer.LocalAverage),
        (sharp, zxingcpp.Binarizer.LocalAverage),
        (big, zxingcpp.Binarizer.GlobalHistogram),
        (gray, zxingcpp.Binarizer.LocalAverage),
    ]
    for img, binarizer in attempts:
        codes = zxingcpp.read_barcodes(
            img, formats=zxingcpp.BarcodeFormat.QRCode, binarizer=binarizer
        )
        for code in codes:
            parsed = L.parse_payload(code.text)
            if parsed is not None:
                return parsed
    raise SheetError("the QR code could not be read (keep it sharp and in view)")


def _darkness(page: Gray) -> Any:
    """Each pixel's darkness against the local paper white: 0 paper, 1 black."""
    cv2, np, _ = _modules()
    k = int(15 * SCALE) | 1  # wider than a bubble, so a filled one is not taken as paper
    paper = cv2.dilate(page, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.blur(paper, (k, k))
    return 1.0 - np.minimum(page.astype(np.float32) / np.maximum(paper.astype(np.float32), 1), 1)


def _ring_ink(dark: Any) -> Any:
    """ring_ink[y, x]: the mean darkness on a bubble's printed circle centred at (x, y),
    for every pixel at once (one correlation), so trying a position is a lookup."""
    cv2, np, _ = _modules()
    rad = L.BUBBLE_R * SCALE
    half = math.ceil(rad) + 1
    kernel = np.zeros((2 * half + 1, 2 * half + 1), np.float32)
    for a in np.linspace(0, 2 * np.pi, 48, endpoint=False):
        kernel[round(half + rad * math.sin(a)), round(half + rad * math.cos(a))] += 1
    return cv2.filter2D(cv2.blur(dark, (3, 3)), -1, kernel / kernel.sum())


def _refine(
    ring_ink: Any, groups: list[list[tuple[float, float]]]
) -> tuple[list[list[tuple[float, float]]], list[float]]:
    """The groups of one block (the rows of an answer column, the columns of the ID
    grid), each moved onto its printed rings.

    The four corners fix a flat page exactly; a curled sheet or a wide-angle lens moves
    the middle by a few points, which would take the sampled disc off the bubble. So the
    whole block first gets the shift (up to BLOCK_SHIFT points) that puts the most ink
    under its printed circles, then each run of CHUNK groups (a page bends smoothly:
    neighbours move together), then each group (up to GROUP_SHIFT more), smoothed with
    its neighbours' so one odd row cannot wander off.

    Also returns, per group, how much ink lies under its printed circles at the place
    chosen: where that is low the rings were not found, and the row is not trusted.
    """
    _cv2, np, _ = _modules()
    h, w = ring_ink.shape

    def score(centres: Any, shifts: Any) -> Any:
        pts = centres[None, :, :] + shifts[:, None, :]
        xs = np.clip(np.rint(pts[..., 0]).astype(int), 0, w - 1)
        ys = np.clip(np.rint(pts[..., 1]).astype(int), 0, h - 1)
        return ring_ink[ys, xs].mean(axis=1)

    def best_shift(centres: Any, around: Any, span_pt: float) -> Any:
        span = int(span_pt * SCALE)
        steps = range(-span, span + 1)
        tries = around + np.array([(x, y) for y in steps for x in steps], dtype=np.float32)
        # A slight preference for staying put: a row of filled bubbles has no ring to find.
        s = score(centres, tries) - 0.001 * ((tries - around) ** 2).sum(axis=1)
        return tries[int(np.argmax(s))]

    arrays = [np.array(g, dtype=np.float32) * SCALE for g in groups]
    block = best_shift(np.concatenate(arrays), np.zeros(2, np.float32), BLOCK_SHIFT)
    shifts_list = []
    for start in range(0, len(arrays), CHUNK):
        part = arrays[start : start + CHUNK]
        near = best_shift(np.concatenate(part), block, CHUNK_SHIFT)
        shifts_list += [best_shift(c, near, GROUP_SHIFT) for c in part]
    shifts = np.array(shifts_list)
    out = []
    quality = []
    for i, group in enumerate(groups):
        shift = np.median(shifts[max(0, i - 1) : i + 2], axis=0)
        quality.append(float(score(arrays[i], shift[None, :])[0]))
        dx, dy = shift / SCALE
        out.append([(x + float(dx), y + float(dy)) for x, y in group])
    return out, quality


def _stray_ink(
    dark: Any, groups: list[list[tuple[float, float]]], fills: list[list[float]], black: float
) -> list[bool]:
    """Per group, whether its band holds a mark's worth of ink more than its bubbles
    explain: a mark beside its bubble, a bubble the geometry missed, a stray stroke.

    The band around a group holds the printed rings and labels (alike for every group of
    the same shape: the median says how much) plus the marks, which the bubbles' fills
    account for. What is left over is ink the reading did not see; a row with a mark's
    worth of it is shown to a person rather than trusted.
    """
    cv2, _np, _ = _modules()
    total = cv2.integral(dark)
    pad = (L.BUBBLE_R + BAND_PAD) * SCALE
    bubble = math.pi * (L.BUBBLE_R * SCALE) ** 2
    h, w = dark.shape
    left: list[float] = []
    shapes: list[tuple[int, bool]] = []
    for group, f in zip(groups, fills, strict=True):
        xs = [x * SCALE for x, _ in group]
        ys = [y * SCALE for _, y in group]
        x0, x1 = max(0, int(min(xs) - pad)), min(w, int(max(xs) + pad))
        y0, y1 = max(0, int(min(ys) - pad)), min(h, int(max(ys) + pad))
        ink = (total[y1, x1] - total[y0, x1] - total[y1, x0] + total[y0, x0]) / black
        left.append(float(ink) - sum(f) * bubble)
        shapes.append((len(group), xs[0] == xs[-1]))
    stray = []
    for i, shape in enumerate(shapes):
        alike = sorted(v for v, s in zip(left, shapes, strict=True) if s == shape)
        stray.append(left[i] - alike[len(alike) // 2] > STRAY_INK * bubble)
    return stray


def _fills(dark: Any, centres: list[tuple[float, float]], black: float) -> list[float]:
    """Mean darkness inside each bubble, as a share of the printed black's."""
    _cv2, np, _ = _modules()
    r = L.BUBBLE_R * SAMPLE_R * SCALE
    span = math.ceil(r)
    dy, dx = np.mgrid[-span : span + 1, -span : span + 1]
    inside = dx * dx + dy * dy <= r * r
    oy, ox = dy[inside], dx[inside]
    c = np.float32(centres) * SCALE
    ys = np.clip(np.rint(c[:, 1])[:, None].astype(int) + oy[None, :], 0, dark.shape[0] - 1)
    xs = np.clip(np.rint(c[:, 0])[:, None].astype(int) + ox[None, :], 0, dark.shape[1] - 1)
    means = dark[ys, xs].mean(axis=1) / black
    return [round(float(v), 3) for v in np.clip(means, 0, 1.5)]


def _black_level(dark: Any) -> float:
    """How dark the printed corner squares read on this photo: the scale for 'filled'."""
    _cv2, np, _ = _modules()
    vals = []
    for x, y in L.FIDUCIALS:
        h = L.FID_SIZE * SCALE / 4
        cx, cy = x * SCALE, y * SCALE
        vals.append(float(np.median(dark[int(cy - h) : int(cy + h), int(cx - h) : int(cx + h)])))
    return max(0.25, sorted(vals)[1])  # the second lowest: a glare spot on one is ignored


def _classify(
    labels: Sequence[str], fills: Sequence[float], t: Thresholds, *, one: bool
) -> tuple[str, str | None]:
    """What a row (or ID column) says, and why a person should look at it, if they should."""
    filled = [lab for lab, f in zip(labels, fills, strict=True) if f >= t.filled]
    maybe = [(lab, f) for lab, f in zip(labels, fills, strict=True) if t.empty <= f < t.filled]
    if filled:
        read = "".join(filled)
        if maybe:
            return read, "faint 2nd mark (erased?)"
        if len(filled) > 1:
            return read, "double mark" if not one else "several digits"
        return read, None
    if maybe:
        top = max(f for _, f in maybe)
        read = "".join(lab for lab, f in maybe if f >= 0.75 * top)
        return read, "light mark"
    return "", ("no digit" if one else None)


def read_sheet(
    gray: Gray, keys: dict[str, FormKey], source: str, t: Thresholds | None = None
) -> SheetRead:
    """Read one picture of an answer-sheet page. Raises SheetError when it cannot."""
    cv2, _np, _ = _modules()
    t = t or Thresholds()
    corners = _find_fiducials(gray)
    to_page = _upright(gray, corners)
    size = (int(L.PAGE_W * SCALE), int(L.PAGE_H * SCALE))
    page = cv2.warpPerspective(gray, to_page, size, flags=cv2.INTER_LINEAR, borderValue=255)
    form_id, form, _seed, page_no, pages = _decode_qr(page, gray)
    key = keys.get(form_id)
    if key is None:
        raise SheetError(
            f"form {form} (id {form_id}) has no key in the key folder: "
            "give the folder `exam build` wrote for these forms"
        )
    layout = L.sheet_pages([p.options for p in key.items], form_id=form_id, form=form, seed=None)
    if not 1 <= page_no <= len(layout):
        raise SheetError(f"page {page_no} is not a page of form {form}'s answer sheet")
    sp = layout[page_no - 1]
    dark = _darkness(page)
    black = _black_level(dark)
    ring_ink = _ring_ink(dark)
    id_groups, id_quality = _refine(ring_ink, [[(b.x, b.y) for b in col] for col in sp.id_columns])
    rows = [[(b.x, b.y) for b in row.bubbles] for row in sp.rows]
    row_groups: list[list[tuple[float, float]]] = []
    row_quality: list[float] = []
    for c in range(L.ANSWER_COLS):  # neighbours for smoothing: the rows above and below
        block = rows[c * L.ANSWER_ROWS : (c + 1) * L.ANSWER_ROWS]
        if not block:  # the last page of a long form fills fewer columns
            break
        g, q = _refine(ring_ink, block)
        row_groups += g
        row_quality += q
    # The printed rings of a group read about alike across the page; far fainter ones
    # mean the bubbles were not found where they should be (a fold, a curl, a shadow).
    typical = sorted(id_quality + row_quality)[len(id_quality + row_quality) // 2]
    lost = [q < LOST_RINGS * typical for q in id_quality + row_quality]
    centres = [p for grp in id_groups + row_groups for p in grp]
    fills = _fills(dark, centres, black)
    per_group: list[list[float]] = []
    j = 0
    for grp in id_groups + row_groups:
        per_group.append(fills[j : j + len(grp)])
        j += len(grp)
    stray = _stray_ink(dark, id_groups + row_groups, per_group, black)
    pending: list[tuple[int | None, int | None, str, dict[str, float], str]] = []
    digits = []
    i = 0
    for d, col in enumerate(sp.id_columns, start=1):
        labels = [b.label for b in col]
        f = fills[i : i + len(col)]
        i += len(col)
        read, why = _classify(labels, f, t, one=True)
        if why is None and (lost[d - 1] or stray[d - 1]):
            why = LOST_REASON if lost[d - 1] else STRAY_REASON
        digits.append(read if len(read) == 1 and why is None else "?")
        if why:
            # The three darkest digits say enough; ten numbers per row would not.
            top = sorted(zip(labels, f, strict=True), key=lambda lf: -lf[1])[:3]
            pending.append((None, d, read, dict(top), why))
    if all(p[4] == "no digit" for p in pending) and len(pending) == len(sp.id_columns):
        pending = [(None, None, "", {}, "no ID filled in")]
    candidate = "".join(digits)
    answers: dict[int, str] = {}
    for r, row in enumerate(sp.rows):
        labels = [b.label for b in row.bubbles]
        f = fills[i : i + len(row.bubbles)]
        i += len(row.bubbles)
        read, why = _classify(labels, f, t, one=False)
        k = len(sp.id_columns) + r
        if why is None and (lost[k] or stray[k]):
            why = LOST_REASON if lost[k] else STRAY_REASON
        answers[row.n] = read
        if why:
            pending.append((row.n, None, read, dict(zip(labels, f, strict=True)), why))
    uncertain = [
        Uncertain(source, page_no, candidate, item, digit, read, fl, why)
        for item, digit, read, fl, why in pending
    ]
    return SheetRead(source, form_id, form, page_no, pages, candidate, answers, uncertain)


def scan(
    paths: Iterable[Path], keys: dict[str, FormKey], t: Thresholds | None = None
) -> ScanReport:
    """Read every picture; a picture that cannot be read is a failure, the rest go on."""
    sheets: list[SheetRead] = []
    failures: list[Failure] = []
    skipped: list[str] = []
    for path in paths:
        pictures = load_pages(path)
        for source, gray in pictures:
            try:
                sheets.append(read_sheet(gray, keys, source, t))
            except SheetError as exc:
                # A page of a scanned PDF with no corner squares is a question page.
                if len(pictures) > 1 and "corner squares" in str(exc):
                    skipped.append(source)
                else:
                    failures.append(Failure(source, str(exc)))
    return ScanReport(sheets, failures, skipped)


def responses(report: ScanReport, key: FormKey) -> tuple[str, list[str]]:
    """The CSV `exam grade` reads (id, then one answer per item) for one form, and what
    is wrong with the set of pages (a page missing, a page twice)."""
    import io

    from peerprep import csvcells

    mine = [s for s in report.sheets if s.form_id == key.form_id]
    by_candidate: dict[str, dict[int, SheetRead]] = {}
    problems: list[str] = []
    for s in mine:
        # An ID with an unread digit cannot join pages: each such picture is its own row.
        cand = s.candidate if "?" not in s.candidate else f"{s.candidate} ({s.source})"
        pages = by_candidate.setdefault(cand, {})
        if s.page in pages:
            problems.append(
                f"form {key.form}, candidate {cand}: page {s.page} read twice "
                f"({pages[s.page].source} and {s.source}); the first is used"
            )
            continue
        pages[s.page] = s
    out = io.StringIO()
    writer = csvcells.writer(out)  # ids and file names are data: neutralised, printable
    writer.writerow(["id", *(str(p.n) for p in key.items)])
    for cand, pages in by_candidate.items():
        total = max(s.pages for s in pages.values())
        missing = [p for p in range(1, total + 1) if p not in pages]
        if missing:
            problems.append(
                f"form {key.form}, candidate {cand}: no picture of page(s) "
                f"{', '.join(map(str, missing))}; those answers are blank"
            )
        answers: dict[int, str] = {}
        for s in pages.values():
            answers.update(s.answers)
        writer.writerow([cand, *(answers.get(p.n, "") for p in key.items)])
    return out.getvalue(), problems
