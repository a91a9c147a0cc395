"""Rates against the amounts they are computed from, at the printed precision: the department's
execution and adjustment rates, each project's rate, the rates of parts of the budget."""

from __future__ import annotations

import re
from typing import Iterator

from pipeline.checks import check, make_finding
from pipeline.checks.compare import RATE_REPORTED_DECIMALS, compare_rate, in_wan, mention_half, sum_tolerance
from pipeline.checks.context import CheckContext, adjustment_mentioned, sentence_before
from pipeline.checks.grid import money_cell, rate_cell
from pipeline.ground import plain_number
from pipeline.normalize import NumberMention
from pipeline.record import Finding, Severity


def _denominators(ctx: CheckContext) -> list[tuple[str, float, float, list[str]]]:
    """(description, value, half-ulp, fields) of the full-year budget an execution rate divides
    by: the adjusted budget; initial + adjustment; the initial budget (transfer funds)."""
    out = []
    adjusted, initial, adjustment = (ctx.printed(f"budget.{k}") for k in ("adjusted", "initial", "adjustment"))
    if adjusted:
        out.append(("调整后预算", adjusted.value, adjusted.half_ulp, ["budget.adjusted"]))
    if initial and adjustment:
        out.append(
            ("年初预算+预算调整数", initial.value + adjustment.value, sum_tolerance([initial.op, adjustment.op]), ["budget.initial", "budget.adjustment"])
        )
    if initial:
        out.append(("年初预算", initial.value, initial.half_ulp, ["budget.initial"]))
    return out


@check("execution_rate_vs_amounts", "execution_rate_mismatch", "预算执行率 vs 实际支出 / 全年预算 (adjusted, else initial + adjustment, else initial), at the printed precision; a truncated rate is a warning.")
def _check_execution_rate(ctx: CheckContext) -> Iterator[Finding]:
    rate, actual = ctx.printed("budget.execution_rate"), ctx.printed("budget.actual")
    denominators = _denominators(ctx)
    if rate is None or actual is None or not denominators:
        return
    primary = denominators[0]
    verdicts = [(d, compare_rate(rate.value, actual.value, d[1], rate.decimals, actual.half_ulp, d[2])) for d in denominators]
    verdicts = [(d, v) for d, v in verdicts if v is not None]
    if not verdicts:
        return
    (name, denominator, half, fields), verdict = verdicts[0]
    evidence = [rate.evidence, actual.evidence] + [ctx.evidence(f) for f in fields]
    all_fields = ["budget.execution_rate", "budget.actual", *fields]
    if verdict.status == "ok":
        return
    if verdict.status == "truncated":
        yield make_finding(
            "execution_rate_vs_amounts", "execution_rate_mismatch", "warning",
            f"预算执行率印为 {plain_number(rate.value)}%，实际支出/{name} = {plain_number(actual.value)}/{plain_number(denominator)} = {verdict.computed:.4f}%，"
            f"按 {rate.decimals} 位小数应为 {verdict.computed:.{rate.decimals}f}%：数值被截断而非四舍五入",
            all_fields, rate.value, round(verdict.computed, RATE_REPORTED_DECIMALS), verdict.tolerance, evidence,
        )
        return
    other = next(((d, v) for d, v in verdicts[1:] if v.status in ("ok", "truncated")), None)
    if other is not None:
        (oname, odenominator, _, ofields), ov = other
        yield make_finding(
            "execution_rate_vs_amounts", "execution_rate_mismatch", "warning",
            f"预算执行率 {plain_number(rate.value)}% 与 实际支出/{name} = {verdict.computed:.2f}% 不符，"
            f"但与 实际支出/{oname} = {plain_number(actual.value)}/{plain_number(odenominator)} = {ov.computed:.2f}% 相符：分母用的不是全年预算",
            ["budget.execution_rate", "budget.actual", *fields, *ofields], rate.value, round(verdict.computed, RATE_REPORTED_DECIMALS), verdict.tolerance,
            evidence + [ctx.evidence(f) for f in ofields],
        )
        return
    # Against the initial budget alone (no full-year budget in the record) the comparison holds
    # only if nothing was adjusted (a transfer fund's allocation).
    if name == "年初预算" and adjustment_mentioned(ctx):
        return  # the full-year budget is not in the record, and it differs from the initial one: no basis
    yield make_finding(
        "execution_rate_vs_amounts", "execution_rate_mismatch", "error",
        f"预算执行率印为 {plain_number(rate.value)}%，但 实际支出/{name} = {plain_number(actual.value)}/{plain_number(denominator)} = {verdict.computed:.2f}%",
        all_fields, rate.value, round(verdict.computed, RATE_REPORTED_DECIMALS), verdict.tolerance, evidence,
    )


@check("adjustment_rate_vs_budgets", "adjustment_rate_mismatch", "预算调整率 vs |调整后预算 − 年初预算| / 年初预算, or |预算调整数| / 年初预算, at the printed precision.")
def _check_adjustment_rate(ctx: CheckContext) -> Iterator[Finding]:
    rate, initial = ctx.printed("budget.adjustment_rate"), ctx.printed("budget.initial")
    if rate is None or initial is None or not initial.value:
        return
    adjusted, adjustment = ctx.printed("budget.adjusted"), ctx.printed("budget.adjustment")
    options = []
    if adjusted is not None:
        change = abs(adjusted.value - initial.value)
        options.append(("|调整后预算−年初预算|/年初预算", change, sum_tolerance([adjusted.op, initial.op]), ["budget.adjusted", "budget.initial"]))
    if adjustment is not None:
        options.append(("|预算调整数|/年初预算", abs(adjustment.value), adjustment.half_ulp, ["budget.adjustment", "budget.initial"]))
    if not options:
        return
    results = [(o, compare_rate(abs(rate.value), o[1], initial.value, rate.decimals, o[2], initial.half_ulp)) for o in options]
    if any(v is not None and v.status == "ok" for _, v in results):
        return
    (name, change, _, fields), verdict = results[0]
    if verdict is None:
        return
    severity: Severity = "warning" if any(v is not None and v.status == "truncated" for _, v in results) else "error"
    note = "（截断而非四舍五入）" if severity == "warning" else ""
    yield make_finding(
        "adjustment_rate_vs_budgets", "adjustment_rate_mismatch", severity,
        f"预算调整率印为 {plain_number(rate.value)}%，但 {name} = {plain_number(change)}/{plain_number(initial.value)} = {verdict.computed:.2f}%{note}",
        ["budget.adjustment_rate", *fields], rate.value, round(verdict.computed, RATE_REPORTED_DECIMALS), verdict.tolerance,
        [rate.evidence] + [ctx.evidence(f) for f in fields],
    )


@check("project_rate_vs_amounts", "project_rate_mismatch", "Each project row: its printed execution rate vs its actual / budget, at the printed precision.")
def _check_project_rates(ctx: CheckContext) -> Iterator[Finding]:
    for i, project in enumerate(ctx.plain["projects"]):
        base = f"projects[{i}]"
        rate, budget, actual = (ctx.printed(f"{base}.{k}") for k in ("execution_rate", "budget", "actual"))
        if rate is None or budget is None or actual is None or not budget.value:
            continue
        verdict = compare_rate(rate.value, actual.value, budget.value, rate.decimals, actual.half_ulp, budget.half_ulp)
        if verdict is None or verdict.status == "ok":
            continue
        fields = [f"{base}.execution_rate", f"{base}.actual", f"{base}.budget"]
        evidence = [rate.evidence, actual.evidence, budget.evidence]
        if verdict.status == "truncated":
            yield make_finding(
                "project_rate_vs_amounts", "project_rate_mismatch", "warning",
                f"项目“{project['name']}”执行率印为 {plain_number(rate.value)}%，{plain_number(actual.value)}/{plain_number(budget.value)} = {verdict.computed:.4f}%：截断而非四舍五入",
                fields, rate.value, round(verdict.computed, RATE_REPORTED_DECIMALS), verdict.tolerance, evidence,
            )
            continue
        yield make_finding(
            "project_rate_vs_amounts", "project_rate_mismatch", "error",
            f"项目“{project['name']}”执行率印为 {plain_number(rate.value)}%，但 实际支出/预算 = {plain_number(actual.value)}/{plain_number(budget.value)} = {verdict.computed:.2f}%",
            fields, rate.value, round(verdict.computed, RATE_REPORTED_DECIMALS), verdict.tolerance, evidence,
        )


_SCOPE_ROW = re.compile(r"基本支出|项目支出|三公|财政拨款|上年结转|结转资金|其他资金|^(?:中央|省|市|县|区|乡镇)(?:级|财政|资金|补助)*$")


_PROSE_PART_RATE = re.compile(
    r"(?P<a>\d+(?:\.\d+)?)\s*万元\s*[,，]\s*(?:已执行|实际支出|已支出|已支付|实际执行|执行|支出|使用)\s*"
    r"(?P<b>\d+(?:\.\d+)?)\s*万元\s*[,，]\s*(?:预算)?(?:执行率|支出率|完成率|实现率)\s*(?:为|达)?\s*(?P<c>\d+(?:\.\d+)?)\s*%"
)


@check("part_rate_vs_amounts", "execution_rate_mismatch", "Rates of parts of the budget — table rows 基本支出 / 项目支出 / “三公” / funding sources, and prose 'X万元，已执行Y万元，执行率Z%' — vs their actual / budget.")
def _check_part_rates(ctx: CheckContext) -> Iterator[Finding]:
    for block in ctx.tables:
        budget_cols = block.columns_with("budget")  # a rate divides by the full-year budget, never by 年初
        actual_cols, rate_cols = block.columns_with("actual"), block.columns_with("rate")
        if not (budget_cols and actual_cols and rate_cols):
            continue
        for row in block.rows:
            if row.is_total or not _SCOPE_ROW.search(row.label):
                continue
            budget, actual = money_cell(ctx, block, row, budget_cols[0]), money_cell(ctx, block, row, actual_cols[0])
            rate = rate_cell(ctx, row, rate_cols[0])
            if budget is None or actual is None or rate is None:
                continue
            if any(f.startswith("projects[") for f in ctx.fields_of_mention(rate)):
                continue  # a project row: project_rate_vs_amounts checks it
            yield from _part_rate_finding(ctx, row.label, rate, actual, budget)
    for m in _PROSE_PART_RATE.finditer(ctx.text):
        if ctx.in_table(m.start()):
            continue
        found = {g: next(iter(ctx.mentions_between(m.start(g), m.end(g) + 3)), None) for g in "abc"}
        if any(v is None for v in found.values()):
            continue
        a, b, c = found["a"], found["b"], found["c"]
        label = sentence_before(ctx.text, m.start())[-16:]
        yield from _part_rate_finding(ctx, label, c, (in_wan(b) or b.value, mention_half(b), b), (in_wan(a) or a.value, mention_half(a), a))


def _part_rate_finding(ctx: CheckContext, label: str, rate: NumberMention, actual, budget) -> Iterator[Finding]:
    verdict = compare_rate(rate.value, actual[0], budget[0], rate.decimals, actual[1], budget[1])
    if verdict is None or verdict.status == "ok":
        return
    mentions = [rate, actual[2], budget[2]]
    severity: Severity = "warning" if verdict.status == "truncated" else "error"
    note = "：截断而非四舍五入" if severity == "warning" else ""
    yield make_finding(
        "part_rate_vs_amounts", "execution_rate_mismatch", severity,
        f"“{label}”执行率印为 {plain_number(rate.value)}%，但 {plain_number(actual[0])}/{plain_number(budget[0])} = {verdict.computed:.2f}%{note}",
        [f for m in mentions for f in ctx.fields_of_mention(m)], rate.value, round(verdict.computed, RATE_REPORTED_DECIMALS), verdict.tolerance,
        [ctx.mention_evidence(m) for m in mentions],
    )
