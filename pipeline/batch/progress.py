"""What an operator sees while a batch runs (on a terminal only) and the table at its end."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from pipeline.batch.runner import RunStats


class BatchProgress:
    """A live bar: documents done/total, pages/s, errors so far, tokens, ETA and the file last
    finished. Silent when ``console`` is not a terminal (CI logs, pipes): the summary says it all."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]batch[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TextColumn("[red]{task.fields[errors]}[/]"),
            TextColumn("{task.fields[tokens]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            TextColumn("[dim]{task.fields[current]}[/]"),
            console=console, disable=not console.is_terminal, transient=False,
        )
        self.task = None
        self.started = time.perf_counter()

    def __enter__(self) -> "BatchProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, stats: RunStats) -> None:
        if self.task is None:
            self.task = self.progress.add_task("batch", total=stats.queued, rate="", errors="", tokens="", current="")
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        tokens = stats.tokens_in + stats.tokens_out
        self.progress.update(
            self.task, completed=stats.done + stats.failed, rate=f"{stats.pages / elapsed:.2f} pages/s",
            errors=f"{stats.failed} failed" if stats.failed else "", tokens=f"{tokens} tokens" if tokens else "",
            current=escape(stats.current),
        )


def summary_table(summary: dict[str, Any]) -> Table:
    """The final table: the folder's totals, then what this run did."""
    run = summary["this_run"]
    table = Table(title=f"batch → {escape(summary['out_dir'])}", title_justify="left", show_header=False)
    table.add_column(style="dim")
    table.add_column(justify="right")
    rows = [
        ("documents", summary["documents"]), ("duplicates (same bytes)", len(summary["duplicates"])),
        ("records", summary["records"]), ("  clean", summary["records_clean"]),
        ("  with findings", summary["records_with_findings"]), ("failed", summary["failed"]),
        ("this run: processed", run["processed"]), ("this run: skipped, done before", run["skipped_done_before"]),
        ("this run: pages", run["pages"]), ("this run: time", f"{run['seconds']:.1f} s"),
        ("this run: pages/s", run["pages_per_second"] if run["pages_per_second"] is not None else "-"),
        ("review items created", run["review_items"]), ("LLM calls", run["llm_calls"]),
        ("tokens in / out", f"{run['tokens_in']} / {run['tokens_out']}"), ("LLM cache hits", run["cache_hits"]),
        ("LLM cost (USD, estimate)", _cost(run)),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def _cost(run: dict[str, Any]) -> str:
    from pipeline.extract.llm.costs import format_cost

    if run["cost"] is None:
        return f"unknown ({run['records_cost_unknown']} records' model has no price)"
    return format_cost(run["cost"])


def failure_lines(summary: dict[str, Any], limit: int = 20) -> list[str]:
    lines = [f"{f['path']}: {f['error']} ({f['kind']})" for f in summary["failures"][:limit]]
    if len(summary["failures"]) > limit:
        lines.append(f"… {len(summary['failures']) - limit} more in failures.jsonl")
    return lines
