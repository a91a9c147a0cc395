"""Where a batch's documents are processed: a local process pool, or Ray tasks.

Both run the same ``work.process_one`` and hand each outcome to ``on_outcome`` in the calling
process, which alone writes the outputs and the store (one writer, no locks).

The local engine uses ``spawn`` workers (no inherited state, the same on every platform) that are
replaced after ``recycle`` documents, so a leak or a big scan's memory is returned to the system.
A worker that dies (killed by the kernel for memory, a crash in native code) breaks the pool:
the documents that were in flight are then run again one at a time in a fresh pool, so the one
that kills its worker is recorded as a failure and the others are not blamed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from dataclasses import dataclass
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterable

from pipeline.batch.work import Job, Outcome, failure, process_one

OnOutcome = Callable[[Outcome], None]


def run_local(jobs: Iterable[Job], workers: int, on_outcome: OnOutcome, recycle: int = 50,
              task: Callable[[Job], Outcome] = process_one, memory_mb: int | None = None) -> None:
    """Process ``jobs`` in ``workers`` processes; at most two jobs per worker wait in the pool.
    ``task`` is the per-document function (a module-level one, so a spawned worker imports it);
    ``memory_mb`` caps each worker's address space (a document past it fails as out_of_memory)."""
    pending: deque[Job] = deque(jobs)
    suspects: deque[Job] = deque()
    pool = _PoolSpec(on_outcome, recycle, task, memory_mb)
    while pending:
        suspects += _pool_round(pending, workers, pool)
        while suspects:  # alone in its pool, a job that breaks it again is the culprit
            job = suspects.popleft()
            for again in _pool_round(deque([job]), 1, pool):
                on_outcome(Outcome(job=again, failure=failure(again, "worker_died", "the worker process died on this document")))


@dataclass(frozen=True)
class _PoolSpec:
    on_outcome: OnOutcome
    recycle: int
    task: Callable[[Job], Outcome]
    memory_mb: int | None


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


def _pool_round(pending: deque[Job], workers: int, spec: _PoolSpec) -> list[Job]:
    """Run jobs until ``pending`` is empty or the pool breaks; returns the jobs the break took."""
    context = multiprocessing.get_context("spawn")
    inflight: dict[Future, Job] = {}
    on_outcome, task = spec.on_outcome, spec.task
    with ProcessPoolExecutor(workers, mp_context=context, max_tasks_per_child=spec.recycle,
                             initializer=start_worker, initargs=(spec.memory_mb, ocr_threads_per_worker(workers))) as pool:
        while pending or inflight:
            while pending and len(inflight) < 2 * workers:
                job = pending.popleft()
                inflight[pool.submit(task, job)] = job
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken: list[Job] = []
            for future in done:
                job = inflight.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                on_outcome(outcome)
            if broken:
                return broken + list(inflight.values())
    return []


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
