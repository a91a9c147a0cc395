"""Title, department, subject and year found past page furniture, on reports invented here."""

from __future__ import annotations

from helpers import text_document
from pipeline.extract.rules import extract_rules
from pipeline.layout import analyze

FURNITURE = """索引号：110X01/2025-00311
分类：财政信息；预决算公开
发布机构：青杉市园林绿化局
发文日期：2025-05-12 09:30
文号：青园财〔2025〕7号
青杉市园林绿化局2024年度部门整体支出绩效自评报告
根据市财政局的通知要求，我局对2024年度部门整体支出开展了自评。
一、部门基本情况
"""


def test_title_is_found_after_site_metadata_rows():
    layout = analyze(FURNITURE)
    assert layout.title == "青杉市园林绿化局2024年度部门整体支出绩效自评报告"
    record = extract_rules(text_document(FURNITURE))
    assert record.department == "青杉市园林绿化局"
    assert record.fiscal_year == 2024


def test_spam_line_above_the_title_is_not_part_of_it():
    text = "不锈钢水箱_保温水箱厂家-某某金属制品\n柳岸县商务局2021年度部门整体支出绩效自评报告\n一、基本情况\n我局2021年度预算执行良好。\n"
    assert analyze(text).title == "柳岸县商务局2021年度部门整体支出绩效自评报告"


def test_wrapped_title_joins_the_organisation_line_above():
    text = "石门市河湖保护中心\n2022年水污染防治专项资金支出绩效评价报告\n一、项目概况\n本项目2022年下达资金60万元。\n"
    layout = analyze(text)
    assert layout.title == "石门市河湖保护中心 2022年水污染防治专项资金支出绩效评价报告"
    record = extract_rules(text_document(text))
    assert record.department == "石门市河湖保护中心"
    assert record.subject == "水污染防治专项资金"  # the evaluated year is fiscal_year's
    assert record.fiscal_year == 2022


def test_report_without_a_title_block_has_no_title():
    text = "一、资金下达情况\n2023年，省财政下达补助资金0.5亿元，用于乡村道路养护。\n二、绩效目标完成情况\n"
    assert analyze(text).title == ""


def test_html_tags_around_the_title_are_dropped():
    text = "<p><span>北岭镇人民政府2019年度道路养护经费绩效自评报告</span></p>\n一、基本情况\n"
    layout = analyze(text)
    assert layout.title == "北岭镇人民政府2019年度道路养护经费绩效自评报告"
    record = extract_rules(text_document(text))
    assert record.department == "北岭镇人民政府"
    assert record.subject == "道路养护经费"


def test_stale_title_year_loses_to_the_year_line_and_the_body():
    text = (
        "桐山县文化馆2022年度项目支出绩效自评报告\n（2023年度）\n"
        "根据县财政局关于开展2023年度项目支出绩效自评工作的通知，我馆对2023年度免费开放资金开展了自评。\n"
        "2023年度预算安排资金30万元，实际支出29万元。\n"
    )
    assert extract_rules(text_document(text)).fiscal_year == 2023


def test_a_labelled_year_beats_the_vote():
    text = "部门整体支出绩效自评表\n部门名称\t云谷县审计局\t被评价年度\t2020年\n2021年度预算执行情况说明\n2021年度预算支出\n"
    assert extract_rules(text_document(text)).fiscal_year == 2020


def test_report_without_title_finds_the_acting_unit():
    text = (
        "一、资金下达情况\n2023年，财政部下达我省乡村道路养护补助资金0.5亿元。\n"
        "二、资金分配情况\n青川省交通运输厅会同省财政厅将资金分解下达至各市县。\n"
    )
    assert extract_rules(text_document(text)).department == "青川省交通运输厅"


def test_subject_from_the_body_of_a_fund_report_without_title():
    from pipeline.extract.rules import _subject_from_body, build_context

    text = (
        "一、资金安排\n2023年全省乡村道路养护补助资金全年预算共计5000万元。\n"
        "二、自评结论\n2023年乡村道路养护补助资金绩效自评得分为93分。\n"
    )
    found = _subject_from_body(build_context(text_document(text)))
    assert found is not None and found.value == "乡村道路养护补助资金"


def test_a_stale_heading_with_its_own_year_is_not_joined_to_the_title():
    text = "柏林市财政局关于公开2022年度部门预算的说明\n2021年度教师培训专项经费绩效自评报告\n一、项目基本情况\n"
    assert analyze(text).title == "2021年度教师培训专项经费绩效自评报告"
    wrapped = "柏林市教育局\n2021年度教师培训专项经费绩效自评报告\n一、项目基本情况\n"
    assert analyze(wrapped).title == "柏林市教育局 2021年度教师培训专项经费绩效自评报告"


def _head(text: str):
    record = extract_rules(text_document(text))
    return record.subject, record.department


def test_form_head_fields_however_the_form_was_flattened():
    pipes = (
        "项目支出绩效自评表\n（2022年度）\n| 项目名称 | 44012345R000000123456-城区绿道维护经费 |\n"
        "| 主管部门 | 梧州市园林局 | 实施单位 | 梧州市绿道管理所 |\n"
    )
    assert _head(pipes) == ("城区绿道维护经费", "梧州市园林局")
    cells = "项目支出绩效自评表\n项目名称 |\n城区绿道 |\n维护经费 |\n主管部门 |\n梧州市园林局 |\n实施单位 |\n梧州市绿道管理所 |\n"
    assert _head(cells) == ("城区绿道维护经费", "梧州市园林局")
    bare = "项目支出绩效自评表\n项目名称\n44012345R000000123456-城区绿道\n维护经费\n主管部门\n梧州市园林局\n实施单位\n梧州市绿道管理所\n"
    assert _head(bare) == ("城区绿道维护经费", "梧州市园林局")
    one_line = "项目支出绩效自评表\n项目名称 44012345R000000123456-城区绿道维护经费 主管部门 梧州市园林局 实施单位 梧州市绿道管理所 项目资金 年初预算数\n"
    assert _head(one_line) == ("城区绿道维护经费", "梧州市园林局")
    wrapped = "项目支出绩效自评表\n项目名称 城区绿道维\n护经费\n主管部门 梧州市园林局 实施单位 梧州市绿道管理所\n"
    assert _head(wrapped) == ("城区绿道维护经费", "梧州市园林局")


def test_a_heading_below_a_lone_label_is_no_value():
    text = "某县2021年度项目支出绩效自评报告\n项目名称\n一、项目基本情况\n本项目全年预算50万元。\n"
    assert extract_rules(text_document(text)).subject != "一、项目基本情况"


def test_headings_whose_opening_bracket_was_lost():
    text = (
        "一、绩效目标完成情况\n资金已全部拨付。\n二、偏离绩效目标的原因和下一步改进措施\n"
        "一)存在的问题及原因\n部分县区补助资金拨付滞后。\n二)下一步改进措施\n建立按月调度制度，加快拨付。\n"
    )
    layout = analyze(text)
    assert [(h.number, h.title, h.level) for h in layout.headings][2:] == [("一)", "存在的问题及原因", 2), ("二)", "下一步改进措施", 2)]
    record = extract_rules(text_document(text))
    assert record.problems == "部分县区补助资金拨付滞后。"
    assert record.improvements == "建立按月调度制度，加快拨付。"


def test_html_tags_around_section_headings():
    text = (
        "<h3>一、项目概况</h3>\n本项目全年预算80万元，实际支出76万元。\n"
        "<h3>五、存在问题</h3>\n<p>资金拨付进度偏慢。</p>\n<h3>六、改进措施</h3>\n<p>按月调度资金拨付。</p>\n"
    )
    layout = analyze(text)
    assert [h.title for h in layout.headings] == ["项目概况", "存在问题", "改进措施"]
    record = extract_rules(text_document(text))
    assert "资金拨付进度偏慢" in record.problems and "按月调度资金拨付" in record.improvements


def test_a_fund_run_as_a_project_is_named_without_the_word_project():
    text = "2024年乡村道路养护专项资金项目绩效自评报告\n一、项目概况\n本项目全年预算80万元。\n"
    assert extract_rules(text_document(text)).subject == "乡村道路养护专项资金"
    works = "2024年城区排水管网改造工程项目绩效自评报告\n一、项目概况\n本项目全年预算80万元。\n"
    assert extract_rules(text_document(works)).subject == "城区排水管网改造工程项目"


def test_a_special_fund_form_with_unit_codes():
    text = (
        "中央补助地方禁毒工作专款绩效评价表\n(2021年度)\n主管部门：412-桐江县公安局　　实施单位：412003-桐江县禁毒大队\n"
        "项目名称\t中央补助地方禁毒工作专款\n"
    )
    record = extract_rules(text_document(text))
    assert record.report_type == "project_table"
    assert record.department == "桐江县公安局"
