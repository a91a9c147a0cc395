"""Writing records: JSON per document, JSON Lines, and flat CSV/XLSX tables for spreadsheets.

CSV and XLSX flatten the records into four tables an operator can open in Excel: one row per
document (its source file and scalars), one per project, one per indicator (each with the quote
it was read from), and one per finding (every message). Headers are Chinese and name the unit.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any, Iterable

from pipeline.record import RECORD_FIELDS, ExtractedRecord, get_path

# The Chinese header of each record field, naming the unit (amounts in 万元 and rates in percent,
# as the record holds them). The document sheet's columns follow the record's own field order
# (``record.RECORD_FIELDS``), so a field added to the record needs its header here (a test holds it).
FIELD_HEADERS: dict[str, str] = {
    "doc_id": "文档编号", "department": "部门", "fiscal_year": "评价年度", "report_type": "报告类型", "subject": "评价对象",
    "budget.initial": "年初预算数（万元）", "budget.adjusted": "全年预算数（万元）",
    "budget.adjustment": "预算调整数（万元）", "budget.actual": "实际支出数（万元）",
    "budget.execution_rate": "预算执行率（%）", "budget.adjustment_rate": "预算调整率（%）",
    "budget.basic.budget": "基本支出预算数（万元）", "budget.basic.actual": "基本支出实际支出数（万元）",
    "budget.project.budget": "项目支出预算数（万元）", "budget.project.actual": "项目支出实际支出数（万元）",
    "budget.three_public.budget": "“三公”经费预算数（万元）", "budget.three_public.actual": "“三公”经费实际支出数（万元）",
    "evaluation.score": "自评得分（分）", "evaluation.grade": "自评等级",
    "problems": "存在的问题", "improvements": "改进措施",
}
# One row per document: each column's header and the field path it shows ("" for a column
# computed from the whole record); the source file comes second, the counts last.
DOCUMENT_COLUMNS: list[tuple[str, str]] = [
    (FIELD_HEADERS["doc_id"], "doc_id"), ("来源文件", "meta.source_path"),
    *((FIELD_HEADERS[f.path], f.path) for f in RECORD_FIELDS if f.shape != "list" and f.path != "doc_id"),
    ("绩效指标数（个）", ""), ("项目数（个）", ""), ("核查发现数（条）", ""), ("其中错误（条）", ""),
]
PROJECT_COLUMNS = ["文档编号", "来源文件", "序号", "项目名称", "预算数（万元）", "实际支出数（万元）", "执行率（%）", "原文"]
INDICATOR_COLUMNS = ["文档编号", "来源文件", "序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "原文"]
# Every finding with its whole message, so a reviewer works from the spreadsheet alone.
FINDING_COLUMNS = ["文档编号", "来源文件", "严重程度", "类型", "核查项", "涉及字段", "说明", "印出值", "计算值", "容差"]


def record_json(record: ExtractedRecord) -> dict:
    """The output object: the plain record (gold format) at the top level plus evidence,
    candidates, findings and meta."""
    return record.model_dump(mode="json")


# Control characters a spreadsheet cell cannot hold (openpyxl refuses them, and one such value
# lost a batch its whole workbook): a page break's form feed inside a passage, a stray escape.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value: Any) -> Any:
    """Spreadsheet-safe cell: a document string starting with = + - @ must not run as a formula;
    a list or dict (a finding's stated values) is written as JSON text; control characters
    become spaces."""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = _CONTROL.sub(" ", value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def flatten(records: Iterable[ExtractedRecord]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    documents, projects, indicators, findings = [], [], [], []
    for record in records:
        plain = record.plain()
        plain["meta"] = {"source_path": record.meta.source_path if record.meta else None}
        source = plain["meta"]["source_path"]
        row = [get_path(plain, path) for _, path in DOCUMENT_COLUMNS if path]
        errors = sum(1 for f in record.findings if f.severity == "error")
        row += [len(plain["indicators"]), len(plain["projects"]), len(record.findings), errors]
        documents.append(row)
        for i, p in enumerate(plain["projects"]):
            quote = record.evidence.get(f"projects[{i}].name")
            projects.append([record.doc_id, source, i + 1, p["name"], p["budget"], p["actual"], p["execution_rate"], quote.quote if quote else None])
        for i, ind in enumerate(plain["indicators"]):
            quote = record.evidence.get(f"indicators[{i}].name")
            indicators.append([record.doc_id, source, i + 1, ind["level1"], ind["level2"], ind["name"], ind["target"], ind["actual"], quote.quote if quote else None])
        for f in record.findings:
            findings.append([record.doc_id, source, f.severity, f.kind, f.check, ", ".join(f.fields), f.message, f.stated, f.computed, f.tolerance])
    return {
        "documents": ([header for header, _ in DOCUMENT_COLUMNS], documents),
        "projects": (PROJECT_COLUMNS, projects),
        "indicators": (INDICATOR_COLUMNS, indicators),
        "findings": (FINDING_COLUMNS, findings),
    }


def write_csv(records: list[ExtractedRecord], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (columns, rows) in flatten(records).items():
        path = out_dir / f"{name}.csv"
        # utf-8-sig: Excel opens a BOM-marked CSV as UTF-8 instead of the locale code page.
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([[_cell(v) for v in row] for row in rows])
        paths.append(path)
    return paths


def write_xlsx(records: list[ExtractedRecord], path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (columns, rows) in flatten(records).items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_json(record: ExtractedRecord, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{record.doc_id}.json"
    path.write_text(json.dumps(record_json(record), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
