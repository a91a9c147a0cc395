"""Command line: `pipeline ingest | extract | batch | check | eval | schema | synth | doctor | demo | review | serve`.

Batch commands never stop at a broken document: each bad input is reported on stderr in one line
naming the file and the reason, the rest are processed, and the last line says what happened.
Exit status, the same for every command:

* 0 — everything was read and no record has an error finding (eval: the set was scored);
* 1 — a record has an error finding, or ``eval compare`` found a regression (``schema --check``: stale);
* 2 — bad input or usage: a file that cannot be read, a folder without documents, an output that
  cannot be written, a bad setting, a model backend without an endpoint. Outputs, settings and
  the backend are checked before any document is read.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.errors import PipelineError
from pipeline.extract import BackendName
from pipeline.inputs import SUPPORTED_SUFFIXES, Inputs, find_inputs, unique_ids

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


def report_bad_input(error: PipelineError) -> None:
    err.print(f"[bold red]error[/] {escape(error.path)}: {escape(error.reason)} [dim]({error.code})[/]", markup=True)


def refuse(subject: str | Path, problem: str) -> NoReturn:
    """One line naming what is wrong and why, then exit 2 (bad input or usage)."""
    err.print(f"[bold red]error[/] {escape(str(subject))}: {escape(problem)}", markup=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.callback()
def _settings_first() -> None:
    """Read the settings before any command runs, so a bad value is one line and exit 2 instead
    of a traceback half-way through a batch."""
    from pydantic import ValidationError

    from pipeline.config import get_settings

    try:
        get_settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "PIPELINE_" + "_".join(str(part) for part in first["loc"]).upper()
        refuse(f"setting {name}={first.get('input')!r}", first["msg"])


def _inputs(paths: list[Path], console: Console) -> Inputs:
    """Walk the named files and folders; say what was found when a folder was walked; refuse
    (exit 2) when there is nothing to read at all."""
    inputs = find_inputs(paths)
    for folder in inputs.empty_folders:
        err.print(f"[bold red]error[/] {escape(str(folder))}: no documents ({' '.join(sorted(SUPPORTED_SUFFIXES))}) in this folder or below", markup=True)
    if any(p.is_dir() for p in paths):
        console.print(inputs.summary(), markup=False)
    if not inputs.documents:
        raise typer.Exit(EXIT_BAD_INPUT)
    return inputs


def _load(path: Path, doc_id: str):
    """The document at ``path`` under the batch's id for it (its stem unless another document
    of the batch has the same stem)."""
    from pipeline.ingest import load

    document = load(path)
    return document if document.doc_id == doc_id else document.model_copy(update={"doc_id": doc_id})


def _require_backend(backend: BackendName) -> None:
    from pipeline.config import get_settings, require_endpoint
    from pipeline.errors import BackendUnavailableError

    if backend != BackendName.rules:
        try:
            require_endpoint(f"--backend {backend}", backend, get_settings())
        except BackendUnavailableError as error:
            refuse(error.path, error.reason)


def _writable_dir(path: Path, option: str) -> None:
    """``path`` is, or can be made, a writable directory; else exit 2 before any work."""
    if path.exists() and not path.is_dir():
        refuse(path, f"{option} must be a directory, and this is an existing file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        refuse(path, f"cannot create the {option} directory: {error.strerror or error}")
    if not os.access(path, os.W_OK | os.X_OK):
        refuse(path, f"the {option} directory is not writable")


def _writable_file(path: Path, option: str) -> None:
    """``path`` can be written as a file (its folder is created); else exit 2 before any work."""
    if path.is_dir():
        refuse(path, f"{option} must be a file, and this is a directory")
    _writable_dir(path.parent, f"{option} parent")
    if path.exists() and not os.access(path, os.W_OK):
        refuse(path, f"the {option} file is not writable")


class BatchCount:
    """What a multi-document command did, for its last line."""

    def __init__(self) -> None:
        self.done = self.with_errors = self.failed = 0
        self.llm_calls = self.tokens_in = self.tokens_out = self.cache_hits = self.model_records = 0
        self.cost: float | None = 0.0

    def add(self, record) -> None:
        self.done += 1
        self.with_errors += any(f.severity == "error" for f in record.findings)
        meta = record.meta
        if meta is not None and meta.backend != "rules":
            from pipeline.extract.llm.costs import add_costs

            self.model_records += 1
            self.llm_calls += meta.llm_calls
            self.tokens_in += meta.tokens_in
            self.tokens_out += meta.tokens_out
            self.cache_hits += meta.cache_hits
            self.cost = add_costs(self.cost, meta.cost)

    @property
    def status(self) -> int:
        return EXIT_BAD_INPUT if self.failed else EXIT_FINDINGS if self.with_errors else EXIT_OK

    def line(self, verb: str) -> str:
        text = f"{self.done} {verb}, {self.with_errors} with error findings, {self.failed} failed"
        return text + (f"; {model_usage(self)}" if self.model_records else "")


def model_usage(usage) -> str:
    """Calls, tokens, cache hits and the estimated cost of a record's meta or of a run's totals."""
    from pipeline.extract.llm.costs import CURRENCY, format_cost

    cost = format_cost(usage.cost)
    return (f"LLM {usage.llm_calls} calls, tokens in/out {usage.tokens_in}/{usage.tokens_out}, {usage.cache_hits} cache hits, "
            f"cost {cost if usage.cost is None else f'{CURRENCY} {cost}'} (estimate)")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (walked recursively) to read."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per document on stdout."),
    full: bool = typer.Option(False, "--full", help="Print whole page texts, not a preview."),
) -> None:
    """Show what was read: per page the engine (text / text layer / OCR) and the text."""
    console = err if as_json else out
    inputs = _inputs(paths, console)
    ids = unique_ids(inputs.documents)
    count = BatchCount()
    count.failed = len(inputs.empty_folders)
    for path in inputs.documents:
        try:
            document = _load(path, ids[path])
        except PipelineError as error:
            report_bad_input(error)
            count.failed += 1
            continue
        count.done += 1
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
    console.print(f"ingest: {count.done} read, {count.failed} failed", markup=False)
    raise typer.Exit(count.status)


def _preview(text: str, lines: int = 12) -> str:
    head = text.splitlines()[:lines]
    more = len(text.splitlines()) - len(head)
    return "\n".join(head) + (f"\n… {more} more line(s); --full shows all" if more > 0 else "")


class OutputFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    xlsx = "xlsx"


def _extract_job(path: Path, doc_id: str, backend: str):
    """Load and extract one document (what a worker runs): (document, record), or (document, the
    PipelineError of a failed model extraction), so that the store still gets the document."""
    from pipeline.run import process

    def job():
        document = _load(path, doc_id)
        try:
            return document, process(document, backend)
        except PipelineError as error:
            if error.code != "llm_failed":
                raise
            return document, error

    return job


@dataclass
class _RecordSink:
    """Where `pipeline extract` puts each document's outcome, one at a time and in input order:
    the review store, one JSON file per record, JSON Lines, the per-record summary, the count."""

    backend: str
    json_dir: Path | None
    to_stdout: bool
    summary: Console | None
    jsonl: Any = None
    store: Any = None
    records: list = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    count: BatchCount = field(default_factory=BatchCount)

    def take(self, index: int, result) -> None:
        from pipeline.export import record_json, write_json

        if isinstance(result, PipelineError):  # the document could not be read
            report_bad_input(result)
            self.count.failed += 1
            return
        if isinstance(result, Exception):
            raise result
        document, record = result
        if isinstance(record, PipelineError):  # a failed model extraction: a person still sees the document
            if self.store is not None:
                self.store.add_failure(document, record.code, record.reason, self.backend)
            report_bad_input(record)
            self.count.failed += 1
            return
        if self.store is not None:
            self.store.add_record(document, record)
        self.records.append(record)
        self.count.add(record)
        if self.json_dir:
            self.written.append(write_json(record, self.json_dir))
        if self.jsonl or self.to_stdout:
            line = json.dumps(record_json(record), ensure_ascii=False) + "\n"
            (self.jsonl.write(line) if self.jsonl else sys.stdout.write(line))
        if self.summary is not None:
            print_record_summary(self.summary, record)


@app.command("extract")
def extract_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders (walked recursively) to extract."),
    backend: BackendName = typer.Option(BackendName.rules, "--backend", help="rules: offline, the default; llm and hybrid need an OpenAI-compatible endpoint (PIPELINE_LLM_*)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Directory: one <doc_id>.json per document (records.jsonl with --format jsonl, the tables with csv; xlsx: a directory or FILE.xlsx)."),
    jsonl: Optional[Path] = typer.Option(None, "--jsonl", help="Also (or only) one JSON record per line in this file."),
    fmt: Optional[OutputFormat] = typer.Option(None, "--format", help="What --out holds (default json; without --out: JSON Lines)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No per-record summary."),
    to_store: bool = typer.Option(False, "--store", help="Also write each record to the review store (PIPELINE_DB_URL, default data/review.sqlite3) and route it to the queue."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", min=1, max=64, help="Documents extracted at once (llm and hybrid; default PIPELINE_LLM_CONCURRENCY). Rules run one at a time: use `pipeline batch` for cores."),
) -> None:
    """Extract one record per document. Exit 0: all records pass their checks; 1: a record has an
    error finding; 2: some input could not be read (the others are still written)."""
    from pipeline.config import get_settings
    from pipeline.export import write_csv, write_xlsx
    from pipeline.run import run_concurrently

    fmt = fmt or OutputFormat.json
    if fmt in (OutputFormat.csv, OutputFormat.xlsx) and not out_dir:
        refuse(f"--format {fmt}", "needs --out DIR")
    _require_backend(backend)
    xlsx_file = out_dir if fmt == OutputFormat.xlsx and out_dir and out_dir.suffix.lower() == ".xlsx" else None
    if xlsx_file:
        _writable_file(xlsx_file, "--out")
    elif out_dir:
        _writable_dir(out_dir, "--out")
    if jsonl:
        _writable_file(jsonl, "--jsonl")
    # JSON Lines go to --jsonl, or to DIR/records.jsonl for --format jsonl --out DIR, or to stdout
    # when nothing else is asked for (the summary then goes to stderr).
    jsonl_path = jsonl or (out_dir / "records.jsonl" if out_dir and fmt == OutputFormat.jsonl else None)
    to_stdout = out_dir is None and jsonl is None
    summary = err if to_stdout else out
    inputs = _inputs(paths, summary)
    ids = unique_ids(inputs.documents)
    if backend == BackendName.rules:
        concurrency = 1
    elif concurrency is None:
        concurrency = get_settings().llm_concurrency
    sink = _RecordSink(backend, out_dir if fmt == OutputFormat.json else None, to_stdout, None if quiet else summary)
    sink.count.failed = len(inputs.empty_folders)
    if to_store:
        from pipeline.review.store import Store

        sink.store = Store()
    sink.jsonl = jsonl_path.open("w", encoding="utf-8") if jsonl_path else None
    try:
        jobs = [_extract_job(path, ids[path], backend) for path in inputs.documents]
        run_concurrently(jobs, concurrency, sink.take)
    finally:
        if sink.jsonl:
            sink.jsonl.close()
    records, written, count = sink.records, sink.written, sink.count
    if fmt == OutputFormat.csv and out_dir:
        written += write_csv(records, out_dir)
    elif fmt == OutputFormat.xlsx and out_dir:
        written.append(write_xlsx(records, xlsx_file or out_dir / "records.xlsx"))
    where = [str(jsonl_path)] if jsonl_path else []
    where += [str(out_dir)] if out_dir and fmt != OutputFormat.jsonl else []
    summary.print(f"extract: {count.line('written')}" + (f" (to {', '.join(where)})" if where else ""), markup=False)
    raise typer.Exit(count.status)


class BatchEngine(StrEnum):
    local = "local"
    ray = "ray"


@app.command("batch")
def batch_command(
    paths: list[str] = typer.Argument(..., help="Files, folders (walked recursively) or glob patterns ('in/**/*.pdf')."),
    backend: BackendName = typer.Option(BackendName.rules, "--backend", help="rules | llm | hybrid."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes (Ray: CPUs of the local instance). Default: the cores for rules; "
                                          "PIPELINE_LLM_CONCURRENCY for llm and hybrid, whose documents mostly wait on the endpoint. "
                                          "The workers share PIPELINE_LLM_REQUESTS_PER_MINUTE / TOKENS_PER_MINUTE: each gets its part."),
    out_dir: Path = typer.Option(Path("batch-out"), "--out", help="records.jsonl, failures.jsonl, summary.json, summary.xlsx and the state of the batch."),
    resume: bool = typer.Option(False, "--resume", help="Also redo the documents that failed before (done ones are always skipped)."),
    to_store: bool = typer.Option(True, "--store/--no-store", help="Write each record to the review store (PIPELINE_DB_URL) and route it."),
    timeout: float = typer.Option(600.0, "--timeout", min=0, help="Seconds per document; then it is a failure (0: no limit). A document hung in native code, out of its timer's reach, has its worker killed 30 s later."),
    engine: BatchEngine = typer.Option(BatchEngine.local, "--engine", help="local: a process pool; ray: Ray tasks (pip install .[ray])."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="An existing Ray cluster (default: a local one for the run)."),
    worker_memory: Optional[int] = typer.Option(None, "--worker-memory", min=256, help="MB of address space per worker; a document past it fails as out_of_memory (OCR needs ~2000)."),
) -> None:
    """Process many documents in parallel into DIR, resumably. Exit 0: every file was read and no
    record has an error finding; 1: some record has an error finding; 2: some file failed (listed
    in failures.jsonl and the summary; the others are still processed) or bad usage."""
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.batch.progress import BatchProgress, failure_lines, summary_table
    from pipeline.batch.runner import default_workers

    _require_backend(backend)
    _writable_dir(out_dir, "--out")
    if engine == BatchEngine.ray:
        try:
            import ray  # noqa: F401
        except ImportError:
            refuse("--engine ray", "Ray is not installed: pip install '.[ray]'")
    options = BatchOptions(out_dir=out_dir, backend=str(backend), workers=workers or default_workers(str(backend)), engine=str(engine),
                           ray_address=ray_address, resume=resume, store=to_store, timeout=timeout or None,
                           worker_memory_mb=worker_memory)
    with BatchProgress(err) as progress:
        summary = run_batch(paths, options, listener=progress)
    if not summary["documents"]:
        refuse(" ".join(paths), f"no documents ({' '.join(sorted(SUPPORTED_SUFFIXES))}) found")
    out.print(summary_table(summary))
    for line in failure_lines(summary):
        err.print(f"[bold red]failed[/] {escape(line)}", markup=True)
    with_errors = summary["this_run"]["with_errors"]
    raise typer.Exit(EXIT_BAD_INPUT if summary["failed"] else EXIT_FINDINGS if with_errors else EXIT_OK)


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
    if record.meta is not None and record.meta.backend != "rules":
        table.add_row("model", escape(model_usage(record.meta)))
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
    backend: BackendName = typer.Option(BackendName.rules, "--backend", help="rules | llm | hybrid."),
    out_dir: Path = typer.Option(Path("eval/out"), "--out", help="Where report.json, report.md and report.html go."),
    diffs: bool = typer.Option(False, "--diffs", help="Also print every wrong, missed or hallucinated field."),
) -> None:
    """Extract every document that has a gold record, score it, and write the reports. Exit 0:
    the set was scored; 2: bad usage, or some gold's document was missing or unreadable (it is
    scored as an empty prediction and the report is still written)."""
    if ctx.invoked_subcommand is not None:
        return
    if gold is None:
        refuse("--gold", "a directory of gold records is required (or use `pipeline eval compare A B`)")
    if not gold.is_dir():
        refuse(gold, "not a directory of gold records")
    if not any(gold.glob("*.json")):
        refuse(gold, "no <doc_id>.json gold records in this directory")
    if docs is not None and not docs.is_dir():
        refuse(docs, "--docs is not a directory")
    _require_backend(backend)
    _writable_dir(out_dir, "--out")
    from pipeline.eval_run import run_eval
    from pipeline.report import print_report, write_report

    report = run_eval(gold, docs, backend)
    print_report(report, out, show_diffs=diffs)
    paths = write_report(report, out_dir)
    failed = {doc_id: summary.error for doc_id, summary in report.per_document.items() if summary.error}
    for doc_id, error in failed.items():
        err.print(f"[bold red]error[/] {escape(doc_id)}: {escape(error or '')}", markup=True)
    out.print(f"wrote {paths.json}, {paths.markdown}, {paths.html}", markup=False)
    accuracy = "-" if report.accuracy is None else f"{report.accuracy:.4f}"
    out.print(f"eval: {report.headline.documents - len(failed)} scored, {len(failed)} failed; "
              f"accuracy {report.headline.correct}/{report.headline.scored} = {accuracy}", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT if failed else EXIT_OK)


def _read_report(path: Path) -> dict:
    """A report.json of `pipeline eval`, or exit 2 naming the file (1 means "regression")."""
    from pipeline.evaluate import load_report

    try:
        report = load_report(path)
    except FileNotFoundError:
        refuse(path, "no such file")
    except OSError as error:
        refuse(path, f"cannot read: {error.strerror or error}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        refuse(path, f"not a report.json of `pipeline eval` ({str(error).splitlines()[0]})")
    if not isinstance(report, dict) or not isinstance(report.get("headline"), dict):
        refuse(path, "not a report.json of `pipeline eval` (no headline)")
    return report


@eval_app.command("compare")
def eval_compare(
    before: Path = typer.Argument(..., help="Baseline report.json."),
    after: Path = typer.Argument(..., help="Candidate report.json."),
    tolerance: float = typer.Option(0.0, min=0.0, help="Allowed drop in accuracy (absolute, 0.01 = 1 point)."),
) -> None:
    """What got better and worse, per field and per document. Exit 1 on a regression; 2 when a
    report cannot be read."""
    from pipeline.evaluate import compare_reports
    from pipeline.report import render_comparison_markdown

    comparison = compare_reports(_read_report(before), _read_report(after), tolerance)
    out.print(render_comparison_markdown(comparison), markup=False)
    raise typer.Exit(EXIT_FINDINGS if comparison.regressed else EXIT_OK)


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
        refuse(record_path, "no such file")
    except OSError as error:
        refuse(record_path, f"cannot read: {error.strerror or error}")
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError, AttributeError) as error:
        refuse(record_path, f"not a record ({str(error).splitlines()[0]})")
    if write:
        _writable_file(record_path, "the record")
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


class LayoutChoice(StrEnum):
    """`pipeline synth --layout`: one layout, or a cycle (mixed: the classic five; genre; all).
    A test keeps this equal to the generator's layouts."""

    mixed = "mixed"
    genre = "genre"
    all = "all"
    overall_table = "overall_table"
    overall_report = "overall_report"
    score_report = "score_report"
    project_table = "project_table"
    project_single = "project_single"
    project_report = "project_report"
    project_form = "project_form"
    score_table = "score_table"
    multi_form = "multi_form"
    form_tabs = "form_tabs"
    form_cells = "form_cells"
    form_oneline = "form_oneline"
    form_pipes = "form_pipes"
    form_runon = "form_runon"
    form_columns = "form_columns"


@app.command()
def synth(
    n: int = typer.Argument(..., min=1, max=100_000, help="How many reports to generate."),
    layout: LayoutChoice = typer.Option(LayoutChoice.mixed, "--layout", help="A layout, or a cycle: mixed (the classic five), genre, all."),
    noise: int = typer.Option(0, "--noise", min=0, max=4, help="0 clean … 4 worse than the worst seed."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same reports."),
    plant: float = typer.Option(0.0, "--plant", min=0.0, max=1.0, help="Share of reports with planted inconsistencies (flagged in _expected_flags)."),
    out_dir: Path = typer.Option(..., "--out", help="Directory for <doc_id>.txt + <doc_id>.json (gold)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also render a text-layer <doc_id>.pdf of each report."),
    scan: bool = typer.Option(False, "--scan", help="Also render an image-only (scanned) PDF of each report into scan/<doc_id>.pdf: its printed page, tables ruled."),
    ruled: bool = typer.Option(False, "--ruled", help="Make the --pdf text-layer PDF the printed page with ruled (vector) tables."),
) -> None:
    """Generate reports with known gold in every layout, at a chosen noise level."""
    _writable_dir(out_dir, "--out")
    from pipeline import synth as generator

    try:
        reports = generator.generate(n, layout=str(layout), noise=noise, seed=seed, plant=plant if plant > 0 else False)
    except ValueError as error:
        refuse("synth", str(error))
    written = generator.write(reports, out_dir, pdf=pdf, scan=scan, ruled=ruled)
    planted = sum(1 for r in reports if r.plants)
    out.print(f"synth: wrote {len(reports)} reports ({planted} with planted inconsistencies), {len(written)} files, to {out_dir}", markup=False)


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
    _writable_file(out_path, "--out")
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


# The review queue's commands live with it (pipeline/review/commands.py); importing them loads no database code.
from pipeline.review.commands import review_app, serve  # noqa: E402

app.add_typer(review_app, name="review")
app.command("serve")(serve)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
