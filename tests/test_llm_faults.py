"""Degrade, never lose: the model backends against a local OpenAI-compatible server that
misbehaves (tests/llm_server.py, a real HTTP server on 127.0.0.1; no network, no model). Whatever
the endpoint does, ``hybrid`` keeps the rules record and ``llm`` writes what it could validate; the
record gets an ``llm_failed`` warning saying why, and the exit status is the one of any record.
These are tests of the plumbing, not measurements of any model."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from llm_server import ScriptedServer, empty, gold, hang, json_mode_only, prose, rate_limited, status, truncated
from typer.testing import CliRunner

from pipeline.config import Settings, get_settings
from pipeline.extract.llm import ResponseCache
from pipeline.run import process

sys.path.insert(0, str(Path(__file__).parent / "cassettes"))
import handwritten as scripted  # noqa: E402  the hand-written answers for the test reports
import test_llm as t  # noqa: E402

MODEL = "scripted-model"


def settings_for(server: ScriptedServer, tmp_path: Path, **overrides) -> Settings:
    values = dict(llm_base_url=server.base_url, llm_model=MODEL, llm_cache_dir=tmp_path / "cache", llm_timeout=1.0,
                  llm_max_retries=1, llm_retry_wait=0.05, llm_retry_wait_max=2.0)
    return Settings(_env_file=None, **{**values, **overrides})


FAULTS = {
    "500 to everything": (status(500), "HTTP 500"),
    "a hang": (hang(30), "APITimeoutError"),
    "cut output (finish_reason length)": (truncated(scripted.HYBRID_RECORD), "IncompleteOutputException"),
    "prose instead of JSON": (prose(), "Invalid JSON"),
    "empty content": (empty(), "Invalid JSON"),
    "no tool support": (json_mode_only(scripted.HYBRID_RECORD), "HTTP 400"),
    "invented quotes": (gold(scripted.BAD_QUOTE_RECORD), "this quote does not occur in the report"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_hybrid_keeps_the_rules_record_whatever_the_endpoint_does(fault, tmp_path):
    behaviour, cause = FAULTS[fault]
    document = t.hybrid_document()
    rules = process(document, "rules")
    started = time.monotonic()
    with ScriptedServer(behaviour, models=[MODEL]) as server:
        record = process(document, "hybrid", settings_for(server, tmp_path))
    elapsed = time.monotonic() - started
    assert server.calls >= 1
    # Every rules value stands, and nothing the model could not back up was added.
    assert record.plain() == rules.plain()
    for path, evidence in rules.evidence.items():
        assert record.evidence.get(path) == evidence, path
    failed = [f for f in record.findings if f.kind == "llm_failed"]
    assert len(failed) == 1 and failed[0].severity == "warning" and cause in failed[0].message, failed
    assert [f for f in record.findings if f.kind != "llm_failed"] == rules.findings
    assert elapsed < 8, elapsed  # 1 s timeout, one retry, short waits


def test_invented_quotes_are_rejected_one_by_one_and_the_rest_stands(tmp_path):
    document = t.report_document()
    with ScriptedServer(gold(scripted.BAD_QUOTE_RECORD), models=[MODEL]) as server:
        record = process(document, "llm", settings_for(server, tmp_path, llm_max_reasks=1))
    assert server.calls == 2  # the answer, one follow-up for the one bad value
    assert record.plain() == {**t.EXPECTED, "department": None}
    assert "this quote does not occur" in record.candidates["department"][0].reason
    # The follow-up lists the failure and nothing else.
    follow_up = server.requests[1]["messages"][-1]["content"]
    assert follow_up.count("\n- ") == 1 and "- department:" in follow_up


def test_a_wrong_number_is_rejected_alone(tmp_path):
    answer = {**scripted.REPORT_RECORD, "budget": {**scripted.REPORT_RECORD["budget"], "actual": scripted.q(1320.64, "实际支出数为1,302.64万元")}}
    with ScriptedServer(gold(answer), models=[MODEL]) as server:
        record = process(t.report_document(), "llm", settings_for(server, tmp_path, llm_max_reasks=0))
    assert record.plain() == {**t.EXPECTED, "budget": {**t.EXPECTED["budget"], "actual": None}}
    (rejected,) = record.candidates["budget.actual"]
    assert rejected.value == 1320.64 and "is not printed in the quote" in rejected.reason


def test_a_follow_up_fixes_only_what_failed(tmp_path):
    # First answer: two invented quotes; the follow-up answers with the corrected ones only.
    first = {**scripted.REPORT_RECORD, "department": scripted.q("青禾县应急管理局", "单位：青禾县应急管理局"),
             "evaluation": {**scripted.REPORT_RECORD["evaluation"], "score": scripted.q(92.5, "得分92.5")}}
    fix = {"department": scripted.REPORT_RECORD["department"], "evaluation": {"score": scripted.REPORT_RECORD["evaluation"]["score"]}}
    answers = iter([first, fix])
    with ScriptedServer(gold(lambda body: next(answers)), models=[MODEL]) as server:
        record = process(t.report_document(), "llm", settings_for(server, tmp_path))
    assert server.calls == 2
    assert record.plain() == t.EXPECTED and record.findings == [] and record.candidates == {}
    assert record.evidence["evaluation.score"].match != "ungrounded"


def test_llm_backend_writes_an_empty_record_with_the_cause_when_nothing_validates(tmp_path):
    with ScriptedServer(prose(), models=[MODEL]) as server:
        record = process(t.report_document(), "llm", settings_for(server, tmp_path, llm_max_reasks=1))
    assert record.plain() == {**t.empty_record(), "doc_id": "qinghe_2022"}
    (finding,) = [f for f in record.findings if f.kind == "llm_failed"]
    assert "Invalid JSON" in finding.message
    # The reviewer sees what the model said, with the validation errors.
    (output,) = record.candidates["llm_output"]
    assert "以下是抽取结果" in output.value and "Invalid JSON" in output.reason
    assert len(ResponseCache(tmp_path / "cache")) == 0  # a failed call is not cached


def test_a_429_with_retry_after_is_honoured(tmp_path):
    with ScriptedServer(rate_limited(0.6, gold(scripted.REPORT_RECORD)), models=[MODEL]) as server:
        started = time.monotonic()
        record = process(t.report_document(), "llm", settings_for(server, tmp_path, llm_retry_wait=0.01))
        waited = time.monotonic() - started
    assert server.calls == 2 and record.plain() == t.EXPECTED and waited >= 0.6


def test_json_mode_serves_a_server_without_tools(tmp_path):
    with ScriptedServer(json_mode_only(scripted.REPORT_RECORD), models=[MODEL]) as server:
        record = process(t.report_document(), "llm", settings_for(server, tmp_path, llm_mode="JSON"))
    assert server.requests[0]["response_format"] == {"type": "json_object"} and "tools" not in server.requests[0]
    assert record.plain() == t.EXPECTED and record.findings == []


@pytest.mark.parametrize("backend", ["llm", "hybrid"])
def test_cli_exit_status_is_that_of_the_record_when_the_model_fails(backend, tmp_path, monkeypatch):
    from pipeline.cli import app

    path = tmp_path / "chengjiang_2023.txt"
    path.write_text(t.REPORT2, encoding="utf-8")
    with ScriptedServer(status(500), models=[MODEL]) as server:
        for key, value in {"LLM_BASE_URL": server.base_url, "LLM_MODEL": MODEL, "LLM_MAX_RETRIES": "0",
                           "LLM_CACHE_DIR": str(tmp_path / "cache")}.items():
            monkeypatch.setenv(f"PIPELINE_{key}", value)
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, ["extract", "--backend", backend, "--jsonl", str(tmp_path / "out.jsonl"), str(path)])
        finally:
            get_settings.cache_clear()
    assert result.exit_code in (0, 1), result.output
    rules = process(t.hybrid_document(), "rules")
    expected = 1 if any(f.severity == "error" for f in rules.findings) and backend == "hybrid" else 0
    assert result.exit_code == expected
    assert "llm_failed" in result.output and "HTTP 500" in result.output
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_each_document_has_a_total_time_budget(tmp_path):
    # Per-request timeout 5 s and three retries would take 20 s; the document's budget is 1.5 s.
    document = t.hybrid_document()
    rules = process(document, "rules")
    with ScriptedServer(hang(30), models=[MODEL]) as server:
        started = time.monotonic()
        record = process(document, "hybrid", settings_for(server, tmp_path, llm_timeout=5.0, llm_max_retries=3,
                                                          llm_document_budget=1.5))
        elapsed = time.monotonic() - started
    assert elapsed < 3.5, elapsed
    assert record.plain() == rules.plain()
    (finding,) = [f for f in record.findings if f.kind == "llm_failed"]
    assert "time budget of 1.5 s ran out" in finding.message


def test_a_retry_after_beyond_the_budget_degrades_in_time(tmp_path):
    with ScriptedServer(rate_limited(60, gold(scripted.REPORT_RECORD)), models=[MODEL]) as server:
        started = time.monotonic()
        record = process(t.report_document(), "llm", settings_for(server, tmp_path, llm_retry_wait_max=120.0,
                                                                  llm_document_budget=1.0))
        elapsed = time.monotonic() - started
    assert server.calls == 1 and elapsed < 3, elapsed
    assert "time budget" in [f for f in record.findings if f.kind == "llm_failed"][0].message


def test_list_items_are_rejected_and_corrected_by_name(tmp_path):
    projects = scripted.REPORT_RECORD["projects"]
    bad_name = {**projects[0], "name": scripted.q("森林防火物资储备项目", "森林防火储备项目")}  # invented quote: item void
    bad_budget = {**projects[1], "budget": scripted.q(59.0, "预算95.00万元")}  # a number the quote does not print
    first = {**scripted.REPORT_RECORD, "projects": [bad_name, bad_budget]}
    fix = {"projects": [projects[0], {"name": projects[1]["name"], "budget": projects[1]["budget"]}]}
    answers = iter([first, fix])
    with ScriptedServer(gold(lambda body: next(answers)), models=[MODEL]) as server:
        record = process(t.report_document(), "llm", settings_for(server, tmp_path))
    follow_up = server.requests[1]["messages"][-1]["content"]
    assert "- projects[0].name:" in follow_up and "- projects[1].budget:" in follow_up and follow_up.count("\n- ") == 2
    names = [p["name"] for p in record.plain()["projects"]]
    assert sorted(names) == sorted(p["name"] for p in t.EXPECTED["projects"])
    by_name = {p["name"]: p for p in record.plain()["projects"]}
    assert by_name == {p["name"]: p for p in t.EXPECTED["projects"]}
    assert record.findings == [] and record.candidates == {}
    assert all(record.evidence[p].match != "ungrounded" for p in record.evidence if p.startswith("projects"))


def test_list_items_left_wrong_after_the_reasks_stay_candidates(tmp_path):
    projects = scripted.REPORT_RECORD["projects"]
    bad_budget = {**projects[1], "budget": scripted.q(59.0, "预算95.00万元")}
    answer = {**scripted.REPORT_RECORD, "projects": [projects[0], bad_budget]}
    with ScriptedServer(gold(answer), models=[MODEL]) as server:
        record = process(t.report_document(), "llm", settings_for(server, tmp_path, llm_max_reasks=1))
    assert server.calls == 2
    assert record.plain()["projects"][1] == {**t.EXPECTED["projects"][1], "budget": None}
    (candidate,) = record.candidates["projects[1].budget"]
    assert candidate.value == 59.0 and "not printed in the quote" in candidate.reason
    (finding,) = record.findings
    assert finding.fields == ["projects[1].budget"]


def test_requests_are_paced_to_the_configured_rate(tmp_path):
    with ScriptedServer(gold(scripted.REPORT_RECORD), models=[MODEL]) as server:
        settings = settings_for(server, tmp_path, llm_cache=False, llm_requests_per_minute=300)  # one per 0.2 s
        started = time.monotonic()
        for _ in range(4):
            process(t.report_document(), "llm", settings)
        elapsed = time.monotonic() - started
    assert server.calls == 4 and elapsed >= 0.6, elapsed  # three gaps of 0.2 s at least


def test_a_rate_that_leaves_no_time_in_the_budget_degrades(tmp_path):
    with ScriptedServer(gold(scripted.REPORT_RECORD), models=[MODEL]) as server:
        settings = settings_for(server, tmp_path, llm_cache=False, llm_requests_per_minute=1, llm_document_budget=1.0)
        first = process(t.report_document(), "llm", settings)
        started = time.monotonic()
        second = process(t.report_document(), "llm", settings)
        assert time.monotonic() - started < 1.0 and server.calls == 1
    assert first.plain() == t.EXPECTED
    assert "PIPELINE_LLM_REQUESTS_PER_MINUTE" in [f for f in second.findings if f.kind == "llm_failed"][0].message
