"""PDF rendering of a generated report: a text-layer PDF (text set line by line, or the printed
page with ruled tables) and an image-only scan of it."""

from __future__ import annotations

import math
from typing import Any

# PDF rendering, self-contained (the pipeline package must not import bench/): A4, pymupdf's
# built-in CJK font embedded (Droid Sans Fallback, so the text layer extracts back to the same
# Unicode), lines wrapped at the right margin, a TAB jumping to the next 4-em tab stop at least
# 2 em on, like a table column gap — the layout tests/support/pdfs.text_to_pdf uses.
_PAGE_W, _PAGE_H, _MARGIN, _FONT_SIZE = 595.0, 842.0, 50.0, 10.5
_LINE_H, _TAB_STOP, _MIN_TAB_GAP = _FONT_SIZE * 1.6, _FONT_SIZE * 4, _FONT_SIZE * 2


def render_pdf(text: str, *, ruled: bool = False) -> bytes:
    """A text-layer PDF of ``text`` (A4, built-in CJK font, TABs on tab stops).

    ``ruled``: each run of consecutive lines with TABs is drawn as a ruled table instead (see
    :func:`_ruled_table`): every cell in its own bordered box, text wrapping inside the cell, as
    real reports print their tables."""
    import pymupdf

    font = pymupdf.Font("cjk")
    doc = pymupdf.open()
    widths: dict[str, float] = {}
    state: dict[str, Any] = {}

    def new_page(landscape: bool = False) -> None:
        if state.get("writer") is not None:
            state["writer"].write_text(state["page"])
            if not state["used"]:
                doc.delete_page(-1)  # a page that received only blank lines (before a landscape table)
        state["size"] = (_PAGE_H, _PAGE_W) if landscape else (_PAGE_W, _PAGE_H)
        state["page"] = doc.new_page(width=state["size"][0], height=state["size"][1])
        state["writer"] = pymupdf.TextWriter(state["page"].rect)
        state["y"] = _MARGIN + _FONT_SIZE
        state["used"] = False

    def newline() -> None:
        state["y"] += _LINE_H
        if state["y"] > state["size"][1] - _MARGIN:
            new_page()

    def put(x: float, run: str) -> None:
        state["writer"].append((x, state["y"]), run, font=font, fontsize=_FONT_SIZE)
        state["used"] = True

    def width(ch: str) -> float:
        if ch not in widths:
            widths[ch] = font.text_length(ch, _FONT_SIZE)
        return widths[ch]

    new_page()
    right = _PAGE_W - _MARGIN
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if ruled and "\t" in line:
            block = [line]
            while index < len(lines) and "\t" in lines[index]:
                block.append(lines[index])
                index += 1
            _ruled_table(block, state, new_page, font, width)
            continue
        x = _MARGIN
        for i, cell in enumerate(line.split("\t")):
            if i:
                x = _MARGIN + (math.floor((x - _MARGIN + _MIN_TAB_GAP) / _TAB_STOP) + 1) * _TAB_STOP
                if x >= right:
                    newline()
                    x = _MARGIN
            run: list[str] = []
            run_x, run_w = x, 0.0
            for ch in cell:
                w = width(ch)
                if run_x + run_w + w > right and (run or run_x > _MARGIN):
                    if run:
                        put(run_x, "".join(run))
                    newline()
                    run, run_x, run_w = [], _MARGIN, 0.0
                run.append(ch)
                run_w += w
            if run:
                put(run_x, "".join(run))
            x = run_x + run_w
        newline()
    state["writer"].write_text(state["page"])
    if not state["used"] and doc.page_count > 1:
        doc.delete_page(-1)  # a last page that only received the final newline
    doc.subset_fonts()
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return data


def render_ruled_pdf(text: str) -> bytes:
    """A text-layer PDF of ``text`` with its tables drawn as ruled grids, as printed 自评表 are
    (``render_pdf(text, ruled=True)``). ``render_scan`` of this PDF is a ruled scan."""
    return render_pdf(text, ruled=True)


_CELL_PAD, _MIN_CELL_CHARS, _MIN_PORTRAIT_FONT = 3.0, 3, 8.0


def _ruled_table(rows: list[str], state: dict[str, Any], new_page: Any, font: Any, width: Any) -> None:
    """Draw TAB-separated ``rows`` as a ruled table at ``state["y"]`` (a helper of render_pdf).

    Columns share the text width by water-filling (a column narrower than its fair share keeps
    its natural width, the rest split what is left); a row with fewer cells than the table lets
    its last cell span the remaining columns. A table too wide for the page is set in a smaller
    font (every column holds at least _MIN_CELL_CHARS characters), on landscape pages when the
    font would fall under _MIN_PORTRAIT_FONT, as wide forms are printed; a row that does not fit
    goes to the next page, and a row taller than a page continues on it."""
    import pymupdf

    grid = [row.split("\t") for row in rows]
    ncols = max(len(cells) for cells in grid)

    def fitting_size(span: float) -> float:
        return min(_FONT_SIZE, (span / ncols - 2 * _CELL_PAD) / _MIN_CELL_CHARS)

    landscape = fitting_size(_PAGE_W - 2 * _MARGIN) < _MIN_PORTRAIT_FONT
    if landscape:
        new_page(landscape=True)
        state["y"] = _MARGIN + _FONT_SIZE
    page_w, page_h = state["size"]
    span = page_w - 2 * _MARGIN
    size = max(5.0, fitting_size(span))
    scale, line_h = size / _FONT_SIZE, size * 1.3
    natural = [2 * size + 2 * _CELL_PAD] * ncols
    for cells in grid:
        for j, cell in enumerate(cells if len(cells) == ncols else cells[:-1]):
            natural[j] = max(natural[j], scale * sum(width(ch) for ch in cell) + 2 * _CELL_PAD + 1)
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

    def wrap(cell: str, room: float) -> list[str]:
        out, run, run_w = [], "", 0.0
        for ch in cell:
            w = scale * width(ch)
            if run and run_w + w > room:
                out.append(run)
                run, run_w = "", 0.0
            run += ch
            run_w += w
        return out + [run] if run else out

    bottom = page_h - _MARGIN
    top = state["y"] - _FONT_SIZE  # state["y"] is the next text baseline
    for cells in grid:
        boxes = []
        for j, cell in enumerate(cells):
            x0, x1 = edges[j], edges[ncols if j == len(cells) - 1 else j + 1]
            boxes.append((x0, x1, wrap(cell, x1 - x0 - 2 * _CELL_PAD)))
        todo_lines, done = max(1, *(len(b[2]) for b in boxes)), 0
        while done < todo_lines:
            room = int((bottom - top - 2 * _CELL_PAD) // line_h)
            if room < todo_lines - done and (top > _MARGIN or room < 1):
                new_page(landscape)
                top = _MARGIN
                continue
            take = min(room, todo_lines - done)
            height = take * line_h + 2 * _CELL_PAD
            shape = state["page"].new_shape()
            for x0, x1, text_lines in boxes:
                shape.draw_rect(pymupdf.Rect(x0, top, x1, top + height))
                for k, run in enumerate(text_lines[done : done + take]):
                    baseline = top + _CELL_PAD + size + k * line_h
                    state["writer"].append((x0 + _CELL_PAD, baseline), run, font=font, fontsize=size)
                    state["used"] = True
            shape.finish(width=0.6, color=(0, 0, 0))
            shape.commit()
            top += height
            done += take
    state["y"] = top + _LINE_H + _FONT_SIZE * 0.5
    if state["y"] > bottom:
        new_page()


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
