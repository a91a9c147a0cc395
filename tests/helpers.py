"""Small builders shared by tests (real objects, no mocks)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.document import Document, Page


def text_document(text: str, doc_id: str = "doc", path: str = "doc.txt") -> Document:
    return Document(
        path=path,
        doc_id=doc_id,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        media_type="text",
        encoding="utf-8",
        pages=[Page(number=i + 1, text=t, engine="text") for i, t in enumerate(text.split("\f"))],
    )


def write_text(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
