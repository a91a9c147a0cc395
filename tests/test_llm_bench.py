"""`make bench`'s LLM benchmark runs in its smallest configuration and its rows carry real numbers.

Against the scripted local server (tests/llm_server.py), with a tiny latency and two seeds: the
test proves the code runs and counts what it says; how fast it goes is `make bench`'s business,
not a test's (no speed assertion here)."""

from __future__ import annotations

import json
import numbers

from conftest import seed_paths


def test_the_llm_bench_runs_and_every_row_carries_a_number(tmp_path):
    from bench import llm_bench

    seeds = seed_paths()[:2]
    rows = llm_bench.run(latency=0.02, per_minute=6000, plan=((1, 2), (2, 4)), sets={"seeds": seeds}, out_dir=tmp_path)
    by_name = {row["name"]: row for row in rows}
    for row in rows:
        assert isinstance(row["value"], numbers.Real) and not isinstance(row["value"], bool), row
    speed = [row for row in rows if row["unit"] == "docs/s"]
    assert len(speed) == 2 and all(row["value"] > 0 for row in speed)
    assert all("scripted server" in row["name"] for row in speed)

    saved = json.loads((tmp_path / "llm.json").read_text(encoding="utf-8"))
    assert [d["calls"] for d in saved["throughput"]] == [2, 4]  # one request per document: the answer validated
    assert [d["records_with_the_answer"] for d in saved["throughput"]] == [2, 4]
    assert saved["throughput"][1]["max_in_flight"] <= 2

    # Tokens: the records' counts are the server's usage, which follows what each request carried.
    llm = saved["tokens"]["seeds"]["llm"]
    assert llm["calls"] == 2
    for doc in llm["per_document"].values():
        assert doc["tokens_in"] > 0 and doc["own_tokens"] > 0
    assert by_name["llm input tokens per document, seeds, 2 docs, scripted server"]["value"] == round(llm["tokens_in"] / 2, 1)
    ratio = by_name["  llm input tokens / the document's own tokens, seeds (mean)"]["value"]
    expected = sum(d["tokens_in"] / d["own_tokens"] for d in llm["per_document"].values()) / 2
    assert ratio == round(expected, 3)
    hybrid = saved["tokens"]["seeds"]["hybrid"]
    assert by_name["  hybrid calls / llm calls, seeds"]["value"] == round(hybrid["calls"] / llm["calls"], 3)

    assert by_name["second run, cache on, same 2 docs (seeds), scripted server: calls"]["value"] == 0
    assert by_name["  second run: cache hits"]["value"] == 2
    assert saved["cache"]["first_run_calls"] == 2  # the first run did ask the model
