"""The command line, driven in-process through typer's runner and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import PROJECT_ROOT, SEEDS_DIR
from pipeline.cli import app
from pipeline.config import get_settings
from pipeline.record import Record, json_schema

runner = CliRunner()
SEED = SEEDS_DIR / "001_077110b4894b78f0.txt"


def test_ingest_json_gives_pages_and_text():
    result = runner.invoke(app, ["ingest", "--json", str(SEED)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout.strip().splitlines()[0])
    assert {"path", "sha256", "text", "pages"} <= set(document)
    assert document["pages"][0]["engine"] == "text"
    assert document["text"] == SEED.read_text(encoding="utf-8")


def test_one_broken_document_does_not_stop_the_batch(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.pdf"
    result = runner.invoke(app, ["extract", "--out", str(tmp_path / "out"), str(empty), str(missing), str(SEED)])
    assert result.exit_code == 2
    assert "empty.txt" in result.stderr and "missing.pdf" in result.stderr
    assert (tmp_path / "out" / f"{SEED.stem}.json").exists()


def test_extract_writes_gold_format_records_with_evidence(tmp_path):
    result = runner.invoke(app, ["extract", "--out", str(tmp_path), str(SEEDS_DIR)])
    # Seed 002 prints an execution rate its own figures contradict: an error finding → exit 1.
    assert result.exit_code == 1, result.output
    written = sorted(tmp_path.glob("*.json"))
    assert [p.stem for p in written] == sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))
    for path in written:
        record = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validate(record, json_schema())
        assert set(Record.model_fields) <= set(record)
        assert record["evidence"]
        for finding in record["findings"]:
            assert finding["kind"] and finding["check"] in finding["message"]
            assert finding["fields"] or finding["evidence"]  # a text-quality finding points at text
    findings = json.loads((tmp_path / "002_253a507cb47b7737.json").read_text(encoding="utf-8"))["findings"]
    assert {"execution_rate_mismatch", "parts_do_not_sum", "separator_repaired"} <= {f["kind"] for f in findings}
    assert "广州市荔湾区应急管理局" in result.stdout
    assert "execution_rate_mismatch" in result.stdout  # findings are printed under their record


def test_extract_exits_zero_when_every_record_passes(tmp_path):
    result = runner.invoke(app, ["extract", "--out", str(tmp_path), str(SEEDS_DIR / "003_9d9dc482990db41b.txt")])
    assert result.exit_code == 0, result.output


def test_check_reruns_the_checks_on_an_edited_record(tmp_path):
    source = SEEDS_DIR / "002_253a507cb47b7737.txt"
    runner.invoke(app, ["extract", "--out", str(tmp_path), str(source)])
    path = tmp_path / f"{source.stem}.json"
    result = runner.invoke(app, ["check", str(path), "--doc", str(source), "--json"])
    assert result.exit_code == 1
    assert "execution_rate_mismatch" in {f["kind"] for f in json.loads(result.stdout)}
    # A reviewer who (wrongly) types the computed rate over the printed one is told the value
    # is no longer what the report prints.
    record = json.loads(path.read_text(encoding="utf-8"))
    record["budget"]["execution_rate"] = 98.85
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--doc", str(source), "--json", "--write"])
    kinds = {f["kind"] for f in json.loads(result.stdout)}
    assert "execution_rate_mismatch" not in kinds and "ungrounded_value" in kinds
    assert json.loads(path.read_text(encoding="utf-8"))["findings"]


def test_check_bad_record_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["check", str(bad), "--doc", str(SEED)])
    assert result.exit_code == 2 and "bad.json" in result.stderr and "not a record" in result.stderr


def test_extract_jsonl_to_stdout_keeps_summary_off_stdout():
    result = runner.invoke(app, ["extract", str(SEED)])
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["doc_id"] == SEED.stem


def test_extract_csv_and_xlsx(tmp_path):
    result = runner.invoke(app, ["extract", "--format", "csv", "--out", str(tmp_path / "csv"), str(SEEDS_DIR)])
    assert result.exit_code == 1, result.output  # seed 002 has error findings; files are still written
    projects = (tmp_path / "csv" / "projects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert projects[0].startswith("文档编号,来源文件,序号,项目名称,预算数（万元）")
    assert any("三防抢险工作经费" in line for line in projects)
    result = runner.invoke(app, ["extract", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), str(SEEDS_DIR)])
    assert result.exit_code == 1, result.output
    workbook = load_workbook(tmp_path / "x.xlsx")
    assert workbook.sheetnames == ["documents", "projects", "indicators", "findings"]
    assert workbook["documents"].max_row == 6  # header + five seeds
    assert workbook["indicators"].max_row > 40


def test_csv_without_out_is_a_usage_error():
    result = runner.invoke(app, ["extract", "--format", "csv", str(SEED)])
    assert result.exit_code == 2


def test_unavailable_backend_is_a_clear_error(tmp_path, monkeypatch):
    # No endpoint from the developer's environment or .env may leak in: this must stay offline.
    for name in ("PIPELINE_LLM_BASE_URL", "PIPELINE_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    result = runner.invoke(app, ["extract", "--backend", "llm", "--out", str(tmp_path), str(SEED)])
    get_settings.cache_clear()
    assert result.exit_code == 2
    assert "llm backend is not available" in result.stderr


def test_schema_check_passes_on_the_committed_schema():
    result = runner.invoke(app, ["schema", "--check", "--out", str(PROJECT_ROOT / "schemas" / "record.schema.json")])
    assert result.exit_code == 0, result.output


def test_python_dash_m_runs_as_a_real_process(tmp_path):
    env = {**os.environ, "ORT_DISABLE_TELEMETRY": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(tmp_path / "nope.txt")],
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120,
    )
    assert completed.returncode == 2
    assert "nope.txt" in completed.stderr and "Traceback" not in completed.stderr


def test_synth_then_eval_round_trip(tmp_path):
    result = runner.invoke(app, ["synth", "5", "--noise", "0", "--seed", "7", "--out", str(tmp_path / "syn")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "syn").glob("*.json"))) == 5
    result = runner.invoke(app, ["eval", "--gold", str(tmp_path / "syn"), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["headline"]["scored"] > 50 and report["headline"]["accuracy"] >= 0.95
    compare = runner.invoke(app, ["eval", "compare", str(tmp_path / "report" / "report.json"), str(tmp_path / "report" / "report.json")])
    assert compare.exit_code == 0


def test_synth_genre_layouts_with_a_ruled_text_layer_pdf_round_trip(tmp_path):
    import pymupdf

    out = tmp_path / "genre"
    result = runner.invoke(app, ["synth", "10", "--layout", "genre", "--seed", "3", "--pdf", "--ruled", "--out", str(out)])
    assert result.exit_code == 0, result.output
    golds = sorted(out.glob("*.json"))
    assert len(golds) == 10 and {json.loads(p.read_text(encoding="utf-8"))["report_type"] for p in golds} == {
        "project_report", "project_table", "overall_table"}
    (form,) = out.glob("*form_pipes*.pdf")
    with pymupdf.open(form) as pdf:  # the form is a vector table a table finder sees
        assert pdf[0].find_tables().tables and "|" not in pdf[0].get_text()
    result = runner.invoke(app, ["eval", "--gold", str(out), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["headline"]["scored"] > 200


def test_synth_rejects_an_unknown_layout(tmp_path):
    result = runner.invoke(app, ["synth", "2", "--layout", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "Invalid value for '--layout'" in result.stderr


def test_document_text_cannot_inject_console_markup(tmp_path):
    # Reports are untrusted: rich markup in a department name, a number's context or a file
    # name must print literally and never crash the batch.
    text = (
        "部门整体支出绩效自评表\n部门名称\t[bold red]某市[/]应急管理局\n被评价年度\t2021年\n"
        "预算完成率 100%，实际支出数 90 万元，全年预算数 100 万元。\n"
    )
    source = tmp_path / "报告[1].txt"
    source.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["extract", "--out", str(tmp_path / "out"), str(source)])
    assert result.exit_code in (0, 1), result.output
    assert "execution_rate_mismatch" in result.stdout
    broken = tmp_path / "坏[red]文件.txt"
    broken.write_bytes(b"")
    result = runner.invoke(app, ["extract", "--out", str(tmp_path / "out"), str(broken)])
    assert result.exit_code == 2 and "坏[red]文件.txt" in result.stderr


def test_every_record_field_has_a_spreadsheet_header():
    from pipeline.export import DOCUMENT_COLUMNS, FIELD_HEADERS
    from pipeline.record import RECORD_FIELDS

    scalar_paths = [f.path for f in RECORD_FIELDS if f.shape != "list"]
    assert set(scalar_paths) <= set(FIELD_HEADERS)
    shown = [path for _, path in DOCUMENT_COLUMNS if path and path != "meta.source_path"]
    assert shown == scalar_paths  # in the record's own order
