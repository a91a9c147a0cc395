"""Where a batch's documents are processed: a local process pool, or Ray tasks.

Both run the same ``work.process_one`` and hand each outcome to ``on_outcome`` in the calling
process, which alone writes the outputs and the store (one writer, no locks).

The local engine uses ``spawn`` workers (no inherited state, the same on every platform) that are
replaced after ``recycle`` documents, so a leak or a big scan's memory is returned to the system.
A worker that dies (killed by the kernel for memory, a crash in native code) breaks the pool:
the documents that were in flight are then run again one at a time in a fresh pool, so the one
that kills its worker is recorded as a failure and the others are not blamed.

A document that hangs in native code (a C call that never returns to Python) cannot be stopped by
the worker's own timer (``work.deadline``). The parent keeps a watchdog: a job still in flight past
its bound — its timeout, plus one other job's timeout when it had to queue behind one, plus a
grace — has its pool's workers killed; the broken-pool path above then runs the in-flight jobs
again alone, and the one that hangs again is recorded as a ``timeout`` failure.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from dataclasses import dataclass
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterable

from pipeline.batch.work import Job, Outcome, failure, process_one

OnOutcome = Callable[[Outcome], None]


HANG_GRACE = 30.0  # seconds past its bound before the watchdog kills a hung job's workers


def run_local(jobs: Iterable[Job], workers: int, on_outcome: OnOutcome, recycle: int = 50,
              task: Callable[[Job], Outcome] = process_one, memory_mb: int | None = None,
              grace: float = HANG_GRACE) -> None:
    """Process ``jobs`` in ``workers`` processes; at most two jobs per worker wait in the pool.
    ``task`` is the per-document function (a module-level one, so a spawned worker imports it);
    ``memory_mb`` caps each worker's address space (a document past it fails as out_of_memory);
    ``grace`` is how long past its timeout a job may stay in flight before the watchdog kills it."""
    pending: deque[Job] = deque(jobs)
    suspects: deque[Job] = deque()
    pool = _PoolSpec(on_outcome, recycle, task, memory_mb, grace)
    while pending:
        suspects += _pool_round(pending, workers, pool).jobs
        while suspects:  # alone in its pool, a job that breaks it again is the culprit
            job = suspects.popleft()
            alone = _pool_round(deque([job]), 1, pool)
            for again in alone.jobs:
                on_outcome(Outcome(job=again, failure=_culprit_failure(again, alone.hung, grace)))


def _culprit_failure(job: Job, hung: bool, grace: float) -> dict[str, str]:
    if hung:
        return failure(job, "timeout", f"took longer than {job.timeout:g} s and did not stop (hung where its timer "
                                       f"cannot interrupt it, e.g. in native code): its worker was killed after {grace:g} s more")
    return failure(job, "worker_died", "the worker process died on this document")


@dataclass(frozen=True)
class _PoolSpec:
    on_outcome: OnOutcome
    recycle: int
    task: Callable[[Job], Outcome]
    memory_mb: int | None
    grace: float = HANG_GRACE


@dataclass
class _Broken:
    """The jobs a broken pool took with it, and whether the watchdog broke it (a hang)."""

    jobs: list[Job]
    hung: bool = False


def ocr_threads_per_worker(workers: int) -> int | None:
    """The onnxruntime threads each worker's OCR gets, so that workers × threads is the machine's
    cores (2 processes × 2 threads on 2 cores would only contend; measured in bench/batch_bench.py,
    2 × 1 and 1 × 2 read scans equally fast). None when the user set PIPELINE_OCR_THREADS."""
    if "PIPELINE_OCR_THREADS" in os.environ:
        return None
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def start_worker(megabytes: int | None, ocr_threads: int | None) -> None:
    """A worker's initializer: its share of the cores for OCR, and its memory cap."""
    if ocr_threads is not None:
        os.environ["PIPELINE_OCR_THREADS"] = str(ocr_threads)
    limit_memory(megabytes)


def limit_memory(megabytes: int | None) -> None:
    """A worker's initializer: cap its address space, so a runaway document raises MemoryError
    in its own worker instead of pushing the machine into the out-of-memory killer."""
    if megabytes:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (megabytes * 1024 * 1024, resource.RLIM_INFINITY))


def _pool_round(pending: deque[Job], workers: int, spec: _PoolSpec) -> _Broken:
    """Run jobs until ``pending`` is empty or the pool breaks; returns the jobs the break took."""
    context = multiprocessing.get_context("spawn")
    inflight: dict[Future, Job] = {}
    bounds: dict[Future, float] = {}  # when each job in flight is overdue (monotonic clock)
    with ProcessPoolExecutor(workers, mp_context=context, max_tasks_per_child=spec.recycle,
                             initializer=start_worker, initargs=(spec.memory_mb, ocr_threads_per_worker(workers))) as pool:
        hung = False
        while pending or inflight:
            while pending and len(inflight) < 2 * workers:
                job = pending.popleft()
                future = pool.submit(spec.task, job)
                bounds[future] = _overdue_at(job, queued=len(inflight) >= workers, grace=spec.grace)
                inflight[future] = job
            done, _ = wait(inflight, timeout=_until_first(bounds), return_when=FIRST_COMPLETED)
            if not done and not hung and min(bounds.values()) <= time.monotonic():
                hung = True  # the pool's workers are killed; its futures then fail as broken
                _kill_workers(pool)
            broken: list[Job] = []
            for future in done:
                job = inflight.pop(future)
                bounds.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                spec.on_outcome(outcome)
            if broken:
                return _Broken(broken + list(inflight.values()), hung)
    return _Broken([])


def _overdue_at(job: Job, queued: bool, grace: float) -> float:
    """A job's deadline in the parent: its own timeout, one more when it waits behind another job
    (at most two jobs per worker are in flight, so it waits for at most one), and the grace."""
    if not job.timeout:
        return float("inf")
    return time.monotonic() + job.timeout * (2 if queued else 1) + grace


def _until_first(bounds: dict[Future, float]) -> float | None:
    first = min(bounds.values(), default=float("inf"))
    return None if first == float("inf") else max(0.0, first - time.monotonic()) + 0.05


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's worker processes: a hang in native code may ignore gentler signals.
    ``_processes`` is the executor's own table of its workers (no public accessor exists)."""
    for process in list((pool._processes or {}).values()):  # noqa: SLF001
        if process.is_alive():
            process.kill()


def run_ray(jobs: Iterable[Job], workers: int, on_outcome: OnOutcome, address: str | None = None) -> None:
    """Process ``jobs`` as Ray tasks: on the cluster at ``address``, or on a local instance
    started for this run (loopback only, no dashboard) and stopped after it."""
    import ray

    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            # The workers import this checkout's pipeline package, as the driver does.
            root = str(Path(__file__).resolve().parents[2])
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
            ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1",
                     log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    try:
        task = ray.remote(max_retries=1, num_cpus=1)(process_one)
        pending: deque[Job] = deque(jobs)
        inflight: dict = {}
        while pending or inflight:
            while pending and len(inflight) < 2 * workers:
                job = pending.popleft()
                inflight[task.remote(job)] = job
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                job = inflight.pop(ref)
                try:
                    on_outcome(ray.get(ref))
                except ray.exceptions.RayError as error:  # the task's worker died twice
                    on_outcome(Outcome(job=job, failure=failure(job, "worker_died", str(error).splitlines()[0])))
    finally:
        if started:
            ray.shutdown()
