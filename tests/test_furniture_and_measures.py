"""Flags decided by a misread: a converter's file line taken for the title (a stale heading below
it counted as body: a false year_mismatch), a spending phrase not read as spending (a 其中 list of
budgets summed against it: a false parts_do_not_sum), and a results cell of a pipe form never read
(a missed year_mismatch). Every department, fund and figure here is invented."""

from __future__ import annotations

from helpers import text_document
from pipeline.analysis import analyze
from pipeline.checks import run_checks
from pipeline.extract.rules import extract_rules


def kinds(text: str) -> set[str]:
    document = text_document(text)
    return {f.kind for f in run_checks(extract_rules(document), document)}


FILE_LINE_REPORT = """湖口镇供水设施维护资金绩效自评报告.docx    作者：user01    修改时间：2023/3/2 09:40
桐川县财政局关于公开2023年度部门预算的说明
桐川县水利局2022年度湖口镇供水设施维护资金绩效自评报告
一、项目基本情况
湖口镇供水设施维护资金由桐川县水利局组织实施，2022年预算40.00万元，实际支出38.00万元，执行率95.00%。
二、绩效目标完成情况
全年完成管网维护12公里。
"""


def test_a_converters_file_line_is_no_title_and_the_stale_heading_below_it_no_body():
    view = analyze(text_document(FILE_LINE_REPORT))
    assert view.layout.title == "桐川县水利局2022年度湖口镇供水设施维护资金绩效自评报告"
    assert "year_mismatch" not in kinds(FILE_LINE_REPORT)
    # The same heading inside the body still counts: the check is not switched off.
    body = FILE_LINE_REPORT.replace("全年完成管网维护12公里。", "2023年度部门预算绩效自评得分90分。")
    assert "year_mismatch" in kinds(body)


SPENT_BREAKDOWN = """桐川县教育局2022年度学前教育补助资金绩效自评报告
一、项目资金情况
2022年年初预算30.00万元，追加调整10.00万元，调整后预算40.00万元，截至2022年12月31日，实际形成支出36.00万元，资金支出率90.00%。
其中，幼儿园运转补助预算25.00万元，实际支出22.00万元；保教人员培训预算15.00万元，实际支出14.00万元。
"""


def test_spending_said_as_incurred_is_spending_so_a_list_of_budgets_sums_to_the_budget():
    # 25 + 15 = 40 (the budget) and 22 + 14 = 36 (the spending): nothing disagrees.
    assert "parts_do_not_sum" not in kinds(SPENT_BREAKDOWN)
    wrong = SPENT_BREAKDOWN.replace("实际支出14.00万元", "实际支出16.00万元")
    assert "parts_do_not_sum" in kinds(wrong)


PIPE_GOALS = """项目支出绩效自评表
（2022年度）
| 项目名称 | 河岸绿化养护 |
| 主管部门 | 南湾县林业局 | 实施单位 | 南湾县绿化所 |
| 年度总体目标 | 预期目标 | 实际完成情况 |
|  | 完成河岸绿化养护20公里。 | 2022年完成河岸绿化养护21公里。 |
"""


def test_a_results_cell_of_a_pipe_form_states_its_year():
    # Under '实际完成情况' of the row above, a cell opening with a year states the year of the results.
    assert "year_mismatch" not in kinds(PIPE_GOALS)
    assert "year_mismatch" in kinds(PIPE_GOALS.replace("| 2022年完成", "| 2021年完成"))
