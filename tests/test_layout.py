"""pipeline.layout on its own: lines and cells with their offsets, tables, headings and sections,
the title and the report type, on short reports invented here (departments and figures made up)."""

from __future__ import annotations

import pytest

from pipeline.layout import MARKUP, analyze, names_one_project, squash_cell

REPORT = """青禾县文化旅游局2023年度部门整体支出绩效自评报告
一、部门基本情况
本局负责全县文化事业和旅游产业的发展规划。
（一）部门职能
负责公共文化服务体系建设。
（二）预算情况
项目\t年初预算数\t全年预算数\t全年执行数
基本支出\t120.50\t130.00\t128.40
项目支出\t300.00\t310.25\t305.10
合计\t420.50\t440.25\t433.50
- 3 -
二、存在的问题
部分项目支出进度偏慢。
"""


def test_lines_and_cells_carry_offsets_into_the_text():
    layout = analyze(REPORT)
    assert [line.text for line in layout.lines[:3]] == REPORT.split("\n")[:3]
    for line in layout.lines:
        assert REPORT[line.start : line.end] == line.text
        for cell in line.cells:
            assert REPORT[cell.start : cell.end] == cell.text
    row = layout.line_at(REPORT.index("310.25"))
    assert [c.text for c in row.cells] == ["项目支出", "300.00", "310.25", "305.10"]
    assert [c.column for c in row.cells] == [0, 1, 2, 3] and row.is_table_row
    assert not layout.line_at(REPORT.index("- 3 -")).is_table_row  # a page number is no row


def test_a_run_of_tab_rows_is_one_table():
    (table,) = analyze(REPORT).tables
    assert [line.cells[0].text for line in table.lines] == ["项目", "基本支出", "项目支出", "合计"]
    assert REPORT[table.start : table.end].startswith("项目\t年初预算数") and REPORT[table.start : table.end].endswith("433.50")


def test_headings_have_levels_and_sections_end_at_the_next_heading_of_their_level():
    layout = analyze(REPORT)
    assert [(h.number, h.title, h.level) for h in layout.headings] == [
        ("一、", "部门基本情况", 1), ("（一）", "部门职能", 2), ("（二）", "预算情况", 2), ("二、", "存在的问题", 1),
    ]
    first, duty, _, problems = layout.headings
    start, end = layout.section_body(duty)
    assert REPORT[start:end].strip() == "负责公共文化服务体系建设。"
    start, end = layout.section_body(first)  # level 1: runs over its level-2 sections and the table
    assert "（二）预算情况" in REPORT[start:end] and "二、存在的问题" not in REPORT[start:end]
    start, end = layout.section_body(problems)
    assert REPORT[start:end].strip() == "部分项目支出进度偏慢。" and end == len(REPORT)


def test_a_row_whose_tabs_became_spaces_gets_its_cells_back():
    text = "项目\t年初预算数\t全年预算数\t全年执行数\n基本支出\t120.50\t130.00\t128.40\n项目支出    300.00    310.25    305.10\n合计\t420.50\t440.25\t433.50\n"
    layout = analyze(text)
    row = layout.line_at(text.index("310.25"))
    assert row.spaced and [(c.text, c.column) for c in row.cells] == [("项目支出", 0), ("300.00", 1), ("310.25", 2), ("305.10", 3)]
    assert all(text[c.start : c.end] == c.text for c in row.cells)
    assert len(layout.tables) == 1 and len(layout.tables[0].lines) == 4


def test_header_words_wrapped_onto_the_next_line_join_their_header():
    text = "项目\t年初预算\t全年预算\t全年执\t执行率\n\t数\t数\t行数\t\n基本支出\t120.50\t130.00\t128.40\t98.77%\n"
    header, wrapped, row = analyze(text).lines[:3]
    assert [c.text for c in header.cells] == ["项目", "年初预算数", "全年预算数", "全年执行数", "执行率"]
    assert [text[s:e] for s, e in header.cells[3].more] == ["行数"]  # the piece is kept where it is printed
    assert wrapped.continues == header.index
    assert [c.text for c in row.cells][1:4] == ["120.50", "130.00", "128.40"]


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("青禾县文化旅游局2023年度部门整体支出绩效自评报告", "overall_report"),
        ("石门市教育局2022年度部门整体支出绩效自评表", "overall_table"),
        ("南坪区2021年度项目支出绩效自评表", "project_table"),
        ("柳河县农业农村局2022年度乡村振兴补助资金绩效自评报告", "project_report"),
    ],
)
def test_the_report_type_follows_the_title(title, kind):
    layout = analyze(title + "\n一、基本情况\n本单位基本情况良好。\n")
    assert layout.title == title and layout.report_type == kind


def test_an_untitled_report_is_typed_by_its_body_or_not_at_all():
    assert analyze("一、基本情况\n2022年省级转移支付资金共下达80万元，用于乡村道路养护。\n").report_type == "project_report"
    assert analyze("一、基本情况\n本年度部门整体支出执行情况良好。\n").report_type == "overall_report"
    assert analyze("一、基本情况\n本单位情况良好。\n").report_type is None
    assert analyze("一、基本情况\n本单位情况良好。\n").title == ""


def test_a_title_wrapped_before_its_year_is_joined():
    layout = analyze("云溪县水务局\n2022年度部门整体支出绩效自评报告\n一、基本情况\n")
    assert layout.title == "云溪县水务局 2022年度部门整体支出绩效自评报告"


def test_helpers_for_cells_titles_and_markup():
    assert squash_cell("  项目 支出 \t") == "项目支出"
    assert squash_cell("执行数 128.40") == "执行数 128.40"  # only spaces between CJK characters go
    assert names_one_project("2022年度河道保洁经费绩效自评报告")
    assert not names_one_project("2022年度部门整体支出绩效自评报告")
    assert not names_one_project("2022年度项目支出绩效自评汇总表")
    assert MARKUP.sub("", "<h3>（一）产出指标</h3>&nbsp;") == "（一）产出指标"


# A table set in aligned columns (a fixed-width export): two or more spaces between cells, an
# empty cell as spaces, figures set to the right inside their column.
ALIGNED = (
    "四、绩效指标完成情况\n"
    "一级指标    二级指标    三级指标          年度指标值    实际完成值    得分\n"
    "产出指标    数量指标    巡河里程          ≥320公里        347公里      20\n"
    "                        河道保洁面积      ≥18万平方米   18.6万平方米     20\n"
    "            质量指标    水质达标率        ≥95%             96.1%      19.5\n"
    "五、存在的问题\n"
)


def cells_of(layout, index: int) -> list[tuple[int, str]]:
    return [(c.column, c.text) for c in layout.lines[index].cells if c.text]


def test_a_table_in_aligned_columns_keeps_each_cell_in_its_column():
    layout = analyze(ALIGNED)
    assert cells_of(layout, 1) == [(0, "一级指标"), (1, "二级指标"), (2, "三级指标"), (3, "年度指标值"), (4, "实际完成值"), (5, "得分")]
    # The rows under merged level cells keep their empty level columns.
    assert cells_of(layout, 3) == [(2, "河道保洁面积"), (3, "≥18万平方米"), (4, "18.6万平方米"), (5, "20")]
    assert cells_of(layout, 4) == [(1, "质量指标"), (2, "水质达标率"), (3, "≥95%"), (4, "96.1%"), (5, "19.5")]
    assert layout.lines[0].cells == [] and layout.lines[5].cells == []  # headings stay prose


def test_prose_with_double_spaces_is_no_aligned_table():
    text = (
        "本年度  我局认真开展各项工作，  全面完成年度任务。\n"
        "全年共开展巡查  120次，发现问题  35个，  整改到位。\n"
        "下一步将继续  加强管理，提高资金  使用效益。\n"
    )
    assert all(not line.cells for line in analyze(text).lines)


def test_a_line_of_spaces_inside_an_aligned_table_does_not_end_it():
    text = (
        "项目名称        预算数    执行数    执行率\n"
        "                                        \n"
        "河道保洁        48.00     46.20     96.25%\n"
        "水质监测        25.50     25.50     100.00%\n"
    )
    layout = analyze(text)
    assert cells_of(layout, 3) == [(0, "水质监测"), (1, "25.50"), (2, "25.50"), (3, "100.00%")]
