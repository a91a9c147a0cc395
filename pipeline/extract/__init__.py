"""Extraction backends: Document → ExtractedRecord.

``rules`` is the offline default and needs no model. ``llm`` (``extract/llm.py``) and ``hybrid``
(``extract/merge.py``: rules first, the model for what they miss or disagree on) need an
OpenAI-compatible endpoint: ``PIPELINE_LLM_BASE_URL`` and/or ``PIPELINE_LLM_API_KEY``, and
``PIPELINE_LLM_MODEL``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.record import ExtractedRecord

if TYPE_CHECKING:
    from pipeline.config import Settings

Backend = Literal["rules", "llm", "hybrid"]
BACKENDS: tuple[str, ...] = ("rules", "llm", "hybrid")


class BackendName(StrEnum):
    """The backends as a command-line choice (a ``str``, so it is a ``Backend`` wherever one is
    compared or stored)."""

    rules = "rules"
    llm = "llm"
    hybrid = "hybrid"


class BackendUnavailableError(PipelineError):
    code = "backend_unavailable"


def endpoint_problem(backend: str, settings: "Settings") -> str | None:
    """Why a model backend cannot run (no endpoint configured, saying what to set), or None."""
    if backend == "rules" or settings.llm_configured:
        return None
    return (
        f"the {backend} backend is not available: no LLM endpoint is configured. Set "
        "PIPELINE_LLM_BASE_URL (an OpenAI-compatible endpoint) and/or PIPELINE_LLM_API_KEY, "
        f"and PIPELINE_LLM_MODEL (default {settings.llm_model}); or use --backend rules"
    )


def require_endpoint(document: Document, backend: str, settings: "Settings") -> None:
    """Refuse a model backend when no endpoint is configured, saying what to set."""
    problem = endpoint_problem(backend, settings)
    if problem:
        raise BackendUnavailableError(document.path, problem)


def extract(
    document: Document, backend: Backend | BackendName = "rules", settings: "Settings | None" = None, checks: bool = True
) -> ExtractedRecord:
    """Extract one record with the chosen backend, then cross-check it (``findings``): every
    backend's output goes through the same checks, which report and never modify values."""
    record = _extract(document, backend, settings)
    if not checks:
        return record
    from pipeline.checks import run_checks

    return record.model_copy(update={"findings": [*record.findings, *run_checks(record, document)]})


def _extract(document: Document, backend: str, settings: "Settings | None") -> ExtractedRecord:
    if backend == "rules":
        from pipeline.extract.rules import extract_rules

        return extract_rules(document)
    if backend in ("llm", "hybrid"):
        from pipeline.config import get_settings

        settings = settings or get_settings()
        require_endpoint(document, backend, settings)
        if backend == "llm":
            from pipeline.extract.llm import extract_llm

            return extract_llm(document, settings)
        from pipeline.extract.merge import extract_hybrid

        return extract_hybrid(document, settings)
    raise BackendUnavailableError(document.path, f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
