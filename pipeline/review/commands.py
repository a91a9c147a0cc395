"""`pipeline review list | show | approve | reject | set | export | gold` and `pipeline serve`.

The same store and audit log as the web app. Database and web code load only when a command runs,
so `pipeline --help` stays fast. Exit 0 done, 1 a conflict or refused action, 2 bad input.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

review_app = typer.Typer(help="The human review queue: list, inspect, correct, approve, export, save as gold.", no_args_is_help=True)
# Piped output gets wide tables, as in pipeline/cli.py.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DB_OPTION = typer.Option(None, "--db", help="Database URL (default PIPELINE_DB_URL, else sqlite:///data/review.sqlite3).")
REVIEWER_OPTION = typer.Option(..., "--reviewer", "-r", help="Your name, for the audit log.")
REASON_OPTION = typer.Option(None, "--reason", help="Why (kept in the audit log).")


def _store(db: Optional[str]):
    from pipeline.review.store import Store

    return Store(db)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error[/] {escape(message)}", markup=True)
    raise typer.Exit(code)


def _version(store, item_id: int, version: Optional[int]) -> int:
    from pipeline.review.store import ReviewError

    try:
        return version if version is not None else store.item(item_id).version
    except ReviewError as error:
        _fail(str(error), 2)
    raise AssertionError  # unreachable


@review_app.command("list")
def list_items(
    status: Optional[str] = typer.Option(None, "--status", help="queued, approved, rejected, sent_back, clean, or all (default: open items)."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Only items with this reason code."),
    reviewer: Optional[str] = typer.Option(None, "--reviewer", help="Only items last handled by this reviewer."),
    as_json: bool = typer.Option(False, "--json"),
    db: Optional[str] = DB_OPTION,
) -> None:
    """Items by priority, then age."""
    from pipeline.review.store import OPEN_STATUSES

    store = _store(db)
    statuses = OPEN_STATUSES if status is None else (None if status == "all" else status)
    views = store.items(status=statuses, reason=reason, reviewer=reviewer)
    if as_json:
        for v in views:
            sys.stdout.write(json.dumps({"id": v.id, "doc_id": v.doc_id, "status": v.status, "priority": v.priority,
                                         "reasons": v.reasons, "version": v.version, "reviewer": v.reviewer}, ensure_ascii=False) + "\n")
        return
    table = Table("id", "priority", "status", "document", "department", "year", "type", "reasons")
    for v in views:
        p = v.plain
        table.add_row(str(v.id), str(v.priority), v.status, escape(v.doc_id), escape(p["department"] or "-"),
                      str(p["fiscal_year"] or "-"), p["report_type"] or "-", escape(", ".join(sorted({r["code"] for r in v.reasons}))))
    out.print(table)
    counts = store.counts()
    out.print(" · ".join(f"{k} {n}" for k, n in counts["status"].items()))


@review_app.command("show")
def show(item_id: int = typer.Argument(...), db: Optional[str] = DB_OPTION) -> None:
    """An item's reasons, fields (with the machine value beside each correction), findings and audit log."""
    from pipeline.record import VALUE_PATHS, get_path
    from pipeline.review.store import ReviewError

    store = _store(db)
    try:
        v = store.item(item_id)
    except ReviewError as error:
        _fail(str(error), 2)
    out.print(f"[bold]item {v.id}[/] {escape(v.doc_id)} status={v.status} priority={v.priority} version={v.version}")
    for r in v.reasons:
        out.print(f"  reason [yellow]{r['code']}[/] {escape(r['detail'])}")
    for path in VALUE_PATHS:
        value = get_path(v.plain, path)
        line = f"  {path} = {escape(json.dumps(value, ensure_ascii=False))}"
        if path in v.corrections:
            line += f"  [dim](corrected by {escape(v.corrections[path]['reviewer'])}; machine {escape(json.dumps(v.machine_value(path), ensure_ascii=False))})[/]"
        out.print(line)
    for f in v.findings:
        out.print(f"  [red]{f.severity}[/] {escape(f.kind)} {escape(f.message)}")
    for a in store.audit(v.id):
        out.print(f"  [dim]{a['at']} {escape(a['reviewer'])} {a['action']} {escape(a['field'] or '')} "
                  f"{escape(json.dumps(a['old_value'], ensure_ascii=False))} -> {escape(json.dumps(a['new_value'], ensure_ascii=False))} {escape(a['reason'] or '')}[/]")


def _status_action(action: str, item_id: int, reviewer: str, reason: Optional[str], version: Optional[int], db: Optional[str]) -> None:
    from pipeline.review.store import ReviewError

    store = _store(db)
    version = _version(store, item_id, version)
    try:
        new = getattr(store, action)(item_id, reviewer, version, reason)
    except ReviewError as error:
        _fail(str(error))
    out.print(f"item {item_id}: {action.replace('_', ' ')} (version {new})")


VERSION_OPTION = typer.Option(None, "--version", help="The version you reviewed (default: the current one).")


@review_app.command("approve")
def approve(item_id: int, reviewer: str = REVIEWER_OPTION, reason: Optional[str] = REASON_OPTION,
            version: Optional[int] = VERSION_OPTION, db: Optional[str] = DB_OPTION) -> None:
    """Approve an item's record (it becomes exportable and can be saved as gold)."""
    _status_action("approve", item_id, reviewer, reason, version, db)


@review_app.command("reject")
def reject(item_id: int, reviewer: str = REVIEWER_OPTION, reason: Optional[str] = REASON_OPTION,
           version: Optional[int] = VERSION_OPTION, db: Optional[str] = DB_OPTION) -> None:
    """Reject an item's record."""
    _status_action("reject", item_id, reviewer, reason, version, db)


@review_app.command("set")
def set_field(item_id: int, field: str, value: str, reviewer: str = REVIEWER_OPTION, reason: Optional[str] = REASON_OPTION,
              version: Optional[int] = VERSION_OPTION, db: Optional[str] = DB_OPTION) -> None:
    """Correct FIELD (a path like budget.adjusted or projects[0].name) to VALUE (JSON, or text;
    empty for null). The checks re-run; what they now find differently is printed."""
    from pipeline.review.store import ReviewError, parse_value

    store = _store(db)
    version = _version(store, item_id, version)
    try:
        result = store.set_field(item_id, field, parse_value(field, value), reviewer, version, reason)
    except ReviewError as error:
        _fail(str(error))
    out.print(f"item {item_id}: {field} {escape(json.dumps(result['old'], ensure_ascii=False))} -> "
              f"{escape(json.dumps(result['new'], ensure_ascii=False))} (version {result['version']})")
    for key in result["resolved"]:
        out.print(f"  resolved: {escape(key)}")
    for key in result["new_findings"]:
        out.print(f"  new finding: {escape(key)}")


@review_app.command("export")
def export(
    out_path: Path = typer.Option(..., "--out", help="FILE.jsonl, a directory for CSV, or FILE.xlsx."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl | csv | xlsx"),
    db: Optional[str] = DB_OPTION,
) -> None:
    """Write the approved records (with their corrections) as JSONL, CSV or XLSX."""
    from pipeline.review.exporting import export_approved

    try:
        written = export_approved(_store(db), fmt, out_path)
    except ValueError as error:
        _fail(str(error), 2)
    for path in written:
        out.print(f"wrote {path}")


@review_app.command("gold")
def gold(
    out_dir: Path = typer.Option(..., "--out", help="Directory for <doc_id>.json gold files (and their sources)."),
    item_ids: Optional[list[int]] = typer.Argument(None, help="Items to save (default: every approved item)."),
    db: Optional[str] = DB_OPTION,
) -> None:
    """Save approved records as gold files in the shared gold format, ready for `pipeline eval --gold DIR`."""
    from pipeline.review.gold import save_gold
    from pipeline.review.store import ReviewError

    store = _store(db)
    try:
        views = [store.item(i) for i in item_ids] if item_ids else store.items(status="approved")
        for view in views:
            out.print(f"wrote {save_gold(view, out_dir)}")
    except (ReviewError, ValueError) as error:
        _fail(str(error))


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int = typer.Option(8000, "--port"),
    allow_public: bool = typer.Option(False, "--allow-public", help="Permit binding a non-loopback address (reviewers' data leaves this machine)."),
    gold_dir: Path = typer.Option(Path("data/gold"), "--gold-dir", help="Where 'save as gold' writes."),
    db: Optional[str] = DB_OPTION,
) -> None:
    """The review web app (FastAPI). Needs the reviewer token: PIPELINE_REVIEW_TOKEN, or one
    generated and printed here."""
    from pipeline.review.web import check_bind, create_app, reviewer_token

    try:
        check_bind(host, allow_public)
    except ValueError as error:
        _fail(str(error), 2)
    import uvicorn

    token, generated = reviewer_token()
    if generated:
        out.print(f"reviewer token (set PIPELINE_REVIEW_TOKEN to choose one): [bold]{token}[/]")
    out.print(f"review queue on http://{host}:{port}/")
    uvicorn.run(create_app(_store(db), token, gold_dir=gold_dir), host=host, port=port, log_level="warning")
