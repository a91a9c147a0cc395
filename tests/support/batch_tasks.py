"""Per-document functions for the batch engine's tests, importable by a spawned worker: the real
``process_one``, except that a document whose text asks for it takes its worker process down,
as a native crash or the kernel's out-of-memory killer would."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.batch.work import Job, Outcome, process_one

KILL_MARK = "KILL-THE-WORKER"


def process_or_die(job: Job) -> Outcome:
    if Path(job.path).read_bytes().startswith(KILL_MARK.encode()):
        os._exit(137)
    return process_one(job)


GREEDY_MARK = "EAT-MEMORY"


def process_or_eat(job: Job) -> Outcome:
    """Like ``process_one``, but a document whose text asks for it allocates 2 GB inside the
    per-document function (where a runaway page would)."""
    if Path(job.path).read_bytes().startswith(GREEDY_MARK.encode()):
        from pipeline.batch import work

        def eat() -> None:
            bytearray(2 * 1024 ** 3)

        return _run_as_document(job, eat, work)
    return process_one(job)


def _run_as_document(job: Job, body, work) -> Outcome:
    outcome = Outcome(job=job)
    try:
        body()
    except MemoryError:
        outcome.failure = work.failure(job, "out_of_memory", "ran out of memory")
    return outcome


def report_ocr_threads(job: Job) -> Outcome:
    """Like ``process_one``, but the outcome's failure says which OCR thread count the worker
    was given (what a spawned worker's settings will read)."""
    from pipeline.batch import work

    return Outcome(job=job, failure=work.failure(job, "probe", os.environ.get("PIPELINE_OCR_THREADS", "unset")))


HANG_MARK = "HANG-IN-NATIVE-CODE"


def process_or_hang(job: Job) -> Outcome:
    """Like ``process_one``, but a document whose text asks for it hangs where the worker's timer
    cannot reach it: SIGALRM is blocked in the thread, as it is for the whole length of a C call
    that never returns to Python, so the deadline's signal stays pending for ever."""
    if Path(job.path).read_bytes().startswith(HANG_MARK.encode()):
        import signal
        import time

        from pipeline.batch import work

        with work.deadline(job.timeout):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(3600)
    return process_one(job)


def report_llm_rates(job: Job) -> Outcome:
    """The request and token rates a worker's settings give its model calls (its share)."""
    from pipeline.batch import work
    from pipeline.config import get_settings

    settings = get_settings()
    shown = f"{settings.llm_requests_per_minute} {settings.llm_tokens_per_minute}"
    return Outcome(job=job, failure=work.failure(job, "probe", shown))
