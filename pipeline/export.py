"""Writing records: JSON per document, JSON Lines, and flat CSV/XLSX tables for spreadsheets.

CSV and XLSX flatten the record into three tables an operator can open in Excel: one row per
document (scalars, with the evidence quote of each), one per project, one per indicator.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterable

from pipeline.record import ExtractedRecord

DOCUMENT_COLUMNS = [
    "doc_id", "department", "fiscal_year", "report_type", "subject",
    "budget.initial", "budget.adjusted", "budget.adjustment", "budget.actual",
    "budget.execution_rate", "budget.adjustment_rate",
    "budget.basic.budget", "budget.basic.actual", "budget.project.budget", "budget.project.actual",
    "budget.three_public.budget", "budget.three_public.actual",
    "evaluation.score", "evaluation.grade", "problems", "improvements",
    "indicators", "projects", "findings", "errors",
]
PROJECT_COLUMNS = ["doc_id", "index", "name", "budget", "actual", "execution_rate", "quote"]
INDICATOR_COLUMNS = ["doc_id", "index", "level1", "level2", "name", "target", "actual", "quote"]


def record_json(record: ExtractedRecord) -> dict:
    """The output object: the plain record (gold format) at the top level plus evidence,
    candidates, findings and meta."""
    return record.model_dump(mode="json")


def _get(plain: dict, path: str) -> Any:
    value: Any = plain
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _cell(value: Any) -> Any:
    """Spreadsheet-safe cell: a document string starting with = + - @ must not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def flatten(records: Iterable[ExtractedRecord]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    documents, projects, indicators = [], [], []
    for record in records:
        plain = record.plain()
        row = [_get(plain, c) for c in DOCUMENT_COLUMNS[:-4]]
        errors = sum(1 for f in record.findings if f.severity == "error")
        row += [len(plain["indicators"]), len(plain["projects"]), len(record.findings), errors]
        documents.append(row)
        for i, p in enumerate(plain["projects"]):
            quote = record.evidence.get(f"projects[{i}].name")
            projects.append([record.doc_id, i, p["name"], p["budget"], p["actual"], p["execution_rate"], quote.quote if quote else None])
        for i, ind in enumerate(plain["indicators"]):
            quote = record.evidence.get(f"indicators[{i}].name")
            indicators.append([record.doc_id, i, ind["level1"], ind["level2"], ind["name"], ind["target"], ind["actual"], quote.quote if quote else None])
    return {
        "documents": (DOCUMENT_COLUMNS, documents),
        "projects": (PROJECT_COLUMNS, projects),
        "indicators": (INDICATOR_COLUMNS, indicators),
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
