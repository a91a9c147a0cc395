"""PDF builders the ingest/OCR tests and the ingest benchmark share: a text-layer PDF of a text
(pymupdf's built-in CJK font, TABs on tab stops), a rasterised 'scan' of it, one page as PNG.
They build PDFs from text at run time and never write seed text into the project."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pymupdf

# --- building PDFs from text ----------------------------------------------------------------

# Droid Sans Fallback, compiled into MuPDF: has every glyph the seeds use, embeds into the PDF so
# the text layer extracts back to the same Unicode, and rasterises with proportional Latin
# digits. (The built-in fontname "china-s" is a non-embedded CJK reference whose ASCII renders
# full-width and widely spaced, which is not what real reports look like.)
CJK_FONT = pymupdf.Font("cjk")
PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN = 50.0
FONT_SIZE = 10.5
LINE_HEIGHT = FONT_SIZE * 1.6
TAB_STOP = FONT_SIZE * 4  # cells after a TAB start on the next 4-em tab stop ...
MIN_TAB_GAP = FONT_SIZE * 2  # ... at least 2 em after the previous cell, like a table column gap


@dataclass
class BuiltPdf:
    data: bytes
    page_texts: list[str]  # the source text drawn on each page (TABs and newlines kept)


class _Layout:
    """Lays text out on A4 pages: lines wrap at the right margin, TABs jump to tab stops."""

    def __init__(self, fontsize: float = FONT_SIZE, render_mode: int = 0):
        self.doc = pymupdf.open()
        self.fontsize = fontsize
        self.render_mode = render_mode
        self.widths: dict[str, float] = {}
        self.page_texts: list[list[str]] = []
        self.writer: pymupdf.TextWriter | None = None
        self.page: pymupdf.Page | None = None
        self._new_page()

    def width(self, ch: str) -> float:
        w = self.widths.get(ch)
        if w is None:
            w = self.widths[ch] = CJK_FONT.text_length(ch, self.fontsize)
        return w

    def _flush(self) -> None:
        if self.writer is not None and self.page is not None:
            self.writer.write_text(self.page, render_mode=self.render_mode)

    def _new_page(self) -> None:
        self._flush()
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.writer = pymupdf.TextWriter(self.page.rect)
        self.y = MARGIN + self.fontsize
        self.page_texts.append([])

    def newline(self, record: bool = True) -> None:
        if record:
            self.page_texts[-1].append("\n")
        self.y += LINE_HEIGHT * self.fontsize / FONT_SIZE
        if self.y > PAGE_H - MARGIN:
            self._new_page()

    def put(self, x: float, text: str) -> None:
        self.writer.append((x, self.y), text, font=CJK_FONT, fontsize=self.fontsize)
        self.page_texts[-1].append(text)

    def line(self, line: str) -> None:
        x = MARGIN
        right = PAGE_W - MARGIN
        for i, cell in enumerate(line.split("\t")):
            if i:
                x = MARGIN + (math.floor((x - MARGIN + MIN_TAB_GAP) / TAB_STOP) + 1) * TAB_STOP
                if x >= right:
                    self.newline()
                    x = MARGIN
                self.page_texts[-1].append("\t")
            run, run_x, run_w = [], x, 0.0
            for ch in cell:
                w = self.width(ch)
                if run_x + run_w + w > right and (run or run_x > MARGIN):
                    if run:
                        self.put(run_x, "".join(run))
                    self.newline()
                    run, run_x, run_w = [], MARGIN, 0.0
                run.append(ch)
                run_w += w
            if run:
                self.put(run_x, "".join(run))
            x = run_x + run_w
        self.newline()

    def finish(self) -> BuiltPdf:
        self._flush()
        self.doc.subset_fonts()
        data = self.doc.tobytes(garbage=3, deflate=True)
        self.doc.close()
        return BuiltPdf(data, ["".join(parts) for parts in self.page_texts])


def text_to_pdf(text: str, *, fontsize: float = FONT_SIZE, render_mode: int = 0) -> BuiltPdf:
    """A text-layer PDF of ``text`` (render_mode=3 makes the text invisible)."""
    layout = _Layout(fontsize, render_mode)
    for line in text.split("\n"):
        layout.line(line)
    built = layout.finish()
    # A trailing page that only received the last newline carries no text.
    if len(built.page_texts) > 1 and not built.page_texts[-1].strip():
        doc = pymupdf.open(stream=built.data, filetype="pdf")
        doc.delete_page(-1)
        built = BuiltPdf(doc.tobytes(garbage=3, deflate=True), built.page_texts[:-1])
    return built


def rasterize_pdf(data: bytes, *, dpi: int = 200, pages: list[int] | None = None) -> bytes:
    """An image-only PDF (a 'scan') of the given 0-based ``pages`` of ``data``, at ``dpi``."""
    src = pymupdf.open(stream=data, filetype="pdf")
    out = pymupdf.open()
    for index in pages if pages is not None else range(src.page_count):
        page = src[index]
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        new = out.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, stream=pix.tobytes("png"))
    data = out.tobytes(garbage=3, deflate=True)
    out.close()
    src.close()
    return data


def page_png(data: bytes, index: int, *, dpi: int = 200) -> bytes:
    """One page of a PDF rendered to PNG bytes."""
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return doc[index].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False).tobytes("png")
