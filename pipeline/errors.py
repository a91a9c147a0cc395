"""Typed errors for bad input.

Every error names the file and the reason in plain words, so the CLI can print one line per
broken document and carry on with the rest of a batch (exit status 2 when any input was bad).
"""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Base class of every error the pipeline raises on purpose."""

    code = "pipeline_error"

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IngestError(PipelineError):
    """A document could not be read; `code` is a stable machine-readable kind."""

    code = "ingest_error"


class FileMissingError(IngestError):
    code = "file_missing"


class EmptyFileError(IngestError):
    code = "empty_file"


class FileTooLargeError(IngestError):
    code = "file_too_large"


class UnsupportedTypeError(IngestError):
    code = "unsupported_type"


class EncryptedPdfError(IngestError):
    code = "encrypted_pdf"


class CorruptFileError(IngestError):
    code = "corrupt_file"


class TooManyPagesError(IngestError):
    code = "too_many_pages"


class ImageTooLargeError(IngestError):
    code = "image_too_large"


class UndecodableTextError(IngestError):
    code = "undecodable_text"


class OcrUnavailableError(IngestError):
    code = "ocr_unavailable"


class BackendUnavailableError(PipelineError):
    """A model backend was asked for while no endpoint is configured (or an unknown backend)."""

    code = "backend_unavailable"
