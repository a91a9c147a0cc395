"""Batch runs: a folder (or thousands of files) of reports, processed in parallel, resumable.

``run_batch(paths, BatchOptions(out_dir=...))`` walks and de-duplicates the inputs (``plan``),
skips what the output folder's state says is already done (``state``), runs ``work.process_one``
per document in a process pool or as Ray tasks (``engines``), and writes ``records.jsonl``,
``failures.jsonl``, ``summary.json`` and ``summary.xlsx`` (``summary``). ``pipeline batch`` is
its command; ``progress`` draws it on a terminal.
"""

from pipeline.batch.runner import BatchOptions, RunStats, run_batch

__all__ = ["BatchOptions", "RunStats", "run_batch"]
