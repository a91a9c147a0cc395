"""Rules extraction: acceptance on the shared gold and our own synthetic gold, evidence for
every value, and the candidate logic on real strings."""

from __future__ import annotations

import json
import re

import pytest

from conftest import GOLD_DIR, PROJECT_ROOT, SEEDS_DIR, seed_paths
from helpers import text_document
from pipeline.evaluate import score_document
from pipeline.extract.rules import extract_rules
from pipeline.ground import verify_evidence
from pipeline.ingest import load

SYNTHETIC_DIR = PROJECT_ROOT / "eval" / "gold"


def _score_set(pairs):
    correct = scored = 0
    hallucinated_scalars = []
    per_doc = {}
    for source, gold_path in pairs:
        record = extract_rules(load(source))
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        score = score_document(gold, record.plain())
        correct += score.counts.correct
        scored += score.counts.scored
        per_doc[source.stem] = score.counts.accuracy
        hallucinated_scalars += [f.path for f in score.fields if f.status == "hallucinated" and f.kind in ("scalar", "text")]
    return correct / scored, per_doc, hallucinated_scalars


def test_shared_gold_accuracy_and_no_hallucinated_scalar():
    pairs = [(p, GOLD_DIR / f"{p.stem}.json") for p in seed_paths()]
    accuracy, per_doc, hallucinated = _score_set(pairs)
    assert accuracy >= 0.95, per_doc
    assert hallucinated == []


def test_synthetic_gold_accuracy():
    pairs = [(p, p.with_suffix(".json")) for p in sorted(SYNTHETIC_DIR.glob("*.txt"))]
    assert len(pairs) >= 5
    accuracy, per_doc, _ = _score_set(pairs)
    assert accuracy >= 0.95, per_doc


@pytest.mark.parametrize("source", seed_paths() + sorted(SYNTHETIC_DIR.glob("*.txt")), ids=lambda p: p.stem[:6])
def test_every_value_is_grounded_in_its_quote(source):
    document = load(source)
    record = extract_rules(document)
    assert verify_evidence(document, record) == []
    for evidence in record.evidence.values():
        assert evidence.method == "rules" and evidence.page == 1


def test_value_beside_the_wrong_label_is_chosen_by_arithmetic():
    # Seed 000: the broken table prints 3297.90 beside 年度预算调整数 and 3286.80 beside
    # 部门调整预算收入; only 3286.80 / 3297.90 gives the printed 99.66%.
    record = extract_rules(load(SEEDS_DIR / "000_802344af5266dae6.txt"))
    assert record.budget.adjusted == pytest.approx(3297.90)
    assert record.budget.adjustment is None
    candidates = record.candidates["budget.adjusted"]
    assert {round(c.value, 2) for c in candidates} >= {3297.90, 3286.80}
    assert [c.value for c in candidates if c.chosen] == [pytest.approx(3297.90)]
    assert record.evidence["budget.adjusted"].quote == "3297. 90"


def test_printed_rate_is_kept_when_it_contradicts_the_amounts():
    # Seed 002 prints 97.45% although 21842.09 / 22097.11 = 98.85%: the record keeps 97.45.
    record = extract_rules(load(SEEDS_DIR / "002_253a507cb47b7737.txt"))
    assert record.budget.execution_rate == 97.45
    assert record.budget.adjusted == pytest.approx(22097.11)


def test_signed_change_is_not_taken_for_a_total():
    text = "本部门年度整体支出年初预算数 1000.00万元，整体支出预算调整数 50.00 万元，整体年度实际支出数 997.50 万元，预算调整率 5.00%，预算完成率 95.00%。"
    record = extract_rules(text_document(text))
    assert record.budget.initial == 1000.0
    assert record.budget.adjustment == 50.0
    assert record.budget.adjusted is None
    assert record.budget.execution_rate == 95.0


def test_yuan_table_is_converted_to_wan():
    text = (
        "部门整体支出绩效自评表\n部门名称\t某市某局\n金额单位：元\n"
        "\t\t年初预算数\t全年预算数\t全年执行数\t执行率\n"
        "\t年度资金总额\t1,000,000.00\t1,200,000.00\t1,150,000.00\t95.83%\n"
    )
    record = extract_rules(text_document(text))
    assert record.budget.initial == pytest.approx(100.0)
    assert record.budget.adjusted == pytest.approx(120.0)
    assert record.budget.actual == pytest.approx(115.0)
    assert record.evidence["budget.adjusted"].quote == "1,200,000.00"


def test_scoped_amounts_do_not_leak_into_department_totals():
    text = "2023 年会议费预算安排 11.58 万元，实际支出 1.61 万元。“三公”经费预算安排 112.22 万元，实际支出 98.59 万元。"
    record = extract_rules(text_document(text))
    assert record.budget.actual is None and record.budget.adjusted is None
    assert record.budget.three_public.budget == pytest.approx(112.22)
    assert record.budget.three_public.actual == pytest.approx(98.59)


def test_threshold_is_not_a_stated_rate():
    text = "预算完成率 96.48%。但部分项目经费的预算执行率仍达不到95%以上。"
    record = extract_rules(text_document(text))
    assert record.budget.execution_rate == 96.48


def test_wrapped_table_cell_is_joined_with_evidence_for_both_pieces():
    document = load(SYNTHETIC_DIR / "syn_05_multi_project_codes.txt")
    record = extract_rules(document)
    (index,) = [i for i, p in enumerate(record.projects) if p.name.startswith("农村生活污水治理设")]
    evidence = record.evidence[f"projects[{index}].name"]
    assert len(evidence.parts) == 1
    # The quotes are the printed cell (code included); the name drops the financial-system code.
    assert (evidence.quote + evidence.parts[0].quote).endswith(record.projects[index].name)
    assert re.match(r"\d{8}R\d+-", evidence.quote)
    assert not re.match(r"\d", record.projects[index].name)
    assert evidence.parts[0].start > evidence.end


@pytest.mark.parametrize("stem", ["001_077110b4894b78f0", "004_f7f3d033ce8efc18"])
def test_multi_page_pdf_extracts_with_evidence_on_the_right_pages(tmp_path, stem):
    # Narrative seeds laid out as real multi-page text-layer PDFs. (Wide tables are not used
    # here: the test typesetter wraps their rows at the margin, which breaks cells on the page.)
    from tests.support.pdfs import text_to_pdf

    path = tmp_path / f"{stem}.pdf"
    path.write_bytes(text_to_pdf((SEEDS_DIR / f"{stem}.txt").read_text(encoding="utf-8")).data)
    document = load(path)
    assert len(document.pages) > 5
    record = extract_rules(document)
    gold = json.loads((GOLD_DIR / f"{stem}.json").read_text(encoding="utf-8"))
    assert score_document(gold, record.plain()).counts.accuracy == 1.0
    assert verify_evidence(document, record) == []
    assert max(e.page for e in record.evidence.values()) > 5


# --- a stray number glued before an indicator's actual ------------------------------------------

STRAY_DIGITS = """白沙镇农村饮水安全巩固提升项目绩效自评表
项目名称白沙镇农村饮水安全巩固提升项目
年度总体目标完成情况
实际完成：新建供水管网42公里，水质检测合格率97%；受益群众满意度91.2%。
绩效指标
一级指标二级指标三级指标年度指标值全年完成值
产出指标数量指标新建供水管网长度≥40公里42公里
质量指标水质检测合格率≥95%97%
满意度指标服务对象满意度指标受益群众满意度≥85%391.2%
"""


def test_a_stray_number_before_an_impossible_actual_gives_way_to_the_figure_the_report_states():
    from pipeline.checks import run_checks

    document = text_document(STRAY_DIGITS)
    extracted = extract_rules(document)
    satisfaction = next(i for i in extracted.plain()["indicators"] if i["name"] == "受益群众满意度")
    assert satisfaction["actual"] == "91.2%"
    evidence = extracted.evidence[f"indicators[{extracted.plain()['indicators'].index(satisfaction)}].actual"]
    assert STRAY_DIGITS[evidence.start : evidence.end] == "91.2%" and STRAY_DIGITS[evidence.start - 1] == "3"  # in the table cell
    assert not [f for f in run_checks(extracted, document) if f.kind in ("unit_suspect", "ungrounded_value")]
    assert not verify_evidence(document, extracted)


def test_an_impossible_actual_the_report_does_not_restate_stays_as_printed_and_is_flagged():
    from pipeline.checks import run_checks

    text = STRAY_DIGITS.replace("受益群众满意度91.2%", "受益群众普遍认可")
    document = text_document(text)
    extracted = extract_rules(document)
    satisfaction = next(i for i in extracted.plain()["indicators"] if i["name"] == "受益群众满意度")
    assert satisfaction["actual"] == "391.2%"
    assert [f for f in run_checks(extracted, document) if f.kind == "unit_suspect"]


# --- a page break inside the last section ---------------------------------------------------------


def test_a_signature_on_the_next_page_is_no_part_of_the_last_section_and_no_form_feed_stays():
    # A scan's pages are joined with form feeds: the improvements run onto a new page, and the
    # unit's signature and date sit alone on the last one.
    text = (
        "2023年度城区水务管理中心部门整体支出绩效自评报告\n三、存在的问题\n河道巡查记录不够规范。\n"
        "四、改进措施\n一是健全巡查台账制度；\f二是加强养护资金管理，确保项目长期发挥效益。\f"
        "城区水务管理中心\n2024年3月8日\n"
    )
    record = extract_rules(text_document(text))
    assert record.improvements == "一是健全巡查台账制度；二是加强养护资金管理，确保项目长期发挥效益。"


def test_a_spreadsheet_export_writes_a_value_holding_control_characters(tmp_path):
    from openpyxl import load_workbook

    from pipeline.export import write_csv, write_xlsx

    record = extract_rules(text_document("2023年度项目支出绩效自评表\n项目名称\t河道保洁\f经费\n"))
    record = record.model_copy(update={"improvements": "一是健全台账；\f二是加强管理\x1b。"})
    path = write_xlsx([record], tmp_path / "out.xlsx")
    sheet = load_workbook(path)["documents"]
    header = [c.value for c in sheet[1]]
    assert sheet[2][header.index("改进措施")].value == "一是健全台账； 二是加强管理 。"
    assert write_csv([record], tmp_path / "csv")
