"""Prose items (pipeline.extract.prose): indicator sentences and project / fund lists written as
sentences, read on invented reports, and wired into the rules extractor with grounded evidence."""

from __future__ import annotations

from helpers import text_document
from pipeline.extract import prose
from pipeline.extract.rules import extract_rules
from pipeline.ground import verify_evidence
from pipeline.normalize import view


def _indicators(text: str) -> list[tuple]:
    norm = view(text)[0].text
    return [
        (r.level1 and r.level1.text, r.level2 and r.level2.text, r.name.text, r.target and r.target.text, r.actual and r.actual.text)
        for r in prose.indicator_sentences(norm)
    ]


def _items(text: str, whole_department: bool = False) -> list[tuple]:
    norm = view(text)[0].text
    return [
        (i.name.text, i.budget and round(i.budget.value, 4), i.actual and round(i.actual.value, 4), i.rate and i.rate.value)
        for i in prose.money_items(norm, whole_department=whole_department)
    ]


# --- indicators ------------------------------------------------------------------------------


def test_indicator_sentences_under_numbered_level_headings_with_colons():
    text = (
        "三、绩效指标完成情况\n"
        "（一）产出指标（50分）\n"
        "1.数量指标\n"
        "河道巡查里程：年度指标值≥320公里，实际完成347公里，指标完成。\n"
        "2.质量指标\n"
        "水质达标断面比例：年度指标值≥90%，实际完成92.5%，指标完成。\n"
        "（二）满意度指标\n"
        "沿河居民满意度：年度指标值≥85%，实际完成91%。\n"
        "四、存在的问题\n"
        "巡查人员不足。\n"
    )
    assert _indicators(text) == [
        ("产出指标", "数量指标", "河道巡查里程", "≥320公里", "347公里"),
        ("产出指标", "质量指标", "水质达标断面比例", "≥90%", "92.5%"),
        ("满意度指标", None, "沿河居民满意度", "≥85%", "91%"),
    ]


def test_indicator_sentences_without_any_level_heading():
    text = "六、绩效目标完成情况\n垃圾清运及时率：年度目标值≥95%，实际完成97.2%。\n公厕保洁达标率目标值100%，完成值100%；\n"
    assert _indicators(text) == [
        (None, None, "垃圾清运及时率", "≥95%", "97.2%"),
        (None, None, "公厕保洁达标率", "100%", "100%"),
    ]


def test_level_lead_ins_in_the_sentence_and_verbs_before_the_actual_figure():
    text = (
        "（一）产出指标。数量指标方面，新建村级书屋，目标≥12个，实际建成14个；"
        "质量指标：图书更新比例，目标为不低于20%，实际为23%。\n"
        "（二）效益指标。群众阅读习惯，目标为明显改善，实际明显改善。\n"
        "（三）满意度指标。读者满意度目标≥88%，实际94%。\n"
    )
    assert _indicators(text) == [
        ("产出指标", "数量指标", "新建村级书屋", "≥12个", "14个"),
        ("产出指标", "质量指标", "图书更新比例", "不低于20%", "23%"),
        ("效益指标", None, "群众阅读习惯", "明显改善", "明显改善"),
        # 满意度指标 numbered like the 一级 above it is the next 一级, not a 二级 of 效益指标.
        ("满意度指标", None, "读者满意度", "≥88%", "94%"),
    ]


def test_indicator_names_drop_numbering_and_a_sentence_without_target_and_actual_is_none():
    text = (
        "（一）产出指标\n"
        "指标1：病媒监测点位数，目标值40个，完成值42个。\n"
        "2.消杀覆盖率：目标≥98%，实际达到99.1%O\n"
        "3.全年共开展消杀作业260次，覆盖全部社区。\n"
    )
    assert _indicators(text) == [
        ("产出指标", None, "病媒监测点位数", "40个", "42个"),
        ("产出指标", None, "消杀覆盖率", "≥98%", "99.1%"),  # OCR residue after the figure dropped
    ]


def test_several_indicators_in_one_statement_and_numbered_inline():
    text = (
        "（一）产出指标\n"
        "数量指标：新建公厕目标10座，实际12座，改造公厕目标5座，实际5座；质量指标：验收合格率目标100%，实际100%。\n"
        "（二）效益指标\n1.公厕开放率：目标≥95%，实际98%；2.群众如厕便利度：目标明显提升，实际明显提升。\n"
    )
    assert _indicators(text) == [
        ("产出指标", "数量指标", "新建公厕", "10座", "12座"),
        ("产出指标", "数量指标", "改造公厕", "5座", "5座"),
        ("产出指标", "质量指标", "验收合格率", "100%", "100%"),
        ("效益指标", None, "公厕开放率", "≥95%", "98%"),
        ("效益指标", None, "群众如厕便利度", "明显提升", "明显提升"),
    ]


def test_sentences_about_the_goals_are_not_indicators():
    text = (
        "二、绩效目标完成情况\n"
        "我局严格按照绩效目标要求，实际完成了各项工作任务，达到了预期目标。\n"
        "年初设定目标为新建公厕10座，实际完成12座，超额完成任务。\n"
    )
    assert _indicators(text) == []


def test_an_unrelated_numbered_section_closes_the_indicator_levels():
    text = (
        "（一）效益指标\n社会效益指标：路灯亮灯率，目标≥97%，实际98%。\n"
        "五、其他说明\n夜间巡查满意度：目标≥90%，实际93%。\n"
    )
    rows = _indicators(text)
    assert rows[0] == ("效益指标", "社会效益指标", "路灯亮灯率", "≥97%", "98%")
    assert rows[1] == (None, None, "夜间巡查满意度", "≥90%", "93%")


def test_target_and_actual_divided_by_a_semicolon_are_one_indicator():
    assert _indicators("（一）产出指标\n公交站台改造数量：年度目标值：≥60个；实际完成值：64个。\n") == [
        ("产出指标", None, "公交站台改造数量", "≥60个", "64个")
    ]


def test_planned_and_actual_amounts_of_work_as_indicators():
    text = "1.产出指标\n（1）数量指标。县道养护里程：计划完成420公里，实际完成436公里；桥梁检测座数：计划完成85座，实际完成85座。\n"
    assert _indicators(text) == [
        ("产出指标", "数量指标", "县道养护里程", "420公里", "436公里"),
        ("产出指标", "数量指标", "桥梁检测座数", "85座", "85座"),
    ]


def test_a_second_level_lead_in_alone_takes_the_templates_first_level():
    rows = prose.indicator_sentences(view("时效指标：补贴发放时限，年度目标≤15日，实际为12日。")[0].text)
    assert rows[0].level1.text == "产出指标" and rows[0].level1_inferred
    assert (rows[0].level2.text, rows[0].target.text, rows[0].actual.text) == ("时效指标", "≤15日", "12日")


# --- projects and funds ----------------------------------------------------------------------


def test_numbered_items_with_amounts_and_with_colon_figures():
    assert _items("1.河道保洁经费48万元；2.水质监测服务费25.5万元；") == [
        ("河道保洁经费", 48.0, None, None),
        ("水质监测服务费", 25.5, None, None),
    ]
    text = (
        "1.农村饮水维修经费：预算 86.00 万元，实际支出 79.12 万元，执行率 92.00%。\n"
        "2.山塘清淤经费：预算 40.00 万元，实际支出 40.00 万元，执行率 100.00%。\n"
    )
    assert _items(text) == [("农村饮水维修经费", 86.0, 79.12, 92.0), ("山塘清淤经费", 40.0, 40.0, 100.0)]


def test_numbered_title_sentence_names_the_figures_that_follow():
    text = (
        "（一）乡村学校少年宫运行补助。全年预算320万元，实际支出301.5万元，执行率94.22%，覆盖学校46所。\n"
        "（二）校园安保购买服务。全年预算150万元，实际支出150万元，执行率100%。\n"
    )
    assert _items(text, whole_department=True) == [
        ("乡村学校少年宫运行补助", 320.0, 301.5, 94.22),
        ("校园安保购买服务", 150.0, 150.0, 100.0),
    ]


def test_a_name_clause_before_the_figures_and_a_word_typed_twice():
    text = (
        "1.河道保洁项目，预算48万元，实际支出46万元，执行率95.83%。\n"
        "2.水质监测项目，预算25.5万元，实际支出25.5万元，执行率100%。\n"
        "3.负责全县环卫工作，指导各乡镇开展保洁。\n"
    )
    assert _items(text) == [("河道保洁项目", 48.0, 46.0, 95.83), ("水质监测项目", 25.5, 25.5, 100.0)]
    assert _items("1、普查工作经费经费使用 12.5 万元，完成率 100%；2、宣传经费使用 3 万元，完成率 90%。") == [
        ("普查工作经费", None, 12.5, 100.0),
        ("宣传经费", None, 3.0, 90.0),
    ]


def test_narrative_points_and_funding_parts_are_not_projects():
    assert _items("主要做了以下工作：一是投入资金120万元，完成道路硬化3公里；二是争取上级补助80万元，新建文化广场2处。") == []
    assert _items("二、项目资金情况\n项目总投资300万元，其中：财政资金240万元，村集体自筹60万元。") == []


def test_an_items_full_year_budget_replaces_its_start_of_year_budget():
    text = (
        "1.乡村道路养护项目：年初预算100万元，追加预算20万元，调整后预算120万元，实际支出118万元，执行率98.33%。\n"
        "2.路灯维护项目年初预算40万元，调整后预算36万元，实际支出36万元，执行率100%。\n"
        "3.公园绿化项目：年初预算15万元，实际支出15万元。\n"
    )
    assert _items(text) == [
        ("乡村道路养护项目", 120.0, 118.0, 98.33),
        ("路灯维护项目", 36.0, 36.0, 100.0),
        ("公园绿化项目", 15.0, 15.0, None),  # the only budget printed is the item's budget
    ]


def test_run_on_clauses_and_a_lone_money_statement():
    text = "污水管网巡检费预算60.00万元，实际支出58.20万元；泵站电费预算22.40万元，实际支出21.90万元。"
    assert _items(text) == [("污水管网巡检费", 60.0, 58.2, None), ("泵站电费", 22.4, 21.9, None)]
    # One money statement in a sentence is about the whole, and figures inside a narrative of
    # counts are no list.
    assert _items("截至年底，防疫物资经费实际支出33.6万元，执行率96%。") == []
    assert _items("全年检查企业85家次，立案12宗，罚款3.2万元，没收违法所得5000元；组织培训3次。") == []


def test_lead_in_list_then_a_later_list_fills_the_spending_by_name():
    text = (
        "下达我县森林防火专项资金260万元，其中：瞭望塔维修110万元，防火隔离带建设90万元，扑火装备购置60万元。\n"
        "截至12月31日，累计支出241.3万元。分项目看：瞭望塔维修支出108.5万元；防火隔离带建设支出72.8万元；扑火装备购置支出60万元。\n"
    )
    assert _items(text) == [
        ("瞭望塔维修", 110.0, 108.5, None),
        ("防火隔离带建设", 90.0, 72.8, None),
        ("扑火装备购置", 60.0, 60.0, None),
    ]


def test_a_lead_in_colon_at_a_line_end_runs_on_to_its_list():
    text = "下达资金500万元，其中：\n道路硬化300万元，\n桥梁维修200万元。\n实际支出480万元。其中：道路硬化\n支出290万元；桥梁维修支出190万元。"
    assert _items(text) == [("道路硬化", 300.0, 290.0, None), ("桥梁维修", 200.0, 190.0, None)]


def test_items_after_a_spending_sentence_are_spending_and_funding_sources_are_never_items():
    text = (
        "资金实际支出18万元。其中：宣传品印制支出6.5万元，志愿者补贴支出11.5万元。\n"
        "全年预算共计1.5亿元，其中中央补助资金1.2亿元、县级配套资金0.3亿元。\n"
        "结余2万元，其中上年结转1.5万元。\n"
    )
    assert _items(text) == [("宣传品印制", None, 6.5, None), ("志愿者补贴", None, 11.5, None)]


def test_nested_sub_list_in_yi_yuan_replaces_its_parent():
    text = "市级下达防汛资金1.2亿元，其中：河道整治0.5亿元（其中：东河0.3亿元，西河0.2亿元），水库维修0.7亿元。"
    assert _items(text) == [("东河", 3000.0, None, None), ("西河", 2000.0, None, None), ("水库维修", 7000.0, None, None)]


def test_allocations_without_yuan_and_uses_of_the_money():
    assert _items("村级补助已分配到村：东坪5万、河口3万、石门4.5万。") == [
        ("东坪", 5.0, None, None),
        ("河口", 3.0, None, None),
        ("石门", 4.5, None, None),
    ]
    assert _items("全年实际支出25.5万元，主要用于购置救生衣等物资12万元、开展应急演练8万元、维修预警广播5.5万元。") == [
        ("购置救生衣等物资", None, 12.0, None),
        ("开展应急演练", None, 8.0, None),
        ("维修预警广播", None, 5.5, None),
    ]
    # A bare 万 outside a list of allocations is no money (万人, 万亩 never were).
    assert _items("受益群众约3万，覆盖耕地2.1万亩。") == []


def test_bracketed_detail_stays_with_its_item_and_codes_are_dropped():
    text = "经费主要用于三个方面：堤防巡查经费12万元，应急物资储备8万元，村级防汛补助15万元（镇本级3万元，每村2万元）。"
    assert _items(text) == [("堤防巡查经费", 12.0, None, None), ("应急物资储备", 8.0, None, None), ("村级防汛补助", 15.0, None, None)]
    coded = "1.43052221R000000012345-乡镇污水处理运维：预算30万元，实际支出28万元；2.43052221R000000012346-管网修复：预算12万元，实际支出12万元。"
    assert [row[0] for row in _items(coded)] == ["乡镇污水处理运维", "管网修复"]


def test_whole_department_breakdowns_are_not_projects():
    text = (
        "（二）执行情况\n2022年实际支出3120.4万元，其中基本支出1210.6万元，项目支出1909.8万元。\n"
        "2022年“三公”经费预算12万元，实际支出9.3万元。其中：公务用车运行维护费预算8万元，实际支出6.1万元；公务接待费预算4万元，实际支出3.2万元。\n"
        "其中工资福利支出980.2万元，商品和服务支出230.4万元。\n"
    )
    assert _items(text, whole_department=True) == []


def test_a_project_split_by_its_own_sub_list_in_a_department_report():
    text = (
        "（一）收入情况。2022年部门收入合计5236.18万元，其中：本年财政拨款4988.36万元，上年结转247.82万元。\n"
        "三、项目支出情况\n"
        "1.基本公共卫生服务项目：全年预算1860万元，实际支出1842.6万元，执行率99.06%。\n"
        "2.疫情防控专项经费：全年预算960万元，实际支出915.3万元，执行率95.34%，其中核酸检测费612.8万元，防控物资采购302.5万元。\n"
        "（四）政府采购情况。全年政府采购总额632.5万元，其中货物类418.2万元，服务类214.3万元。\n"
    )
    # The 其中 after the spending splits the spending; the split project gives way to its parts.
    assert _items(text, whole_department=True) == [
        ("基本公共卫生服务项目", 1860.0, 1842.6, 99.06),
        ("核酸检测费", None, 612.8, None),
        ("防控物资采购", None, 302.5, None),
    ]


def test_a_second_breakdown_of_the_same_money_is_not_listed_twice():
    text = (
        "下达农村公路养护补助资金1.2亿元，其中：县道养护0.5亿元，乡道养护0.45亿元，村道养护0.25亿元。\n"
        "各县区分配情况：东平县5000万、西河县4500万、南岭区2500万。\n"
    )
    assert [row[0] for row in _items(text)] == ["县道养护", "乡道养护", "村道养护"]
    # Two projects that happen to have the same budget are both listed.
    same = "1.桥梁检测：预算30万元，实际支出30万元。\n2.标志标线：预算30万元，实际支出28万元。\n"
    assert [row[0] for row in _items(same)] == ["桥梁检测", "标志标线"]


def test_not_a_project_names_sources_scopes_and_totals():
    for name in ["本年财政拨款", "中央资金", "省级配套资金", "上年结转资金", "基本支出", "合计", "“三公”经费"]:
        assert prose.not_a_project(name), name
    for name in ["总值班室工作经费", "应急指挥救援工作经费（人员经费）", "乡村道路养护"]:
        assert not prose.not_a_project(name), name


# --- wired into the rules extractor ------------------------------------------------------------


REPORT = (
    "青溪县城市管理局2023年环卫保洁专项资金绩效自评报告\n"
    "一、资金使用情况\n"
    "县财政下达环卫保洁专项资金150万元，截至2023年12月31日实际支出141.6万元，执行率94.4%。\n"
    "按资金用途分：道路清扫保洁安排90万元，支出88.2万元；垃圾转运安排60万元，支出53.4万元。\n"
    "二、绩效目标完成情况\n"
    "（一）产出指标\n"
    "数量指标：道路清扫面积，年度目标≥210万平方米，实际完成216万平方米，已完成。\n"
    "（二）满意度指标\n"
    "服务对象满意度指标：沿街商户满意度，年度目标≥85%，实际为90.3%，已完成。\n"
    "三、存在的问题\n"
    "转运车辆老化。\n"
)


def test_rules_extractor_lists_prose_items_with_grounded_evidence():
    document = text_document(REPORT)
    record = extract_rules(document)
    assert [(p.name, p.budget, p.actual) for p in record.projects] == [("道路清扫保洁", 90.0, 88.2), ("垃圾转运", 60.0, 53.4)]
    assert [(i.level1, i.level2, i.name, i.target, i.actual) for i in record.indicators] == [
        ("产出指标", "数量指标", "道路清扫面积", "≥210万平方米", "216万平方米"),
        ("满意度指标", "服务对象满意度指标", "沿街商户满意度", "≥85%", "90.3%"),
    ]
    assert record.evidence["projects[1].actual"].quote == "53.4万元"
    assert record.evidence["indicators[1].name"].quote == "沿街商户满意度"
    assert [p for p in verify_evidence(document, record) if p.path.startswith(("projects", "indicators"))] == []


def test_a_sentence_restating_a_table_row_is_not_a_second_indicator():
    text = (
        "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\n"
        "产出指标\t数量指标\t新建健身步道长度\t≥12公里\t12.6公里\n"
        "说明：新建健身步道长度（公里），年度指标值≥12公里，实际完成12.6公里。\n"
    )
    record = extract_rules(text_document(text))
    assert [i.name for i in record.indicators] == ["新建健身步道长度"]


def test_rules_extractor_keeps_traditional_characters_of_prose_items():
    text = REPORT.replace("道路清扫保洁", "道路清掃保潔").replace("沿街商户满意度", "沿街商戶滿意度")
    record = extract_rules(text_document(text))
    assert record.projects[0].name == "道路清掃保潔"
    assert record.indicators[1].name == "沿街商戶滿意度"
    assert record.indicators[1].level2 == "服务对象满意度指标"


# --- leftover HTML and indicator values with money units ----------------------------------------


def test_headings_wrapped_in_leftover_html_still_open_levels_and_sections():
    text = (
        "<p><strong>三、路灯运维绩效情况</strong></p>\n"
        "<b>（一）产出指标</b>&nbsp;\n"
        "1.数量指标：\n"
        "（1）新装路灯盏数，年度目标值≥150盏，实际完成162盏。\n"
        "2.成本指标：\n"
        "（1）单盏路灯年维护费用，年度目标值≤380元，实际完成365元。\n"
        "<span>（二）满意度指标</span>\n"
        "夜行居民满意度：年度目标值≥90%，实际完成93.5%。\n"
    )
    assert _indicators(text) == [
        ("产出指标", "数量指标", "新装路灯盏数", "≥150盏", "162盏"),
        # 成本指标 numbered like a 二级 under the open 一级 is a 二级, once the tags no longer hide the 一级.
        ("产出指标", "成本指标", "单盏路灯年维护费用", "≤380元", "365元"),
        ("满意度指标", None, "夜行居民满意度", "≥90%", "93.5%"),
    ]


def test_a_heading_in_html_tags_does_not_run_on_into_the_money_sentence():
    text = "<p><strong>二、资金拨付情况</strong></p>\n资金按3个社区分配：东苑社区12万、南塘社区8万、柳岸社区6.5万。\n"
    assert _items(text) == [("东苑社区", 12.0, None, None), ("南塘社区", 8.0, None, None), ("柳岸社区", 6.5, None, None)]


def test_indicator_values_in_yuan_are_not_items():
    text = (
        "五、绩效目标完成情况\n"
        "人均培训成本：目标值≤450元，实际完成值432元，已完成。\n"
        "单次巡检费用：年度目标值≤1.2万元，实际完成1.15万元，指标完成。\n"
    )
    assert _items(text) == []
    assert [row[2] for row in _indicators(text)] == ["人均培训成本", "单次巡检费用"]


def test_block_tags_the_text_joined_into_one_line_still_divide_paragraphs():
    # A converter joined the tagged heading to the sentences around it.
    text = (
        "（二）服务目标。做好辖区公园日常管护。<p><strong>二、资金安排情况</strong></p>"
        "2023年安排资金52万元。资金分配情况：1.东湖公园管护20万元；2.西山绿道维护18万元；3.滨河步道保洁14万元。\n"
    )
    assert _items(text) == [("东湖公园管护", 20.0, None, None), ("西山绿道维护", 18.0, None, None), ("滨河步道保洁", 14.0, None, None)]
    paragraphs = [flat.strip() for flat, _ in prose.paragraphs(view(text)[0].text)]
    assert "二、资金安排情况" in paragraphs


def test_a_numbered_heading_in_inline_tags_joined_to_its_first_sentence():
    text = "<span>二、专项资金使用情况</span>路灯维修项目预算30万元，实际支出28万元；绿化养护项目预算12万元，实际支出12万元。\n"
    assert _items(text) == [("路灯维修项目", 30.0, 28.0, None), ("绿化养护项目", 12.0, 12.0, None)]
    # Emphasis inside a sentence is no heading: the sentence stays one paragraph.
    sentence = "全年<b>实际支出</b>28万元，执行率93.33%。"
    assert len(prose.paragraphs(view(sentence)[0].text)) == 1


# --- indicators that print only a target or only an actual ----------------------------------------


ONE_VALUE_REPORT = (
    "三、绩效指标完成情况\n"
    "（一）产出指标\n"
    "1.数量指标\n"
    "新建健身广场：年度目标值≥6个，实际完成7个，指标完成。\n"
    "健身器材更新数量：实际完成120件。\n"
    "2.成本指标\n"
    "单个广场建设成本，年度目标值≤35万元。\n"
    "（二）满意度指标\n"
    "1.周边居民满意度：实际完成95.2%，已完成。\n"
    "四、存在的问题\n"
    "器材损耗率：实际完成3%。\n"
    "部分广场夜间照明不足。\n"
)


def test_under_an_indicator_heading_a_sentence_with_only_a_target_or_only_an_actual_is_an_indicator():
    assert _indicators(ONE_VALUE_REPORT) == [
        ("产出指标", "数量指标", "新建健身广场", "≥6个", "7个"),
        ("产出指标", "数量指标", "健身器材更新数量", None, "120件"),
        ("产出指标", "成本指标", "单个广场建设成本", "≤35万元", None),
        ("满意度指标", None, "周边居民满意度", None, "95.2%"),
        # Outside the indicator section one value alone names no indicator.
    ]
    record = extract_rules(text_document(ONE_VALUE_REPORT))
    assert [(i.name, i.target, i.actual) for i in record.indicators][1:3] == [("健身器材更新数量", None, "120件"), ("单个广场建设成本", "≤35万元", None)]
    assert record.evidence["indicators[1].actual"].quote == "120件"


def test_one_value_sentences_that_are_no_indicator():
    text = (
        "（一）产出指标\n"
        "全年目标：完成改造12处。\n"  # the goal, not a named indicator
        "数量指标：2023年项目，实际完成9处。\n"  # a year is no indicator's name
        "健身广场建设，实际完成7个，另有3个正在施工，预计明年完工。\n"  # more than a verdict after the value
        "群众评价：实际完成情况良好。\n"  # no figure
    )
    assert _indicators(text) == []


def test_a_lead_in_after_the_totals_clause_opens_the_list():
    assert _items("镇财政拨付资金45万元，具体分配如下：东岗村20万元、北塘村15万元、柳林村10万元。") == [
        ("东岗村", 20.0, None, None),
        ("北塘村", 15.0, None, None),
        ("柳林村", 10.0, None, None),
    ]
    # A count in the lead-in is no amount; numbering after it is no part of the first name.
    assert _items("全年安排资金26万元，按2类用途使用：1.路面修补16万元；2.护栏更换10万元。") == [
        ("路面修补", 16.0, None, None),
        ("护栏更换", 10.0, None, None),
    ]
    # An indicator lead-in inside a statement opens no money list.
    assert _items("（一）产出指标。成本控制良好，成本指标：单公里养护费用1.2万元，实际1.1万元。") == []


def test_runs_of_spaces_read_as_one_space_with_offsets_into_the_text():
    text = "垃圾清运及时率：年度目标值≥95%，        实际完成97.2%。\n" + ("序号      名称        金额\n" * 3)
    flat, index = prose.paragraphs(text)[0]
    assert "  " not in flat
    assert all(text[i] == ch for ch, i in zip(flat, index))  # every kept character is the printed one
    [(name, target, actual)] = [(i.name.text, i.target.text, i.actual.text) for i in prose.indicator_sentences(text)]
    assert (name, target, actual) == ("垃圾清运及时率", "≥95%", "97.2%")
