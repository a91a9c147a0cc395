"""Extraction backends: Document → ExtractedRecord (values with their evidence, no findings).

``rules`` is the offline default and needs no model. ``llm`` (``extract/llm.py``) and ``hybrid``
(``extract/merge.py``: rules first, the model for what they miss or disagree on) need an
OpenAI-compatible endpoint: ``PIPELINE_LLM_BASE_URL`` and/or ``PIPELINE_LLM_API_KEY``, and
``PIPELINE_LLM_MODEL``. The cross-checks are a later stage: ``pipeline.run.process`` runs both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pipeline.config import require_endpoint
from pipeline.document import Document
from pipeline.errors import BackendUnavailableError
from pipeline.record import ExtractedRecord

if TYPE_CHECKING:
    from pipeline.config import Settings

Backend = Literal["rules", "llm", "hybrid"]
BACKENDS: tuple[str, ...] = ("rules", "llm", "hybrid")

__all__ = ["BACKENDS", "Backend", "BackendUnavailableError", "extract"]


def extract(document: Document, backend: Backend = "rules", settings: "Settings | None" = None) -> ExtractedRecord:
    """One record from one document with the chosen backend; every value grounded by its backend."""
    if backend == "rules":
        from pipeline.extract.rules import extract_rules

        return extract_rules(document)
    if backend in ("llm", "hybrid"):
        from pipeline.config import get_settings

        settings = settings or get_settings()
        require_endpoint(document.path, backend, settings)
        if backend == "llm":
            from pipeline.extract.llm import extract_llm

            return extract_llm(document, settings)
        from pipeline.extract.merge import extract_hybrid

        return extract_hybrid(document, settings)
    raise BackendUnavailableError(document.path, f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
