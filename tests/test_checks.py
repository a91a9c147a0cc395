"""Cross-checks: acceptance on the shared gold and our synthetic gold (every expected flag kind
raised with the right fields, no error on a clean document, flag precision/recall), and for every
check a passing and a failing case on real strings (lines of the seeds read at run time, or short
strings of our own)."""

from __future__ import annotations

import ast
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import GOLD_DIR, PROJECT_ROOT, seed_paths, seed_text
from helpers import text_document
from pipeline.checks import CHECKS, PROJECT_FLAG_KINDS, REPORT_ORDER, CheckContext, run_checks
from pipeline.checks.compare import Op, compare_rate, sum_tolerance
from pipeline.checks.scores import grade_for
from pipeline.extract.rules import extract_rules
from pipeline.ingest import load
from pipeline.record import ExtractedRecord

SYNTHETIC_DIR = PROJECT_ROOT / "eval" / "gold"


def _vocabulary() -> set[str]:
    readme = (GOLD_DIR / "README.md").read_text(encoding="utf-8")
    table = readme.split("| flag kind |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| ([a-z_]+) \|", table, flags=re.M))


@lru_cache(maxsize=None)
def _extracted(path: str) -> tuple:
    document = load(Path(path))
    return document, extract_rules(document)


def _gold(source: Path) -> dict:
    gold = GOLD_DIR / f"{source.stem}.json"
    if not gold.exists():
        gold = source.with_suffix(".json")
    return json.loads(gold.read_text(encoding="utf-8"))


def _documents() -> list[Path]:
    return seed_paths() + sorted(SYNTHETIC_DIR.glob("*.txt"))


def _line(prefix: str, needle: str) -> str:
    """The line of seed ``prefix`` that contains ``needle`` (real text, read at run time)."""
    (line,) = [ln for ln in seed_text(prefix).splitlines() if needle in ln][:1]
    return line


def only(check_id: str, record, text_or_document) -> list:
    document = text_document(text_or_document) if isinstance(text_or_document, str) else text_or_document
    return run_checks(record, document, only=[check_id])


def record(**fields) -> dict:
    """A plain (gold-format) record: checks find each value back in the text themselves."""
    return {"doc_id": "doc", "budget": {}, "evaluation": {}, "indicators": [], "projects": []} | fields


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


def test_registry_ids_kinds_and_descriptions():
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids)) >= 20
    vocabulary = _vocabulary()
    assert {"execution_rate_mismatch", "garbled_text", "ungrounded_value"} <= vocabulary
    for c in CHECKS:
        assert c.kind in vocabulary | set(PROJECT_FLAG_KINDS), c
        assert c.description and callable(c.run)
    # Every kind of the vocabulary has at least one check.
    assert vocabulary <= {c.kind for c in CHECKS}


def test_checks_are_registered_private_and_reported_in_their_order():
    # A record's findings list is in registry order: a new check takes its place in REPORT_ORDER.
    assert [c.id for c in CHECKS] == list(REPORT_ORDER)
    for c in CHECKS:
        assert c.run.__name__.startswith("_"), c.id  # reached through the registry, never by name
        assert c.run.__module__.startswith("pipeline.checks."), c.id


def test_every_check_has_a_passing_and_a_failing_case_here():
    # Each id is run alone (``only``) at least twice in this file: once where the figures agree
    # and nothing is found, once where they disagree.
    source = Path(__file__).read_text(encoding="utf-8")
    for c in CHECKS:
        calls = re.findall(r'only\("' + c.id + r'"', source)
        assert len(calls) >= 2, c.id
        assert re.search(r'only\("' + c.id + r'"[^\n]*\) == \[\]', source), c.id


def test_checks_package_keeps_modules_and_functions_short():
    package = PROJECT_ROOT / "pipeline" / "checks"
    for path in sorted(package.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert source.count("\n") <= 800, path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, f"{path.name}: {node.name}"


def test_unknown_check_id_is_refused():
    with pytest.raises(ValueError):
        run_checks(record(), text_document("x"), only=["no_such_check"])


# --------------------------------------------------------------------------------------------
# Acceptance on the gold sets
# --------------------------------------------------------------------------------------------

# For each expected flag: fields that a finding of that kind must name (on the extracted record).
EXPECTED_FIELDS = {
    ("000", "conflicting_statement"): {"budget.execution_rate"},
    ("000", "garbled_text"): set(),
    ("002", "execution_rate_mismatch"): {"budget.execution_rate", "budget.actual", "budget.adjusted"},
    ("002", "parts_do_not_sum"): {"budget.three_public.actual"},
    ("002", "separator_repaired"): {"budget.adjusted"},
    ("004", "unit_suspect"): {"budget.project.actual"},
    ("004", "remainder_mismatch"): {"projects[14].budget", "projects[14].actual"},
    ("syn_05", "project_rate_mismatch"): {"projects[5].execution_rate", "projects[5].actual", "projects[5].budget"},
    ("syn_05", "parts_do_not_sum"): {"budget.actual"},
    ("syn_06", "execution_rate_mismatch"): {"budget.execution_rate", "budget.actual", "budget.adjusted"},
    ("syn_06", "separator_repaired"): {"budget.adjusted"},
    ("syn_06", "year_mismatch"): {"fiscal_year"},
    ("syn_07", "adjustment_sum_mismatch"): {"budget.initial", "budget.adjustment", "budget.adjusted"},
    ("syn_07", "score_items_do_not_sum"): {"evaluation.score"},
    ("syn_07", "grade_score_mismatch"): {"evaluation.grade", "evaluation.score"},
}


@pytest.mark.parametrize("source", _documents(), ids=lambda p: p.stem[:6])
def test_expected_flags_raised_with_fields_and_no_error_on_clean_documents(source):
    document, extracted = _extracted(str(source))
    gold = _gold(source)
    findings = run_checks(extracted, document)
    raised = {f.kind for f in findings}
    expected = set(gold["_expected_flags"])
    assert expected <= raised, sorted(expected - raised)
    for kind in expected:
        want = EXPECTED_FIELDS[(source.stem.split("_")[0] if source.stem[0].isdigit() else source.stem[:6], kind)]
        assert any(want <= set(f.fields) for f in findings if f.kind == kind), (kind, [f.fields for f in findings if f.kind == kind])
    if not expected:
        assert [f.message for f in findings if f.severity == "error"] == []
    for finding in findings:
        assert finding.check in finding.message and finding.evidence, finding
        assert re.search(r"[\u4e00-\u9fff]", finding.message)
        for evidence in finding.evidence:
            page = document.page(evidence.page).text
            assert page[evidence.start : evidence.end] == evidence.quote


def _flag_counts(records_for) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for source in _documents():
        document, rec = records_for(source)
        expected = set(_gold(source)["_expected_flags"])
        raised = {f.kind for f in run_checks(rec, document)}
        tp, fp, fn = tp + len(expected & raised), fp + len(raised - expected), fn + len(expected - raised)
    return tp, fp, fn


def test_flag_precision_and_recall_on_both_gold_sets():
    tp, fp, fn = _flag_counts(lambda s: _extracted(str(s)))
    assert fn == 0
    assert tp / (tp + fp) >= 0.9  # the one extra kind: seed 004's staff counts 23 vs 21 (not in its gold)


def test_gold_records_reloaded_without_evidence_are_checked_too():
    """`pipeline check` on a plain gold-format record: values are found back in the text."""
    tp, fp, fn = _flag_counts(lambda s: (_extracted(str(s))[0], _gold(s)))
    assert fn == 0 and tp / (tp + fp) >= 0.9
    for source in _documents():
        if not _gold(source)["_expected_flags"]:
            findings = run_checks(_gold(source), _extracted(str(source))[0])
            assert [f.message for f in findings if f.severity == "error"] == []


def test_checks_never_modify_the_record_and_survive_a_json_round_trip():
    (source,) = [p for p in seed_paths() if p.name.startswith("002")]
    document, extracted = _extracted(str(source))
    before = extracted.model_dump(mode="json")
    findings = run_checks(extracted, document)
    assert extracted.model_dump(mode="json") == before
    reloaded = ExtractedRecord.model_validate_json(extracted.to_json())
    assert [f.model_dump() for f in run_checks(reloaded, document)] == [f.model_dump() for f in findings]


# --------------------------------------------------------------------------------------------
# Arithmetic helpers
# --------------------------------------------------------------------------------------------


def test_compare_rate_respects_printed_precision_and_truncation():
    assert compare_rate(99.66, 3286.80, 3297.90, 2).status == "ok"
    assert compare_rate(100, 3286.80, 3297.90, 0).status == "ok"  # '100%' is 99.66 rounded
    assert compare_rate(98.84, 21842.09, 22097.11, 2).status == "truncated"  # 98.846…
    assert compare_rate(97.12, 511.27, 526.40, 2).status == "ok"  # 97.1257…, within the rounding of the amounts
    assert compare_rate(97.45, 21842.09, 22097.11, 2).status == "mismatch"
    assert compare_rate(24, 41.4, 171.4, 0).status == "ok"


def test_round_figures_are_exact_beside_figures_with_decimals():
    # '20万元' beside '1.74万元': 20 is 20.00, not 20 ± 0.5.
    assert sum_tolerance([Op(0.5, 0, "万元"), Op(0.005, 2, "万元")]) == pytest.approx(0.01)
    assert sum_tolerance([Op(0.5, 0, "万元"), Op(0.5, 0, "万元")]) == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------
# One passing and one failing case per check
# --------------------------------------------------------------------------------------------

SEED_001_MONEY = "本部门年度整体支出年初预算数 2222.37万元，整体支出预算调整数 48.03 万元，整体年度实际支出数 2190.49 万元，预算调整率 2.16%，预算完成率 96.48%。"
RECORD_001 = {"initial": 2222.37, "adjustment": 48.03, "actual": 2190.49, "adjustment_rate": 2.16, "execution_rate": 96.48}


def test_execution_rate_vs_amounts():
    assert only("execution_rate_vs_amounts", record(budget=RECORD_001), SEED_001_MONEY) == []
    wrong = SEED_001_MONEY.replace("96.48%", "97.48%")
    (finding,) = only("execution_rate_vs_amounts", record(budget=RECORD_001 | {"execution_rate": 97.48}), wrong)
    assert finding.severity == "error" and finding.stated == 97.48 and finding.computed == pytest.approx(96.4808, abs=1e-3)
    assert {"budget.execution_rate", "budget.actual", "budget.initial", "budget.adjustment"} <= set(finding.fields)
    assert {e.quote for e in finding.evidence} >= {"97.48%", "2190.49 万元"}
    truncated = "调整后全年预算数为 22,097.11 万元，实际支出 21,842.09 万元，预算执行率 98.84%。"
    (warning,) = only("execution_rate_vs_amounts", record(budget={"adjusted": 22097.11, "actual": 21842.09, "execution_rate": 98.84}), truncated)
    assert warning.severity == "warning" and "截断" in warning.message


def test_adjustment_rate_vs_budgets():
    line = _line("000", "预算调整率")
    text = _line("000", "部门年初预算收入") + "\n" + _line("000", "年度预算调整数") + "\n" + line
    budget = {"initial": 3848.29, "adjusted": 3297.9, "adjustment_rate": 14.3}
    assert only("adjustment_rate_vs_budgets", record(budget=budget), text) == []
    (finding,) = only("adjustment_rate_vs_budgets", record(budget=budget | {"adjustment_rate": 14.5}), text.replace("14. 30%", "14. 50%"))
    assert finding.kind == "adjustment_rate_mismatch" and finding.computed == pytest.approx(14.30, abs=0.01)
    assert only("adjustment_rate_vs_budgets", record(budget=RECORD_001), SEED_001_MONEY) == []  # 48.03 / 2222.37


def test_adjustment_sum():
    text = "合计\t2,365.40\t418.75\t2,784.15\t2,701.33"
    budget = {"initial": 2365.4, "adjustment": 418.75, "adjusted": 2784.15}
    assert only("adjustment_sum", record(budget=budget), text) == []
    (finding,) = only("adjustment_sum", record(budget=budget | {"adjusted": 2748.15}), text.replace("2,784.15", "2,748.15"))
    assert finding.severity == "error" and finding.stated == 2748.15 and finding.computed == pytest.approx(2784.15)


SYN_05 = (SYNTHETIC_DIR / "syn_05_multi_project_codes.txt").read_text(encoding="utf-8")


def test_project_rate_vs_amounts():
    row = next(ln for ln in SYN_05.splitlines() if ln.startswith("6\t"))
    project = {"name": "农村生活污水治理设施运维监管", "budget": 312.8, "actual": 288.1, "execution_rate": 98.1}
    (finding,) = only("project_rate_vs_amounts", record(projects=[project]), row)
    assert finding.kind == "project_rate_mismatch" and finding.computed == pytest.approx(92.10, abs=0.01)
    fixed = row.replace("98.10%", "92.10%")
    assert only("project_rate_vs_amounts", record(projects=[project | {"execution_rate": 92.1}]), fixed) == []


def test_table_total_row_project_table_and_all_zero_total():
    (finding,) = only("table_total_row", record(), SYN_05)
    assert finding.stated == 1242.14 and finding.computed == pytest.approx(1224.14) and "实际支出" in finding.message
    assert only("table_total_row", record(), SYN_05.replace("1,242.14", "1,224.14")) == []
    zero = re.sub(r"合计\t\t\t[^\n]*", "合计\t\t\t0.00\t0.00\t0.00\t0.00%\t\t", SYN_05)
    (finding,) = only("table_total_row", record(), zero)
    assert "全为 0" in finding.message


def test_table_total_row_funding_sources():
    text = (SYNTHETIC_DIR / "syn_07_county_table_sources_score_errors.txt").read_text(encoding="utf-8")
    assert only("table_total_row", record(), text) == []  # 中央 + 省 + 市 + 县 = 合计; ② only on 合计
    (finding,) = only("table_total_row", record(), text.replace("1,230.45", "1,203.45"))
    assert finding.kind == "parts_do_not_sum" and "实际支出数" in finding.message
    syn_02 = (SYNTHETIC_DIR / "syn_02_department_table_yuan.txt").read_text(encoding="utf-8")
    assert only("table_total_row", record(), syn_02) == []  # “三公”经费 is not a sibling of 基本/项目支出


def test_part_rate_vs_amounts_table_rows_and_prose():
    syn_02 = (SYNTHETIC_DIR / "syn_02_department_table_yuan.txt").read_text(encoding="utf-8")
    assert only("part_rate_vs_amounts", record(), syn_02) == []
    (finding,) = only("part_rate_vs_amounts", record(), syn_02.replace("93.37%", "95.37%"))
    assert "项目支出" in finding.message and finding.computed == pytest.approx(93.366, abs=1e-2)
    prose = _line("004", "成本指标：基本支出407.62万元")  # 100%, 24%, 44% all agree at their precision
    assert only("part_rate_vs_amounts", record(), prose) == []
    (finding,) = only("part_rate_vs_amounts", record(), prose.replace("执行率24%", "执行率34%"))
    assert finding.stated == 34 and finding.computed == pytest.approx(24.15, abs=0.01)


def test_basic_plus_project():
    text = "全年预算12,486.73万元。其中：基本支出3,204.55万元，项目支出9,282.18万元。"
    budget = {"adjusted": 12486.73, "basic": {"budget": 3204.55}, "project": {"budget": 9282.18}}
    assert only("basic_plus_project", record(budget=budget), text) == []
    wrong = text.replace("9,282.18", "9,182.18")
    (finding,) = only("basic_plus_project", record(budget=budget | {"project": {"budget": 9182.18}}), wrong)
    assert finding.fields == ["budget.basic.budget", "budget.project.budget", "budget.adjusted"]
    # Seed 002: 8794.37 + 13302.75 = 22097.12 against 22097.11 is rounding, not an error.
    line = _line("002", "调整后全年预算数")
    ok = {"adjusted": 22097.11, "basic": {"budget": 8794.37}, "project": {"budget": 13302.75}}
    assert only("basic_plus_project", record(budget=ok), line) == []


def test_projects_within_total():
    text = "项目支出全年预算100.00万元。A项目60.00万元，B项目30.00万元。"
    projects = [{"name": "A项目", "budget": 60.0}, {"name": "B项目", "budget": 30.0}]
    assert only("projects_within_total", record(budget={"project": {"budget": 100.0}}, projects=projects), text) == []
    projects[0]["budget"] = 80.0
    (finding,) = only("projects_within_total", record(budget={"project": {"budget": 100.0}}, projects=projects), text.replace("60.00", "80.00"))
    assert finding.computed == pytest.approx(110.0) and "budget.project.budget" in finding.fields


def test_prose_breakdown_sum():
    three_public = _line("002", "“三公”经费预算安排")
    (finding,) = only("prose_breakdown_sum", record(budget={"three_public": {"budget": 112.22, "actual": 98.59}}), three_public)
    # The budget side (103.5 + 8.72 = 112.22) holds, so the items are complete: an error.
    assert finding.severity == "error" and finding.stated == 98.59 and finding.computed == pytest.approx(98.14)
    assert "budget.three_public.actual" in finding.fields
    assert only("prose_breakdown_sum", record(), three_public.replace("98.59", "98.14")) == []
    # 已支付 / 实际支出 segments belong to the item before them; 348.87元 is not a budget part.
    assert only("prose_breakdown_sum", record(), _line("004", "追加预算875.78万元")) == []
    # The 其中 list of assets ends at '；' (已计提折旧 is not a part).
    assert only("prose_breakdown_sum", record(), _line("004", "固定资产原值")) == []
    # An aside '（其中…）' breaks down the amount before the bracket.
    assert only("prose_breakdown_sum", record(), _line("004", "项目支出安排资金171.4万元")) == []


def test_remainder_vs_paid():
    line = "成本指标：20万元，2021年已支付培训资金1.74万元；剩余18万元，2022年完成支付。"
    project = {"name": "2020年中央自然灾害救灾资金", "budget": 20.0, "actual": 1.74}
    (finding,) = only("remainder_vs_paid", record(projects=[project]), line)
    assert finding.kind == "remainder_mismatch" and finding.severity == "warning"  # 18.26 rounds to 18
    assert finding.stated == 18 and finding.computed == pytest.approx(18.26)
    assert only("remainder_vs_paid", record(projects=[project]), line.replace("剩余18万元", "剩余18.26万元")) == []
    (error,) = only("remainder_vs_paid", record(projects=[project]), line.replace("剩余18万元", "剩余8万元"))
    assert error.severity == "error"
    # Carried-in money is not a remainder: '年初结转结余34万元'.
    assert only("remainder_vs_paid", record(), _line("004", "年初结转结余34万元")) == []
    syn_04 = (SYNTHETIC_DIR / "syn_04_transfer_fund_prose.txt").read_text(encoding="utf-8")
    assert only("remainder_vs_paid", record(budget={"initial": 3860.0, "actual": 3689.76}), syn_04) == []


SYN_07 = (SYNTHETIC_DIR / "syn_07_county_table_sources_score_errors.txt").read_text(encoding="utf-8")


def test_score_items_sum():
    (finding,) = only("score_items_sum", record(evaluation={"score": 87.5}), SYN_07)
    assert finding.severity == "error" and finding.stated == 87.5 and finding.computed == pytest.approx(85.5)
    assert only("score_items_sum", record(), SYN_07.replace("100\t87.5", "100\t85.5")) == []
    # Seed 002's table continues on a second page with a shifted row ('运行 4 公用经费控制率 2 2').
    assert only("score_items_sum", record(evaluation={"score": 95.25}), seed_text("002")) == []


def test_score_item_within_points():
    assert only("score_item_within_points", record(), SYN_07) == []
    (finding,) = only("score_item_within_points", record(), SYN_07.replace("\t10\t8\n", "\t10\t12\n"))
    assert finding.stated == 12 and finding.computed == 10 and "救助对象满意度" in finding.message


def test_score_total_within_100():
    assert only("score_total_within_100", record(evaluation={"score": 93}), "自评得分93分") == []
    (finding,) = only("score_total_within_100", record(evaluation={"score": 103}), "自评得分103分")
    assert finding.kind == "score_items_do_not_sum"


def test_grade_vs_score():
    text = "经自评，绩效自评得分88.6分，评价等级为“良”。"
    assert only("grade_vs_score", record(evaluation={"score": 88.6, "grade": "良"}), text) == []
    (finding,) = only("grade_vs_score", record(evaluation={"score": 88.6, "grade": "优"}), text.replace("良", "优"))
    assert finding.stated == "优" and finding.computed == "良"
    assert [grade_for(s) for s in (90, 89.99, 80, 79.5, 60, 59.9)] == ["优", "良", "良", "中", "中", "差"]


def test_amount_unit_magnitude():
    line = _line("004", "追加预算875.78万元")
    (finding,) = only("amount_unit_magnitude", record(), line)
    assert finding.kind == "unit_suspect" and finding.evidence[0].quote == "348.87元"
    assert only("amount_unit_magnitude", record(), line.replace("348.87元", "348.87万元")) == []
    # Seed 001: a confiscation in 元 beside a fine in 万元 is plausible (0.66 万元 vs 11.1 万元).
    assert only("amount_unit_magnitude", record(), _line("001", "违法所得")) == []
    table = "单位：万元\n项目\t全年预算数\t全年执行数\t年初预算数\n基本支出\t407.62\t4076200.00\t373.29"
    (cell,) = only("amount_unit_magnitude", record(), table)
    assert cell.evidence[0].quote == "4076200.00"


def test_record_amount_scale():
    text = "全年预算数 526.40 万元，全年执行数 5112700 元。"
    (finding,) = only("record_amount_scale", record(budget={"adjusted": 526.4, "actual": 5112700.0}), text)
    assert set(finding.fields) == {"budget.adjusted", "budget.actual"}
    assert only("record_amount_scale", record(budget={"adjusted": 526.4, "actual": 511.27}), text) == []


def test_percent_over_100():
    (finding,) = only("percent_over_100", record(), "受益群众满意度105%，资金到位率100%。")
    assert finding.severity == "error" and finding.stated == 105
    # Seed 000: a completion rate of 119.02% (1940 of 1630 policies) is possible.
    assert only("percent_over_100", record(), _line("000", "完成率为")) == []
    # Spending above the budget is possible: an execution rate over 100% is no unit slip.
    assert only("percent_over_100", record(budget={"execution_rate": 102.5}), "预算执行率102.5%") == []


def test_number_repaired():
    line = _line("002", "调整后全年预算数")
    (finding,) = only("number_repaired", record(budget={"adjusted": 22097.11}), line)
    assert finding.kind == "separator_repaired" and finding.stated == "2,2097.11" and finding.fields == ["budget.adjusted"]
    assert only("number_repaired", record(), _line("003", "1,273.65")) == []  # a well-formed separator


def test_execution_rate_restated():
    text = seed_text("000")
    (finding,) = only("execution_rate_restated", record(budget={"execution_rate": 99.66}), text)
    assert finding.kind == "conflicting_statement" and finding.severity == "warning"  # 100 is 99.66 rounded
    assert {finding.stated, finding.computed} == {99.66, 100}
    assert only("execution_rate_restated", record(), SEED_001_MONEY + "但部分项目经费的预算执行率仍达不到95%以上。") == []
    (error,) = only("execution_rate_restated", record(), SEED_001_MONEY + "2021年部门预算执行率为94.20%。")
    assert error.severity == "error"


def test_score_or_grade_restated():
    text = (SYNTHETIC_DIR / "syn_03_district_health_report.txt").read_text(encoding="utf-8")
    assert only("score_or_grade_restated", record(evaluation={"score": 88.6, "grade": "良"}), text) == []
    (finding,) = only("score_or_grade_restated", record(evaluation={"score": 88.6}), text.replace("100\t88.6", "100\t89.6"))
    assert finding.stated == 88.6 and finding.computed == 89.6


def test_staff_count_restated():
    text = "一、基本情况\n年末在职人员总计46名，其中行政编制30名。\n二、绩效情况\n本年度在职人员共44人，人员经费按实结算。\n"
    (finding,) = only("staff_count_restated", record(), text)
    assert finding.stated == 46 and finding.computed == 44
    assert [e.quote for e in finding.evidence] == ["在职人员共44人", "在职人员总计46名"]
    # 在职 at year end and 实有 in an indicator's census are two quantities, not one restated.
    census = text.replace("本年度在职人员共44人", "数量指标：实有人员数44人")
    assert only("staff_count_restated", record(), census) == []
    assert only("staff_count_restated", record(), (SYNTHETIC_DIR / "syn_03_district_health_report.txt").read_text(encoding="utf-8")) == []


def test_year_consistency():
    syn_06 = (SYNTHETIC_DIR / "syn_06_noisy_ocr_narrative.txt").read_text(encoding="utf-8")
    (finding,) = only("year_consistency", record(fiscal_year=2022), syn_06)
    assert finding.stated == 2021 and finding.computed == 2022 and finding.severity == "error"
    assert only("year_consistency", record(fiscal_year=2022), syn_06.replace("我局２０２１年度", "我局２０２２年度")) == []
    syn_04 = (SYNTHETIC_DIR / "syn_04_transfer_fund_prose.txt").read_text(encoding="utf-8")
    assert only("year_consistency", record(fiscal_year=2020), syn_04) == []  # dated 2021: the year after
    (dated,) = only("year_consistency", record(fiscal_year=2020), syn_04.replace("2021年3月20日", "2019年3月20日"))
    assert "早于" in dated.message
    # A comparison with another year is no statement of the evaluated year.
    assert only("year_consistency", record(fiscal_year=2021), "2021年度部门整体支出绩效自评报告\n与2020年部门预算相比，执行率提高。") == []


def test_garbled_text():
    findings = only("garbled_text", record(), seed_text("000"))
    (finding,) = findings
    assert finding.evidence[0].quote.startswith("2021年度工作完成情况及完成工作后所取得的效果")
    assert finding.stated["unseen_bigrams"] > finding.tolerance
    for prefix in ("001", "002", "003", "004"):
        assert only("garbled_text", record(), seed_text(prefix)) == [], prefix
    # Text in the wrong encoding inside an otherwise normal report.
    paragraph = "本部门将继续针对进行原因分析，跟踪预算项目支付进度，加大对预算项目的执行进度、项目经费使用情况及绩效管理情况的督办。"
    mojibake = paragraph.encode("utf-8").decode("gbk", errors="replace")
    (bad,) = only("garbled_text", record(), seed_text("001") + "\n\n" + mojibake + "\n")
    assert bad.evidence[0].quote.strip() == mojibake


def test_value_grounded():
    text = "本部门年度整体支出绩效自评报告\n一、部门基本情况\n本部门主要负责全区应急管理、安全生产综合监督管理和防灾减灾救灾工作。\n本部门年度整体支出年初预算数 2222.37万元。"
    document = text_document(text)
    good = extract_rules(document)
    assert good.budget.initial == 2222.37
    assert only("value_grounded", good, document) == []
    edited = good.model_copy(update={"budget": good.budget.model_copy(update={"initial": 2322.37})})
    (finding,) = only("value_grounded", edited, document)
    assert finding.severity == "error" and finding.fields == ["budget.initial"]
    # Stale evidence, value printed elsewhere: a warning that points at the right place.
    # (A span that only cut the value short, '9' of '9条', is not stale: the value is right there.)
    moved = ExtractedRecord(doc_id="doc", budget={"initial": 2222.37}, evidence={"budget.initial": good.evidence["budget.initial"].model_copy(update={"start": 0, "end": 4, "quote": "本部门年"})})
    (warning,) = only("value_grounded", moved, document)
    assert warning.severity == "warning" and warning.evidence[0].quote.startswith("2222.37")
    # A plain record without evidence: values found in the text are fine.
    assert only("value_grounded", record(budget={"initial": 2222.37}), document) == []


def test_evidence_label():
    text = "年初预算数 480.00 万元，全年预算数 526.40 万元。"
    document = text_document(text)
    good = extract_rules(document)
    assert only("evidence_label", good, document) == []
    swapped = good.model_copy(update={"evidence": good.evidence | {"budget.initial": good.evidence["budget.adjusted"]}, "budget": good.budget.model_copy(update={"initial": 526.4})})
    (finding,) = only("evidence_label", swapped, document)
    assert finding.kind == "ungrounded_value" and "全年预算数" in finding.message


def test_findings_cite_record_evidence_for_record_values():
    (source,) = [p for p in seed_paths() if p.name.startswith("002")]
    document, extracted = _extracted(str(source))
    (finding,) = [f for f in run_checks(extracted, document) if f.check == "execution_rate_vs_amounts"]
    assert extracted.evidence["budget.execution_rate"] in finding.evidence
    ctx = CheckContext(extracted, document)
    assert ctx.printed("budget.execution_rate").decimals == 2


# --------------------------------------------------------------------------------------------
# Robustness: noise that must not turn into findings, faults the normaliser could not repair
# --------------------------------------------------------------------------------------------


def test_unrepaired_misplaced_separator_is_still_reported():
    # A separator fault plus a space after the point: the normaliser repairs the space only.
    (finding,) = only("number_repaired", record(), "年初预算数2196,5600. 00 元，全年预算数 2,100.00 万元。")
    assert finding.kind == "separator_repaired" and finding.computed == "21965600.00"


def test_a_row_that_lost_its_tabs_does_not_make_the_total_wrong():
    text = (SYNTHETIC_DIR / "syn_01_national_project_table.txt").read_text(encoding="utf-8")
    assert only("table_total_row", record(), text) == []
    lost = text.replace("\t上年结转资金\t0.00\t26.40\t25.00\t—\t—\t—", "  上年结转资金  0.00  26.40  25.00  —  —  —")
    assert lost != text
    assert only("table_total_row", record(), lost) == []  # 26.40 / 25.00 are printed right there
    (finding,) = only("table_total_row", record(), text.replace("\t上年结转资金\t0.00\t26.40\t25.00", "\t上年结转资金\t0.00\t16.40\t25.00"))
    assert finding.computed == pytest.approx(516.40)


def test_a_score_row_that_lost_its_tabs_is_still_an_item():
    text = (SYNTHETIC_DIR / "syn_03_district_health_report.txt").read_text(encoding="utf-8")
    spaced = text.replace("\t\t重点人群健康管理完成率\t10\t8.5", "重点人群健康管理完成率  10  8.5")
    assert spaced != text
    assert only("score_items_sum", record(evaluation={"score": 88.6}), spaced) == []
    (finding,) = only("score_items_sum", record(evaluation={"score": 88.6}), spaced.replace("完成率  10  8.5", "完成率  10  9.5"))
    assert finding.computed == pytest.approx(89.6)


def test_random_characters_are_garbage_and_traditional_text_is_not():
    base = seed_text("001")
    noise = "冂囗她不说学下但么家亠上用乢和个冖如亻亙乥亻乣下自能不为以国其个乜而冖同亱乸刂方这囧后衤亄于了的分进部亣要宀发亐心亻丨到心因亯当时亝"
    (finding,) = only("garbled_text", record(), base + "\n\n" + noise + "\n")
    assert finding.stated["unseen_bigrams"] > 0.92
    traditional = "本部門年度整體支出預算執行情況良好，項目資金使用規範，績效目標基本完成，預算調整及時，經費支出符合規定。"
    assert only("garbled_text", record(), base + "\n\n" + traditional + "\n") == []


def test_evidence_of_a_figure_joined_with_its_unit_column_is_accepted():
    text = "三级指标\t指标性质\t指标值\t度量单位\t实际完成值\n新建桥梁\t≥\t9\t条\t9\n"
    document = text_document(text)
    start = text.rindex("9")
    rec = ExtractedRecord(
        doc_id="doc",
        indicators=[{"name": "新建桥梁", "actual": "9条"}],
        evidence={"indicators[0].actual": {"page": 1, "start": start, "end": start + 1, "quote": "9"}},
    )
    assert only("value_grounded", rec, document) == []


def test_department_amount_restated():
    from pipeline.extract.rules import extract_rules

    text = (
        "一、总体情况\n2021年我局全年预算500.00万元，实际支出486.20万元，较好完成了年度任务。\n"
        "二、预算执行情况\n(一)预算情况\n2021年我局全年预算数为500.00万元。\n"
        "(二)执行情况\n2021年全年实际支出468.20万元，预算执行率93.64%。\n"
        "三、重点项目\n(一)河道保洁专项。全年预算80万元，实际支出76.5万元，执行率95.63%。\n"
    )
    document = text_document(text)
    extracted = extract_rules(document)
    assert extracted.budget.actual == 468.2  # the one the printed rate confirms
    (finding,) = only("amount_restated", extracted, document)
    assert finding.kind == "conflicting_statement" and {finding.stated, finding.computed} == {468.2, 486.2}
    # A project's own 实际支出 is another quantity, and one consistent statement raises nothing.
    fixed = text_document(text.replace("486.20", "468.20"))
    assert only("amount_restated", extract_rules(fixed), fixed) == []


def test_breakdown_ignores_savings_remainders_and_unit_prices():
    saving = "“三公”经费预算60万元，实际支出45万元，较预算节约15万元。其中：公务接待费预算20万元，实际支出12万元；公务用车运行维护费预算40万元，实际支出33万元。"
    assert only("prose_breakdown_sum", record(), saving) == []
    remainder = "项目实际支出90万元，执行率90%。其中苗木采购支出60万元，按每亩800元的标准兑付；养护支出30万元，剩余10万元因验收推迟尚未支付。"
    assert only("prose_breakdown_sum", record(), remainder) == []
    (wrong,) = only("prose_breakdown_sum", record(), remainder.replace("养护支出30万元", "养护支出35万元"))
    assert wrong.kind == "parts_do_not_sum"


def test_an_items_own_rate_is_no_restated_department_rate():
    text = (
        "一、预算执行情况\n2022年我局全年预算数为1000万元，实际支出980万元，预算执行率98.00%。\n"
        "二、重点支出\n(一)城市道路养护。道路养护支出全年预算300万元，支出291万元，预算完成率97.00%。\n"
        "(二)路灯维护。路灯维护支出全年预算50万元，支出50万元，预算完成率100%。\n"
    )
    assert only("execution_rate_restated", record(budget={"execution_rate": 98.0}), text) == []
    restated = text + "三、结论\n我局2022年度预算完成率为96.50%。\n"
    (finding,) = only("execution_rate_restated", record(budget={"execution_rate": 98.0}), restated)
    assert {finding.stated, finding.computed} == {98.0, 96.5}


def test_a_later_years_plan_is_no_year_mismatch():
    text = "我局2022年度部门整体支出绩效自评报告\n自评结果将作为2024年度部门预算安排的重要参考。\n"
    assert only("year_consistency", record(fiscal_year=2022), text) == []
    stale = "我局2022年度部门整体支出绩效自评报告\n2021年度部门整体支出绩效自评得分95分。\n"
    assert [f.computed for f in only("year_consistency", record(fiscal_year=2022), stale)] == [2022]


def test_a_grade_printed_in_traditional_characters_is_grounded():
    from pipeline.ground import quote_contains

    assert quote_contains("優", "优") and quote_contains("評價等級爲優", "优")
    assert not quote_contains("良", "优")


def test_a_nested_aside_inside_a_breakdown_is_not_a_part():
    text = "全年共安排资金2.40亿元，其中：河道整治0.90亿元，堤防加固1.10亿元（其中：东坪镇0.70亿元，西河乡0.40亿元），水文监测0.40亿元。"
    assert only("prose_breakdown_sum", record(), text) == []
    wrong = text.replace("水文监测0.40亿元", "水文监测0.50亿元")
    assert [f.kind for f in only("prose_breakdown_sum", record(), wrong)] == ["parts_do_not_sum"]


def test_furniture_above_the_title_is_no_year_statement():
    text = "云岭市财政局关于公开2022年度部门预算的说明\n2021年度教师培训专项经费绩效自评报告\n一、项目概况\n2021年本项目安排资金100万元。\n"
    assert only("year_consistency", record(fiscal_year=2021), text) == []


def test_review_scores_and_total_points_are_no_restated_score():
    from pipeline.extract.rules import extract_rules

    text = "项目支出绩效自评表\n一级指标\t分值\t得分\n产出指标\t50\t48\n效益指标\t50\t47\n总分\t100\t95\n自评总分 95 复核总分 93\n"
    document = text_document(text)
    extracted = extract_rules(document)
    assert extracted.evaluation.score == 95.0
    assert run_checks(extracted, document, only=["score_or_grade_restated"]) == []


def test_a_value_composed_of_pipe_cells_is_grounded():
    from pipeline.ground import quote_contains

    assert quote_contains("= | 9 | 个", "=9个")
    assert not quote_contains("= | 8 | 个", "=9个")


# --------------------------------------------------------------------------------------------
# not_a_report: a document that carries no recognisable report
# --------------------------------------------------------------------------------------------

# Invented texts that are no self-evaluation report: a news item, a recipe with quantities, a
# tool manual, a shop receipt with money, whitespace only (what a blank page leaves).
NON_REPORTS = {
    "news": "本报讯 昨日，青川县第三小学举行秋季运动会，全校八百余名师生参加。\n比赛设有跳绳、拔河和接力等项目。\n",
    "recipe": "番茄炒蛋的做法\n材料：番茄 2 个，鸡蛋 3 个，白糖 5 克，盐适量。\n1. 鸡蛋打散，加少许盐。\n2. 热锅下油，炒熟鸡蛋盛出。\n",
    "manual": "# 使用说明\n\n本工具把文本文件转换为结构化记录。安装后运行 `tool run 文件夹`，结果写入 out 目录。\n",
    "receipt": "超市购物小票\n2024年3月5日 14:32\n牛奶 2 盒 12.00 元\n面包 1 袋 8.50 元\n合计 20.50 元\n谢谢惠顾\n",
    "blank": "  \n\n   \n",
}


@pytest.mark.parametrize("name", sorted(NON_REPORTS))
def test_a_text_that_is_no_report_gets_a_not_a_report_error(name):
    document = text_document(NON_REPORTS[name])
    findings = [f for f in run_checks(extract_rules(document), document) if f.kind == "not_a_report"]
    (finding,) = findings
    assert finding.severity == "error" and "未识别出绩效自评报告" in finding.message
    assert ("没有可读的文字" in finding.message) == (name == "blank")
    assert finding.fields == ["department", "fiscal_year", "subject"]


def test_a_blank_pdf_page_gets_a_not_a_report_error(tmp_path):
    import pymupdf

    path = tmp_path / "blank.pdf"
    with pymupdf.open() as pdf:
        pdf.new_page()
        pdf.save(path)
    document = load(path)
    (finding,) = only("not_a_report", extract_rules(document), document)
    assert "没有可读的文字" in finding.message


def test_who_or_when_is_enough_to_be_a_report():
    # A short invented report: its department, its year or the project it evaluates.
    text = "某县档案馆2023年度项目支出绩效自评报告\n本项目全年预算数 12.5 万元。\n"
    assert only("not_a_report", record(department="某县档案馆"), text) == []
    assert only("not_a_report", record(fiscal_year=2023), text) == []
    assert only("not_a_report", record(subject="档案数字化经费"), text) == []


def test_an_empty_record_from_a_failed_model_is_not_called_no_report():
    # The model failed (llm_failed says why): the empty record says nothing about the document.
    text = "某县档案馆2023年度项目支出绩效自评报告\n本项目全年预算数 12.5 万元。\n"
    failed = record(findings=[{"check": "llm", "kind": "llm_failed", "severity": "warning", "message": "模型调用失败：HTTP 500"}])
    assert only("not_a_report", failed, text) == []
    assert len(only("not_a_report", record(), text)) == 1


def test_notes_that_quote_a_reports_figures_are_no_report():
    # Invented notes about a folder of reports: figures, but no department or year of their own.
    text = "样例说明\n这些样例用于测试。其中一份写明全年预算数 300 万元，预算执行率 97%，自评得分 95 分。\n"
    document = text_document(text)
    extracted = extract_rules(document)
    (finding,) = only("not_a_report", extracted, document)
    assert "数值可能只是引用" in finding.message and finding.computed >= 1


def test_not_a_report_never_fires_on_the_seeds_the_dev_reports_or_our_gold():
    from conftest import SHARED_DIR

    sources = _documents() + sorted((SHARED_DIR / "dev").glob("*.txt"))
    assert len(sources) > 20
    fired = [s.name for s in sources if only("not_a_report", *reversed(_extracted(str(s))))]
    assert fired == []
