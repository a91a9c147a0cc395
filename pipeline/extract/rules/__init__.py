"""Rules extractor: the offline default. Document → ExtractedRecord with no model at all.

How it decides:

1. Normalise the text (numbers repaired, wraps joined, offsets kept) and read its layout.
2. Collect *candidates* for every field: a label from the lexicon followed by a value of the
   right kind, in prose or in the next table cell, with the scope it sits in (whole department,
   基本支出, 项目支出, “三公”, or something narrower such as 会议费).
3. Choose: department-level budget figures are chosen jointly, by label strength plus the
   arithmetic that ties them (rate = actual / budget, initial + change = adjusted, …), so a
   value printed beside the wrong label still lands in the right field. Printed values are
   never replaced by computed ones: arithmetic only ranks what the report prints.
4. Every chosen value keeps its evidence (page, raw offsets, quote); losers stay as candidates.
"""

from __future__ import annotations

from typing import Any

from pipeline import lexicon as lx, tables as tb
from pipeline.analysis import analyze
from pipeline.document import Document
from pipeline.extract.rules.context import Context, EXTRACTOR_VERSION, Found
from pipeline.extract.rules.head import _department, _fiscal_year, _score_and_grade, _subject
from pipeline.extract.rules.items import _indicators, _projects
from pipeline.extract.rules.money import _allocation_candidates, _budget_candidates, _budget_from_grid, _budget_from_side_by_side, _choose_budget, _choose_scoped
from pipeline.extract.rules.passages import _inner_part, _section_text
from pipeline.record import Budget, Evaluation, ExtractedRecord, MoneyPair, RecordMeta


# --- assembly --------------------------------------------------------------------------------


def build_context(document: Document) -> Context:
    """The rules' working state over the document's one analysis (pipeline.analysis)."""
    doc_view = analyze(document)
    ctx = Context(
        document, doc_view.nt, doc_view.layout, list(doc_view.numbers), doc_view.number_starts, doc_view.default_unit
    )
    ctx.money_unit = doc_view.money_unit
    ctx.view = doc_view
    ctx.tables = doc_view.tables
    return ctx


def extract_rules(document: Document) -> ExtractedRecord:
    """Extract a record from a document by rules alone."""
    ctx = build_context(document)
    record: dict[str, Any] = {"doc_id": document.doc_id}

    def put(path: str, found: Found | None, value: Any = None, confidence: float = 0.9) -> Any:
        if found is None:
            return None
        ctx.printed(found)
        ctx.record(path, found, confidence)
        return found.value if value is None else value

    dept = _department(ctx)
    record["department"] = put("department", dept)
    year = _fiscal_year(ctx)
    record["fiscal_year"] = put("fiscal_year", year)
    ctx.fiscal_year = record["fiscal_year"]
    report_type = ctx.layout.report_type
    record["report_type"] = report_type
    record["subject"] = put("subject", _subject(ctx, report_type))

    cands = _budget_candidates(ctx)
    cands.setdefault("budget.adjusted", []).extend(_allocation_candidates(ctx))
    for path, founds in _budget_from_grid(ctx).items():
        cands.setdefault(path, []).extend(founds)
    for path, founds in _budget_from_side_by_side(ctx).items():
        cands.setdefault(path, []).extend(founds)
    if tb.forms(ctx.tables):
        cands = {}  # a page of several one-project forms: each form's money is its project's
    chosen = _choose_budget(ctx, cands) | _choose_scoped(ctx, cands)
    budget = Budget(
        **{k: put(f"budget.{k}", chosen.get(f"budget.{k}")) for k in ("initial", "adjusted", "adjustment", "actual", "execution_rate", "adjustment_rate")},
        **{
            part: MoneyPair(
                budget=put(f"budget.{part}.budget", chosen.get(f"budget.{part}.budget")),
                actual=put(f"budget.{part}.actual", chosen.get(f"budget.{part}.actual")),
            )
            for part in ("basic", "project", "three_public")
        },
    )
    score, grade = _score_and_grade(ctx)
    evaluation = Evaluation(score=put("evaluation.score", score), grade=put("evaluation.grade", grade))

    indicators = []
    for i, row in enumerate(_indicators(ctx)):
        for key in ("level1", "level2", "name", "target", "actual"):
            put(f"indicators[{i}].{key}", getattr(row, key))
        indicators.append(row.as_indicator())
    projects = []
    for i, row in enumerate(_projects(ctx, report_type)):
        put(f"projects[{i}].name", row.name)
        put(f"projects[{i}].budget", row.budget)
        put(f"projects[{i}].actual", row.actual)
        put(f"projects[{i}].execution_rate", row.rate)
        projects.append(row.as_project())

    problems = _inner_part(_section_text(ctx, lx.PROBLEM_HEADINGS, lx.IMPROVEMENT_HEADINGS), "problems")
    improvements = _inner_part(_section_text(ctx, lx.IMPROVEMENT_HEADINGS, lx.PROBLEM_HEADINGS), "improvements")
    return ExtractedRecord(
        **record,
        budget=budget,
        evaluation=evaluation,
        indicators=indicators,
        projects=projects,
        problems=put("problems", problems),
        improvements=put("improvements", improvements),
        evidence=ctx.evidence,
        candidates=ctx.candidates,
        meta=RecordMeta(
            backend="rules",
            extractor_version=EXTRACTOR_VERSION,
            source_path=document.path,
            source_sha256=document.sha256,
            pages=len(document.pages),
            engines=[p.engine for p in document.pages],
        ),
    )


# Names the tests and benches reach into, re-exported from the modules that now hold them.
from pipeline.extract.rules.context import _label_hits, _NameIndex, _similar  # noqa: E402,F401
from pipeline.extract.rules.money import _Spans  # noqa: E402,F401
from pipeline.extract.rules.head import _subject_from_body  # noqa: E402,F401
from pipeline.extract.rules.items import ProjectRow  # noqa: E402,F401
