"""LLM backend: schema-constrained extraction through any OpenAI-compatible endpoint.

``extract_llm(document, settings)`` works like this:

1. **Request.** The versioned prompt (``prompts/extract_v1.md``, its version in
   ``RecordMeta.prompt_version``) and the document text go to the model through instructor in
   TOOLS mode. Texts over ``llm_max_input_chars`` are cut, and an ``llm_input_truncated`` finding
   says so. The response model ``ReportExtraction`` mirrors the plain record, except that every
   leaf value comes with the ``quote`` it was read from, so the model has to cite.
2. **Validation per value → follow-up.** Instructor checks the answer against the schema and
   re-asks when it is malformed. Then ``split_valid`` checks each value alone against the text the
   model saw: a value fails when its quote is not in the text (compared without whitespace or
   width differences, raw or normalised); an amount is not the quoted number in 万元; a rate is
   not the printed percent; a text value is not inside its quote; or a passage is not copied from
   the report. A failing value is removed (a list item whose name fails goes whole) and the rest
   stands. A short follow-up lists only the failures and asks for those fields again, at most
   ``llm_max_reasks`` times; only the failed fields are taken from it.
3. **Transport retries.** tenacity retries 429, 5xx, timeouts and connection errors with
   exponential backoff, honouring Retry-After, at most ``llm_max_retries`` times. The openai
   client's own retries are switched off so that nothing retries twice. Instructor's loop only
   retries validation errors; it wraps a transport error, so the error's cause is what we check.
4. **Cache.** An answer is stored under ``llm_cache_dir`` (its rejected values with it; a failed
   call never). The key is a hash of the model, the prompt version, the prompt and schema hash,
   the document sha256 and the hash of the text sent. The cache holds no secret: no key and no
   URL. A hit counts in ``meta.cache_hits`` and costs no call and no tokens.
5. **Evidence.** ``ground.ground_value`` (method ``llm``) gives every value its evidence. For
   numbers, the quote picks which occurrence. A value that cannot be grounded keeps
   ``Evidence(match='ungrounded')`` and is never dropped.

6. **Degrade, never lose.** Nothing the endpoint or the model does raises: transport errors past
   the retries, a 401, a cut (``finish_reason: length``), empty or unparsable answer give a record
   with what validated (empty otherwise). Rejected values become candidates of their field with
   the reason, the last invalid output a candidate under ``llm_output``, and an ``llm_failed``
   warning says why and routes the record to review (``with_model_outcome``).

Instructor renders the messages as Jinja templates whenever it gets a validation context. So the
prompt and the document enter the messages only through ``{{ placeholders }}``: their text is
inserted as it is and never parsed. A report that contains ``{#`` or ``{{`` cannot break the
request or steer the template.

``meta.llm_calls`` counts the HTTP requests sent, rejected ones (429) included.
``tokens_in`` / ``tokens_out`` sum the usage of every response received, re-asks included.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import threading
import time
import unicodedata
from contextlib import closing
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, ClassVar, Iterator, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from pipeline.analysis import DocumentView, analyze
from pipeline.config import Settings, get_settings, require_endpoint
from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.ground import AMOUNT_TOLERANCE, VERBAL_VALUES, ground_value, wan_readings
from pipeline.normalize import MONEY_UNITS, NumberMention, normalize, scan_numbers, to_wan, view
from pipeline.record import LLM_FAILED, Candidate, Evidence, ExtractedRecord, Finding, RecordMeta, ReportType, Span

EXTRACTOR_VERSION = "llm-1"
# The longest raw model output kept in a record for the reviewer.
MAX_KEPT_OUTPUT = 4000
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
PROMPT_FILE = "extract_v2.md"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Sent as the bearer token to a keyless local server (the openai client insists on some key).
_NO_KEY = "no-key"

class LlmExtractionError(PipelineError):
    """The model could not produce a valid record. ``extract_llm`` no longer raises it (a failure
    becomes an ``llm_failed`` finding); kept for callers that want to raise one. Never carries a secret."""

    code = "llm_failed"


# --- the prompt -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    version: str
    text: str


@lru_cache(maxsize=4)
def load_prompt(name: str = PROMPT_FILE) -> Prompt:
    """The prompt file, sent verbatim as the system message; its version is declared in its
    first line (``<!-- prompt_version: extract_v1``)."""
    text = (PROMPTS_DIR / name).read_text(encoding="utf-8")
    found = re.match(r"<!--\s*prompt_version:\s*(\S+)", text)
    if not found:
        raise ValueError(f"{PROMPTS_DIR / name}: first line must declare '<!-- prompt_version: NAME'")
    return Prompt(version=found.group(1), text=text)


# --- the text the model may quote -------------------------------------------------------------


def _fold(ch: str) -> str:
    """One character as compared in quotes: NFKC (full-width → half-width) when that keeps it
    one character."""
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def _squash(text: str) -> str:
    return "".join(_fold(ch) for ch in text if not ch.isspace())


def _squash_indexed(text: str) -> tuple[str, list[int]]:
    """``_squash(text)`` and, per kept character, its offset in ``text``."""
    kept = [(i, _fold(ch)) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


class QuoteIndex:
    """The text the model saw, searchable for quotes in two views: the raw text and the
    normalised text (numbers repaired: '2,2097.11' → '22097.11'). Both views drop whitespace and
    compare full-width and half-width forms as equal. Spans come back as raw offsets."""

    def __init__(self, text: str, analysis: DocumentView | None = None):
        """``analysis``: the document's one analysis, when ``text`` is the whole document (a
        truncated input gets its own normalised view)."""
        self.text = text
        self.nt, mentions = (analysis.nt, analysis.numbers) if analysis is not None else view(text)
        self.mentions: list[NumberMention] = list(mentions)
        self._raw, self._raw_at = _squash_indexed(text)
        self._norm, self._norm_at = _squash_indexed(self.nt.text)

    def locate(self, quote: str) -> tuple[int, int] | None:
        """Raw span of the first occurrence of ``quote``, or None."""
        needle = _squash(quote)
        if not needle:
            return None
        found = self._raw.find(needle)
        if found >= 0:
            return self._raw_at[found], self._raw_at[found + len(needle) - 1] + 1
        found = self._norm.find(needle)
        if found >= 0:
            return self.nt.raw_span(self._norm_at[found], self._norm_at[found + len(needle) - 1] + 1)
        return None

    def contains(self, quote: str) -> bool:
        return self.locate(quote) is not None


# --- the response model the LLM fills ----------------------------------------------------------

_QUOTE_HELP = (
    "Exact text copied character for character from the report, containing the value as printed "
    "(normally its label and the value, 2-60 characters). 逐字复制报告原文。"
)


def _quote_index(info: ValidationInfo) -> QuoteIndex | None:
    context = info.context if isinstance(info.context, dict) else None
    index = context.get("quotes") if context else None
    return index if isinstance(index, QuoteIndex) else None


def _numbers_in(quote: str) -> list[NumberMention]:
    return scan_numbers(normalize(quote))


def _close(a: float | None, b: float) -> bool:
    return a is not None and abs(a - b) <= AMOUNT_TOLERANCE


def _plain(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


class _Quoted(BaseModel):
    """A value with the quote it was read from."""

    kind: ClassVar[str] = "text"
    quote: str = Field(min_length=1, max_length=300, description=_QUOTE_HELP)

    @field_validator("quote")
    @classmethod
    def _quote_is_in_report(cls, quote: str, info: ValidationInfo) -> str:
        index = _quote_index(info)
        if index is not None and not index.contains(quote):
            raise ValueError(
                f"this quote does not occur in the report: {quote!r}. Copy the quote exactly as "
                "printed in the report (a short span with the label and the value); do not "
                "paraphrase, translate, reformat numbers or join text from different places. "
                "引文必须逐字复制报告原文。"
            )
        return quote


class QuotedAmount(_Quoted):
    """An amount in 万元 and the text that prints it."""

    kind: ClassVar[str] = "amount"
    value: float = Field(description="The amount in 万元: 元 ÷ 10000, 亿元 × 10000. A number, not a string.")

    @model_validator(mode="after")
    def _amount_is_quoted(self, info: ValidationInfo) -> "QuotedAmount":
        if _quote_index(info) is None:
            return self
        value, mentions = self.value, _numbers_in(self.quote)
        if any(words in self.quote for words in VERBAL_VALUES.get(value, ())):
            return self
        for m in mentions:
            # With its own unit, or bare in a table whose header gives the unit (万元, 元, 亿元).
            if any(_close(reading, value) for reading in wan_readings(m)):
                return self
        for m in mentions:
            if m.unit in MONEY_UNITS and _close(m.value, value):
                raise ValueError(
                    f"amounts are numbers in 万元: the quote prints {m.text.strip()!r}, which is "
                    f"{_plain(to_wan(m.value, m.unit))} 万元; return that number."
                )
        raise ValueError(
            f"the amount {_plain(value)} 万元 is not printed in the quote {self.quote!r}. Quote "
            "the text that prints this amount, or return null if the report does not state it; "
            "never compute an amount."
        )


class QuotedRate(_Quoted):
    """A rate or percentage exactly as printed, and the text that prints it."""

    kind: ClassVar[str] = "rate"
    value: float = Field(description="Percent number as printed: 99.66 for '99.66%'. Never recomputed.")

    @model_validator(mode="after")
    def _rate_is_printed(self, info: ValidationInfo) -> "QuotedRate":
        if _quote_index(info) is None:
            return self
        mentions = [m for m in _numbers_in(self.quote) if not m.counter]
        if any(_close(m.value, self.value) for m in mentions):
            return self
        as_percent = [m for m in mentions if _close(m.value, self.value * 100)]
        if as_percent:
            raise ValueError(
                f"rates are percent numbers as printed: write {_plain(as_percent[0].value)}, "
                f"not {_plain(self.value)}."
            )
        raise ValueError(
            f"the rate {_plain(self.value)} is not printed in the quote {self.quote!r}. Copy the "
            "rate the report prints (99.66 for '99.66%'); never compute it from amounts."
        )


class QuotedNumber(_Quoted):
    """A number as printed (a score), and the text that prints it."""

    kind: ClassVar[str] = "number"
    value: float = Field(ge=0, le=100, description="The number as printed, e.g. 92.5 for '92.5分'.")

    @model_validator(mode="after")
    def _number_is_printed(self, info: ValidationInfo) -> "QuotedNumber":
        if _quote_index(info) is None or any(_close(m.value, self.value) for m in _numbers_in(self.quote)):
            return self
        raise ValueError(f"the number {_plain(self.value)} is not printed in the quote {self.quote!r}.")


class QuotedYear(_Quoted):
    kind: ClassVar[str] = "number"
    value: int = Field(ge=1990, le=2100, description="The year evaluated, e.g. 2022.")

    @model_validator(mode="after")
    def _year_is_printed(self, info: ValidationInfo) -> "QuotedYear":
        if _quote_index(info) is None or str(self.value) in _squash(self.quote):
            return self
        raise ValueError(f"the year {self.value} is not printed in the quote {self.quote!r}.")


class QuotedText(_Quoted):
    """A text value as printed, and the text around it."""

    value: str = Field(min_length=1, description="The text as printed in the report.")

    @model_validator(mode="after")
    def _text_is_quoted(self, info: ValidationInfo) -> "QuotedText":
        if _quote_index(info) is None or _squash(self.value) in _squash(self.quote):
            return self
        raise ValueError(
            f"the value {self.value!r} does not occur in its quote {self.quote!r}: the quote "
            "must contain the value exactly as printed."
        )


_PIECE_SPLIT = re.compile(r"[。；;！!？?\n\f]+")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*[.、)）]|[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}\s*、)")


def passage_pieces(text: str) -> list[str]:
    """The sentences of a passage, without list numbering: each must occur in the report."""
    pieces = (_NUMBERING.sub("", piece) for piece in _PIECE_SPLIT.split(text))
    return [piece for piece in pieces if len(_squash(piece)) >= 2]


class Passage(BaseModel):
    """A passage copied from the report (存在的问题 / 改进措施); it is its own quote."""

    kind: ClassVar[str] = "passage"
    text: str = Field(min_length=1, description="The passage copied from the report without rewording.")

    @field_validator("text")
    @classmethod
    def _copied_from_report(cls, text: str, info: ValidationInfo) -> str:
        index = _quote_index(info)
        if index is None:
            return text
        pieces = passage_pieces(text)
        missing = [piece for piece in pieces if not index.contains(piece)]
        if not pieces or missing:
            example = (missing or [text])[0]
            raise ValueError(
                f"{len(missing) or 1} sentence(s) of this passage do not occur in the report, e.g. "
                f"{example[:60]!r}: copy the passage from the report without rewording or summarising."
            )
        return text


class LlmMoneyPair(BaseModel):
    budget: QuotedAmount | None = Field(None, description="Full-year budget, 万元.")
    actual: QuotedAmount | None = Field(None, description="Actual spending, 万元.")


class LlmBudget(BaseModel):
    initial: QuotedAmount | None = Field(
        None, description="年初预算数 / 年初预算收入: only a figure labelled as the start-of-year budget (年初…)."
    )
    adjusted: QuotedAmount | None = Field(
        None, description="调整后预算数 / 全年预算数: full-year budget, a total. Also a single budget figure printed "
        "without a 年初 label (下达 N 万元, 计划安排资金, a 合计 row); never one funding-source part."
    )
    adjustment: QuotedAmount | None = Field(None, description="预算调整数 when printed as a signed change.")
    actual: QuotedAmount | None = Field(None, description="实际支出数 / 执行数 / 决算数.")
    execution_rate: QuotedRate | None = Field(None, description="预算执行率 / 预算完成率 / 资金支出率, as printed.")
    adjustment_rate: QuotedRate | None = Field(None, description="预算调整率, as printed.")
    basic: LlmMoneyPair = Field(default_factory=LlmMoneyPair, description="基本支出.")
    project: LlmMoneyPair = Field(default_factory=LlmMoneyPair, description="项目支出.")
    three_public: LlmMoneyPair = Field(default_factory=LlmMoneyPair, description="“三公”经费.")


class LlmEvaluation(BaseModel):
    score: QuotedNumber | None = Field(None, description="自评得分 / 总分, 0-100.")
    grade: QuotedText | None = Field(
        None, description="自评等级 / 绩效等级 / 评价等级: one of 优, 良, 中, 差, in simplified characters."
    )


class LlmIndicator(BaseModel):
    level1: QuotedText | None = Field(None, description="一级指标, e.g. 产出指标.")
    level2: QuotedText | None = Field(None, description="二级指标, e.g. 数量指标.")
    name: QuotedText = Field(description="三级指标 name as printed.")
    target: QuotedText | None = Field(None, description="年度指标值, text as printed.")
    actual: QuotedText | None = Field(None, description="实际完成值 / 指标完成情况, text as printed.")


class LlmProject(BaseModel):
    name: QuotedText = Field(description="Project, task or fund name as printed, without a financial-system code.")
    budget: QuotedAmount | None = Field(None, description="万元.")
    actual: QuotedAmount | None = Field(None, description="万元.")
    execution_rate: QuotedRate | None = Field(None, description="Percent, as printed.")


class ReportExtraction(BaseModel):
    """The structured record of one budget-performance self-evaluation report. Every value
    carries the quote it was read from; values the report does not state are null."""

    department: QuotedText | None = Field(None, description="部门名称 / 单位名称, as printed.")
    fiscal_year: QuotedYear | None = Field(None, description="The year evaluated (被评价年度).")
    report_type: ReportType | None = Field(
        None, description="overall_table: one-page 部门整体支出绩效自评表; overall_report: narrative "
        "部门整体支出绩效自评报告; project_table: 项目支出绩效自评表 (one project, or one row per project); "
        "project_report: narrative or form-style 自评报告 on one project or fund. No quote needed."
    )
    subject: QuotedText | None = Field(
        None, description="The project or fund a project-level report evaluates; null for a whole department."
    )
    budget: LlmBudget = Field(default_factory=LlmBudget)
    evaluation: LlmEvaluation = Field(default_factory=LlmEvaluation)
    indicators: list[LlmIndicator] = Field(default_factory=list, description="Performance indicators, in report order.")
    projects: list[LlmProject] = Field(default_factory=list, description="Projects, tasks or funds with money, in report order.")
    problems: Passage | None = Field(None, description="存在的问题.")
    improvements: Passage | None = Field(None, description="改进措施 / 下一步计划.")


def quoted_leaves(node: Any, prefix: str = "") -> Iterator[tuple[str, _Quoted | Passage]]:
    """(record field path, quoted value) for every value in a response, in record path syntax."""
    if isinstance(node, (_Quoted, Passage)):
        yield prefix, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from quoted_leaves(getattr(node, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from quoted_leaves(item, f"{prefix}[{i}]")


def plain_values(node: Any) -> Any:
    """The response with every quoted value replaced by its value: the plain record's shape."""
    if isinstance(node, _Quoted):
        return node.value  # type: ignore[attr-defined]
    if isinstance(node, Passage):
        return node.text
    if isinstance(node, BaseModel):
        return {name: plain_values(getattr(node, name)) for name in type(node).model_fields}
    if isinstance(node, list):
        return [plain_values(item) for item in node]
    return node


@lru_cache(maxsize=1)
def _schema_hash() -> str:
    schema = json.dumps(ReportExtraction.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(schema.encode("utf-8")).hexdigest()


@lru_cache(maxsize=4)
def _request_fingerprint(prompt: Prompt) -> str:
    """Hash of what shapes the requests besides the document: the prompt, the templates and the
    response schema."""
    parts = (prompt.text, USER_TEMPLATE, FOLLOW_UP_TEMPLATE, _schema_hash())
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


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
    """An openai client for the configured endpoint, with its own retries off (tenacity retries)."""
    import openai

    return openai.OpenAI(
        api_key=_api_key(settings) or _NO_KEY,
        base_url=settings.llm_base_url or DEFAULT_BASE_URL,
        timeout=settings.llm_timeout,
        max_retries=0,
    )


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

    response: ReportExtraction
    rejected: dict[str, Rejection] = field(default_factory=dict)
    failure: str | None = None
    last_output: str | None = None


def _leaf_error(leaf: _Quoted | Passage, index: QuoteIndex) -> str | None:
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


def split_valid(response: ReportExtraction, index: QuoteIndex) -> tuple[ReportExtraction, dict[str, Rejection]]:
    """The response with every value that fails its check removed (a list item whose name fails
    goes whole), and the removed values with their reasons. The rest stands."""
    data = response.model_dump(mode="json")
    rejected: dict[str, Rejection] = {}
    void_items: set[tuple[str, int]] = set()
    for path, leaf in quoted_leaves(response):
        reason = _leaf_error(leaf, index)
        if reason is None:
            continue
        value = leaf.text if isinstance(leaf, Passage) else leaf.value  # type: ignore[attr-defined]
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
    return ReportExtraction.model_validate(data), rejected


def _take_corrections(
    kept: ReportExtraction, rejected: dict[str, Rejection], again: ReportExtraction, index: QuoteIndex
) -> tuple[ReportExtraction, dict[str, Rejection]]:
    """Fill the rejected fields of ``kept`` from the follow-up answer, where its value passes.
    Scalars by path; list items by name (a voided item is added back, at the list's end; a
    rejected field of an item is taken from the follow-up item of the same name)."""
    fixed, still = split_valid(again, index)
    data, extra = kept.model_dump(mode="json"), fixed.model_dump(mode="json")
    remaining: dict[str, Rejection] = {}
    names = {name: {_squash(item["name"]["value"]): i for i, item in enumerate(data[name])} for name in ("indicators", "projects")}
    for path, rejection in rejected.items():
        steps = _steps(path)
        if rejection.item is not None:
            name, field_name = steps[0], steps[2]
            wanted = _squash(rejection.item)
            partner = next((item for item in extra[name] if _squash(item["name"]["value"]) == wanted), None)
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
    return ReportExtraction.model_validate(data), remaining


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


class RequestPacer:
    """Spaces requests to each endpoint at ``llm_requests_per_minute`` across every document of
    the process (threads included), so a long run stays under a provider's rate limit instead of
    collecting 429s. A request that would have to wait past its document's deadline is not sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, endpoint: str, per_minute: float | None, deadline: float) -> None:
        if not per_minute:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(endpoint, 0.0))
            if start > deadline:
                raise TimeBudgetExceeded("the request rate limit (PIPELINE_LLM_REQUESTS_PER_MINUTE) leaves no time within the document's budget")
            self._next[endpoint] = start + 60.0 / per_minute
        time.sleep(start - now)


PACER = RequestPacer()


class TimeBudgetExceeded(Exception):
    """The document's total time budget (``llm_document_budget``) ran out."""


@dataclass
class _Endpoint:
    """The openai client, the instructor mode and the document's deadline (monotonic seconds)."""

    client: Any
    mode: str
    deadline: float

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def _create(endpoint: _Endpoint, messages: list[dict], context: dict, settings: Settings, hooks) -> ReportExtraction:
    """One schema-valid response: instructor re-asks on a malformed answer, tenacity retries
    transport errors, and no request outlives the document's deadline (its timeout is what is
    left of the budget). The quotes are not checked here (``split_valid`` checks each value)."""
    import instructor
    from tenacity import Retrying, retry_if_exception, stop_after_attempt

    backoff = _backoff(settings)
    retrying = Retrying(
        stop=stop_after_attempt(settings.llm_max_retries + 1),
        wait=lambda state: max(0.0, min(backoff(state), endpoint.remaining())),
        retry=retry_if_exception(is_transient),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            left = endpoint.remaining()
            if left <= 0:
                raise TimeBudgetExceeded(f"the document's time budget of {settings.llm_document_budget:g} s ran out (PIPELINE_LLM_DOCUMENT_BUDGET)")
            PACER.wait(settings.llm_base_url or DEFAULT_BASE_URL, settings.llm_requests_per_minute, endpoint.deadline)
            client = endpoint.client.with_options(timeout=min(settings.llm_timeout, max(endpoint.remaining(), 0.001)))
            response = instructor.from_openai(client, mode=instructor.Mode[endpoint.mode]).create(
                model=settings.llm_model,
                messages=messages,
                response_model=ReportExtraction,
                max_retries=settings.llm_max_reasks,
                context=context,
                hooks=hooks,
                temperature=settings.llm_temperature,
                max_tokens=settings.llm_max_output_tokens,
            )
    return response


def ask_model(
    text: str, index: QuoteIndex, prompt: Prompt, settings: Settings, stats: CallStats, client=None, note: str = ""
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
    endpoint = _Endpoint(client or make_client(settings), settings.llm_mode, time.monotonic() + settings.llm_document_budget)
    hooks = Hooks()
    hooks.on("completion:kwargs", stats.on_request)
    hooks.on("completion:response", stats.on_response)
    failures = (openai.OpenAIError, InstructorError, ValidationError, ValueError, TimeBudgetExceeded)
    # Placeholders only: instructor renders messages with Jinja when a context is given.
    context = {"instructions": prompt.text, "document_text": text, "truncation_note": note}
    messages = [{"role": "system", "content": "{{ instructions }}"}, {"role": "user", "content": USER_TEMPLATE}]
    try:
        answer = _create(endpoint, messages, context, settings, hooks)
    except failures as error:
        output = _last_output(error)
        return ModelAnswer(ReportExtraction(), failure=redact(_describe(error), secrets),
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


# --- the cache --------------------------------------------------------------------------------


CACHE_FILE = "responses.sqlite3"


@dataclass
class ResponseCache:
    """The model's answers in one SQLite file under ``directory``, keyed by the hash of
    ``identity`` (model, mode, prompt version, prompt and schema hashes, document and sent-text
    hashes). Only answers go in, never a failed call, and nothing secret: no key, no URL.
    SQLite's own locking lets several processes share the file."""

    directory: Path
    identity: dict[str, str] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()

    @property
    def path(self) -> Path:
        return self.directory / CACHE_FILE

    def _connect(self):
        import sqlite3

        self.directory.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, identity TEXT NOT NULL, "
            "served_model TEXT, usage TEXT NOT NULL, answer TEXT NOT NULL, created REAL NOT NULL)"
        )
        return connection

    def load(self, index: QuoteIndex) -> tuple[ModelAnswer, dict] | None:
        import sqlite3

        if not self.path.is_file():
            return None
        try:
            with closing(self._connect()) as connection:
                row = connection.execute(
                    "SELECT identity, served_model, answer FROM answers WHERE key = ?", (self.key,)
                ).fetchone()
            if row is None or json.loads(row[0]) != self.identity:
                return None
            data = json.loads(row[2])
            response = ReportExtraction.model_validate(data["response"], context={"quotes": index})
            rejected = {r["path"]: Rejection(**r) for r in data.get("rejected", [])}
            return ModelAnswer(response, rejected, last_output=data.get("last_output")), {"served_model": row[1]}
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError):
            return None  # unreadable or stale: ask the model again

    def store(self, answer: ModelAnswer, stats: CallStats) -> None:
        """An answer the model gave (its rejected values included); never a failed call."""
        if answer.failure is not None:
            return
        data = {
            "response": answer.response.model_dump(mode="json"),
            "rejected": [vars(r) for r in answer.rejected.values()],
            "last_output": answer.last_output,
        }
        usage = {"llm_calls": stats.llm_calls, "tokens_in": stats.tokens_in, "tokens_out": stats.tokens_out}
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (self.key, json.dumps(self.identity, sort_keys=True), stats.served_model, json.dumps(usage),
                 json.dumps(data, ensure_ascii=False), time.time()),
            )

    def __len__(self) -> int:
        if not self.path.is_file():
            return 0
        with closing(self._connect()) as connection:
            return connection.execute("SELECT COUNT(*) FROM answers").fetchone()[0]


# --- evidence ---------------------------------------------------------------------------------


def _near(index: QuoteIndex, span: tuple[int, int], value: float) -> int:
    """Raw offset of the number inside the quote's span that is closest to ``value``."""
    inside = [m for m in index.mentions if span[0] <= m.raw_start < span[1]]
    if not inside:
        return span[0]

    def distance(m: NumberMention) -> float:
        return min(abs(reading - value) for reading in (m.value, *wan_readings(m)))

    return min(inside, key=distance).raw_start


def evidence_for(document: Document, index: QuoteIndex, leaf: _Quoted | Passage) -> Evidence:
    """Ground one value in the document; the quote chooses the occurrence of a number."""
    if isinstance(leaf, Passage):
        return _passage_evidence(document, leaf.text)
    if leaf.kind == "text":
        return ground_value(document, leaf.value, "text", method="llm")
    span = index.locate(leaf.quote)
    near = _near(index, span, float(leaf.value)) if span else None
    return ground_value(document, leaf.value, leaf.kind, method="llm", near=near)


def _passage_evidence(document: Document, text: str) -> Evidence:
    """A passage found whole, or assembled from its sentences (a page header between them)."""
    whole = ground_value(document, text, "text", method="llm")
    if whole.match != "ungrounded":
        return whole
    found = [e for e in (ground_value(document, p, "text", method="llm") for p in passage_pieces(text)) if e.match != "ungrounded"]
    if not found:
        return whole
    first, rest = found[0], found[1:]
    return first.model_copy(
        update={
            "parts": [Span(page=e.page, start=e.start, end=e.end, quote=e.quote) for e in rest],
            "match": "fuzzy" if len(found) < len(passage_pieces(text)) else first.match,
            "confidence": min(e.confidence for e in found),
        }
    )


# --- the backend ------------------------------------------------------------------------------


def extract_llm(document: Document, settings: Settings | None = None, *, client=None) -> ExtractedRecord:
    """Extract a record with the model; every value grounded or marked ungrounded.

    ``client`` replaces the openai client built from ``settings`` (another transport, tests).
    Raises ``BackendUnavailableError`` when no endpoint is configured and
    ``LlmExtractionError`` when the model could not produce a valid record.
    """
    settings = settings or get_settings()
    if client is None:
        require_endpoint(document.path, "llm", settings)
    prompt = load_prompt()
    text = bounded_text(document.text, settings.llm_max_input_chars)
    notes: list[str] = []
    note = ""
    if len(text) < len(document.text):
        note = (
            f"\n注意：报告过长，只给出前 {len(text)} 个字符（共 {len(document.text)} 个）。"
            f"\nNote: the report is long; only its first {len(text)} of {len(document.text)} characters are given."
        )
        # A property of this extraction, not an inconsistency in the report: it goes in meta, not
        # findings (findings are flag kinds that evaluation scores against _expected_flags).
        notes.append(
            f"llm_input_truncated: 报告共 {len(document.text)} 个字符，超过模型输入上限，只发送了前 {len(text)} 个字符，"
            f"其后的内容未抽取 (the model saw {len(text)} of {len(document.text)} characters)"
        )
    index = QuoteIndex(text, analyze(document) if text == document.text else None)
    stats = CallStats()
    cache = ResponseCache(
        Path(settings.llm_cache_dir),
        {
            "model": settings.llm_model,
            "prompt_version": prompt.version,
            "mode": settings.llm_mode,
            "request_sha256": _request_fingerprint(prompt),
            "schema_sha256": _schema_hash(),
            "document_sha256": document.sha256,
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
    )
    cached = cache.load(index) if settings.llm_cache else None
    if cached is not None:
        answer, data = cached
        stats.cache_hits, stats.served_model = 1, data.get("served_model")
    else:
        answer = ask_model(text, index, prompt, settings, stats, client=client, note=note)
        if settings.llm_cache:
            cache.store(answer, stats)
    return with_model_outcome(to_record(document, answer.response, index, stats, prompt, notes), answer)


LLM_OUTPUT = "llm_output"  # candidates key of the model's last invalid output, for the reviewer


def with_model_outcome(record: ExtractedRecord, answer: ModelAnswer) -> ExtractedRecord:
    """The record with what the model got wrong: each rejected value as a candidate of its
    field (with the reason), the last invalid output as a candidate under ``llm_output``, and
    one ``llm_failed`` warning that routes the record to review."""
    if answer.failure is None and not answer.rejected:
        return record
    candidates = {path: list(cands) for path, cands in record.candidates.items()}
    for path, rejection in answer.rejected.items():
        quoted = f"; the model quoted {rejection.quote!r}" if rejection.quote is not None else ""
        candidates.setdefault(path, []).append(
            Candidate(value=rejection.value, evidence=Evidence(method="llm", match="ungrounded", confidence=0.0),
                      reason=f"llm value rejected: {rejection.reason}{quoted}")
        )
    if answer.last_output is not None:
        errors = answer.failure or _failure_list(answer.rejected)
        candidates[LLM_OUTPUT] = [
            Candidate(value=answer.last_output[:MAX_KEPT_OUTPUT], evidence=Evidence(method="llm", match="ungrounded", confidence=0.0),
                      reason=f"the model's last invalid output; validation errors: {errors}")
        ]
    if answer.failure is not None:
        cause = answer.failure
        message = f"模型抽取失败，本记录只含已核实的取值，需人工复核 (llm_failed): {cause}"
    else:
        cause = _failure_list(answer.rejected).replace("\n", " ")
        message = f"模型给出的 {len(answer.rejected)} 个取值未通过核对，已被拒绝，需人工复核 (llm_failed): {cause}"
    finding = Finding(check="llm_extraction", kind=LLM_FAILED, severity="warning", fields=sorted(answer.rejected), message=message)
    return record.model_copy(update={"candidates": candidates, "findings": [*record.findings, finding]})


def to_record(
    document: Document,
    response: ReportExtraction,
    index: QuoteIndex,
    stats: CallStats,
    prompt: Prompt,
    notes: list[str] = (),
) -> ExtractedRecord:
    evidence = {path: evidence_for(document, index, leaf) for path, leaf in quoted_leaves(response)}
    served = f"{EXTRACTOR_VERSION}:{stats.served_model}" if stats.served_model else EXTRACTOR_VERSION
    return ExtractedRecord(
        doc_id=document.doc_id,
        **plain_values(response),
        evidence=evidence,
        meta=RecordMeta(
            backend="llm",
            extractor_version=served,
            model=stats.served_model,
            notes=list(notes),
            prompt_version=prompt.version,
            source_path=document.path,
            source_sha256=document.sha256,
            pages=len(document.pages),
            engines=[p.engine for p in document.pages],
            llm_calls=stats.llm_calls,
            tokens_in=stats.tokens_in,
            tokens_out=stats.tokens_out,
            cache_hits=stats.cache_hits,
        ),
    )
