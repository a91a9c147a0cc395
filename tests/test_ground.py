"""Grounding values back into the text: exact, normalised, fuzzy, ungrounded."""

from __future__ import annotations

from helpers import text_document
from pipeline.ground import evidence_holds, find_value, ground_record, ground_value, quote_contains, verify_evidence
from pipeline.record import ExtractedRecord

TEXT = "调整后全年预算数为 2,2097.11 万元，实际支出 3286. 80 万元。\f存在的问题：绩效指标设置难以全面涵盖。"


def test_amount_found_through_a_misplaced_separator():
    evidence = ground_value(text_document(TEXT), 22097.11, "amount")
    assert evidence.match == "normalized"
    assert evidence.quote.startswith("2,2097.11")
    assert evidence.page == 1


def test_amount_with_space_inside_is_normalized_match():
    evidence = ground_value(text_document(TEXT), 3286.8, "amount")
    assert evidence.match == "normalized" and "3286. 80" in evidence.quote


def test_text_on_second_page_keeps_page_offsets():
    document = text_document(TEXT)
    evidence = ground_value(document, "绩效指标设置难以全面涵盖", "text")
    assert evidence.match == "exact" and evidence.page == 2
    assert document.page(2).text[evidence.start : evidence.end] == "绩效指标设置难以全面涵盖"


def test_fuzzy_text_and_ungrounded_values():
    document = text_document(TEXT)
    fuzzy = ground_value(document, "绩效指标设量难以全面涵盖", "text")
    # The span is the printed sentence the misread aligns with, not a window of the misread's length
    # guessed from one matching block.
    assert fuzzy.match == "fuzzy" and fuzzy.quote == "绩效指标设置难以全面涵盖"
    assert ground_value(document, "完全不同的一句话内容", "text").match == "ungrounded"
    assert ground_value(document, 12345.67, "amount").match == "ungrounded"


def test_ground_record_marks_invented_values_and_verify_reports_them():
    document = text_document(TEXT)
    record = ExtractedRecord(doc_id="doc", problems="绩效指标设置难以全面涵盖。", budget={"actual": 3286.8, "initial": 999.0})
    grounded = ground_record(document, record)
    assert grounded.evidence["budget.actual"].match == "normalized"
    assert grounded.evidence["budget.initial"].match == "ungrounded"
    assert [p.path for p in verify_evidence(document, grounded)] == ["budget.initial"]


def test_quote_contains():
    assert quote_contains("348.87元", 0.034887)
    assert quote_contains("未支付", 0)
    assert not quote_contains("130万元", 0)
    assert quote_contains("受益农户 满意度", "受益农户满意度")


def test_a_cut_printed_as_a_word_grounds_a_negative_change():
    assert quote_contains("调减预算227.42万元", -227.42)
    assert not quote_contains("追加预算227.42万元", -227.42)
    assert not quote_contains("调减预算227.42万元", -100.0)


# --------------------------------------------------------------------------------------------
# find_value / evidence_holds: the checks' search for a value and their verdict on its evidence
# --------------------------------------------------------------------------------------------


def test_find_value_reads_a_cut_printed_as_a_positive_figure():
    document = text_document("年中调减预算36.50万元，用于其他支出。")
    assert ground_value(document, -36.5, "amount").match == "ungrounded"
    found = find_value(document, "budget.adjustment", -36.5)
    assert found is not None and found.quote == "36.50万元"


def test_find_value_reads_a_bare_table_figure_in_the_declared_unit():
    document = text_document("单位：元\n项目\t全年预算数\n合计\t1,864,523.18\n")
    found = find_value(document, "budget.adjusted", 186.45)
    assert found is not None and found.quote == "1,864,523.18" and found.match == "normalized"
    assert find_value(document, "budget.adjusted", 286.45) is None


def test_find_value_joins_a_text_printed_in_two_places():
    filler = "本段为其他说明文字，与项目名称无关。" * 3
    document = text_document(f"项目名称：城区供水管网\n{filler}\n改造提升工程\n")
    found = find_value(document, "projects[0].name", "城区供水管网改造提升工程")
    assert found is not None and found.quote == "城区供水管网" and [p.quote for p in found.parts] == ["改造提升工程"]
    assert find_value(document, "projects[0].name", "城区排水管网疏浚工程") is None


def test_evidence_holds_only_where_the_page_still_prints_the_value():
    document = text_document("全年预算数 218.40 万元，实际支出 205.16 万元。")
    evidence = ground_value(document, 205.16, "amount")
    assert evidence_holds(document, evidence, 205.16)
    assert not evidence_holds(document, evidence, 218.4)  # the span prints another figure
    moved = evidence.model_copy(update={"start": 0, "end": 5, "quote": "全年预算数"})
    assert not evidence_holds(document, moved, 205.16)  # the quote is the page text, but no figure
    stale = evidence.model_copy(update={"quote": "205.61 万元"})
    assert not evidence_holds(document, stale, 205.16)  # the quote is not what the page says
