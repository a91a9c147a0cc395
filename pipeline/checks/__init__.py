"""Cross-checks: what in a report disagrees with what. Findings, never silent fixes.

Public API
----------
* ``run_checks(record, document) -> list[Finding]`` runs every registered check on an extracted
  record (evidence and rejected candidates included) and its source ``Document``. It also takes a
  record re-loaded from JSON or a plain gold-format record: values without (valid) evidence are
  found back in the document, so every finding still points at the text.
* ``CHECKS`` is the registry: one ``Check`` per id, each declaring the flag kind it raises (the
  vocabulary of ``../shared/gold/README.md``) and a one-line description.

Every finding says exactly what disagrees with what: ``stated`` (as printed), ``computed`` (from
the other printed figures), ``tolerance`` (from the printed precision), the record ``fields``
involved and ``evidence`` spans for every number used (the record's own evidence where a number
is a record value, new spans grounded in the text otherwise). Checks read the record and the
document; they never modify either.

Severities: ``error`` — the printed figures contradict each other (or a value has evidence that
does not hold); ``warning`` — they agree only loosely (a truncated rate, a remainder rounded
coarser than its operands, a list that falls short and may be partial, two statements that
differ only by rounding) or the sign is indirect (garbled text, stale evidence, a year mentioned
in passing). No check raises ``info`` at present.

Several checks need more than the record holds (table rows, score tables, prose remainders,
repeated statements, funding-source rows): they read the document's one analysis through the
shared, lazily built ``CheckContext`` (``context.py``).

The package, by flag family (each module registers its checks with ``@check``):

* ``compare.py`` — printed precision, the rounding of printed operands, named tolerances;
* ``context.py`` — ``CheckContext``: the record, the document and the views checks share;
* ``grid.py`` — tables as the checks sum and divide them (column roles, money and rate cells);
* ``rates.py`` — execution / adjustment / project / part rates against their amounts;
* ``sums.py`` — parts against totals: 年初+调整, table total rows, 基本+项目, projects, 其中 lists,
  remainders;
* ``scores.py`` — score tables, the total score's range, grade bands;
* ``units.py`` — 元 / 万元 slips, impossible percentages, repaired numbers;
* ``statements.py`` — the same quantity stated twice, the evaluated year;
* ``evidence.py`` — garbled text, values without evidence, evidence under another field's label.

To add a check: a private function ``_check_x(ctx: CheckContext) -> Iterator[Finding]`` in the
module of its family, decorated ``@check(id, kind, description)`` (``kind`` from the gold
README's vocabulary), reporting through ``make_finding``; its id in ``REPORT_ORDER``; a passing
and a failing case in ``tests/test_checks.py`` (tests hold each of these).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from pipeline.document import Document
from pipeline.record import PROJECT_FLAG_KINDS, Evidence, ExtractedRecord, Finding, FindingKind, Record, Severity
from pipeline.checks.compare import REPORTED_DECIMALS, Op, RateVerdict, compare_rate, sum_tolerance
from pipeline.checks.context import CheckContext

__all__ = [
    "CHECKS", "PROJECT_FLAG_KINDS", "REPORT_ORDER", "Check", "CheckContext", "run_checks", "checks_by_kind", "check", "make_finding",
    "compare_rate", "sum_tolerance", "Op", "RateVerdict", "grade_for", "GRADE_BANDS",
]


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    id: str
    kind: FindingKind  # flag kind from the gold README vocabulary, or the project's own
    description: str
    run: Callable[["CheckContext"], Iterable[Finding]] = field(repr=False, compare=False)


CHECKS: list[Check] = []


def check(id: str, kind: FindingKind, description: str):
    """Register the decorated function as check ``id``, raising flags of ``kind``."""

    def register(func: Callable[["CheckContext"], Iterable[Finding]]):
        CHECKS.append(Check(id, kind, description, func))
        return func

    return register


def checks_by_kind() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in CHECKS:
        out.setdefault(c.kind, []).append(c.id)
    return out


def run_checks(record: ExtractedRecord | Record | dict, document: Document, only: Iterable[str] | None = None) -> list[Finding]:
    """Every registered check (or those whose id is in ``only``) on ``record`` against
    ``document``, in registry order; duplicates (same kind, same fields, same stated / computed
    values) are reported once. The record is not modified."""
    wanted = None if only is None else set(only)
    unknown = (wanted or set()) - {c.id for c in CHECKS}
    if unknown:
        raise ValueError(f"unknown check ids: {', '.join(sorted(unknown))}")
    ctx = CheckContext(_as_extracted(record), document)
    findings: list[Finding] = []
    seen: set[tuple] = set()
    for c in CHECKS:
        if wanted is not None and c.id not in wanted:
            continue
        for finding in c.run(ctx):
            key = (finding.kind, tuple(sorted(finding.fields)), _freeze(finding.stated), _freeze(finding.computed))
            if finding.fields and key in seen:
                continue
            seen.add(key)
            findings.append(finding)
    return findings


def _as_extracted(record: ExtractedRecord | Record | dict) -> ExtractedRecord:
    if isinstance(record, ExtractedRecord):
        return record
    data = record.model_dump(mode="json") if isinstance(record, Record) else dict(record)
    known = set(ExtractedRecord.model_fields)
    return ExtractedRecord.model_validate({k: v for k, v in data.items() if k in known})


def _freeze(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, REPORTED_DECIMALS)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def make_finding(
    check_id: str,
    kind: FindingKind,
    severity: Severity,
    message: str,
    fields: Iterable[str] = (),
    stated: Any = None,
    computed: Any = None,
    tolerance: float | None = None,
    evidence: Iterable[Evidence | None] = (),
) -> Finding:
    """A finding as every check reports one: the check id appended to the message, each field
    and each evidence span once, figures rounded to six decimals."""
    # Evidence deduplicated by value through a hashable key: comparing each with all kept before was
    # quadratic for a finding citing every project of a long document.
    unique: list[Evidence] = []
    seen: set[tuple] = set()
    for e in evidence:
        if e is None:
            continue
        key = tuple((name, repr(value)) for name, value in e.__dict__.items())
        if key not in seen:
            seen.add(key)
            unique.append(e)
    out_fields: list[str] = []
    for f in fields:
        if f not in out_fields:
            out_fields.append(f)
    return Finding(
        check=check_id,
        kind=kind,
        severity=severity,
        fields=out_fields,
        message=f"{message} ({check_id})",
        stated=_round(stated),
        computed=_round(computed),
        tolerance=None if tolerance is None else round(tolerance, REPORTED_DECIMALS),
        evidence=unique,
    )


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, REPORTED_DECIMALS)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


# The families register their checks on import; CHECKS is then put in REPORT_ORDER, the order
# findings are reported in (a record's findings list), which is not the order of the families:
# records keep the order they had when all checks lived in one module (the adjustment sum among
# the rates, a part's rate after the table totals). A new check takes its place here.
from pipeline.checks import rates, sums, scores, units, statements, evidence  # noqa: E402,F401
from pipeline.checks.scores import GRADE_BANDS, grade_for  # noqa: E402

REPORT_ORDER = (
    "execution_rate_vs_amounts", "adjustment_rate_vs_budgets", "adjustment_sum", "project_rate_vs_amounts",
    "table_total_row", "part_rate_vs_amounts", "basic_plus_project", "projects_within_total", "prose_breakdown_sum",
    "remainder_vs_paid", "score_items_sum", "score_item_within_points", "score_total_within_100", "grade_vs_score",
    "amount_unit_magnitude", "record_amount_scale", "percent_over_100", "number_repaired",
    "execution_rate_restated", "score_or_grade_restated", "amount_restated", "staff_count_restated", "year_consistency",
    "garbled_text", "value_grounded", "evidence_label", "not_a_report",
)

# A check missing from REPORT_ORDER runs after the listed ones, in registration order.
CHECKS.sort(key=lambda c: REPORT_ORDER.index(c.id) if c.id in REPORT_ORDER else len(REPORT_ORDER))
