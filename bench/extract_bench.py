"""Rules extraction benchmark: ms per document over the five seeds, after start-up.

Target (issue 3): all five seeds under 1 s in total once imports and the first call are done.
"""

from __future__ import annotations

import statistics
import time

from bench.ingest_bench import SEEDS_DIR


def run(repeats: int = 5) -> list[dict]:
    from pipeline.extract.rules import extract_rules
    from pipeline.ingest import load

    documents = [load(path) for path in sorted(SEEDS_DIR.glob("*.txt"))]
    extract_rules(documents[0])  # start-up: regex compilation, lazy imports
    totals, per_doc = [], {d.doc_id: [] for d in documents}
    for _ in range(repeats):
        started = time.perf_counter()
        for document in documents:
            t0 = time.perf_counter()
            extract_rules(document)
            per_doc[document.doc_id].append(time.perf_counter() - t0)
        totals.append(time.perf_counter() - started)
    total = statistics.median(totals)
    rows = [
        {"name": "rules extraction, 5 seeds, total (median of %d)" % repeats, "value": round(total, 3), "unit": "s", "target": "< 1 s", "ok": total < 1.0},
    ]
    for doc_id, times in per_doc.items():
        rows.append({"name": f"rules extraction {doc_id}", "value": round(statistics.median(times) * 1000, 1), "unit": "ms", "target": "", "ok": None})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
