"""Ingest benchmark, and the page builders + measures the ingest/OCR tests share.

Run: ``.venv/bin/python -m bench.ingest_bench`` (about a minute on 2 cores). ``run()`` returns rows
``{name, value, unit, target, ok}``:

* text-layer PDF: seconds per page for ``load()`` on PDFs built from all seeds (< 0.05 s/page);
* the same seeds with their tables drawn as ruled grids (``synth.render_pdf(ruled=True)``): seconds
  per page, the table step's share (``tablegrid.grids_from_pdf_page``) and whether the text comes
  back (< 0.15 s/page: find_tables costs 15-75 ms on a page that draws lines);
* OCR at 200 dpi on a handful of rasterised seed pages: RapidOCR's own time on the page images
  alone vs the pipeline's total per page (the pipeline may add at most 10 %, table-grid step
  included: two of the pages are ruled scans, and the grid step's own time is a row), plus the
  character error rate and number recall of what came back;
* peak resident memory of the process (ru_maxrss, < 1.5 GiB).

The helpers (``text_to_pdf``, ``rasterize_pdf``, ``cer``, ``number_recall``) build test PDFs from
seed text with pymupdf's built-in CJK font and measure OCR output; tests/test_ocr.py and
tests/test_ingest.py use them too. They never write seed text into the project.
"""

from __future__ import annotations

import math
import os
import re
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np
import pymupdf

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("PIPELINE_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
SEEDS_DIR = SHARED_DIR / "seeds"

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


# --- measures -------------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DOT_SPACE = re.compile(r"(\d)\s*\.\s*(\d)")  # '3286. 80' (as the seeds print) == '3286.80'


def strip_ws(text: str) -> str:
    return _WS.sub("", text)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance; one numpy row per character of ``a``."""
    if not a or not b:
        return len(a) + len(b)
    bv = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    offsets = np.arange(len(b) + 1, dtype=np.int64)
    row = offsets.copy()
    for i, ch in enumerate(a, 1):
        sub = row[:-1] + (bv != ord(ch))
        cand = np.empty_like(row)
        cand[0] = i
        cand[1:] = np.minimum(row[1:] + 1, sub)
        # insertions: new[j] = min_k<=j (cand[k] + j - k)
        row = np.minimum.accumulate(cand - offsets) + offsets
    return int(row[-1])


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate on whitespace-stripped text."""
    ref, hyp = strip_ws(reference), strip_ws(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def numbers(text: str) -> Counter[str]:
    return Counter(_NUMBER.findall(_DOT_SPACE.sub(r"\1.\2", text)))


def number_recall(reference: str, hypothesis: str) -> tuple[float, int]:
    """(share of the reference's numbers found exactly in the hypothesis, multiset; count)."""
    ref, hyp = numbers(reference), numbers(hypothesis)
    total = sum(ref.values())
    found = sum(min(n, hyp[k]) for k, n in ref.items())
    return (found / total if total else 1.0), total


# --- benchmark ------------------------------------------------------------------------------

# Pages (seed prefix, 0-based page) of the built PDFs used for OCR: narrative with amounts,
# a table of indicators with numbers, and a page of a score table.
# ("000r", 0): page 1 of seed 000 rendered with ruled tables and scanned.
OCR_PAGES = [("000", 0), ("001", 0), ("002", 3), ("003", 0), ("004", 2), ("004", 5), ("000r", 0), ("003r", 0)]


def seed_texts() -> dict[str, str]:
    paths = sorted(SEEDS_DIR.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no seeds under {SEEDS_DIR}")
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in paths}


def _timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def _row(name: str, value: float, unit: str, target: str, ok: bool | None) -> dict:
    return {"name": name, "value": round(value, 4), "unit": unit, "target": target, "ok": ok}


def run() -> list[dict]:
    import tempfile

    from pipeline import ingest, ocr, tablegrid
    from pipeline.config import get_settings
    from pipeline.synth import render_pdf, render_scan

    settings = get_settings()
    rows = []
    seeds = seed_texts()
    built = {key: text_to_pdf(text) for key, text in seeds.items()}

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        # Text-layer PDFs: every page of every seed.
        paths = {}
        for key, pdf in built.items():
            paths[key] = tmpdir / f"{key}.pdf"
            paths[key].write_bytes(pdf.data)
        ingest.load(paths["000"], settings)  # first call warms pymupdf's font and glyph caches
        pages, elapsed, docs = 0, 0.0, {}
        for key, path in paths.items():
            start = time.perf_counter()
            docs[key] = ingest.load(path, settings)
            elapsed += time.perf_counter() - start
            pages += len(docs[key].pages)
        match_num = match_den = 0
        for key, doc in docs.items():
            ref = strip_ws(seeds[key])
            match_den += len(ref)
            match_num += len(ref) - edit_distance(ref, strip_ws(doc.text))
        rows.append(_row("text_layer_pdf_seconds_per_page", elapsed / pages, "s/page", "< 0.05", elapsed / pages < 0.05))
        rows.append(_row("text_layer_pdf_pages", pages, "pages", "", None))
        rows.append(_row("text_layer_match_rate", match_num / match_den, "ratio", "1.0", match_num == match_den))

        # Ruled text-layer PDFs: the same seeds with their tables drawn as grids.
        ruled_pages, ruled_elapsed, grid_elapsed, match_num, match_den = 0, 0.0, 0.0, 0, 0
        for key, text in seeds.items():
            path = tmpdir / f"{key}_ruled.pdf"
            path.write_bytes(render_pdf(text, ruled=True))
            start = time.perf_counter()
            doc = ingest.load(path, settings)
            ruled_elapsed += time.perf_counter() - start
            ruled_pages += len(doc.pages)
            with pymupdf.open(path) as pdf:
                for page in pdf:
                    seconds, _ = _timed(tablegrid.grids_from_pdf_page, page)
                    grid_elapsed += seconds
            ref = strip_ws(text)
            match_den += len(ref)
            match_num += len(ref) - edit_distance(ref, strip_ws(doc.text))
        per_page = ruled_elapsed / ruled_pages
        rows.append(_row("ruled_pdf_seconds_per_page", per_page, "s/page", "< 0.15", per_page < 0.15))
        rows.append(_row("ruled_pdf_table_step_ms_per_page", 1000 * grid_elapsed / ruled_pages, "ms/page", "", None))
        # Informational: every character comes back, but a row taller than a page (seed 003's
        # wide form) continues on the next one, so its cells' parts come back in another order.
        rows.append(_row("ruled_pdf_match_rate", match_num / match_den, "ratio", "", None))

        # OCR at 200 dpi. Per page: RapidOCR alone on the image the pipeline renders, then the
        # whole pipeline on the scanned PDF, whose own RapidOCR time is read from
        # ocr.engine_stats() so "what the pipeline adds" is measured inside one and the same run
        # (separate runs of the same page differ by up to 30 % on this 2-core VM).
        engine = ocr.get_engine(settings)
        alone = total = inside = 0.0
        cers, found, nums, n = [], 0.0, 0, 0
        grid_before = ocr.engine_stats()["grid_seconds"]
        for key, index in OCR_PAGES:
            path = tmpdir / f"scan_{key}p{index + 1}.pdf"
            if key.endswith("r"):  # a ruled scan: the grid step has tables to find
                path.write_bytes(render_scan(render_pdf(seeds[key[:-1]], ruled=True), dpi=200, pages=index + 1))
                with pymupdf.open(path) as many:
                    many.select([index])
                    path.write_bytes(many.tobytes())
            else:
                path.write_bytes(rasterize_pdf(built[key].data, dpi=200, pages=[index]))
            with pymupdf.open(path) as scan:
                bgr = np.ascontiguousarray(ingest.render_page(scan[0], settings)[:, :, ::-1])
            if n == 0:
                engine(bgr)  # warm-up: the first call pays for onnxruntime's lazy set-up
            seconds, _ = _timed(engine, bgr)
            alone += seconds
            before = ocr.engine_stats()["seconds"]
            seconds, doc = _timed(ingest.load, path, settings)
            total += seconds
            inside += ocr.engine_stats()["seconds"] - before

            n += 1
            if key.endswith("r"):
                continue  # no page reference text for the ruled rendering; timed only
            reference = built[key].page_texts[index]
            cers.append(cer(reference, doc.text))
            recall, count = number_recall(reference, doc.text)
            found += recall * count
            nums += count

        overhead = (total - inside) / inside
        recall = found / max(1, nums)
        rows.append(_row("ocr_engine_alone_ms_per_page", 1000 * alone / n, "ms/page", "", None))
        rows.append(_row("ocr_pipeline_ms_per_page", 1000 * total / n, "ms/page", "", None))
        rows.append(_row("ocr_engine_in_pipeline_ms_per_page", 1000 * inside / n, "ms/page", "", None))
        rows.append(_row("ocr_pipeline_overhead", overhead, "ratio", "<= 0.10", overhead <= 0.10))
        rows.append(_row("ocr_pipeline_vs_engine_alone", total / alone - 1, "ratio", "noisy", None))
        grid_ms = 1000 * (ocr.engine_stats()["grid_seconds"] - grid_before) / n
        rows.append(_row("ocr_table_step_ms_per_page", grid_ms, "ms/page", "", None))
        rows.append(_row("ocr_table_step_share_of_engine", grid_ms / (1000 * inside / n), "ratio", "", None))
        rows.append(_row("ocr_cer_mean", sum(cers) / len(cers), "ratio", "< 0.05", sum(cers) / len(cers) < 0.05))
        rows.append(_row("ocr_cer_max", max(cers), "ratio", "< 0.05", max(cers) < 0.05))
        rows.append(_row("ocr_number_recall", recall, "ratio", ">= 0.98", recall >= 0.98))
        rows.append(_row("ocr_numbers", nums, "numbers", "", None))
        rows.append(_row("ocr_pages", n, "pages", "", None))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30  # Linux: KiB
    rows.append(_row("peak_rss", peak, "GiB", "< 1.5", peak < 1.5))
    return rows


def main() -> int:
    rows = run()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        status = "" if r["ok"] is None else ("ok" if r["ok"] else "MISS")
        print(f"{r['name']:<{width}}  {r['value']:>10}  {r['unit']:<8} {r['target']:<8} {status}")
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
