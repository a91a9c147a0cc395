"""Where a batch's documents are processed: a local process pool, or Ray tasks.

Both run the same ``work.process_one`` and hand each outcome to ``on_outcome`` in the calling
process, which alone writes the outputs and the store (one writer, no locks).

The local engine uses ``spawn`` workers (no inherited state, the same on every platform) that are
replaced after ``recycle`` documents, so a leak or a big scan's memory is returned to the system.
A worker that dies (killed by the kernel for memory, a crash in native code) breaks the pool:
the documents that were in flight are then run again one at a time in a fresh pool, so the one
that kills its worker is recorded as a failure and the others are not blamed.

A document that hangs in native code (a C call that never returns to Python) cannot be stopped by
the worker's own timer (``work.deadline``). The parent keeps a watchdog: each worker says when it
starts a job, and a job still running its timeout plus a grace after that has its pool's workers
killed; the broken-pool path above then runs the in-flight jobs again alone, and the one that hangs
again is recorded as a ``timeout`` failure.
"""

from __future__ import annotations

import itertools
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


HANG_GRACE = 30.0  # seconds past its timeout before the watchdog kills a hung job's workers


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


def llm_rate_shares(workers: int) -> dict[str, str]:
    """Each worker's share of the model endpoint's rate limits, as the environment it reads them
    from. The limiter (pipeline/extract/llm/limits.py) paces the requests of one process; a batch's
    workers are separate processes, so each gets the configured rate (the parent's settings:
    environment, .env or a provider preset) divided by their number, and together they stay under it."""
    from pipeline.config import get_settings

    settings = get_settings()
    rates = {"PIPELINE_LLM_REQUESTS_PER_MINUTE": settings.llm_requests_per_minute,
             "PIPELINE_LLM_TOKENS_PER_MINUTE": settings.llm_tokens_per_minute}
    return {name: repr(rate / max(1, workers)) for name, rate in rates.items() if rate}


_STARTS = None  # in a worker: where it tells the parent's watchdog that it starts a job


def start_worker(megabytes: int | None, ocr_threads: int | None, llm_rates: dict[str, str] | None = None,
                 starts=None) -> None:
    """A worker's initializer: its share of the cores for OCR and of the model's rate limits, its
    memory cap, and the queue on which it reports the jobs it starts."""
    global _STARTS
    _STARTS = starts
    if ocr_threads is not None:
        os.environ["PIPELINE_OCR_THREADS"] = str(ocr_threads)
    if llm_rates:
        from pipeline.config import get_settings

        os.environ.update(llm_rates)
        get_settings.cache_clear()
    limit_memory(megabytes)


def limit_memory(megabytes: int | None) -> None:
    """A worker's initializer: cap its address space, so a runaway document raises MemoryError
    in its own worker instead of pushing the machine into the out-of-memory killer."""
    if megabytes:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (megabytes * 1024 * 1024, resource.RLIM_INFINITY))


def run_started(task: Callable[[Job], Outcome], key: int, job: Job) -> Outcome:
    """In a worker: tell the parent that job ``key`` starts now (its watchdog times the job from
    here, not from when it was queued), then run it."""
    if _STARTS is not None:
        _STARTS.put((key, time.monotonic()))  # CLOCK_MONOTONIC: one clock for the machine's processes
    return task(job)


class _Watchdog:
    """When each running job is overdue: its timeout plus the grace, from the moment its worker
    said it started it. A job not started yet is waiting behind others, which are watched."""

    POLL = 1.0  # seconds between looks at the workers' start reports while jobs with a timeout run

    def __init__(self, starts, grace: float) -> None:
        self.starts, self.grace = starts, grace
        self.timeouts: dict[int, float] = {}  # the jobs in flight that have a timeout
        self.overdue_at: dict[int, float] = {}  # of those, the started ones

    def watch(self, key: int, job: Job) -> None:
        if job.timeout:
            self.timeouts[key] = job.timeout

    def forget(self, key: int) -> None:
        self.timeouts.pop(key, None)
        self.overdue_at.pop(key, None)

    def next_look(self) -> float | None:
        """Seconds until the watchdog must look again (None: no job has a timeout)."""
        if not self.timeouts:
            return None
        self._read_starts()
        first = min(self.overdue_at.values(), default=float("inf"))
        return max(0.0, min(self.POLL, first - time.monotonic())) + 0.01

    def overdue(self) -> bool:
        self._read_starts()
        return any(at <= time.monotonic() for at in self.overdue_at.values())

    def _read_starts(self) -> None:
        while not self.starts.empty():
            key, started = self.starts.get()
            if key in self.timeouts:  # not a job that has already finished
                self.overdue_at[key] = started + self.timeouts[key] + self.grace


def _pool_round(pending: deque[Job], workers: int, spec: _PoolSpec) -> _Broken:
    """Run jobs until ``pending`` is empty or the pool breaks; returns the jobs the break took."""
    context = multiprocessing.get_context("spawn")
    starts = context.SimpleQueue()
    watchdog = _Watchdog(starts, spec.grace)
    inflight: dict[Future, tuple[int, Job]] = {}
    keys = itertools.count()
    initargs = (spec.memory_mb, ocr_threads_per_worker(workers), llm_rate_shares(workers), starts)
    with ProcessPoolExecutor(workers, mp_context=context, max_tasks_per_child=spec.recycle,
                             initializer=start_worker, initargs=initargs) as pool:
        hung = False
        while pending or inflight:
            while pending and len(inflight) < 2 * workers:
                key, job = next(keys), pending.popleft()
                watchdog.watch(key, job)
                inflight[pool.submit(run_started, spec.task, key, job)] = (key, job)
            done, _ = wait(inflight, timeout=watchdog.next_look(), return_when=FIRST_COMPLETED)
            broken: list[Job] = []
            for future in done:
                key, job = inflight.pop(future)
                watchdog.forget(key)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                spec.on_outcome(outcome)
            if broken:
                return _Broken(broken + [job for _, job in inflight.values()], hung)
            if not hung and watchdog.overdue():  # also while the other workers keep finishing jobs
                hung = True  # the pool's workers are killed; its futures then fail as broken
                _kill_workers(pool)
    return _Broken([])


def ray_worker_env(tasks_at_once: int) -> dict[str, str]:
    """The environment of the run's Ray workers, on a local instance or an existing cluster: the
    PYTHONPATH of this checkout's pipeline package (the workers import it as the driver does, also
    when the cluster's nodes run another working directory; on other machines the checkout must be
    at the same path, or pipeline installed), and each task's share of the model's rate limits."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": path, **llm_rate_shares(tasks_at_once)}


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's worker processes: a hang in native code may ignore gentler signals.
    ``_processes`` is the executor's own table of its workers (no public accessor exists)."""
    for process in list((pool._processes or {}).values()):  # noqa: SLF001
        if process.is_alive():
            process.kill()


def run_ray(jobs: Iterable[Job], workers: int, on_outcome: OnOutcome, address: str | None = None,
            task: Callable[[Job], Outcome] = process_one, grace: float = HANG_GRACE) -> None:
    """Process ``jobs`` as Ray tasks: on the cluster at ``address``, or on a local instance
    started for this run (loopback only, no dashboard) and stopped after it. At most two tasks per
    worker are in flight; on a local instance of ``workers`` CPUs, ``workers`` of them run at once."""
    import ray

    started = not ray.is_initialized()
    if started:
        at_once = 2 * workers if address else workers
        runtime_env = {"env_vars": ray_worker_env(at_once)}
        if address:
            ray.init(address=address, log_to_driver=False, runtime_env=runtime_env)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1",
                     log_to_driver=False, runtime_env=runtime_env)
    try:
        _ray_tasks(ray, ray.remote(max_retries=1, num_cpus=1)(task), deque(jobs), workers, on_outcome, grace)
    finally:
        if started:
            ray.shutdown()


def _ray_tasks(ray, remote, pending: deque[Job], workers: int, on_outcome: OnOutcome, grace: float) -> None:
    """Submit, collect and watch the batch's Ray tasks. A task still unfinished twice its timeout
    (it may have queued behind one other task) plus ``grace`` after it was submitted hangs where its
    timer cannot reach: it is cancelled with its worker process killed, and fails as a timeout."""
    inflight: dict = {}  # ref: (job, when it is overdue)
    killed: set = set()
    while pending or inflight:
        while pending and len(inflight) < 2 * workers:
            job = pending.popleft()
            overdue_at = time.monotonic() + 2 * job.timeout + grace if job.timeout else float("inf")
            inflight[remote.remote(job)] = (job, overdue_at)
        first = min(at for _, at in inflight.values())
        look = None if first == float("inf") else max(0.0, first - time.monotonic()) + 0.01
        ready, _ = ray.wait(list(inflight), num_returns=1, timeout=look)
        for ref in ready:
            job, _ = inflight.pop(ref)
            try:
                on_outcome(ray.get(ref))
            except ray.exceptions.RayError as error:
                if ref in killed:
                    on_outcome(Outcome(job=job, failure=_culprit_failure(job, True, grace)))
                else:  # the task's worker died twice
                    on_outcome(Outcome(job=job, failure=failure(job, "worker_died", str(error).splitlines()[0])))
        for ref, (job, at) in inflight.items():
            if at <= time.monotonic() and ref not in killed:
                killed.add(ref)
                ray.cancel(ref, force=True)
