"""LLM benchmark: throughput under concurrency and rate limits, tokens per document, a run from cache.

**No network and no model.** Every request goes to ``tests/llm_server.py``, the project's scripted
OpenAI-compatible server: a real HTTP server on 127.0.0.1 that answers with a fixed, valid answer.
What is measured is the pipeline's own plumbing (concurrency, the shared rate limiter, the prompt
it sends, the cache); no figure here says anything about a model's speed, cost or accuracy.

1. **Documents per second as concurrency grows** (1, 4, 16). Each response is sent 1 s late
   (``slowed``) and the pipeline's request limit is 600 a minute (``llm_requests_per_minute``), so a
   run cannot go faster than min(10 requests/s, concurrency / 1 s). The documents go through the
   path ``pipeline extract --backend llm --concurrency N`` takes: ``run.run_concurrently`` over jobs
   that load a .txt file and ``run.process`` it (extraction, grounding, checks). The server answers
   ``REPORT_RECORD`` for ``test_llm.REPORT`` (the tests' hand-written answer for their report), so
   every value validates and each document costs exactly one request. The rate is the whole run's
   (documents / wall time), so the first and last latency, when fewer requests are in flight, count
   against it; target ≥ 80% of the bound. Beside it, the CPU time per document: the documents'
   own work runs under one GIL, so its inverse caps docs/s whatever the concurrency.
2. **Tokens per document** for ``llm`` and ``hybrid`` on the seeds and the dev reports. The server
   reports honest usage: ``prompt_tokens`` is ``limits.estimate_tokens`` over the messages the
   request carried (the tool schema beside them is not counted; its size is shown on its own row).
   It answers with an empty but valid record (every value null, every list empty): input tokens are
   what is measured, and an empty answer is never re-asked, so each model call is one request. Per
   set: the mean input tokens per document, and the mean of input tokens / the document's own tokens
   (the same estimate over its text); issue 10's targets: ≤ 1.3 for ``llm``, and ``hybrid`` at most
   half of ``llm``'s calls and input tokens (hybrid asks the model only when the rules leave a field
   empty or disputed).
3. **A second run from cache**: the same documents through ``llm`` twice with the response cache
   on (a fresh temp directory); the second run must send no request and hit the cache once per
   document.

``run()`` returns the rows ``make bench`` prints and writes them, with the per-document detail, to
``bench/out/llm.json``. About a minute on 2 cores.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from bench.ingest_bench import SEEDS_DIR, SHARED_DIR

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(__file__).resolve().parent / "out"
MODEL = "scripted-model"
LATENCY = 1.0  # seconds per response
PER_MINUTE = 600.0  # the pipeline's request limit (PIPELINE_LLM_REQUESTS_PER_MINUTE)
# (concurrency, documents): each run lasts several latencies, so that filling and draining the
# concurrency (the first and last second, fewer requests in flight) is a small part of it: 96
# documents at 10/s take 10.5 s at best, 91% of the bound.
PLAN = ((1, 8), (4, 32), (16, 96))
SHARE_TARGET = 0.8  # of the bound
LLM_RATIO_TARGET = 1.3  # input tokens / the document's own tokens
HYBRID_SHARE_TARGET = 0.5  # of llm's calls and input tokens
CONCURRENCY = 4  # for the token and cache runs, where time is not measured


def _server_module():
    """tests/llm_server.py and the tests' report with its hand-written answer (bench may import
    tests/; the pipeline never does)."""
    for folder in (ROOT / "tests", ROOT / "tests" / "cassettes"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    import handwritten
    import llm_server
    import test_llm

    return llm_server, test_llm.REPORT, handwritten.REPORT_RECORD


def _settings(server, **extra: Any):
    from pipeline.config import Settings

    return Settings(_env_file=None, **{"llm_base_url": server.base_url, "llm_model": MODEL, "llm_cache": False, **extra})


def _extract_all(paths: Sequence[Path], backend: str, settings, concurrency: int) -> list:
    """Records of ``paths`` in input order, as ``pipeline extract`` makes them: each job loads its
    file and processes it; ``run_concurrently`` runs them ``concurrency`` at a time."""
    from pipeline.ingest import load
    from pipeline.run import process, run_concurrently

    def job(path: Path) -> Callable[[], Any]:
        return lambda: process(load(path), backend, settings)

    records: list = [None] * len(paths)

    def take(index: int, result: Any) -> None:
        if isinstance(result, Exception):
            raise result
        records[index] = result

    run_concurrently([job(p) for p in paths], concurrency, take)
    return records


# --- 1. throughput -------------------------------------------------------------------------------


def _throughput(latency: float, per_minute: float, plan: Sequence[tuple[int, int]], work: Path) -> tuple[list[dict], list[dict]]:
    from pipeline.extract.llm.limits import LIMITER

    llm_server, report, answer = _server_module()
    rows, detail = [], []
    limit = per_minute / 60
    warm = work / "warm-up.txt"
    warm.write_text(report, encoding="utf-8")
    with llm_server.ScriptedServer(llm_server.gold(answer), models=[MODEL]) as server:
        _extract_all([warm], "llm", _settings(server), 1)  # start-up (imports, clients) is not timed
    with llm_server.ScriptedServer(llm_server.slowed(llm_server.gold(answer), latency), models=[MODEL]) as server:
        for concurrency, count in plan:
            folder = work / f"c{concurrency}"
            folder.mkdir(parents=True)
            paths = []
            for index in range(count):
                paths.append(folder / f"report_{index:03d}.txt")
                paths[-1].write_text(report, encoding="utf-8")
            settings = _settings(server, llm_requests_per_minute=per_minute, llm_concurrency=concurrency)
            LIMITER.reset()  # no spacing left over from the previous run
            calls_before, server.max_in_flight = server.calls, 0
            started, cpu_started = time.perf_counter(), time.process_time()
            records = _extract_all(paths, "llm", settings, concurrency)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            LIMITER.reset()
            rate = count / seconds
            bound = min(limit, concurrency / latency)
            answered = sum(1 for r in records if r.budget.actual is not None)  # the answer validated
            detail.append({"concurrency": concurrency, "documents": count, "seconds": seconds, "docs_per_second": rate,
                           "bound": bound, "calls": server.calls - calls_before, "max_in_flight": server.max_in_flight,
                           "records_with_the_answer": answered, "cpu_seconds_per_document": cpu / count})
            share = rate / bound
            rows.append({
                "name": f"llm docs/s, scripted server ({latency:g} s latency, {per_minute:g} req/min), concurrency {concurrency}, {count} docs",
                "value": round(rate, 3), "unit": "docs/s",
                "target": f">= {SHARE_TARGET:.0%} of bound {bound:g} = min({limit:g}/s, {concurrency}/{latency:g} s)",
                "ok": share >= SHARE_TARGET and answered == count,
            })
            rows.append({"name": "  share of the bound", "value": round(share, 3), "unit": "ratio", "ok": None})
            # The documents' own work (loading, client set-up, validation, grounding, checks) runs
            # under one GIL: 1 / this is a ceiling on docs/s whatever the concurrency. The
            # in-process server's parsing of each request counts here too.
            rows.append({"name": "  CPU time per document (pipeline + in-process server)", "value": round(cpu / count * 1000, 1),
                         "unit": "ms", "ok": None})
    return rows, detail


# --- 2. tokens per document ----------------------------------------------------------------------


def _sets(sets: dict[str, Sequence[Path]] | None) -> dict[str, list[Path]]:
    if sets is not None:
        return {name: list(paths) for name, paths in sets.items()}
    return {"seeds": sorted(SEEDS_DIR.glob("*.txt")), "dev": sorted((SHARED_DIR / "dev").glob("*.txt"))}


def _empty_answer() -> dict:
    """The record with every value null and every list empty: valid, and never re-asked."""
    from pipeline.extract.llm.prompting import ReportExtraction

    return ReportExtraction().model_dump(mode="json")


def _tokens(sets: dict[str, list[Path]]) -> tuple[list[dict], dict]:
    from pipeline.extract.llm.limits import estimate_tokens
    from pipeline.ingest import load

    llm_server, _, _ = _server_module()
    rows, detail = [], {}
    with llm_server.ScriptedServer(llm_server.gold(_empty_answer()), models=[MODEL]) as server:
        settings = _settings(server, llm_concurrency=CONCURRENCY)
        for name, paths in sets.items():
            own = [estimate_tokens(load(p).text) for p in paths]
            cost: dict[str, dict] = {}
            for backend in ("llm", "hybrid"):
                calls_before = server.calls
                records = _extract_all(paths, backend, settings, CONCURRENCY)
                tokens = [r.meta.tokens_in for r in records]
                calls = [r.meta.llm_calls for r in records]
                assert sum(calls) == server.calls - calls_before, "the records' call counts are not the server's"
                cost[backend] = {
                    "calls": sum(calls), "tokens_in": sum(tokens), "mean_tokens_in": statistics.fmean(tokens),
                    "mean_ratio": statistics.fmean(t / o for t, o in zip(tokens, own)),
                    "documents_asking_the_model": sum(1 for c in calls if c),
                    "per_document": {p.stem: {"own_tokens": o, "tokens_in": t, "calls": c}
                                     for p, o, t, c in zip(paths, own, tokens, calls)},
                }
            llm, hybrid = cost["llm"], cost["hybrid"]
            call_share = hybrid["calls"] / llm["calls"] if llm["calls"] else 0.0
            token_share = hybrid["tokens_in"] / llm["tokens_in"] if llm["tokens_in"] else 0.0
            n = len(paths)
            label = f"{name}, {n} docs, scripted server"
            rows += [
                {"name": f"llm input tokens per document, {label}", "value": round(llm["mean_tokens_in"], 1), "unit": "tokens", "ok": None},
                {"name": f"  llm input tokens / the document's own tokens, {name} (mean)", "value": round(llm["mean_ratio"], 3),
                 "unit": "ratio", "target": f"<= {LLM_RATIO_TARGET}", "ok": llm["mean_ratio"] <= LLM_RATIO_TARGET},
                {"name": f"hybrid input tokens per document, {label}", "value": round(hybrid["mean_tokens_in"], 1), "unit": "tokens", "ok": None},
                {"name": f"  hybrid input tokens / the document's own tokens, {name} (mean)", "value": round(hybrid["mean_ratio"], 3),
                 "unit": "ratio", "ok": None},
                {"name": f"  hybrid documents that asked the model, {name}", "value": hybrid["documents_asking_the_model"], "unit": f"of {n}", "ok": None},
                {"name": f"  hybrid calls / llm calls, {name}", "value": round(call_share, 3), "unit": "ratio",
                 "target": f"<= {HYBRID_SHARE_TARGET}", "ok": call_share <= HYBRID_SHARE_TARGET},
                {"name": f"  hybrid input tokens / llm input tokens, {name}", "value": round(token_share, 3), "unit": "ratio",
                 "target": f"<= {HYBRID_SHARE_TARGET}", "ok": token_share <= HYBRID_SHARE_TARGET},
            ]
            detail[name] = cost
        # Providers bill the tool (or response_format) schema as input too; the rows above count
        # messages only, so its size is shown once, per request.
        # The first request is an llm one (the whole record's schema; hybrid's routed requests may
        # carry a smaller one).
        schema = next((r.get("tools") or r.get("response_format") for r in server.requests), None)
        if schema is not None:
            schema_tokens = estimate_tokens(json.dumps(schema, ensure_ascii=False))
            rows.append({"name": "  schema sent beside the messages of an llm request (not counted above)", "value": schema_tokens,
                         "unit": "tokens/request", "ok": None})
            detail["schema_tokens_per_request"] = schema_tokens
    return rows, detail


# --- 3. a second run from cache --------------------------------------------------------------------


def _second_run(paths: list[Path], label: str) -> tuple[list[dict], dict]:
    llm_server, _, _ = _server_module()
    with tempfile.TemporaryDirectory(prefix="llm-bench-cache-") as cache_dir, \
            llm_server.ScriptedServer(llm_server.gold(_empty_answer()), models=[MODEL]) as server:
        settings = _settings(server, llm_cache=True, llm_cache_dir=Path(cache_dir), llm_concurrency=CONCURRENCY)
        _extract_all(paths, "llm", settings, CONCURRENCY)
        first_calls = server.calls
        records = _extract_all(paths, "llm", settings, CONCURRENCY)
    calls = server.calls - first_calls
    hits = sum(r.meta.cache_hits for r in records)
    n = len(paths)
    rows = [
        {"name": f"second run, cache on, same {n} docs ({label}), scripted server: calls", "value": calls, "unit": "requests",
         "target": "0", "ok": calls == 0},
        {"name": "  second run: cache hits", "value": hits, "unit": f"of {n} docs", "target": f"= {n}", "ok": hits == n},
    ]
    return rows, {"documents": n, "first_run_calls": first_calls, "second_run_calls": calls, "second_run_cache_hits": hits}


def run(latency: float = LATENCY, per_minute: float = PER_MINUTE, plan: Sequence[tuple[int, int]] = PLAN,
        sets: dict[str, Sequence[Path]] | None = None, out_dir: Path = OUT_DIR) -> list[dict]:
    chosen = _sets(sets)
    with tempfile.TemporaryDirectory(prefix="llm-bench-") as folder:
        rows, speed = _throughput(latency, per_minute, plan, Path(folder))
    token_rows, tokens = _tokens(chosen)
    cache_rows, cache = _second_run([p for paths in chosen.values() for p in paths], " + ".join(chosen))
    rows += token_rows + cache_rows
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "llm.json").write_text(
        json.dumps({"rows": rows, "throughput": speed, "tokens": tokens, "cache": cache}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']}  {row.get('target') or ''}  {'' if row['ok'] is None else ('ok' if row['ok'] else 'NO')}")
