"""Calling the model through instructor: the client and its mode, transport retries, per-value validation and the short follow-up for what failed, failures turned into a ModelAnswer (never raised); secrets redacted."""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

from pipeline.config import Settings
from pipeline.extract.llm import costs as _costs
from pipeline.extract.llm import prompting as _prompting
from pipeline.extract.llm.limits import LIMITER, TimeBudgetExceeded, estimate_tokens


# --- secrets ----------------------------------------------------------------------------------

_KEY_LIKE = re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-*.]{3,}")


def redact(text: str, secrets: Iterator[str] | list[str] = ()) -> str:
    """``text`` with every secret, and anything shaped like an API key (servers echo masked
    keys such as 'sk-proj-****abcd'), replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub(r"\1-[redacted]", text)


class _RedactingFilter(logging.Filter):
    """Keeps API keys out of the log records of the libraries that talk to the endpoint
    (instructor logs every failed call with the server's error text)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, sorted(self.secrets))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_LOG_FILTER = _RedactingFilter()
for _name in ("instructor", "instructor.v2.retry", "openai", "openai._base_client", "httpx2", "httpx"):
    logging.getLogger(_name).addFilter(_LOG_FILTER)
# Failures reach the user as one LlmExtractionError line; instructor's own error records go to the
# application's handlers if it configures logging, not to stderr through logging's last resort.
logging.getLogger("instructor").addHandler(logging.NullHandler())


def _api_key(settings: Settings) -> str:
    return settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""


# --- calling the model ------------------------------------------------------------------------


@dataclass
class CallStats:
    """What one extraction cost: requests sent, tokens used, responses reused."""

    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_hits: int = 0
    served_model: str | None = None

    def on_request(self, *args: Any, **kwargs: Any) -> None:
        self.llm_calls += 1

    def on_response(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        self.tokens_in += getattr(usage, "prompt_tokens", 0) or 0
        self.tokens_out += getattr(usage, "completion_tokens", 0) or 0
        self.served_model = getattr(response, "model", None) or self.served_model


def make_client(settings: Settings):
    """The openai client for the configured endpoint, with its own retries off (tenacity retries).
    One per endpoint, key and timeout for the whole process: building one (its HTTP pool, its
    TLS context) cost about 28 ms per document, and the client is safe to share across threads."""
    return _client(_api_key(settings) or _prompting._NO_KEY, settings.llm_base_url or _prompting.DEFAULT_BASE_URL,
                   settings.llm_timeout)


@lru_cache(maxsize=8)
def _client(api_key: str, base_url: str, timeout: float):
    import openai

    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)


def _transport_error(error: BaseException) -> BaseException:
    """The openai error under instructor's wrapper, if any."""
    from instructor.core import InstructorRetryException

    if isinstance(error, InstructorRetryException) and error.__cause__ is not None:
        return error.__cause__
    return error


def is_transient(error: BaseException) -> bool:
    """429, 408, 409, 5xx, timeouts and connection errors are worth retrying; nothing else."""
    import openai

    error = _transport_error(error)
    if isinstance(error, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


def _retry_after(error: BaseException) -> float | None:
    response = getattr(_transport_error(error), "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _backoff(settings: Settings):
    """Exponential backoff from ``llm_retry_wait`` with a little jitter, or the server's
    Retry-After when longer; never more than ``llm_retry_wait_max``."""

    def wait(retry_state) -> float:
        base = settings.llm_retry_wait * 2 ** (retry_state.attempt_number - 1)
        base += random.uniform(0, settings.llm_retry_wait / 4)
        error = retry_state.outcome.exception() if retry_state.outcome else None
        return min(max(base, _retry_after(error) or 0.0) if error else base, settings.llm_retry_wait_max)

    return wait


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [""])[0][:300]


def _describe(error: BaseException) -> str:
    """One line for the user: what failed and why (server status, validation errors, the
    underlying cause). The caller redacts secrets."""
    from instructor.core import InstructorRetryException
    from pydantic import ValidationError

    cause = _transport_error(error)
    if isinstance(cause, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in cause.errors()[:3]
        )
        attempts = getattr(error, "n_attempts", None) or "all"
        return f"the model's response failed validation after {attempts} attempt(s): {problems}"
    if isinstance(error, InstructorRetryException) and cause is error:
        return f"the model's response could not be used: {_first_line(error)}"
    status = getattr(cause, "status_code", None)
    text = f"LLM request failed ({type(cause).__name__}{f', HTTP {status}' if status else ''}): {_first_line(cause)}"
    root = cause.__cause__ or cause.__context__
    if root is not None and status is None:
        text += f" [{type(root).__name__}: {_first_line(root)}]"
    return text


USER_TEMPLATE = (
    "报告全文在 <report> 与 </report> 之间。请调用 ReportExtraction 返回抽取结果。\n"
    "The full report text is between <report> and </report>. Call ReportExtraction with the record."
    "{{ truncation_note }}\n"
    "<report>\n{{ document_text }}\n</report>"
)


def bounded_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a line end when one is near the limit."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut >= limit * 0.9 else limit]


FOLLOW_UP_TEMPLATE = (
    "你上一次回答中的以下取值未通过核对（引文不在报告中，或数值不是引文所印的数）：\n"
    "Some values of your last answer failed validation:\n{{ failures }}\n"
    "请只重新给出这些字段（列表项给出整项及其名称），其余字段一律返回 null 或空列表；报告未写明的值返回 null。\n"
    "Call ReportExtraction again with only these fields corrected (a list item whole, with its name); leave "
    "every other field null or empty, and return null where the report does not state the value."
)


@dataclass
class Rejection:
    """A value the model gave that failed its check, kept for the reviewer with the reason."""

    path: str
    value: Any
    quote: str | None
    reason: str
    item: str | None = None  # the name of the list item the value belongs to, as the model gave it


@dataclass
class ModelAnswer:
    """What the model gave for one document: the values that passed their checks, the ones
    rejected (each alone), and, when no usable answer came, why (``failure``) and the last raw
    output that failed (``last_output``)."""

    response: _prompting.ReportExtraction
    rejected: dict[str, Rejection] = field(default_factory=dict)
    failure: str | None = None
    last_output: str | None = None


def _leaf_error(leaf: _prompting._Quoted | _prompting.Passage, index: _prompting.QuoteIndex) -> str | None:
    """Why one quoted value fails its check against the text the model saw, or None."""
    from pydantic import ValidationError

    try:
        type(leaf).model_validate(leaf.model_dump(), context={"quotes": index})
    except ValidationError as error:
        return "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
    return None


_STEP = re.compile(r"(\w+)(?:\[(\d+)\])?")


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        found = _STEP.fullmatch(part)
        steps.append(found.group(1))
        if found.group(2) is not None:
            steps.append(int(found.group(2)))
    return steps


def _put(data: Any, path: str, value: Any) -> None:
    *parents, last = _steps(path)
    for step in parents:
        data = data[step]
    data[last] = value


def _item_of(path: str) -> tuple[str, int] | None:
    """(list name, index) when ``path`` is the name of a list item: without it the item is void."""
    steps = _steps(path)
    return (steps[0], steps[1]) if len(steps) == 3 and isinstance(steps[1], int) and steps[2] == "name" else None


def split_valid(response: _prompting.ReportExtraction, index: _prompting.QuoteIndex) -> tuple[_prompting.ReportExtraction, dict[str, Rejection]]:
    """The response with every value that fails its check removed (a list item whose name fails
    goes whole), and the removed values with their reasons. The rest stands."""
    data = response.model_dump(mode="json")
    rejected: dict[str, Rejection] = {}
    void_items: set[tuple[str, int]] = set()
    for path, leaf in _prompting.quoted_leaves(response):
        reason = _leaf_error(leaf, index)
        if reason is None:
            continue
        value = leaf.text if isinstance(leaf, _prompting.Passage) else leaf.value  # type: ignore[attr-defined]
        steps = _steps(path)
        item_name = data[steps[0]][steps[1]]["name"]["value"] if len(steps) == 3 and isinstance(steps[1], int) else None
        rejected[path] = Rejection(path, value, getattr(leaf, "quote", None), reason, item_name)
        item = _item_of(path)
        if item:
            void_items.add(item)
        else:
            _put(data, path, None)
    for name, i in sorted(void_items, reverse=True):
        del data[name][i]
    return type(response).model_validate(data), rejected


def _take_corrections(
    kept: _prompting.ReportExtraction, rejected: dict[str, Rejection], again: _prompting.ReportExtraction, index: _prompting.QuoteIndex
) -> tuple[_prompting.ReportExtraction, dict[str, Rejection]]:
    """Fill the rejected fields of ``kept`` from the follow-up answer, where its value passes.
    Scalars by path; list items by name (a voided item is added back, at the list's end; a
    rejected field of an item is taken from the follow-up item of the same name)."""
    fixed, still = split_valid(again, index)
    data, extra = kept.model_dump(mode="json"), fixed.model_dump(mode="json")
    remaining: dict[str, Rejection] = {}
    names = {name: {_prompting._squash(item["name"]["value"]): i for i, item in enumerate(data[name])} for name in ("indicators", "projects") if name in data}
    for path, rejection in rejected.items():
        steps = _steps(path)
        if rejection.item is not None:
            name, field_name = steps[0], steps[2]
            wanted = _prompting._squash(rejection.item)
            partner = next((item for item in extra[name] if _prompting._squash(item["name"]["value"]) == wanted), None)
            if field_name == "name" and partner is not None and wanted not in names[name]:
                data[name].append(partner)
                names[name][wanted] = len(data[name]) - 1
            elif field_name != "name" and partner is not None and wanted in names[name] and partner.get(field_name) is not None:
                data[name][names[name][wanted]][field_name] = partner[field_name]
            else:
                remaining[path] = rejection  # the follow-up's paths number its own list
            continue
        value: Any = extra
        for step in steps:
            value = value[step] if value is not None else None
        if value is not None:
            _put(data, path, value)
        else:
            remaining[path] = still.get(path, rejection)
    return type(kept).model_validate(data), remaining


def _failure_list(rejected: dict[str, Rejection]) -> str:
    return "\n".join(f"- {path}: {r.reason}" for path, r in rejected.items())


def _last_output(error: BaseException) -> str | None:
    """The raw text of the last answer that failed (a cut or unparsable one), if any came."""
    for candidate in (error, _transport_error(error)):
        completion = getattr(candidate, "last_completion", None)
        choices = getattr(completion, "choices", None)
        if choices:
            message = choices[0].message
            calls = getattr(message, "tool_calls", None)
            return (calls[0].function.arguments if calls else message.content) or ""
    return None


@dataclass
class _Endpoint:
    """The openai client, the instructor mode and the document's deadline (monotonic seconds)."""

    client: Any
    mode: str
    deadline: float
    stats: CallStats
    model: Any = None  # the response model (ReportExtraction, or some of its fields; ask_model sets it)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def _create(endpoint: _Endpoint, messages: list[dict], context: dict, settings: Settings, hooks) -> _prompting.ReportExtraction:
    """One schema-valid response: instructor re-asks on a malformed answer, tenacity retries
    transport errors, and no request outlives the document's deadline (its timeout is what is
    left of the budget). The quotes are not checked here (``split_valid`` checks each value)."""
    import instructor
    from tenacity import Retrying, retry_if_exception, stop_after_attempt

    backoff = _backoff(settings)
    url = settings.llm_base_url or _prompting.DEFAULT_BASE_URL

    def wait(state) -> float:
        error = state.outcome.exception() if state.outcome else None
        after = _retry_after(error) if error is not None else None
        if after and getattr(_transport_error(error), "status_code", None) == 429:
            LIMITER.hold(url, min(after, settings.llm_retry_wait_max))  # every document waits, not only this one
        return max(0.0, min(backoff(state), endpoint.remaining()))

    retrying = Retrying(
        stop=stop_after_attempt(settings.llm_max_retries + 1),
        wait=wait,
        retry=retry_if_exception(is_transient),
        reraise=True,
    )
    estimate = estimate_tokens(*(m["content"] for m in messages), *(str(v) for v in context.values()))
    for attempt in retrying:
        with attempt:
            left = endpoint.remaining()
            if left <= 0:
                raise TimeBudgetExceeded(f"the document's time budget of {settings.llm_document_budget:g} s ran out (PIPELINE_LLM_DOCUMENT_BUDGET)")
            _costs.LEDGER.check(settings)  # the run's cost cap: past it, the request is not sent
            reservation = LIMITER.acquire(url, per_minute=settings.llm_requests_per_minute,
                                          tokens_per_minute=settings.llm_tokens_per_minute, tokens=estimate, deadline=endpoint.deadline)
            used_before = endpoint.stats.tokens_in + endpoint.stats.tokens_out
            client = endpoint.client.with_options(timeout=min(settings.llm_timeout, max(endpoint.remaining(), 0.001)))
            try:
                response = _send(instructor, client, endpoint, messages, context, settings, hooks)
            finally:
                LIMITER.settle(reservation, endpoint.stats.tokens_in + endpoint.stats.tokens_out - used_before)
    return response


def _send(instructor, client, endpoint: _Endpoint, messages: list[dict], context: dict, settings: Settings, hooks):
    """One instructor call (its own re-asks on a malformed answer included)."""
    return instructor.from_openai(client, mode=instructor.Mode[endpoint.mode]).create(
        model=settings.llm_model,
        messages=messages,
        response_model=endpoint.model,
        max_retries=settings.llm_max_reasks,
        context=context,
        hooks=hooks,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_output_tokens,
    )


def ask_model(
    text: str, index: _prompting.QuoteIndex, prompt: _prompting.Prompt, settings: Settings, stats: CallStats, client=None, note: str = "",
    model: Any = None,
) -> ModelAnswer:
    """The model's answer, checked value by value: a value whose quote is not in the text, or
    whose number is not the quoted one, is rejected alone and asked for again in a short
    follow-up that lists only the failures (at most ``llm_max_reasks`` follow-ups). Never raises
    for what the endpoint or the model does: a failure comes back as ``ModelAnswer.failure``."""
    import openai
    from instructor.core import Hooks, InstructorError
    from pydantic import ValidationError

    if _api_key(settings):
        _LOG_FILTER.secrets.add(_api_key(settings))
    secrets = [_api_key(settings)]
    endpoint = _Endpoint(client or make_client(settings), settings.llm_mode, time.monotonic() + settings.llm_document_budget, stats,
                         model or _prompting.ReportExtraction)
    hooks = Hooks()
    hooks.on("completion:kwargs", stats.on_request)
    hooks.on("completion:response", stats.on_response)
    hooks.on("completion:response", _costs.LEDGER.hook(settings))
    failures = (openai.OpenAIError, InstructorError, ValidationError, ValueError, TimeBudgetExceeded, _costs.CostCapReached)
    # Placeholders only: instructor renders messages with Jinja when a context is given.
    context = {"instructions": prompt.text, "document_text": text, "truncation_note": note}
    messages = [{"role": "system", "content": "{{ instructions }}"}, {"role": "user", "content": USER_TEMPLATE}]
    try:
        answer = _create(endpoint, messages, context, settings, hooks)
    except failures as error:
        output = _last_output(error)
        return ModelAnswer(endpoint.model(), failure=redact(_describe(error), secrets),
                           last_output=redact(output, secrets) if output is not None else None)
    kept, rejected = split_valid(answer, index)
    last = answer
    for _ in range(settings.llm_max_reasks):
        if not rejected:
            break
        follow_up = [
            *messages,
            {"role": "assistant", "content": "{{ previous_answer }}"},
            {"role": "user", "content": FOLLOW_UP_TEMPLATE},
        ]
        follow_context = {**context, "previous_answer": last.model_dump_json(), "failures": _failure_list(rejected)}
        try:
            last = _create(endpoint, follow_up, follow_context, settings, hooks)
        except failures as error:
            reason = redact(_describe(error), secrets)
            rejected = {p: Rejection(r.path, r.value, r.quote, f"{r.reason} (the re-ask failed: {reason})") for p, r in rejected.items()}
            break
        kept, rejected = _take_corrections(kept, rejected, last, index)
    return ModelAnswer(kept, rejected, last_output=last.model_dump_json() if rejected else None)
