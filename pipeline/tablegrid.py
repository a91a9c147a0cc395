"""Where the cells of a page's ruled tables are, so reading order can keep a cell's text together.

A table cell whose text wraps onto several lines has no place in a purely line-based reading
order: its second line becomes a line of its own and interleaves with the next row. With the cell
rectangles known, ``ocr.layout`` puts every text box into the cell that contains it and prints a
table row as one line, cells TAB-separated, each cell's wrapped lines joined.

Two sources of cell geometry, one :class:`CellGrid` shape:

* :func:`grids_from_pdf_page` — vector rulings of a text-layer PDF page, through pymupdf's
  ``find_tables`` with ``use_layout=False`` (pymupdf 2.0's default first runs its ONNX layout model:
  0.35–0.7 s a page against 15–45 ms without it, and it dropped a one-row table). Pages without
  vector drawings are skipped without calling it.
* :func:`grids_from_image` — ruling lines of a scanned page, by OpenCV morphology: long thin
  horizontal and vertical runs of ink (openings with line-shaped kernels longer than any glyph
  stroke), grouped into tables; the table's row boundaries are its horizontal lines, and each row
  band's column boundaries are the vertical lines that cross most of that band (so a cell spanning
  columns in one row, or rows with different column counts, come out as printed).
  ``img2table`` 2.0 does the same but needs ``opencv-contrib-python`` (it calls ``cv2.ximgproc``),
  which cannot be installed beside rapidocr's ``opencv-python-headless`` (both own ``cv2``).

Borderless tables yield no grid; their text keeps the line-based reading order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1

# A vertical ruling separates two cells of a row band when it covers this share of the band's
# height; glyph strokes inside a padded cell stay well under it.
BAND_COVERAGE = 0.8
# Rulings are at least this many text heights long (horizontal) / high (vertical, before the band
# test); CJK strokes and dashes ('——') are at most about two.
H_RULE_MIN = 3.0
V_RULE_MIN = 1.0
# Row bands lower than this many text heights are double rulings, not rows.
MIN_BAND = 0.5


@dataclass(frozen=True)
class CellGrid:
    """One ruled table: its rows top to bottom, each row's cells left to right, as rectangles in
    the coordinates of the page's text boxes."""

    rows: tuple[tuple[Rect, ...], ...]
    bbox: Rect = field(init=False)
    _row_spans: tuple[tuple[float, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cells = [c for row in self.rows for c in row]
        bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
        object.__setattr__(self, "bbox", bbox)
        spans = tuple((min(c[1] for c in row), max(c[3] for c in row)) for row in self.rows)
        object.__setattr__(self, "_row_spans", spans)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, cell) index of the cell containing the point, or None."""
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return None
        for r, (top, bottom) in enumerate(self._row_spans):
            if top <= y <= bottom:
                for c, (cx0, cy0, cx1, cy1) in enumerate(self.rows[r]):
                    if cx0 <= x <= cx1 and cy0 <= y <= cy1:
                        return r, c
        return None

    def transformed(self, fn: Any) -> CellGrid:
        """The grid with every rectangle mapped through ``fn(rect) -> rect``."""
        return CellGrid(tuple(tuple(fn(c) for c in row) for row in self.rows))


# A grid whose cells cut through more than this share of the text boxes inside it does not
# describe the page (a ruling misread, a page skewed more than the axis-aligned cells allow):
# the page keeps the line-based reading order.
MAX_STRADDLING = 0.2


def fits(grid: CellGrid, boxes: Sequence[Rect]) -> bool:
    """Whether the text boxes inside the grid sit inside its cells: a box whose centre is in a
    cell may stick out of it by at most half its height on any side."""
    inside = straddling = 0
    for x0, y0, x1, y1 in boxes:
        at = grid.cell_at((x0 + x1) / 2, (y0 + y1) / 2)
        if at is None:
            continue
        inside += 1
        cx0, cy0, cx1, cy1 = grid.rows[at[0]][at[1]]
        slack = (y1 - y0) / 2
        straddling += x0 < cx0 - slack or x1 > cx1 + slack or y0 < cy0 - slack or y1 > cy1 + slack
    return straddling <= MAX_STRADDLING * inside


# --- vector PDFs --------------------------------------------------------------------------


# A page with more vector paths than this is a chart or a map, not a form: find_tables would spend
# seconds on it (a ruled table page draws tens to hundreds).
MAX_DRAWINGS = 5000


def grids_from_pdf_page(page: Any) -> list[CellGrid]:
    """Cell grids of the ruled tables drawn on a pymupdf page (empty when it draws no lines).

    Table detection only refines the reading order: when pymupdf fails on a page, the page is
    read without grids rather than refused."""
    drawings = len(page.get_cdrawings())
    if not drawings or drawings > MAX_DRAWINGS:
        return []
    try:
        found = page.find_tables(use_layout=False)
    except Exception:  # noqa: BLE001 - a damaged drawing list must not make a readable page fail
        return []
    grids = []
    for table in found.tables:
        rows = tuple(tuple(tuple(map(float, cell)) for cell in row.cells if cell is not None) for row in table.rows)
        rows = tuple(row for row in rows if row)
        # A "table" of one cell is a frame around text (a box, a stamp), not a table.
        if sum(len(row) for row in rows) >= 2:
            grids.append(CellGrid(rows))
    return grids


# --- scanned pages ------------------------------------------------------------------------


def grids_from_image(image: np.ndarray, text_height: float) -> list[CellGrid]:
    """Cell grids of the ruled tables in a page image (uint8 gray HxW, or HxWx3 RGB), in pixels.

    ``text_height``: the typical height of one text line in pixels (the median OCR box height),
    which scales every length threshold."""
    import cv2  # rapidocr's dependency (opencv-python-headless); imported with OCR only

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    h_len = max(int(H_RULE_MIN * text_height), 15)
    v_len = max(int(V_RULE_MIN * text_height), 8)
    # Close one-pixel breaks along a ruling (JPEG, thin lines) before keeping only long runs.
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))

    h_segs = _segments(horizontal, axis=0, thickest=0.5 * text_height)
    v_segs = _segments(vertical, axis=1, thickest=0.5 * text_height)
    if len(h_segs) < 2 or len(v_segs) < 2:
        return []

    # Tables: connected groups of rulings (a small dilation joins a line to the one it touches).
    joined = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((5, 5), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    grids = []
    for label in range(1, count):
        hs = [s for s in h_segs if labels[s[3]] == label]
        vs = [s for s in v_segs if labels[s[3]] == label]
        grid = _grid(hs, vs, text_height)
        if grid is not None:
            grids.append(grid)
    return grids


def _segments(mask: np.ndarray, axis: int, thickest: float) -> list[tuple[float, float, float, tuple[int, int]]]:
    """Line segments of a one-direction mask as (start, end, across, pixel): horizontal (axis 0)
    (x0, x1, y, (row, col)); vertical (axis 1) (y0, y1, x, (row, col)); ``pixel`` lies on the
    segment (to look up which table it belongs to)."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i, :5])
        # Thickness from the pixel count: a slightly skewed long line has a tall bounding box.
        if area / (w if axis == 0 else h) > thickest:
            continue
        if axis == 0:
            on = np.nonzero(labels[y : y + h, x] == i)[0]
            pixel = (y + int(on[0]) if len(on) else y, x)
            out.append((float(x), float(x + w), y + h / 2, pixel))
        else:
            on = np.nonzero(labels[y, x : x + w] == i)[0]
            pixel = (y, x + int(on[0]) if len(on) else x)
            out.append((float(y), float(y + h), x + w / 2, pixel))
    return out


def _cluster(values: Sequence[float], tolerance: float) -> list[float]:
    """Sorted values merged when closer than ``tolerance`` (each cluster by its mean)."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tolerance:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _grid(hs: list, vs: list, text_height: float) -> CellGrid | None:
    if len(hs) < 2 or len(vs) < 2:
        return None
    tolerance = max(2.0, 0.4 * text_height)
    ys = _cluster([s[2] for s in hs], tolerance)
    rows = []
    for top, bottom in zip(ys, ys[1:]):
        height = bottom - top
        if height < MIN_BAND * text_height:
            continue
        margin = (1 - BAND_COVERAGE) / 2 * height
        xs = _cluster([s[2] for s in vs if s[0] <= top + margin and s[1] >= bottom - margin], tolerance)
        if len(xs) >= 2:
            rows.append(tuple((x0, top, x1, bottom) for x0, x1 in zip(xs, xs[1:])))
    if not rows or sum(len(r) for r in rows) < 2:
        return None
    return CellGrid(tuple(rows))
