"""Grids whose PDF columns came out side by side (pipeline.sidebyside): wrapped cells of one row
go on, beside each other, on the next line. Every department, name and number here is invented."""

from __future__ import annotations

from helpers import text_document
from pipeline import sidebyside as sbs
from pipeline.extract.rules import extract_rules
from pipeline.layout import analyze_normalized
from pipeline.normalize import normalize, view
from pipeline.tables import TableCell


def cells(*texts: str) -> list[TableCell]:
    out, pos = [], 0
    for t in texts:
        out.append(TableCell(t, pos, pos + len(t), -1))
        pos += len(t) + 1
    return out


def layout(text: str):
    nt, _ = view(text)
    return analyze_normalized(nt)


def rows(text: str) -> list[tuple]:
    return [tuple(c.text if c is not None else None for c in (r.level1, r.level2, r.name, r.target, r.actual))
            for r in sbs.indicator_rows(layout(text))]


# --- the normaliser keeps a row and its continuation line apart ---------------------------------


def test_normaliser_does_not_join_a_spaced_row_with_its_continuation_line():
    text = "河道清淤疏 80 公 92 公 9 9 按完成比例计分，\n浚长度 里 里 超额不加分\n"
    nt = normalize(text)
    assert "9 9 按完成比例计分,\n浚长度 里 里" in nt.text


def test_normaliser_still_joins_wrapped_prose():
    text = "本年度我局围绕城乡供水保障工作，完成管网改造任务并组织开展水质\n监测，全年运行平稳。\n"
    assert "开展水质监测" in normalize(text).text


# --- continuation lines merge into the open cells of the row above ------------------------------


def test_fragments_complete_split_units_and_names_in_order():
    row = cells("河道清淤疏", "80公", "92公", "9", "9", "按完成比例计分，")
    merged = sbs.continue_cells(row, cells("浚长度", "里", "里", "超额不加分"))
    assert [c.text for c in merged] == ["河道清淤疏浚长度", "80公里", "92公里", "9", "9", "按完成比例计分，超额不加分"]


def test_a_unit_fragment_goes_to_the_split_units_not_to_the_name():
    row = cells("每吨处理成本", "≤150元", "≤3万", "2.6万", "6", "6")
    merged = sbs.continue_cells(row, cells("元", "元"))
    assert [c.text for c in merged][:4] == ["每吨处理成本", "≤150元", "≤3万元", "2.6万元"]


def test_closing_brackets_go_to_open_header_cells():
    row = cells("资金来源", "国拨(万", "市级(万", "合计(万", "支出数", "支出率")
    merged = sbs.continue_cells(row, cells("元)", "元)", "元)", "(万元)"))
    assert [c.text for c in merged] == ["资金来源", "国拨(万元)", "市级(万元)", "合计(万元)", "支出数(万元)", "支出率"]


def test_a_scores_line_is_no_continuation():
    assert sbs.continue_cells(cells("管网巡检里程", "300公里", "310公里"), cells("8", "8", "9")) is None


def test_a_line_of_whole_values_is_the_next_row_not_a_continuation():
    # The row below printed without its level cells: its name and values are its own.
    row = cells("产出指标", "数量指标", "新建护岸长度", "≥3.5公里", "3.8km")
    assert sbs.continue_cells(row, cells("加固堤防长度", "≥1.2公里", "1.2km")) is None
    # A target that wraps before its figure still takes it ('同比下降' | '15%').
    merged = sbs.continue_cells(cells("交通事", "同比下降", "同比下降", "18", "17"), cells("故起数", "15%", "12%"))
    assert [c.text for c in merged][:3] == ["交通事故起数", "同比下降15%", "同比下降12%"]


def test_label_cells_stay_whole_when_the_values_beside_them_wrap():
    merged = sbs.merge_continuations([cells("主管部门", "临川县水", "实施单位", "临川县供水服"), cells("务局", "务站")])
    assert [c.text for c in merged[0]] == ["主管部门", "临川县水务局", "实施单位", "临川县供水服务站"]


# --- funding rows with empty source columns -----------------------------------------------------


def test_money_figures_are_assigned_by_their_relations_not_positions():
    headers = ["资金来源", "国拨(万元)", "省级(万元)", "市级(万元)", "其他(万元)", "合计(万元)", "支出数(万元)", "支出率"]
    found = sbs.assign_money(headers, cells("52", "18.4", "70.4", "66.92", "95.06%"))
    assert (found.total.text, found.actual.text, found.rate.text) == ("70.4", "66.92", "95.06%")


def test_money_figures_without_a_consistent_rate_are_left_alone():
    headers = ["资金来源", "国拨(万元)", "市级(万元)", "合计(万元)", "支出数(万元)", "支出率"]
    assert sbs.assign_money(headers, cells("52", "18.4", "70.4", "66.92", "80.00%")) is None


MONEY_FORM = """某区城乡供水保障项目绩效自评表
项目名称 城乡供水管网改造
项目资金 国拨(万 省级(万 市级(万 其他(万 合计(万 支出数 支出率
元) 元) 元) 元) 元) (万元)
52 18.4 70.4 66.92 95.06 %
"""


def test_a_funding_row_under_a_wrapped_header_gives_total_actual_and_rate():
    found = sbs.money_figures(layout(MONEY_FORM))
    assert [(m.total.text, m.actual.text, m.rate.text, m.unit) for m in found] == [("70.4", "66.92", "95.06%", "万元")]


# --- indicator grids ----------------------------------------------------------------------------

GRID = """一级指标 二级指标名称(三级指标) 年初指标值 年终完成值 自评分 复核分 评价标准
项目决策 立项依据(3分) 3 3 依据充分得3分
(3分)
项目管理 资金管理(4分) 4 4 管理规范得4分
— 1 —
项目绩效 产出指标 数量指标(20分)
(90分) (50分) 河道清淤疏 80 公 92 公 20 20 按完成比例计分，
浚长度 里 里 超额不加分
质量指标(10分)
清淤验收合格率 100% 100% 10 10
成本指标(10分)
每公里清淤成本 ≤3 万 2.6 万 10 10
元 元
效益指标 生态效益指标(20分)
(25分) 河道水质达标断 同比提高 同比提高 19 18 未达预期
面比例 5% 4% 扣分
满意度指 服务对象满意度指标(15分)
标(15分) 沿河居民满意度 ≥92% 94% 14 14 问卷调查
自评总分:93
"""


def test_side_by_side_grid_under_level_headings():
    assert rows(GRID) == [
        ("产出指标", "数量指标", "河道清淤疏浚长度", "80公里", "92公里"),
        ("产出指标", "质量指标", "清淤验收合格率", "100%", "100%"),
        ("产出指标", "成本指标", "每公里清淤成本", "≤3万元", "2.6万元"),
        ("效益指标", "生态效益指标", "河道水质达标断面比例", "同比提高5%", "同比提高4%"),
        ("满意度指标", "服务对象满意度指标", "沿河居民满意度", "≥92%", "94%"),
    ]


SPLIT_COLUMNS = """绩效 一级 二级 三级 指标 指标值 度量 实际 权重 得分
指标 指标 指标 指标 性质 单位 完成值
产出指标 数量指标 新建雨水管 ≥ 12 公里 12.5 20 20
网长度
质量指标 管网验收合格率 = 100 % 100 20 20
满意度指标 服务对象满意度 沿线商户满意 ≥ 90 % 93 10 10
指标 度
总分 100 100
"""


def test_side_by_side_grid_with_sign_and_unit_columns_and_levels_in_the_rows():
    assert rows(SPLIT_COLUMNS) == [
        ("产出指标", "数量指标", "新建雨水管网长度", "≥12公里", "12.5公里"),
        ("产出指标", "质量指标", "管网验收合格率", "=100%", "100%"),
        ("满意度指标", "服务对象满意度指标", "沿线商户满意度", "≥90%", "93%"),
    ]


def test_rules_read_the_whole_side_by_side_form():
    record = extract_rules(text_document(MONEY_FORM + GRID))
    assert (record.budget.adjusted, record.budget.actual, record.budget.execution_rate) == (70.4, 66.92, 95.06)
    assert record.budget.initial is None
    names = [i.name for i in record.indicators]
    assert names == ["河道清淤疏浚长度", "清淤验收合格率", "每公里清淤成本", "河道水质达标断面比例", "沿河居民满意度"]
    assert record.projects == []


def test_a_lone_fragment_under_a_label_value_line_goes_to_the_unfinished_value():
    merged = sbs.merge_continuations([cells("主管部门", "临川县水务局", "实施单位", "临川县河道管"), cells("理所")])
    assert [c.text for c in merged[0]] == ["主管部门", "临川县水务局", "实施单位", "临川县河道管理所"]


def test_a_value_wrapped_over_two_lines_keeps_taking_its_fragments():
    merged = sbs.merge_continuations([cells("主管部门", "临川县文", "实施单位", "临川县文化"), cells("旅局", "市场综合执"), cells("法队")])
    assert [c.text for c in merged[0]] == ["主管部门", "临川县文旅局", "实施单位", "临川县文化市场综合执法队"]


FORM_HEAD = """项目支出绩效自评表
(2023年度)
项目名称 城区雨污分
流改造
主管部门 临川县住 实施单位 临川县排水
建局 管理中心
项目资金 年初预算数 全年预算数 全年执行数 分值 执行率 得分
年度资金总额 300 320 304 10 95% 9.5
"""


def test_form_fields_pair_within_their_printed_lines():
    record = extract_rules(text_document(FORM_HEAD))
    assert record.department == "临川县住建局"
    assert record.subject == "城区雨污分流改造"
    assert (record.budget.initial, record.budget.adjusted, record.budget.actual, record.budget.execution_rate) == (300, 320, 304, 95)


def test_header_pieces_merge_only_where_they_make_header_words():
    merged = sbs.merge_continuations([cells("项目资金", "年初", "调整后", "全年执", "权重", "得分"), cells("(万元)", "预算数", "预算数", "行数")])
    assert [c.text for c in merged[0]] == ["项目资金(万元)", "年初预算数", "调整后预算数", "全年执行数", "权重", "得分"]
    # '偏差原因分' + '析及改进措' names nothing yet (a third line ends it): left to the table reader.
    three = [cells("绩效", "一级", "二级", "三级", "年度指", "实际", "分值", "得分", "偏差原因分"),
             cells("指标", "指标", "指标", "指标", "标值", "完成值", "析及改进措")]
    assert len(sbs.merge_continuations(three)) == 2
