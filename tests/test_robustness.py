"""Rules that keep extraction right on damaged layouts: rows that lost their tabs, header words
wrapped onto the next line, wrapped indicator names, cuts printed as 调减, reason clauses.
Hand-written cases pin each rule; generated reports (pipeline.synth, one noise kind at a time)
check the rule end to end against known gold."""

from __future__ import annotations

import pytest

from helpers import text_document
from pipeline.evaluate import score_document
from pipeline.extract.rules import extract_rules
from pipeline.ground import verify_evidence
from pipeline.layout import analyze
from pipeline import synth

TABLE = (
    "绩效指标\t一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\n"
    "\t产出指标\t数量指标\t培训人次\t≥3000人次\t3260人次\n"
    "        质量指标    验收合格率    100%    100%\n"
    "\t效益指标\t社会效益指标\t群众知晓率\t≥90%\t93%\n"
)


def test_a_row_that_lost_its_tabs_between_tab_rows_is_split_into_cells():
    layout = analyze(TABLE)
    row = layout.lines[2]
    assert row.is_table_row
    assert [c.text for c in row.filled()][-3:] == ["验收合格率", "100%", "100%"]
    record = extract_rules(text_document(TABLE))
    names = [i.name for i in record.indicators]
    assert "验收合格率" in names
    (row,) = [i for i in record.indicators if i.name == "验收合格率"]
    assert (row.level1, row.level2, row.target, row.actual) == ("产出指标", "质量指标", "100%", "100%")


def test_prose_with_spaces_beside_a_table_stays_prose():
    text = "本年度 我局 认真 开展 各项 工作，成效 明显。\n" + TABLE
    assert not analyze(text).lines[0].is_table_row


def test_a_header_word_wrapped_onto_the_next_line_is_joined():
    text = (
        "一级指标\t二级指标\t三级指标\t年度\t实际完成值\n"
        "\t\t\t指标值\t\n"
        "产出指标\t数量指标\t培训人次\t≥3000人次\t3260人次\n"
    )
    record = extract_rules(text_document(text))
    assert [(i.name, i.target, i.actual) for i in record.indicators] == [("培训人次", "≥3000人次", "3260人次")]


def test_a_cut_printed_as_调减_is_a_negative_change():
    text = "2022年年初预算1,200.00万元，年中调减预算150.00万元，全年预算1,050.00万元，实际支出1,000.00万元，预算执行率95.24%。"
    document = text_document(text)
    record = extract_rules(document)
    assert record.budget.adjustment == -150.0
    assert record.budget.adjusted == 1050.0
    assert verify_evidence(document, record) == []


def test_a_reason_clause_does_not_narrow_the_scope():
    text = "2022年年初预算1,000.00万元，根据上级专项资金下达文件追加预算200.00万元，全年预算1,200.00万元，实际支出1,150.00万元。"
    record = extract_rules(text_document(text))
    assert record.budget.adjusted == 1200.0
    assert record.budget.adjustment == 200.0
    assert record.budget.project.budget is None


@pytest.mark.parametrize("kind", ["tabs_to_spaces", "header_split", "row_wrap", "value_shift", "traditional", "garbage_paragraph"])
def test_generated_reports_with_one_noise_kind_extract_exactly(kind):
    reports = synth.generate(10, "mixed", noise=3, seed=41, kinds=[kind])
    correct = scored = 0
    for report in reports:
        document = text_document(report.text, doc_id=report.doc_id)
        record = extract_rules(document)
        score = score_document(report.gold, record.plain())
        correct += score.counts.correct
        scored += score.counts.scored
        assert verify_evidence(document, record) == [], report.doc_id
    assert correct / scored >= 0.98, (kind, correct, scored)
