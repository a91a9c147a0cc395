"""PDF rendering of a generated report: a text-layer PDF (text set line by line, or the printed
page with ruled tables) and an image-only scan of it."""

from __future__ import annotations

import math
from typing import Any

# PDF rendering, self-contained (the pipeline package must not import tests/ or bench/): A4,
# pymupdf's built-in CJK font embedded (Droid Sans Fallback, so the text layer extracts back to the
# same Unicode), lines wrapped at the right margin, a TAB jumping to the next 4-em tab stop at least
# 2 em on, like a table column gap — the layout tests/support/pdfs.text_to_pdf uses.
_PAGE_W, _PAGE_H, _MARGIN, _FONT_SIZE = 595.0, 842.0, 50.0, 10.5
_LINE_H, _TAB_STOP, _MIN_TAB_GAP = _FONT_SIZE * 1.6, _FONT_SIZE * 4, _FONT_SIZE * 2


class _Pages:
    """The PDF being written: its current page (portrait or landscape), the text writer of that page,
    the next text baseline ``y``, whether the page received any text, and the font's widths."""

    def __init__(self) -> None:
        import pymupdf

        self.font = pymupdf.Font("cjk")
        self.doc = pymupdf.open()
        self.widths: dict[str, float] = {}
        self.writer: Any = None
        self.page: Any = None
        self.size = (_PAGE_W, _PAGE_H)
        self.y = 0.0
        self.used = False
        self.new_page()

    def new_page(self, landscape: bool = False) -> None:
        import pymupdf

        if self.writer is not None:
            self.writer.write_text(self.page)
            if not self.used:
                self.doc.delete_page(-1)  # a page that received only blank lines (before a landscape table)
        self.size = (_PAGE_H, _PAGE_W) if landscape else (_PAGE_W, _PAGE_H)
        self.page = self.doc.new_page(width=self.size[0], height=self.size[1])
        self.writer = pymupdf.TextWriter(self.page.rect)
        self.y = _MARGIN + _FONT_SIZE
        self.used = False

    def newline(self) -> None:
        self.y += _LINE_H
        if self.y > self.size[1] - _MARGIN:
            self.new_page()

    def put(self, x: float, run: str, fontsize: float = _FONT_SIZE, y: float | None = None) -> None:
        self.writer.append((x, self.y if y is None else y), run, font=self.font, fontsize=fontsize)
        self.used = True

    def width(self, ch: str) -> float:
        if ch not in self.widths:
            self.widths[ch] = self.font.text_length(ch, _FONT_SIZE)
        return self.widths[ch]

    def finish(self) -> bytes:
        self.writer.write_text(self.page)
        if not self.used and self.doc.page_count > 1:
            self.doc.delete_page(-1)  # a last page that only received the final newline
        self.doc.subset_fonts()
        data = self.doc.tobytes(garbage=3, deflate=True)
        self.doc.close()
        return data


def render_pdf(text: str, *, ruled: bool = False) -> bytes:
    """A text-layer PDF of ``text`` (A4, built-in CJK font, TABs on tab stops).

    ``ruled``: each run of consecutive lines with TABs is drawn as a ruled table instead (see
    :func:`_ruled_table`): every cell in its own bordered box, text wrapping inside the cell, as
    real reports print their tables."""
    pages = _Pages()
    lines = text.split("\n")
    if ruled:
        lines = [pipe_row_as_tabs(line) for line in lines]
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if ruled and "\t" in line:
            block = [line]
            while index < len(lines) and "\t" in lines[index]:
                block.append(lines[index])
                index += 1
            _ruled_table(block, pages)
            continue
        _set_line(line, pages)
    return pages.finish()


def pipe_row_as_tabs(line: str) -> str:
    """A row of a table that a text export printed between pipes ('| 总额 | 48.00 | |') as its
    TAB-separated cells, so that the ruled page draws the cells the pipes stood for; any other
    line unchanged. Only a line that opens and closes with a pipe and has two cells or more is a
    row: a single trailing pipe is text."""
    body = line.strip()
    if len(body) < 3 or body[0] != "|" or body[-1] != "|":
        return line
    cells = [cell.strip() for cell in body[1:-1].split("|")]
    return "\t".join(cells) if len(cells) >= 2 else line


def _set_line(line: str, pages: _Pages) -> None:
    """One line of text: cells after TABs on the next tab stop, wrapping at the right margin."""
    right = _PAGE_W - _MARGIN
    x = _MARGIN
    for i, cell in enumerate(line.split("\t")):
        if i:
            x = _MARGIN + (math.floor((x - _MARGIN + _MIN_TAB_GAP) / _TAB_STOP) + 1) * _TAB_STOP
            if x >= right:
                pages.newline()
                x = _MARGIN
        run: list[str] = []
        run_x, run_w = x, 0.0
        for ch in cell:
            w = pages.width(ch)
            if run_x + run_w + w > right and (run or run_x > _MARGIN):
                if run:
                    pages.put(run_x, "".join(run))
                pages.newline()
                run, run_x, run_w = [], _MARGIN, 0.0
            run.append(ch)
            run_w += w
        if run:
            pages.put(run_x, "".join(run))
        x = run_x + run_w
    pages.newline()


def render_ruled_pdf(text: str) -> bytes:
    """A text-layer PDF of ``text`` with its tables drawn as ruled grids, as printed 自评表 are
    (``render_pdf(text, ruled=True)``). ``render_scan`` of this PDF is a ruled scan."""
    return render_pdf(text, ruled=True)


_CELL_PAD, _MIN_CELL_CHARS, _MIN_PORTRAIT_FONT = 3.0, 3, 8.0


def _ruled_table(rows: list[str], pages: _Pages) -> None:
    """Draw TAB-separated ``rows`` as a ruled table at ``pages.y`` (a helper of render_pdf).

    Columns share the text width by water-filling (see :func:`_column_edges`); a row with fewer
    cells than the table lets its last cell span the remaining columns. A table too wide for the
    page is set in a smaller font (every column holds at least _MIN_CELL_CHARS characters), on
    landscape pages when the font would fall under _MIN_PORTRAIT_FONT, as wide forms are printed; a
    row that does not fit goes to the next page, and a row taller than a page continues on it."""
    grid = [row.split("\t") for row in rows]
    ncols = max(len(cells) for cells in grid)

    def fitting_size(span: float) -> float:
        return min(_FONT_SIZE, (span / ncols - 2 * _CELL_PAD) / _MIN_CELL_CHARS)

    landscape = fitting_size(_PAGE_W - 2 * _MARGIN) < _MIN_PORTRAIT_FONT
    if landscape:
        pages.new_page(landscape=True)
        pages.y = _MARGIN + _FONT_SIZE
    page_w, page_h = pages.size
    span = page_w - 2 * _MARGIN
    size = max(5.0, fitting_size(span))
    scale = size / _FONT_SIZE
    edges = _column_edges(grid, ncols, span, size, pages)

    def wrap(cell: str, room: float) -> list[str]:
        out, run, run_w = [], "", 0.0
        for ch in cell:
            w = scale * pages.width(ch)
            if run and run_w + w > room:
                out.append(run)
                run, run_w = "", 0.0
            run += ch
            run_w += w
        return out + [run] if run else out

    bottom = page_h - _MARGIN
    top = pages.y - _FONT_SIZE  # pages.y is the next text baseline
    for cells in grid:
        boxes = []
        for j, cell in enumerate(cells):
            x0, x1 = edges[j], edges[ncols if j == len(cells) - 1 else j + 1]
            boxes.append((x0, x1, wrap(cell, x1 - x0 - 2 * _CELL_PAD)))
        top = _draw_row(boxes, top, bottom, size, landscape, pages)
    pages.y = top + _LINE_H + _FONT_SIZE * 0.5
    if pages.y > bottom:
        pages.new_page()


def _column_edges(grid: list[list[str]], ncols: int, span: float, size: float, pages: _Pages) -> list[float]:
    """The x positions of the column borders: a column narrower than its fair share of ``span``
    keeps its natural width (its widest cell at ``size``), the others split what is left."""
    scale = size / _FONT_SIZE
    natural = [2 * size + 2 * _CELL_PAD] * ncols
    for cells in grid:
        for j, cell in enumerate(cells if len(cells) == ncols else cells[:-1]):
            natural[j] = max(natural[j], scale * sum(pages.width(ch) for ch in cell) + 2 * _CELL_PAD + 1)
    widths = [0.0] * ncols
    left, todo = span, sorted(range(ncols), key=natural.__getitem__)
    while todo:
        share = left / len(todo)
        if natural[todo[0]] > share:
            for j in todo:
                widths[j] = share
            break
        widths[todo[0]] = natural[todo[0]]
        left -= natural[todo.pop(0)]
    extra = (span - sum(widths)) / ncols
    edges = [_MARGIN]
    for w in widths:
        edges.append(edges[-1] + w + extra)
    return edges


def _draw_row(boxes: list[tuple[float, float, list[str]]], top: float, bottom: float, size: float, landscape: bool,
              pages: _Pages) -> float:
    """One table row: each cell's box ruled and its wrapped lines set inside, moving to the next
    page when the row does not fit (a row taller than a page continues there). Returns the row's
    bottom."""
    import pymupdf

    line_h = size * 1.3
    todo_lines, done = max(1, *(len(b[2]) for b in boxes)), 0
    while done < todo_lines:
        room = int((bottom - top - 2 * _CELL_PAD) // line_h)
        if room < todo_lines - done and (top > _MARGIN or room < 1):
            pages.new_page(landscape)
            top = _MARGIN
            continue
        take = min(room, todo_lines - done)
        height = take * line_h + 2 * _CELL_PAD
        shape = pages.page.new_shape()
        for x0, x1, text_lines in boxes:
            shape.draw_rect(pymupdf.Rect(x0, top, x1, top + height))
            for k, run in enumerate(text_lines[done : done + take]):
                baseline = top + _CELL_PAD + size + k * line_h
                pages.put(x0 + _CELL_PAD, run, fontsize=size, y=baseline)
        shape.finish(width=0.6, color=(0, 0, 0))
        shape.commit()
        top += height
        done += take
    return top


def render_scan(pdf: bytes, *, dpi: int = 200, pages: int | None = None) -> bytes:
    """An image-only PDF (each page a grey-scale picture at ``dpi``, no text layer) of the first
    ``pages`` pages of ``pdf`` (all when None)."""
    import pymupdf

    src = pymupdf.open(stream=pdf, filetype="pdf")
    out = pymupdf.open()
    for index in range(src.page_count if pages is None else min(pages, src.page_count)):
        page = src[index]
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        out.new_page(width=page.rect.width, height=page.rect.height).insert_image(page.rect, stream=pix.tobytes("png"))
    data = out.tobytes(garbage=3, deflate=True)
    out.close()
    src.close()
    return data
