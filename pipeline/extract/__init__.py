"""Extraction backends: Document → ExtractedRecord.

``rules`` is the offline default and needs no model. ``llm`` and ``hybrid`` need an
OpenAI-compatible endpoint (``PIPELINE_LLM_BASE_URL`` / ``PIPELINE_LLM_API_KEY``).
"""

from __future__ import annotations

from typing import Literal

from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.record import ExtractedRecord

Backend = Literal["rules", "llm", "hybrid"]
BACKENDS: tuple[str, ...] = ("rules", "llm", "hybrid")


class BackendUnavailableError(PipelineError):
    code = "backend_unavailable"


def extract(document: Document, backend: Backend = "rules") -> ExtractedRecord:
    """Extract one record with the chosen backend."""
    if backend == "rules":
        from pipeline.extract.rules import extract_rules

        return extract_rules(document)
    if backend in ("llm", "hybrid"):
        raise BackendUnavailableError(
            document.path,
            f"the {backend} backend is not available in this version; use --backend rules",
        )
    raise BackendUnavailableError(document.path, f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
