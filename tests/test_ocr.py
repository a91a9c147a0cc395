"""OCR: scanned PDFs, garbled text layers, images, and the reading order of OCR boxes.

Tests marked ``ocr`` run the real RapidOCR engine (models from the rapidocr wheel, no network) on
pages rendered here from seed text; the reading-order tests at the end run on synthetic boxes.
Measured on this machine (2 cores): CER 0.3-0.6 % per page, every number exact; the remaining
errors are full-width parentheses read as ASCII ones ('（三）' -> '(三)').
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

from conftest import seed_text
from pipeline import ingest, ocr
from pipeline.ocr import TextBox, layout_text


from tests.support.measures import cer, number_recall  # noqa: E402
from tests.support.pdfs import CJK_FONT, page_png, rasterize_pdf, text_to_pdf  # noqa: E402

# Pages of the seed PDFs that go through OCR: narrative with amounts and dates (001 p1), an
# indicator table with values (002 p4), money and rates in prose (004 p3).
SCAN_PAGES = [("001", 0), ("002", 3), ("004", 2)]


@pytest.fixture(scope="session")
def seed_pdfs():
    return {prefix: text_to_pdf(seed_text(prefix)) for prefix in {p for p, _ in SCAN_PAGES}}


@pytest.fixture(scope="session")
def scanned(seed_pdfs, tmp_path_factory):
    """An image-only PDF of SCAN_PAGES at 200 dpi, loaded once: (Document, reference texts)."""
    scan = pymupdf.open()
    references = []
    for prefix, index in SCAN_PAGES:
        page_pdf = rasterize_pdf(seed_pdfs[prefix].data, dpi=200, pages=[index])
        with pymupdf.open(stream=page_pdf, filetype="pdf") as one:
            scan.insert_pdf(one)
        references.append(seed_pdfs[prefix].page_texts[index])
    path = tmp_path_factory.mktemp("scan") / "scanned.pdf"
    scan.save(path)
    return ingest.load(path), references


@pytest.fixture(scope="session")
def excerpt(seed_pdfs):
    """The first 14 lines of 002 page 4 (prose with numbers, then table rows) as a short PDF."""
    text = "\n".join(seed_pdfs["002"].page_texts[3].split("\n")[:14])
    return text, text_to_pdf(text)


# --- scanned PDFs ---------------------------------------------------------------------------


@pytest.mark.ocr
def test_scanned_pages_are_ocred(scanned):
    doc, references = scanned
    assert doc.media_type == "pdf"
    assert len(doc.pages) == len(references)
    for page in doc.pages:
        assert page.engine == "ocr"
        assert page.text_layer_rejected is None  # there was no text layer to reject
        assert page.ocr_confidence is not None and page.ocr_confidence > 0.9


@pytest.mark.ocr
def test_scanned_character_error_rate(scanned):
    doc, references = scanned
    rates = [cer(ref, page.text) for ref, page in zip(references, doc.pages)]
    print("CER per page:", [f"{r:.4f}" for r in rates])
    assert max(rates) < 0.05, rates


@pytest.mark.ocr
def test_scanned_numbers_are_exact(scanned):
    doc, references = scanned
    found = total = 0.0
    for ref, page in zip(references, doc.pages):
        recall, count = number_recall(ref, page.text)
        found += recall * count
        total += count
    print(f"number recall {found / total:.4f} of {int(total)} numbers")
    assert total >= 50 and found / total >= 0.98


@pytest.mark.ocr
def test_garbled_text_layer_is_rejected_and_ocred(excerpt, tmp_path: Path):
    """Real text drawn as an image, plus an invisible (render_mode=3) layer of UTF-8-as-Latin-1
    mojibake at the same lines: what a broken converter or a bad OCR layer leaves behind."""
    text, built = excerpt
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_image(page.rect, stream=page_png(built.data, 0, dpi=200))
    y = 60.0
    for line in text.split("\n"):
        mojibake = line.replace("\t", "  ").encode("utf-8").decode("latin-1")
        page.insert_text((50, y), mojibake, fontname="helv", fontsize=10, render_mode=3)
        y += 16.8
    path = tmp_path / "garbled.pdf"
    doc.save(path)
    assert ingest.text_quality(ingest.text_layer(pymupdf.open(path)[0])).garbled

    (result,) = ingest.load(path).pages
    assert result.engine == "ocr"
    assert result.text_layer_rejected.startswith("garbled text layer: 0.")
    assert "threshold 0.80" in result.text_layer_rejected
    assert result.ocr_confidence > 0.9
    assert cer(text, result.text) < 0.05


@pytest.mark.ocr
def test_scan_with_a_watermark_text_layer_is_ocred(excerpt, tmp_path: Path):
    """A scanner app's page: the scan as a full-page image plus a few real layer characters."""
    text, built = excerpt
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_image(page.rect, stream=page_png(built.data, 0, dpi=200))
    page.insert_text((400, 830), "Scanned by App", fontname="helv", fontsize=8)
    path = tmp_path / "watermarked.pdf"
    doc.save(path)
    (result,) = ingest.load(path).pages
    assert result.engine == "ocr"
    assert result.text_layer_rejected.startswith("text layer too small: 12 characters")
    assert cer(text, result.text) < 0.05


# --- image files ----------------------------------------------------------------------------


@pytest.mark.ocr
def test_png_page_is_ocred(excerpt, tmp_path: Path):
    text, built = excerpt
    path = tmp_path / "page.png"
    path.write_bytes(page_png(built.data, 0, dpi=200))
    doc = ingest.load(path)
    assert (doc.media_type, doc.encoding, doc.doc_id) == ("image", None, "page")
    (page,) = doc.pages
    assert page.engine == "ocr" and page.ocr_confidence > 0.9
    assert cer(text, page.text) < 0.05
    recall, count = number_recall(text, page.text)
    assert count >= 5 and recall == 1.0


# --- tables and reading order ---------------------------------------------------------------

TABLE = [
    ["项目名称", "年初预算数", "全年预算数", "全年执行数", "执行率"],
    ["安全生产专项经费", "30.00", "30.00", "29.87", "99.57%"],
    ["办公用房租赁费", "11.40", "11.40", "11.40", "100%"],
    ["应急救援队伍建设", "120.50", "98.00", "97.12", "99.10%"],
    ["合计", "331.96", "310.87", "300.12", "96.54%"],
]
COLUMNS = [40, 190, 290, 390, 490]  # left edges of the cells, in points


def _table_png(rows, *, angle: float = 0.0) -> bytes:
    """A ruled table rendered at 200 dpi; ``angle`` rotates the scan (degrees)."""
    doc = pymupdf.open()
    height = 40 + 28 * len(rows)
    page = doc.new_page(width=580, height=height)
    writer = pymupdf.TextWriter(page.rect)
    for r, cells in enumerate(rows):
        top = 20 + 28 * r
        for x, cell in zip(COLUMNS, cells):
            writer.append((x + 6, top + 18), cell, font=CJK_FONT, fontsize=11)
    writer.write_text(page)
    bottom = 20 + 28 * len(rows)
    for r in range(len(rows) + 1):
        page.draw_line((COLUMNS[0], 20 + 28 * r), (560, 20 + 28 * r), width=0.6)
    for x in [*COLUMNS, 560]:
        page.draw_line((x, 20), (x, bottom), width=0.6)
    png = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY).tobytes("png")
    if not angle:
        return png
    image = Image.open(io.BytesIO(png)).rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.ocr
@pytest.mark.parametrize("angle", [0.0, 1.5], ids=["straight", "skewed-1.5deg"])
def test_table_rows_come_back_as_tab_separated_lines(tmp_path: Path, angle: float):
    path = tmp_path / "table.png"
    path.write_bytes(_table_png(TABLE, angle=angle))
    lines = ingest.load(path).text.split("\n")
    assert lines == ["\t".join(row) for row in TABLE]


@pytest.mark.ocr
def test_an_upside_down_scan_is_read_through_the_direction_classifier(tmp_path: Path):
    """Lines are read upright first (the classifier flips some upright lines of printed pages);
    a page scanned upside down reads poorly that way and is read again with the classifier."""
    path = tmp_path / "upside_down.png"
    path.write_bytes(_table_png(TABLE, angle=180.0))
    text = ingest.load(path).text
    for row in TABLE:
        for cell in row:
            assert cell in text, cell


@pytest.mark.ocr
def test_upright_lines_are_read_without_the_direction_classifier():
    """The classifier is skipped on a page that reads well upright (one engine call, no flips)."""
    image = np.array(Image.open(io.BytesIO(_table_png(TABLE))).convert("RGB"))
    engine = ocr.get_engine()
    calls: list[bool] = []

    class Recording:
        def __call__(self, img, use_cls=None, **options):
            calls.append(use_cls)
            return engine(img, use_cls=use_cls, **options)

    result = ocr._recognise(Recording(), np.ascontiguousarray(image[:, :, ::-1]))
    assert calls == [False]
    assert ocr._mean_score(result) >= ocr.UPRIGHT_MIN_SCORE and "96.54%" in result.txts


@pytest.mark.ocr
def test_multi_page_tiff_gives_one_page_per_frame(tmp_path: Path):
    frames = [Image.open(io.BytesIO(_table_png(TABLE[i : i + 2]))) for i in (0, 3)]
    path = tmp_path / "scan.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    doc = ingest.load(path)
    assert [p.number for p in doc.pages] == [1, 2]
    assert [p.text.split("\n") for p in doc.pages] == [
        ["\t".join(TABLE[0]), "\t".join(TABLE[1])],
        ["\t".join(TABLE[3]), "\t".join(TABLE[4])],
    ]


# --- the engine -----------------------------------------------------------------------------


@pytest.mark.ocr
def test_engine_is_one_instance_using_the_wheels_models():
    engine = ocr.get_engine()
    assert ocr.get_engine() is engine
    paths = ocr.model_paths()
    for section in ("Det", "Cls", "Rec"):
        assert str(engine.cfg[section].model_path) == str(paths[section])
        assert paths[section].parent == ocr.model_dir()
    # Nothing was downloaded next to the shipped models.
    shipped = {p.name for p in ocr.model_dir().iterdir() if not p.name.startswith(".")}
    assert shipped == set(ocr.MODEL_FILES.values())


# --- reading order on synthetic boxes (no OCR) ----------------------------------------------


def _row_boxes(y: float, cells: list[tuple[float, str]], *, slope: float = 0.0, h: float = 30.0) -> list[TextBox]:
    boxes = []
    for x, text in cells:
        w = 30.0 * len(text)
        quad = [(x, y + slope * x), (x + w, y + slope * (x + w)), (x + w, y + h + slope * (x + w)), (x, y + h + slope * x)]
        boxes.append(TextBox.from_quad(text, quad, 0.99))
    return boxes


def test_layout_separates_every_box_tab_for_columns_space_for_near():
    boxes = _row_boxes(100, [(100, "331.96"), (100 + 180 + 8, "310.87"), (900, "96.54%")])
    assert layout_text(boxes) == "331.96 310.87\t96.54%"


def test_layout_orders_lines_top_to_bottom_whatever_the_input_order():
    boxes = _row_boxes(300, [(100, "第三行")]) + _row_boxes(100, [(600, "右"), (100, "第一行")]) + _row_boxes(200, [(100, "第二行")])
    assert layout_text(boxes) == "第一行\t右\n第二行\n第三行"


def test_layout_keeps_skewed_table_rows_together():
    """26 rows of 4 cells at 1.5° skew: the right-hand cells sit lower than the next row's
    left cells, so grouping by y alone splits rows; chaining from left to right does not."""
    slope = math.tan(math.radians(1.5))
    rows = [[f"项目{r:02d}", f"{r}1.5", f"{r}2.25", f"9{r}%"] for r in range(26)]
    boxes = []
    for r, cells in enumerate(rows):
        boxes += _row_boxes(100 + 44 * r, list(zip([100, 700, 1300, 1900], cells)), slope=slope)
    assert layout_text(boxes).split("\n") == ["\t".join(cells) for cells in rows]


def test_layout_short_line_on_the_right_of_a_skewed_page_keeps_its_place():
    slope = math.tan(math.radians(1.5))
    boxes = _row_boxes(100, [(100, "第一行很长的一段文字第一行很长的一段文字第一行很长")], slope=slope)
    # The 2nd line starts far right: at the skew its box is lower than the 3rd line's start and
    # would overlap that line's box if the slope were ignored.
    boxes += _row_boxes(150, [(2400, "右侧短行")], slope=slope)
    boxes += _row_boxes(200, [(100, "第三行")], slope=slope)
    assert [line.split()[0][:3] for line in layout_text(boxes).split("\n")] == ["第一行", "右侧短", "第三行"]


def test_text_layer_join_touching_fragments():
    a = TextBox.from_rect("预算", 0, 0, 20, 10)
    b = TextBox.from_rect("执行", 20.5, 0, 40, 10)
    assert layout_text([a, b], join_touching=True) == "预算执行"
    assert layout_text([a, b]) == "预算 执行"  # OCR boxes are never glued
