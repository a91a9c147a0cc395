"""`pipeline doctor` against the scripted local server (tests/llm_server.py): one plain diagnosis
per fault, exit 0 only when extraction will work. No network, no model."""

from __future__ import annotations

import socket

import pytest
from llm_server import ScriptedServer, gold, hang, json_mode_only, prose, status
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import PRESETS, Settings, get_settings
from pipeline.extract.doctor import diagnose

MODEL = "scripted-model"
KEY = "sk-doctor-0a1b2c3d4e5f-MUST-NOT-LEAK"
PROBE = {"sum": 5}


def settings_for(base_url: str, **overrides) -> Settings:
    values = dict(llm_base_url=base_url, llm_model=MODEL, llm_api_key=KEY, llm_timeout=1.0, llm_cache=False)
    return Settings(_env_file=None, **{**values, **overrides})


def run_doctor(server: ScriptedServer, **overrides):
    diagnosis = diagnose(settings_for(server.base_url, **overrides))
    text = "\n".join(f"{s.name}: {s.message}" for s in diagnosis.steps)
    assert KEY not in text and "MUST-NOT-LEAK" not in text
    return diagnosis, text


def test_a_working_endpoint_passes():
    with ScriptedServer(gold(PROBE), models=[MODEL], api_key=KEY) as server:
        diagnosis, text = run_doctor(server)
    assert diagnosis.ok, text
    assert "answered a structured request in TOOLS mode" in text
    assert server.calls == 1  # one tiny request


def test_unreachable():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    diagnosis = diagnose(settings_for(f"http://127.0.0.1:{port}/v1"))
    assert not diagnosis.ok and diagnosis.steps[-1].name == "reachable"
    assert "cannot reach" in diagnosis.steps[-1].message


def test_a_refused_key():
    with ScriptedServer(gold(PROBE), models=[MODEL], api_key="sk-the-right-one") as server:
        diagnosis, text = run_doctor(server)
    assert not diagnosis.ok and diagnosis.steps[-1].name == "auth" and "HTTP 401" in text
    assert "PIPELINE_LLM_API_KEY" in diagnosis.steps[-1].message


def test_an_unknown_model():
    with ScriptedServer(gold(PROBE), models=["qwen2.5:7b", "llama3.1:8b"], api_key=KEY) as server:
        diagnosis, text = run_doctor(server)
    assert not diagnosis.ok and diagnosis.steps[-1].name == "model"
    assert "unknown model 'scripted-model'" in text and "qwen2.5:7b, llama3.1:8b" in text
    assert server.calls == 0  # found from /models, no chat request needed


def test_no_tool_support_names_the_mode_that_works():
    with ScriptedServer(json_mode_only(PROBE), models=[MODEL], api_key=KEY) as server:
        diagnosis, text = run_doctor(server)
    assert not diagnosis.ok and diagnosis.suggested_mode in ("JSON_SCHEMA", "JSON")
    assert "does not answer in TOOLS mode" in text and "tools are not supported" in text
    assert f"set PIPELINE_LLM_MODE={diagnosis.suggested_mode}" in text
    # With the suggested mode, the doctor passes.
    with ScriptedServer(json_mode_only(PROBE), models=[MODEL], api_key=KEY) as server:
        again, _ = run_doctor(server, llm_mode=diagnosis.suggested_mode)
    assert again.ok


def test_a_model_that_answers_in_no_mode():
    with ScriptedServer(prose(), models=[MODEL], api_key=KEY) as server:
        diagnosis, text = run_doctor(server)
    assert not diagnosis.ok and "answers in none of the modes" in text


def test_too_slow_and_server_errors():
    with ScriptedServer(hang(30), models=[MODEL], api_key=KEY) as server:
        diagnosis, text = run_doctor(server, llm_timeout=0.5)
    assert not diagnosis.ok and diagnosis.steps[-1].name == "speed" and "too slow" in text
    with ScriptedServer(gold(PROBE), models=[MODEL], api_key=KEY) as server:
        diagnosis, text = run_doctor(server, llm_doctor_max_seconds=0.000001)
    assert not diagnosis.ok and "too slow: one tiny request took" in text
    with ScriptedServer(status(503, "overloaded"), models=[MODEL], api_key=KEY) as server:
        diagnosis, text = run_doctor(server)
    assert not diagnosis.ok and "HTTP 503" in text and "overloaded" in text


def test_nothing_configured_says_what_to_set():
    diagnosis = diagnose(Settings(_env_file=None, llm_provider="deepseek"))
    assert not diagnosis.ok and "PIPELINE_LLM_API_KEY" in diagnosis.steps[0].message


@pytest.mark.parametrize("provider", sorted(PRESETS))
def test_presets_fill_what_the_user_did_not_set(provider):
    preset = PRESETS[provider]
    settings = Settings(_env_file=None, llm_provider=provider)
    assert (settings.llm_base_url, settings.llm_mode, settings.llm_timeout) == (preset.base_url, preset.mode, preset.timeout)
    assert settings.llm_model == (preset.model or Settings.model_fields["llm_model"].default)
    mine = Settings(_env_file=None, llm_provider=provider, llm_base_url="http://10.0.0.5:9000/v1", llm_mode="MD_JSON", llm_model="m")
    assert (mine.llm_base_url, mine.llm_mode, mine.llm_model) == ("http://10.0.0.5:9000/v1", "MD_JSON", "m")
    assert settings.llm_configured == (not preset.needs_key)


def test_cli_exit_status_and_plain_words(monkeypatch):
    for behaviour, expected in ((gold(PROBE), 0), (json_mode_only(PROBE), 1)):
        with ScriptedServer(behaviour, models=[MODEL], api_key=KEY) as server:
            for key, value in {"LLM_BASE_URL": server.base_url, "LLM_MODEL": MODEL, "LLM_API_KEY": KEY, "LLM_TIMEOUT": "2"}.items():
                monkeypatch.setenv(f"PIPELINE_{key}", value)
            get_settings.cache_clear()
            try:
                result = CliRunner().invoke(app, ["doctor"])
            finally:
                get_settings.cache_clear()
        assert result.exit_code == expected, result.output
        assert KEY not in result.output
        assert ("will work" if expected == 0 else "will NOT work") in result.output
