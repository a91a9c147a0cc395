"""The SQLite response cache and the API key, against the scripted local server
(tests/llm_server.py; no network, no model): a second run makes zero calls, a failure is never
cached, and the key appears nowhere a user or a reviewer could see it."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from pathlib import Path

from llm_server import Reply, ScriptedServer, gold, sequence, status
from typer.testing import CliRunner

from pipeline.config import Settings, get_settings
from pipeline.extract.llm import CACHE_FILE, ResponseCache
from pipeline.run import process

sys.path.insert(0, str(Path(__file__).parent / "cassettes"))
import handwritten as scripted  # noqa: E402
import test_llm as t  # noqa: E402

MODEL = "scripted-model"
KEY = "sk-cache-7e6d5c4b3a29-MUST-NOT-LEAK"


def settings_for(server: ScriptedServer, cache: Path, **overrides) -> Settings:
    values = dict(llm_base_url=server.base_url, llm_model=MODEL, llm_api_key=KEY, llm_cache_dir=cache,
                  llm_timeout=2.0, llm_max_retries=0, llm_retry_wait=0.0)
    return Settings(_env_file=None, **{**values, **overrides})


def answer_for(body: dict) -> dict:
    """The hand-written answer of whichever test report the request carries."""
    text = body["messages"][1]["content"]
    return scripted.REPORT_RECORD if "青禾县" in text else scripted.HYBRID_RECORD


def test_a_second_run_makes_zero_calls(tmp_path):
    documents = [t.report_document(), t.hybrid_document()]
    with ScriptedServer(gold(answer_for), models=[MODEL], api_key=KEY) as server:
        settings = settings_for(server, tmp_path / "cache")
        first = [process(d, "llm", settings) for d in documents] + [process(documents[1], "hybrid", settings)]
        calls = server.calls
        second = [process(d, "llm", settings) for d in documents] + [process(documents[1], "hybrid", settings)]
        # hybrid asks only for the fields the rules left empty (its own request), then everything is reused
        assert server.calls == calls == 3
    assert [r.plain() for r in second] == [r.plain() for r in first]
    assert all(r.meta.llm_calls == 0 and r.meta.cache_hits == 1 for r in second)
    assert len(ResponseCache(tmp_path / "cache")) == 3
    # Another mode is another request: a miss.
    with ScriptedServer(gold(answer_for), models=[MODEL], api_key=KEY) as server:
        process(documents[0], "llm", settings_for(server, tmp_path / "cache", llm_mode="JSON"))
        assert server.calls == 1


def test_the_cache_key_is_model_prompt_schema_and_input(tmp_path):
    with ScriptedServer(gold(answer_for), models=[MODEL], api_key=KEY) as server:
        process(t.report_document(), "llm", settings_for(server, tmp_path))
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        (identity,) = db.execute("SELECT identity FROM answers").fetchone()
    assert set(json.loads(identity)) == {"model", "mode", "prompt_version", "request_sha256", "schema_sha256",
                                         "fields", "document_sha256", "text_sha256"}


def test_a_failure_is_not_cached_and_is_asked_again(tmp_path):
    with ScriptedServer(sequence(status(502), gold(answer_for)), models=[MODEL], api_key=KEY) as server:
        settings = settings_for(server, tmp_path)
        failed = process(t.report_document(), "llm", settings)
        assert len(ResponseCache(tmp_path)) == 0
        good = process(t.report_document(), "llm", settings)
        assert server.calls == 2
    assert any(f.kind == "llm_failed" for f in failed.findings) and good.plain() == t.EXPECTED
    assert len(ResponseCache(tmp_path)) == 1


def echo_key(body: dict) -> Reply:
    """A server whose error text echoes the credentials it received (some proxies do)."""
    return Reply(401, {"error": {"message": f"bad credentials: Bearer {KEY}", "type": "auth", "code": "invalid_api_key"}})


def test_the_key_never_appears_in_output_logs_cache_or_records(tmp_path, monkeypatch, caplog):
    from pipeline.cli import app

    caplog.set_level(logging.DEBUG)
    source = tmp_path / "qinghe_2022.txt"
    source.write_text(t.REPORT, encoding="utf-8")
    outputs = []
    for behaviour in (gold(answer_for), echo_key, status(500)):
        with ScriptedServer(behaviour, models=[MODEL]) as server:
            env = {"LLM_BASE_URL": server.base_url, "LLM_MODEL": MODEL, "LLM_API_KEY": KEY, "LLM_MAX_RETRIES": "0",
                   "LLM_CACHE_DIR": str(tmp_path / "cache")}
            for key, value in env.items():
                monkeypatch.setenv(f"PIPELINE_{key}", value)
            get_settings.cache_clear()
            try:
                for backend in ("llm", "hybrid"):
                    out = tmp_path / f"out-{len(outputs)}"
                    result = CliRunner().invoke(app, ["extract", "--backend", backend, "--out", str(out), str(source)])
                    outputs.append(result.output)
                    outputs.extend(p.read_text(encoding="utf-8") for p in out.glob("*"))
                doctor = CliRunner().invoke(app, ["doctor"])
                outputs.append(doctor.output)
            finally:
                get_settings.cache_clear()
            # The key did reach the server, so there was something to leak.
            assert server.headers and all(h.get("authorization") == f"Bearer {KEY}" for h in server.headers)
    text = "\n".join(outputs)
    assert "bad credentials: Bearer [redacted]" in text  # the echo is shown, without the key
    assert "HTTP 500" in text and "青禾县应急管理局" in text
    for leaked in (KEY, "MUST-NOT-LEAK", "7e6d5c4b3a29"):
        assert leaked not in text
        assert leaked not in caplog.text
        for path in (tmp_path / "cache").glob("*"):
            assert leaked.encode() not in path.read_bytes()
    for path in t.CASSETTES.glob("*.yaml"):
        assert KEY not in path.read_text(encoding="utf-8")
