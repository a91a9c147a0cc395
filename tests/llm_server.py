"""A local OpenAI-compatible server for tests: a real HTTP server on 127.0.0.1, scripted behaviours.

No model runs here. Each behaviour is a small function from the request body to a reply, written to
reproduce what real endpoints do when they misbehave (a 500, a 429 with Retry-After, a hang, a cut
answer, prose instead of JSON, an empty message, a server that rejects tool calls) or to answer with
values the test gives it. Whatever a test measures against it is a test of the pipeline's plumbing,
never an accuracy figure of any model.

    with ScriptedServer(gold(answer)) as server:
        settings = Settings(llm_base_url=server.base_url, ...)

``server.requests`` holds every chat request body received, ``server.calls`` their count.
``/v1/models`` lists ``models``; a chat request for another model gets the 404 OpenAI sends.
With ``api_key`` set, a request without that bearer token gets a 401.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

from pipeline.extract.llm.limits import estimate_tokens


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict → JSON; str/bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow or hung server)


Behaviour = Callable[[dict], Reply]


# --- what a request asks for --------------------------------------------------------------------


def request_mode(body: dict) -> str:
    """The instructor mode a request was sent in, read off the wire format."""
    if body.get("tools"):
        return "tools"
    kind = (body.get("response_format") or {}).get("type")
    if kind == "json_schema":
        return "json_schema"
    if kind == "json_object":
        return "json"
    return "md_json"


def tool_name(body: dict) -> str:
    tools = body.get("tools") or [{}]
    return tools[0].get("function", {}).get("name", "ReportExtraction")


# --- replies in the wire format -----------------------------------------------------------------


def message_texts(body: dict) -> list[str]:
    """The text of every message of a chat request (a content given as parts: its text parts)."""
    texts = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts += [part.get("text", "") for part in content if isinstance(part, dict)]
    return texts


def completion(body: dict, arguments: Any, *, finish_reason: str = "stop", raw: str | None = None,
               usage: tuple[int, int] | None = None) -> Reply:
    """A 200 completion carrying ``arguments`` the way the request's mode expects it: a forced
    tool call in TOOLS mode, the message content (fenced for MD_JSON) otherwise. ``raw`` sends
    that exact text instead of the JSON of ``arguments``.

    The usage it reports is honest about what was sent, not a fixed number: ``prompt_tokens`` is
    the pipeline's own estimate (``limits.estimate_tokens``) over the request's message contents,
    ``completion_tokens`` the same over the answer's text (the tool schema a TOOLS request carries
    is not counted: it is not a message). ``usage`` overrides both."""
    text = raw if raw is not None else json.dumps(arguments, ensure_ascii=False)
    mode = request_mode(body)
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if mode == "tools":
        message["tool_calls"] = [
            {"id": "call_scripted", "type": "function", "function": {"name": tool_name(body), "arguments": text}}
        ]
    else:
        message["content"] = f"```json\n{text}\n```" if mode == "md_json" and raw is None else text
    if usage is None:
        usage = (estimate_tokens(*message_texts(body)), estimate_tokens(message["content"] or text))
    return Reply(200, {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1735689600,
        "model": body.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    })


def error(status: int, message: str, code: str, kind: str = "invalid_request_error", headers: dict | None = None) -> Reply:
    return Reply(status, {"error": {"message": message, "type": kind, "param": None, "code": code}}, headers or {})


# --- behaviours ---------------------------------------------------------------------------------


def gold(answer: dict | Callable[[dict], dict]) -> Behaviour:
    """Answers every request with ``answer`` (or ``answer(body)``), in the request's mode."""
    return lambda body: completion(body, answer(body) if callable(answer) else answer)


def status(code: int, message: str = "internal server error") -> Behaviour:
    return lambda body: error(code, message, "server_error", "server_error")


def rate_limited(retry_after: float, then: Behaviour, times: int = 1) -> Behaviour:
    """``times`` 429 answers with Retry-After, then ``then``."""
    seen = {"n": 0}

    def behave(body: dict) -> Reply:
        seen["n"] += 1
        if seen["n"] <= times:
            return error(429, "Rate limit reached; please try again later.", "rate_limit_exceeded", "requests",
                         {"retry-after": f"{retry_after:g}"})
        return then(body)

    return behave


def slowed(behaviour: Behaviour, seconds: float) -> Behaviour:
    """``behaviour``'s answers, each sent ``seconds`` late (a remote model's latency)."""

    def behave(body: dict) -> Reply:
        reply = behaviour(body)
        return Reply(reply.status, reply.body, reply.headers, reply.delay + seconds)

    return behave


def hang(seconds: float) -> Behaviour:
    """Answers only after ``seconds`` (longer than the client's timeout: a hung server)."""
    return lambda body: Reply(200, {}, delay=seconds)


def truncated(answer: dict) -> Behaviour:
    """The answer cut mid-JSON, as a server does when max_tokens runs out (finish_reason length)."""
    text = json.dumps(answer, ensure_ascii=False)
    return lambda body: completion(body, None, finish_reason="length", raw=text[: len(text) // 2])


def prose() -> Behaviour:
    """Prose instead of JSON (a small model ignoring the format)."""
    return lambda body: completion(body, None, raw="好的，以下是抽取结果：部门名称为某某局，预算若干万元。")


def empty() -> Behaviour:
    return lambda body: completion(body, None, raw="")


def json_mode_only(answer: dict) -> Behaviour:
    """A server without tool calling (many local servers): a request with ``tools`` gets the 400
    such servers send; a JSON-mode request gets ``answer``."""

    def behave(body: dict) -> Reply:
        if body.get("tools"):
            return error(400, "tools are not supported by this model", "invalid_request_error")
        if request_mode(body) not in ("json", "json_schema"):
            return completion(body, None, raw="Here is the data you asked for.")
        return completion(body, answer)

    return behave


def sequence(*behaviours: Behaviour) -> Behaviour:
    """The n-th request gets the n-th behaviour; the last one repeats."""
    seen = {"n": 0}

    def behave(body: dict) -> Reply:
        seen["n"] += 1
        return behaviours[min(seen["n"], len(behaviours)) - 1](body)

    return behave


# --- the server ---------------------------------------------------------------------------------


class ScriptedServer:
    """A real HTTP server on 127.0.0.1 (a free port), one thread per connection."""

    def __init__(self, behaviour: Behaviour, *, models: Iterable[str] = ("scripted-model",), api_key: str | None = None):
        self.behaviour = behaviour
        self.models = list(models)
        self.api_key = api_key
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.arrivals: list[float] = []  # time.monotonic() at which each POST arrived
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the server was answering at once
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def __enter__(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()  # wakes hung handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, reply: Reply) -> None:
                if reply.delay and server._stop.wait(reply.delay):
                    return
                payload = reply.body
                data = payload if isinstance(payload, bytes) else (
                    payload.encode("utf-8") if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
                )
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)

            def _authorised(self) -> bool:
                return server.api_key is None or self.headers.get("authorization") == f"Bearer {server.api_key}"

            def do_GET(self) -> None:
                if not self._authorised():
                    return self._send(error(401, "Incorrect API key provided.", "invalid_api_key"))
                if self.path.rstrip("/").endswith("/models"):
                    data = [{"id": m, "object": "model", "created": 0, "owned_by": "scripted"} for m in server.models]
                    return self._send(Reply(200, {"object": "list", "data": data}))
                self._send(error(404, "not found", "not_found"))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    return self._send(error(400, "request body is not JSON", "invalid_json"))
                with server._lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    server.arrivals.append(time.monotonic())
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(body)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, body: dict) -> None:
                if not self._authorised():
                    return self._send(error(401, "Incorrect API key provided.", "invalid_api_key"))
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return self._send(error(404, "not found", "not_found"))
                if body.get("model") not in server.models:
                    return self._send(error(404, f"The model `{body.get('model')}` does not exist.", "model_not_found"))
                self._send(server.behaviour(body))

        return Handler


def answer_of(body: dict) -> str:
    """The report text a request carries (between <report> tags), for behaviours that read it."""
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str) and "<report>" in content:
            return content.split("<report>", 1)[1].rsplit("</report>", 1)[0].strip("\n")
    return ""


