"""Grounding values back into the text: exact, normalised, fuzzy, ungrounded."""

from __future__ import annotations

from helpers import text_document
from pipeline.ground import ground_record, ground_value, quote_contains, verify_evidence
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
