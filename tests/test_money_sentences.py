"""Money sentences whose scope comes from the sentence and the statement before it, on invented
reports."""

from __future__ import annotations

from helpers import text_document
from pipeline.extract.rules import extract_rules
from pipeline.normalize import normalize


def _budget(text: str):
    return extract_rules(text_document(text)).budget


def test_qizhong_statement_after_spending_splits_the_spending():
    text = (
        "一、预算情况\n2022年我局调整后全年预算数为900.00万元。\n"
        "二、执行情况\n2022年我局全年实际支出880.00万元，预算执行率97.78%。其中基本支出300.00万元，"
        "主要用于人员经费；项目支出580.00万元，主要用于业务工作。\n"
    )
    budget = _budget(text)
    assert budget.actual == 880.0
    assert budget.basic.actual == 300.0 and budget.project.actual == 580.0
    assert budget.basic.budget is None and budget.project.budget is None


def test_qizhong_after_a_budget_statement_splits_the_budget():
    text = "2021年全年预算数为500.00万元，预算调整率2.04%。其中基本支出120.00万元，项目支出380.00万元。\n"
    budget = _budget(text)
    assert budget.basic.budget == 120.0 and budget.project.budget == 380.0
    assert budget.basic.actual is None


def test_list_item_money_is_the_items_not_the_departments():
    text = (
        "一、部门整体支出情况\n2023年全年预算800.00万元，实际支出760.00万元，预算执行率95.00%。\n"
        "二、重点项目支出情况\n1.城区绿化养护经费：全年预算200.00万元，实际支出190.00万元，执行率95.00%。\n"
        "2.公园照明改造项目：全年预算150.00万元，实际支出120.00万元，执行率80.00%。\n"
    )
    budget = _budget(text)
    assert (budget.adjusted, budget.actual, budget.execution_rate) == (800.0, 760.0, 95.0)
    assert budget.project.actual is None and budget.project.budget is None


def test_text_wrapped_at_a_character_count_is_joined():
    # Every line is cut at 20 characters; digits make the display widths scatter.
    paragraph = (
        "我局2020年年初预算数为1234.56万元，年中追加后全年预算为2345.67万元，其中基本支出全年预算"
        "512.35万元，项目支出全年预算1833.32万元。全年实际支出2300.00万元，执行率为98.05%，资金使用"
        "规范，会计核算及时，档案资料完整，未发现截留挪用等违规问题，整体执行情况良好，各项工作任务均按"
        "计划完成，群众满意度较高。下一步我局将继续加强预算管理，提高资金使用效益，确保各项工作任务按期"
        "完成并取得良好成效。"
    )
    lines = [paragraph[i : i + 20] for i in range(0, len(paragraph), 20)]
    nt = normalize("\n".join(lines))
    assert "其中基本支出全年预算512.35万元" in nt.text
    assert _budget("\n".join(lines)).basic.budget == 512.35


def test_text_values_keep_the_printed_punctuation():
    text = (
        "一、基本情况\n我局2023年度全年预算100.00万元，实际支出98.00万元。\n"
        "二、存在的问题\n一是项目前期论证不足，进度偏慢（下半年集中支付）；二是绩效目标不够细化。\n"
        "三、改进措施\n加强前期论证，细化绩效目标。\n"
    )
    record = extract_rules(text_document(text))
    assert record.problems == "一是项目前期论证不足，进度偏慢（下半年集中支付）；二是绩效目标不够细化。"
    assert record.improvements == "加强前期论证，细化绩效目标。"


def test_mid_year_addition_is_the_adjustment_when_the_chain_adds_up():
    text = "2022年本单位年初预算数为300.00万元，年中追加50.00万元，调整后全年预算数为350.00万元。\n"
    budget = _budget(text)
    assert (budget.initial, budget.adjustment, budget.adjusted) == (300.0, 50.0, 350.0)


def test_score_phrasings_give_the_reports_score_not_an_indicators():
    for sentence, score in [
        ("经综合评定，本项目得分92分，等级为优。", 92.0),
        ("综合评分为88.5分，评价等级为良。", 88.5),
        ("我局整体评价得分为90分。", 90.0),
    ]:
        text = f"一、绩效指标\n该指标得分5分。\n二、自评结论\n{sentence}\n"
        assert extract_rules(text_document(text)).evaluation.score == score, sentence


def test_grade_is_a_simplified_category_even_in_a_traditional_report():
    text = "三、自評結論\n經自評，本項目評價得分95分，評價等級爲“優”。\n"
    evaluation = extract_rules(text_document(text)).evaluation
    assert (evaluation.score, evaluation.grade) == (95.0, "优")


def test_improvement_suggestions_heading():
    text = "一、存在的问题\n资金拨付进度偏慢。\n二、改进建议\n建立月度调度机制，加快拨付进度。\n"
    record = extract_rules(text_document(text))
    assert record.problems == "资金拨付进度偏慢。"
    assert record.improvements == "建立月度调度机制，加快拨付进度。"


FUND_REPORT = (
    "青禾县2021年度农村公路养护专项资金绩效自评报告\n"
    "一、项目基本情况\n本项目由青禾县交通运输局组织实施。2021年我局部门预算总额6,120.40万元，本项目资金单独核算。\n"
    "二、项目资金安排和使用情况\n2021年本项目安排资金318.60万元，截至2021年12月31日，实际支出301.25万元，支出率94.55%。\n"
    "其中，县道养护预算120.00万元，实际支出118.20万元；乡道养护预算98.60万元，实际支出90.05万元。\n"
)


def test_a_fund_reports_money_is_the_funds_not_the_departments():
    record = extract_rules(text_document(FUND_REPORT))
    assert record.report_type == "project_report"
    budget = record.budget
    assert (budget.adjusted, budget.actual, budget.execution_rate) == (318.6, 301.25, 94.55)
    assert budget.project.budget is None and budget.project.actual is None  # the subject is not a part of itself


def test_a_transfer_funds_paid_amount_beats_a_listed_parts_spending():
    text = (
        "云杉县2023年度应急避难场所改造转移支付资金绩效自评报告\n一、资金使用情况\n"
        "2023年，省财政厅下达应急避难场所改造转移支付资金1.25亿元，截至2023年12月31日，已支付12310.40万元，资金支出率98.5%。\n"
        "其中，城区避难场所预算6000.00万元，实际支出5980.10万元；乡镇避难场所预算6500.00万元，实际支出6330.30万元。\n"
    )
    budget = extract_rules(text_document(text)).budget
    assert (budget.adjusted, budget.actual, budget.execution_rate) == (12500.0, 12310.4, 98.5)


def test_a_numbered_item_of_any_name_keeps_its_money():
    text = (
        "北川县2022年度水环境治理专项资金绩效自评报告\n二、项目资金情况\n"
        "2022年本项目安排资金0.118987亿元，截至2022年12月31日，累计支出1,094.96万元，执行率92.02%。\n"
        "资金使用情况：\n1.污水设施运维监管：预算95.97万元，实际支出89.64万元，执行率93.40%。\n"
        "2.水质自动监测站运维：预算245.85万元，实际支出211.35万元，执行率85.97%。\n"
    )
    budget = _budget(text)
    assert (budget.adjusted, budget.actual, budget.execution_rate) == (1189.87, 1094.96, 92.02)


def test_a_full_year_figure_ends_the_partial_year_qualifier():
    text = (
        "2021年年初预算安排300.00万元，年中追加20.00万元，全年预算320.00万元，截至2021年12月31日，"
        "累计支出300.80万元，预算执行率94.00%。\n其中，甲项目预算200.00万元，实际支出190.00万元；乙项目预算120.00万元，实际支出110.80万元。\n"
    )
    budget = _budget(text)
    assert (budget.adjusted, budget.actual, budget.execution_rate) == (320.0, 300.8, 94.0)


def test_a_start_of_year_budget_does_not_make_the_spending_partial():
    text = "2024年年初预算安排3.59亿元，截至2024年12月31日，已支付32,826.49万元，支出率91.44%。\n"
    budget = _budget(text)
    assert (budget.initial, budget.actual, budget.execution_rate) == (35900.0, 32826.49, 91.44)
    # A half-year figure in its own clause stays partial: the year's spending wins over it.
    both = "2024年全年预算3,000.00万元，上半年实际支出1,200.00万元。\n2024年全年实际支出2,950.00万元。\n"
    assert _budget(both).actual == 2950.0


def test_a_detail_table_of_uses_lists_the_projects_in_its_own_unit():
    text = (
        "桂岭县2022年度村级公益设施维护资金绩效自评报告\n一、资金情况\n2022年本项目安排资金120.00万元，实际支出98.50万元，执行率82.08%。\n"
        "附件：项目支出决算表（单位：元）\n支出内容\t预算数\t实际支出数\n"
        "村道修补\t700000.00\t615000.00\n路灯维护\t500000.00\t370000.00\n合计\t1200000.00\t985000.00\n"
    )
    record = extract_rules(text_document(text))
    assert [(p.name, p.budget, p.actual) for p in record.projects] == [("村道修补", 70.0, 61.5), ("路灯维护", 50.0, 37.0)]
    assert record.budget.adjusted == 120.0 and record.budget.actual == 98.5


def test_problem_and_measure_headings_alone_on_their_lines():
    text = (
        "绩效指标\n产出指标\t数量指标\t走访数\t≥300人次\t318人次\n存在的问题\n一是走访记录不够规范；二是经费结算偏晚。\n"
        "改进措施\n一是统一走访记录格式；二是按季度结算。\n说明：本表数据截至年底。\n"
    )
    record = extract_rules(text_document(text))
    assert record.problems == "一是走访记录不够规范；二是经费结算偏晚。"
    assert record.improvements == "一是统一走访记录格式；二是按季度结算。"


def test_problem_and_measure_labels_with_a_space_for_their_colon():
    # A form's label cells and the text beside them, copied with a space between them; the
    # paragraph ends at the next label and at the form's notes.
    text = (
        "绩效指标 产出指标 数量指标 走访数 ≥300人次 318人次\n"
        "存在问题 走访记录不够规范，经费结算偏晚。\n"
        "改进措施或下一步计划 统一走访记录格式，按季度结算经费。\n"
        "- 注：本表数据截至年底。\n"
    )
    record = extract_rules(text_document(text))
    assert record.problems == "走访记录不够规范，经费结算偏晚。"
    assert record.improvements == "统一走访记录格式，按季度结算经费。"
    # A sentence that merely opens with the word is not taken for its label.
    prose = extract_rules(text_document("一、基本情况\n存在问题 的整改已于年内完成，见附件。\n"))
    assert prose.problems is None
