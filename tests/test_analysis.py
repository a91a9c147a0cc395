"""The one document analysis: built once, shared by the stages, units by region."""

from __future__ import annotations

from helpers import text_document
from pipeline.analysis import analyze
from pipeline.checks import CheckContext
from pipeline.extract.rules import build_context, extract_rules

DETAIL_IN_YUAN = """某县林业局2022年度项目支出绩效自评报告
单位：万元
项目名称\t全年预算数\t全年执行数\t执行率
护林员补助经费\t120.00\t118.50\t98.75%
一、项目资金使用情况
本项目全年预算120万元，实际支出118.5万元。
附表：支出明细
单位：元
支出内容\t预算\t支出
护林员工资\t1000000.00\t990000.00
巡护设备\t200000.00\t195000.00

二、存在的问题
部分设备到货偏晚。
"""


def test_stages_share_one_analysis():
    document = text_document(DETAIL_IN_YUAN)
    view = analyze(document)
    assert analyze(document) is view
    assert build_context(document).layout is view.layout
    record = extract_rules(document)
    context = CheckContext(record, document)
    assert context.layout is view.layout and context.nt is view.nt


def test_a_unit_declared_over_one_table_applies_to_that_table_only():
    view = analyze(text_document(DETAIL_IN_YUAN))
    assert view.default_unit == "万元"
    assert view.unit_at(view.text.index("118.50")) == "万元"
    assert view.unit_at(view.text.index("990000.00")) == "元"
    assert view.unit_at(view.text.index("部分设备")) == "万元"


def test_money_unit_ties_go_to_the_usual_unit():
    view = analyze(text_document("预算100万元，支出90万元；另有补助5000元，奖励300元。"))
    assert view.money_unit == "万元"
    assert analyze(text_document("补助5000元，奖励300元，预算100万元。")).money_unit == "元"


def test_sections_form_a_tree_and_paragraphs_skip_headings_and_tables():
    text = (
        "一、部门概况\n本局负责全县园林绿化。\n二、绩效指标完成情况\n（一）产出指标\n"
        "绿地养护面积：年度指标值≥120公顷，实际完成126公顷。\n（二）效益指标\n群众满意度：目标≥90%，实际95%。\n"
        "三、存在的问题\n养护经费偏紧。\n"
    )
    view = analyze(text_document(text))
    titles = [(s.heading.title, None if s.parent is None else view.sections[s.parent].heading.title) for s in view.sections]
    assert titles == [
        ("部门概况", None), ("绩效指标完成情况", None), ("产出指标", "绩效指标完成情况"),
        ("效益指标", "绩效指标完成情况"), ("存在的问题", None),
    ]
    path = [s.heading.title for s in view.section_path(view.text.index("群众满意度"))]
    assert path == ["绩效指标完成情况", "效益指标"]
    paragraphs = [view.text[a:b] for a, b in view.paragraphs]
    assert paragraphs[0] == "本局负责全县园林绿化。" and "产出指标" not in "".join(paragraphs)
    assert len(view.paragraphs) == 4


SCORE_TABLE = """某县文化馆2020年度部门整体支出绩效自评表
一级指标\t二级指标\t三级指标\t分值\t得分\t备注
投入\t预算编制\t预算编制规范性\t5\t4\t扣1分
\t预算执行\t预算执行率\t5\t5\t
产出\t数量指标\t免费开放场次\t40\t38\t
效益\t社会效益\t群众满意度\t50\t48\t
合计\t\t\t100\t95\t
"""


def test_cell_at_finds_the_typed_cell_and_its_role():
    view = analyze(text_document(SCORE_TABLE))
    offset = view.text.index("\t38") + 1
    table, cell = view.cell_at(offset)
    assert cell.text == "38" and table.role(cell.column) == "score"
    assert view.cell_at(0) is None  # the title is no cell


def test_points_and_scores_are_no_money():
    record = extract_rules(text_document(SCORE_TABLE))
    assert record.budget.adjusted is None and record.budget.execution_rate is None
    assert record.evaluation.score == 95.0


def test_a_page_of_several_forms_has_no_document_score():
    form = (
        "项目支出绩效自评表\n项目名称\t{name}\t主管部门\t某县农业农村局\n"
        "项目资金\t全年预算数\t全年执行数\t执行率\n年度资金总额\t{b}\t{a}\t{r}%\n"
        "总分\t100\t{score}\n"
    )
    text = form.format(name="耕地保护补助经费", b="40.00", a="38.00", r="95.00", score="96") + form.format(
        name="农机购置补贴经费", b="60.00", a="54.00", r="90.00", score="91"
    )
    record = extract_rules(text_document(text))
    assert record.evaluation.score is None and record.evaluation.grade is None
    assert record.subject is None
    assert sorted(p.name for p in record.projects) == ["农机购置补贴经费", "耕地保护补助经费"]


def test_forms_titled_with_their_year_after_the_title_are_forms_of_one_page():
    form = (
        "部门预算项目支出绩效自评表(2022年度)\n项目名称\t5109{code}-{name}\n主管部门\t某县人社局\t实施单位\t某县人社局本级\n"
        "预算执行情况(10分)\t年度预算数(万元)\n\t年初预算\t调整后预算数\t预算执行数\t预算执行率\t权重\t得分\n"
        "总额\t{b}\t{b}\t{a}\t{r}%\t10\t{s}\n合计\t100\t{t}\n"
    )
    text = form.format(code="21R000000000001", name="工资福利支出", b="400.00", a="400.00", r="100.00", s="10", t="98") + form.format(
        code="21R000000000002", name="社会保障缴费", b="100.00", a="95.00", r="95.00", s="9.5", t="96"
    )
    record = extract_rules(text_document(text))
    assert sorted(p.name for p in record.projects) == ["工资福利支出", "社会保障缴费"]
    assert record.budget.adjusted is None and record.budget.execution_rate is None and record.evaluation.score is None


def test_a_form_of_label_value_lines_and_a_detail_table_of_payments():
    text = (
        "项目支出绩效自评报告\n(2021年度)\n项目名称：村级卫生室运行补助经费\n项目单位：某县卫生健康局\n"
        "主管部门：某县卫生健康局\n项目负责人：李××\n"
        "一、项目资金情况(单位：万元)\n资金来源\t计划安排资金\t实际支出\n合计\t50\t48.2\n预算执行率：96.40%\n"
        "二、项目支出明细表(单位：元)\n序号\t支出项目\t支出金额\t支付时间\n1\t卫生室运行补助\t300000.00\t2021.06.30\n"
        "2\t医生培训费\t182000.00\t2021.11.02\n"
    )
    record = extract_rules(text_document(text))
    assert (record.subject, record.department) == ("村级卫生室运行补助经费", "某县卫生健康局")
    assert [(p.name, p.actual) for p in record.projects] == [("卫生室运行补助", 30.0), ("医生培训费", 18.2)]


def test_a_money_row_standing_one_column_off_its_header_is_realigned_by_its_rate():
    cells = [
        "项目支出绩效自评表", "(2023年度)", "项目名称", "某县退役军人优抚补助", "主管部门", "某县退役军人事务局",
        "预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因",
        "总额", "150.00", "160.00", "152.00", "95.00%", "10", "9.5", "",
    ]
    record = extract_rules(text_document("\n".join(f"{c} |" for c in cells) + "\n"))
    budget = record.budget
    assert (budget.initial, budget.adjusted, budget.actual, budget.execution_rate) == (150.0, 160.0, 152.0, 95.0)
    assert record.fiscal_year == 2023  # the year line '(2023年度) |' under the title


def test_a_figure_on_a_numbered_item_line_belongs_to_that_item():
    text = "一、项目支出情况\n1.河道保洁经费：全年预算30万元，执行率100%。\n（二）总体情况。全年预算90万元。\n本年度共支出88万元。\n"
    view = analyze(text_document(text))
    assert view.item_name_at(view.text.index("30万元")) == "河道保洁经费"
    assert view.item_name_at(view.text.index("河道")) is None  # inside the name, not after it
    assert view.item_name_at(view.text.index("90万元")) is None  # '总体情况' names the report's own section
    assert view.item_name_at(view.text.index("88万元")) is None  # no numbered item on the line


def test_a_unit_declared_with_no_table_below_runs_to_the_next_declaration():
    text = "单位：万元\n年初预算100.00。\n单位：元\n说明：补助5000.00，奖励300.00。\n单位：万元\n全年支出95.00。\n"
    view = analyze(text_document(text))
    (region,) = view.unit_regions  # the declaration equal to the document's own opens none
    assert region.unit == "元" and view.text[region.start : region.end].rstrip().endswith("奖励300.00。")
    assert view.unit_at(view.text.index("5000.00")) == "元"
    assert view.unit_at(view.text.index("95.00")) == view.unit_at(view.text.index("100.00")) == "万元"
    assert view.number_starts == sorted(view.number_starts) and view.text.index("5000.00") in view.number_starts
