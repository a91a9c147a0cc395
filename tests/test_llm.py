"""The llm and hybrid backends, replayed from vcrpy cassettes: no test here touches the network.

The cassettes in ``tests/cassettes/`` are hand-written in the OpenAI chat-completions wire format:
``tests/cassettes/handwritten.py`` scripts the model's side and records the requests our code
really sends. They test the plumbing (validation, re-asks, retries, cache, grounding, merge); they
are not measurements of any model. Replay uses ``record_mode='none'``, so a request that has no
interaction in its cassette fails the test instead of reaching a server.

``make record`` sets ``PIPELINE_LLM_RECORD=1``: the cassettes in ``RECORDABLE`` are re-recorded
against the endpoint in ``PIPELINE_LLM_*``. The others script what a live model cannot be made to
do on demand (a bad quote, a 429, a 401, a chosen disagreement); their tests are skipped while
recording, and ``tests/cassettes/handwritten.py`` regenerates them.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import pytest
import vcr
from helpers import text_document

from pipeline.config import Settings
from pipeline.extract import BackendUnavailableError, extract
from pipeline.extract.llm import (
    Passage,
    QuotedAmount,
    QuotedRate,
    QuoteIndex,
    ResponseCache,
    USER_TEMPLATE,
    bounded_text,
    extract_llm,
    load_prompt,
    redact,
)
from pipeline.extract.merge import disputed_fields, extract_hybrid, missing_fields
from pipeline.ground import verify_evidence
from pipeline.record import leaf_values

CASSETTES = Path(__file__).parent / "cassettes"
RECORDING = os.environ.get("PIPELINE_LLM_RECORD") == "1"
# Replay settings. The key is fake, and the tests check that it appears nowhere.
FAKE_KEY = "sk-test-9f8e7d6c5b4a3210-MUST-NOT-LEAK"
BASE_URL = "https://llm.example.invalid/v1"
MODEL = "gpt-4o-mini"
RECORDABLE = {"llm_success", "llm_truncated"}

# Two short synthetic reports written for these tests (not taken from any seed).
REPORT = """青禾县应急管理局2022年度部门整体支出绩效自评报告

一、部门基本情况
青禾县应急管理局负责全县安全生产监管、防灾减灾和应急救援工作。

二、预算执行情况
2022年度年初预算数为1,250.00万元，调整后预算数为1,380.50万元，实际支出数为1,302.64万元，预算执行率为94.36%。其中：基本支出调整后预算数为820.30万元，实际支出806.12万元；项目支出调整后预算数为560.20万元，实际支出496.52万元。“三公”经费预算12.00万元，实际支出9.85万元。

三、绩效指标完成情况
（一）产出指标
数量指标：应急演练次数，年度指标值12次，实际完成14次。
质量指标：隐患整改率，年度指标值≥95%，实际完成98%。

四、主要项目
1.森林防火物资储备项目：预算180.00万元，实际支出171.00万元，执行率95.00%。
2.应急指挥平台运维项目：预算95.00万元，实际支出88.35万元，执行率93.00%。

五、自评结论
经综合评价，自评得分为92.5分，自评等级为优。

六、存在的问题
部分项目资金支付进度偏慢，年底集中支付现象仍然存在。

七、改进措施
加强预算执行进度监控，按月通报项目资金支付情况。
"""

# Actual spending is printed twice, differently (2,187.40 fits the printed rate; 2,178.40 does not).
REPORT2 = """澄江县水务局2023年度部门整体支出绩效自评报告

一、预算收支情况
2023年年初预算数为2,046.80万元，全年预算数为2,310.25万元。全年实际支出2,187.40万元，预算执行率94.68%。基本支出全年预算1,402.15万元，支出1,398.02万元；项目支出全年预算908.10万元，支出789.38万元。

二、绩效指标完成情况
农村供水工程维修养护：年度指标值不少于30处，实际完成34处。
水质抽检合格率：年度指标值≥95%，实际完成97.2%。

三、自评结论
本年度部门实际支出数为2,178.40万元，部门整体支出自评得分88分，自评等级为良。

四、存在的问题
个别项目前期论证不充分，导致预算调整较多。

五、下一步改进措施
强化项目前期评审，提高预算编制的准确性。
"""

# A limit that cuts REPORT mid-sentence, right before its second budget figure.
TRUNCATE_AT = REPORT.index("调整后预算数")

EXPECTED = {
    "doc_id": "qinghe_2022",
    "department": "青禾县应急管理局",
    "fiscal_year": 2022,
    "report_type": "overall_report",
    "subject": None,
    "budget": {
        "initial": 1250.0, "adjusted": 1380.5, "adjustment": None, "actual": 1302.64,
        "execution_rate": 94.36, "adjustment_rate": None,
        "basic": {"budget": 820.3, "actual": 806.12},
        "project": {"budget": 560.2, "actual": 496.52},
        "three_public": {"budget": 12.0, "actual": 9.85},
    },
    "evaluation": {"score": 92.5, "grade": "优"},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "应急演练次数", "target": "12次", "actual": "14次"},
        {"level1": "产出指标", "level2": "质量指标", "name": "隐患整改率", "target": "≥95%", "actual": "98%"},
    ],
    "projects": [
        {"name": "森林防火物资储备项目", "budget": 180.0, "actual": 171.0, "execution_rate": 95.0},
        {"name": "应急指挥平台运维项目", "budget": 95.0, "actual": 88.35, "execution_rate": 93.0},
    ],
    "problems": "部分项目资金支付进度偏慢，年底集中支付现象仍然存在。",
    "improvements": "加强预算执行进度监控，按月通报项目资金支付情况。",
}


def empty_record() -> dict:
    """The plain record of a document the model read nothing from."""
    from pipeline.record import ExtractedRecord

    return ExtractedRecord(doc_id="-").plain()


def report_document():
    return text_document(REPORT, doc_id="qinghe_2022", path="qinghe_2022.txt")


def hybrid_document():
    return text_document(REPORT2, doc_id="chengjiang_2023", path="chengjiang_2023.txt")


def llm_settings(cache_dir: Path, **overrides) -> Settings:
    """Settings for replay; for recording, the live endpoint from ``PIPELINE_LLM_*``."""
    if RECORDING:
        live = Settings()
        endpoint = {"llm_base_url": live.llm_base_url, "llm_api_key": live.llm_api_key, "llm_model": live.llm_model}
    else:
        endpoint = {"llm_base_url": BASE_URL, "llm_api_key": FAKE_KEY, "llm_model": MODEL}
    values = {**endpoint, "llm_cache_dir": cache_dir, "llm_retry_wait": 0.0, "llm_retry_wait_max": 0.0, **overrides}
    return Settings(_env_file=None, **values)


# --- the cassette machinery (shared with tests/cassettes/handwritten.py) -----------------------

_PYDANTIC_DOCS = re.compile(r"https://errors\.pydantic\.dev/[0-9.]+/")
_KEPT_REQUEST_HEADERS = {"content-type"}
_KEPT_RESPONSE_HEADERS = {"content-type", "retry-after"}


def _comparable_body(request) -> object:
    """A request body as compared on replay: its JSON minus the model name (configuration, not
    something the pipeline composes), with pydantic's versioned docs links made version-free."""
    body = request.body or b""
    text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        data.pop("model", None)
    return json.loads(_PYDANTIC_DOCS.sub("https://errors.pydantic.dev/-/", json.dumps(data)))


def _first_difference(a: object, b: object, path: str = "$") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {str(a)[:200]!r} != {str(b)[:200]!r}"


def json_body(r1, r2) -> None:
    a, b = _comparable_body(r1), _comparable_body(r2)
    if a != b:
        raise AssertionError(f"request body differs at {_first_difference(a, b)}")


def chat_endpoint(r1, r2) -> None:
    """Same API call whatever the host and path prefix of the endpoint it was recorded against."""
    if not (r1.path.endswith("/chat/completions") and r2.path.endswith("/chat/completions")):
        raise AssertionError(f"{r1.path} / {r2.path} is not a chat-completions call")


def _scrub_request(request):
    request.headers = {k: v for k, v in request.headers.items() if k.lower() in _KEPT_REQUEST_HEADERS}
    return request


def _scrub_response(response):
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() in _KEPT_RESPONSE_HEADERS}
    if RECORDING:  # a live error body may echo a masked key: keep no part of it
        body = response["body"]["string"]
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        response["body"]["string"] = redact(text).encode("utf-8")
    return response


def make_vcr(record_mode: str, api_key: str | None = None) -> vcr.VCR:
    secret = api_key or FAKE_KEY
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=record_mode,
        match_on=("method", "chat_endpoint", "json_body"),
        # Secrets never reach a cassette: auth headers filtered (and every other request header
        # dropped), the key replaced wherever else it might appear.
        filter_headers=["authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie"],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        filter_sensitive_data=[("<API_KEY>", secret)],
        decode_compressed_response=True,
        record_on_exception=False,
    )
    recorder.register_matcher("json_body", json_body)
    recorder.register_matcher("chat_endpoint", chat_endpoint)
    return recorder


@pytest.fixture
def cassette():
    """``with cassette("name"):`` replays tests/cassettes/name.yaml; under ``make record`` it
    re-records the ``RECORDABLE`` ones and skips the test of a scripted one."""

    def use(name: str):
        if RECORDING and name not in RECORDABLE:
            pytest.skip(f"{name}: scripted exchange a live model cannot be made to produce; kept hand-written")
        path = CASSETTES / f"{name}.yaml"
        if not RECORDING and not path.is_file():
            pytest.fail(f"cassette {path} is missing: run `python tests/cassettes/handwritten.py` or `make record`")
        key = Settings().llm_api_key if RECORDING else None
        mode = "all" if RECORDING else "none"
        return make_vcr(mode, key.get_secret_value() if key else None).use_cassette(path.name, allow_playback_repeats=False)

    return use


def grounded_paths(record) -> dict[str, str]:
    return {path: record.evidence[path].match for path, _ in leaf_values(record) if path != "report_type"}


# --- llm backend --------------------------------------------------------------------------------


def test_llm_extracts_a_record_with_grounded_evidence(cassette, tmp_path):
    document = report_document()
    with cassette("llm_success") as cass:
        record = extract_llm(document, llm_settings(tmp_path))
    assert cass.play_count == 1

    assert record.plain() == EXPECTED
    matches = grounded_paths(record)
    assert "ungrounded" not in matches.values(), matches
    assert all(record.evidence[path].method == "llm" for path in matches)
    assert verify_evidence(document, record) == []
    # The quote picks the occurrence: project 2's budget '95.00万元', not project 1's '95.00%'.
    assert record.evidence["projects[1].budget"].quote.startswith("95.00") and "万元" in record.evidence["projects[1].budget"].quote
    assert record.evidence["budget.basic.actual"].quote.startswith("806.12")

    meta = record.meta
    assert meta.backend == "llm" and meta.prompt_version == load_prompt().version == "extract_v2"
    assert meta.llm_calls == 1 and meta.cache_hits == 0
    if not RECORDING:  # the usage block of the hand-written response
        assert (meta.tokens_in, meta.tokens_out) == (2841, 1523)
        assert meta.extractor_version == "llm-1:gpt-4o-mini-2024-07-18"


def test_second_run_is_a_cache_hit_without_http(cassette, tmp_path):
    document = report_document()
    settings = llm_settings(tmp_path / "cache")
    with cassette("llm_success") as cass:
        first = extract_llm(document, settings)
        second = extract_llm(document, settings)  # a second request would find no interaction left
    assert cass.play_count == 1
    assert (first.meta.llm_calls, first.meta.cache_hits) == (1, 0)
    assert (second.meta.llm_calls, second.meta.cache_hits, second.meta.tokens_in, second.meta.tokens_out) == (0, 1, 0, 0)
    assert second.plain() == first.plain() and second.evidence == first.evidence
    assert len(ResponseCache(tmp_path / "cache")) == 1
    # Another model is another cache key: a miss, a request, a second entry.
    with cassette("llm_success") as cass:
        other = extract_llm(document, settings.model_copy(update={"llm_model": "another-model"}))
    assert cass.play_count == 1 and (other.meta.llm_calls, other.meta.cache_hits) == (1, 0)
    assert len(ResponseCache(tmp_path / "cache")) == 2


def test_a_quote_not_in_the_text_is_sent_back_and_corrected(cassette, tmp_path):
    document = report_document()
    with cassette("llm_reask") as cass:
        record = extract_llm(document, llm_settings(tmp_path))
    assert cass.play_count == 2
    assert record.meta.llm_calls == 2
    assert (record.meta.tokens_in, record.meta.tokens_out) == (2841 + 4409, 1530 + 1523)
    # The second request carries the first answer and the validator's message for it.
    # The follow-up lists only the failed value; the first answer's other values stand.
    resent = json.loads(cass.requests[1].body)["messages"]
    assert [m["role"] for m in resent] == ["system", "user", "assistant", "user"]
    failures = resent[3]["content"].split("Some values of your last answer failed validation:\n", 1)[1]
    listed = [line for line in failures.splitlines() if line.startswith("- ")]
    assert len(listed) == 1 and listed[0].startswith("- department: this quote does not occur in the report: '单位名称：青禾县应急管理局'")
    assert record.department == "青禾县应急管理局"
    assert record.evidence["department"].match == "exact"
    assert record.findings == [] and record.candidates == {}
    assert record.plain() == EXPECTED


def test_a_value_that_fails_after_the_reasks_is_rejected_alone(cassette, tmp_path):
    with cassette("llm_reask") as cass:
        record = extract_llm(report_document(), llm_settings(tmp_path, llm_max_reasks=0))
    assert cass.play_count == 1
    # Everything else in the answer stands; the one bad value is a candidate with its reason.
    assert record.plain() == {**EXPECTED, "department": None}
    (rejected,) = record.candidates["department"]
    assert rejected.value == "青禾县应急管理局" and not rejected.chosen and rejected.evidence.match == "ungrounded"
    assert "this quote does not occur in the report" in rejected.reason and "单位名称：青禾县应急管理局" in rejected.reason
    (finding,) = record.findings
    assert (finding.kind, finding.severity, finding.fields) == ("llm_failed", "warning", ["department"])
    assert "单位名称：青禾县应急管理局" in json.loads(record.candidates["llm_output"][0].value)["department"]["quote"]


def test_a_rate_limit_is_retried_with_backoff(cassette, tmp_path):
    document = report_document()
    with cassette("llm_rate_limit") as cass:
        record = extract_llm(document, llm_settings(tmp_path))
    assert cass.play_count == 2
    assert cass.responses[0]["status"]["code"] == 429
    assert record.meta.llm_calls == 2  # the rejected request counts as a call
    assert (record.meta.tokens_in, record.meta.tokens_out) == (2841, 1523)
    assert record.plain() == EXPECTED


def test_transport_retries_are_bounded(cassette, tmp_path):
    document = report_document()
    with cassette("llm_rate_limit") as cass:
        record = extract_llm(document, llm_settings(tmp_path, llm_max_retries=0))
    assert cass.play_count == 1
    (finding,) = record.findings
    assert finding.kind == "llm_failed" and "HTTP 429" in finding.message
    assert record.plain() == {**{k: v for k, v in empty_record().items()}, "doc_id": "qinghe_2022"}
    assert len(ResponseCache(tmp_path)) == 0  # failures are not cached


def test_an_auth_error_is_one_clear_line_without_the_key(cassette, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    document = report_document()
    with cassette("llm_auth_error"):
        record = extract_llm(document, llm_settings(tmp_path))
    (finding,) = record.findings
    message = finding.message
    assert finding.kind == "llm_failed" and "HTTP 401" in message
    # The server echoes a masked key; neither it nor any part of the key may surface, in the
    # error or in the logs of the code that talks to the endpoint (vcr's own log of the cassette
    # it loads is test machinery and shows the scripted echo).
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))
    assert "Incorrect API key" in ours  # instructor logged the failure, redacted
    for text in (message, ours):
        assert FAKE_KEY not in text and "LEAK" not in text
    assert "sk-[redacted]" in message


def test_a_long_document_is_cut_and_the_record_says_so(cassette, tmp_path):
    document = report_document()
    with cassette("llm_truncated") as cass:
        record = extract_llm(document, llm_settings(tmp_path, llm_max_input_chars=TRUNCATE_AT))
    sent = json.loads(cass.requests[0].body)["messages"][1]["content"]
    assert f"only its first {TRUNCATE_AT} of {len(REPORT)} characters" in sent
    assert "年初预算数为1,250.00万元" in sent and "调整后预算数" not in sent
    (note,) = [n for n in record.meta.notes if n.startswith("llm_input_truncated")]
    assert f"{TRUNCATE_AT} of {len(REPORT)} characters" in note
    assert record.findings == []
    assert record.budget.initial == 1250.0 and record.budget.adjusted is None


def test_a_missing_interaction_fails_instead_of_reaching_a_server(tmp_path):
    with make_vcr("none").use_cassette("does_not_exist.yaml"):
        record = extract_llm(report_document(), llm_settings(tmp_path, llm_max_retries=0))
    assert "CannotOverwriteExistingCassetteException" in record.findings[0].message


def test_the_key_never_reaches_cassettes_records_cache_or_logs(cassette, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with cassette("llm_success"):
        record = extract_llm(report_document(), llm_settings(tmp_path / "cache"))
    key = FAKE_KEY if not RECORDING else Settings().llm_api_key.get_secret_value()
    assert key not in record.to_json()
    assert len(ResponseCache(tmp_path / "cache")) == 1
    for path in (tmp_path / "cache").glob("*"):
        assert key.encode() not in path.read_bytes()
    assert key not in caplog.text
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert key not in text and FAKE_KEY not in text, path
        assert not re.search(r"(?im)^\s*(authorization|api-key|x-api-key|cookie)\s*:", text), path
        assert "Bearer" not in text, path


# --- hybrid -------------------------------------------------------------------------------------


def test_hybrid_keeps_rules_values_fills_gaps_and_keeps_the_models_alternative(cassette, tmp_path):
    document = hybrid_document()
    with cassette("hybrid_fill_and_dispute") as cass:
        record = extract_hybrid(document, llm_settings(tmp_path))
    assert cass.play_count == 1
    assert record.meta.backend == "hybrid" and record.meta.llm_calls == 1
    assert record.meta.prompt_version == "extract_v2"

    # Rules values stay, with rules evidence.
    assert record.department == "澄江县水务局" and record.evidence["department"].method == "rules"
    assert record.budget.initial == 2046.8 and record.evidence["budget.initial"].method == "rules"
    # Fields the rules left null are filled by the model, with llm evidence.
    assert record.budget.basic.actual == 1398.02 and record.budget.project.actual == 789.38
    assert record.evidence["budget.basic.actual"].method == "llm"
    assert record.evidence["budget.basic.actual"].quote.startswith("1,398.02")
    assert [i.name for i in record.indicators] == ["农村供水工程维修养护", "水质抽检合格率"]
    # The indicator sentences ('<name>：年度指标值…，实际完成…') are read by the rules themselves
    # (pipeline.extract.prose), so their grounded values stay.
    assert record.evidence["indicators[1].actual"].method == "rules"
    # The disputed field: rules' grounded 2187.40 wins, the model's 2178.40 is kept as a candidate.
    assert record.budget.actual == 2187.4 and record.evidence["budget.actual"].method == "rules"
    alternatives = [c for c in record.candidates["budget.actual"] if c.evidence.method == "llm"]
    assert [(c.value, c.chosen) for c in alternatives] == [(2178.4, False)]
    assert "rejected rules candidate" in alternatives[0].reason
    assert alternatives[0].evidence.quote.startswith("2,178.40")
    assert [c.value for c in record.candidates["budget.actual"] if c.chosen] == [2187.4]
    # Every value keeps evidence with its method, and all of it checks out against the page.
    assert "ungrounded" not in grounded_paths(record).values()
    assert verify_evidence(document, record) == []


def test_hybrid_calls_the_model_only_for_gaps_and_disputes():
    from pipeline.extract.rules import extract_rules

    rules = extract_rules(hybrid_document())
    assert "budget.actual" in disputed_fields(rules)
    assert {"budget.basic.actual", "budget.project.actual"} <= set(missing_fields(rules))
    # Indicator sentences are read by the rules (pipeline.extract.prose): no gap to fill there.
    assert "indicators" not in missing_fields(rules)


# --- dispatch and validators (no HTTP) ----------------------------------------------------------


@pytest.mark.parametrize("backend", ["llm", "hybrid"])
def test_model_backends_without_an_endpoint_say_what_to_set(backend, monkeypatch):
    for name in ("PIPELINE_LLM_BASE_URL", "PIPELINE_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(BackendUnavailableError) as failure:
        extract(report_document(), backend, Settings(_env_file=None))
    message = str(failure.value)
    assert message.startswith("qinghe_2022.txt: ") and f"{backend} backend is not available" in message
    for variable in ("PIPELINE_LLM_BASE_URL", "PIPELINE_LLM_API_KEY", "PIPELINE_LLM_MODEL"):
        assert variable in message


def test_validators_explain_what_to_fix():
    index = QuoteIndex("年初预算数为1,250.00万元，支出125,000元，预算执行率为94.36%。")
    context = {"quotes": index}

    def error(model, data):
        with pytest.raises(ValueError) as failure:
            model.model_validate(data, context=context)
        return str(failure.value)

    assert "does not occur in the report" in error(QuotedAmount, {"value": 1250, "quote": "年初预算为1250万元"})
    assert "which is 12.5 万元" in error(QuotedAmount, {"value": 125000, "quote": "支出125,000元"})
    assert "write 94.36, not 0.9436" in error(QuotedRate, {"value": 0.9436, "quote": "预算执行率为94.36%"})
    assert "never compute it" in error(QuotedRate, {"value": 94.4, "quote": "预算执行率为94.36%"})
    assert "do not occur in the report" in error(Passage, {"text": "资金管理规范。"})
    # Accepted: spacing and width differences, 元 converted, the rate as printed.
    QuotedAmount.model_validate({"value": 12.5, "quote": "支出 125,000 元"}, context=context)
    QuotedAmount.model_validate({"value": 1250, "quote": "年初预算数为１,２５０.００万元"}, context=context)
    QuotedRate.model_validate({"value": 94.36, "quote": "预算执行率为94.36%"}, context=context)


def test_document_text_reaches_the_model_verbatim_through_instructor_templating():
    # Instructor renders messages as Jinja when given a context: the document must enter only
    # through a placeholder, so braces in OCR output are neither parsed nor executed.
    from instructor.v2.core.templating import apply_template

    hostile = "年初预算数 {# 1,250 {{ 7*7 }} {% raw %} 万元"
    rendered = apply_template(USER_TEMPLATE, {"document_text": hostile, "truncation_note": ""})
    assert hostile in rendered and "49" not in rendered
    assert apply_template("{{ instructions }}", {"instructions": load_prompt().text}) == load_prompt().text


def test_bounded_text_cuts_at_a_line_end_near_the_limit():
    text = "a" * 95 + "\n" + "b" * 50
    assert bounded_text(text, 200) == text
    assert bounded_text(text, 100) == "a" * 95
    assert bounded_text("c" * 300, 100) == "c" * 100


def test_merge_policy_for_ungrounded_rules_values_and_non_empty_lists():
    from pipeline.extract.merge import merge
    from pipeline.record import Evidence, ExtractedRecord, RecordMeta

    def ev(method, match="exact"):
        return Evidence(page=1, start=0, end=1, quote="x", method=method, match=match)

    rules = ExtractedRecord(
        doc_id="d",
        budget={"initial": 10.0, "actual": 9.0},
        projects=[{"name": "甲项目", "budget": 5.0}],
        evidence={"budget.initial": ev("rules", "ungrounded"), "budget.actual": ev("rules"),
                  "projects[0].name": ev("rules"), "projects[0].budget": ev("rules")},
        meta=RecordMeta(extractor_version="rules-1"),
    )
    llm = ExtractedRecord(
        doc_id="d",
        budget={"initial": 12.0, "actual": 9.0},
        projects=[{"name": "乙工程", "budget": 1.0}, {"name": "甲项目", "budget": 5.0, "actual": 4.5}],
        evidence={"budget.initial": ev("llm"), "budget.actual": ev("llm"), "projects[0].name": ev("llm"),
                  "projects[0].budget": ev("llm"), "projects[1].name": ev("llm"), "projects[1].budget": ev("llm"),
                  "projects[1].actual": ev("llm")},
        meta=RecordMeta(backend="llm", extractor_version="llm-1", prompt_version="extract_v2", llm_calls=1, tokens_in=5),
    )
    merged = merge(rules, llm)
    # An ungrounded rules value loses to a grounded model value and stays as the rejected candidate.
    assert merged.budget.initial == 12.0 and merged.evidence["budget.initial"].method == "llm"
    assert [(c.value, c.chosen, c.evidence.method) for c in merged.candidates["budget.initial"]] == [
        (10.0, False, "rules"), (12.0, True, "llm")]
    # Agreement adds nothing.
    assert merged.budget.actual == 9.0 and "budget.actual" not in merged.candidates
    # Lists: the rules list decides membership; the paired model item fills the null field.
    assert merged.plain()["projects"] == [{"name": "甲项目", "budget": 5.0, "actual": 4.5, "execution_rate": None}]
    assert merged.evidence["projects[0].actual"].method == "llm"
    (extra,) = merged.candidates["projects"]
    assert extra.value["name"] == "乙工程" and not extra.chosen
    assert (merged.meta.backend, merged.meta.llm_calls, merged.meta.prompt_version) == ("hybrid", 1, "extract_v2")


def test_the_response_model_is_generated_from_the_record():
    from pydantic import BaseModel

    from pipeline.extract.llm.prompting import Passage, QuotedAmount, QuotedRate, QuotedYear, response_model
    from pipeline.record import Record

    def shape(model: type[BaseModel], skip=("doc_id",)) -> list[str]:
        return [name for name in model.model_fields if name not in skip]

    extraction = response_model()
    assert extraction.__name__ == "ReportExtraction" and shape(extraction) == shape(Record)
    budget = extraction.model_fields["budget"].annotation
    assert shape(budget) == shape(Record.model_fields["budget"].annotation)
    # Each value's quoted type follows its kind; the three money pairs have one shape.
    assert budget.model_fields["initial"].annotation == QuotedAmount | None
    assert budget.model_fields["execution_rate"].annotation == QuotedRate | None
    assert extraction.model_fields["fiscal_year"].annotation == QuotedYear | None
    assert extraction.model_fields["problems"].annotation == Passage | None
    pairs = [budget.model_fields[part].annotation for part in ("basic", "project", "three_public")]
    assert all(p.model_json_schema() == pairs[0].model_json_schema() for p in pairs)
    indicator = extraction.model_fields["indicators"].annotation.__args__[0]
    assert indicator.model_fields["name"].is_required() and not indicator.model_fields["target"].is_required()
