"""Spaces the OCR recogniser dropped inside one box, restored from the ink (pipeline.wordgaps).

The unit tests render invented lines with pymupdf and give the module each character's true
position (from the font's advances), so they test the measuring, not the recogniser. The tests
marked ``ocr`` read rendered pages with the real RapidOCR, through ``ocr.ocr_image`` and ingest.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pymupdf
import pytest

from pipeline import ingest, ocr, wordgaps
from tests.support.pdfs import CJK_FONT

DPI = 200
SIZE = 10.5
SCALE = DPI / 72


def _render(lines: list[str], sizes: list[float] | None = None) -> tuple[np.ndarray, list[wordgaps.BoxReading]]:
    """A grey page with ``lines`` drawn (each in its size, ``SIZE`` by default), and per line a
    reading with its spaces removed (as a recogniser that drops them gives it) and the true centre
    of each character."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    writer = pymupdf.TextWriter(page.rect)
    readings = []
    y = 60.0
    for line, size in zip(lines, sizes or [SIZE] * len(lines)):
        x = 50.0
        writer.append((x, y), line, font=CJK_FONT, fontsize=size)
        centres = []
        for ch in line:
            width = CJK_FONT.text_length(ch, size)
            if not ch.isspace():
                centres.append(((x + width / 2) * SCALE, (y - size * 0.35) * SCALE))
            x += width
        top, bottom = (y - size * 1.05) * SCALE, (y + size * 0.3) * SCALE
        left, right = 48 * SCALE, (x + 2) * SCALE
        quad = [(left, top), (right, top), (right, bottom), (left, bottom)]
        readings.append(wordgaps.BoxReading(line.replace(" ", ""), quad, centres))
        y += size * 2.3
    writer.write_text(page)
    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY, alpha=False)
    image = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.h, pix.w).copy()
    return image, readings


# Invented lines of a flattened score table: single spaces between cells, none inside them.
SCORE_LINES = [
    "项目名称 河道保洁运维 主管部门 城区水务管理中心",
    "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分",
    "产出指标 数量指标 保洁河道长度 120公里 126公里 15 15",
    "质量指标 水面漂浮物清理率 100% 98.5% 12 11",
    "运行监管(4分) 4 4 监管有效得4分",
    "成本指标 年度运维成本控制 2360.00万元 2298.40万元 8 8",
    "满意度指标 沿岸居民满意度 90% 93.6% 10 10",
]


def test_dropped_spaces_come_back_where_the_line_had_them():
    image, readings = _render(SCORE_LINES)
    assert [r.text for r in readings][3] == "质量指标水面漂浮物清理率100%98.5%1211"  # what the recogniser gave
    assert wordgaps.restore_spaces(image, readings) == SCORE_LINES


def test_words_and_numbers_printed_without_spaces_stay_whole():
    # Narrow glyphs ('日', '目', '1') show wide blanks without a space; dates, amounts and
    # rates run into their words. None of it may be split.
    lines = [
        "2023年11月18日前完成全部河道清淤项目目标",
        "全年执行数1114.61万元执行率111.1%得分11分",
        "其中：本级财政资金811.18万元上级补助资金1111.00万元",
        "日常巡查目标任务按月分解到各责任单位",
    ]
    image, readings = _render(lines)
    assert wordgaps.restore_spaces(image, readings) == lines


def test_a_title_in_larger_type_is_measured_in_its_own_ems():
    # Box heights and pitches differ with the type size; every box is measured in its own ems.
    lines = ["城区河道保洁运维项目绩效自评表", *SCORE_LINES[1:4]]
    image, readings = _render(lines, [18.0] + [SIZE] * 3)
    assert wordgaps.restore_spaces(image, readings) == lines


def test_a_box_without_one_position_per_character_is_left_as_read():
    image, readings = _render(SCORE_LINES[2:4])
    short = wordgaps.BoxReading(readings[0].text, readings[0].quad, readings[0].char_centres[:-1])
    assert wordgaps.restore_spaces(image, [short, readings[1]]) == [readings[0].text, SCORE_LINES[3]]


def test_spaces_the_recogniser_kept_are_kept():
    image, readings = _render(SCORE_LINES[2:3])
    kept = wordgaps.BoxReading("产出指标 数量指标保洁河道长度120公里126公里1515", readings[0].quad, readings[0].char_centres)
    assert wordgaps.restore_spaces(image, [kept]) == [SCORE_LINES[2]]


def test_a_sign_seen_only_after_spaces_is_measured_by_its_other_side():
    # Every '≥' here follows a space, so its left side alone would measure the space too; it is
    # drawn in the middle of its advance, and its right side (before the figures) says where.
    lines = ["安防设施设计使用年限 ≥8年 ≥8年 10 10", "沿线群众满意度 ≥90% 93% 14 14", "工程交工验收合格率 ≥98% 100% 12 12"]
    image, readings = _render(lines)
    assert wordgaps.restore_spaces(image, readings) == lines


def test_a_space_read_after_a_comparison_sign_goes_when_the_ink_has_none():
    lines = [
        "时效指标 报修处置及时率 ≥95% 96.8% 7 7",
        "质量指标 道路机械化清扫率 ≥ 85% 88.4% 7 7",
        "满意度指标 群众满意度≥90%实际93%",  # where a '≥' stands unspaced is measured
    ]
    image, readings = _render(lines)
    # The recogniser read '≥95%' as '≥ 95%'; the second line printed its space.
    invented = wordgaps.BoxReading(
        "时效指标 报修处置及时率 ≥ 95% 96.8% 7 7", readings[0].quad, readings[0].char_centres
    )
    kept = wordgaps.BoxReading(lines[1], readings[1].quad, readings[1].char_centres)
    assert wordgaps.restore_spaces(image, [invented, kept, readings[2]]) == lines


# --- with the real recogniser -----------------------------------------------------------------


def _scan(lines: list[str]) -> np.ndarray:
    image, _ = _render(lines)
    return np.stack([image] * 3, axis=-1)


@pytest.mark.ocr
def test_ocr_keeps_the_single_spaces_of_a_flattened_score_table():
    result = ocr.ocr_image(_scan(SCORE_LINES))
    read = [line.replace("\t", " ") for line in result.text.split("\n")]
    assert read == SCORE_LINES


@pytest.mark.ocr
def test_a_scanned_one_space_score_table_extracts_its_scores(tmp_path):
    # The scores '15 15' and '12 11' are cells of their own; read as '126公里1515' they ran into
    # the actual value.
    lines = [
        "城区河道保洁运维项目绩效自评表",
        "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分",
        "产出指标 数量指标 保洁河道长度 120公里 126公里 15 15",
        "产出指标 质量指标 水面漂浮物清理率 100% 98.5% 12 11",
    ]
    png = tmp_path / "scan.png"
    image, _ = _render(lines)
    pymupdf.Pixmap(pymupdf.csGRAY, image.shape[1], image.shape[0], image.tobytes(), False).save(png)
    document = ingest.load(png)
    assert re.search(r"126公里\s+15\s+15", document.text) and re.search(r"98\.5%\s+12\s+11", document.text)
    from pipeline.extract.rules import extract_rules

    record = json.loads(json.dumps(extract_rules(document).plain(), ensure_ascii=False, default=str))
    values = {i["name"]: (i["target"], i["actual"]) for i in record["indicators"]}
    assert values == {"保洁河道长度": ("120公里", "126公里"), "水面漂浮物清理率": ("100%", "98.5%")}


def test_a_reading_the_word_gaps_cannot_measure_keeps_the_recognisers_text():
    # RapidOCR's result shape with a degenerate box (all four corners on one point) and one whose
    # character positions are missing: the text comes back as read, nothing raised.
    from types import SimpleNamespace

    image, readings = _render(SCORE_LINES[2:3])
    flat = [[10.0, 10.0]] * 4
    result = SimpleNamespace(txts=("产出指标数量指标", "1515"), boxes=(flat, readings[0].quad), word_results=(
        [("产", 0.9, flat)] * 8, [],
    ))
    assert ocr.with_restored_spaces(image, result) == ["产出指标数量指标", "1515"]
    result.word_results = ([],)  # fewer character lists than boxes
    assert ocr.with_restored_spaces(image, result) == ["产出指标数量指标", "1515"]
