"""Rules extraction benchmark: ms per document over the seeds and the dev set, after start-up.

Targets: the five seeds under 1 s in total (issue 3); the median document of seeds + dev in at
most 50 ms (issue 8).
"""

from __future__ import annotations

import statistics
import time

from bench.ingest_bench import SEEDS_DIR, SHARED_DIR


def run(repeats: int = 5) -> list[dict]:
    from pipeline.analysis import clear_cache
    from pipeline.extract.rules import extract_rules
    from pipeline.ingest import load

    documents = [load(path) for path in sorted(SEEDS_DIR.glob("*.txt"))]
    dev = [load(path) for path in sorted((SHARED_DIR / "dev").glob("*.txt"))]
    extract_rules(documents[0])  # start-up: regex compilation, lazy imports
    totals, per_doc = [], {d.doc_id: [] for d in documents + dev}
    for _ in range(repeats):
        started = time.perf_counter()
        for document in documents:
            clear_cache()  # each document analysed from scratch, as in a run over new files
            t0 = time.perf_counter()
            extract_rules(document)
            per_doc[document.doc_id].append(time.perf_counter() - t0)
        totals.append(time.perf_counter() - started)
        for document in dev:
            clear_cache()
            t0 = time.perf_counter()
            extract_rules(document)
            per_doc[document.doc_id].append(time.perf_counter() - t0)
    total = statistics.median(totals)
    median_doc = statistics.median(statistics.median(times) for times in per_doc.values())
    rows = [
        {"name": "rules extraction, 5 seeds, total (median of %d)" % repeats, "value": round(total, 3), "unit": "s", "target": "< 1 s", "ok": total < 1.0},
        {"name": f"rules extraction, median document of seeds + dev ({len(per_doc)})", "value": round(median_doc * 1000, 1), "unit": "ms", "target": "<= 50 ms", "ok": median_doc <= 0.05},
    ]
    rows += _normalise_and_checks(documents, repeats)
    for doc_id, times in per_doc.items():
        rows.append({"name": f"rules extraction {doc_id}", "value": round(statistics.median(times) * 1000, 1), "unit": "ms", "target": "", "ok": None})
    return rows



def _normalise_and_checks(documents, repeats: int) -> list[dict]:
    """The stage costs that used to be timed tests: normalising + number scanning, and the
    cross-checks, over the five seeds (best of ``repeats``)."""
    from pipeline.checks import run_checks
    from pipeline.extract.rules import extract_rules
    from pipeline.normalize import normalize, scan_numbers

    raws = [d.text for d in documents]
    normalise = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for raw in raws:
            scan_numbers(normalize(raw))
        normalise.append(time.perf_counter() - t0)
    extracted = [(d, extract_rules(d)) for d in documents]
    checks = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for document, record in extracted:
            run_checks(record, document)
        checks.append(time.perf_counter() - t0)
    return [
        {"name": "normalise + scan numbers, 5 seeds (best)", "value": round(min(normalise) * 1000, 1), "unit": "ms", "target": "< 100 ms", "ok": min(normalise) < 0.1},
        {"name": "cross-checks, 5 seeds (best)", "value": round(min(checks) * 1000, 1), "unit": "ms", "target": "< 500 ms", "ok": min(checks) < 0.5},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
