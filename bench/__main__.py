"""`make bench`: every benchmark, one table. Speed and memory targets live here, never in tests."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table


def main() -> int:
    from bench import extract_bench, ingest_bench, robustness_bench, scale_bench

    console = Console(width=140)
    table = Table(title="Benchmarks (2 cores, no GPU)", title_justify="left")
    for column in ("benchmark", "value", "unit", "target", "ok"):
        table.add_column(column)
    failed = False
    # Ingest first: its peak-memory row reads the process-wide maximum, which must be OCR's own.
    for suite in (ingest_bench, extract_bench, scale_bench, robustness_bench):
        console.print(f"running {suite.__name__} …")
        for row in suite.run():
            ok = row.get("ok")
            failed |= ok is False
            mark = "" if ok is None else ("[green]yes[/]" if ok else "[red]NO[/]")
            table.add_row(row["name"], str(row["value"]), row["unit"], row.get("target") or "", mark)
    console.print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
