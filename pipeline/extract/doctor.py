"""`pipeline doctor`: will the model backends work against the configured endpoint?

``diagnose(settings)`` lists the models (when the endpoint offers ``/models``), then sends one
tiny structured request in the configured instructor mode and says plainly what is wrong:
nothing configured, unreachable, the key refused (401/403), an unknown model, no tool / JSON
support (and which mode answers instead: it then tries the other modes, one tiny request each),
rate limited, a server error, or too slow. ``Diagnosis.ok`` is true only when extraction will work
as configured. Nothing it prints carries the API key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from pipeline.config import PRESETS, Settings

MODES = ("TOOLS", "JSON_SCHEMA", "JSON", "MD_JSON")
PROBE_PROMPT = "Return the sum of 2 and 3 in the field `sum`. 请在 sum 字段返回 2 加 3 的和。"


class Probe(BaseModel):
    """The tiny answer the doctor asks for."""

    sum: int = Field(description="2 + 3")


@dataclass
class Step:
    name: str
    ok: bool
    message: str


@dataclass
class Diagnosis:
    steps: list[Step] = field(default_factory=list)
    suggested_mode: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def add(self, name: str, ok: bool, message: str) -> bool:
        self.steps.append(Step(name, ok, message))
        return ok


def _status(error: BaseException) -> int | None:
    return getattr(error, "status_code", None)


def _server_says(error: BaseException) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body["error"] if isinstance(body.get("error"), dict) else body
        if inner.get("message"):
            return str(inner["message"])[:200]
    return (str(error).splitlines() or [""])[0][:200]


def _probe(settings: Settings, mode: str) -> tuple[float, BaseException | None]:
    """Seconds taken and the error, if any, of one tiny structured request in ``mode``."""
    import instructor

    from pipeline.extract.llm import make_client

    llm = instructor.from_openai(make_client(settings), mode=instructor.Mode[mode])
    started = time.monotonic()
    try:
        answer = llm.create(
            model=settings.llm_model,
            messages=[{"role": "user", "content": PROBE_PROMPT}],
            response_model=Probe,
            max_retries=0,
            max_tokens=64,
            temperature=0.0,
        )
    except Exception as error:  # noqa: BLE001 - every failure is a diagnosis
        return time.monotonic() - started, error
    elapsed = time.monotonic() - started
    if answer.sum != 5:
        return elapsed, ValueError(f"the model answered {answer.sum} to 2 + 3")
    return elapsed, None


def _is_format_failure(error: BaseException) -> bool:
    """The model or server cannot answer in this mode (rather than a transport or auth fault):
    a 400/422 about tools or the response format, or an answer that does not parse."""
    import openai
    from instructor.core import InstructorError
    from pydantic import ValidationError

    from pipeline.extract.llm import _transport_error

    cause = _transport_error(error)
    if isinstance(cause, openai.APIStatusError):
        return cause.status_code in (400, 422, 501)
    return isinstance(cause, (InstructorError, ValidationError, ValueError))


def diagnose(settings: Settings) -> Diagnosis:
    """Check the configured endpoint step by step; stop at the first fault that blocks extraction."""
    import openai

    from pipeline.extract.llm import _api_key, redact

    secrets = [_api_key(settings)]
    report = Diagnosis()

    def say(name: str, ok: bool, message: str) -> bool:
        return report.add(name, ok, redact(message, secrets))

    preset = f" (preset {settings.llm_provider})" if settings.llm_provider else ""
    if not settings.llm_configured:
        needs_key = settings.llm_provider is not None and PRESETS[settings.llm_provider].needs_key
        what = "PIPELINE_LLM_API_KEY" if needs_key else "PIPELINE_LLM_PROVIDER or PIPELINE_LLM_BASE_URL (and PIPELINE_LLM_API_KEY if the endpoint needs one)"
        say("configuration", False, f"no LLM endpoint is configured{preset}: set {what}")
        return report
    base_url = settings.llm_base_url or "https://api.openai.com/v1"
    say("configuration", True, f"endpoint {base_url}{preset}, model {settings.llm_model}, mode {settings.llm_mode}")

    from pipeline.extract.llm import make_client

    client = make_client(settings.model_copy(update={"llm_timeout": min(settings.llm_timeout, 15.0)}))
    try:
        served = [m.id for m in client.models.list()]
    except openai.APIConnectionError as error:
        kind = "timed out" if isinstance(error, openai.APITimeoutError) else "refused or unreachable"
        say("reachable", False, f"cannot reach {base_url}: connection {kind}. Is the server running, and is the URL right (it usually ends in /v1)?")
        return report
    except openai.APIStatusError as error:
        if error.status_code in (401, 403):
            say("auth", False, f"the endpoint refused the API key (HTTP {error.status_code}: {_server_says(error)}); set PIPELINE_LLM_API_KEY to a valid key")
            return report
        served = None  # not every server lists its models; the probe will tell
    say("reachable", True, f"{base_url} answers")
    if served is not None and settings.llm_model not in served:
        shown = ", ".join(served[:10]) + (" …" if len(served) > 10 else "")
        say("model", False, f"unknown model {settings.llm_model!r}: the endpoint serves {shown or 'no model'}; set PIPELINE_LLM_MODEL")
        return report
    if served is not None:
        say("model", True, f"{settings.llm_model} is served")

    elapsed, error = _probe(settings, settings.llm_mode)
    if error is None:
        if elapsed > settings.llm_doctor_max_seconds:
            say("speed", False, f"too slow: one tiny request took {elapsed:.1f} s (limit {settings.llm_doctor_max_seconds:g} s, "
                "PIPELINE_LLM_DOCTOR_MAX_SECONDS); a report is hundreds of times larger. Use a faster model or server")
            return report
        say("structured output", True, f"the model answered a structured request in {settings.llm_mode} mode in {elapsed:.1f} s")
        return report
    return _explain(report, say, settings, error)


def _explain(report: Diagnosis, say, settings: Settings, error: BaseException) -> Diagnosis:
    import openai

    from pipeline.extract.llm import _transport_error

    cause = _transport_error(error)
    status = _status(cause)
    if isinstance(cause, openai.APITimeoutError):
        say("speed", False, f"too slow: no answer to one tiny request within {settings.llm_timeout:g} s (PIPELINE_LLM_TIMEOUT)")
    elif isinstance(cause, openai.APIConnectionError):
        say("reachable", False, f"the connection failed during the request: {_server_says(cause)}")
    elif status in (401, 403):
        say("auth", False, f"the endpoint refused the API key (HTTP {status}: {_server_says(cause)}); set PIPELINE_LLM_API_KEY")
    elif status == 404:
        say("model", False, f"unknown model {settings.llm_model!r} (HTTP 404: {_server_says(cause)}); set PIPELINE_LLM_MODEL")
    elif status == 429:
        say("rate limit", False, f"rate limited (HTTP 429: {_server_says(cause)}); wait, or lower the request rate")
    elif status is not None and status >= 500:
        say("server", False, f"the server failed (HTTP {status}: {_server_says(cause)})")
    elif _is_format_failure(error):
        working = next((mode for mode in MODES if mode != settings.llm_mode and _probe(settings, mode)[1] is None), None)
        why = f"HTTP {status}: {_server_says(cause)}" if status else f"its answer is not the requested JSON: {_server_says(cause)}"
        if working:
            report.suggested_mode = working
            say("structured output", False, f"the endpoint does not answer in {settings.llm_mode} mode ({why}); "
                f"{working} mode works: set PIPELINE_LLM_MODE={working}")
        else:
            say("structured output", False, f"the model answers in none of the modes {', '.join(MODES)} ({why}); "
                "it cannot produce the record: use a model that follows a JSON schema")
    else:
        say("structured output", False, f"the request failed: {type(cause).__name__}: {_server_says(cause)}")
    return report
