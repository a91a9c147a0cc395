"""The review store: documents, runs, records, findings, review items and the audit log.

SQLite by default (``data/review.sqlite3`` under the working directory, created on first use),
PostgreSQL by URL (``PIPELINE_DB_URL``, e.g. ``postgresql+psycopg://user@127.0.0.1:5432/db``). The
schema is made by the Alembic migrations beside this module, applied on open.

Two promises:

* a run never overwrites a human correction: ``add_record`` replaces the machine record, re-applies
  every correction on top of it and keeps the new machine value beside the corrected one;
* two reviewers never silently overwrite each other: every change names the record version it was
  made on, and a stale version raises ``Conflict`` carrying the other reviewer's changes.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError
from sqlalchemy import Engine, create_engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from pipeline.config import Settings
from pipeline.document import Document
from pipeline.record import ExtractedRecord, Finding, Record, get_path, set_path
from pipeline.review.models import AuditRow, DocumentRow, FindingRow, RecordRow, ReviewItemRow, RunRow, utcnow
from pipeline.review.routing import Reason, RoutingRules, priority, route, rules_from_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB = Path("data") / "review.sqlite3"
STATUSES = ("queued", "approved", "rejected", "sent_back", "clean")
OPEN_STATUSES = ("queued", "sent_back")


RUN_WRITE_ATTEMPTS = 5


class _RecordMoved(Exception):
    """A reviewer changed the record while a run was being written: write the run again."""


class ReviewError(Exception):
    """A review action that cannot be done (unknown item or field, invalid value)."""


class Conflict(ReviewError):
    """The record changed since the version the reviewer saw."""

    def __init__(self, item_id: int, expected: int, actual: int, changes: list[dict]):
        self.item_id, self.expected, self.actual, self.changes = item_id, expected, actual, changes
        described = "; ".join(
            f"{c['reviewer']} {c['action']} {c['field'] or ''} {json.dumps(c['old_value'], ensure_ascii=False)} -> "
            f"{json.dumps(c['new_value'], ensure_ascii=False)}".replace("  ", " ")
            for c in changes
        )
        super().__init__(
            f"item {item_id} changed since you opened it (version {expected}, now {actual}): {described or 'another change'}"
        )


def default_url() -> str:
    return Settings().db_url or f"sqlite:///{DEFAULT_DB}"


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema with the Alembic migrations."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def parse_value(path: str, text: str) -> Any:
    """A value typed by a reviewer: JSON where it parses (numbers, null), else the text itself;
    an empty string is null."""
    text = text.strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@dataclass
class ItemView:
    """Everything the CLI and the web app show about one review item."""

    id: int
    status: str
    priority: int
    reasons: list[dict]
    reviewer: str | None
    version: int
    doc_id: str
    path: str
    sha256: str
    media_type: str
    record: ExtractedRecord
    machine: dict
    corrections: dict
    findings: list[Finding]
    created_at: Any
    updated_at: Any

    @property
    def plain(self) -> dict:
        return self.record.plain()

    def machine_value(self, path: str) -> Any:
        return get_path(self.machine, path)


class Store:
    def __init__(self, url: str | None = None, rules: RoutingRules | None = None):
        self.url = url or default_url()
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url)
        self.rules = rules or rules_from_settings()
        migrate(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # --- writing runs ---------------------------------------------------------------------------

    def add_record(self, document: Document, record: ExtractedRecord) -> int:
        """Store a run's record for ``document``; returns the review item id. Human corrections
        of an earlier run stay and win over the new machine values, also when a reviewer saves
        one while this run is being written (the write is a compare-and-set on the version, and
        a lost race is retried with the new corrections)."""
        for _ in range(RUN_WRITE_ATTEMPTS):
            try:
                return self._write_run(document, record)
            except _RecordMoved:
                continue
        raise ReviewError(f"{document.doc_id}: the record kept changing during {RUN_WRITE_ATTEMPTS} attempts to store this run")

    def _write_run(self, document: Document, record: ExtractedRecord) -> int:
        from pipeline.checks import run_checks

        meta = record.meta
        machine = record.model_dump(mode="json")
        with self._session.begin() as session:
            run = RunRow(
                backend=meta.backend if meta else "rules", model=meta.model if meta else None,
                prompt_version=meta.prompt_version if meta else None,
                extractor_version=meta.extractor_version if meta else None,
                llm_calls=meta.llm_calls if meta else 0, tokens_in=meta.tokens_in if meta else 0,
                tokens_out=meta.tokens_out if meta else 0,
            )
            session.add(run)
            doc_row = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == document.sha256))
            if doc_row is None:
                doc_row = DocumentRow(sha256=document.sha256, doc_id=document.doc_id, path=str(Path(document.path).resolve()),
                                      pages=len(document.pages), media_type=document.media_type,
                                      content=document.model_dump(mode="json"))
                session.add(doc_row)
            session.flush()
            row = session.scalar(select(RecordRow).where(RecordRow.document_id == doc_row.id))
            corrections = dict(row.corrections) if row else {}
            current = _apply_corrections(machine, corrections)
            if corrections:
                # The checks judge the record a person will approve: with the corrections in it.
                rich = ExtractedRecord.model_validate({**current, "findings": []})
                current["findings"] = [f.model_dump(mode="json") for f in run_checks(rich, document)]
            changed = False
            if row is None:
                row = RecordRow(document_id=doc_row.id, run_id=run.id, machine=machine, current=current,
                                corrections=corrections, version=1, updated_at=utcnow())
                session.add(row)
                session.flush()
            else:
                changed = ExtractedRecord.model_validate(row.current).plain() != ExtractedRecord.model_validate(current).plain()
                result = session.execute(
                    update(RecordRow).where(RecordRow.id == row.id, RecordRow.version == row.version)
                    .values(run_id=run.id, machine=machine, current=current, version=row.version + 1, updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount != 1:
                    raise _RecordMoved()
            reasons = route(ExtractedRecord.model_validate(current), document, self.rules)
            self._replace_findings(session, row.id, current["findings"])
            item = session.scalar(select(ReviewItemRow).where(ReviewItemRow.record_id == row.id))
            if item is None:
                item = ReviewItemRow(record_id=row.id, status="queued" if reasons else "clean", created_at=utcnow())
                session.add(item)
            elif changed and item.status in ("approved", "rejected"):
                # A decision was made on other values: the person must see the new ones.
                reasons.insert(0, Reason("machine_changed", f"a new run changed values after the item was {item.status}"))
                item.status = "queued"
            elif item.status == "clean" and reasons:
                item.status = "queued"
            item.priority, item.reasons, item.updated_at = priority(reasons), [r.to_json() for r in reasons], utcnow()
            session.flush()
            return item.id

    def add_failure(self, document: Document, code: str, message: str, backend: str) -> int:
        """A document whose extraction failed (``llm_failed``) still reaches a person: an empty
        record with the failure as an error finding."""
        failure = Finding(check=code, kind=code, severity="error", message=message)
        from pipeline.record import RecordMeta

        record = ExtractedRecord(doc_id=document.doc_id, findings=[failure],
                                 meta=RecordMeta(backend=backend, extractor_version="failed", source_sha256=document.sha256))
        return self.add_record(document, record)

    @staticmethod
    def _replace_findings(session: Session, record_id: int, findings: list[dict]) -> None:
        for old in session.scalars(select(FindingRow).where(FindingRow.record_id == record_id)):
            session.delete(old)
        for f in findings:
            session.add(FindingRow(record_id=record_id, check_id=f["check"], kind=f["kind"], severity=f["severity"],
                                   message=f["message"], data=f))

    # --- reading ----------------------------------------------------------------------------------

    def items(self, status: str | Iterable[str] | None = OPEN_STATUSES, reason: str | None = None,
              reviewer: str | None = None) -> list[ItemView]:
        """Items by priority (highest first), then age (oldest first)."""
        statuses = [status] if isinstance(status, str) else (list(status) if status else None)
        with self._session() as session:
            query = select(ReviewItemRow).order_by(ReviewItemRow.priority.desc(), ReviewItemRow.created_at, ReviewItemRow.id)
            if statuses:
                query = query.where(ReviewItemRow.status.in_(statuses))
            if reviewer:
                query = query.where(ReviewItemRow.reviewer == reviewer)
            views = [self._view(session, item) for item in session.scalars(query)]
        if reason:
            views = [v for v in views if any(r["code"] == reason for r in v.reasons)]
        return views

    def counts(self) -> dict[str, Any]:
        with self._session() as session:
            by_status = dict(session.execute(select(ReviewItemRow.status, func.count()).group_by(ReviewItemRow.status)).all())
            by_reason: dict[str, int] = {}
            for reasons in session.scalars(select(ReviewItemRow.reasons).where(ReviewItemRow.status.in_(OPEN_STATUSES))):
                for code in {r["code"] for r in reasons}:
                    by_reason[code] = by_reason.get(code, 0) + 1
        return {"status": {s: by_status.get(s, 0) for s in STATUSES}, "reason": dict(sorted(by_reason.items()))}

    def item(self, item_id: int) -> ItemView:
        with self._session() as session:
            item = session.get(ReviewItemRow, item_id)
            if item is None:
                raise ReviewError(f"no review item {item_id}")
            return self._view(session, item)

    def document(self, item_id: int) -> Document:
        with self._session() as session:
            item = session.get(ReviewItemRow, item_id)
            if item is None:
                raise ReviewError(f"no review item {item_id}")
            record = session.get(RecordRow, item.record_id)
            return Document.model_validate(session.get(DocumentRow, record.document_id).content)

    def audit(self, item_id: int | None = None) -> list[dict]:
        with self._session() as session:
            query = select(AuditRow).order_by(AuditRow.id)
            if item_id is not None:
                query = query.where(AuditRow.item_id == item_id)
            return [_audit_dict(a) for a in session.scalars(query)]

    @staticmethod
    def _view(session: Session, item: ReviewItemRow) -> ItemView:
        record = session.get(RecordRow, item.record_id)
        doc = session.get(DocumentRow, record.document_id)
        rich = ExtractedRecord.model_validate(record.current)
        return ItemView(
            id=item.id, status=item.status, priority=item.priority, reasons=list(item.reasons), reviewer=item.reviewer,
            version=record.version, doc_id=doc.doc_id, path=doc.path, sha256=doc.sha256, media_type=doc.media_type,
            record=rich, machine=ExtractedRecord.model_validate(record.machine).plain(), corrections=dict(record.corrections),
            findings=rich.findings, created_at=item.created_at, updated_at=item.updated_at,
        )

    # --- reviewer actions -------------------------------------------------------------------------

    def set_field(self, item_id: int, path: str, value: Any, reviewer: str, version: int, reason: str | None = None) -> dict:
        """Correct one field (validated against the record schema), re-run the checks, and say
        which findings appeared and went. Raises ``Conflict`` when ``version`` is stale."""
        from pipeline.checks import run_checks

        reviewer = _reviewer(reviewer)
        with self._session.begin() as session:
            item, row = self._locked(session, item_id, version)
            plain = ExtractedRecord.model_validate(row.current).plain()
            if not _path_exists(plain, path):
                raise ReviewError(f"no field {path!r} in the record")
            old = get_path(plain, path)
            set_path(plain, path, value)
            try:
                Record.model_validate(plain)
            except ValidationError as error:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    # A name typed as digits is still text.
                    set_path(plain, path, str(value))
                    value = str(value)
                    try:
                        Record.model_validate(plain)
                    except ValidationError:
                        raise ReviewError(f"{path}: {error.errors()[0]['msg']}") from None
                else:
                    raise ReviewError(f"{path}: {error.errors()[0]['msg']}") from None
            current = copy.deepcopy(row.current)
            set_path(current, path, value)
            evidence = current.setdefault("evidence", {}).get(path)
            if evidence is not None:
                evidence["method"] = "human"
            before = {_finding_key(f) for f in row.current.get("findings", [])}
            document = Document.model_validate(session.get(DocumentRow, row.document_id).content)
            rich = ExtractedRecord.model_validate({**current, "findings": []})
            findings = [f.model_dump(mode="json") for f in run_checks(rich, document)]
            current["findings"] = findings
            after = {_finding_key(f) for f in findings}
            corrections = dict(row.corrections)
            corrections[path] = {"value": value, "reviewer": reviewer, "at": utcnow().isoformat()}
            new_version = self._bump(session, item, row, version, current=current, corrections=corrections)
            self._replace_findings(session, row.id, findings)
            session.add(AuditRow(reviewer=reviewer, action="set", item_id=item.id, field=path, old_value=old,
                                 new_value=value, reason=reason, version=new_version))
        return {"version": new_version, "old": old, "new": value,
                "resolved": sorted(before - after), "new_findings": sorted(after - before)}

    def approve(self, item_id: int, reviewer: str, version: int, reason: str | None = None) -> int:
        return self._set_status(item_id, "approved", reviewer, version, reason)

    def reject(self, item_id: int, reviewer: str, version: int, reason: str | None = None) -> int:
        return self._set_status(item_id, "rejected", reviewer, version, reason)

    def send_back(self, item_id: int, reviewer: str, version: int, reason: str | None = None) -> int:
        return self._set_status(item_id, "sent_back", reviewer, version, reason)

    def _set_status(self, item_id: int, status: str, reviewer: str, version: int, reason: str | None) -> int:
        reviewer = _reviewer(reviewer)
        with self._session.begin() as session:
            item, row = self._locked(session, item_id, version)
            old = item.status
            item.status, item.reviewer = status, reviewer
            new_version = self._bump(session, item, row, version)
            session.add(AuditRow(reviewer=reviewer, action=status, item_id=item.id, field=None, old_value=old,
                                 new_value=status, reason=reason, version=new_version))
        return new_version

    def _locked(self, session: Session, item_id: int, version: int) -> tuple[ReviewItemRow, RecordRow]:
        item = session.get(ReviewItemRow, item_id)
        if item is None:
            raise ReviewError(f"no review item {item_id}")
        row = session.get(RecordRow, item.record_id)
        if row.version != version:
            raise self._conflict(session, item, version, row.version)
        return item, row

    def _bump(self, session: Session, item: ReviewItemRow, row: RecordRow, version: int, **changes: Any) -> int:
        """Write ``changes`` only if the record is still at ``version`` (compare-and-set in one
        UPDATE, so two concurrent sessions cannot both pass)."""
        values = {"version": version + 1, "updated_at": utcnow(), **changes}
        result = session.execute(
            update(RecordRow).where(RecordRow.id == row.id, RecordRow.version == version).values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            # Someone committed in between; the caller's transaction rolls back as this raises.
            with self._session() as fresh:
                fresh_item = fresh.get(ReviewItemRow, item.id)
                actual = fresh.get(RecordRow, fresh_item.record_id).version
                raise self._conflict(fresh, fresh_item, version, actual)
        item.updated_at = utcnow()
        return version + 1

    @staticmethod
    def _conflict(session: Session, item: ReviewItemRow, expected: int, actual: int) -> Conflict:
        changes = [_audit_dict(a) for a in session.scalars(
            select(AuditRow).where(AuditRow.item_id == item.id, AuditRow.version > expected).order_by(AuditRow.id))]
        return Conflict(item.id, expected, actual, changes)

    # --- output -------------------------------------------------------------------------------------

    def approved_records(self) -> list[ExtractedRecord]:
        return [view.record for view in self.items(status="approved")]


def _apply_corrections(machine: dict, corrections: dict) -> dict:
    current = copy.deepcopy(machine)
    for path, correction in corrections.items():
        if _path_exists(current, path):
            set_path(current, path, correction["value"])
            if (evidence := current.get("evidence", {}).get(path)) is not None:
                evidence["method"] = "human"
    return current


def _path_exists(data: dict, path: str) -> bool:
    try:
        *parents, leaf = path.replace("]", "").replace("[", ".").split(".")
        for step in parents:
            data = data[int(step)] if step.isdigit() else data[step]
        return (int(leaf) < len(data)) if leaf.isdigit() else (isinstance(data, dict) and leaf in data)
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def _finding_key(finding: dict) -> str:
    return f"{finding['severity']} {finding['kind']} {','.join(finding.get('fields') or [])}"


def _reviewer(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ReviewError("a reviewer name is required")
    return name[:128]


def _audit_dict(a: AuditRow) -> dict:
    return {"id": a.id, "at": a.at.isoformat(timespec="seconds"), "reviewer": a.reviewer, "action": a.action,
            "item_id": a.item_id, "field": a.field, "old_value": a.old_value, "new_value": a.new_value,
            "reason": a.reason, "version": a.version}
