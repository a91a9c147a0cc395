"""The front door (issue 9): every command, tried as a new user would, tells the truth — what it
found, what it wrote, what went wrong in one line naming the file, and an exit status that means
the same for every command (0 ok, 1 findings / regression, 2 bad input or usage)."""

from __future__ import annotations

import csv
import json
import re

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import PROJECT_ROOT, SEEDS_DIR
from pipeline.cli import LayoutChoice, app
from pipeline.config import get_settings

runner = CliRunner()

# An invented one-page report that passes every check (exit 0).
REPORT = (
    "某市水务局2022年度部门整体支出绩效自评表\n部门名称\t某市水务局\n被评价年度\t2022年\n"
    "全年预算数 200 万元，实际支出数 180 万元，预算执行率 90%。\n"
)
# The same kind of report from another bureau, with a rate its figures contradict (exit 1).
WRONG_RATE = (
    "某县林业局2023年度部门整体支出绩效自评表\n部门名称\t某县林业局\n被评价年度\t2023年\n"
    "全年预算数 400 万元，实际支出数 300 万元，预算执行率 95%。\n"
)


def _write(path, text: str = REPORT):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error ")]


def _one_line_error(result, *needles: str) -> str:
    """The run printed exactly one error line, with every needle in it, and no traceback."""
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    (line,) = _error_lines(result)
    for needle in needles:
        assert needle in line, (needle, line)
    return line


# --- folders, ids -----------------------------------------------------------------------------


def test_folders_of_folders_are_walked_and_what_was_skipped_is_said(tmp_path):
    _write(tmp_path / "in" / "2022" / "水务" / "r.txt")
    _write(tmp_path / "in" / "2023" / "notes.json", "{}")
    result = runner.invoke(app, ["extract", "--out", str(tmp_path / "out"), str(tmp_path / "in")])
    assert result.exit_code == 0, result.output
    assert "found 1 document(s), skipped 1 other file(s) (.json)" in result.stdout
    assert (tmp_path / "out" / "r.json").exists()
    assert result.stdout.strip().splitlines()[-1].startswith("extract: 1 written, 0 with error findings, 0 failed")


def test_an_empty_folder_says_so_and_exits_2(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    result = runner.invoke(app, ["extract", str(tmp_path / "empty")])
    assert result.exit_code == 2
    _one_line_error(result, str(tmp_path / "empty"), "no documents")
    result = runner.invoke(app, ["ingest", str(tmp_path / "empty")])
    assert result.exit_code == 2
    _one_line_error(result, "no documents")


def test_equal_stems_get_distinct_ids_and_the_csv_names_the_source(tmp_path):
    a = _write(tmp_path / "a" / "x.txt")
    b = _write(tmp_path / "b" / "x.txt", WRONG_RATE)
    result = runner.invoke(app, ["extract", "--out", str(tmp_path / "out"), str(a), str(b)])
    assert result.exit_code == 1, result.output  # b's rate contradicts its figures
    records = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").glob("*.json")}
    assert set(records) == {"a_x.json", "b_x.json"}
    assert records["a_x.json"]["department"] == "某市水务局" and records["b_x.json"]["department"] == "某县林业局"
    result = runner.invoke(app, ["extract", "--format", "csv", "--out", str(tmp_path / "csv"), str(a), str(b)])
    with (tmp_path / "csv" / "documents.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["文档编号"], r["来源文件"]) for r in rows] == [("a_x", str(a)), ("b_x", str(b))]


# --- outputs and settings are checked before any work -----------------------------------------


def test_out_that_is_an_existing_file_is_refused_before_any_document_is_read(tmp_path):
    taken = _write(tmp_path / "taken", "")
    # The missing input would print its own error if anything were read: only --out is named.
    result = runner.invoke(app, ["extract", "--out", str(taken), str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    _one_line_error(result, str(taken), "--out must be a directory")


def test_out_that_cannot_be_created_is_refused_in_one_line(tmp_path):
    taken = _write(tmp_path / "taken", "")
    source = _write(tmp_path / "r.txt")
    result = runner.invoke(app, ["extract", "--out", str(taken / "sub"), str(source)])
    assert result.exit_code == 2
    _one_line_error(result, str(taken / "sub"), "cannot create the --out directory")
    result = runner.invoke(app, ["extract", "--jsonl", str(tmp_path), str(source)])
    assert result.exit_code == 2
    _one_line_error(result, "--jsonl must be a file")


def test_a_bad_setting_is_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_MAX_PDF_PAGES", "abc")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["extract", str(_write(tmp_path / "r.txt"))])
    finally:
        monkeypatch.delenv("PIPELINE_MAX_PDF_PAGES")
        get_settings.cache_clear()
    assert result.exit_code == 2
    _one_line_error(result, "PIPELINE_MAX_PDF_PAGES='abc'", "valid integer")
    assert result.stdout == ""


def test_jsonl_beside_out_is_honoured(tmp_path):
    source = _write(tmp_path / "r.txt")
    result = runner.invoke(app, ["extract", "--format", "jsonl", "--out", str(tmp_path / "o"), str(source)])
    assert result.exit_code == 0, result.output
    (line,) = (tmp_path / "o" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["doc_id"] == "r"
    assert "extract: 1 written, 0 with error findings, 0 failed (to " in result.stdout
    result = runner.invoke(app, ["extract", "--out", str(tmp_path / "d"), "--jsonl", str(tmp_path / "r.jsonl"), str(source)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "r.json").exists() and len((tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()) == 1


# --- eval -------------------------------------------------------------------------------------


def test_eval_with_a_model_backend_and_no_endpoint_is_refused(tmp_path, monkeypatch):
    for name in ("PIPELINE_LLM_BASE_URL", "PIPELINE_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["eval", "--gold", str(PROJECT_ROOT / "eval" / "gold"), "--backend", "llm", "--out", str(tmp_path / "r")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    _one_line_error(result, "--backend llm", "no LLM endpoint is configured", "PIPELINE_LLM_BASE_URL")
    assert not (tmp_path / "r").exists()  # refused before anything was created


@pytest.mark.parametrize("content", [None, "not json", "[1, 2]"], ids=["missing", "not-json", "not-a-report"])
def test_eval_compare_on_an_unreadable_report_is_bad_input_not_a_regression(tmp_path, content):
    bad = tmp_path / "before.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["eval", "compare", str(bad), str(bad)])
    assert result.exit_code == 2
    _one_line_error(result, str(bad))


@pytest.mark.ocr
def test_synth_scans_are_evaluable_beside_their_gold(tmp_path):
    out = tmp_path / "syn"
    result = runner.invoke(app, ["synth", "1", "--layout", "overall_table", "--seed", "2", "--scan", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (gold,) = out.glob("*.json")
    assert (out / "scan" / f"{gold.stem}.pdf").exists()
    result = runner.invoke(app, ["eval", "--gold", str(out), "--docs", str(out / "scan"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["per_document"][gold.stem]["error"] is None and report["headline"]["correct"] > 0
    assert re.search(r"^eval: 1 scored, 0 failed; accuracy \d+/\d+", result.stdout, re.M)


def test_eval_names_a_gold_whose_document_is_missing_and_exits_2(tmp_path):
    gold = tmp_path / "gold"
    _write(gold / "r.txt")
    _write(gold / "lost.json", json.dumps({"doc_id": "lost", "department": "某局"}, ensure_ascii=False))
    _write(gold / "r.json", json.dumps({"doc_id": "r", "department": "某市水务局"}, ensure_ascii=False))
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--out", str(tmp_path / "report")])
    assert result.exit_code == 2
    _one_line_error(result, "lost", "no source document")
    assert "eval: 1 scored, 1 failed" in result.stdout
    assert (tmp_path / "report" / "report.json").exists()  # the report is still written


# --- what the record and the spreadsheets say --------------------------------------------------


def test_a_text_that_is_no_report_exits_1_with_a_not_a_report_finding(tmp_path):
    # An invented tool manual (the project's own README.md behaves the same, only slower).
    manual = _write(tmp_path / "in" / "使用说明.md", "# 使用说明\n\n安装后运行 `tool run 文件夹`，结果写入 out 目录。\n输出目录必须可写。\n")
    result = runner.invoke(app, ["extract", "--out", str(tmp_path), str(manual)])
    assert result.exit_code == 1, result.output
    record = json.loads((tmp_path / "使用说明.json").read_text(encoding="utf-8"))
    (finding,) = [f for f in record["findings"] if f["kind"] == "not_a_report"]
    assert finding["severity"] == "error" and "未识别出绩效自评报告" in finding["message"]
    assert "error not_a_report" in result.stdout
    assert "extract: 1 written, 1 with error findings, 0 failed" in result.stdout


def test_spreadsheets_have_chinese_headers_with_units_the_source_and_every_finding(tmp_path):
    good, wrong = _write(tmp_path / "good.txt"), _write(tmp_path / "wrong.txt", WRONG_RATE)
    result = runner.invoke(app, ["extract", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), str(good), str(wrong)])
    assert result.exit_code == 1, result.output
    workbook = load_workbook(tmp_path / "x.xlsx")
    assert workbook.sheetnames == ["documents", "projects", "indicators", "findings"]
    header = [c.value for c in workbook["documents"][1]]
    assert {"来源文件", "全年预算数（万元）", "实际支出数（万元）", "预算执行率（%）"} <= set(header)
    assert not any(re.fullmatch(r"[a-z_.]+", h) for h in header)  # no dotted English field paths
    findings = list(workbook["findings"].iter_rows(values_only=True))
    assert findings[0][:2] == ("文档编号", "来源文件")
    assert ("wrong", str(wrong), "error", "execution_rate_mismatch") in {row[:4] for row in findings[1:]}
    messages = {row[6] for row in findings[1:]}
    assert any("预算执行率" in m and "execution_rate" in m for m in messages)


def test_ingest_ends_with_a_summary_line(tmp_path):
    _write(tmp_path / "in" / "r.txt")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    result = runner.invoke(app, ["ingest", "--json", str(tmp_path / "in")])
    assert result.exit_code == 2
    _one_line_error(result, "empty.txt", "empty")
    assert result.stderr.strip().splitlines()[-1] == "ingest: 1 read, 1 failed"
    assert len(result.stdout.strip().splitlines()) == 1  # stdout keeps only the JSON


# --- typed choices ------------------------------------------------------------------------------


def test_layout_choices_are_the_generators_layouts():
    from pipeline import synth

    assert {c.value for c in LayoutChoice} == set(synth.ALL_LAYOUTS) | set(synth.LAYOUT_CHOICES)


@pytest.mark.parametrize("args", [["extract", "--backend", "gpt", str(SEEDS_DIR)], ["extract", "--format", "pdf", str(SEEDS_DIR)]])
def test_an_unknown_choice_is_a_usage_error(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Invalid value" in result.output + result.stderr


def test_readme_says_how_to_run_the_command_and_what_exit_codes_mean():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in readme and ".venv/bin/pipeline" in readme
    codes = readme.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    for code in ("`0`", "`1`", "`2`"):
        assert code in codes


def test_check_and_schema_name_a_wrong_path_in_one_line(tmp_path):
    source = _write(tmp_path / "r.txt")
    result = runner.invoke(app, ["check", str(tmp_path), "--doc", str(source)])
    assert result.exit_code == 2
    _one_line_error(result, str(tmp_path), "cannot read")
    result = runner.invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 2
    _one_line_error(result, str(tmp_path), "--out must be a file")
