"""`make bench`: every benchmark, one table. Speed and memory targets live here, never in tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table


OUT_JSON = Path(__file__).resolve().parent / "out" / "bench.json"


def main() -> int:
    from bench import (
        batch_bench, extract_bench, flattening_bench, ingest_bench, llm_bench, robustness_bench, scale_bench, wordgap_bench,
    )

    console = Console(width=140)
    table = Table(title="Benchmarks (2 cores, no GPU)", title_justify="left")
    for column in ("benchmark", "value", "unit", "target", "ok"):
        table.add_column(column)
    failed = False
    rows: list[dict] = []
    # Ingest first: its peak-memory row reads the process-wide maximum, which must be OCR's own.
    for suite in (
        ingest_bench, extract_bench, scale_bench, robustness_bench, wordgap_bench, flattening_bench, batch_bench, llm_bench,
    ):
        console.print(f"running {suite.__name__} …")
        for row in suite.run():
            rows.append({"suite": suite.__name__.split(".")[-1], **row})
            ok = row.get("ok")
            failed |= ok is False
            mark = "" if ok is None else ("[green]yes[/]" if ok else "[red]NO[/]")
            table.add_row(row["name"], str(row["value"]), row["unit"], row.get("target") or "", mark)
    console.print(table)
    # The same rows as JSON, for comparing runs (bench/out/ is not committed).
    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_JSON.write_text(json.dumps(rows, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    console.print(f"rows written to {OUT_JSON}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
