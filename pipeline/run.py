"""The runner: one document through extraction and the cross-checks.

``process`` is what every command calls (``extract``, ``eval``, ``demo``, later batch and review):
the backend extracts and grounds each value, then the checks add their findings. The checks report
and never modify values, so every backend's record goes through the same ones.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from pipeline.checks import run_checks
from pipeline.document import Document
from pipeline.extract import Backend, BackendName, extract
from pipeline.record import ExtractedRecord

if TYPE_CHECKING:
    from pipeline.config import Settings

T = TypeVar("T")


def process(document: Document, backend: Backend | BackendName = "rules", settings: "Settings | None" = None) -> ExtractedRecord:
    """Extract one record with ``backend`` and add the cross-check findings."""
    record = extract(document, backend, settings)
    return record.model_copy(update={"findings": [*record.findings, *run_checks(record, document)]})


def run_concurrently(jobs: Sequence[Callable[[], T]], concurrency: int, on_result: Callable[[int, T | Exception], None]) -> None:
    """Run ``jobs`` at most ``concurrency`` at a time and hand each result (or the exception it
    raised) to ``on_result`` **in input order**, as soon as it and every job before it are done.

    asyncio schedules; each job runs in a worker thread of a pool as wide as ``concurrency`` (the
    stages are synchronous code, and a model backend spends its time waiting on the endpoint, so
    threads overlap the waits; the shared limits in ``extract.llm.limits`` keep the requests under
    the provider's rates). ``on_result`` runs on the calling thread, one result at a time, so it
    may write files or a database without locks.
    """
    if concurrency <= 1:  # the plain loop: no threads, the same order
        for index, job in enumerate(jobs):
            try:
                result: T | Exception = job()
            except Exception as error:  # noqa: BLE001 - handed to on_result, which decides
                result = error
            on_result(index, result)
        return
    asyncio.run(_drive(jobs, concurrency, on_result))


async def _drive(jobs: Sequence[Callable[[], T]], concurrency: int, on_result: Callable[[int, T | Exception], None]) -> None:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="pipeline-doc") as pool:

        async def one(job: Callable[[], T]) -> T | Exception:
            async with gate:
                try:
                    return await loop.run_in_executor(pool, job)
                except Exception as error:  # noqa: BLE001 - handed to on_result, which decides
                    return error

        tasks = [asyncio.ensure_future(one(job)) for job in jobs]
        try:
            for index, task in enumerate(tasks):
                on_result(index, await task)
        finally:
            for task in tasks:
                task.cancel()  # on an error in on_result: jobs not started yet are not started
