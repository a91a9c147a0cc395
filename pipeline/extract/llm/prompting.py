"""What the model is asked and may answer: the versioned prompt, the text it may quote (QuoteIndex), and the response models whose validators hold every value to its quote."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, Iterator, get_args, get_origin

from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator, model_validator

from pipeline import resources
from pipeline.analysis import DocumentView
from pipeline.errors import PipelineError
from pipeline.ground import AMOUNT_TOLERANCE, VERBAL_VALUES, plain_number, prints_amount
from pipeline.normalize import MONEY_UNITS, NumberMention, normalize, scan_numbers, to_wan, view
from pipeline.record import TEXT_FIELDS, Record, ReportType
from pipeline.extract.llm import calls as _calls

EXTRACTOR_VERSION = "llm-1"
# The longest raw model output kept in a record for the reviewer.
MAX_KEPT_OUTPUT = 4000
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
    text = resources.read_text("prompts", name)  # package data in a wheel, prompts/ in a checkout
    found = re.match(r"<!--\s*prompt_version:\s*(\S+)", text)
    if not found:
        raise ValueError(f"prompts/{name}: first line must declare '<!-- prompt_version: NAME'")
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
        # With its own unit, or bare in a table whose header gives the unit (万元, 元, 亿元).
        if any(prints_amount(m, value) for m in mentions):
            return self
        for m in mentions:
            if m.unit in MONEY_UNITS and _close(m.value, value):
                raise ValueError(
                    f"amounts are numbers in 万元: the quote prints {m.text.strip()!r}, which is "
                    f"{plain_number(to_wan(m.value, m.unit))} 万元; return that number."
                )
        raise ValueError(
            f"the amount {plain_number(value)} 万元 is not printed in the quote {self.quote!r}. Quote "
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
                f"rates are percent numbers as printed: write {plain_number(as_percent[0].value)}, "
                f"not {plain_number(self.value)}."
            )
        raise ValueError(
            f"the rate {plain_number(self.value)} is not printed in the quote {self.quote!r}. Copy the "
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
        raise ValueError(f"the number {plain_number(self.value)} is not printed in the quote {self.quote!r}.")


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


# --- the response models, generated from the record's --------------------------------------------
# The shape (fields, order, which are required, lists and nested parts) is the record's own
# (``pipeline.record``); each value becomes the quoted type its kind needs, and the model is told
# more than the record's descriptions say where that helps it.

# What the model is told about a field, where the record's description is not enough.
LLM_DESCRIPTIONS: dict[str, str] = {
    "department": "部门名称 / 单位名称, as printed.",
    "fiscal_year": "The year evaluated (被评价年度).",
    "report_type": "overall_table: one-page 部门整体支出绩效自评表; overall_report: narrative "
    "部门整体支出绩效自评报告; project_table: 项目支出绩效自评表 (one project, or one row per project); "
    "project_report: narrative or form-style 自评报告 on one project or fund. No quote needed.",
    "subject": "The project or fund a project-level report evaluates; null for a whole department.",
    "budget.initial": "年初预算数 / 年初预算收入: only a figure labelled as the start-of-year budget (年初…).",
    "budget.adjusted": "调整后预算数 / 全年预算数: full-year budget, a total. Also a single budget figure printed "
    "without a 年初 label (下达 N 万元, 计划安排资金, a 合计 row); never one funding-source part.",
    "budget.adjustment": "预算调整数 when printed as a signed change.",
    "budget.actual": "实际支出数 / 执行数 / 决算数.",
    "budget.execution_rate": "预算执行率 / 预算完成率 / 资金支出率, as printed.",
    "budget.adjustment_rate": "预算调整率, as printed.",
    "evaluation.grade": "自评等级 / 绩效等级 / 评价等级: one of 优, 良, 中, 差, in simplified characters.",
    "indicators": "Performance indicators, in report order.",
    "indicators[].actual": "实际完成值 / 指标完成情况, text as printed.",
    "projects": "Projects, tasks or funds with money, in report order.",
    "projects[].name": "Project, task or fund name as printed, without a financial-system code.",
    "projects[].budget": "万元.",
    "projects[].actual": "万元.",
    "problems": "存在的问题.",
    "improvements": "改进措施 / 下一步计划.",
}
# The response model of each record model, by the record model's name.
LLM_MODEL_NAMES = {"Record": "ReportExtraction"}
_RESPONSE_DOC = {"Record": """The structured record of one budget-performance self-evaluation report. Every value
    carries the quote it was read from; values the report does not state are null."""}


def _value_type(path: str) -> Any:
    """The quoted type of a record value: what the model must quote, and how it is checked."""
    leaf = path.rsplit(".", 1)[-1]
    if path == "report_type":
        return ReportType  # a classification, no quote
    if path in TEXT_FIELDS:
        return Passage
    if path == "fiscal_year":
        return QuotedYear
    if path == "evaluation.score":
        return QuotedNumber
    if leaf.endswith("rate"):
        return QuotedRate
    if path.startswith("budget.") or leaf in ("budget", "actual") and path.startswith("projects"):
        return QuotedAmount
    return QuotedText


def _response_field(path: str, info: Any, annotation: Any) -> tuple[Any, Any]:
    description = LLM_DESCRIPTIONS.get(path, info.description)
    extra = {"description": description} if description else {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        sub = response_model(annotation, f"{path}.")
        return sub, Field(default_factory=sub, **extra)
    if get_origin(annotation) is list:
        sub = response_model(get_args(annotation)[0], f"{path}[].")
        return list[sub], Field(default_factory=list, **extra)
    value_type = _value_type(path)
    if info.is_required():
        return value_type, Field(**extra)
    return value_type | None, Field(None, **extra)


@lru_cache(maxsize=None)
def response_model(model: type[BaseModel] = Record, prefix: str = "") -> type[BaseModel]:
    """The model the LLM fills for ``model`` at ``prefix`` (its place in the record, which picks
    the descriptions): the same fields, each value a quoted value."""
    fields = {
        name: _response_field(f"{prefix}{name}", info, info.annotation)
        for name, info in model.model_fields.items()
        if name != "doc_id"
    }
    name = LLM_MODEL_NAMES.get(model.__name__, f"Llm{model.__name__}")
    return create_model(name, __doc__=_RESPONSE_DOC.get(model.__name__), **fields)


ReportExtraction = response_model()


@lru_cache(maxsize=64)
def response_model_for(groups: tuple[str, ...] = ()) -> type[BaseModel]:
    """``ReportExtraction`` with only the top-level fields ``groups`` (all when empty): a request
    for what the rules left empty carries only that part of the schema."""
    if not groups:
        return ReportExtraction
    fields = {name: (info.annotation, info) for name, info in ReportExtraction.model_fields.items() if name in groups}
    return create_model("ReportExtraction", __doc__=ReportExtraction.__doc__, **fields)


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


@lru_cache(maxsize=64)
def _schema_hash(model: type[BaseModel] | None = None) -> str:
    schema = json.dumps((model or ReportExtraction).model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(schema.encode("utf-8")).hexdigest()


@lru_cache(maxsize=4)
def _request_fingerprint(prompt: Prompt) -> str:
    """Hash of what shapes the requests besides the document: the prompt, the templates and the
    response schema."""
    parts = (prompt.text, _calls.USER_TEMPLATE, _calls.FOLLOW_UP_TEMPLATE, _schema_hash())
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
