"""Throughput with bounds: documents extracted concurrently, under request and token rates shared by
every document of the process, with a 429's Retry-After holding the endpoint for all of them.

The limiter is tested on its reservations (when each request may start, computed under its lock),
the concurrency on what a real local HTTP server saw (how many requests it was answering at once,
when each arrived). No test measures speed: `make bench` does."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest
from llm_server import ScriptedServer, error, gold, slowed
from typer.testing import CliRunner

from pipeline.config import get_settings
from pipeline.extract.llm.limits import LIMITER, EndpointLimiter, TimeBudgetExceeded, estimate_tokens
from pipeline.run import run_concurrently

sys.path.insert(0, str(Path(__file__).parent / "cassettes"))
import handwritten as scripted  # noqa: E402  the hand-written answers for the test reports
import test_llm as t  # noqa: E402

MODEL = "scripted-model"
URL = "http://127.0.0.1:9/v1"


def far() -> float:
    return time.monotonic() + 60


# --- the limiter -----------------------------------------------------------------------------------


def test_requests_per_minute_are_spaced_evenly_across_callers():
    limiter = EndpointLimiter(window=1.0)  # "per minute" is per second here: 10 → one every 0.1 s
    starts = [limiter.acquire(URL, per_minute=10, tokens_per_minute=None, tokens=5, deadline=far()).at for _ in range(3)]
    assert starts[1] - starts[0] == pytest.approx(0.1, abs=0.01)
    assert starts[2] - starts[1] == pytest.approx(0.1, abs=0.01)
    # another endpoint has its own spacing
    other = limiter.acquire("http://127.0.0.1:10/v1", per_minute=10, tokens_per_minute=None, tokens=5, deadline=far())
    assert other.at < starts[2] + 0.05  # not spaced after this endpoint's requests


def test_tokens_per_minute_wait_for_the_oldest_tokens_to_leave_the_window():
    limiter = EndpointLimiter(window=0.5)
    first = limiter.acquire(URL, per_minute=None, tokens_per_minute=100, tokens=60, deadline=far())
    second = limiter.acquire(URL, per_minute=None, tokens_per_minute=100, tokens=60, deadline=far())
    assert second.at >= first.at + 0.5  # 120 tokens do not fit in one window of 100
    # a request larger than the whole limit still goes, once the window is empty
    big = limiter.acquire(URL, per_minute=None, tokens_per_minute=100, tokens=500, deadline=far())
    assert big.at >= second.at + 0.5


def test_settling_a_reservation_with_the_reported_usage_frees_the_rest():
    limiter = EndpointLimiter(window=30.0)
    first = limiter.acquire(URL, per_minute=None, tokens_per_minute=100, tokens=90, deadline=far())
    limiter.settle(first, 20)  # the server said the request used 20 tokens, not 90
    second = limiter.acquire(URL, per_minute=None, tokens_per_minute=100, tokens=70, deadline=far())
    assert second.at - first.at < 1.0  # 20 + 70 fit: no wait for the 30 s window


def test_a_request_that_could_only_start_after_the_deadline_is_not_sent():
    limiter = EndpointLimiter(window=30.0)
    limiter.acquire(URL, per_minute=None, tokens_per_minute=100, tokens=100, deadline=far())
    started = time.monotonic()
    with pytest.raises(TimeBudgetExceeded):
        limiter.acquire(URL, per_minute=None, tokens_per_minute=100, tokens=10, deadline=time.monotonic() + 1.0)
    assert time.monotonic() - started < 0.5  # refused at once, not after waiting


def test_a_hold_stops_every_caller_until_it_ends():
    limiter = EndpointLimiter()
    limiter.hold(URL, 5.0)
    with pytest.raises(TimeBudgetExceeded):
        limiter.acquire(URL, per_minute=None, tokens_per_minute=None, tokens=1, deadline=time.monotonic() + 2.0)
    limiter.hold(URL, 0.2)  # a shorter hold never shortens the one in force
    with pytest.raises(TimeBudgetExceeded):
        limiter.acquire(URL, per_minute=None, tokens_per_minute=None, tokens=1, deadline=time.monotonic() + 2.0)
    free = limiter.acquire("http://127.0.0.1:11/v1", per_minute=None, tokens_per_minute=None, tokens=1, deadline=far())
    assert free.at <= time.monotonic()


def test_token_estimate_counts_chinese_characters_as_tokens():
    assert estimate_tokens("预算执行率百分之九十八") == 12  # 11 characters, rounded up
    assert estimate_tokens("a" * 30) == 11
    assert estimate_tokens("预算", "abc") == 4


# --- running documents concurrently ----------------------------------------------------------------


def test_jobs_run_at_most_n_at_once_and_results_come_in_input_order():
    running, peak, lock = [0], [0], threading.Lock()

    def job(index: int):
        def run():
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05 * (5 - index % 5))  # later jobs finish first
            with lock:
                running[0] -= 1
            if index == 3:
                raise ValueError("the fourth document is broken")
            return index * 10

        return run

    seen = []
    run_concurrently([job(i) for i in range(10)], 3, lambda i, result: seen.append((i, result)))
    assert [i for i, _ in seen] == list(range(10))
    assert [r for i, r in seen if i != 3] == [i * 10 for i in range(10) if i != 3]
    assert isinstance(seen[3][1], ValueError) and "fourth" in str(seen[3][1])
    assert peak[0] == 3


def test_one_at_a_time_runs_on_the_calling_thread():
    threads = []
    run_concurrently([lambda: threads.append(threading.current_thread()) or 1] * 3, 1, lambda i, r: None)
    assert threads == [threading.main_thread()] * 3


def _env(monkeypatch, server: ScriptedServer, tmp_path: Path, **extra: str) -> None:
    values = {"LLM_BASE_URL": server.base_url, "LLM_MODEL": MODEL, "LLM_CACHE": "false", "LLM_RETRY_WAIT": "0.05",
              "LLM_CACHE_DIR": str(tmp_path / "cache"), **extra}
    for key, value in values.items():
        monkeypatch.setenv(f"PIPELINE_{key}", value)
    get_settings.cache_clear()


def _reports(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(count):
        (folder / f"report_{index:02d}.txt").write_text(t.REPORT, encoding="utf-8")
    return folder


def test_extract_sends_documents_concurrently_and_writes_them_in_input_order(tmp_path, monkeypatch):
    from pipeline.cli import app

    folder = _reports(tmp_path, 6)
    out = tmp_path / "out.jsonl"
    with ScriptedServer(slowed(gold(scripted.REPORT_RECORD), 0.4), models=[MODEL]) as server:
        _env(monkeypatch, server, tmp_path)
        try:
            result = CliRunner().invoke(app, ["extract", "--backend", "llm", "--concurrency", "3", "--jsonl", str(out), str(folder)])
        finally:
            get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert server.calls == 6
    assert server.max_in_flight == 3  # three documents waited on the model at once, never more
    ids = [json.loads(line)["doc_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"report_{i:02d}" for i in range(6)]
    assert all(json.loads(line)["budget"] for line in out.read_text(encoding="utf-8").splitlines())


def test_the_rules_backend_ignores_concurrency(tmp_path):
    from pipeline.cli import app

    folder = _reports(tmp_path, 2)
    result = CliRunner().invoke(app, ["extract", "--concurrency", "4", "--jsonl", str(tmp_path / "o.jsonl"), str(folder)])
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / "o.jsonl").read_text(encoding="utf-8").count("\n") == 2


def test_a_429_with_retry_after_holds_every_document_not_only_the_refused_one(tmp_path, monkeypatch):
    """The first request is refused (429, Retry-After 1 s, answered after 0.2 s); a second document's
    request is in flight meanwhile and succeeds after 0.3 s. The third and fourth documents start
    after that, inside the hold: their requests must not arrive before it ends."""
    from pipeline.cli import app

    answer = gold(scripted.REPORT_RECORD)
    lock, seen = threading.Lock(), {"n": 0}

    def behave(body: dict):
        with lock:
            seen["n"] += 1
            first = seen["n"] == 1
        if first:
            refused = error(429, "Rate limit reached.", "rate_limit_exceeded", "requests", {"retry-after": "1"})
            refused.delay = 0.2
            return refused
        reply = answer(body)
        reply.delay = 0.3
        return reply

    folder = _reports(tmp_path, 4)
    try:
        with ScriptedServer(behave, models=[MODEL]) as server:
            _env(monkeypatch, server, tmp_path, LLM_MAX_RETRIES="2")
            result = CliRunner().invoke(app, ["extract", "--backend", "llm", "--concurrency", "2", "--jsonl", str(tmp_path / "o.jsonl"), str(folder)])
    finally:
        get_settings.cache_clear()
        LIMITER.reset()
    assert result.exit_code == 0, result.output
    assert server.calls == 5  # four documents, one retried
    refused_at = server.arrivals[0] + 0.2  # when the 429 was answered
    later = [a for a in server.arrivals[1:] if a > refused_at]
    assert len(later) == 3, server.arrivals  # the retry and the two documents that started after the 429
    assert all(a >= refused_at + 0.9 for a in later), [round(a - refused_at, 2) for a in later]
