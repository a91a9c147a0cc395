"""The runner: one document through extraction and the cross-checks.

``process`` is what every command calls (``extract``, ``eval``, ``demo``, later batch and review):
the backend extracts and grounds each value, then the checks add their findings. The checks report
and never modify values, so every backend's record goes through the same ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.checks import run_checks
from pipeline.document import Document
from pipeline.extract import Backend, extract
from pipeline.record import ExtractedRecord

if TYPE_CHECKING:
    from pipeline.config import Settings


def process(document: Document, backend: Backend = "rules", settings: "Settings | None" = None) -> ExtractedRecord:
    """Extract one record with ``backend`` and add the cross-check findings."""
    record = extract(document, backend, settings)
    return record.model_copy(update={"findings": [*record.findings, *run_checks(record, document)]})
