"""What a batch's output folder remembers between runs: ``state.sqlite3`` beside the outputs.

A document is known by its content hash and the version of what processed it (pipeline, extractor,
prompt and model), so renaming or moving a file does not redo it, and a new extractor or prompt does.
Records are appended to ``records.jsonl`` under a write-ahead mark: before a line is written the
state notes where it starts (``writing``), after the line is flushed and synced it is ``done``. A
run killed between the two is repaired on the next open: a complete line is kept and marked done,
a torn one is cut off. So a kill at any moment loses nothing and duplicates nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "state.sqlite3"
RECORDS_FILE = "records.jsonl"
FAILURES_FILE = "failures.jsonl"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    sha256 TEXT NOT NULL, version TEXT NOT NULL, path TEXT NOT NULL, doc_id TEXT NOT NULL,
    status TEXT NOT NULL,        -- writing | done | failed
    kind TEXT, error TEXT, offset INTEGER, pages INTEGER, seconds REAL, updated REAL,
    PRIMARY KEY (sha256, version)
)
"""


def version_key(backend: str, settings: Any = None) -> str:
    """What must be equal for an earlier result to stand: the pipeline's version, the extractor's,
    and for the model backends the prompt's and the model's."""
    from pipeline import __version__
    from pipeline.extract.rules.context import EXTRACTOR_VERSION as RULES_VERSION

    parts = [f"pipeline={__version__}", f"backend={backend}", f"rules={RULES_VERSION}"]
    if backend != "rules":
        from pipeline.config import get_settings
        from pipeline.extract.llm.prompting import EXTRACTOR_VERSION as LLM_VERSION, load_prompt

        settings = settings or get_settings()
        parts += [f"llm={LLM_VERSION}", f"prompt={load_prompt().version}", f"model={settings.llm_model}"]
    return ";".join(parts)


@dataclass
class Known:
    status: str
    path: str
    doc_id: str
    kind: str | None
    error: str | None


class State:
    """The state of one output folder; opening it repairs what a killed run left half-written."""

    def __init__(self, out_dir: Path, version: str):
        self.out_dir, self.version = out_dir, version
        self.records_path = out_dir / RECORDS_FILE
        self.db = sqlite3.connect(out_dir / STATE_FILE, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(_SCHEMA)
        self._repair()

    def close(self) -> None:
        self.db.close()

    def known(self) -> dict[str, Known]:
        """Every document processed under this version, by content hash."""
        rows = self.db.execute(
            "SELECT sha256, status, path, doc_id, kind, error FROM documents WHERE version = ?", (self.version,))
        return {r[0]: Known(*r[1:]) for r in rows}

    def failures(self) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT path, error, kind FROM documents WHERE version = ? AND status = 'failed' ORDER BY path", (self.version,))
        return [{"path": p, "error": e, "kind": k} for p, e, k in rows]

    def append_record(self, sha256: str, path: str, doc_id: str, record: dict, pages: int, seconds: float) -> None:
        """Append the record as one line, flushed and synced, under the write-ahead mark."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self.records_path.open("ab") as handle:
            offset = handle.seek(0, os.SEEK_END)
            self._put(sha256, path, doc_id, "writing", None, None, offset, pages, seconds)
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self.db.execute("UPDATE documents SET status = 'done' WHERE sha256 = ? AND version = ?", (sha256, self.version))

    def mark_failed(self, sha256: str, path: str, doc_id: str, kind: str, error: str, seconds: float) -> None:
        self._put(sha256, path, doc_id, "failed", kind, error, None, 0, seconds)

    def _put(self, sha256, path, doc_id, status, kind, error, offset, pages, seconds) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sha256, self.version, path, doc_id, status, kind, error, offset, pages, seconds, time.time()),
        )

    def _repair(self) -> None:
        """Finish or undo the one append a kill may have interrupted, and cut a torn last line."""
        data = self.records_path.read_bytes() if self.records_path.exists() else b""
        for sha256, version, offset in self.db.execute(
                "SELECT sha256, version, offset FROM documents WHERE status = 'writing'").fetchall():
            end = data.find(b"\n", offset)
            if offset < len(data) and end != -1 and _sha_of_line(data[offset:end]) == sha256:
                self.db.execute("UPDATE documents SET status = 'done' WHERE sha256 = ? AND version = ?", (sha256, version))
            else:
                self.db.execute("DELETE FROM documents WHERE sha256 = ? AND version = ?", (sha256, version))
        complete = data.rfind(b"\n") + 1
        if complete < len(data):  # a line cut by the kill: its document is not done, it is redone
            with self.records_path.open("r+b") as handle:
                handle.truncate(complete)


def _sha_of_line(line: bytes) -> str | None:
    try:
        return json.loads(line)["meta"]["source_sha256"]
    except (ValueError, KeyError, TypeError):
        return None


def write_lines_atomically(path: Path, rows: list[dict]) -> None:
    """Replace ``path`` with one JSON object per line, never leaving a half-written file."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
