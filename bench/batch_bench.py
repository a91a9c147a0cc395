"""Batch benchmark: documents per second of the rules path with 1 and 2 worker processes, and
what a resume after SIGKILL costs.

The documents are ~100 reports from the generator (``pipeline.synth``), each batch into a fresh
output folder, with no review store (the store's writes are measured by the review benchmarks'
owners, not here). The time is the whole run: planning, hashing, worker start-up and writing.
Resume: the CLI runs the batch in a subprocess and is killed (its process group, SIGKILL) once
half the records are written; ``--resume`` must end with every record exactly once, and should
take about the time of the remaining documents (ratio to the full run near the share left).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_REPORTS = 100
ROOT = Path(__file__).resolve().parent.parent


def _timed_batch(inputs: Path, out: Path, workers: int) -> float:
    from pipeline.batch import BatchOptions, run_batch

    started = time.perf_counter()
    summary = run_batch([inputs], BatchOptions(out_dir=out, workers=workers, store=False))
    assert summary["records"] == N_REPORTS, summary
    return time.perf_counter() - started


def _complete_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _kill_and_resume(inputs: Path, out: Path) -> tuple[int, float, bool]:
    """(records before the kill, seconds of the resumed run, every record exactly once)."""
    command = [sys.executable, "-m", "pipeline", "batch", str(inputs), "--out", str(out), "--workers", "2", "--no-store"]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while _complete_lines(out / "records.jsonl") < N_REPORTS // 2 and first.poll() is None:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = _complete_lines(out / "records.jsonl")
    started = time.perf_counter()
    subprocess.run([*command, "--resume"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    seconds = time.perf_counter() - started
    ids = [json.loads(line)["doc_id"] for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    return before, seconds, len(ids) == len(set(ids)) == N_REPORTS


def run() -> list[dict]:
    from pipeline import synth

    with tempfile.TemporaryDirectory(prefix="batch-bench-") as folder:
        work = Path(folder)
        synth.write(synth.generate(N_REPORTS, seed=5), work / "reports")
        for gold in (work / "reports").glob("*.json"):
            gold.unlink()  # only the documents
        one = _timed_batch(work / "reports", work / "out1", workers=1)
        two = _timed_batch(work / "reports", work / "out2", workers=2)
        before, resumed, exact = _kill_and_resume(work / "reports", work / "out-kill")
    remaining_share = (N_REPORTS - before) / N_REPORTS
    expected = two * remaining_share
    return [
        {"name": f"batch, rules, {N_REPORTS} generated text reports, 1 worker", "value": round(N_REPORTS / one, 2), "unit": "docs/s", "ok": None},
        {"name": f"batch, rules, {N_REPORTS} generated text reports, 2 workers", "value": round(N_REPORTS / two, 2), "unit": "docs/s", "ok": None},
        # Informational: on 2 cores shared with other work, the parent's writing and the workers
        # compete for the same CPUs; a speed-up below 1 says the machine, not the pool, is the limit.
        {"name": "  speed-up of 2 workers over 1", "value": round(one / two, 2), "unit": "×", "ok": None},
        {"name": "batch resume after SIGKILL: records before the kill", "value": before, "unit": f"of {N_REPORTS}", "ok": None},
        {"name": "  resumed run: every record exactly once", "value": exact, "unit": "", "ok": exact},
        {"name": "  resumed run time / time of the remaining documents at the 2-worker rate", "value": round(resumed / expected, 2) if expected else "-",
         "unit": "×", "target": "< 2 (worker start-up included)", "ok": bool(expected) and resumed / expected < 2},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
