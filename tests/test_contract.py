"""The record contract of ../shared/gold/README.md on invented reports: which of the four report
types a document is, which budget field a figure belongs in, and the grade as a category."""

from __future__ import annotations

import pytest

from helpers import text_document
from pipeline.extract.rules import extract_rules
from pipeline.layout import analyze
from pipeline.record import Evaluation


def _extract(text: str):
    return extract_rules(text_document(text))


# --- report type -------------------------------------------------------------------------------

NARRATIVE_BODY = "\n一、基本情况\n本年度工作按计划推进，资金使用规范。\n二、自评结论\n自评得分92分。\n"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # A narrative report whose title names one fund or project.
        ("青川县2021年度农村公路养护专项资金绩效自评报告", "project_report"),
        ("柳河镇2022年度转移支付资金绩效评价报告", "project_report"),
        # A generic project title, with a form field naming the project.
        ("白沙县水务局2023年度项目支出绩效自评报告\n项目名称：山塘除险加固项目\n主管部门：白沙县水务局", "project_report"),
        # The whole department, as a report or a summary of the year's self-evaluation.
        ("青川县档案馆2021年度部门整体支出绩效自评报告", "overall_report"),
        ("白沙县卫生健康局2020年度部门绩效自评工作总结", "overall_report"),
        # A generic project title and no form field: the department's project spending as a whole.
        ("白沙县水务局2023年度项目支出绩效自评报告", "overall_report"),
    ],
)
def test_narrative_report_types(head, expected):
    assert analyze(head + NARRATIVE_BODY).report_type == expected


def test_table_report_types():
    grid = "\n项目\t年初预算数\t全年预算数\t全年执行数\t执行率\n合计\t100\t120\t110\t91.67%\n"
    assert analyze("部门整体支出绩效自评表" + grid).report_type == "overall_table"
    assert analyze("项目支出绩效自评表\n项目名称\t乡村道路亮化工程" + grid).report_type == "project_table"
    assert analyze("清溪县2022年度农机购置补贴资金绩效自评表" + grid).report_type == "project_table"


def test_untitled_report_is_typed_by_its_body():
    fund = "一、资金下达情况\n省财政厅下达我市耕地地力保护补助资金860万元，已全部拨付。\n二、资金使用情况\n实际支出842万元。\n"
    department = "一、部门概况\n本局部门整体支出绩效自评情况如下。\n二、预算执行\n全年预算数320万元。\n"
    neither = "一、工作开展情况\n本年度完成各项任务。\n"
    assert analyze(fund).report_type == "project_report"
    assert analyze(department).report_type == "overall_report"
    assert analyze(neither).report_type is None


def test_a_table_of_many_projects_is_not_a_form_naming_one():
    text = (
        "松林县2021年度项目支出绩效自评报告\n"
        "项目名称\t预算数\t实际支出\t执行率\n护林员补助\t40\t38\t95%\n防火道维修\t25\t25\t100%\n"
    )
    assert analyze(text).report_type == "overall_report"


# --- budget figures -----------------------------------------------------------------------------

FUND_TITLE = "岭南县2022年度河湖保洁专项资金绩效自评报告\n"


def test_single_allocation_is_the_full_year_budget_not_the_initial():
    record = _extract(
        FUND_TITLE + "市财政局下达我县2022年河湖保洁专项资金150万元，其中：河道保洁90万元，水面打捞60万元。"
        "截至年底实际支出141万元，资金支出率94%。\n"
    )
    assert (record.budget.initial, record.budget.adjusted) == (None, 150.0)
    assert record.evidence["budget.adjusted"].quote == "150万元"


def test_planned_allocation_label_is_the_full_year_budget():
    record = _extract(FUND_TITLE + "本项目计划安排资金80万元，实际支出72万元，预算执行率90%。\n")
    assert (record.budget.initial, record.budget.adjusted) == (None, 80.0)


def test_a_figure_labelled_start_of_year_stays_initial():
    record = _extract(
        FUND_TITLE + "本项目年初预算80万元，调整后预算100万元，实际支出95万元，预算执行率95%。\n"
    )
    assert (record.budget.initial, record.budget.adjusted) == (80.0, 100.0)


def test_allocation_beside_a_full_year_budget_is_not_initial():
    record = _extract(
        FUND_TITLE + "省财政厅下达我县河湖保洁专项资金64万元。项目全年预算数64万元，实际支出60.8万元，预算执行率95%。\n"
    )
    assert (record.budget.initial, record.budget.adjusted) == (None, 64.0)
    assert record.evidence["budget.adjusted"].label == "全年预算数"


def test_batches_of_a_fund_are_not_its_budget():
    # Two funding-source batches and the fund's full-year total: only the total is the budget.
    record = _extract(
        FUND_TITLE + "第一批下达河湖保洁补助资金30万元，第二批下达河湖保洁补助资金20万元。"
        "全年预算共计50万元，实际支出48万元，资金支出率96%。\n"
    )
    assert (record.budget.initial, record.budget.adjusted) == (None, 50.0)
    adjusted = [c.value for c in record.candidates.get("budget.adjusted", [])]
    assert 30.0 not in adjusted and 20.0 not in adjusted
    # Batches alone name no budget of the whole fund.
    only_batches = _extract(FUND_TITLE + "第一批下达河湖保洁补助资金30万元，第二批下达河湖保洁补助资金20万元。\n")
    assert only_batches.budget.adjusted is None and only_batches.budget.initial is None


# --- grade --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("printed", "grade"), [("優", "优"), ("优秀", "优"), ("良好", "良"), ("“中”", "中"), ("差", "差")])
def test_grade_is_a_simplified_category(printed, grade):
    assert Evaluation(grade=printed).grade == grade


def test_traditional_report_keeps_its_text_but_not_its_grade():
    record = _extract(
        "東坪鎮2019年度河道治理經費績效自評報告\n一、自評結論\n自評得分91分，評價等級為優。\n"
        "二、存在的問題\n部分項目進度滯後，資金撥付不及時。\n三、改進措施\n加強項目管理。\n"
    )
    assert record.evaluation.grade == "优"
    # Traditional characters as printed (punctuation is another matter: the normaliser's half-width
    # comma is not the contract's concern here).
    assert record.problems.startswith("部分項目進度滯後") and record.problems.endswith("資金撥付不及時。")


def test_grade_read_from_a_traditional_form_is_grounded_in_its_quote():
    from pipeline.checks import run_checks
    from pipeline.ground import quote_contains, verify_evidence

    document = text_document("東坪鎮2019年度河道治理經費績效自評報告\n自評得分91分，評價等級為優。\n")
    record = extract_rules(document)
    assert record.evaluation.grade == "优" and record.evidence["evaluation.grade"].quote == "優"
    assert quote_contains("優", "优") and not quote_contains("良", "优")
    assert verify_evidence(document, record) == []
    assert not [f for f in run_checks(record, document) if f.kind == "ungrounded_value"]


def test_matching_funds_and_batches_are_no_budget_of_the_fund():
    # Invented: the province's matching funds and a batch come before the fund's own total.
    record = _extract(
        FUND_TITLE + "省级财政安排配套资金12万元。第一批安排资金18万元。全年预算共计60万元，实际支出57万元，资金支出率95%。\n"
    )
    assert (record.budget.initial, record.budget.adjusted) == (None, 60.0)
    considered = {c.value for path in ("budget.adjusted", "budget.initial") for c in record.candidates.get(path, [])}
    assert not considered & {12.0, 18.0}
    # Without the total, neither part becomes the budget.
    parts_only = _extract(FUND_TITLE + "省级财政安排配套资金12万元。第一批安排资金18万元。实际支出29万元。\n")
    assert parts_only.budget.adjusted is None and parts_only.budget.initial is None


def test_subject_from_the_title_drops_place_and_year():
    record = _extract("临河县2021年度高标准农田建设补助资金绩效自评报告\n一、基本情况\n资金用于农田建设。\n")
    assert record.report_type == "project_report"
    assert record.subject == "高标准农田建设补助资金"
