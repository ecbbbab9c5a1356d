"""Synthetic phone photos of filled-in answer sheets, for tests/test_scan.py and
bench/scan_speed.py.

The page is the real one: `exam build`'s PDF, its scan page rasterised by pypdfium2.
On it go pen marks (filled ellipses, off-centre, with gaps where the pen skipped), some
light marks, double marks, erasure smudges and stray strokes; then the photo: the sheet
turned by any angle (upside down too), seen at an angle (perspective), on a dark table,
under uneven light, through a lens that bows straight lines a little, with sensor
noise, blur and JPEG compression.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from numpy.typing import NDArray

from peerprep.exams import scan_layout as L
from peerprep.exams.formkey import FormKey

DPI = 150
PX = DPI / 72  # pixels per point on the rendered page

Gray = NDArray[np.uint8]


@dataclass(frozen=True)
class Truth:
    candidate: str
    answers: list[str]  # per item: "" blank, "B", or "AC" for a double mark
    light: frozenset[int]  # items marked lightly
    smudged: frozenset[int]  # items with an erased mark beside the answer


def render_scan_pages(pdf_path: Path, count: int = 1) -> list[Gray]:
    """The last `count` pages of a built form (its scan pages) as grey images at DPI."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        out = []
        for i in range(len(pdf) - count, len(pdf)):
            img = np.array(pdf[i].render(scale=PX, grayscale=True).to_numpy(), dtype=np.uint8)
            out.append(img.reshape(img.shape[0], img.shape[1]))
        return out
    finally:
        pdf.close()


def _pen(img: Gray, x: float, y: float, rng: random.Random, ink: int) -> None:
    """A filled bubble as a hand does it: off-centre, not quite round, a few gaps."""
    r = L.BUBBLE_R * PX
    cx = (x + rng.uniform(-0.18, 0.18) * L.BUBBLE_R) * PX
    cy = (y + rng.uniform(-0.18, 0.18) * L.BUBBLE_R) * PX
    axes = (round(r * rng.uniform(0.85, 1.1)), round(r * rng.uniform(0.75, 1.0)))
    cv2.ellipse(img, (round(cx), round(cy)), axes, rng.uniform(0, 180), 0, 360, ink, -1)
    for _ in range(rng.randint(0, 2)):  # strokes the pen skipped
        a = rng.uniform(0, math.pi)
        dx, dy = math.cos(a) * r, math.sin(a) * r
        off = rng.uniform(-0.5, 0.5) * r
        p1 = (round(cx - dx - off * dy / r), round(cy - dy + off * dx / r))
        p2 = (round(cx + dx - off * dy / r), round(cy + dy + off * dx / r))
        cv2.line(img, p1, p2, min(255, ink + 150), 1)


def fill_page(
    page: Gray, key: FormKey, page_no: int, rng: random.Random, *, candidate: str
) -> tuple[Gray, Truth]:
    """Mark a clean scan page as a candidate would; returns the page and what it says."""
    img = page.copy()
    sp = L.sheet_pages([p.options for p in key.items], form_id="", form=1, seed=None)[page_no - 1]
    for col, digit in zip(sp.id_columns, candidate, strict=True):
        b = col[int(digit)]
        _pen(img, b.x, b.y, rng, rng.randint(20, 70))
    answers: list[str] = []
    light: set[int] = set()
    smudged: set[int] = set()
    for row in sp.rows:
        roll = rng.random()
        letters = [b.label for b in row.bubbles]
        if roll < 0.03:
            answers.append("")
            continue
        chosen = [rng.randrange(len(letters))]
        if roll < 0.04:  # a double mark
            chosen.append(rng.choice([j for j in range(len(letters)) if j != chosen[0]]))
        ink = rng.randint(20, 75)
        if 0.04 <= roll < 0.08:  # a light mark: pale pencil
            ink = rng.randint(110, 140)
            light.add(row.n)
        for j in chosen:
            b = row.bubbles[j]
            _pen(img, b.x, b.y, rng, ink)
        if 0.08 <= roll < 0.11:  # an erased mark beside the answer
            j = rng.choice([j for j in range(len(letters)) if j not in chosen])
            b = row.bubbles[j]
            r = L.BUBBLE_R * PX
            cv2.ellipse(
                img,
                (round(b.x * PX), round(b.y * PX)),
                (round(r * 0.9), round(r * 0.8)),
                rng.uniform(0, 180),
                0,
                360,
                rng.randint(205, 225),
                -1,
            )
            smudged.add(row.n)
        answers.append("".join(sorted(letters[j] for j in chosen)))
    h, w = img.shape
    for _ in range(3):  # stray strokes: a pen resting on the page, a crossed-out note
        x, y = rng.uniform(0.1, 0.9) * w, rng.uniform(0.4, 0.9) * h
        pts = [(x, y)]
        for _ in range(4):
            x += rng.uniform(-40, 40)
            y += rng.uniform(-15, 15)
            pts.append((x, y))
        cv2.polylines(img, [np.array(pts, dtype=np.int32)], False, rng.randint(30, 90), 1)
    return img, Truth(candidate, answers, frozenset(light), frozenset(smudged))


def photograph(img: Gray, rng: random.Random, *, angle: float | None = None) -> Gray:
    """The page as a phone sees it: turned, at an angle, on a table, uneven light, lens
    distortion, noise, blur, JPEG."""
    h, w = img.shape
    theta = math.radians(angle if angle is not None else rng.uniform(-180, 180))
    sideways = abs(math.sin(theta)) > 0.7
    cw, ch = (2000, 1500) if sideways else (1500, 2000)
    f32 = np.float32
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=f32) - [w / 2, h / 2]
    rot = np.array(
        [[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]], dtype=f32
    )
    turned = corners @ rot.T
    span = turned.max(axis=0) - turned.min(axis=0)
    scale = rng.uniform(0.78, 0.92) * min(cw / span[0], ch / span[1])
    dst = turned * scale + [cw / 2, ch / 2]
    dst += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)], dtype=f32) * (
        0.04 * scale * min(w, h)
    )
    warp = cv2.getPerspectiveTransform(
        (corners + np.array([w / 2, h / 2])).astype(f32), np.array(dst, dtype=f32)
    )
    table = rng.randint(40, 110)
    photo = cv2.warpPerspective(
        img, warp, (cw, ch), flags=cv2.INTER_AREA, borderValue=table
    ).astype(np.float32)
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    phi = rng.uniform(0, 2 * math.pi)
    ramp = (xx * math.cos(phi) + yy * math.sin(phi)) / math.hypot(cw, ch)
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    light = rng.uniform(0.5, 0.7) + (1 - rng.uniform(0.5, 0.7)) * ramp
    sx, sy = rng.uniform(0, cw), rng.uniform(0, ch)  # a soft shadow, a hand or a phone
    shadow = 1 - 0.25 * np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * (0.2 * cw) ** 2))
    photo = photo * light * shadow
    # A phone lens's leftover barrel distortion (or a sheet not quite flat): straight
    # lines bow, so the four corners alone no longer place the middle exactly.
    k = rng.uniform(0, 0.05)
    cx, cy, r0 = cw / 2, ch / 2, math.hypot(cw, ch) / 2
    dx, dy = (xx - cx) / r0, (yy - cy) / r0
    bend = 1 + k * (dx * dx + dy * dy)
    photo = cv2.remap(
        photo, cx + dx * bend * r0, cy + dy * bend * r0, cv2.INTER_LINEAR, borderValue=table
    )
    photo += np.float32(np.random.default_rng(rng.randrange(2**32)).normal(0, 5, photo.shape))
    photo = cv2.GaussianBlur(np.clip(photo, 0, 255).astype(np.uint8), (0, 0), rng.uniform(0.6, 1.3))
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(55, 85)])
    assert ok
    out = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    assert out is not None
    return np.asarray(out, dtype=np.uint8)
