"""Approved records out, through the project's writers (``pipeline/export.py``): JSON Lines, the
three CSV tables, or one XLSX workbook. Corrections are in the records; the evidence of a
corrected field says ``method: human``."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.export import record_json, write_csv, write_xlsx
from pipeline.review.store import Store

FORMATS = ("jsonl", "csv", "xlsx")


def export_approved(store: Store, fmt: str, out: Path) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    records = store.approved_records()
    if fmt == "csv":
        return write_csv(records, out)
    if fmt == "xlsx":
        return [write_xlsx(records, out if out.suffix == ".xlsx" else out / "approved.xlsx")]
    target = out if out.suffix == ".jsonl" else out / "approved.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(json.dumps(record_json(r), ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return [target]
