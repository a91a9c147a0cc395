"""``run_batch``: a folder of reports in, records, failures, a summary and review items out.

The parent process plans the batch (walk, hash, de-duplicate), skips what the output folder's
state says is done under the same version, hands the rest to an engine and writes every outcome
as it arrives: a record to ``records.jsonl`` (and the review store), a failure to
``failures.jsonl``. ``summary.json`` and ``summary.xlsx`` are written at the end.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.batch.plan import Plan, plan as make_plan
from pipeline.batch.state import FAILURES_FILE, State, version_key, write_lines_atomically
from pipeline.batch.work import Job, Outcome


@dataclass
class BatchOptions:
    out_dir: Path
    backend: str = "rules"
    workers: int = 2
    engine: str = "local"  # local | ray
    ray_address: str | None = None
    resume: bool = False  # also redo the documents that failed before
    store: bool = True
    timeout: float | None = 600.0
    recycle: int = 50  # documents per worker process before it is replaced
    worker_memory_mb: int | None = None  # address-space cap per worker process (local engine)


def default_workers(backend: str) -> int:
    """Worker processes when the user did not say: the cores for rules (CPU-bound); for llm and
    hybrid, whose documents mostly wait on the endpoint, the configured model concurrency
    (PIPELINE_LLM_CONCURRENCY), so that many requests are in flight under the shared rate limits."""
    import os

    if backend in ("llm", "hybrid"):
        from pipeline.config import get_settings

        return get_settings().llm_concurrency
    return max(1, os.cpu_count() or 1)


@dataclass
class RunStats:
    """What this run did (the summary adds what earlier runs of the same folder did)."""

    total: int = 0  # documents of the batch (after de-duplication)
    skipped: int = 0  # done by an earlier run
    queued: int = 0  # given to the engine in this run
    done: int = 0
    failed: int = 0
    clean: int = 0
    with_findings: int = 0
    with_errors: int = 0
    pages: int = 0
    review_items: int = 0
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_hits: int = 0
    cost: float = 0.0  # estimated USD of the records whose cost is known
    cost_unknown: int = 0  # records whose model has no price
    seconds: float = 0.0
    current: str = ""
    failures: list[dict[str, str]] = field(default_factory=list)


Listener = Callable[[RunStats], None]


def run_batch(arguments: list[str | Path], options: BatchOptions, listener: Listener | None = None) -> dict[str, Any]:
    """Run the batch and return its summary (also written to ``summary.json``)."""
    started = time.perf_counter()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    batch = make_plan(arguments)
    state = State(options.out_dir, version_key(options.backend))
    stats = RunStats(total=len(batch.documents))
    known = state.known()
    jobs = []
    for doc in batch.documents:
        previous = known.get(doc.sha256)
        if previous and (previous.status == "done" or not options.resume):
            stats.skipped += 1
            continue
        jobs.append(Job(path=str(doc.path), doc_id=doc.doc_id, sha256=doc.sha256, backend=options.backend,
                        timeout=options.timeout, keep_document=options.store))
    stats.queued = len(jobs)
    # failures.jsonl holds the failures that stand: earlier ones not retried now, then this run's.
    standing = [f for f in state.failures() if f["path"] not in {job.path for job in jobs}]
    failures_path = options.out_dir / FAILURES_FILE
    write_lines_atomically(failures_path, [*batch.unreadable, *standing])
    writer = _Writer(state, options, stats, failures_path, listener)
    if listener:  # the bar shows the batch's size while the workers start
        listener(stats)
    try:
        if jobs:
            _dispatch_as_one_run(jobs, options, writer.on_outcome)
    finally:
        writer.close()
    stats.seconds = time.perf_counter() - started
    from pipeline.batch.summary import write_summary

    return write_summary(options, batch, state, stats)


def _dispatch_as_one_run(jobs: list[Job], options: BatchOptions, on_outcome: Callable[[Outcome], None]) -> None:
    """The model backends' workers share one cost ledger, so a cost cap (PIPELINE_LLM_COST_CAP)
    holds for the batch's run as a whole, not per worker process."""
    if options.backend == "rules":
        return _dispatch(jobs, options, on_outcome)
    from pipeline.extract.llm.costs import shared_ledger

    with shared_ledger(options.out_dir):
        _dispatch(jobs, options, on_outcome)


def _dispatch(jobs: list[Job], options: BatchOptions, on_outcome: Callable[[Outcome], None]) -> None:
    from pipeline.batch.engines import run_local, run_ray

    if options.engine == "ray":
        run_ray(jobs, options.workers, on_outcome, address=options.ray_address)
    else:
        run_local(jobs, options.workers, on_outcome, recycle=options.recycle, memory_mb=options.worker_memory_mb)


class _Writer:
    """The one writer of a run's outputs: records, failures, the store, the progress."""

    def __init__(self, state: State, options: BatchOptions, stats: RunStats, failures_path: Path, listener: Listener | None):
        self.state, self.options, self.stats, self.listener = state, options, stats, listener
        self.failures = failures_path.open("a", encoding="utf-8")
        self.store = None
        if options.store:
            from pipeline.review.store import Store

            self.store = Store()

    def close(self) -> None:
        self.failures.close()
        if self.store is not None:
            self.store.close()

    def on_outcome(self, outcome: Outcome) -> None:
        job, stats = outcome.job, self.stats
        stats.current = Path(job.path).name
        if outcome.ok:
            self._record(outcome)
        else:
            self._failure(outcome)
        if self.listener:
            self.listener(stats)

    def _record(self, outcome: Outcome) -> None:
        from pipeline.record import ExtractedRecord

        job, stats, record = outcome.job, self.stats, outcome.record
        if self.store is not None and outcome.document is not None:
            # The store first: a kill before the line is written redoes the document, and the
            # store keeps one record per document (and every human correction) when it is redone.
            self.store.add_record(outcome.document, ExtractedRecord.model_validate(record))
            stats.review_items += 1
        self.state.append_record(job.sha256, job.path, job.doc_id, record, outcome.pages, outcome.seconds)
        severities = {f["severity"] for f in record.get("findings", [])}
        stats.done += 1
        stats.pages += outcome.pages
        stats.clean += not severities & {"error", "warning"}
        stats.with_findings += bool(severities & {"error", "warning"})
        stats.with_errors += "error" in severities
        meta = record.get("meta") or {}
        stats.llm_calls += meta.get("llm_calls", 0)
        stats.tokens_in += meta.get("tokens_in", 0)
        stats.tokens_out += meta.get("tokens_out", 0)
        stats.cache_hits += meta.get("cache_hits", 0)
        if meta.get("cost", 0.0) is None:
            stats.cost_unknown += 1
        else:
            stats.cost += meta.get("cost", 0.0)

    def _failure(self, outcome: Outcome) -> None:
        job, failure = outcome.job, outcome.failure or {}
        self.state.mark_failed(job.sha256, job.path, job.doc_id, failure.get("kind", "crash"), failure.get("error", ""), outcome.seconds)
        self.failures.write(json.dumps(failure, ensure_ascii=False) + "\n")
        self.failures.flush()
        self.stats.failed += 1
        self.stats.failures.append(failure)
        if self.store is not None and failure.get("kind") == "llm_failed" and outcome.document is not None:
            self.store.add_failure(outcome.document, "llm_failed", failure.get("error", ""), job.backend)
            self.stats.review_items += 1
