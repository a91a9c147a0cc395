"""The scripted OpenAI-compatible test server speaks the wire format real endpoints speak, so the
fault tests built on it exercise the openai client and instructor for real (a local HTTP server on
127.0.0.1; nothing reaches the network)."""

from __future__ import annotations

import time

import openai
import pytest
from llm_server import ScriptedServer, empty, gold, hang, json_mode_only, prose, rate_limited, sequence, status, truncated

from pipeline.extract.llm.limits import estimate_tokens

ANSWER = {"department": {"value": "柳岸县档案馆", "quote": "柳岸县档案馆"}}
TOOLS = [{"type": "function", "function": {"name": "Answer", "parameters": {"type": "object"}}}]


def client(server: ScriptedServer, key: str = "local", timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0, timeout=timeout)


def ask(c: openai.OpenAI, model: str = "scripted-model", messages: list | None = None, **kwargs):
    return c.chat.completions.create(model=model, messages=messages or [{"role": "user", "content": "hi"}], **kwargs)


def test_gold_answers_in_the_mode_the_request_uses():
    with ScriptedServer(gold(ANSWER)) as server:
        c = client(server)
        tool = ask(c, tools=TOOLS, tool_choice={"type": "function", "function": {"name": "Answer"}})
        as_json = ask(c, response_format={"type": "json_object"})
        as_md = ask(c)
    assert tool.choices[0].message.tool_calls[0].function.name == "Answer"
    assert "柳岸县档案馆" in tool.choices[0].message.tool_calls[0].function.arguments
    assert as_json.choices[0].message.content.startswith('{"department"')
    assert as_md.choices[0].message.content.startswith("```json\n{")
    assert server.calls == 3 and server.requests[1]["response_format"] == {"type": "json_object"}


def test_models_unknown_model_and_auth():
    with ScriptedServer(gold(ANSWER), models=["m-a", "m-b"], api_key="sk-local-secret") as server:
        assert [m.id for m in client(server, "sk-local-secret").models.list()] == ["m-a", "m-b"]
        with pytest.raises(openai.AuthenticationError):
            ask(client(server, "wrong"), model="m-a")
        with pytest.raises(openai.NotFoundError) as missing:
            ask(client(server, "sk-local-secret"), model="m-z")
    assert "m-z" in str(missing.value)


def test_faults():
    with ScriptedServer(sequence(status(500), rate_limited(7, gold(ANSWER)), gold(ANSWER))) as server:
        c = client(server)
        with pytest.raises(openai.InternalServerError):
            ask(c)
        with pytest.raises(openai.RateLimitError) as limited:
            ask(c)
        assert limited.value.response.headers["retry-after"] == "7"
    with ScriptedServer(truncated(ANSWER)) as server:
        cut = ask(client(server))
    assert cut.choices[0].finish_reason == "length" and not cut.choices[0].message.content.endswith("}")
    with ScriptedServer(prose()) as server:
        assert "{" not in ask(client(server)).choices[0].message.content
    with ScriptedServer(empty()) as server:
        assert ask(client(server)).choices[0].message.content == ""


def test_a_json_only_server_rejects_tools_and_answers_json_mode():
    with ScriptedServer(json_mode_only(ANSWER)) as server:
        c = client(server)
        with pytest.raises(openai.BadRequestError) as rejected:
            ask(c, tools=TOOLS)
        assert "tools are not supported" in str(rejected.value)
        assert "柳岸县档案馆" in ask(c, response_format={"type": "json_object"}).choices[0].message.content


def test_a_hung_server_times_out_the_client_and_stops_promptly():
    started = time.monotonic()
    with ScriptedServer(hang(30)) as server:
        with pytest.raises(openai.APITimeoutError):
            ask(client(server, timeout=0.5))
    assert time.monotonic() - started < 5


def test_usage_counts_what_the_request_sent_and_the_answer_carried():
    # The token figures of `make bench` come from this usage: it must follow the request, not be fixed.
    short, long = "请抽取", "请抽取以下报告：" + "某县林业站年度支出共计三百万元。" * 20
    with ScriptedServer(gold(ANSWER)) as server:
        c = client(server)
        small = ask(c, tools=TOOLS, tool_choice={"type": "function", "function": {"name": "Answer"}},
                    messages=[{"role": "system", "content": "extract"}, {"role": "user", "content": short}])
        big = ask(c, messages=[{"role": "user", "content": [{"type": "text", "text": long}]}])
    assert small.usage.prompt_tokens == estimate_tokens("extract", short)
    assert big.usage.prompt_tokens == estimate_tokens(long) > small.usage.prompt_tokens
    assert small.usage.completion_tokens == estimate_tokens(small.choices[0].message.tool_calls[0].function.arguments)
    assert big.usage.completion_tokens == estimate_tokens(big.choices[0].message.content)  # the fenced MD_JSON text
    assert big.usage.total_tokens == big.usage.prompt_tokens + big.usage.completion_tokens
