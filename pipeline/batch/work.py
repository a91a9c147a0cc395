"""The per-document function of a batch: what a worker process (or a Ray task) runs.

``process_one(job)`` reads one file, extracts its record and runs the checks, and never raises:
whatever goes wrong with that file (a corrupt or encrypted PDF, random bytes, a file that hangs
past its timeout, a bug) comes back as a failure with its kind, so one bad file never stops a
batch. Jobs and outcomes are plain data, so they pickle across processes and machines.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass(frozen=True)
class Job:
    """One document to process: where it is, its id in the batch and its content hash."""

    path: str
    doc_id: str
    sha256: str
    backend: str = "rules"
    timeout: float | None = None  # seconds; None: no limit
    keep_document: bool = False  # send the read document back (the review store needs its pages)


@dataclass
class Outcome:
    """What became of a job: a record (as its JSON object) or a failure, and what it cost."""

    job: Job
    record: dict[str, Any] | None = None
    document: Any = None  # pipeline.document.Document when the job asked for it
    failure: dict[str, str] | None = None  # path, error, kind
    pages: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.record is not None


class DocumentTimeout(Exception):
    """The document took longer than the batch's per-document timeout."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise ``DocumentTimeout`` in this thread after ``seconds``. A real-time interval timer
    (SIGALRM) interrupts Python code wherever it is, also inside a loop over pages; it can only be
    set from a process's main thread, which is where pool workers run their jobs."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):  # noqa: ARG001 - the signal handler's signature
        raise DocumentTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def failure(job: Job, kind: str, error: str) -> dict[str, str]:
    return {"path": job.path, "error": error, "kind": kind}


def process_one(job: Job) -> Outcome:
    """Read, extract and check one document; every error becomes the outcome's failure."""
    from pipeline.errors import PipelineError
    from pipeline.ingest import load
    from pipeline.run import process

    start = time.perf_counter()
    outcome = Outcome(job=job)
    document = None
    try:
        with deadline(job.timeout):
            document = load(job.path)
            if document.doc_id != job.doc_id:
                document = document.model_copy(update={"doc_id": job.doc_id})
            outcome.pages = len(document.pages)
            record = process(document, job.backend)
        outcome.record = record.model_dump(mode="json")
    except DocumentTimeout as error:
        outcome.failure = failure(job, "timeout", str(error))
    except PipelineError as error:
        outcome.failure = failure(job, error.code, error.reason)
    except MemoryError:
        outcome.failure = failure(job, "out_of_memory", "ran out of memory")
    except Exception as error:  # noqa: BLE001 - a bug on one document must not stop the batch
        outcome.failure = failure(job, "crash", f"{type(error).__name__}: {error}")
    if job.keep_document and document is not None:
        outcome.document = document
    outcome.seconds = time.perf_counter() - start
    return outcome
