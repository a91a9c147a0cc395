"""Score predicted records against hand-made gold records, aggregate, and compare runs.

The rules are those of ``../shared/gold/README.md`` ("Scoring"). Where the README leaves room,
this module decides as follows (each decision is tested in ``tests/test_evaluate.py``):

* **What is scored.** Only the record fields the README defines (``RECORD_SPEC``), and of those
  only the keys present in the gold file. Keys starting with ``_`` (``_notes``,
  ``_expected_flags``, ``_unscored``) are metadata. Unknown keys, in gold or prediction, are
  ignored; unknown gold keys are listed in ``DocumentScore.ignored_gold_keys`` so nothing is
  dropped silently. ``doc_id`` is a record field and is scored like any other scalar.
* **Empty.** A prediction value is empty when it is ``null``, a whitespace-only string, or a
  list/object whose members are all empty. ``0`` is *not* empty.
* **Scalars.** Gold ``null``: correct when the prediction is empty, else ``hallucinated``.
  Gold non-null: ``missed`` when the prediction is empty, else ``correct`` or ``wrong``.
  Numbers match within 0.005 (inclusive). When both sides read as numbers they are compared
  numerically: a number, or a string that after NFKC and whitespace removal is a plain decimal
  (``"99.66"``, ``"2021"``). Strings with units, ``%`` or thousands separators (``"99.66%"``,
  ``"3,286.80"``) are not numbers: the record asks for bare numbers, so they are wrong against a
  numeric gold. Otherwise strings match after NFKC and removal of all whitespace (no case folding).
  Booleans are never numbers.
* **Texts** (``problems``, ``improvements``): character-level F1 where the characters are a
  *multiset* (bag): overlap = Σ min(count in gold, count in prediction), F1 = 2·overlap /
  (len gold + len prediction), after NFKC and removal of whitespace and of every Unicode
  punctuation character (categories P*; symbols such as ``≥`` stay). Correct when F1 ≥ 0.8.
* **Lists** (``indicators``, ``projects``): every (gold, predicted) pair whose names, after NFKC
  and removal of whitespace and of every Unicode punctuation character (P*, as for texts), have
  ``difflib.SequenceMatcher`` ratio ≥ 0.8 is a candidate; candidates are taken
  greedily by ratio descending, ties by gold position then predicted position (document order).
  Each gold item is one scored field (``correct`` when paired, else ``missed``). In a pair, every
  field other than the name whose gold value is not null is one scored field, compared like a
  scalar; a gold null inside a pair is not scored (this is what gold 004's ``_unscored`` note
  asks for). An unpaired gold item also counts each of its non-null fields as ``missed``. An
  unpaired predicted item is ``hallucinated`` but is *not* a scored field: it lowers the list's
  precision, not field accuracy (``Counts.hallucinated_items``). Items with an empty name never
  pair. Duplicate gold names get a ``#n`` suffix in their path (``projects[X#2]``).
* **Paths.** ``budget.basic.budget``; list items ``projects[应急管理专项]`` and fields
  ``projects[应急管理专项].budget``; aggregated per field as ``projects[]`` / ``projects[].budget``.
* **Field accuracy** = correct / scored, summed over all documents (micro average).
* **Flags** are compared as sets of kinds per document (duplicates collapse). A document whose
  gold has no ``_expected_flags`` key is not flag-scored. Precision/recall are ``None`` when
  undefined (nothing raised / nothing expected).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from pipeline import __version__

from pipeline.record import RECORD_FIELDS, RecordField
from pipeline.compare import (  # noqa: F401  (re-exported: the scorer's definitions)
    NAME_RATIO_THRESHOLD,
    NUMBER_TOLERANCE,
    as_number,
    as_text,
    char_f1,
    is_empty,
    name_ratio,
    normalize_name,
    normalize_text,
    pair_by_name,
    values_match,
)

TEXT_F1_THRESHOLD = 0.8

Status = Literal["correct", "wrong", "missed", "hallucinated"]
FieldKind = Literal["scalar", "text", "item", "item_field"]


# --------------------------------------------------------------------------------------------
# The record's shape, as far as scoring is concerned
# --------------------------------------------------------------------------------------------

SCALAR = "scalar"
TEXT = "text"


@dataclass(frozen=True)
class ListSpec:
    """A list of named items: ``fields`` are scored inside a pair, ``name_key`` pairs items."""

    fields: tuple[str, ...]
    name_key: str = "name"


def _spec(fields: tuple[RecordField, ...]) -> dict[str, Any]:
    """The scoring spec, nested like the record: derived from ``pipeline.record``'s models."""
    spec: dict[str, Any] = {}
    for field in fields:
        *parents, leaf = field.path.split(".")
        node = spec
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = ListSpec(fields=field.item_fields) if field.shape == "list" else (TEXT if field.shape == "text" else SCALAR)
    return spec


RECORD_SPEC: dict[str, Any] = _spec(RECORD_FIELDS)


def _field_keys(spec: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, sub in spec.items():
        path = f"{prefix}{key}"
        if isinstance(sub, dict):
            keys += _field_keys(sub, f"{path}.")
        elif isinstance(sub, ListSpec):
            keys += [f"{path}[]", *(f"{path}[].{f}" for f in sub.fields)]
        else:
            keys.append(path)
    return keys


# Aggregation keys in record order: the order of the per-field tables.
FIELD_ORDER: tuple[str, ...] = tuple(_field_keys(RECORD_SPEC))


# --------------------------------------------------------------------------------------------
# Models (the contracts other stages and the CLI use)
# --------------------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


class Counts(BaseModel):
    """Field tallies. ``hallucinated_items`` are unpaired predicted list items (not scored)."""

    scored: int = 0
    correct: int = 0
    wrong: int = 0
    missed: int = 0
    hallucinated: int = 0
    hallucinated_items: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return _ratio(self.correct, self.scored)

    def add(self, result: FieldResult) -> None:
        if not result.scored:
            if result.status == "hallucinated":
                self.hallucinated_items += 1
            return
        self.scored += 1
        setattr(self, result.status, getattr(self, result.status) + 1)

    def merge(self, other: Counts) -> None:
        for name in ("scored", "correct", "wrong", "missed", "hallucinated", "hallucinated_items"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class FieldResult(BaseModel):
    path: str = Field(description="e.g. 'budget.adjusted', 'projects[应急管理专项].budget'.")
    field: str = Field(description="Aggregation key: the path with item names removed, 'projects[].budget'.")
    kind: FieldKind
    status: Status
    scored: bool = Field(True, description="False only for hallucinated list items.")
    gold: Any = None
    pred: Any = None
    score: float | None = Field(None, description="char-F1 for texts, name ratio for list items.")
    evidence: str | None = Field(None, description="Quote the prediction gave for this field.")
    note: str | None = None


class ListStats(BaseModel):
    gold_items: int = 0
    predicted_items: int = 0
    matched: int = 0
    fields: Counts = Field(default_factory=Counts, description="Scored fields of this list (items included).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float | None:
        return _ratio(self.matched, self.predicted_items)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float | None:
        return _ratio(self.matched, self.gold_items)

    def merge(self, other: ListStats) -> None:
        self.gold_items += other.gold_items
        self.predicted_items += other.predicted_items
        self.matched += other.matched
        self.fields.merge(other.fields)


class DocumentScore(BaseModel):
    doc_id: str
    report_type: str | None = None
    fields: list[FieldResult] = Field(default_factory=list)
    lists: dict[str, ListStats] = Field(default_factory=dict)
    counts: Counts = Field(default_factory=Counts)
    ignored_gold_keys: list[str] = Field(default_factory=list, description="Gold keys the scorer does not know.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return self.counts.accuracy

    def non_correct(self) -> list[FieldResult]:
        return [f for f in self.fields if f.status != "correct"]


class FlagCounts(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float | None:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def merge(self, other: FlagCounts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


class FlagScore(FlagCounts):
    """One document: expected vs raised flag kinds, compared as sets."""

    expected: list[str] = Field(default_factory=list)
    raised: list[str] = Field(default_factory=list)
    true_positives: list[str] = Field(default_factory=list)
    false_positives: list[str] = Field(default_factory=list, description="Raised, not expected.")
    false_negatives: list[str] = Field(default_factory=list, description="Expected, not raised.")


class FlagSummary(BaseModel):
    overall: FlagCounts = Field(default_factory=FlagCounts)
    per_document: dict[str, FlagScore] = Field(default_factory=dict)
    per_kind: dict[str, FlagCounts] = Field(default_factory=dict)


class Cost(BaseModel):
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_hits: int = 0
    cost: float | None = Field(0.0, description="Estimated USD (RecordMeta.cost); None: unknown, and so is any sum it is in.")

    def __add__(self, other: Cost) -> Cost:
        counts = {k: getattr(self, k) + getattr(other, k) for k in Cost.model_fields if k != "cost"}
        cost = None if self.cost is None or other.cost is None else self.cost + other.cost
        return Cost(**counts, cost=cost)


class CostSummary(BaseModel):
    total: Cost = Field(default_factory=Cost)
    per_document: dict[str, Cost] = Field(default_factory=dict)


class EvalItem(BaseModel):
    """One document to evaluate: its gold, the prediction, the raised flag kinds and the cost."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    report_type: str | None = Field(None, description="Defaults to the gold record's report_type.")
    gold: dict[str, Any]
    pred: dict[str, Any] | None = Field(None, description="None (extraction failed) scores as {}.")
    raised_flags: list[str] = Field(default_factory=list, description="Flag kinds the checks raised.")
    cost: Cost = Field(default_factory=Cost)
    evidence: dict[str, Any] | None = Field(None, description="path -> quote; overrides pred['evidence'].")
    error: str | None = Field(None, description="Why the prediction is missing or partial, if known.")


class ReportMetadata(BaseModel):
    backend: str | None = None
    timestamp: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    gold_dir: str | None = None
    pipeline_version: str = __version__
    extra: dict[str, Any] = Field(default_factory=dict)


class DocumentSummary(Counts):
    doc_id: str
    report_type: str
    error: str | None = None


class TypeSummary(Counts):
    documents: int = 0


class Headline(Counts):
    documents: int = 0


class EvalReport(BaseModel):
    metadata: ReportMetadata = Field(default_factory=ReportMetadata)
    headline: Headline = Field(default_factory=Headline)
    per_field: dict[str, Counts] = Field(default_factory=dict)
    per_document: dict[str, DocumentSummary] = Field(default_factory=dict)
    per_report_type: dict[str, TypeSummary] = Field(default_factory=dict)
    lists: dict[str, ListStats] = Field(default_factory=dict)
    flags: FlagSummary = Field(default_factory=FlagSummary)
    cost: CostSummary = Field(default_factory=CostSummary)
    documents: list[DocumentScore] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return self.headline.accuracy


# --------------------------------------------------------------------------------------------
# Value comparison
# --------------------------------------------------------------------------------------------

def _scalar_status(gold: Any, pred: Any) -> Status:
    if gold is None:
        return "correct" if is_empty(pred) else "hallucinated"
    if is_empty(pred):
        return "missed"
    return "correct" if values_match(gold, pred) else "wrong"


def _text_status(gold: Any, pred: Any) -> tuple[Status, float | None]:
    if gold is None:
        return ("correct" if is_empty(pred) else "hallucinated"), None
    if is_empty(pred):
        return "missed", None
    f1 = char_f1(as_text(gold), as_text(pred))
    return ("correct" if f1 >= TEXT_F1_THRESHOLD else "wrong"), f1


# --------------------------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------------------------


def _quote_of(entry: Any) -> str | None:
    if entry is None:
        return None
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        for key in ("quote", "text"):
            if isinstance(entry.get(key), str):
                return entry[key]
        return None
    if isinstance(entry, (list, tuple)):
        quotes = [q for q in map(_quote_of, entry) if q]
        return " | ".join(quotes) or None
    return None


def _evidence_map(raw: Any) -> dict[str, str]:
    """``{path: quote}`` from ``{path: str | {'quote': ...} | [...]}`` or ``[{'path'|'field', 'quote'}]``."""
    out: dict[str, str] = {}
    if isinstance(raw, Mapping):
        for path, entry in raw.items():
            quote = _quote_of(entry)
            if quote:
                out[str(path)] = quote
    elif isinstance(raw, (list, tuple)):
        for entry in raw:
            if isinstance(entry, Mapping):
                path = entry.get("path", entry.get("field"))
                quote = _quote_of(entry)
                if path is not None and quote:
                    out.setdefault(str(path), quote)
    return out


# --------------------------------------------------------------------------------------------
# Scoring one document
# --------------------------------------------------------------------------------------------


def _as_dict(value: Any) -> dict[str, Any]:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return dict(value) if isinstance(value, Mapping) else {}


class _Scorer:
    def __init__(self, evidence: dict[str, str]):
        self.evidence = evidence
        self.fields: list[FieldResult] = []
        self.lists: dict[str, ListStats] = {}
        self.ignored: list[str] = []

    def quote(self, *paths: str) -> str | None:
        for path in paths:
            if path in self.evidence:
                return self.evidence[path]
        return None

    def emit(self, **kwargs: Any) -> None:
        self.fields.append(FieldResult(**kwargs))

    def walk(self, spec: dict[str, Any], gold: Mapping[str, Any], pred: Mapping[str, Any], prefix: str) -> None:
        for key in gold:
            if not str(key).startswith("_") and key not in spec:
                self.ignored.append(f"{prefix}{key}")
        for key, sub in spec.items():
            if key not in gold:
                continue
            g, p, path = gold[key], pred.get(key), f"{prefix}{key}"
            if isinstance(sub, dict) and isinstance(g, Mapping):
                self.walk(sub, g, p if isinstance(p, Mapping) else {}, f"{path}.")
            elif isinstance(sub, ListSpec) and isinstance(g, list):
                self.score_list(key, path, sub, g, p if isinstance(p, list) else [])
            elif sub == TEXT:
                status, f1 = _text_status(g, p)
                note = f"char-F1 {f1:.3f}" if f1 is not None else None
                self.emit(path=path, field=path, kind="text", status=status, gold=g, pred=p,
                          score=f1, note=note, evidence=self.quote(path))
            else:
                # Scalars, and gold values whose type does not fit the spec (a null object, say).
                self.emit(path=path, field=path, kind="scalar", status=_scalar_status(g, p),
                          gold=g, pred=p, evidence=self.quote(path))

    def score_list(self, key: str, path: str, spec: ListSpec, gold: list, pred: list) -> None:
        def item(x: Any) -> dict[str, Any]:
            return dict(x) if isinstance(x, Mapping) else {spec.name_key: x}

        def name(x: dict[str, Any]) -> str:
            v = x.get(spec.name_key)
            return "" if v is None else as_text(v).strip()

        gold_items, pred_items = [item(x) for x in gold], [item(x) for x in pred]
        gold_names, pred_names = [name(x) for x in gold_items], [name(x) for x in pred_items]

        partner = pair_by_name(gold_names, pred_names)
        taken = {pi for pi, _ratio in partner.values()}

        start = len(self.fields)
        seen: Counter[str] = Counter()
        for gi, g_item in enumerate(gold_items):
            label = gold_names[gi] or f"#{gi + 1}"
            seen[label] += 1
            if seen[label] > 1:
                label = f"{label}#{seen[label]}"
            item_path = f"{path}[{label}]"
            pi, r = partner.get(gi, (None, None))
            p_item = pred_items[pi] if pi is not None else {}
            alt = [f"{path}[{pi}]", f"{path}[{pred_names[pi]}]"] if pi is not None else []
            self.emit(
                path=item_path, field=f"{path}[]", kind="item",
                status="correct" if pi is not None else "missed",
                gold=gold_names[gi], pred=pred_names[pi] if pi is not None else None, score=r,
                note=f"paired with predicted item {pi + 1} (name ratio {r:.3f})" if pi is not None else None,
                evidence=self.quote(item_path, *alt, *(f"{a}.{spec.name_key}" for a in alt)),
            )
            for f in spec.fields:
                if g_item.get(f) is None:
                    continue  # absent or null in gold: not scored
                g, p = g_item[f], p_item.get(f)
                self.emit(
                    path=f"{item_path}.{f}", field=f"{path}[].{f}", kind="item_field",
                    status=_scalar_status(g, p) if pi is not None else "missed",
                    gold=g, pred=p, evidence=self.quote(f"{item_path}.{f}", *(f"{a}.{f}" for a in alt)),
                )
        for pi, p_item in enumerate(pred_items):
            if pi in taken:
                continue
            label = pred_names[pi] or f"#{pi + 1}"
            self.emit(
                path=f"{path}[{label}]", field=f"{path}[]", kind="item", status="hallucinated",
                scored=False, pred=pred_names[pi] or p_item, note=f"predicted item {pi + 1} has no gold partner",
                evidence=self.quote(f"{path}[{pi}]", f"{path}[{pi}].{spec.name_key}", f"{path}[{label}]"),
            )

        stats = ListStats(gold_items=len(gold_items), predicted_items=len(pred_items), matched=len(partner))
        for result in self.fields[start:]:
            stats.fields.add(result)
        self.lists[key] = stats


def score_document(
    gold: Mapping[str, Any], pred: Mapping[str, Any] | None, evidence: Mapping[str, Any] | None = None
) -> DocumentScore:
    """Score one prediction against its gold record.

    ``evidence`` maps field paths to quotes (a string or an object with 'quote'); when omitted,
    ``pred['evidence']`` is used if present. Explicit entries win over the prediction's own.
    """
    gold, pred = _as_dict(gold), _as_dict(pred)
    quotes = _evidence_map(pred.get("evidence"))
    quotes.update(_evidence_map(evidence))
    scorer = _Scorer(quotes)
    scorer.walk(RECORD_SPEC, gold, pred, "")
    counts = Counts()
    for result in scorer.fields:
        counts.add(result)
    doc_id = gold.get("doc_id") or pred.get("doc_id") or ""
    report_type = gold.get("report_type")
    return DocumentScore(
        doc_id=str(doc_id),
        report_type=report_type if isinstance(report_type, str) else None,
        fields=scorer.fields,
        lists=scorer.lists,
        counts=counts,
        ignored_gold_keys=scorer.ignored,
    )


# --------------------------------------------------------------------------------------------
# Flags
# --------------------------------------------------------------------------------------------


def score_flags(expected: Iterable[str], raised: Iterable[str]) -> FlagScore:
    """Set-based comparison of flag kinds for one document."""
    exp, got = set(expected), set(raised)
    return FlagScore(
        tp=len(exp & got), fp=len(got - exp), fn=len(exp - got),
        expected=sorted(exp), raised=sorted(got),
        true_positives=sorted(exp & got), false_positives=sorted(got - exp), false_negatives=sorted(exp - got),
    )


# --------------------------------------------------------------------------------------------
# A whole evaluation run
# --------------------------------------------------------------------------------------------


def evaluate_set(items: Sequence[EvalItem], metadata: ReportMetadata | None = None) -> EvalReport:
    """Score every item and aggregate: headline, per field/document/type, lists, flags, cost."""
    report = EvalReport(metadata=metadata or ReportMetadata())
    for it in items:
        if it.doc_id in report.per_document:
            raise ValueError(f"duplicate doc_id in evaluation set: {it.doc_id}")
        doc = score_document(it.gold, it.pred or {}, it.evidence)
        doc.doc_id = it.doc_id
        report_type = it.report_type or doc.report_type or "unknown"
        doc.report_type = report_type
        report.documents.append(doc)

        report.headline.merge(doc.counts)
        report.headline.documents += 1
        report.per_document[it.doc_id] = DocumentSummary(
            doc_id=it.doc_id, report_type=report_type, error=it.error, **doc.counts.model_dump(exclude={"accuracy"})
        )
        per_type = report.per_report_type.setdefault(report_type, TypeSummary())
        per_type.merge(doc.counts)
        per_type.documents += 1
        for result in doc.fields:
            report.per_field.setdefault(result.field, Counts()).add(result)
        for key, stats in doc.lists.items():
            report.lists.setdefault(key, ListStats()).merge(stats)

        expected = it.gold.get("_expected_flags")
        if isinstance(expected, list):
            flags = score_flags(expected, it.raised_flags)
            report.flags.per_document[it.doc_id] = flags
            report.flags.overall.merge(flags)
            for kind in sorted(set(flags.expected) | set(flags.raised)):
                per_kind = report.flags.per_kind.setdefault(kind, FlagCounts())
                per_kind.merge(FlagCounts(tp=int(kind in flags.true_positives),
                                          fp=int(kind in flags.false_positives),
                                          fn=int(kind in flags.false_negatives)))

        report.cost.per_document[it.doc_id] = it.cost
        report.cost.total = report.cost.total + it.cost
    rank = {key: i for i, key in enumerate(FIELD_ORDER)}
    report.per_field = dict(sorted(report.per_field.items(), key=lambda kv: rank.get(kv[0], len(rank))))
    report.flags.per_kind = dict(sorted(report.flags.per_kind.items()))
    return report


def load_gold_dir(gold_dir: str | Path) -> dict[str, dict[str, Any]]:
    """``{stem: record}`` for every ``*.json`` in ``gold_dir`` (README.md and others skipped)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(gold_dir).glob("*.json"))}


def load_report(path: str | Path) -> dict[str, Any]:
    """A report.json written by :func:`pipeline.report.write_report`, as a dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Comparing two runs
# --------------------------------------------------------------------------------------------

_DELTA_EPS = 1e-12

Change = Literal["better", "worse", "same", "added", "removed", "n/a"]


class Delta(BaseModel):
    key: str
    before: float | None = None
    after: float | None = None
    scored_before: int | None = None
    scored_after: int | None = None
    in_before: bool = True
    in_after: bool = True

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @computed_field  # type: ignore[prop-decorator]
    @property
    def change(self) -> Change:
        if not self.in_before:
            return "added"
        if not self.in_after:
            return "removed"
        d = self.delta
        if d is None:
            return "n/a"
        return "better" if d > _DELTA_EPS else "worse" if d < -_DELTA_EPS else "same"


class Comparison(BaseModel):
    """Candidate ``b`` against baseline ``a``: deltas are ``b − a``."""

    tolerance: float
    baseline: dict[str, Any] = Field(default_factory=dict, description="Metadata of report a.")
    candidate: dict[str, Any] = Field(default_factory=dict, description="Metadata of report b.")
    headline: Delta
    per_field: list[Delta] = Field(default_factory=list)
    per_document: list[Delta] = Field(default_factory=list)
    per_report_type: list[Delta] = Field(default_factory=list)
    flags: list[Delta] = Field(default_factory=list, description="Overall flag precision / recall / f1.")
    cost: list[Delta] = Field(default_factory=list, description="Cost totals (raw numbers, not rates).")
    improved: list[str] = Field(default_factory=list)
    worsened: list[str] = Field(default_factory=list)
    regressed: bool = False
    reasons: list[str] = Field(default_factory=list)


def _report_dict(report: Mapping[str, Any] | EvalReport) -> dict[str, Any]:
    return report.model_dump(mode="json") if isinstance(report, BaseModel) else dict(report)


def _acc(entry: Any) -> tuple[float | None, int | None]:
    if not isinstance(entry, Mapping):
        return None, None
    scored = entry.get("scored")
    acc = entry.get("accuracy")
    if acc is None and scored:
        acc = entry.get("correct", 0) / scored
    return acc, scored


def _deltas(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Delta]:
    out = []
    for key in list(a) + [k for k in b if k not in a]:
        (before, n_before), (after, n_after) = _acc(a.get(key)), _acc(b.get(key))
        out.append(Delta(key=key, before=before, after=after, scored_before=n_before, scored_after=n_after,
                         in_before=key in a, in_after=key in b))
    return out


def compare_reports(
    a: Mapping[str, Any] | EvalReport, b: Mapping[str, Any] | EvalReport, tolerance: float = 0.0
) -> Comparison:
    """Compare candidate ``b`` with baseline ``a`` (report dicts as in report.json, or EvalReports).

    ``regressed`` is true when the headline accuracy or any document's accuracy fell by more
    than ``tolerance`` (absolute, e.g. 0.01 = one percentage point), or when a document of the
    baseline is missing from the candidate (its accuracy can no longer be compared).
    """
    a, b = _report_dict(a), _report_dict(b)
    before, n_before = _acc(a.get("headline"))
    after, n_after = _acc(b.get("headline"))
    headline = Delta(key="field accuracy", before=before, after=after, scored_before=n_before, scored_after=n_after)

    flag_a = (a.get("flags") or {}).get("overall") or {}
    flag_b = (b.get("flags") or {}).get("overall") or {}
    flags = [Delta(key=k, before=flag_a.get(k), after=flag_b.get(k)) for k in ("precision", "recall", "f1")]
    cost_a = (a.get("cost") or {}).get("total") or {}
    cost_b = (b.get("cost") or {}).get("total") or {}
    cost = [Delta(key=k, before=cost_a.get(k), after=cost_b.get(k)) for k in Cost.model_fields]

    cmp = Comparison(
        tolerance=tolerance,
        baseline=a.get("metadata") or {},
        candidate=b.get("metadata") or {},
        headline=headline,
        per_field=_deltas(a.get("per_field") or {}, b.get("per_field") or {}),
        per_document=_deltas(a.get("per_document") or {}, b.get("per_document") or {}),
        per_report_type=_deltas(a.get("per_report_type") or {}, b.get("per_report_type") or {}),
        flags=flags,
        cost=cost,
    )
    for prefix, deltas in (("field", cmp.per_field), ("document", cmp.per_document), ("type", cmp.per_report_type)):
        for d in deltas:
            if d.change == "better":
                cmp.improved.append(f"{prefix} {d.key}")
            elif d.change == "worse":
                cmp.worsened.append(f"{prefix} {d.key}")

    limit = tolerance + _DELTA_EPS
    if headline.delta is not None and headline.delta < -limit:
        cmp.reasons.append(f"headline field accuracy fell by {-headline.delta:.4f} (tolerance {tolerance})")
    for d in cmp.per_document:
        if d.delta is not None and d.delta < -limit:
            cmp.reasons.append(f"document {d.key} accuracy fell by {-d.delta:.4f} (tolerance {tolerance})")
        elif d.change == "removed":
            cmp.reasons.append(f"document {d.key} is missing from the candidate report")
    cmp.regressed = bool(cmp.reasons)
    return cmp
