"""Ingest: read a text file, a PDF or a scanned image into a :class:`~pipeline.document.Document`.

Public API: :func:`load`. Everything else here is an implementation detail (importable for tests
and the benchmark, but not a contract).

* Text (.txt/.md): BOM → UTF-8 (strict) → GB18030 (strict, a superset of GBK/GB2312), then a
  plausibility check; pages split on form feeds; page text kept byte-for-byte raw.
* PDF: each page's text layer is read with pymupdf; a page whose layer is missing (a scan) or
  garbled (mojibake, private-use or ``(cid:NN)`` glyphs, replacement characters, random rare
  characters) is rendered at ``settings.ocr_dpi`` and OCR'd instead.
* Images (.png/.jpg/.jpeg/.tif/.tiff, multi-page TIFF included): OCR'd, one page per frame.
* Ruled tables, on text layers and scans alike, keep their cells (pipeline/tablegrid.py): a row
  is one TAB-separated line however its cells wrap. Every page keeps its positioned text runs
  (``Page.boxes``: offsets into the page text and bounding boxes).

Bad input raises a typed :class:`~pipeline.errors.IngestError` naming the file and the reason.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import math
import os
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before pymupdf imports onnxruntime

import numpy as np
import pymupdf  # imported once: the import loads two ONNX layout models (~0.5 s, ~160 MB)
from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline import ocr, tablegrid
from pipeline.config import Settings, get_settings
from pipeline.document import PAGE_SEPARATOR, Document, Page, PageBox
from pipeline.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    FileMissingError,
    FileTooLargeError,
    ImageTooLargeError,
    IngestError,
    OcrUnavailableError,
    TooManyPagesError,
    UndecodableTextError,
    UnsupportedTypeError,
)
from pipeline.charfold import fold

__all__ = ["load"]

# MuPDF prints "MuPDF error: ..." lines for damaged files; we turn those into typed errors.
pymupdf.TOOLS.mupdf_display_errors(False)

TEXT_SUFFIXES = frozenset({".txt", ".md"})
PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
SUPPORTED = ", ".join(sorted(TEXT_SUFFIXES | PDF_SUFFIXES | IMAGE_SUFFIXES))

# --- text-layer quality ---------------------------------------------------------------------
# A page's text layer is judged garbled when fewer than GARBLED_BELOW of its non-space characters
# are "common": printable ASCII, GB2312 level-1 hanzi (the 3,755 most frequent), or GB2312
# punctuation / numbering / full-width forms / box drawing (rows 0xA1-0xA3, 0xA9). A traditional
# character counts as its 1:1 simplified fold (pipeline.charfold), so a
# layer in traditional characters (項目支出) is no mojibake. Measured on the five seeds: real text
# scores 0.997-1.000, the same text converted to traditional (OpenCC s2t) 1.00 (0.68-0.71 before
# folding); as UTF-8-read-as-Latin-1/cp1252 0.07-0.15, UTF-8-read-as-GBK 0.21-0.24,
# GB18030-read-as-Big5 0.39-0.44 (0.27-0.31 before folding: a Big5 misreading yields traditional
# characters), Big5 (traditional) read as GBK 0.47-0.49, CJK replaced by (cid:NN) / private-use /
# CJK Ext-A 0.13-0.20, by random CJK 0.32-0.36. Level-2 hanzi (rare names like 圳) count as not
# common, which costs real text under 0.5%.
GARBLED_BELOW = 0.80
# Fewer non-space characters than this are too few to judge a layer garbled.
MIN_JUDGED_CHARS = 10
# A page with an image covering at least SCAN_COVERAGE of it and fewer than SCAN_MAX_LAYER_CHARS
# layer characters is a scan (the few characters are a scanner app's watermark, a page number or
# a stamp); a page with no layer text at all is OCR'd when it has any image or vector drawing.
SCAN_COVERAGE = 0.5
SCAN_MAX_LAYER_CHARS = 200

_CID_GLYPH = re.compile(r"\(cid:\d+\)")





def _common_characters() -> frozenset[str]:
    chars = set()
    for lead in [0xA1, 0xA2, 0xA3, 0xA9, *range(0xB0, 0xD8)]:
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    chars.update(chr(c) for c in range(0x21, 0x7F))
    return frozenset(chars)


COMMON_CHARACTERS = _common_characters()


@dataclass(frozen=True)
class TextQuality:
    score: float  # share of non-space characters that are common (1.0 when there are none)
    chars: int  # non-space characters judged

    @property
    def garbled(self) -> bool:
        return self.chars >= MIN_JUDGED_CHARS and self.score < GARBLED_BELOW


def text_quality(text: str) -> TextQuality:
    """How much of ``text`` looks like real Chinese/ASCII text (see GARBLED_BELOW).

    A character is common when it, or its 1:1 simplified fold, is in COMMON_CHARACTERS."""
    text = _CID_GLYPH.sub("\ue000", text)  # a (cid:NN) placeholder is one unknown glyph
    text = fold(text)  # 項目 counts as 项目
    total = common = 0
    for ch in text:
        if ch.isspace():
            continue
        total += 1
        common += ch in COMMON_CHARACTERS
    return TextQuality(common / total if total else 1.0, total)


# --- entry point ----------------------------------------------------------------------------


def load(path: str | os.PathLike[str], settings: Settings | None = None) -> Document:
    """Read ``path`` into a Document, or raise a typed IngestError naming the file and reason."""
    settings = settings or get_settings()
    p = Path(path)
    shown = str(path)

    try:
        st = p.stat()
    except FileNotFoundError:
        raise FileMissingError(shown, "no such file") from None
    except OSError as exc:
        raise FileMissingError(shown, f"cannot access file: {exc.strerror or exc}") from None
    if not p.is_file():
        raise FileMissingError(shown, "not a regular file")
    if st.st_size == 0:
        raise EmptyFileError(shown, "file is empty (0 bytes)")
    if st.st_size > settings.max_file_bytes:
        raise FileTooLargeError(
            shown, f"file is {st.st_size} bytes, more than max_file_bytes={settings.max_file_bytes}"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(shown, f"cannot read file: {exc.strerror or exc}") from None

    kind = _sniff(data, p.suffix.lower(), shown)
    encoding = None
    if kind == "text":
        text, encoding = decode_text(data, shown)
        _check_text_size(text, shown, settings)
        pages = [Page(number=i, text=t, engine="text") for i, t in enumerate(text.split(PAGE_SEPARATOR), 1)]
    elif kind == "pdf":
        pages = _load_pdf(data, shown, settings)
    else:
        pages = _load_image(data, shown, settings)
    if kind != "text":
        _check_text_size(PAGE_SEPARATOR.join(pg.text for pg in pages), shown, settings)

    return Document(
        path=shown,
        doc_id=p.stem,
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=kind,
        encoding=encoding,
        pages=pages,
    )


def _sniff(data: bytes, suffix: str, shown: str) -> str:
    """'text', 'pdf' or 'image': by content when it has a known signature, else by extension."""
    if data.startswith(b"%PDF-") or (suffix in PDF_SUFFIXES and b"%PDF-" in data[:1024]):
        return "pdf"  # readers accept junk before the header within the first 1 KiB
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "image"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in PDF_SUFFIXES:
        raise CorruptFileError(shown, "not a PDF: no %PDF- header in the first 1024 bytes")
    if suffix in IMAGE_SUFFIXES:
        raise CorruptFileError(shown, f"not a {suffix[1:].upper()} image: unrecognised file header")
    raise UnsupportedTypeError(shown, f"unsupported file type {suffix or '(no extension)'!r}; supported: {SUPPORTED}")


def _check_text_size(text: str, shown: str, settings: Settings) -> None:
    if len(text) > settings.max_text_chars:
        raise FileTooLargeError(
            shown, f"text has {len(text)} characters, more than max_text_chars={settings.max_text_chars}"
        )


# --- text files -----------------------------------------------------------------------------

_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1a")  # \x1a: DOS end-of-file marker
_MAX_BAD_SHARE = 0.01


# Legacy Chinese encodings a text without a BOM may be in, tried after UTF-8: GB18030 (mainland,
# a superset of GBK and GB2312) and Big5 (Taiwan, Hong Kong; Python's cp950 is the Big5 that
# Windows writes). Almost any byte string decodes as GB18030, so each plausible decoding is
# judged by how much of it reads as common Chinese text, and the better one wins.
LEGACY_ENCODINGS: tuple[tuple[str, str], ...] = (("gb18030", "gb18030"), ("big5", "cp950"))


def decode_text(data: bytes, shown: str) -> tuple[str, str]:
    """Decode a text file strictly: BOM, then UTF-8, then GB18030 or Big5 (whichever reads as
    Chinese text); refuse binary junk, naming the encodings tried."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", data[len(codecs.BOM_UTF8) :], "utf-8")]
    elif data.startswith(codecs.BOM_UTF16_LE) and not data.startswith(codecs.BOM_UTF32_LE):
        candidates = [("utf-16-le", data[2:], "utf-16-le")]
    elif data.startswith(codecs.BOM_UTF16_BE):
        candidates = [("utf-16-be", data[2:], "utf-16-be")]
    else:
        candidates = [("utf-8", data, "utf-8")]

    failures = []
    for name, payload, codec in candidates:
        try:
            text = payload.decode(codec)  # strict
        except UnicodeDecodeError as exc:
            failures.append(f"not {name} (invalid byte 0x{payload[exc.start]:02x} at offset {exc.start})")
            continue
        problem = _implausible(text)
        if problem:
            raise UndecodableTextError(shown, f"decodes as {name} but looks binary: {problem}")
        return text, name
    if candidates[0][0] != "utf-8":
        raise UndecodableTextError(shown, "; ".join(failures))
    return _decode_legacy(data, shown, failures)


def _decode_legacy(data: bytes, shown: str, failures: list[str]) -> tuple[str, str]:
    readings: list[tuple[float, str, str]] = []  # (share of common characters, text, name)
    for name, codec in LEGACY_ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            failures.append(f"not {name} (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})")
            continue
        problem = _implausible(text)
        if problem:
            failures.append(f"decodes as {name} but looks binary: {problem}")
            continue
        readings.append((text_quality(text).score, text, name))
    if not readings:
        raise UndecodableTextError(shown, "; ".join(failures))
    # max() keeps the first of equal scores: GB18030, the mainland default, wins a tie.
    _, text, name = max(readings, key=lambda reading: reading[0])
    return text, name


def _implausible(text: str) -> str | None:
    if "\x00" in text:
        return "contains NUL characters"
    if not text:
        return None
    bad = sum(
        1
        for ch in text
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
    )
    if bad > _MAX_BAD_SHARE * len(text):
        return f"{bad} of {len(text)} characters are control, private-use or unassigned"
    return None


# --- PDF ------------------------------------------------------------------------------------

_DICT_FLAGS = pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES


def _load_pdf(data: bytes, shown: str, settings: Settings) -> list[Page]:
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf.FileDataError and friends
        raise CorruptFileError(shown, f"cannot open PDF: {exc}") from None
    with doc:
        if doc.needs_pass:
            raise EncryptedPdfError(shown, "PDF is encrypted and needs a password")
        if doc.is_repaired and b"%%EOF" not in data[-1024:]:
            # MuPDF rebuilds a cut-off file silently and hands back pages whose content streams
            # were lost as empty pages; an incomplete download must not pass as a short report.
            raise CorruptFileError(shown, "PDF is truncated (no %%EOF at the end; MuPDF had to rebuild it)")
        try:
            count = doc.page_count
        except Exception as exc:
            raise CorruptFileError(shown, f"cannot read the PDF page tree: {exc}") from None
        if count == 0:
            raise CorruptFileError(shown, "PDF has no readable pages (damaged or truncated file)")
        if count > settings.max_pdf_pages:
            raise TooManyPagesError(shown, f"PDF has {count} pages, more than max_pdf_pages={settings.max_pdf_pages}")
        return [_pdf_page(doc, index, shown, settings) for index in range(count)]


def _pdf_page(doc: pymupdf.Document, index: int, shown: str, settings: Settings) -> Page:
    number = index + 1
    try:
        page = doc.load_page(index)
        text, boxes = read_text_layer(page)
        quality = text_quality(text)
        scan_reason = _scan_reason(page, quality.chars)
    except Exception as exc:
        raise CorruptFileError(shown, f"page {number} cannot be read: {exc}") from None

    if quality.garbled:
        rejected = (
            f"garbled text layer: {quality.score:.2f} of {quality.chars} characters are common "
            f"(threshold {GARBLED_BELOW:.2f})"
        )
    elif scan_reason is not None:
        rejected = scan_reason if quality.chars else None
    else:
        return Page(number=number, text=text, engine="text_layer", size=(page.rect.width, page.rect.height), boxes=boxes)

    image = render_page(page, settings, shown, number)
    result = _ocr(image, settings, shown, f"page {number}")
    return Page(
        number=number,
        text=result.text,
        engine="ocr",
        ocr_confidence=result.confidence,
        text_layer_rejected=rejected,
        size=(page.rect.width, page.rect.height),
        boxes=_ocr_boxes(result, page.rect.width / image.shape[1]),
    )


def _ocr_boxes(result: ocr.OcrResult, scale: float = 1.0) -> tuple[PageBox, ...]:
    """The OCR boxes as PageBoxes, pixel coordinates times ``scale`` (72/dpi gives PDF points)."""
    return tuple(
        PageBox(
            p.start,
            p.end,
            p.box.x0 * scale,
            min(p.box.left[0], p.box.right[0]) * scale,
            p.box.x1 * scale,
            max(p.box.left[1], p.box.right[1]) * scale,
            p.box.score,
        )
        for p in result.placed
    )


def text_layer(page: pymupdf.Page) -> str:
    """A page's text layer in reading order, table rows on one line with TAB-separated cells.

    Why not pymupdf's own text output: plain ``get_text("text")`` and sorted blocks put every
    table cell on a line of its own ('项目名称\n年初预算数\n执行率'); ``get_text("text",
    sort=True)`` (pymupdf 2.0) keeps a row together but pads cells and indents with runs of
    spaces ('项目名称    年初预算数   执行率'), which later stages cannot tell from word spaces.
    Instead each text line pymupdf finds becomes a positioned box and goes through the same
    reading order as OCR (``ocr.layout``): boxes chained left to right on one row, rows top
    to bottom, TAB across a column gap ('项目名称\t年初预算数\t执行率') — so a table row reads the
    same from a text layer as from a scan, and like the seeds. Costs ~2 ms a page.

    Ruled tables (vector rulings, :func:`pipeline.tablegrid.grids_from_pdf_page`, 15–45 ms on a
    page that draws lines): each text line is cut where it crosses into another cell, every piece
    goes to its cell, and a row reads as one line whatever its cells wrap.
    """
    return read_text_layer(page)[0]


def read_text_layer(page: pymupdf.Page) -> tuple[str, tuple[PageBox, ...]]:
    """:func:`text_layer` and where each of its text runs is on the page (PDF points)."""
    grids = tablegrid.grids_from_pdf_page(page)
    runs = []  # (text, bbox, dir, size) in page coordinates
    for block in page.get_text("rawdict" if grids else "dict", flags=_DICT_FLAGS)["blocks"]:
        if block.get("type", 0) != 0:
            continue
        for line in block["lines"]:
            size = max((span["size"] for span in line["spans"]), default=0.0)
            pieces = _cell_pieces(line, grids) if grids else [("".join(span["text"] for span in line["spans"]), line["bbox"])]
            for text, bbox in pieces:
                # A form feed is the page separator of Document.text and must not occur in a page;
                # TAB and newline are the layout's own separators.
                text = re.sub(r"[\f\t\n]", " ", text).strip()
                if text:
                    runs.append((text, bbox, line["dir"], size))
    if not runs:
        return "", ()

    # Rotate coordinates so the dominant writing direction runs left to right (pages whose
    # content is drawn sideways, e.g. landscape tables on a portrait page).
    weights: Counter[tuple[int, int]] = Counter()
    for text, _, (dx, dy), _ in runs:
        weights[(round(dx), round(dy))] += len(text)
    cos, sin = max(weights, key=weights.__getitem__)
    if (cos, sin) not in ((1, 0), (0, 1), (-1, 0), (0, -1)):
        cos, sin = 1, 0

    def rotate(rect: tablegrid.Rect) -> tablegrid.Rect:
        x0, y0, x1, y1 = rect
        xs = [x * cos + y * sin for x, y in ((x0, y0), (x1, y1))]
        ys = [-x * sin + y * cos for x, y in ((x0, y0), (x1, y1))]
        return (min(xs), min(ys), max(xs), max(ys))

    boxes, where = [], {}
    for text, bbox, _, size in runs:
        x0, y0, x1, y1 = rotate(tuple(bbox))
        # Use the font size as the box height (the line bbox includes ascender and descender),
        # so the TAB threshold (one text height) means about one em, as for OCR boxes.
        cy = (y0 + y1) / 2
        half = (size or (y1 - y0)) / 2
        box = ocr.TextBox.from_rect(text, x0, cy - half, x1, cy + half)
        boxes.append(box)
        where[id(box)] = tuple(bbox)
    laid = ocr.layout(boxes, [g.transformed(rotate) for g in grids], join_touching=True)
    return laid.text, tuple(
        PageBox(p.start, p.end, *r)
        for p in laid.placed
        for r in [where[id(p.box)]]
    )


def _cell_pieces(line: dict, grids: list[tablegrid.CellGrid]) -> list[tuple[str, tuple[float, ...]]]:
    """A rawdict text line cut into runs of characters that lie in the same table cell (or in
    none), each with its bounding box: one PDF text line may run across a cell border."""
    _, ly0, _, ly1 = line["bbox"]
    cy = (ly0 + ly1) / 2
    pieces: list[tuple[str, tuple[float, ...]]] = []
    current, chars, x0, x1 = None, [], 0.0, 0.0
    for span in line["spans"]:
        for char in span["chars"]:
            cx0, _, cx1, _ = char["bbox"]
            cell = next(
                ((g, *at) for g, grid in enumerate(grids) if (at := grid.cell_at((cx0 + cx1) / 2, cy)) is not None),
                None,
            )
            if chars and cell != current:
                pieces.append(("".join(chars), (x0, ly0, x1, ly1)))
                chars = []
            if not chars:
                current, x0 = cell, cx0
            chars.append(char["c"])
            x1 = cx1
    if chars:
        pieces.append(("".join(chars), (x0, ly0, x1, ly1)))
    return pieces


def _scan_reason(page: pymupdf.Page, layer_chars: int) -> str | None:
    """Why the page looks like a scan needing OCR, or None when its text layer should be used."""
    if layer_chars >= SCAN_MAX_LAYER_CHARS:
        return None
    area = abs(page.rect)
    coverage = 0.0
    for info in page.get_image_info():
        bbox = pymupdf.Rect(info["bbox"]) & page.rect
        if not bbox.is_empty:
            coverage += abs(bbox) / area if area else 0.0
    coverage = min(coverage, 1.0)
    if layer_chars == 0:
        if coverage > 0:
            return "no text layer; page has images"
        if page.get_cdrawings():
            return "no text layer; page has vector drawings"
        return None
    if coverage >= SCAN_COVERAGE:
        return f"text layer too small: {layer_chars} characters on a page {coverage:.0%} covered by images"
    return None


def render_page(page: pymupdf.Page, settings: Settings, shown: str = "", number: int = 0) -> np.ndarray:
    """RGB pixels of ``page`` at ``settings.ocr_dpi``, lowered so the image stays within
    ``settings.max_image_pixels`` (RapidOCR scales pages to 2000 px on the long side anyway)."""
    dpi = float(settings.ocr_dpi)
    width_in, height_in = page.rect.width / 72, page.rect.height / 72
    if width_in * height_in * dpi * dpi > settings.max_image_pixels:
        dpi = math.sqrt(settings.max_image_pixels / (width_in * height_in))
    try:
        pix = page.get_pixmap(dpi=max(int(dpi), 1), colorspace=pymupdf.csRGB, alpha=False)
    except Exception as exc:
        raise CorruptFileError(shown, f"page {number} cannot be rendered: {exc}") from None
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)


def _ocr(image: np.ndarray, settings: Settings, shown: str, where: str) -> ocr.OcrResult:
    try:
        return ocr.ocr_image(image, settings)
    except OcrUnavailableError as exc:
        raise OcrUnavailableError(shown, f"OCR needed for {where} but unavailable: {exc.reason} ({exc.path})") from None
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(shown, f"OCR failed on {where}: {exc}") from None


# --- images ---------------------------------------------------------------------------------


def _load_image(data: bytes, shown: str, settings: Settings) -> list[Page]:
    limit = settings.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # parses the header only; pixels are not decoded
            frames = getattr(image, "n_frames", 1)
            if frames > settings.max_pdf_pages:
                raise TooManyPagesError(shown, f"image has {frames} frames, more than max_pdf_pages={settings.max_pdf_pages}")
            sizes = []
            for frame in range(frames):
                image.seek(frame)
                sizes.append(image.size)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(shown, f"image too large to decode safely ({exc}); max_image_pixels={limit}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptFileError(shown, f"cannot read image header: {exc}") from None

    for frame, (w, h) in enumerate(sizes, 1):
        if w * h > limit:
            where = f" (frame {frame})" if frames > 1 else ""
            raise ImageTooLargeError(shown, f"image is {w}x{h} = {w * h} pixels{where}, more than max_image_pixels={limit}")

    pages = []
    for frame in range(frames):
        try:
            image.seek(frame)
            rgb = ImageOps.exif_transpose(image).convert("RGB")  # phone photos carry EXIF rotation
            pixels = np.asarray(rgb)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise CorruptFileError(shown, f"image data is damaged (frame {frame + 1}): {exc}") from None
        result = _ocr(pixels, settings, shown, f"frame {frame + 1}" if frames > 1 else "the image")
        pages.append(
            Page(
                number=frame + 1,
                text=result.text,
                engine="ocr",
                ocr_confidence=result.confidence,
                size=(float(pixels.shape[1]), float(pixels.shape[0])),
                boxes=_ocr_boxes(result),
            )
        )
    return pages
