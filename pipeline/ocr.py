"""Offline OCR with RapidOCR, and the reading order shared by OCR and PDF text layers.

The RapidOCR engine is built once per process (lazy, thread-safe) from the three ONNX models that
ship inside the rapidocr wheel. Their paths are passed explicitly as ``Det/Cls/Rec.model_path``:
with an explicit path RapidOCR never runs its download code (asking for any other model would try
to download, and this machine has no network). See ../shared/notes/stack.md.

Reading order (:func:`layout_text`) turns positioned boxes into text lines:

1. Boxes are taken left to right (by left edge). Each box is chained onto the line whose
   *right-most* box overlaps it vertically by more than half of the smaller height, comparing the
   right edge of the line's last box with the left edge of the new box, so a slightly skewed row
   stays one chain. Otherwise the box starts a new line.
   The last box's edge is first moved along the median text slope (from the boxes' own rotated
   edges) to the new box's position, which matters when the two are far apart on a skewed page.
2. Lines are ordered top to bottom by where they cross the page's left edge along that slope
   (so a short line at the right of a skewed page does not jump below its neighbours).
3. Inside a line, boxes are always separated: a TAB for a column gap (at least one text height),
   a single space otherwise. Gluing boxes turned '331.96' '310.87' into '331.96310.87'.

4. Ruled tables (cell rectangles from :mod:`pipeline.tablegrid`): every box goes into the cell
   that contains its centre, a table row is one line with its cells TAB-separated, and a cell that
   wraps over several lines is joined inside its cell, so the cells of one row never interleave.

Known limits: a borderless table's wrapped cells have no cell geometry, so their wrapped parts
become their own lines and may interleave with the next row; pages scanned sideways are not
auto-rotated.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.config import Settings, get_settings
from pipeline.errors import OcrUnavailableError
from pipeline.tablegrid import CellGrid, fits, grids_from_image
from pipeline.wordgaps import BoxReading, restore_spaces

if TYPE_CHECKING:  # pragma: no cover - typing only; rapidocr (cv2, omegaconf) is imported lazily
    from rapidocr import RapidOCR

# Model files inside the rapidocr wheel (rapidocr 3.x, default PP-OCRv6 small det/rec + v2 cls).
MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
}

# A gap between two boxes of one line wider than this many text heights is a column gap (TAB).
TAB_GAP = 1.0
# A line inside a table cell that ends within this many text heights of the cell's right border
# ran out of room (a wrap); one that ends further left ended its paragraph.
WRAP_REACH = 2.0
# Two boxes belong to one line when they overlap vertically by more than this share of the
# smaller box height.
LINE_OVERLAP = 0.5


@dataclass(frozen=True)
class TextBox:
    """A run of text at a position on the page (pixels for OCR, points for text layers).

    ``left``/``right`` are the vertical extents (top, bottom) of the box's left and right edges,
    which for a skewed OCR quadrilateral differ; for an axis-aligned box they are equal.
    """

    text: str
    x0: float
    x1: float
    left: tuple[float, float]
    right: tuple[float, float]
    score: float = 1.0

    @classmethod
    def from_rect(cls, text: str, x0: float, y0: float, x1: float, y1: float, score: float = 1.0) -> TextBox:
        return cls(text, float(x0), float(x1), (float(y0), float(y1)), (float(y0), float(y1)), float(score))

    @classmethod
    def from_quad(cls, text: str, quad: Any, score: float = 1.0) -> TextBox:
        """From four (x, y) corner points in any order (RapidOCR gives tl, tr, br, bl)."""
        pts = sorted((float(x), float(y)) for x, y in np.asarray(quad, dtype=float).reshape(4, 2))
        (lx0, ly0), (lx1, ly1), (rx0, ry0), (rx1, ry1) = pts
        return cls(
            text,
            min(lx0, lx1),
            max(rx0, rx1),
            (min(ly0, ly1), max(ly0, ly1)),
            (min(ry0, ry1), max(ry0, ry1)),
            float(score),
        )

    @property
    def height(self) -> float:
        return max(1e-6, ((self.left[1] - self.left[0]) + (self.right[1] - self.right[0])) / 2)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.left[0] + self.left[1] + self.right[0] + self.right[1]) / 4

    @property
    def slope(self) -> float:
        """dy/dx of the box's centre line."""
        width = self.x1 - self.x0
        if width <= 0:
            return 0.0
        return ((self.right[0] + self.right[1]) - (self.left[0] + self.left[1])) / 2 / width


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Vertical overlap of two (top, bottom) intervals as a share of the smaller one."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    smaller = min(a[1] - a[0], b[1] - b[0])
    return inter / smaller if smaller > 0 else 0.0


def group_lines(boxes: Sequence[TextBox]) -> list[list[TextBox]]:
    """Chain boxes into lines (left to right) and order the lines top to bottom."""
    slope = _box_slope(boxes)
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: (b.x0, b.cy)):
        best, best_overlap = None, LINE_OVERLAP
        for line in lines:
            last = line[-1]
            # Where the line's last box would be at this box's left edge, along the text slope
            # (matters for a box far to the right of the last one on a skewed page).
            shift = slope * (box.x0 - last.x1)
            ov = _overlap((last.right[0] + shift, last.right[1] + shift), box.left)
            if ov > best_overlap:
                best, best_overlap = line, ov
        if best is None:
            lines.append([box])
        else:
            best.append(box)

    if not any(_is_wide(b) for b in boxes):
        slope = _chain_slope(lines)

    def key(line: list[TextBox]) -> float:
        return statistics.median(b.cy - slope * b.cx for b in line)

    lines.sort(key=key)
    return lines


def _is_wide(box: TextBox) -> bool:
    return (box.x1 - box.x0) >= 3 * box.height


def _box_slope(boxes: Sequence[TextBox]) -> float:
    """Median slope of the wide boxes' own edges (OCR boxes are rotated rectangles), else 0."""
    slopes = [b.slope for b in boxes if _is_wide(b)]
    return statistics.median(slopes) if slopes else 0.0


def _chain_slope(lines: list[list[TextBox]]) -> float:
    """Median slope of multi-box lines from their first to last box, else 0."""
    slopes = [
        (line[-1].cy - line[0].cy) / (line[-1].cx - line[0].cx)
        for line in lines
        if len(line) >= 2 and line[-1].cx > line[0].cx
    ]
    return statistics.median(slopes) if slopes else 0.0


def layout_text(boxes: Sequence[TextBox], *, join_touching: bool = False) -> str:
    """Text of ``boxes`` in reading order (:func:`layout` without table grids)."""
    return layout(boxes, join_touching=join_touching).text


@dataclass(frozen=True)
class PlacedBox:
    """Where a box's text landed in the laid-out text: ``text[start:end] == box.text``."""

    start: int
    end: int
    box: TextBox


@dataclass(frozen=True)
class Layout:
    text: str
    placed: tuple[PlacedBox, ...]


def layout(boxes: Sequence[TextBox], grids: Sequence[CellGrid] = (), *, join_touching: bool = False) -> Layout:
    """Text of ``boxes`` in reading order: one line per chain, TAB between distant boxes; and
    where each box's text went.

    ``grids`` (ruled tables, see :mod:`pipeline.tablegrid`): a box whose centre lies in a cell
    belongs to that cell; a table row becomes one line with its cells TAB-separated (empty cells
    kept, so columns stay aligned as in a text file), and the lines of a cell that wraps are
    joined inside it (:func:`join_wrapped`); a row whose only text is one cell's keeps that
    cell's paragraph breaks. Rows and the other lines are ordered together top to bottom.

    ``join_touching`` (for PDF text layers, never for OCR): boxes that touch horizontally (gap
    under 0.1 text heights) are fragments of one run split by the PDF producer and are joined
    without a separator. OCR boxes are only ever split at visible gaps, so they always get one.
    """
    boxes = [_one_line(b) for b in boxes if b.text]
    rects = [(b.x0, min(b.left[0], b.right[0]), b.x1, max(b.left[1], b.right[1])) for b in boxes]
    grids = [grid for grid in grids if fits(grid, rects)]
    cells, free = _assign_to_cells(boxes, grids)
    lines = group_lines(free)
    slope = _box_slope(boxes) if any(_is_wide(b) for b in boxes) else _chain_slope(lines)

    def key(bs: Sequence[TextBox]) -> float:
        return statistics.median(b.cy - slope * b.cx for b in bs)

    entries: list[tuple[float, Any, Any]] = [(key(line), line, None) for line in lines]
    for (g, r), by_cell in cells.items():
        row = [group_lines(by_cell.get(c, [])) for c in range(len(grids[g].rows[r]))]
        # A row sorts by its top text line (a tall wrapped cell must not push it down).
        entries.append((min(key(line) for cell in row for line in cell), row, grids[g].rows[r]))
    entries.sort(key=lambda e: e[0])

    out: list[str] = []
    placed: list[PlacedBox] = []
    pos = 0

    def put(text: str, box: TextBox | None = None) -> None:
        nonlocal pos
        if box is not None:
            placed.append(PlacedBox(pos, pos + len(text), box))
        out.append(text)
        pos += len(text)

    def put_line(line: list[TextBox], tab: bool) -> None:
        put(line[0].text, line[0])
        for prev, box in zip(line, line[1:]):
            gap = box.x0 - prev.x1
            height = min(prev.height, box.height)
            if tab and gap > TAB_GAP * height:
                put("\t")
            elif not (join_touching and gap < 0.1 * height):
                put(" ")
            put(box.text, box)

    for i, (_, entry, rects) in enumerate(entries):
        if i:
            put("\n")
        if rects is None:
            put_line(entry, tab=True)
            continue
        # A row whose text is all in one cell is a box of text drawn as a table (a narrative in
        # a bordered form): its paragraphs and headings keep their line breaks, only lines that
        # run to the cell's right side are wraps. In a row of several cells every wrap is joined.
        alone = sum(1 for cell in entry if cell) == 1
        for c, (cell, rect) in enumerate(zip(entry, rects)):
            if c:
                put("\t")
            for li, line in enumerate(cell):
                if li:
                    prev = cell[li - 1][-1]
                    if alone and prev.x1 < rect[2] - WRAP_REACH * prev.height:
                        put("\n")
                    else:
                        put(join_wrapped(prev.text, line[0].text))
                put_line(line, tab=False)  # inside one cell a gap is a space, never a column
    return Layout("".join(out), tuple(placed))


def _assign_to_cells(
    boxes: Sequence[TextBox], grids: Sequence[CellGrid]
) -> tuple[dict[tuple[int, int], dict[int, list[TextBox]]], list[TextBox]]:
    """Boxes by (grid, row) and column of the cell their centre lies in; and the boxes in no cell."""
    cells: dict[tuple[int, int], dict[int, list[TextBox]]] = {}
    free = []
    for box in boxes:
        for g, grid in enumerate(grids):
            at = grid.cell_at(box.cx, box.cy)
            if at is not None:
                cells.setdefault((g, at[0]), {}).setdefault(at[1], []).append(box)
                break
        else:
            free.append(box)
    return cells, free


def join_wrapped(before: str, after: str) -> str:
    """What goes between two lines of one wrapped table cell: a space between two Latin words,
    nothing otherwise (Chinese text and numbers wrap mid-word: '调整后预算' + '数', '3,848.' + '29')."""
    if before and after and before[-1].isascii() and before[-1].isalpha() and after[0].isascii() and after[0].isalpha():
        return " "
    return ""


def _one_line(box: TextBox) -> TextBox:
    """A box whose text holds no TAB or newline (they are the layout's own separators)."""
    if "\t" in box.text or "\n" in box.text:
        return replace(box, text=box.text.replace("\t", " ").replace("\n", " "))
    return box


# --- engine ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None  # mean recognition score of the kept boxes; None when nothing read
    boxes: tuple[TextBox, ...]
    engine_seconds: float  # wall time spent inside the RapidOCR call
    placed: tuple[PlacedBox, ...] = ()  # where each box's text is in ``text``
    grids: tuple[CellGrid, ...] = ()  # ruled tables found on the image (pixels)
    grid_seconds: float = 0.0  # wall time of the ruling-line detection


_engine: RapidOCR | None = None
_engine_lock = threading.Lock()
_stats = {"calls": 0, "seconds": 0.0, "grid_seconds": 0.0}
_stats_lock = threading.Lock()


def engine_stats() -> dict[str, float]:
    """Calls into RapidOCR so far in this process, the wall time spent inside them, and the wall
    time of the table-grid step that follows each call (``grid_seconds``)."""
    with _stats_lock:
        return dict(_stats)


def model_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise OcrUnavailableError("rapidocr", "the rapidocr package is not installed")
    return Path(spec.origin).parent / "models"


def model_paths() -> dict[str, Path]:
    """The wheel's model files by RapidOCR section name; raises if any is missing."""
    root = model_dir()
    paths = {section: root / name for section, name in MODEL_FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise OcrUnavailableError(path, "OCR model file missing from the rapidocr wheel")
    return paths


def get_engine(settings: Settings | None = None) -> RapidOCR:
    """The process-wide RapidOCR engine, built on first use.

    The first caller's ``settings.ocr_threads`` wins; later settings do not rebuild the engine
    (one engine per process keeps memory at one copy of the models).
    """
    global _engine
    if _engine is not None:
        return _engine
    with _engine_lock:
        if _engine is None:
            settings = settings or get_settings()
            paths = model_paths()
            os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
            try:
                import onnxruntime

                onnxruntime.disable_telemetry_events()
                from rapidocr import RapidOCR

                threads = max(1, int(settings.ocr_threads))
                _engine = RapidOCR(
                    params={
                        "Global.log_level": "warning",
                        "Det.model_path": str(paths["Det"]),
                        "Cls.model_path": str(paths["Cls"]),
                        "Rec.model_path": str(paths["Rec"]),
                        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    }
                )
            except OcrUnavailableError:
                raise
            except Exception as exc:  # import or session creation failure
                raise OcrUnavailableError(paths["Det"].parent, f"cannot start RapidOCR: {exc}") from exc
    return _engine


# A page read upright whose mean line score falls under this is read again with RapidOCR's per-line
# direction classifier (an upside-down scan reads as garbage upright).
UPRIGHT_MIN_SCORE = 0.85


def _mean_score(result: Any) -> float:
    scores = [float(s) for s, t in zip(getattr(result, "scores", None) or (), getattr(result, "txts", None) or ()) if str(t).strip()]
    return sum(scores) / len(scores) if scores else 0.0


# Ask RapidOCR where each character is (from the recogniser's own decoding steps), so the
# spaces it dropped can be restored from the gaps in the ink (:mod:`pipeline.wordgaps`).
CHAR_BOXES = {"return_word_box": True, "return_single_char_box": True}


def _recognise(engine: RapidOCR, image: np.ndarray) -> Any:
    """RapidOCR's reading of a page, upright first. Its per-line direction classifier turns some
    upright lines of a printed page upside down and reads them as garbage ('8000众' for a whole
    line of an indicator table, 0.71): measured on rendered report scans, where every such line
    reads right without it. Pages are scanned upright far more often than not, so each line is
    read as it stands; only a page that reads poorly that way (an upside-down scan) is read again
    with the classifier, and the better-scored reading is kept."""
    upright = engine(image, use_cls=False, **CHAR_BOXES)
    if _mean_score(upright) >= UPRIGHT_MIN_SCORE:
        return upright
    classified = engine(image, use_cls=True, **CHAR_BOXES)
    return classified if _mean_score(classified) > _mean_score(upright) else upright


def with_restored_spaces(page: np.ndarray, result: Any) -> list[str]:
    """The recognised text of each box, with the spaces its ink shows (:mod:`pipeline.wordgaps`;
    ``page``: the grey page image)."""
    texts = [str(t) for t in result.txts]
    words = getattr(result, "word_results", None) or ()
    if len(words) != len(texts):
        return texts
    readings = [
        BoxReading(text, quad, [tuple(np.mean(np.asarray(w[2], dtype=np.float32), axis=0)) for w in chars])
        for text, quad, chars in zip(texts, result.boxes, words)
    ]
    try:
        return restore_spaces(page, readings)
    except Exception:  # noqa: BLE001 - a restored space only refines the reading; never lose the OCR
        return texts


def ocr_image(image: np.ndarray, settings: Settings | None = None) -> OcrResult:
    """OCR one page image: ``image`` is uint8 HxW (gray) or HxWx3 **RGB** (as PIL/pymupdf give)."""
    import cv2  # rapidocr's own dependency

    engine = get_engine(settings)
    # One grey copy of the page for the ruling-line search and the word gaps.
    page = image[:, :, 0] if image.ndim == 3 and image.shape[2] == 1 else image
    if page.ndim == 3:
        page = cv2.cvtColor(np.ascontiguousarray(page[:, :, :3]), cv2.COLOR_RGB2GRAY)
    if image.ndim == 3 and image.shape[2] == 3:
        image = np.ascontiguousarray(image[:, :, ::-1])  # RapidOCR takes 3-channel arrays as BGR
    elif image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    start = time.perf_counter()
    result = _recognise(engine, image)
    seconds = time.perf_counter() - start
    with _stats_lock:
        _stats["calls"] += 1
        _stats["seconds"] += seconds
    txts = getattr(result, "txts", None)
    if not txts:
        return OcrResult("", None, (), seconds)
    texts = with_restored_spaces(page, result)
    boxes = tuple(
        TextBox.from_quad(txt.strip(), quad, float(score))
        for quad, txt, score in zip(result.boxes, texts, result.scores)
        if txt.strip()
    )
    if not boxes:
        return OcrResult("", None, (), seconds)
    confidence = round(float(np.mean([b.score for b in boxes])), 4)
    start = time.perf_counter()
    try:
        grids = tuple(grids_from_image(page, statistics.median(b.height for b in boxes)))
    except Exception:  # noqa: BLE001 - grids only refine the reading order; never lose the OCR
        grids = ()
    grid_seconds = time.perf_counter() - start
    with _stats_lock:
        _stats["grid_seconds"] += grid_seconds
    laid = layout(boxes, grids)
    return OcrResult(laid.text, confidence, boxes, seconds, laid.placed, grids, grid_seconds)
