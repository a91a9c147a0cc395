"""`make demo`: the main job on the offline default, over bundled samples, the shared seeds and
the shared dev reports.

For each document: ingest, rules extraction, the key fields, and — when a gold record sits
beside the document (eval/gold, ../shared/dev) or in ../shared/gold — the field accuracy against it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.errors import PipelineError


def _gold_for(source: Path) -> Path | None:
    beside = source.with_suffix(".json")
    if beside.exists():
        return beside
    shared = source.parent.parent / "gold" / f"{source.stem}.json"
    return shared if shared.exists() else None


def run_demo(console: Console, folders: list[Path]) -> int:
    from pipeline.evaluate import score_document
    from pipeline.run import process
    from pipeline.ingest import load

    sources = [p for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.txt"))]
    missing = [str(f) for f in folders if not f.is_dir()]
    for folder in missing:
        console.print(f"[dim]skipping {folder}: not found[/]")
    if not console.is_terminal:
        console = Console(width=max(console.width, 150), highlight=False)
    table = Table(title="Offline extraction (rules backend)", title_justify="left")
    for column in ("document", "department", "year", "type", "adjusted", "actual", "rate %", "indicators", "projects", "accuracy", "ms"):
        table.add_column(column, overflow="fold")
    correct = scored = 0
    status = 0
    for source in sources:
        started = time.perf_counter()
        try:
            record = process(load(source), "rules")
        except PipelineError as error:
            console.print(f"[red]error[/] {error}")
            status = 2
            continue
        elapsed = (time.perf_counter() - started) * 1000
        plain = record.plain()
        accuracy = "-"
        gold_path = _gold_for(source)
        if gold_path:
            score = score_document(json.loads(gold_path.read_text(encoding="utf-8")), plain)
            correct += score.counts.correct
            scored += score.counts.scored
            accuracy = f"{score.counts.accuracy:.3f}"
        b = plain["budget"]
        table.add_row(
            source.stem[:34], plain["department"] or "-", str(plain["fiscal_year"] or "-"), plain["report_type"] or "-",
            "-" if b["adjusted"] is None else f"{b['adjusted']:,.2f}", "-" if b["actual"] is None else f"{b['actual']:,.2f}",
            "-" if b["execution_rate"] is None else str(b["execution_rate"]),
            str(len(plain["indicators"])), str(len(plain["projects"])), accuracy, f"{elapsed:.0f}",
        )
    console.print(table)
    if scored:
        console.print(f"Field accuracy against gold: [bold]{correct}/{scored} = {correct / scored:.4f}[/]")
    console.print("Records: `pipeline extract PATH --out DIR`; evaluation: `pipeline eval --gold DIR`.")
    return status
