"""Evidence on the page: the boxes of an evidence span, and the page image to draw them on.

``Page.boxes`` (from ingest: text-layer runs of a PDF, OCR boxes of a scan) map page offsets to
rectangles. A span covers the boxes it overlaps; where it covers only part of a box (a value inside
a longer line), the rectangle is cut to that share of the box's characters, which is exact for the
evenly spaced CJK and digits of these reports and close enough to point the eye elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.document import Document, Page
from pipeline.record import Evidence


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float


def span_rects(page: Page, start: int, end: int) -> list[Rect]:
    """Rectangles (page units: PDF points or image pixels) where ``page.text[start:end]`` is printed."""
    rects = []
    for box in page.boxes:
        lo, hi = max(start, box.start), min(end, box.end)
        if lo >= hi:
            continue
        length = max(box.end - box.start, 1)
        width = box.x1 - box.x0
        rects.append(Rect(box.x0 + width * (lo - box.start) / length, box.y0,
                          box.x0 + width * (hi - box.start) / length, box.y1))
    return rects


def evidence_rects(document: Document, evidence: Evidence) -> dict[int, list[Rect]]:
    """Page number -> rectangles of an evidence span and its further parts."""
    found: dict[int, list[Rect]] = {}
    spans = [(evidence.page, evidence.start, evidence.end)] + [(p.page, p.start, p.end) for p in evidence.parts]
    for number, start, end in spans:
        if number is None or start is None or end is None:
            continue
        try:
            page = document.page(number)
        except IndexError:
            continue
        found.setdefault(number, []).extend(span_rects(page, start, end))
    return found


def render_page(path: str | Path, number: int, dpi: int = 110) -> bytes:
    """PNG of page ``number`` of a PDF or an image file, for the item page's evidence view."""
    import pymupdf

    with pymupdf.open(str(path)) as source:
        if not 1 <= number <= source.page_count:
            raise IndexError(f"no page {number}")
        return source[number - 1].get_pixmap(dpi=dpi).tobytes("png")
