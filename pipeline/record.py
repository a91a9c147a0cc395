"""The record contract: what one report becomes.

Two layers, one model family:

* the *plain record* — exactly the gold format of ``../shared/gold/README.md`` (amounts in 万元,
  rates in percent, ``null`` for what the report does not state). ``ExtractedRecord.plain()``
  returns it, for scoring and export;
* the *rich record* — the plain record plus ``evidence`` (field path → where the value was read),
  ``candidates`` (field path → values considered and rejected), ``findings`` (cross-check output)
  and ``meta`` (how the record was produced).

Field paths are dotted, with list indices in document order: ``budget.adjusted``,
``projects[2].budget``, ``indicators[0].name``. ``schemas/record.schema.json`` is generated from
``ExtractedRecord`` by ``pipeline schema``; a test keeps the two equal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.lexicon import grade_category

# overall_*: the whole department; project_table: a 项目支出绩效自评表 (one project, or one row per
# project); project_report: a narrative or form-style report on one project or fund.
ReportType = Literal["overall_table", "overall_report", "project_table", "project_report"]
PROJECT_LEVEL_TYPES: frozenset[str] = frozenset({"project_table", "project_report"})
Method = Literal["rules", "llm", "human"]
MatchStatus = Literal["exact", "normalized", "fuzzy", "ungrounded"]
Severity = Literal["error", "warning", "info"]
# The flag kinds of the gold README vocabulary: what a cross-check raises (``Finding.kind``), what the
# generator plants and expects (``_expected_flags``), in the README's order.
FlagKind = Literal[
    "execution_rate_mismatch",
    "adjustment_rate_mismatch",
    "adjustment_sum_mismatch",
    "parts_do_not_sum",
    "project_rate_mismatch",
    "remainder_mismatch",
    "score_items_do_not_sum",
    "grade_score_mismatch",
    "unit_suspect",
    "separator_repaired",
    "conflicting_statement",
    "year_mismatch",
    "garbled_text",
    "ungrounded_value",
]
FLAG_KINDS: tuple[str, ...] = get_args(FlagKind)
# Kinds of this project beyond the gold vocabulary: findings about the document or the run as a
# whole rather than about a value (no gold expects them; review routing does).
ProjectFlagKind = Literal["not_a_report", "llm_failed"]
PROJECT_FLAG_KINDS: tuple[str, ...] = get_args(ProjectFlagKind)
FindingKind = Literal[FlagKind, ProjectFlagKind]
# A finding about the extraction run, not about the report: the model failed or some of its values
# were rejected. It routes the record to review but is no flag kind of the gold vocabulary.
LLM_FAILED = "llm_failed"
RUN_FINDING_KINDS = frozenset({LLM_FAILED})

SCHEMA_ID = "https://example.invalid/budget-eval-pipeline/record.schema.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the plain record (gold format) ----------------------------------------------------------


class MoneyPair(_Strict):
    budget: float | None = Field(None, description="Full-year budget, 万元.")
    actual: float | None = Field(None, description="Actual spending, 万元.")


class Budget(_Strict):
    initial: float | None = Field(None, description="年初预算数, 万元.")
    adjusted: float | None = Field(None, description="Full-year budget after adjustment (a total), 万元.")
    adjustment: float | None = Field(None, description="预算调整数 when printed as a signed change, 万元.")
    actual: float | None = Field(None, description="实际支出数 / 执行数 / 决算数, 万元.")
    execution_rate: float | None = Field(None, description="Execution rate as printed, percent.")
    adjustment_rate: float | None = Field(None, description="预算调整率 as printed, percent.")
    basic: MoneyPair = Field(default_factory=MoneyPair, description="基本支出.")
    project: MoneyPair = Field(default_factory=MoneyPair, description="项目支出.")
    three_public: MoneyPair = Field(default_factory=MoneyPair, description="“三公”经费.")


class Evaluation(_Strict):
    score: float | None = Field(None, description="自评得分 / 总分, 0-100.")
    grade: str | None = Field(None, description="自评等级: one of 优, 良, 中, 差, in simplified characters (a printed 優 is 优).")

    @field_validator("grade")
    @classmethod
    def _grade_as_category(cls, grade: str | None) -> str | None:
        """The grade is a category, not printed text: 優 / 优秀 / 良好 become 优 / 优 / 良 whichever
        backend read it. A value that is no grade word is kept, for the checks to report."""
        return grade_category(grade) or grade


class Indicator(_Strict):
    level1: str | None = Field(None, description="一级指标, e.g. 产出指标.")
    level2: str | None = Field(None, description="二级指标, e.g. 数量指标.")
    name: str = Field(description="三级指标 name as printed.")
    target: str | None = Field(None, description="年度指标值, text as printed.")
    actual: str | None = Field(None, description="实际完成值, text as printed.")


class Project(_Strict):
    name: str = Field(description="Project, task or fund name as printed (without a system code).")
    budget: float | None = Field(None, description="万元.")
    actual: float | None = Field(None, description="万元.")
    execution_rate: float | None = Field(None, description="Percent, as printed.")


class Record(_Strict):
    """The gold format: one JSON object per report."""

    doc_id: str
    department: str | None = None
    fiscal_year: int | None = None
    report_type: ReportType | None = None
    subject: str | None = Field(None, description="Project or fund a project-level report evaluates.")
    budget: Budget = Field(default_factory=Budget)
    evaluation: Evaluation = Field(default_factory=Evaluation)
    indicators: list[Indicator] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    problems: str | None = None
    improvements: str | None = None


# --- evidence, candidates, findings ----------------------------------------------------------


class Span(_Strict):
    """A further piece of a value printed elsewhere (a table cell wrapped onto the next line)."""

    page: int
    start: int
    end: int
    quote: str


class Evidence(_Strict):
    """Where a value was read: the raw page text it came from, as printed."""

    page: int | None = Field(None, description="1-based page number; null when ungrounded.")
    start: int | None = Field(None, description="Start offset in the raw page text.")
    end: int | None = Field(None, description="End offset (exclusive) in the raw page text.")
    quote: str | None = Field(None, description="Raw source text of the span, as printed.")
    label: str | None = Field(None, description="The label the value was read under, if any.")
    method: Method = "rules"
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    match: MatchStatus = Field("exact", description="How the value was found back in the text.")
    parts: list[Span] = Field(
        default_factory=list,
        description="Further pieces when the value was assembled from several places, in order.",
    )


class Candidate(_Strict):
    """A value considered for a field, kept with why it won or lost."""

    value: Any
    evidence: Evidence
    score: float = Field(0.0, description="Ranking score; the highest consistent candidate wins.")
    chosen: bool = False
    reason: str | None = Field(None, description="Why it was chosen or rejected.")


class Finding(_Strict):
    """One inconsistency a cross-check found; never a silent fix."""

    check: str = Field(description="Our check id, e.g. execution_rate_vs_amounts.")
    kind: FindingKind = Field(description="Flag kind from the gold README vocabulary, or one of the project's own (not_a_report, llm_failed).")
    severity: Severity
    fields: list[str] = Field(default_factory=list, description="Field paths involved.")
    message: str = Field(description="Chinese message, with the English check id.")
    stated: Any = None
    computed: Any = None
    tolerance: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class RecordMeta(_Strict):
    backend: str = "rules"
    extractor_version: str
    prompt_version: str | None = None
    source_path: str | None = None
    source_sha256: str | None = None
    pages: int | None = None
    engines: list[str] = Field(default_factory=list, description="Ingest engine per page.")
    model: str | None = Field(None, description="Model that served the llm backend, as the endpoint named it.")
    notes: list[str] = Field(default_factory=list, description="What the reader of the record should know, e.g. input cut.")
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_hits: int = 0
    cost: float | None = Field(
        0.0, description="Estimated USD cost of the model calls behind this record (pipeline/data/llm_prices.toml): 0 without "
        "a call (rules, cache hit); null when the model's price is unknown."
    )


class ExtractedRecord(Record):
    """The rich record: the plain record plus evidence for every value."""

    evidence: dict[str, Evidence] = Field(default_factory=dict)
    candidates: dict[str, list[Candidate]] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    meta: RecordMeta | None = None

    def plain(self) -> dict:
        """The gold-format dict (no evidence), for scoring and export."""
        return Record.model_validate(self.model_dump(include=set(Record.model_fields))).model_dump(
            mode="json"
        )

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2)


# --- field paths: the one description of the record's shape ---------------------------------------
# Scorer, hybrid merge, export and checks walk the record through these, derived from the models
# above, so a new field is declared once.

FieldShape = Literal["scalar", "text", "list"]
# Free texts copied from the report; the scorer compares them by character F1, not equality.
TEXT_FIELDS: frozenset[str] = frozenset({"problems", "improvements"})
ITEM_NAME = "name"  # the field that identifies a list item (the scorer pairs items by it)


@dataclass(frozen=True)
class RecordField:
    """One field of the plain record: a dotted path, its shape and, for a list, its item model."""

    path: str
    shape: FieldShape
    item: type[BaseModel] | None = None

    @property
    def item_fields(self) -> tuple[str, ...]:
        """A list item's fields other than its name, in model order."""
        return tuple(name for name in self.item.model_fields if name != ITEM_NAME) if self.item else ()


def _list_item(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def record_fields(model: type[BaseModel] = Record, prefix: str = "") -> tuple[RecordField, ...]:
    """Every field of ``model`` in declaration order, nested models flattened to dotted paths."""
    fields: list[RecordField] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields += record_fields(annotation, f"{path}.")
        elif (item := _list_item(annotation)) is not None:
            fields.append(RecordField(path, "list", item))
        else:
            fields.append(RecordField(path, "text" if path in TEXT_FIELDS else "scalar"))
    return tuple(fields)


RECORD_FIELDS: tuple[RecordField, ...] = record_fields()
# The values a backend fills one by one: every scalar and text field but the document's id.
VALUE_PATHS: tuple[str, ...] = tuple(f.path for f in RECORD_FIELDS if f.shape != "list" and f.path != "doc_id")
LIST_FIELDS: dict[str, RecordField] = {f.path: f for f in RECORD_FIELDS if f.shape == "list"}

_PATH_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _PATH_STEP.findall(path)]


def get_path(data: Any, path: str) -> Any:
    """The value at a field path (``budget.basic.budget``, ``projects[2].name``) of a plain
    record dict; None where the path does not exist."""
    for step in _steps(path):
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
    return data


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the value at an existing field path of a plain record dict."""
    *parents, leaf = _steps(path)
    for step in parents:
        data = data[step]
    data[leaf] = value


def leaf_values(record: Record) -> Iterator[tuple[str, Any]]:
    """Every non-null leaf value of the plain record with its field path."""

    def walk(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(value, dict):
            for key, sub in value.items():
                yield from walk(f"{prefix}.{key}" if prefix else key, sub)
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                yield from walk(f"{prefix}[{index}]", sub)
        elif value is not None and value != "":
            yield prefix, value

    plain = record.plain() if isinstance(record, ExtractedRecord) else record.model_dump(mode="json")
    for path, value in walk("", plain):
        if path != "doc_id":
            yield path, value


def json_schema() -> dict:
    """JSON Schema 2020-12 of the rich record (the output of `pipeline extract`)."""
    schema = ExtractedRecord.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
