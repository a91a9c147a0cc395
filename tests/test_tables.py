"""The table reader (pipeline.tables) on small 自评表 texts written for these tests, one per
flattening: every department, name and number here is invented."""

from __future__ import annotations

import pytest

from helpers import text_document
from pipeline import tables as tb
from pipeline.extract.rules import extract_rules
from pipeline.layout import analyze_normalized
from pipeline.normalize import view


def read(text: str, unit: str = "万元") -> list[tb.Table]:
    nt, _ = view(text)
    return tb.read_tables(nt.text, analyze_normalized(nt), unit)


def indicators(text: str) -> list[tuple]:
    out = []
    for table in read(text):
        for row in tb.indicator_rows(table):
            out.append(tuple(c.text if c is not None else None for c in (row.level1, row.level2, row.name, row.target, row.actual)))
    return out


def roles(table: tb.Table) -> list[str]:
    return [table.columns[c].role for c in sorted(table.columns)]


# --- header roles ------------------------------------------------------------------------------


def test_roles_come_from_header_words_not_positions():
    assert tb.column_role("支出实现率(%)⑤=④/③") == "rate"
    assert tb.column_role("小计③=①+②") == "adjusted"
    assert tb.column_role("年初部门预算安排金额(含历年结余结转)①") == "initial"
    assert tb.column_role("全年执行数（B）") == "actual"
    assert tb.column_role("预算执行(E/C×100%)") == "rate"
    assert tb.column_role("指标权重(分)") == "points"
    assert tb.column_role("自评分") == "score"
    assert tb.column_role("复核分") == "review_score"
    assert tb.column_role("年初指标值") == "target"
    assert tb.column_role("年终完成值") == "ind_actual"
    assert tb.column_role("计量单位") == "unit"
    assert tb.column_role("指标性质") == "nature"
    assert tb.column_role("申请补助资金") == "budget"
    assert tb.column_role("完成投资资金") == "actual"
    assert tb.column_role("本级") == "source"
    assert tb.column_role("年初绩效目标") != "initial"
    # The same words in another order give the same roles.
    a = read("项目\t全年预算数\t年初预算数\t执行率\t实际支出数\n合计\t120.00\t100.00\t95.00%\t114.00\n")[0]
    assert roles(a) == ["project_name", "adjusted", "initial", "rate", "actual"]
    assert a.kind == "money"


# --- tab rows, merged levels, split targets, score-only rows -----------------------------------


TAB_GRID = """河谷县文体广电局2022年度项目支出绩效自评表
一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t实际完成值\t分值\t得分
产出指标（50分）\t数量指标\t送戏下乡场次\t≥\t40\t场\t43\t10\t10
\t\t农家书屋图书更新\t=\t1200\t册\t1200\t10\t10
\t质量指标\t演出验收合格率\t=\t100\t%\t100%\t10\t10
效益指标（30分）\t社会效益指标\t群众文化活动参与人次\t≥\t2.5\t万人次\t2.7\t20\t18
\t项目管理\t\t\t\t\t\t10\t9
满意度指标\t服务对象满意度指标\t观众满意度\t≥\t90\t%\t93%\t10\t9
总分\t\t\t\t\t\t\t100\t96
"""


def test_tab_grid_levels_carry_down_and_split_targets_join():
    rows = indicators(TAB_GRID)
    assert rows[0] == ("产出指标", "数量指标", "送戏下乡场次", "≥40场", "43场")
    assert rows[1] == ("产出指标", "数量指标", "农家书屋图书更新", "=1200册", "1200册")
    assert rows[2] == ("产出指标", "质量指标", "演出验收合格率", "=100%", "100%")
    assert rows[3] == ("效益指标", "社会效益指标", "群众文化活动参与人次", "≥2.5万人次", "2.7万人次")
    assert rows[4] == ("满意度指标", "服务对象满意度指标", "观众满意度", "≥90%", "93%")
    assert len(rows) == 5  # the score-only 项目管理 row and the 总分 row are no indicators


def test_score_rows_keep_points_and_scores():
    table = read(TAB_GRID)[0]
    assert table.column("points") is not None and table.column("score") is not None
    total = next(r for r in table.rows if r.is_total)
    assert [c.text for c in total.filled()][-2:] == ["100", "96"]


# --- pipes ------------------------------------------------------------------------------------


PIPES = """| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 |
| 产出指标 | 数量指标 | 新建村级健身广场 | 6个 | 6个 |
| | | 更新健身器材 | ≥80套 | 85套 |
| | 时效指标 | 完工时间 | 2022年10月前 | 2022年9月 |
| 效益指标 | 社会效益指标 | 受益村民 | ≥3000人 | 3350人 |
"""


def test_pipes_with_empty_merged_cells():
    assert indicators(PIPES) == [
        ("产出指标", "数量指标", "新建村级健身广场", "6个", "6个"),
        ("产出指标", "数量指标", "更新健身器材", "≥80套", "85套"),
        ("产出指标", "时效指标", "完工时间", "2022年10月前", "2022年9月"),
        ("效益指标", "社会效益指标", "受益村民", "≥3000人", "3350人"),
    ]


# --- one cell per line ------------------------------------------------------------------------


ONE_CELL_BLANK = """一级指标 |
二级指标 |
三级指标 |
年度指标值 |
实际完成值 |

产出指标 |
数量指标 |
维修乡村道路 |
≥18公里 |
19.4公里 |

 |
质量指标 |
验收合格率 |
100% |
100% |
"""

ONE_CELL_PLAIN = """三级指标 |
年度指标值 |
实际完成值 |
巡河次数 |
≥52次 |
60次 |
河面保洁率 |
≥95% |
97% |
"""


def test_one_cell_per_line_rows_end_at_blank_lines():
    assert indicators(ONE_CELL_BLANK) == [
        ("产出指标", "数量指标", "维修乡村道路", "≥18公里", "19.4公里"),
        ("产出指标", "质量指标", "验收合格率", "100%", "100%"),
    ]


def test_one_cell_per_line_rows_cut_at_the_header_width():
    assert indicators(ONE_CELL_PLAIN) == [
        (None, None, "巡河次数", "≥52次", "60次"),
        (None, None, "河面保洁率", "≥95%", "97%"),
    ]


# --- headers over several lines, formulas, units -----------------------------------------------


MONEY_3_LINES = """单位：万元
年度预算\t\t\t执行情况\t
年初预算数①\t年中调整金额②\t小计③=①+②\t实际支出④\t支出率(%)
\t\t\t\t⑤=④/③
800.00\t50.00\t850.00\t833.00\t98.00
"""

YUAN_DETAIL = """一、部门预算
项目\t全年预算数\t全年执行数\t执行率
合计\t640.00\t608.00\t95.00%
二、采购明细
单位：元
项目名称\t预算金额\t实际支出\t执行率
办公设备购置\t186000.00\t180420.00\t97.00%
"""


def test_header_over_three_lines_with_formulas():
    table = read(MONEY_3_LINES)[0]
    assert roles(table) == ["initial", "adjustment", "adjusted", "actual", "rate"]
    assert [c.text for c in table.rows[0].filled()] == ["800.00", "50.00", "850.00", "833.00", "98.00"]


def test_a_table_in_yuan_among_tables_in_wan():
    money, detail = read(YUAN_DETAIL)
    assert money.unit == "万元" and money.kind == "money"
    assert detail.unit == "元" and detail.kind == "project"
    record = extract_rules(text_document(YUAN_DETAIL)).plain()
    assert record["projects"] == [{"name": "办公设备购置", "budget": 18.6, "actual": 18.042, "execution_rate": 97.0}]


# --- broken rows ------------------------------------------------------------------------------


WRAPPED = """序号\t项目名称\t预算数\t实际支出\t执行率
（万元）
1\t东岭村灌溉渠\t45.00\t44.10\t98.00%
\t修复工程
2\t\t30.00\t30.00\t100.00%
\t西岗村饮水管网
3\t南坪村道路养护\t
\t\t12.00\t11.40\t95.00%
"""


def test_rows_broken_by_wrapped_cells_and_lines_without_tabs():
    table = read(WRAPPED)[0]
    assert table.kind == "project"
    names = [(r.cell(table.column("project_name")).text, r.cell(table.column("actual")).text) for r in table.rows]
    assert names == [("东岭村灌溉渠修复工程", "44.10"), ("西岗村饮水管网", "30.00"), ("南坪村道路养护", "11.40")]
    record = extract_rules(text_document(WRAPPED)).plain()
    assert [p["name"] for p in record["projects"]] == ["东岭村灌溉渠修复工程", "西岗村饮水管网", "南坪村道路养护"]


# --- page breaks ------------------------------------------------------------------------------


CONTINUED = """一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值
产出指标\t数量指标\t培训农技人员\t≥200人\t216人

- 2 -

\t\t发放技术手册\t≥1500册\t1620册
效益指标\t社会效益指标\t示范户增收\t≥5%\t6.3%
"""

CONTINUED_HEADER = CONTINUED.replace("- 2 -\n", "- 2 -\n一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\n")


def test_a_table_continues_after_a_page_break_with_or_without_its_header():
    for text in (CONTINUED, CONTINUED_HEADER):
        tables = [t for t in read(text) if t.kind == "indicator"]
        assert len(tables) == 1
        assert [r[2] for r in indicators(text)] == ["培训农技人员", "发放技术手册", "示范户增收"]
        assert indicators(text)[1][:2] == ("产出指标", "数量指标")


# --- several one-project forms on one page -------------------------------------------------------


FORMS = """\t\t现场评分\t90\t88
满意度指标\t服务对象满意度指标\t居民满意度\t≥90%\t92%
项目支出绩效自评表
项目名称\t511999001A0000000123-老旧小区雨污分流改造
项目\t年初预算数\t全年预算数\t全年执行数\t执行率
年度资金总额\t300.00\t320.00\t304.00\t95.00%
一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值
产出指标\t数量指标\t改造管网长度\t≥4公里\t4.3公里
项目支出绩效自评表
项目名称\t511999001A0000000456-社区养老驿站运营补贴
项目\t年初预算数\t全年预算数\t全年执行数\t执行率
年度资金总额\t80.00\t80.00\t72.00\t90.00%
一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值
产出指标\t数量指标\t服务老人人次\t≥6000人次\t6400人次
"""


def test_each_form_of_a_multi_form_page_is_a_project():
    forms = tb.forms(read(FORMS))
    assert [f.name.text for f in forms] == ["老旧小区雨污分流改造", "社区养老驿站运营补贴"]
    assert {k: v.text for k, v in tb.form_money(forms[0]).items()} == {"budget": "320.00", "actual": "304.00", "rate": "95.00%"}
    record = extract_rules(text_document(FORMS)).plain()
    assert record["projects"] == [
        {"name": "老旧小区雨污分流改造", "budget": 320.0, "actual": 304.0, "execution_rate": 95.0},
        {"name": "社区养老驿站运营补贴", "budget": 80.0, "actual": 72.0, "execution_rate": 90.0},
    ]
    assert record["budget"]["adjusted"] is None and record["subject"] is None


# --- money grids in rules ---------------------------------------------------------------------


def test_money_grid_with_formula_headers_fills_the_budget():
    text = (
        "长丰县水务局2022年度部门整体支出绩效自评表\n"
        "项目\t年初预算安排①\t年中调整金额②\t小计③=①+②\t年度拨付金额④\t支出实现率(%)⑤=④/③\n"
        "基本支出\t410.20\t12.00\t422.20\t420.00\t99.48\n"
        "项目支出\t530.00\t40.00\t570.00\t555.30\t97.42\n"
        "合计\t940.20\t52.00\t992.20\t975.30\t98.30\n"
    )
    record = extract_rules(text_document(text)).plain()
    assert record["budget"]["initial"] == 940.2
    assert record["budget"]["adjusted"] == 992.2
    assert record["budget"]["actual"] == 975.3
    assert record["budget"]["execution_rate"] == 98.3
    assert record["budget"]["basic"] == {"budget": 422.2, "actual": 420.0}
    assert record["projects"] == []  # 基本支出 / 项目支出 rows are scopes, not projects


def test_names_drop_points_and_numbering():
    cell = tb.TableCell("产出指标（40分）", 0, 10, 0)
    assert tb.clean_name(cell).text == "产出指标"
    assert tb.clean_name(tb.TableCell("指标1：巡查次数", 0, 8, 0)).text == "巡查次数"
    assert tb.clean_name(tb.TableCell("51099900000012345678-乡村公路养护", 0, 27, 0), codes=True).text == "乡村公路养护"


def test_score_total_row_takes_the_self_evaluation_score_beside_the_review_score():
    text = (
        "临川区农业农村局2021年度项目支出绩效自评表\n"
        "一级指标\t二级指标\t三级指标\t年初指标值\t年终完成值\t分值\t自评分\t复核分\n"
        "产出指标\t数量指标\t高标准农田建设面积\t≥1.2万亩\t1.26万亩\t50\t48\t47\n"
        "效益指标\t社会效益指标\t受益农户\t≥3000户\t3120户\t50\t47\t46\n"
        "总分\t\t\t\t\t100\t95\t93\n"
    )
    record = extract_rules(text_document(text)).plain()
    assert record["evaluation"]["score"] == 95.0
    assert [i["name"] for i in record["indicators"]] == ["高标准农田建设面积", "受益农户"]
    assert record["indicators"][0]["target"] == "≥1.2万亩" and record["indicators"][0]["actual"] == "1.26万亩"


# --- cells separated by spaces: a row, or a whole form, on one line --------------------------


ROW_PER_LINE = """湖滨区城市管理局2022年度部门整体支出绩效自评表
项目 年初预算数 全年预算数(A) 全年执行数(B) 分值 执行率(B/A)(%) 得分
年度资金总额 520.00 560.00 532.00 10 95.00 9.50
其中：本年财政拨款 500.00 540.00 515.00 — 95.37 —
"""

FORM_ON_ONE_LINE = (
    "作者：admin 修改时间：2023-03-02 10:12 字数：1880\n"
    "项目 年初预算数 全年预算数 全年执行数 执行率 年度资金总额 520.00 560.00 532.00 95.00% "
    "基本支出 300.00 310.00 306.00 98.71% 项目支出 220.00 250.00 226.00 90.40%\n"
)


def test_rows_whose_cells_are_separated_by_spaces():
    table = next(t for t in read(ROW_PER_LINE) if t.kind == "money")
    assert [c.text for c in table.rows[0].filled()] == ["年度资金总额", "520.00", "560.00", "532.00", "10", "95.00", "9.50"]
    record = extract_rules(text_document(ROW_PER_LINE)).plain()
    assert (record["budget"]["initial"], record["budget"]["adjusted"], record["budget"]["actual"]) == (520.0, 560.0, 532.0)


def test_a_whole_form_on_one_line():
    table = next(t for t in read(FORM_ON_ONE_LINE) if t.kind == "money")
    assert [r.label for r in table.rows] == ["年度资金总额", "基本支出", "项目支出"]
    record = extract_rules(text_document(FORM_ON_ONE_LINE)).plain()
    assert record["budget"]["adjusted"] == 560.0 and record["budget"]["execution_rate"] == 95.0
    assert record["budget"]["project"] == {"budget": 250.0, "actual": 226.0}


INDICATORS_ON_ONE_LINE = (
    "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 "
    "产出指标 数量指标 清运生活垃圾 ≥3.2万吨 3.4万吨 20 20 质量指标 垃圾无害化处理率 100% 100% 20 19 "
    "效益指标 社会效益指标 市容投诉办结率 ≥98% 99.1% 30 30\n"
)


def test_an_indicator_grid_on_one_line():
    assert indicators(INDICATORS_ON_ONE_LINE) == [
        ("产出指标", "数量指标", "清运生活垃圾", "≥3.2万吨", "3.4万吨"),
        ("产出指标", "质量指标", "垃圾无害化处理率", "100%", "100%"),
        ("效益指标", "社会效益指标", "市容投诉办结率", "≥98%", "99.1%"),
    ]


# --- figures run together ---------------------------------------------------------------------


RUN_TOGETHER = """青石县司法局2020年度项目支出绩效自评表
项目名称\t法律援助经费
资金情况\t全年预算数(A)\t全年执行资金(E)\t预算执行(E/A)
年度资金总额\t194.9194.9100%\t\t
"""


def test_figures_run_together_are_split_by_the_columns_they_fill():
    table = next(t for t in read(RUN_TOGETHER) if t.kind == "money")
    total = table.rows[0]
    assert [(c.text, c.value) for c in total.filled()[1:]] == [("194.9", 194.9), ("194.9", 194.9), ("100%", 100.0)]
    document = text_document(RUN_TOGETHER)
    extracted = extract_rules(document)
    budget = extracted.plain()["budget"]
    assert (budget["adjusted"], budget["actual"], budget["execution_rate"]) == (194.9, 194.9, 100.0)
    from pipeline.checks import run_checks

    flags = [f for f in run_checks(extracted, document) if f.kind == "separator_repaired"]
    assert len(flags) == 1 and "194.9194.9100%" in flags[0].message


def test_figures_run_together_stay_whole_when_no_reading_is_certain():
    # 88.50 | 90.25 | 98.06% does not hold (90.25 / 88.50 is 101.98%): no split is trusted.
    table = next(t for t in read(RUN_TOGETHER.replace("194.9194.9100%", "88.5090.2598.06%")) if t.kind == "money")
    assert [c.text for c in table.rows[0].filled()] == ["年度资金总额", "88.5090.2598.06%"]


# --- cells wrapped around their row (PDF text) -----------------------------------------------


WRAPPED_CELLS = """一级指标\t二级指标\t三级指标\t年初指标值\t年终完成值
产出指标\t数量指标\t普通国省道
\t\t养护里程\t≥120公里\t126公里
效益指标\t社会效益指标\t交通事故死亡人数\t同比下降\t同比下降
\t\t\t10%\t13%
"""


def test_cells_wrapped_above_and_below_their_row():
    assert indicators(WRAPPED_CELLS) == [
        ("产出指标", "数量指标", "普通国省道养护里程", "≥120公里", "126公里"),
        ("效益指标", "社会效益指标", "交通事故死亡人数", "同比下降10%", "同比下降13%"),
    ]


def test_task_grid_with_apply_and_complete_funds_lists_tasks_not_funding_rows():
    text = (
        "单位：元\n"
        "序号\t任务名称\t申请补助资金\t完成投资资金\t完成率\n"
        "1\t村级便民服务站改造\t120000.00\t114000.00\t95.00%\n"
        "2\t其中：省级财政拨款\t80000.00\t80000.00\t100.00%\n"
        "3\t乡村夜校设备购置\t40000.00\t40000.00\t100.00%\n"
    )
    table = read(text)[0]
    assert table.unit == "元" and table.kind == "project"
    assert roles(table) == ["seq", "project_name", "budget", "actual", "rate"]
    record = extract_rules(text_document(text)).plain()
    assert record["projects"] == [
        {"name": "村级便民服务站改造", "budget": 12.0, "actual": 11.4, "execution_rate": 95.0},
        {"name": "乡村夜校设备购置", "budget": 4.0, "actual": 4.0, "execution_rate": 100.0},
    ]


def test_a_unit_wrapped_under_a_header_cell_is_the_tables_unit():
    text = "项目名称\t预算数\t实际支出\t执行率\n（元）\n图书采购\t56000.00\t52000.00\t92.86%\n"
    assert read(text)[0].unit == "元"


SPACED_ROW = """单位：元
序号\t项目名称\t全年预算数\t决算数\t执行率\t自评得分\t备注
1   城区排涝泵站   386,500.00   372,210.00   96.30%   96
\t维护\t\t\t\t\t
2   老城区雨水   210,000.00   205,800.00   98.00%   98
\t管网疏浚\t\t\t\t\t
"""


def test_a_row_whose_tabs_became_spaces_is_placed_by_the_roles_of_its_columns():
    table = read(SPACED_ROW)[0]
    first = table.rows[0]
    by_role = {table.role(c.column): c.text for c in first.filled()}
    assert by_role == {"seq": "1", "project_name": "城区排涝泵站维护", "adjusted": "386500.00", "actual": "372210.00", "rate": "96.30%", "score": "96"}
    record = extract_rules(text_document(SPACED_ROW)).plain()
    assert [(p["name"], p["budget"]) for p in record["projects"]] == [("城区排涝泵站维护", 38.65), ("老城区雨水管网疏浚", 21.0)]


ONE_CELL_FORM = """项目支出绩效自评表 |
项目名称 |
511999001R000000098765-退役军人春节慰问经费 |
主管部门 |
青岩县退役军人事务局 |
年度预算数 |
年初预算 |
调整后预算数 |
预算执行数 |
预算执行率 |
权重 |
得分 |
资金总额 |
36.00 |
40.00 |
38.00 |
95.00% |
10 |
9.5 |
一级指标 |
二级指标 |
三级指标 |
指标性质 |
指标值 |
度量单位 |
实际完成值 |
产出指标 |
数量指标 |
慰问对象户数 |
≥ |
420 |
户 |
436 |
 |
时效指标 |
慰问金发放及时率 |
= |
100 |
% |
100 |
"""


def test_a_one_cell_per_line_form_with_label_pairs_money_and_indicators():
    tables = read(ONE_CELL_FORM)
    money = next(t for t in tables if t.kind == "money")
    assert [c.text for c in money.rows[0].filled()] == ["资金总额", "36.00", "40.00", "38.00", "95.00%", "10", "9.5"]
    assert indicators(ONE_CELL_FORM) == [
        ("产出指标", "数量指标", "慰问对象户数", "≥420户", "436户"),
        ("产出指标", "时效指标", "慰问金发放及时率", "=100%", "100%"),
    ]
    record = extract_rules(text_document(ONE_CELL_FORM)).plain()
    assert (record["budget"]["initial"], record["budget"]["adjusted"], record["budget"]["actual"], record["budget"]["execution_rate"]) == (36.0, 40.0, 38.0, 95.0)
    assert record["subject"] == "退役军人春节慰问经费"


def test_a_table_continues_after_a_running_head_and_keeps_its_merged_levels():
    text = CONTINUED.replace("- 2 -\n", "- 2 -\n滨江县农业农村局绩效自评\n")
    assert [r[:3] for r in indicators(text)] == [
        ("产出指标", "数量指标", "培训农技人员"),
        ("产出指标", "数量指标", "发放技术手册"),
        ("效益指标", "社会效益指标", "示范户增收"),
    ]


# --- headers wrapped word by word, empty cells not printed (converters' flattenings) -------------


PIPES_BLOCK_LABEL = """| 绩效 | 一级 | 二级 | 三级 | 年度指 | 实际完 | 分值 | 得分 |
| 指标 | 指标 | 指标 | 指标 | 标值 | 成值 |  |  |
|  | 产出指标 | 数量指标 | 疏浚河道长度 | ≥42公里 | 45公里 | 20 | 20 |
|  |  |  | 清理淤泥 | ≥9万方 | 9.6万方 | 20 | 20 |
|  | 效益指标 | 生态效益指标 | 水质达标率 | ≥90% | 92.5% | 20 | 19 |
"""


def test_pipes_with_a_wrapped_block_label_left_of_the_levels():
    # '绩效' over '指标' labels the block: the indicator names are the column right of the levels.
    assert indicators(PIPES_BLOCK_LABEL) == [
        ("产出指标", "数量指标", "疏浚河道长度", "≥42公里", "45公里"),
        ("产出指标", "数量指标", "清理淤泥", "≥9万方", "9.6万方"),
        ("效益指标", "生态效益指标", "水质达标率", "≥90%", "92.5%"),
    ]


CELLS_WRAPPED = "\n".join(f"{c} |" for c in [
    "项目名称", "渔港码头维修", "主管部门", "临沙县海洋渔业局",
    "项目", "年初", "调整后", "预算", "预算", "分值", "得分",
    "资金", "预算", "预算数", "执行数", "执行率",
    "（万元）",
    "年度资金总额", "210.00", "240.00", "228.00", "95.00%", "10", "9.5",
    "其中：财政拨款", "210.00", "240.00", "—", "—", "—", "—",
    "绩效", "一级", "二级", "三级", "年度指", "实际完", "分值", "得分", "偏差原因分",
    "指标", "指标", "指标", "指标", "标值", "成值", "析及改进措施",
    "产出指标", "数量指标", "维修泊位", "≥6个", "6个", "25", "25",
    "加固护岸", "≥800米", "760米", "25", "22", "部分材料到货延迟，已督促供货。",
    "满意度指标", "服务对象满意度指标", "渔民满意度", "≥90%", "93.1%", "30", "30",
    "总分", "100", "96.5",
]) + "\n"


def test_one_cell_per_line_with_a_wrapped_header_and_no_empty_cells():
    tables = read(CELLS_WRAPPED)
    money = next(t for t in tables if t.kind == "money")
    assert roles(money)[1:5] == ["initial", "adjusted", "actual", "rate"]
    assert [c.text for c in money.rows[0].filled()] == ["年度资金总额", "210.00", "240.00", "228.00", "95.00%", "10", "9.5"]
    assert indicators(CELLS_WRAPPED) == [
        ("产出指标", "数量指标", "维修泊位", "≥6个", "6个"),
        ("产出指标", "数量指标", "加固护岸", "≥800米", "760米"),
        ("满意度指标", "服务对象满意度指标", "渔民满意度", "≥90%", "93.1%"),
    ]
    grid = next(t for t in tables if t.kind == "indicator")
    total = next(r for r in grid.rows if r.label == "总分")
    assert total.cell(grid.column("score")).text == "96.5"


def test_one_cell_per_bare_line_reads_like_cells_with_pipes():
    bare = CELLS_WRAPPED.replace(" |\n", "\n")
    assert indicators(bare) == indicators(CELLS_WRAPPED)
    record = extract_rules(text_document("临沙县海洋渔业局2021年度项目支出绩效自评表\n" + bare)).plain()
    assert (record["budget"]["initial"], record["budget"]["adjusted"], record["budget"]["actual"]) == (210.0, 240.0, 228.0)


FORM_LINE_SPLIT_TARGETS = (
    "项目名称 林区防火道路修缮 项目 年初预 全年预算数 全年执行数 执行率 分值 得分 资金 算数 （A） （B） （B/A） （万元） "
    "年度资金总额 64.00 70.00 66.50 95.00% 10 9.5 年度总体目标 预期目标 实际完成情况 修缮防火道路，保障巡护通行。 完成修缮，巡护通行顺畅。 "
    "绩效 一级 二级 三级 指标 指标值 度量 实际 分值 得分 指标 指标 指标 指标 性质 单位 完成值 "
    "产出指标 数量指标 修缮防火道路 ≥ 12 公里 12.6 30 30 ≥ 4 座 4 20 20 新建瞭望台 "
    "效益指标 生态效益指标 森林火灾受害率 ≤ 0.8 ‰ 0.5 40 40 总分 100 99\n"
)


def test_a_whole_form_on_one_line_with_sign_and_unit_columns_and_a_name_after_its_values():
    assert indicators(FORM_LINE_SPLIT_TARGETS) == [
        ("产出指标", "数量指标", "修缮防火道路", "≥12公里", "12.6公里"),
        ("产出指标", "数量指标", "新建瞭望台", "≥4座", "4座"),
        ("效益指标", "生态效益指标", "森林火灾受害率", "≤0.8‰", "0.5‰"),
    ]
    money = next(t for t in read(FORM_LINE_SPLIT_TARGETS) if t.kind == "money")
    assert roles(money)[1:5] == ["initial", "adjusted", "actual", "rate"]


def test_a_header_of_whole_words_is_not_read_as_wrapped():
    text = "三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 病媒监测点 ≥30个 32个 50 50 消杀覆盖率 ≥95% 96% 50 48\n"
    table = next(t for t in read(text) if t.kind == "indicator")
    assert roles(table) == ["name", "target", "ind_actual", "points", "score", "note"]
    assert indicators(text) == [(None, None, "病媒监测点", "≥30个", "32个"), (None, None, "消杀覆盖率", "≥95%", "96%")]


RUN_ON_ROWS = """绩效 一级 二级 三级 年度 实际完 分值 得分
指标 指标 指标 指标 指标值 成值
产出指标 数量指标 ≥260户 274户 2020
改造农村危房
完成 ≥35 35处 2020
户厕改造村
质量指标 竣工验收合格率 100%98%2019
效益指标 社会效益指标 住房安全保障率 ≥99% 99.6%2020
"""


def test_rows_run_on_over_lines_with_names_around_their_values_and_figures_run_together():
    assert indicators(RUN_ON_ROWS) == [
        ("产出指标", "数量指标", "改造农村危房", "≥260户", "274户"),
        ("产出指标", "数量指标", "完成户厕改造村", "≥35", "35处"),
        ("产出指标", "质量指标", "竣工验收合格率", "100%", "98%"),
        ("效益指标", "社会效益指标", "住房安全保障率", "≥99%", "99.6%"),
    ]


GLUED_MONEY_FORM = """项目名称 老旧供水管网改造
项目资金（万元） 年初预算数① 年中调整数② 全年预算数③=①+② 执行数④ 执行率⑤=④/③ 分值 得分
年度资金总额 150.0030.00180.00171.0095.00%109.5
一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分
产出指标 数量指标 更换供水管道 ≥12公里 12.4公里 4545
效益指标 社会效益指标 管网漏损率 ≤12% 11.2%4540总分
10094.5
"""


def test_figures_run_together_across_a_money_row_and_a_total_row_are_read_when_they_agree():
    tables = read(GLUED_MONEY_FORM)
    money = next(t for t in tables if t.kind == "money")
    row = money.rows[0]
    assert row.label == "年度资金总额"
    assert [c.value for c in row.filled()[1:]] == [150.0, 30.0, 180.0, 171.0, 95.0, 10.0, 9.5]
    grid = next(t for t in tables if t.kind == "indicator")
    total = next(r for r in grid.rows if r.label == "总分")
    assert (total.cell(grid.column("points")).value, total.cell(grid.column("score")).value) == (100.0, 94.5)
    assert indicators(GLUED_MONEY_FORM)[1] == ("效益指标", "社会效益指标", "管网漏损率", "≤12%", "11.2%")
    # A glued run with no consistent reading (a score above its points) stays whole.
    assert tb._glued_parts(tb.TableCell("1010.5", 0, 6, -1), ["points", "score"]) is None
    assert [c.text for c in tb._glued_parts(tb.TableCell("1010", 0, 4, -1), ["points", "score"])] == ["10", "10"]


NARROW_COLUMNS = """绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分
产出指标 数量指标 新建农村公 ≥14座 15座 30 30
厕
质量指标 公厕验收合 100% 100% 30 30
格率
成本指标 单座建设成 ≤9万元 8.6万元 20 20
本
效益指标 社会效益指标 ≥95% 96.4% 20 19
农户使用满
意度
总分 100 99
"""


def test_cells_wrapped_inside_narrow_columns_join_their_rows():
    assert indicators(NARROW_COLUMNS) == [
        ("产出指标", "数量指标", "新建农村公厕", "≥14座", "15座"),
        ("产出指标", "质量指标", "公厕验收合格率", "100%", "100%"),
        ("产出指标", "成本指标", "单座建设成本", "≤9万元", "8.6万元"),
        ("效益指标", "社会效益指标", "农户使用满意度", "≥95%", "96.4%"),
    ]


def test_a_header_wrapped_over_three_lines_joins_all_its_pieces():
    text = ("绩效 一级 二级 三级 年度指 实际 分值 得分 偏差原因分\n"
            "指标 指标 指标 指标 标值 完成值 析及改进措\n"
            "施\n"
            "产出指标 数量指标 培训乡村医生 ≥120人 131人 50 50\n")
    table = next(t for t in read(text) if t.kind == "indicator")
    assert [table.columns[c].header for c in sorted(table.columns)][-1] == "偏差原因分析及改进措施"
    assert indicators(text) == [("产出指标", "数量指标", "培训乡村医生", "≥120人", "131人")]


def test_an_indicator_about_the_whole_department_is_no_total_row():
    from pipeline.analysis import analyze

    text = (
        "一级指标\t二级指标\t三级指标\t指标值\t完成值\t分值\t得分\n"
        "产出指标\t数量指标\t道路保洁面积\t≥500万平方米\t520万平方米\t10\t10\n"
        "\t成本指标\t部门整体支出控制数\t≤3200.00万元\t3105.40万元\t10\t10\n"
        "合计\t\t\t\t\t100\t98\n"
    )
    table = next(t for t in analyze(text_document(text)).tables if t.kind == "indicator")
    names = [row.name.text for row in tb.indicator_rows(table)]
    assert names == ["道路保洁面积", "部门整体支出控制数"]


def test_an_indicator_table_printed_without_any_separator():
    text = (
        "绩效指标\n一级指标二级指标三级指标年度指标值全年完成值未完成原因\n"
        "产出指标数量指标社区矫正对象走访数≥300人次318人次\n"
        "质量指标矫正档案合格率100%98.5%\n"
        "时效指标12345热线转办及时率≥95%97.1%\n"
        "满意度指标服务对象满意度指标受援群众满意度≥90%94%\n"
        "存在的问题\n走访记录不够规范。\n"
    )
    from pipeline.analysis import analyze

    view = analyze(text_document(text))
    rows = [
        (c.level1 and c.level1.text, c.level2 and c.level2.text, c.name.text, c.target.text, c.actual.text)
        for c in tb.glued_indicator_rows(view.text, view.layout)
    ]
    assert rows == [
        ("产出指标", "数量指标", "社区矫正对象走访数", "≥300人次", "318人次"),
        ("产出指标", "质量指标", "矫正档案合格率", "100%", "98.5%"),
        ("产出指标", "时效指标", "12345热线转办及时率", "≥95%", "97.1%"),
        ("满意度指标", "服务对象满意度指标", "受援群众满意度", "≥90%", "94%"),
    ]
    record = extract_rules(text_document(text))
    assert [i.name for i in record.indicators] == [r[2] for r in rows]


def test_an_indicator_table_with_one_space_between_cells_is_not_read_as_glued():
    # The glued reader strips the header's spaces to find it; a row whose cells are spaced apart
    # is no glued row (read as one, '数量指标 保洁河道长度 120公里 126公里' became a name).
    text = (
        "城区河道保洁运维项目绩效自评表\n一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分\n"
        "产出指标 数量指标 保洁河道长度 120公里 126公里 15 15\n"
        "产出指标 质量指标 水面漂浮物清理率 100% 98.5% 12 11\n"
    )
    from pipeline.analysis import analyze

    view = analyze(text_document(text))
    assert tb.glued_indicator_rows(view.text, view.layout) == []
    record = extract_rules(text_document(text))
    assert [(i.name, i.target, i.actual) for i in record.indicators] == [
        ("保洁河道长度", "120公里", "126公里"), ("水面漂浮物清理率", "100%", "98.5%"),
    ]


@pytest.mark.parametrize("text, indicators", [
    # Read back from a scan, the spare rows' '……' cells may be lost ('指标2： .'): the bare label
    # must neither join the row above nor be read as an indicator.
    (
        "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因\n"
        "质量指标 道路机械化清扫率 ≥85% 88.4% 7 7 无\n"
        "满意度指标(10分) 服务对象满意度指标 市民对市容环境满意度 ≥90% 91.3% 10 10 无\n"
        "指标1：……\n指标2： .\n总分 100 98.82\n",
        [("道路机械化清扫率", "≥85%", "88.4%"), ("市民对市容环境满意度", "≥90%", "91.3%")],
    ),
    # With '……' in every cell, a spare row read as a row has '……' for its name.
    (
        "绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因\n"
        "产出指标(40分) 数量指标 保洁河道长度 ≥120公里 126公里 15 15 无\n"
        "效益指标(30分) 社会效益指标 河道水质达标率 ≥90% 93.5% 10 10 无\n"
        "指标1： …… …… …… …… ……\n指标2： …… …… …… …… ……\n总分 100 99\n",
        [("保洁河道长度", "≥120公里", "126公里"), ("河道水质达标率", "≥90%", "93.5%")],
    ),
], ids=["cells lost", "placeholder cells"])
def test_a_templates_numbered_blank_rows_are_no_indicators_and_no_pieces_of_one(text, indicators):
    record = extract_rules(text_document(text))
    assert [(i.name, i.target, i.actual) for i in record.indicators] == indicators


def test_a_column_header_after_a_label_is_no_value():
    from pipeline.analysis import analyze

    text = "项目支出绩效自评表\n项目名称\t全年预算数\t实际支出\t执行率\n河道保洁\t40.00\t38.00\t95.00%\n"
    view = analyze(text_document(text))
    assert list(tb.labelled_values(view.tables, ["项目名称"])) == []
    form = analyze(text_document("项目支出绩效自评表\n项目名称：\t河道保洁经费\t主管部门（盖章）\t某县水利局\n"))
    assert [(label, cell.text) for label, cell in tb.labelled_values(form.tables, ["项目名称", "主管部门"])] == [
        ("项目名称", "河道保洁经费"), ("主管部门", "某县水利局"),
    ]


# --- a fund form's money header glued at its annotations, figures run together at one precision --


GLUED_FUND_FORM = """青石县乡村公路养护补助资金绩效评价表
(2023年度)
主管部门：青石县交通运输局　　实施单位：青石县公路事务中心
项目名称乡村公路养护补助资金
资金来源(万元)年度预算数(A)整合资金(B)整合后预算数(C)到位资金(D)资金到位完成率(D/C×100%)实际支出(E)支出率(E/C×100%)备注
列次1234567
行次
年度资金总额(万元) 1 120.400000120.400000120.400000100.00%110.76800092.00%支付凭证
其中：省级资金(万元) 2 120.400000120.400000120.400000100.00%110.76800092.00%
县级资金(万元) 3
"""


def test_a_glued_header_is_cut_at_its_annotations():
    text = "项目资金(万元)年初预算①调整数②全年预算③=①+②执行数④执行率(%)⑤=④/③"
    assert [text[a:b] for a, b in tb.glued_header_spans(text)] == [
        "项目资金(万元)", "年初预算①", "调整数②", "全年预算③=①+②", "执行数④", "执行率(%)⑤=④/③"]
    text = "预算数（A）支出数（B）支出率（B/A）说明"
    assert [text[a:b] for a, b in tb.glued_header_spans(text)] == ["预算数（A）", "支出数（B）", "支出率（B/A）", "说明"]
    assert tb.glued_header_spans("全年预算数(A)") is None  # one label is no header
    assert tb.glued_header_spans("根据(A)类标准，开展(B)项工作(C)") is None  # a sentence


def test_a_run_at_one_precision_has_one_split():
    run = "120.400000120.400000100.00%110.76800092.00%"
    assert [[run[a:b] for a, b in r] for r in tb.fixed_precision_splits(run)] == [["120.400000", "120.400000", "100.00%", "110.768000", "92.00%"]]
    assert tb.fixed_precision_splits("12.5012.5") == []  # no precision all its amounts share


def test_figures_run_together_under_a_glued_header_fill_their_columns_with_a_blank_one():
    table = next(t for t in read(GLUED_FUND_FORM) if t.kind == "money")
    headers = [table.columns[c].leaf for c in sorted(table.columns)]
    assert headers == ["资金来源(万元)", "行次", "年度预算数(A)", "整合资金(B)", "整合后预算数(C)", "到位资金(D)", "资金到位完成率(D/C×100%)",
                       "实际支出(E)", "支出率(E/C×100%)", "备注"]
    assert table.columns_with("rate") == [8]  # 支出率 divides the spending; 到位率 does not
    total = table.rows[0]
    assert [(c.column, c.text) for c in total.filled()] == [
        (0, "年度资金总额(万元)"), (1, "1"), (2, "120.400000"), (4, "120.400000"), (5, "120.400000"), (6, "100.00%"),
        (7, "110.768000"), (8, "92.00%"), (9, "支付凭证")]  # 整合资金(B) is blank
    assert [(c.column, c.text) for c in table.rows[2].filled()] == [(0, "县级资金(万元)"), (1, "3")]
    document = text_document(GLUED_FUND_FORM)
    extracted = extract_rules(document)
    budget = extracted.plain()["budget"]
    assert (budget["adjusted"], budget["actual"], budget["execution_rate"]) == (120.4, 110.768, 92.0)
    from pipeline.checks import run_checks

    findings = run_checks(extracted, document)
    repaired = [f for f in findings if f.kind == "separator_repaired"]
    assert repaired and all("120.400000120.400000" in f.message for f in repaired)
    assert not [f for f in findings if f.kind == "ungrounded_value"]  # a split figure is grounded at its place in the run
    from pipeline.ground import verify_evidence

    assert not verify_evidence(document, extracted)


def test_figures_run_together_stay_whole_when_the_header_formulas_fail():
    # 110.768 / 120.4 is 92.00%, not 95.00%: no reading holds, nothing is guessed.
    text = GLUED_FUND_FORM.replace("110.76800092.00%支付凭证", "110.76800095.00%支付凭证")
    table = next(t for t in read(text) if t.kind == "money")
    assert not any(c.run_together for c in table.rows[0].cells)
    assert extract_rules(text_document(text)).plain()["budget"]["actual"] is None


def test_a_lone_rate_column_keeps_its_role_whatever_its_formula_divides():
    table = next(t for t in read("经费类别(万元)预算数（A）支付数（B）执行率（B/A）说明\n合计 50.0048.0096.00%\n") if t.kind == "money")
    assert table.columns_with("rate") == [3]
    assert [(c.column, c.text) for c in table.rows[0].filled()] == [(0, "合计"), (1, "50.00"), (2, "48.00"), (3, "96.00%")]


CIRCLED_GLUED = "项目资金(万元)年初预算①调整数②全年预算③=①+②执行数④执行率⑤=④/③\n年度资金总额 40.0005.00045.00042.75095.00%\n"


def test_a_glued_header_with_circled_formulas_stays_its_own_line_and_its_sum_decides_the_split():
    table = next(t for t in read(CIRCLED_GLUED) if t.kind == "money")
    assert roles(table) == ["other", "initial", "adjustment", "adjusted", "actual", "rate"]
    assert [c.text for c in table.rows[0].filled()] == ["年度资金总额", "40.000", "5.000", "45.000", "42.750", "95.00%"]
    budget = extract_rules(text_document(CIRCLED_GLUED)).plain()["budget"]
    assert (budget["initial"], budget["adjustment"], budget["adjusted"], budget["actual"], budget["execution_rate"]) == (40.0, 5.0, 45.0, 42.75, 95.0)
    # 40 + 5 is not 46: the sum the header prints fails, so the figures stay unread.
    broken = next(t for t in read(CIRCLED_GLUED.replace("45.00042.750", "46.00042.750")) if t.kind == "money")
    assert not any(c.run_together for r in broken.rows for c in r.cells)


# A copy of a table drops the cells merged over several rows: each row then has fewer TAB cells
# than the header, and what is missing is its left-hand (level) cells.
MERGED_CELLS_DROPPED = (
    "某县职业技能培训项目支出绩效自评表\n"
    "绩效指标\t一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因\n"
    "产出指标\t数量指标\t培训场次\t≥12场\t14场\t10\t10\t无\n"
    "质量指标\t培训合格率\t≥95%\t97%\t10\t10\t无\n"
    "效益指标\t社会效益指标\t受训人员就业率\t≥60%\t66%\t20\t19\t部分学员外出务工\n"
)


def test_tab_rows_without_their_merged_cells_take_the_right_hand_columns():
    assert indicators(MERGED_CELLS_DROPPED) == [
        ("产出指标", "数量指标", "培训场次", "≥12场", "14场"),
        ("产出指标", "质量指标", "培训合格率", "≥95%", "97%"),
        ("效益指标", "社会效益指标", "受训人员就业率", "≥60%", "66%"),
    ]


def test_a_tab_row_whose_last_cells_were_left_empty_keeps_its_place():
    # '其他资金 | 0' ends early: its words belong in the label column, not under 执行率.
    text = (
        "项目名称\t年初预算数\t全年预算数\t全年执行数\t执行率\n"
        "年度资金总额\t30\t32\t31\t96.88%\n"
        "其他资金\t0\n"
    )
    table = read(text)[0]
    last = table.rows[-1]
    assert [(c.column, c.text) for c in last.filled()] == [(0, "其他资金"), (1, "0")]

