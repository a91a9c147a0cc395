"""The table reader on forms flattened the way converters flatten them (the form_* family):
run-on rows, wrapped headers whose formulas must find their rate column, points and scores run
together, name fragments on lines of their own, pipes, one cell per line, and the form's
sign-off under its last row. Every department, name and number here is invented."""

from __future__ import annotations

from helpers import text_document
from pipeline import tables as tb
from pipeline.extract.rules import extract_rules
from pipeline.normalize import view
from test_tables import indicators, read  # the same reading helpers as the other table tests


def money_rows(text: str) -> list[list[str]]:
    table = next(t for t in read(text) if t.kind == "money")
    return [[c.text for c in row.filled()] for row in table.rows]


def grid_figures(text: str, *roles: str) -> list[tuple]:
    grid = next(t for t in read(text) if t.kind == "indicator")
    cols = [grid.column(r) for r in roles]
    return [tuple(c.text if c is not None else None for c in (r.cell(k) for k in cols)) for r in grid.rows]


RUN_ON_FORM = """项目支出绩效自评表
项目名称 湖滨湿地巡护经费
主管部门 青禾县林业局 实施单位 青禾县湿地保护站
项目资金 年初 全年预算数 全年执行数 分值 执行率 得分
（万元） 预算数 （A） （B） （B/A）
年度资金总额 86.40112.50104.621092.99%9.3
其中：财政拨款 86.40112.50 — — — —
其他资金 0.000.00 — — — —
绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施
产出指标 数量指标 湿地巡护里程 ≥400公里 436公里 1412
质量指标 巡护记录完整 100%98.5%1110 个别月份记录缺页，下一步加强检查。
率
效益指标 生态效益指标 鸟类栖息地面积 ≥20公顷 21公顷 88
总分 10093.3
填报单位（盖章）：青禾县湿地保护站 填报人：程一 填报日期：2024年2月3日
"""


def test_money_rows_run_together_are_read_one_line_per_row_with_their_figures_split():
    rows = money_rows(RUN_ON_FORM)
    assert rows[0][:4] == ["年度资金总额", "86.40", "112.50", "104.62"] and "92.99%" in rows[0] and "9.3" in rows[0]
    # '86.40112.50' reads 86.40 | 112.50 or 86.401 | 12.50 …: a row prints its amounts at one
    # precision; '209.6|510' is no reading either (no indicator's points exceed 100).
    assert rows[1][:3] == ["其中:财政拨款", "86.40", "112.50"]
    assert rows[2][:3] == ["其他资金", "0.00", "0.00"]


def test_a_ratio_formula_wrapped_under_the_header_goes_to_the_rate_column():
    table = next(t for t in read(RUN_ON_FORM) if t.kind == "money")
    by_role = {c.role: c.header for c in table.columns.values()}
    assert "(B/A)" in by_role["rate"] and by_role["points"] == "分值"
    assert by_role["initial"] == "年初预算数" and "(A)" in by_role["adjusted"] and "(B)" in by_role["actual"]
    assert money_rows(RUN_ON_FORM)[0] == ["年度资金总额", "86.40", "112.50", "104.62", "10", "92.99%", "9.3"]


SIGN_UNIT_FORM = """2023年度项目支出绩效自评表
项目名称 渔港清淤工程
主管部门 石湾县海洋渔业局 实施单位 石湾县渔港管理所
项目资金 全年预算数 全年执行数 预算执行 分值 得分
（万元） （C） （E） （E/C×
100%）
年度资金总额 240.00216.0090.00%109
其中：财政拨款 240.00 — — — —
绩效 一级 二级 三级 指标 指标值 度量 实际 权重 得分
指标 指标 指标 指标 性质 单位 完成值
产出指标 数量指标 清淤土方量 ≥ 300 万方 3261515
产出指标 质量指标 航道通航水深达标率 ≥ 95 % 93.51513.5
产出指标 成本指标 每万方清淤费用 ≤ 8 万元 7.41818
标准
总分 10093.5
"""


def test_a_formula_wrapped_over_three_header_lines_names_the_rate_column():
    money = next(t for t in read(SIGN_UNIT_FORM) if t.kind == "money")
    # '（E/C×' then '100%）' on a third line: one annotation, on the column it divides for.
    assert {c.role: c.header for c in money.columns.values()}["rate"] == "预算执行(E/C×100%)"
    assert money_rows(SIGN_UNIT_FORM)[0] == ["年度资金总额", "240.00", "216.00", "90.00%", "10", "9"]


def test_a_unit_wrapped_under_the_label_column_heads_no_column_of_its_own():
    text = """项目资金 年初 调整后 预算 预算 权重 得分
（万元） 预算 预算数 执行数 执行率
年度资金总额 50.2060.0054.0090.0%109
"""
    money = next(t for t in read(text) if t.kind == "money")
    # Read unwrapped, '（万元）' would make an eighth column and leave a lone '预算' beside
    # '预算执行数'; an annotation is always the rest of the cell above it.
    assert [money.columns[c].role for c in sorted(money.columns)] == ["other", "initial", "adjusted", "actual", "rate", "points", "score"]
    assert money_rows(text)[0] == ["年度资金总额", "50.20", "60.00", "54.00", "90.0%", "10", "9"]


GLUED_SCORES = """绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分
产出指标 数量指标 界桩维护数量 ≥120个 124个 88
产出指标 质量指标 巡检记录合格率 100%97.5%1110
效益指标 生态效益指标 林地保有面积 ≥300亩 312亩 1412
"""


def test_points_and_score_run_together_are_split_where_one_figure_cannot_be_the_points():
    # '1412' cannot be one indicator's points (above 100): this table runs points and score
    # together, so its '88' and '1110' are 8 | 8 and 11 | 10 as well.
    assert grid_figures(GLUED_SCORES, "points", "score") == [("8", "8"), ("11", "10"), ("14", "12")]
    assert grid_figures(GLUED_SCORES, "target", "ind_actual")[1] == ("100%", "97.5%")


def test_an_actual_run_together_with_points_and_score_keeps_the_magnitude_of_its_target():
    # '3261515': 326 | 15 | 15 or 32 | 61 | 515 … (score above points, points above 100: no)
    # or 3261 | 5 | 15 (no): the actual nearest the target 300 wins; '93.51513.5' has one reading.
    assert grid_figures(SIGN_UNIT_FORM, "ind_actual", "points", "score")[:2] == [("326", "15", "15"), ("93.5", "15", "13.5")]


def test_a_name_fragment_on_a_line_of_its_own_goes_on_the_name_above_not_on_its_unit():
    names = [row[2] for row in indicators(RUN_ON_FORM)]
    assert names[:2] == ["湿地巡护里程", "巡护记录完整率"]  # '率' alone under a row of run-together figures
    grid = next(t for t in read(SIGN_UNIT_FORM) if t.kind == "indicator")
    row = grid.rows[2]  # '标准' under '… ≤ 8 万元 7.41818': the name goes on, the unit is whole
    assert row.cell(grid.column("name")).text == "每万方清淤费用标准" and row.cell(grid.column("unit")).text == "万元"
    assert grid_figures(SIGN_UNIT_FORM, "ind_actual", "points", "score")[2] == ("7.4", "18", "18")



WRAPPED_AROUND = """绩效指标 一级指标 二级指标 三级指标 指标性质 指标值 度量单位 实际完成值 权重 得分
产出指标 数量指标 改造 ≥ 6 处 71818
码头泊位
产出指标 质量指标 护岸验收合格率 = 100 % 1001818
"""


def test_a_name_wrapped_around_its_values_does_not_go_on_its_unit():
    # '处' is no unit the lexicon knows: a short word printed right after a figure is the
    # unit cell all the same, and the fragment below goes on the name.
    assert indicators(WRAPPED_AROUND)[0] == ("产出指标", "数量指标", "改造码头泊位", "≥6处", "7处")


SIGNED_OFF = """绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分
产出指标 数量指标 界桩维护数量 ≥120个 124个 50 48
效益指标 生态效益指标 林地保有面积 ≥300亩 312亩 50 50
填报单位（盖章）：北坡林场 填报人：夏禾 填报日期：2024年1月9日
"""


def test_the_forms_sign_off_ends_its_table():
    assert indicators(SIGNED_OFF)[-1] == ("效益指标", "生态效益指标", "林地保有面积", "≥300亩", "312亩")
    assert not any("填报" in c.text for t in read(SIGNED_OFF) for r in t.rows for c in r.cells)
    assert not any("填报" in c.text for t in read(RUN_ON_FORM) for r in t.rows for c in r.cells)


def test_a_run_on_form_reads_whole():
    assert indicators(RUN_ON_FORM) == [
        ("产出指标", "数量指标", "湿地巡护里程", "≥400公里", "436公里"),
        ("产出指标", "质量指标", "巡护记录完整率", "100%", "98.5%"),
        ("效益指标", "生态效益指标", "鸟类栖息地面积", "≥20公顷", "21公顷"),
    ]
    record = extract_rules(text_document(RUN_ON_FORM)).plain()
    assert record["budget"]["initial"] == 86.40 and record["budget"]["adjusted"] == 112.50
    assert record["budget"]["actual"] == 104.62 and record["budget"]["execution_rate"] == 92.99
    assert record["evaluation"]["score"] == 93.3


PIPE_FORM = """2022年度项目支出绩效自评表
| 项目名称 | 山塘加固 |
| 主管部门 | 北屿县水利局 | 实施单位 | 北屿县水利工程站 |
| 项目 |  | 年初 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |
| 资金 |  | 预算数 | （A） | （B） |  | （B/A） |  |
|  | 年度资金总额 | 62.00 | 70.00 | 63.00 | 10 | 90.00% | 9 |
| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |
|  | 产出指标 | 数量指标 | 加固山塘座数 | ≥6座 | 6座 | 30 | 30 |
|  | 产出指标 | 质量指标 |  | 100% | 100% | 30 | 30 |
|  |  |  | 坝体渗漏整治合格率 |  |  |  |  |
| 总分 |  |  |  |  |  | 100 | 94 |
| 自评等级 | 优 |
"""


def test_pipe_rows_stay_rows_and_a_name_below_its_values_joins_them():
    nt, _ = view(PIPE_FORM)
    assert "| 北屿县水利工程站 |\n| 项目 |" in nt.text  # the normaliser joins no pipe row to the next
    money = next(t for t in read(PIPE_FORM) if t.kind == "money")
    # '年初' over '预算数': together they name the column (预算数 alone is any budget).
    assert money.column("initial") is not None and money.column("rate") is not None
    assert indicators(PIPE_FORM)[1] == ("产出指标", "质量指标", "坝体渗漏整治合格率", "100%", "100%")
    record = extract_rules(text_document(PIPE_FORM)).plain()
    assert record["budget"]["initial"] == 62.0 and record["evaluation"]["grade"] == "优"


CELL_FORM = "\n".join("""项目支出绩效自评表
项目名称 |
老旧小区雨污 |
分流改造 |
主管部门 |
东岚区住建局 |
实施单位 |
东岚区市政所 |
一级指标 |
二级指标 |
三级指标 |
指标性质 |
指标值 |
度量单位 |
实际完成值 |
分值 |
得分 |
产出指标 |
数量指标 |
改造小区 |
≥ |
12 |
个 |
13 |
50 |
50 |
效益指标 |
社会效益指标 |
管网满流率 |
≤ |
30 |
% |
26 |
50 |
46 |
总分 |
100 |
96 |
自评等级 |
优 |""".split("\n")) + "\n"


def test_one_cell_per_line_keeps_units_apart_wrapped_values_whole_and_the_total_row_alone():
    bare, _ = view(CELL_FORM.replace(" |", ""))
    assert "\n30\n%\n26\n" in bare.text  # a figure alone over a unit alone: two cells, no wrap
    assert "共支出 232.86万元" in view("本年度共支出 232.86\n万元，较上年增长。\n")[0].text.replace("\n", "")
    head = read(CELL_FORM)[0]
    assert [c.text for c in head.rows[0].filled()] == ["项目名称", "老旧小区雨污分流改造"]
    assert indicators(CELL_FORM) == [
        ("产出指标", "数量指标", "改造小区", "≥12个", "13个"),
        ("效益指标", "社会效益指标", "管网满流率", "≤30%", "26%"),
    ]
    record = extract_rules(text_document(CELL_FORM)).plain()
    assert record["subject"] == "老旧小区雨污分流改造"
    assert [i["actual"] for i in record["indicators"]] == ["13个", "26%"]
    assert record["evaluation"]["score"] == 96 and record["evaluation"]["grade"] == "优"




WRAPPED_HEAD = """2023年度项目支出绩效自评表
项目名称 31020419R551020419882-乡镇污水管网维修养护及应急抢修专项
经费
主管部门 西岭县住建局 实施单位 西岭县排水站
项目资金 年初预算数 全年预算数 全年执行数 执行率 分值 得分
年度资金总额 30.00 32.00 30.40 95.00% 10 9.5
"""

TWO_FORMS = "\n".join("\t".join(line.split()) for line in """项目支出绩效自评表
项目名称 水库除险加固
主管部门 西岭县水利局 实施单位 西岭县水库所
项目资金 年初预算数 全年预算数 全年执行数 执行率 分值 得分
年度资金总额 30.00 32.00 30.40 95.00% 10 9.5
项目支出绩效自评表
项目名称 山塘防汛抢险应急措施
主管部门 西岭县水利局 实施单位 西岭县水库所
项目资金 年初预算数 全年预算数 全年执行数 执行率 分值 得分
年度资金总额 12.00 12.00 11.40 95.00% 10 9.5""".split("\n")) + "\n"


def test_a_form_head_keeps_its_fields_apart_and_its_names_whole():
    nt, _ = view(WRAPPED_HEAD)
    assert "经费\n主管部门" in nt.text  # the next field of a form's head is never the rest of a sentence
    # The name wrapped after its system code: the fragment goes on the value, not the label.
    assert extract_rules(text_document(WRAPPED_HEAD)).plain()["subject"] == "乡镇污水管网维修养护及应急抢修专项经费"
    # A name that ends like a remarks header (…措施) is still the value beside 项目名称.
    forms = tb.forms(read(TWO_FORMS))
    assert [f.name.text for f in forms] == ["水库除险加固", "山塘防汛抢险应急措施"]


COLUMNS_FORM = """2024年度项目支出绩效自评表
项目名称 51070420R
330210556781
-东溪渠道清
淤专项资金
主管部门 东溪县水利 实施单位 东溪县水利
局 工程站
绩效 一级 二级 三级 年度 实际 分值 得分 偏差原因分
指标 指标 指标 指标 指标值 完成值 析及改进措施
产出指标 数量指标 渠道清淤长 ≥30公里 32公里 20 20
度
产出指标 质量指标 清淤验收合 100% 97% 20 18 个别标段返
格率 工，已督促整
改。
效益指标 生态效益指标 河道水质达标 逐步提升 逐步提升 30 30
状况
满意度指标 服务对象满意 沿岸群众满意 ≥90% 93% 30 30
度指标 度
总分 100 98
填报单位（盖 填报人： 填报日期：
章）：东溪县水利工程站 2024年3月1日
"""


def test_a_grid_printed_in_narrow_pdf_columns_puts_each_wrapped_piece_on_its_cell():
    from pipeline.normalize import _row_break

    # Two pieces side by side over two more are the wrapped cells of one row, never prose to join.
    assert _row_break("渠道清淤 个别标段", "长度 返工整改") and not _row_break("本年度渠道清淤", "长度达到30公里")
    assert indicators(COLUMNS_FORM) == [
        ("产出指标", "数量指标", "渠道清淤长度", "≥30公里", "32公里"),
        # '格率' goes on the name, never on the whole level name '产出指标' before it; '改。'
        # ends the remark, not the name.
        ("产出指标", "质量指标", "清淤验收合格率", "100%", "97%"),
        # A lone piece goes on the cell that filled its width, not on the short value beside it.
        ("效益指标", "生态效益指标", "河道水质达标状况", "逐步提升", "逐步提升"),
        # '度指标' completes the level name, '度' the indicator's.
        ("满意度指标", "服务对象满意度指标", "沿岸群众满意度", "≥90%", "93%"),
    ]
    grid = next(t for t in read(COLUMNS_FORM) if t.kind == "indicator")
    assert grid.rows[1].cell(grid.column("note")).text == "个别标段返工,已督促整改。"
    assert not any("填报" in c.text for r in grid.rows for c in r.cells)  # '填报单位（盖' signs off too
    head = read(COLUMNS_FORM)[0]
    # The system code wrapped over two lines is still the name's head, its digits no figure.
    assert tb.clean_name(head.rows[0].cell(1), codes=True).text == "东溪渠道清淤专项资金"


def test_the_record_takes_the_reading_that_holds_more_whole_indicator_rows():
    # The line-by-line reader of side-by-side grids and the token reader both read this grid;
    # the one with more rows whose name has no figure and whose target and actual are read wins.
    record = extract_rules(text_document(COLUMNS_FORM)).plain()
    assert [(i["name"], i["target"], i["actual"]) for i in record["indicators"]] == [
        ("渠道清淤长度", "≥30公里", "32公里"), ("清淤验收合格率", "100%", "97%"),
        ("河道水质达标状况", "逐步提升", "逐步提升"), ("沿岸群众满意度", "≥90%", "93%"),
    ]
    assert record["subject"] == "东溪渠道清淤专项资金" and record["department"] == "东溪县水利局"


def test_a_form_printed_one_cell_per_line_is_never_joined_as_hard_wrapped_prose():
    from pipeline.normalize import _cell_line

    # Header words, level names and a value with its unit make whole lines of their own, however
    # wide the wrap the normaliser estimated; a sentence's piece does not.
    assert _cell_line("偏差原因分析及改进措施") and _cell_line("产出指标") and _cell_line("≥740家次") and _cell_line("92.7%")
    assert not _cell_line("重点排污单位现场检查") and not _cell_line("全年共完成检查740家次，")
    sentence = "本年度共开展渔港巡查工作，全年累计出动执法人员，覆盖辖区全部渔港和码头，" * 2
    cells = "\n".join(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                       "偏差原因分析及改进措施", "产出指标", "数量指标", "渔港巡查次数", "≥120次", "126次", "50", "50"])
    nt, _ = view("\n".join([sentence[: 30 + k] for k in range(10)]) + "\n" + cells + "\n")
    assert "偏差原因分析及改进措施\n产出指标" in nt.text and "渔港巡查次数\n≥120次" in nt.text


def test_a_stray_bar_inside_a_line_separates_no_cells():
    text = ("乱码|字符 项目名称 渔港维修 "
            "绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 产出指标 数量指标 维修泊位 ≥6个 6个 50 50\n")
    assert indicators(text)[0] == ("产出指标", "数量指标", "维修泊位", "≥6个", "6个")


GARBAGE = "乶□覀^而道乗乑能夂Zb丶乸丯乬些□氵亐k和丿上亖乭亙丌丬g卩乺卬亪咼廴亃乂礻亴乮犭宀乚亍亱亰〓亄乣乚亻丨匚亜亃巛乑丌冱亄丅亐乧"


def test_a_garbage_line_printed_across_a_table_neither_ends_it_nor_becomes_a_row():
    tabbed = "\n".join([
        "绩效指标\t一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分",
        "\t产出指标\t数量指标\t巡护里程\t≥300公里\t320公里\t50\t50",
        GARBAGE,
        "\t效益指标\t生态效益指标\t林地保有率\t≥95%\t96%\t50\t48",
    ]) + "\n"
    run_on = tabbed.replace("\t", " ").replace("\n ", "\n")
    for text in (tabbed, run_on):
        assert [row[2] for row in indicators(text)] == ["巡护里程", "林地保有率"], text
        assert not any(GARBAGE[:6] in c.text for t in read(text) for r in t.rows for c in r.cells)


FIGURE_FIRST_NAMES = """绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分
产出指标 数量指标 村级文化活 ≥120场 126场 50 50
动中心开放
场次
3000人 3150人 50 50
60岁以上老
年人参与人
次
总分 100 100
"""


def test_a_name_opening_with_a_figure_and_a_name_wrapped_over_three_lines_stay_names():
    assert tb._value_like("2700人次") and tb._value_like("480元/人") and tb._value_like("≥90%")
    assert not tb._value_like("60岁以上老")  # a figure with more than a unit after it opens a name
    assert indicators(FIGURE_FIRST_NAMES) == [
        ("产出指标", "数量指标", "村级文化活动中心开放场次", "≥120场", "126场"),  # '场次' is the third line of the name
        ("产出指标", "数量指标", "60岁以上老年人参与人次", "3000人", "3150人"),  # printed below its values
    ]
    record = extract_rules(text_document(FIGURE_FIRST_NAMES)).plain()
    assert [i["name"] for i in record["indicators"]][:2] == ["村级文化活动中心开放场次", "60岁以上老年人参与人次"]


BARE_CELLS_HEAD = "\n".join("""项目
年初预
全年预算数
全年执行数
分值
执行率
得分
资金
算数
（A）
（B）
（B/A）
（万元）
年度资金总额
80.00
90.00
81.00
10
90.0%
9
其中：财政拨款
80.00
90.00
—
—
—
—
上年结转资金
0.00
0.00
—
—
—
—""".split("\n")) + "\n"


def test_one_cell_per_line_letters_go_on_the_amounts_and_dashes_stay_empty_cells():
    money = next(t for t in read(BARE_CELLS_HEAD) if t.kind == "money")
    by_role = {c.role: c.header for c in money.columns.values()}
    # '（A）' '（B）' name the amounts '(B/A)' divides, never 分值 (of equal joins, the leftmost).
    assert "(A)" in by_role["adjusted"] and "(B)" in by_role["actual"] and by_role["points"] == "分值"
    rows = money_rows(BARE_CELLS_HEAD)
    assert rows[1] == ["其中:财政拨款", "80.00", "90.00", "—", "—", "—", "—"]
    assert rows[2][0] == "上年结转资金"  # the dashes above it are empty cells, not a label's first piece


# An indicator table copied with single spaces between its cells (no tab anywhere), between a
# numbered heading and the next section's heading; the rows under a merged level cell print
# without it.
SINGLE_SPACED_GRID = """（二）绩效指标完成情况
一级指标 二级指标 三级指标 年度指标值 实际完成值
产出指标 数量指标 新建护岸长度 ≥3.5公里 3.8公里
  加固堤防长度 ≥1.2公里 1.2公里
 质量指标 工程验收合格率 100% 100%
满意度指标 服务对象满意度指标 沿岸群众满意度 ≥90% 94%
三、存在的问题
部分堤段受汛期影响推迟开工。
"""


def test_a_single_spaced_grid_between_section_headings():
    assert indicators(SINGLE_SPACED_GRID) == [
        ("产出指标", "数量指标", "新建护岸长度", "≥3.5公里", "3.8公里"),
        ("产出指标", "数量指标", "加固堤防长度", "≥1.2公里", "1.2公里"),
        ("产出指标", "质量指标", "工程验收合格率", "100%", "100%"),
        ("满意度指标", "服务对象满意度指标", "沿岸群众满意度", "≥90%", "94%"),
    ]
    grid = next(t for t in read(SINGLE_SPACED_GRID) if t.kind == "indicator")
    # The headings are neither a header cell nor part of the last row's name.
    assert [grid.columns[c].header for c in sorted(grid.columns)][0] == "一级指标"
    record = extract_rules(text_document(SINGLE_SPACED_GRID)).plain()
    assert [i["actual"] for i in record["indicators"]] == ["3.8公里", "1.2公里", "100%", "94%"]


def test_a_header_word_with_a_long_bracketed_note_opens_a_single_spaced_money_grid():
    text = (
        "2023年度部门预算收支情况如下表（单位：万元）。\n"
        "项目 年初预算安排金额(含历年结余结转)① 年中调整金额② 小计③=①+② 年度拨付金额④ 支出实现率(%)⑤=④/③\n"
        "基本支出 812.40 35.60 848.00 840.10 99.07\n"
        "合计 1320.00 80.00 1400.00 1372.50 98.04\n"
    )
    record = extract_rules(text_document(text)).plain()
    assert (record["budget"]["initial"], record["budget"]["adjustment"], record["budget"]["adjusted"],
            record["budget"]["actual"], record["budget"]["execution_rate"]) == (1320.0, 80.0, 1400.0, 1372.5, 98.04)


def test_a_fund_table_with_funds_in_place_and_remainder_columns_reads_its_total_row():
    text = (
        "二、项目资金情况(单位：万元)\n"
        "资金来源 计划安排资金 实际到位资金 实际支出 结余\n"
        "中央财政 40 40 38.5 1.5\n"
        "县财政 10 10 9.2 0.8\n"
        "合计 50 50 47.7 2.3\n"
        "三、项目实施情况\n"
    )
    budget = extract_rules(text_document(text)).plain()["budget"]
    assert (budget["adjusted"], budget["actual"]) == (50.0, 47.7)
