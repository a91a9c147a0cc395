"""Ruled tables keep their cells: cell grids from page images and vector PDFs, and reading order
that prints a table row as one line whatever its cells wrap (pipeline/tablegrid.py, ocr.layout).

The PDFs and scans are made here with the generator's ruled-table renderer; the table is invented
for these tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymupdf
import pytest

from pipeline import ingest, layout as layout_stage, synth, tablegrid
from pipeline.ocr import TextBox, layout
from pipeline.tablegrid import CellGrid

# A narrow table whose third column is too narrow for its longest name, so that name wraps over
# several lines inside its cell.
REPORT = "\n".join(
    [
        "绿化养护项目绩效自评表",
        "金额单位：万元",
        "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因",
        "产出指标\t数量指标\t城区主次干道行道树修剪及病虫害统防统治覆盖街道数量\t≥26条\t27条\t10\t10\t",
        "产出指标\t时效指标\t养护作业按时完成率\t100%\t98.5%\t10\t9\t部分路段因施工延后",
        "效益指标\t\t苗木成活率\t≥95%\t96.2%\t10\t10\t",
        "本表由项目单位填报。",
    ]
)
WRAPPED = "城区主次干道行道树修剪及病虫害统防统治覆盖街道数量"


def _ruled_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "ruled.pdf"
    path.write_bytes(synth.render_pdf(REPORT, ruled=True))
    return path


# --- cell grids from images ---------------------------------------------------------------------


def _grid_image() -> np.ndarray:
    """A white page with a 3-row ruled table (row 2: one cell spanning two columns) and
    glyph-sized strokes inside the cells, which are not rulings."""
    image = np.full((400, 700), 255, np.uint8)
    ys, xs = [50, 110, 170, 230], [40, 240, 440, 640]
    for y in ys:
        image[y : y + 2, xs[0] : xs[-1] + 2] = 0
    for x in xs:
        image[ys[0] : ys[-1] + 2, x : x + 2] = 0
    image[ys[1] + 2 : ys[2], xs[2] : xs[2] + 2] = 255  # row 2: columns 2 and 3 merged
    for x0 in (60, 90, 260, 460):  # "text": 25-px strokes, both ways
        image[70:95, x0 : x0 + 3] = 0
        image[80:83, x0 : x0 + 25] = 0
    return image


def test_grid_from_image_finds_each_rows_cells_and_a_spanning_cell():
    (grid,) = tablegrid.grids_from_image(_grid_image(), text_height=30)
    edges = [[(round(c[0]), round(c[2])) for c in row] for row in grid.rows]
    assert len(edges) == 3
    assert [len(row) for row in edges] == [3, 2, 3]
    assert edges[1][1][0] == edges[0][1][0] and edges[1][1][1] == edges[0][2][1]  # spans two columns
    assert all(abs(a - b) <= 2 for a, b in zip([c[0] for c in edges[0]], [40, 240, 440]))


def test_no_grid_without_rulings():
    image = _grid_image()
    image[:, :] = 255
    image[70:95, 60:63] = 0
    image[200:203, 100:140] = 0  # a dash, shorter than any ruling
    assert tablegrid.grids_from_image(image, text_height=30) == []
    assert tablegrid.grids_from_image(np.full((300, 300, 3), 255, np.uint8), text_height=30) == []


# --- reading order with a grid (synthetic boxes) ------------------------------------------------


def _box(text: str, x: float, y: float, h: float = 20.0) -> TextBox:
    return TextBox.from_rect(text, x, y, x + 20.0 * len(text), y + h)


GRID = CellGrid(
    (
        ((0, 0, 100, 30), (100, 0, 300, 30), (300, 0, 400, 30)),
        ((0, 30, 100, 110), (100, 30, 300, 110), (300, 30, 400, 110)),
        ((0, 110, 100, 140), (100, 110, 300, 140), (300, 110, 400, 140)),
    )
)


def test_layout_joins_a_wrapped_cell_inside_its_cell_and_keeps_empty_cells():
    boxes = [
        _box("标题行", 0, -60),
        _box("名称", 5, 5), _box("说明", 105, 5), _box("金额", 305, 5),
        _box("甲项", 5, 35), _box("第一行文字", 105, 35), _box("12.5", 305, 35),
        _box("第二行", 105, 60),
        _box("end", 105, 85), _box("of cell", 180, 85),
        _box("合计", 105, 115), _box("12.5", 305, 115),
        _box("表后说明", 0, 170),
    ]  # fmt: skip
    laid = layout(boxes, [GRID])
    assert laid.text.split("\n") == [
        "标题行",
        "名称\t说明\t金额",
        "甲项\t第一行文字第二行end of cell\t12.5",
        "\t合计\t12.5",
        "表后说明",
    ]
    assert sorted(p.box.text for p in laid.placed) == sorted(b.text for b in boxes)
    assert all(laid.text[p.start : p.end] == p.box.text for p in laid.placed)
    # Without the grid the wrapped cell's lines are lines of their own.
    assert "第二行" in layout(boxes).text.split("\n")


def test_a_text_box_drawn_as_one_cell_keeps_its_paragraphs():
    """A form whose narrative sits in one big bordered cell: lines that reach the cell's right
    side wrapped and are joined, a line that ends short closes a paragraph or a heading."""
    grid = CellGrid((((0, 0, 400, 30),), ((0, 30, 400, 200),)))
    boxes = [
        _box("一、基本情况", 5, 35),
        _box("本年度共完成道路保洁面积一百二十余万平", 5, 60),  # 380 px wide: reaches the right side
        _box("方米。", 5, 85),
        _box("二、存在问题", 5, 110),
    ]
    assert layout(boxes, [grid]).text.split("\n") == [
        "一、基本情况",
        "本年度共完成道路保洁面积一百二十余万平方米。",
        "二、存在问题",
    ]


def test_latin_words_wrapped_in_a_cell_keep_a_space_numbers_and_chinese_do_not():
    from pipeline.ocr import join_wrapped

    assert join_wrapped("annual", "budget") == " "
    assert join_wrapped("3,848.", "29") == ""
    assert join_wrapped("调整后预算", "数") == ""


def test_a_grid_that_cuts_through_the_text_is_not_used():
    # Boxes run across the column borders: the grid does not describe this text.
    boxes = [_box("跨越两列的很长一段文字", 20, 5), _box("另一段跨列的很长文字", 20, 40), _box("再一段", 150, 115)]
    assert layout(boxes, [GRID]).text == layout(boxes).text


def test_a_table_row_after_a_page_break_is_its_own_line():
    text = "项目\t预算\t执行\n甲\t1.00\t1.00\f乙\t2.00\t1.50\n丙\t3.00\t3.00"
    rows = [line.text for line in layout_stage.analyze(text).lines]
    assert rows == ["项目\t预算\t执行", "甲\t1.00\t1.00", "乙\t2.00\t1.50", "丙\t3.00\t3.00"]


# --- real PDFs and scans ------------------------------------------------------------------------


def test_the_ruled_pdf_really_wraps_the_long_cell(tmp_path: Path):
    with pymupdf.open(_ruled_pdf(tmp_path)) as pdf:
        plain = pdf[0].get_text()
        assert WRAPPED not in plain.replace(" ", "") and WRAPPED[:4] in plain
        assert pdf[0].get_cdrawings()  # the rulings are vector lines


def test_wrapped_cell_stays_in_its_cell_on_a_text_layer_pdf(tmp_path: Path):
    doc = ingest.load(_ruled_pdf(tmp_path))
    (page,) = doc.pages
    assert page.engine == "text_layer"
    assert page.text.split("\n") == REPORT.split("\n")
    # Every text run keeps its place on the page and its offsets into the page text.
    assert page.boxes and page.size == (595.0, 842.0)
    for box in page.boxes:
        assert 0 <= box.x0 < box.x1 <= 595 and 0 <= box.y0 < box.y1 <= 842
        assert page.text[box.start : box.end].strip()
    pieces = [page.text[b.start : b.end] for b in page.boxes]
    assert sum(WRAPPED.startswith(p) or p in WRAPPED for p in pieces) >= 2  # the cell's wrapped lines


def test_borderless_pdf_keeps_line_based_reading(tmp_path: Path):
    path = tmp_path / "plain.pdf"
    path.write_bytes(synth.render_pdf(REPORT))
    with pymupdf.open(path) as pdf:
        assert tablegrid.grids_from_pdf_page(pdf[0]) == []
    assert "\t".join(REPORT.split("\n")[2].split("\t")[:3]) in ingest.load(path).text


@pytest.mark.ocr
def test_wrapped_cell_stays_in_its_cell_on_a_ruled_scan(tmp_path: Path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(synth.render_scan(synth.render_pdf(REPORT, ruled=True), pages=1))
    doc = ingest.load(path)
    (page,) = doc.pages
    assert page.engine == "ocr"
    lines = page.text.split("\n")
    (row,) = [line for line in lines if "城区" in line]
    cells = row.split("\t")
    assert len(cells) == 8, row
    assert cells[2].replace(" ", "") == WRAPPED
    assert cells[0] == "产出指标" and cells[4] == "27条" and cells[5:] == ["10", "10", ""]
    (merged,) = [line for line in lines if "苗木" in line]
    assert merged.split("\t")[:3] == ["效益指标", "", "苗木成活率"]
    # OCR boxes are kept with their place on the page (PDF points) and their offsets.
    assert page.boxes and all(b.score is not None and page.text[b.start : b.end] for b in page.boxes)
    assert all(0 <= b.x0 < b.x1 <= 596 for b in page.boxes)


def test_a_form_too_wide_for_portrait_is_ruled_on_landscape_pages_and_reads_back(tmp_path: Path):
    header = "\t".join(f"第{i}项指标" for i in range(1, 21))
    values = "\t".join(f"{i * 3.5:.2f}" for i in range(1, 21))
    text = f"多栏汇总表\n{header}\n{values}"
    path = tmp_path / "wide.pdf"
    path.write_bytes(synth.render_pdf(text, ruled=True))
    with pymupdf.open(path) as pdf:
        assert [page.rect.width > page.rect.height for page in pdf] == [False, True]
    doc = ingest.load(path)
    assert [p.text.split("\n") for p in doc.pages] == [["多栏汇总表"], [header, values]]


def test_a_page_full_of_vector_paths_is_not_searched_for_tables():
    """A chart or map draws thousands of paths; find_tables would take seconds on it."""
    with pymupdf.open(stream=synth.render_pdf(REPORT, ruled=True), filetype="pdf") as pdf:
        page = pdf[0]
        assert tablegrid.grids_from_pdf_page(page)
        shape = page.new_shape()
        for i in range(tablegrid.MAX_DRAWINGS + 1):
            x, y = 60 + (i % 90) * 5, 500 + (i // 90) * 4
            shape.draw_line((x, y), (x + 1, y))
            shape.finish(width=0.3)
        shape.commit()
        assert tablegrid.grids_from_pdf_page(page) == []
