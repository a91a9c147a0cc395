"""Command line: `pipeline ingest | extract | check | eval | schema | doctor | demo`.

Batch commands never stop at a broken document: each bad input is reported on stderr with its
path and reason, the rest are processed, and the exit status says what happened
(0 all good, 1 a record has an error finding, 2 some input could not be read).
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Iterable, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.errors import PipelineError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn budget-performance self-evaluation reports into verified, structured records.",
)
# Piped output (CI logs, `| less`) gets wide tables instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
SUPPORTED_SUFFIXES = {".txt", ".md", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; directories expanded to their supported files, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            yield path


def report_bad_input(error: PipelineError) -> None:
    err.print(f"[bold red]error[/] {escape(error.path)}: {escape(error.reason)} [dim]({error.code})[/]", markup=True)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or directories to read."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per document on stdout."),
    full: bool = typer.Option(False, "--full", help="Print whole page texts, not a preview."),
) -> None:
    """Show what was read: per page the engine (text / text layer / OCR) and the text."""
    from pipeline.ingest import load

    status = EXIT_OK
    for path in expand_paths(paths):
        try:
            document = load(path)
        except PipelineError as error:
            report_bad_input(error)
            status = EXIT_BAD_INPUT
            continue
        if as_json:
            sys.stdout.write(json.dumps(document.summary(), ensure_ascii=False) + "\n")
            continue
        out.rule(f"{escape(document.path)}  [dim]{document.sha256[:12]}[/]")
        out.print(f"type {document.media_type}, encoding {document.encoding or '-'}, {len(document.pages)} page(s)")
        for page in document.pages:
            confidence = f", OCR confidence {page.ocr_confidence:.3f}" if page.ocr_confidence is not None else ""
            rejected = f" (text layer rejected: {page.text_layer_rejected})" if page.text_layer_rejected else ""
            out.print(f"[bold]page {page.number}[/] engine={page.engine}{confidence}{rejected}")
            text = page.text if full else _preview(page.text)
            out.print(text, markup=False)
    raise typer.Exit(status)


def _preview(text: str, lines: int = 12) -> str:
    head = text.splitlines()[:lines]
    more = len(text.splitlines()) - len(head)
    return "\n".join(head) + (f"\n… {more} more line(s); --full shows all" if more > 0 else "")


class OutputFormat(str, Enum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    xlsx = "xlsx"


def _load_and_extract(path: Path, backend: str):
    from pipeline.run import process
    from pipeline.ingest import load

    return process(load(path), backend)  # type: ignore[arg-type]


@app.command("extract")
def extract_command(
    paths: list[Path] = typer.Argument(..., help="Files or directories to extract."),
    backend: str = typer.Option("rules", "--backend", help="rules (offline default) | llm | hybrid."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Directory: one <doc_id>.json per document (or the csv/xlsx tables)."),
    jsonl: Optional[Path] = typer.Option(None, "--jsonl", help="One JSON record per line in this file."),
    fmt: Optional[OutputFormat] = typer.Option(None, "--format", help="json | jsonl | csv | xlsx (default: json with --out, jsonl with --jsonl or stdout)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No per-record summary."),
) -> None:
    """Extract one record per document. Exit 0: all records pass their checks; 1: a record has an
    error finding; 2: some input could not be read (the others are still written)."""
    from pipeline.export import write_csv, write_json, write_xlsx, record_json

    fmt = fmt or (OutputFormat.jsonl if jsonl or not out_dir else OutputFormat.json)
    if fmt in (OutputFormat.csv, OutputFormat.xlsx) and not out_dir:
        err.print(f"--format {fmt.value} needs --out DIR")
        raise typer.Exit(EXIT_BAD_INPUT)
    to_stdout = out_dir is None and jsonl is None
    summary = err if to_stdout else out
    records = []
    status = EXIT_OK
    jsonl_handle = jsonl.open("w", encoding="utf-8") if jsonl else None
    try:
        for path in expand_paths(paths):
            try:
                record = _load_and_extract(path, backend)
            except PipelineError as error:
                report_bad_input(error)
                status = EXIT_BAD_INPUT
                continue
            records.append(record)
            if any(f.severity == "error" for f in record.findings) and status == EXIT_OK:
                status = EXIT_FINDINGS
            if fmt == OutputFormat.json and out_dir:
                write_json(record, out_dir)
            elif fmt == OutputFormat.jsonl or fmt == OutputFormat.json:
                line = json.dumps(record_json(record), ensure_ascii=False) + "\n"
                (jsonl_handle.write(line) if jsonl_handle else sys.stdout.write(line))
            if not quiet:
                print_record_summary(summary, record)
    finally:
        if jsonl_handle:
            jsonl_handle.close()
    if fmt == OutputFormat.csv and out_dir:
        for written in write_csv(records, out_dir):
            summary.print(f"wrote {written}")
    elif fmt == OutputFormat.xlsx and out_dir:
        target = out_dir if out_dir.suffix == ".xlsx" else out_dir / "records.xlsx"
        summary.print(f"wrote {write_xlsx(records, target)}")
    raise typer.Exit(status)


def print_record_summary(console: Console, record) -> None:
    """Key fields of a record, then its findings."""
    plain = record.plain()
    b = plain["budget"]
    # Everything taken from a document is escaped: reports are untrusted and may print '[/]'.
    title = f"{escape(record.doc_id)}  [dim]{escape(plain['department'] or '?')} {plain['fiscal_year'] or '?'} {plain['report_type'] or '?'}[/]"
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="dim")
    table.add_column()

    def fmt_money(v):
        return "-" if v is None else f"{v:,.2f} 万元"

    table.add_row("budget", f"initial {fmt_money(b['initial'])} · adjusted {fmt_money(b['adjusted'])} · change {fmt_money(b['adjustment'])}")
    table.add_row("actual", f"{fmt_money(b['actual'])} · execution {b['execution_rate'] if b['execution_rate'] is not None else '-'}%")
    for part in ("basic", "project", "three_public"):
        if b[part]["budget"] is not None or b[part]["actual"] is not None:
            table.add_row(part, f"budget {fmt_money(b[part]['budget'])} · actual {fmt_money(b[part]['actual'])}")
    e = plain["evaluation"]
    if e["score"] is not None or e["grade"]:
        table.add_row("evaluation", f"score {e['score']} · grade {escape(str(e['grade']))}")
    table.add_row("lists", f"{len(plain['indicators'])} indicators · {len(plain['projects'])} projects")
    grounded = sum(1 for ev in record.evidence.values() if ev.match != "ungrounded")
    table.add_row("evidence", f"{grounded} grounded values · {len(record.candidates)} fields with rejected candidates")
    console.print(table)
    for finding in record.findings:
        colour = {"error": "red", "warning": "yellow"}.get(finding.severity, "cyan")
        console.print(f"  [{colour}]{finding.severity}[/] [bold]{escape(finding.kind)}[/] {escape(finding.message)}", markup=True)


eval_app = typer.Typer(help="Evaluate against a gold set, or compare two evaluation runs.", invoke_without_command=True)
app.add_typer(eval_app, name="eval")


@eval_app.callback()
def eval_command(
    ctx: typer.Context,
    gold: Optional[Path] = typer.Option(None, "--gold", help="Directory of <doc_id>.json gold records."),
    docs: Optional[Path] = typer.Option(None, "--docs", help="Where the source documents are, if not beside the gold."),
    backend: str = typer.Option("rules", "--backend", help="rules | llm | hybrid."),
    out_dir: Path = typer.Option(Path("eval/out"), "--out", help="Where report.json, report.md and report.html go."),
    diffs: bool = typer.Option(False, "--diffs", help="Also print every wrong, missed or hallucinated field."),
) -> None:
    """Extract every document that has a gold record, score it, and write the reports."""
    if ctx.invoked_subcommand is not None:
        return
    if gold is None:
        err.print("--gold DIR is required (or use `pipeline eval compare A B`)")
        raise typer.Exit(EXIT_BAD_INPUT)
    if not gold.is_dir():
        err.print(f"{gold}: not a directory of gold records")
        raise typer.Exit(EXIT_BAD_INPUT)
    from pipeline.eval_run import run_eval
    from pipeline.report import print_report, write_report

    report = run_eval(gold, docs, backend)
    print_report(report, out, show_diffs=diffs)
    paths = write_report(report, out_dir)
    out.print(f"wrote {paths.json}, {paths.markdown}, {paths.html}")


@eval_app.command("compare")
def eval_compare(
    before: Path = typer.Argument(..., help="Baseline report.json."),
    after: Path = typer.Argument(..., help="Candidate report.json."),
    tolerance: float = typer.Option(0.0, help="Allowed drop in accuracy (absolute, 0.01 = 1 point)."),
) -> None:
    """What got better and worse, per field and per document; exit 1 on a regression."""
    from pipeline.evaluate import compare_reports, load_report
    from pipeline.report import render_comparison_markdown

    comparison = compare_reports(load_report(before), load_report(after), tolerance)
    out.print(render_comparison_markdown(comparison), markup=False)
    raise typer.Exit(1 if comparison.regressed else 0)


@app.command()
def check(
    record_path: Path = typer.Argument(..., help="A record JSON written by `pipeline extract` (or a gold-format record)."),
    doc: Path = typer.Option(..., "--doc", help="The source document the record was extracted from."),
    write: bool = typer.Option(False, "--write", help="Write the record back with the new findings."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON on stdout."),
) -> None:
    """Re-run the cross-checks on an edited record against its document (what the review queue
    runs after a correction). Exit 0: no error finding; 1: an error finding; 2: bad input."""
    from pydantic import ValidationError

    from pipeline.checks import run_checks
    from pipeline.ingest import load
    from pipeline.record import ExtractedRecord

    try:
        raw = json.loads(record_path.read_text(encoding="utf-8"))
        record = ExtractedRecord.model_validate({k: v for k, v in raw.items() if not k.startswith("_")})
    except FileNotFoundError:
        err.print(f"[bold red]error[/] {escape(str(record_path))}: no such file", markup=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError) as error:
        first = str(error).splitlines()[0]
        err.print(f"[bold red]error[/] {escape(str(record_path))}: not a record ({escape(first)})", markup=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        document = load(doc)
    except PipelineError as error:
        report_bad_input(error)
        raise typer.Exit(EXIT_BAD_INPUT)
    findings = run_checks(record.model_copy(update={"findings": []}), document)
    record = record.model_copy(update={"findings": findings})
    if as_json:
        sys.stdout.write(json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False) + "\n")
    else:
        print_record_summary(out, record)
        if not findings:
            out.print("  no findings")
    if write:
        record_path.write_text(record.to_json() + "\n", encoding="utf-8")
    raise typer.Exit(EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK)


@app.command()
def synth(
    n: int = typer.Argument(..., min=1, max=100_000, help="How many reports to generate."),
    layout: str = typer.Option("mixed", "--layout", help="A layout (overall_table, overall_report, score_report, project_table, project_single; "
                               "genre: project_report, project_form, score_table, multi_form, form_tabs, form_cells, form_oneline, "
                               "form_pipes, form_runon, form_columns) or a cycle: mixed (the classic five), genre, all."),
    noise: int = typer.Option(0, "--noise", min=0, max=4, help="0 clean … 4 worse than the worst seed."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same reports."),
    plant: float = typer.Option(0.0, "--plant", min=0.0, max=1.0, help="Share of reports with planted inconsistencies (flagged in _expected_flags)."),
    out_dir: Path = typer.Option(..., "--out", help="Directory for <doc_id>.txt + <doc_id>.json (gold)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also render a text-layer PDF of each report."),
    scan: bool = typer.Option(False, "--scan", help="Also render an image-only (scanned) PDF of each report: its printed page, tables ruled."),
    ruled: bool = typer.Option(False, "--ruled", help="Make the --pdf text-layer PDF the printed page with ruled (vector) tables."),
) -> None:
    """Generate reports with known gold in every layout, at a chosen noise level."""
    from pipeline import synth as generator

    try:
        reports = generator.generate(n, layout=layout, noise=noise, seed=seed, plant=plant if plant > 0 else False)
    except ValueError as error:
        err.print(f"synth: {error}")
        raise typer.Exit(EXIT_BAD_INPUT)
    written = generator.write(reports, out_dir, pdf=pdf, scan=scan, ruled=ruled)
    planted = sum(1 for r in reports if r.plants)
    out.print(f"wrote {len(reports)} reports ({planted} with planted inconsistencies), {len(written)} files, to {out_dir}")


@app.command()
def schema(
    out_path: Path = typer.Option(Path("schemas/record.schema.json"), "--out", help="Where to write."),
    check: bool = typer.Option(False, "--check", help="Fail if the file differs from the models."),
) -> None:
    """Generate schemas/record.schema.json from pipeline/record.py."""
    from pipeline.record import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    if check:
        current = out_path.read_text(encoding="utf-8") if out_path.exists() else ""
        if current != text:
            err.print(f"{out_path} is out of date: run `pipeline schema`")
            raise typer.Exit(1)
        out.print(f"{out_path} is up to date")
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    out.print(f"wrote {out_path}")


@app.command()
def doctor() -> None:
    """Check the LLM endpoint the llm / hybrid backends would use (PIPELINE_LLM_* settings): one
    tiny structured request, then what is wrong in plain words. Exit 0 only when extraction will work."""
    from pipeline.config import get_settings
    from pipeline.extract.doctor import diagnose

    diagnosis = diagnose(get_settings())
    for step in diagnosis.steps:
        mark = "[green]ok[/]" if step.ok else "[bold red]fail[/]"
        out.print(f"{mark} [bold]{escape(step.name)}[/]: {escape(step.message)}", markup=True)
    out.print("extraction with the model will work" if diagnosis.ok else "extraction with the model will NOT work as configured")
    raise typer.Exit(EXIT_OK if diagnosis.ok else EXIT_FINDINGS)


@app.command()
def demo(
    shared: Path = typer.Option(Path("../shared"), help="The team's shared folder (seeds, gold, dev)."),
    samples: Path = typer.Option(Path("eval/gold"), help="The project's bundled synthetic sample reports."),
) -> None:
    """Run the main job on the offline default over the bundled samples, the shared seeds and the
    shared dev reports."""
    from pipeline.demo import run_demo

    raise typer.Exit(run_demo(out, [samples, shared / "seeds", shared / "dev"]))


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
