"""Writes the hand-written cassettes of tests/test_llm.py. No network and no key are needed.

No model was asked. The responses below are scripted by hand in the OpenAI chat-completions wire
format (id / object / created / model / choices / usage, the record in a forced tool call), and
their ids say ``handwritten``. The *requests* are real: each scenario runs through the production
code path (``extract_llm`` / ``extract_hybrid`` with the test settings), and an
``httpx2.MockTransport`` answers from the script. vcrpy records that exchange with the same
configuration the tests replay with, so every cassette holds the exact body our client sends.
A YAML comment at the top of each file says it is hand-written.

Run it after a change to the prompt, the response model or the request parameters:

    .venv/bin/python tests/cassettes/handwritten.py

``make record`` re-records the recordable cassettes against a live endpoint instead.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/: test_llm and helpers
sys.path.insert(0, str(HERE.parent.parent))  # the project

import httpx2  # noqa: E402
import openai  # noqa: E402
import test_llm as t  # noqa: E402

from pipeline.extract.llm import extract_llm  # noqa: E402
from pipeline.extract.merge import extract_hybrid  # noqa: E402

HEADER = "# hand-written, not recorded from a live model; `make record` re-records it when a key is available.\n"
SCRIPTED = (
    "# hand-written, not recorded from a live model. It scripts {what}:\n"
    "# a live model cannot be made to do that on demand, so `make record` skips its test.\n"
    "# Regenerate it (requests from the current code, scripted responses) with\n"
    "# `python tests/cassettes/handwritten.py`.\n"
)
SERVED_MODEL = "gpt-4o-mini-2024-07-18"


def q(value, quote):
    return {"value": value, "quote": quote}


REPORT_RECORD = {
    "department": q("青禾县应急管理局", "青禾县应急管理局2022年度部门整体支出绩效自评报告"),
    "fiscal_year": q(2022, "青禾县应急管理局2022年度部门整体支出绩效自评报告"),
    "report_type": "overall_report",
    "subject": None,
    "budget": {
        "initial": q(1250.0, "年初预算数为1,250.00万元"),
        "adjusted": q(1380.5, "调整后预算数为1,380.50万元"),
        "adjustment": None,
        "actual": q(1302.64, "实际支出数为1,302.64万元"),
        "execution_rate": q(94.36, "预算执行率为94.36%"),
        "adjustment_rate": None,
        "basic": {"budget": q(820.3, "基本支出调整后预算数为820.30万元"), "actual": q(806.12, "实际支出806.12万元")},
        "project": {"budget": q(560.2, "项目支出调整后预算数为560.20万元"), "actual": q(496.52, "实际支出496.52万元")},
        "three_public": {"budget": q(12.0, "“三公”经费预算12.00万元"), "actual": q(9.85, "实际支出9.85万元")},
    },
    "evaluation": {"score": q(92.5, "自评得分为92.5分"), "grade": q("优", "自评等级为优")},
    "indicators": [
        {
            "level1": q("产出指标", "（一）产出指标"),
            "level2": q("数量指标", "数量指标：应急演练次数"),
            "name": q("应急演练次数", "数量指标：应急演练次数"),
            "target": q("12次", "年度指标值12次"),
            "actual": q("14次", "实际完成14次"),
        },
        {
            "level1": q("产出指标", "（一）产出指标"),
            "level2": q("质量指标", "质量指标：隐患整改率"),
            "name": q("隐患整改率", "质量指标：隐患整改率"),
            "target": q("≥95%", "年度指标值≥95%"),
            "actual": q("98%", "实际完成98%"),
        },
    ],
    "projects": [
        {
            "name": q("森林防火物资储备项目", "1.森林防火物资储备项目"),
            "budget": q(180.0, "预算180.00万元"),
            "actual": q(171.0, "实际支出171.00万元"),
            "execution_rate": q(95.0, "执行率95.00%"),
        },
        {
            "name": q("应急指挥平台运维项目", "2.应急指挥平台运维项目"),
            "budget": q(95.0, "预算95.00万元"),
            "actual": q(88.35, "实际支出88.35万元"),
            "execution_rate": q(93.0, "执行率93.00%"),
        },
    ],
    "problems": {"text": "部分项目资金支付进度偏慢，年底集中支付现象仍然存在。"},
    "improvements": {"text": "加强预算执行进度监控，按月通报项目资金支付情况。"},
}

# First answer of the re-ask scenario: one quote that the report does not print.
BAD_QUOTE_RECORD = copy.deepcopy(REPORT_RECORD)
BAD_QUOTE_RECORD["department"] = q("青禾县应急管理局", "单位名称：青禾县应急管理局")

# The model's answer when it sees only the text before TRUNCATE_AT.
TRUNCATED_RECORD = {
    "department": q("青禾县应急管理局", "青禾县应急管理局2022年度部门整体支出绩效自评报告"),
    "fiscal_year": q(2022, "青禾县应急管理局2022年度部门整体支出绩效自评报告"),
    "report_type": "overall_report",
    "budget": {"initial": q(1250.0, "年初预算数为1,250.00万元")},
}

# The hybrid scenario: the model reads actual spending from the 自评结论 (2,178.40), where the
# rules chose the figure that fits the printed rate (2,187.40).
HYBRID_RECORD = {
    "department": q("澄江县水务局", "澄江县水务局2023年度部门整体支出绩效自评报告"),
    "fiscal_year": q(2023, "澄江县水务局2023年度部门整体支出绩效自评报告"),
    "report_type": "overall_report",
    "subject": None,
    "budget": {
        "initial": q(2046.8, "2023年年初预算数为2,046.80万元"),
        "adjusted": q(2310.25, "全年预算数为2,310.25万元"),
        "adjustment": None,
        "actual": q(2178.4, "本年度部门实际支出数为2,178.40万元"),
        "execution_rate": q(94.68, "预算执行率94.68%"),
        "adjustment_rate": None,
        "basic": {"budget": q(1402.15, "基本支出全年预算1,402.15万元"), "actual": q(1398.02, "支出1,398.02万元")},
        "project": {"budget": q(908.1, "项目支出全年预算908.10万元"), "actual": q(789.38, "支出789.38万元")},
        "three_public": {"budget": None, "actual": None},
    },
    "evaluation": {"score": q(88, "自评得分88分"), "grade": q("良", "自评等级为良")},
    "indicators": [
        {
            "name": q("农村供水工程维修养护", "农村供水工程维修养护：年度指标值不少于30处"),
            "target": q("不少于30处", "年度指标值不少于30处"),
            "actual": q("34处", "实际完成34处"),
        },
        {
            "name": q("水质抽检合格率", "水质抽检合格率：年度指标值≥95%"),
            "target": q("≥95%", "年度指标值≥95%"),
            "actual": q("97.2%", "实际完成97.2%"),
        },
    ],
    "projects": [],
    "problems": {"text": "个别项目前期论证不充分，导致预算调整较多。"},
    "improvements": {"text": "强化项目前期评审，提高预算编制的准确性。"},
}


def completion(call_id: str, arguments: dict, prompt_tokens: int, completion_tokens: int) -> tuple[int, dict, dict]:
    """A 200 chat completion whose forced tool call carries ``arguments``."""
    body = {
        "id": f"chatcmpl-handwritten-{call_id}",
        "object": "chat.completion",
        "created": 1735689600,
        "model": SERVED_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": f"call_handwritten_{call_id}",
                            "type": "function",
                            "function": {"name": "ReportExtraction", "arguments": json.dumps(arguments, ensure_ascii=False)},
                        }
                    ],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "fp_handwritten",
    }
    return 200, body, {"content-type": "application/json"}


def error(status: int, message: str, kind: str, code: str, headers: dict | None = None) -> tuple[int, dict, dict]:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return status, body, {"content-type": "application/json", **(headers or {})}


RATE_LIMITED = error(
    429,
    "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1. "
    "Please try again in 20s.",
    "requests",
    "rate_limit_exceeded",
    {"retry-after": "20"},
)
# Servers echo a masked key: here the fake key's prefix and last four characters.
BAD_KEY = error(
    401,
    f"Incorrect API key provided: {t.FAKE_KEY[:8]}{'*' * 24}{t.FAKE_KEY[-4:]}. "
    "You can find your API key at https://platform.openai.com/account/api-keys.",
    "invalid_request_error",
    "invalid_api_key",
)


def write(name: str, script: list[tuple[int, dict, dict]], run, header: str) -> None:
    """Run ``run(client, settings)`` against the scripted responses and save the cassette."""
    path = t.CASSETTES / f"{name}.yaml"
    path.unlink(missing_ok=True)
    answers = iter(script)

    def respond(request: httpx2.Request) -> httpx2.Response:
        status, body, headers = next(answers)
        return httpx2.Response(status, headers=headers, content=json.dumps(body, ensure_ascii=False).encode("utf-8"))

    client = openai.OpenAI(
        api_key=t.FAKE_KEY,
        base_url=t.BASE_URL,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(respond)),
    )
    with tempfile.TemporaryDirectory() as cache, t.make_vcr("all").use_cassette(path.name) as cassette:
        run(client, t.llm_settings(Path(cache)))
    assert cassette.play_count == 0 and len(cassette) == len(script), f"{name}: script not used up"
    if next(answers, None) is not None:
        raise AssertionError(f"{name}: the scenario sent fewer requests than scripted")
    path.write_text(header + path.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"wrote {path.relative_to(t.CASSETTES.parent.parent)} ({len(script)} interaction(s))")


def main() -> None:
    def llm(document, **overrides):
        return lambda client, settings: extract_llm(document, settings.model_copy(update=overrides), client=client)

    def failing(document, **overrides):
        def run(client, settings):
            record = extract_llm(document, settings.model_copy(update=overrides), client=client)
            if not any(f.kind == "llm_failed" for f in record.findings):
                raise AssertionError("the scripted failure did not fail")

        return run

    report = t.report_document()
    write("llm_success", [completion("success", REPORT_RECORD, 2841, 1523)], llm(report), HEADER)
    write(
        "llm_reask",
        [completion("reask-1", BAD_QUOTE_RECORD, 2841, 1530), completion("reask-2", REPORT_RECORD, 4409, 1523)],
        llm(report),
        SCRIPTED.format(what="a first answer quoting text the report does not print"),
    )
    write(
        "llm_rate_limit",
        [RATE_LIMITED, completion("after-429", REPORT_RECORD, 2841, 1523)],
        llm(report),
        SCRIPTED.format(what="a 429 rate-limit answer before a success"),
    )
    write(
        "llm_auth_error",
        [BAD_KEY],
        failing(report),
        SCRIPTED.format(what="a 401 answer that echoes a masked key"),
    )
    write(
        "llm_truncated",
        [completion("truncated", TRUNCATED_RECORD, 1974, 212)],
        llm(report, llm_max_input_chars=t.TRUNCATE_AT),
        HEADER,
    )
    write(
        "hybrid_fill_and_dispute",
        [completion("hybrid", HYBRID_RECORD, 2702, 1068)],
        lambda client, settings: extract_hybrid(t.hybrid_document(), settings, client=client),
        SCRIPTED.format(what="a model reading actual spending from another sentence"),
    )


if __name__ == "__main__":
    main()
