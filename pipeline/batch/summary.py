"""The end of a batch: ``summary.json`` (machine-readable), ``summary.xlsx`` (for an operator: a
summary sheet, every failure with its reason, and the record tables of ``pipeline extract
--format xlsx``) and the final ``failures.jsonl`` (one line per file that failed and stands failed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.batch.plan import Plan
from pipeline.batch.state import FAILURES_FILE, RECORDS_FILE, State, write_lines_atomically

SUMMARY_JSON, SUMMARY_XLSX = "summary.json", "summary.xlsx"


def write_summary(options, batch: Plan, state: State, stats) -> dict[str, Any]:
    """Write the three end files; returns the summary."""
    known = state.known()
    ours = [known.get(doc.sha256) for doc in batch.documents]
    failures = [*batch.unreadable, *state.failures()]
    write_lines_atomically(options.out_dir / FAILURES_FILE, failures)
    records = _one_per_document(options.out_dir / RECORDS_FILE)
    summary = {
        "out_dir": str(options.out_dir), "backend": options.backend, "engine": options.engine,
        "workers": options.workers, "version": state.version,
        "documents": len(batch.documents) + len(batch.unreadable),
        "duplicates": batch.duplicates, "skipped_other_types": [str(p) for p in batch.inputs.skipped],
        "records": sum(1 for k in ours if k and k.status == "done"),
        "failed": len(failures), "failures": failures,
        "this_run": {
            "processed": stats.queued, "skipped_done_before": stats.skipped, "records": stats.done,
            "clean": stats.clean, "with_findings": stats.with_findings, "with_errors": stats.with_errors,
            "failed": stats.failed, "pages": stats.pages, "seconds": round(stats.seconds, 3),
            "documents_per_second": round(stats.done / stats.seconds, 3) if stats.seconds else None,
            "pages_per_second": round(stats.pages / stats.seconds, 3) if stats.seconds else None,
            "review_items": stats.review_items, "llm_calls": stats.llm_calls,
            "tokens_in": stats.tokens_in, "tokens_out": stats.tokens_out, "cache_hits": stats.cache_hits,
            # Estimated USD (pipeline/data/llm_prices.toml); null (unknown) when a record's model has no price.
            "cost": None if stats.cost_unknown else round(stats.cost, 6),
            "records_cost_unknown": stats.cost_unknown,
        },
    }
    summary["records_clean"] = sum(1 for r in records if not _serious(r))
    summary["records_with_findings"] = len(records) - summary["records_clean"]
    (options.out_dir / SUMMARY_JSON).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    _write_xlsx(options.out_dir / SUMMARY_XLSX, summary, records)
    return summary


def _serious(record: dict) -> bool:
    return any(f["severity"] in ("error", "warning") for f in record.get("findings", []))


def _one_per_document(path: Path) -> list[dict]:
    """The records, one per document: a document redone under a new version (extractor, prompt,
    model) has its newer line appended after the older one; the file is then rewritten with the
    newest record of each document, in place of the older."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    newest: dict[str, int] = {}
    for index, record in enumerate(records):
        newest[(record.get("meta") or {}).get("source_sha256") or f"line {index}"] = index
    if len(newest) == len(records):
        return records
    kept = [records[i] for i in sorted(newest.values())]
    write_lines_atomically(path, kept)
    return kept


def _write_xlsx(path: Path, summary: dict[str, Any], records: list[dict]) -> None:
    from openpyxl import Workbook

    from pipeline.export import _cell, flatten
    from pipeline.record import ExtractedRecord

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "汇总"
    sheet.append(["项目", "值"])
    rows = [("文档数", summary["documents"]), ("记录数", summary["records"]), ("无问题记录", summary["records_clean"]),
            ("有核查发现的记录", summary["records_with_findings"]), ("失败文件数", summary["failed"]),
            ("重复文件数", len(summary["duplicates"]))]
    rows += [(f"本次运行 {key}", "unknown" if key == "cost" and value is None else value) for key, value in summary["this_run"].items()]
    for row in rows:
        sheet.append(list(row))
    failures = workbook.create_sheet("失败文件")
    failures.append(["文件", "类型", "原因"])
    for failure in summary["failures"]:
        failures.append([_cell(failure["path"]), failure["kind"], _cell(failure["error"])])
    for name, (columns, table) in flatten(ExtractedRecord.model_validate(r) for r in records).items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in table:
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    temporary = path.with_suffix(".tmp.xlsx")
    workbook.save(temporary)
    temporary.replace(path)
