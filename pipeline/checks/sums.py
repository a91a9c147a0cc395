"""Parts against their totals: 年初预算 + 调整数 = 调整后预算, table total rows, 基本支出 + 项目支出,
projects within their total, 其中 lists in prose, and remainders (budget − paid) stated in prose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from pipeline import lexicon as lx
from pipeline.checks import check, make_finding
from pipeline.checks.compare import EPS, REPORTED_DECIMALS, Op, Printed, in_wan, mention_half, op_of, sum_tolerance
from pipeline.checks.context import CheckContext, adjustment_mentioned, broken_number
from pipeline.checks.grid import PLACEHOLDER, GridBlock, GridRow, has_money, money_cell, money_columns_of
from pipeline.ground import plain_number
from pipeline.normalize import MONEY_UNITS, NumberMention, to_wan
from pipeline.record import Evidence, Finding, Severity


@check("adjustment_sum", "adjustment_sum_mismatch", "年初预算 + 预算调整数 = 调整后预算 (within the rounding of the printed figures).")
def _check_adjustment_sum(ctx: CheckContext) -> Iterator[Finding]:
    initial, adjustment, adjusted = (ctx.printed(f"budget.{k}") for k in ("initial", "adjustment", "adjusted"))
    if initial is None or adjustment is None or adjusted is None:
        return
    tolerance = sum_tolerance([initial.op, adjustment.op, adjusted.op])
    computed = initial.value + adjustment.value
    if abs(computed - adjusted.value) <= tolerance + EPS:
        return
    fields = ["budget.initial", "budget.adjustment", "budget.adjusted"]
    evidence = [initial.evidence, adjustment.evidence, adjusted.evidence]
    if abs(initial.value - abs(adjustment.value) - adjusted.value) <= tolerance + EPS:
        yield make_finding(
            "adjustment_sum", "adjustment_sum_mismatch", "warning",
            f"年初预算 {plain_number(initial.value)} + 预算调整数 {plain_number(adjustment.value)} = {plain_number(computed)} ≠ 调整后预算 {plain_number(adjusted.value)}；"
            f"按调减计算 {plain_number(initial.value)} − {plain_number(abs(adjustment.value))} 才相符：调整数的符号与文字不一致",
            fields, adjusted.value, round(computed, REPORTED_DECIMALS), tolerance, evidence,
        )
        return
    yield make_finding(
        "adjustment_sum", "adjustment_sum_mismatch", "error",
        f"年初预算 {plain_number(initial.value)} + 预算调整数 {plain_number(adjustment.value)} = {plain_number(computed)}，但调整后预算印为 {plain_number(adjusted.value)}"
        f"（相差 {plain_number(round(adjusted.value - computed, REPORTED_DECIMALS))}）",
        fields, adjusted.value, round(computed, REPORTED_DECIMALS), tolerance, evidence,
    )


def _lost_rows(ctx: CheckContext, first: int, last: int) -> bool:
    """Lines between ``first`` and ``last`` that print figures but are no table rows: rows that
    lost their tabs, so a sum over the table's rows misses them."""
    for line in ctx.layout.lines[first : last + 1]:
        if not line.is_table_row and line.text.strip():
            figures = [m for m in ctx.mentions_between(line.start, line.end) if m.unit not in ("%", "‰")]
            if len(figures) >= 2 and not re.search(r"[。；;]", line.text):
                return True
    return False


def _missing_row_printed(ctx: CheckContext, block: GridBlock, total: GridRow, parts: list[GridRow], shortfall: float, tolerance: float) -> bool:
    """Is the amount the parts fall short by printed as a figure near them, outside the parts
    (a funding row that lost its tabs, values shifted to a label-less line)? Then a row was
    misread, and the sum says nothing."""
    lines = [total.line.index] + [p.line.index for p in parts]
    first, last = min(lines), max(lines) + 3
    used = {id(m) for p in parts for m in ctx.mentions_between(p.line.start, p.line.end)}
    for line in ctx.layout.lines[first : last + 1]:
        if line.index == total.line.index:
            continue
        for m in ctx.mentions_between(line.start, line.end):
            if id(m) in used or m.unit in ("%", "‰"):
                continue
            value = in_wan(m, block.unit)
            if value is not None and abs(value - shortfall) <= tolerance + mention_half(m, block.unit) + EPS:
                return True
    return False


def _unreadable(ctx: CheckContext, block: GridBlock, row: GridRow, column: int) -> bool:
    """A cell that prints something in a money column that is not one readable figure
    ('51,5300. 00' with two faults reads as two numbers)."""
    cell = row.cell(column)
    if cell is None or not cell.text or PLACEHOLDER.match(cell.text):
        return False
    return money_cell(ctx, block, row, column) is None and bool(re.search(r"\d", cell.text))


def _total_parts(ctx: CheckContext, block: GridBlock, index: int) -> list[GridRow]:
    """The rows a total row sums: the 其中 rows right below a total printed first (年度资金总额 /
    合计 over 其中：财政拨款 …), else the rows above it back to the header or the previous total.
    A “三公”经费 row is a part of 基本/项目支出, not a sibling of them: never summed."""
    rows = block.rows
    money_rows_before = [r for r in rows[:index] if has_money(ctx, block, r)]
    parts: list[GridRow] = []
    if not money_rows_before:
        for row in rows[index + 1 :]:
            if row.is_total or not has_money(ctx, block, row) and not any(
                (c := row.cell(col)) is not None and PLACEHOLDER.match(c.text) and c.text for col in money_columns_of(block)
            ):
                break
            if row.sub and parts:
                break  # a nested breakdown starts: its rows are parts of the row above
            if "三公" in row.label:
                continue
            parts.append(row)
    else:
        for row in reversed(rows[:index]):
            if row.is_total:
                break
            if row.label.startswith("小计"):
                return []  # subtotals: the total sums them, not the rows (not handled)
            if has_money(ctx, block, row) and "三公" not in row.label:
                parts.append(row)
        parts.reverse()
    return parts


@check("table_total_row", "parts_do_not_sum", "Any table whose total row (合计 / 年度资金总额 …, funding-source rows 其中：财政拨款 / 中央 / 省 … included) disagrees with its rows, column by column; an all-zero total row too.")
def _check_table_totals(ctx: CheckContext) -> Iterator[Finding]:
    for block in ctx.tables:
        money_columns = money_columns_of(block)
        if not money_columns:
            continue
        for index, row in enumerate(block.rows):
            if not row.is_total:
                continue
            parts = _total_parts(ctx, block, index)
            if len(parts) < 2:
                continue
            checked = []
            span = block.rows[min(block.rows.index(p) for p in parts) : max(block.rows.index(p) for p in parts) + 1]
            lines = [row.line.index] + [p.line.index for p in parts]
            lost_rows = _lost_rows(ctx, min(lines), max(lines) + (3 if lines[0] == min(lines) else 0))
            for column in money_columns:
                total = money_cell(ctx, block, row, column)
                if total is None:
                    continue
                values = [money_cell(ctx, block, part, column) for part in parts]
                if any(v is None for v in values) or any(_unreadable(ctx, block, r, column) for r in span):
                    continue  # a part missing or printed so that it cannot be read: no basis
                part_sum = sum(v[0] for v in values)
                tolerance = sum_tolerance(op_of(x[2], block.unit) for x in [total, *values])
                checked.append((column, total, values, part_sum, tolerance))
            if not checked:
                continue
            if all(t[1][0] == 0 for t in checked) and any(abs(t[3]) > t[4] for t in checked):
                mentions = [t[1][2] for t in checked] + [v[2] for t in checked for v in t[2]]
                yield make_finding(
                    "table_total_row", "parts_do_not_sum", "error",
                    f"表格“{row.label}”行各列全为 0，而其下/上各行合计为 "
                    + "、".join(f"{block.columns[t[0]]} {plain_number(round(t[3], REPORTED_DECIMALS))}" for t in checked),
                    [f for m in mentions for f in ctx.fields_of_mention(m)],
                    {block.columns[t[0]]: 0.0 for t in checked},
                    {block.columns[t[0]]: round(t[3], REPORTED_DECIMALS) for t in checked},
                    max(t[4] for t in checked),
                    [ctx.mention_evidence(m) for m in mentions],
                )
                continue
            for column, total, values, part_sum, tolerance in checked:
                if abs(total[0] - part_sum) <= tolerance + EPS:
                    continue
                if part_sum < total[0] and (lost_rows or _missing_row_printed(ctx, block, row, parts, total[0] - part_sum, tolerance)):
                    continue  # rows the table lost (tabs, line shift) may hold the shortfall
                mentions = [total[2]] + [v[2] for v in values]
                labels = "、".join(p.label or "?" for p in parts[:5]) + (f" 等 {len(parts)} 行" if len(parts) > 5 else "")
                yield make_finding(
                    "table_total_row", "parts_do_not_sum", "error",
                    f"表格“{block.columns[column]}”列：“{row.label}”行印为 {plain_number(total[0])} 万元，但 {labels} 各行之和为 {plain_number(round(part_sum, REPORTED_DECIMALS))} 万元"
                    f"（相差 {plain_number(round(total[0] - part_sum, REPORTED_DECIMALS))}）",
                    [f for m in mentions for f in ctx.fields_of_mention(m)],
                    total[0], round(part_sum, REPORTED_DECIMALS), tolerance,
                    [ctx.mention_evidence(m, block.columns[column]) for m in mentions],
                )


@check("basic_plus_project", "parts_do_not_sum", "基本支出 + 项目支出 = the department total, for the full-year budget and for actual spending.")
def _check_basic_plus_project(ctx: CheckContext) -> Iterator[Finding]:
    for measure, total_path, name in (("budget", "budget.adjusted", "全年预算"), ("actual", "budget.actual", "实际支出")):
        basic, project = ctx.printed(f"budget.basic.{measure}"), ctx.printed(f"budget.project.{measure}")
        total = ctx.printed(total_path)
        total_fields = [total_path]
        if total is None and measure == "budget":
            initial, adjustment = ctx.printed("budget.initial"), ctx.printed("budget.adjustment")
            if initial and adjustment:
                total = Printed(initial.value + adjustment.value, 2, sum_tolerance([initial.op, adjustment.op]), initial.evidence, None, "万元")
                total_fields = ["budget.initial", "budget.adjustment"]
        if basic is None or project is None or total is None:
            continue
        tolerance = sum_tolerance([basic.op, project.op, total.op])
        computed = basic.value + project.value
        if abs(computed - total.value) <= tolerance + EPS:
            continue
        yield make_finding(
            "basic_plus_project", "parts_do_not_sum", "error",
            f"基本支出 {plain_number(basic.value)} + 项目支出 {plain_number(project.value)} = {plain_number(round(computed, REPORTED_DECIMALS))} 万元，但{name}印为 {plain_number(total.value)} 万元",
            [f"budget.basic.{measure}", f"budget.project.{measure}", *total_fields], total.value, round(computed, REPORTED_DECIMALS), tolerance,
            [basic.evidence, project.evidence] + [ctx.evidence(f) for f in total_fields],
        )


@check("projects_within_total", "parts_do_not_sum", "Projects must not sum past the total they are part of: Σ project budgets ≤ 项目支出 (else the department) budget, Σ actuals likewise.")
def _check_projects_within_total(ctx: CheckContext) -> Iterator[Finding]:
    projects = ctx.plain["projects"]
    if len(projects) < 2:
        return
    totals = {
        "budget": ["budget.project.budget", "budget.adjusted", "budget.initial"],
        "actual": ["budget.project.actual", "budget.actual"],
    }
    for measure, candidates in totals.items():
        total_path = next((p for p in candidates if ctx.number(p) is not None), None)
        if total_path is None:
            continue
        total = ctx.printed(total_path)
        items = [(i, ctx.printed(f"projects[{i}].{measure}")) for i in range(len(projects))]
        items = [(i, p) for i, p in items if p is not None]
        if len(items) < 2 or total is None:
            continue
        part_sum = sum(p.value for _, p in items)
        tolerance = sum_tolerance([total.op] + [p.op for _, p in items])
        if part_sum <= total.value + tolerance + EPS:
            continue
        word = "预算" if measure == "budget" else "实际支出"
        yield make_finding(
            "projects_within_total", "parts_do_not_sum", "error",
            f"{len(items)} 个项目的{word}之和 {plain_number(round(part_sum, REPORTED_DECIMALS))} 万元超过了总数 {total_path} = {plain_number(total.value)} 万元",
            [total_path] + [f"projects[{i}].{measure}" for i, _ in items], total.value, round(part_sum, REPORTED_DECIMALS), tolerance,
            [total.evidence] + [p.evidence for _, p in items],
        )


# A 其中 breakdown in prose: '全年预算12,486.73万元。其中：基本支出3,204.55万元，项目支出9,282.18万元。'
_BUDGET_WORDS = re.compile(r"预算|安排|下达|批复|追加|调整|计划")
_ACTUAL_WORDS = re.compile(r"实际支出|实际形成支出|形成支出|已支出|已支付|支付|已执行|执行数|实际执行|决算|使用|拨付|累计支出|支出了")
_PAREN_ASIDE = re.compile(r"[（(][^（）()]*[）)]")


def _measure_before(text: str) -> str | None:
    """budget / actual from the nearest measure word in ``text`` (its end matters most)."""
    text = lx.fold(text)
    best, which = -1, None
    for pattern, name in ((_BUDGET_WORDS, "budget"), (_ACTUAL_WORDS, "actual")):
        for m in pattern.finditer(text):
            if m.end() > best:
                best, which = m.end(), name
    return which


@dataclass
class _Amount:
    value: float
    half: float
    mention: NumberMention
    measure: str | None


def _money_amounts(ctx: CheckContext, start: int, end: int, segment_start: int) -> list[_Amount]:
    out = []
    for m in ctx.mentions_between(start, end):
        value = in_wan(m)
        if value is None:
            continue
        if broken_number(ctx, m):
            return []  # one unreadable figure makes the whole breakdown unreadable
        before = ctx.text[segment_start : m.norm_start]
        if _NOT_A_PART_BEFORE.search(before[-8:]) or _PER_UNIT_AFTER.match(ctx.text, m.norm_end):
            continue  # a saving, a remainder or a price per unit: no part of any total
        out.append(_Amount(value, mention_half(m), m, _measure_before(before)))
    return out


# '较预算节约44.13万元', '剩余18.72万元…尚未支付', '按每亩1200元的标准': amounts that are neither a
# total nor a part of one.
_NOT_A_PART_BEFORE = re.compile(lx.with_variants(r"(?:节约|节省|节余|结余|剩余|尚余|余额|差额|减少|增加|下降|增长|超支|每[\u4e00-\u9fff]{0,3})[^，,；;。]{0,3}$"))
_PER_UNIT_AFTER = re.compile(r"\s*(?:万元|元)?\s*/")


@check("prose_breakdown_sum", "parts_do_not_sum", "A 其中 list of amounts in prose (基本/项目支出, “三公” items, sub-funds) against the total it breaks down, per measure (budget vs actual).")
def _check_prose_breakdowns(ctx: CheckContext) -> Iterator[Finding]:
    text = ctx.text
    for m in re.finditer(r"其中[:：]?", text):
        if ctx.in_table(m.start()):
            continue
        head = _breakdown_head(ctx, m.start())
        if head is None:
            continue
        head_start, head_end, inside_paren = head
        totals = [a for a in _money_amounts(ctx, head_start, head_end, head_start) if not _in_aside(text, head_start, a.mention.norm_start)]
        if not totals:
            continue
        # Each measure's total is its last amount; amounts with no measure word count for the
        # measure of the amount right before 其中.
        nearest = totals[-1]
        by_measure: dict[str, _Amount] = {}
        for a in totals:
            by_measure[a.measure or nearest.measure or "budget"] = a
        default_measure = nearest.measure or "budget"
        # The list: up to the end of the sentence (or of the bracket it sits in).
        list_start = m.end()
        list_end = _list_end(text, list_start, ctx.line_of(m.start()).end, inside_paren)
        items = _breakdown_items(ctx, list_start, list_end)
        if len(items) < 2:
            continue
        for measure, total in by_measure.items():
            yield from _breakdown_finding(ctx, measure, total, items, default_measure, by_measure)


def _breakdown_head(ctx: CheckContext, pos: int) -> tuple[int, int, bool] | None:
    """(start, end, inside a bracket) of the text whose amounts a 其中 at ``pos`` breaks down:
    the clause chain before it in its sentence; the sentence before when 其中 opens a sentence
    (also across a line break); the text before the bracket when '（其中…）' is an aside."""
    text = ctx.text
    line = ctx.line_of(pos)
    open_paren = max(text.rfind("（", line.start, pos), text.rfind("(", line.start, pos))
    close_paren = max(text.rfind("）", line.start, pos), text.rfind(")", line.start, pos))
    inside_paren = open_paren > close_paren
    end = open_paren if inside_paren else pos
    if not text[line.start : end].strip():
        previous = ctx.layout.lines[line.index - 1] if line.index > 0 else None
        if previous is None or previous.is_table_row or not previous.text.strip():
            return None
        line, end = previous, previous.start + len(previous.text.rstrip())
    probe = end
    while probe > line.start and text[probe - 1] in " ：:":
        probe -= 1
    if text[probe - 1 : probe] == "。":
        probe -= 1
    start = probe
    while start > line.start and text[start - 1] not in "。；;\n\t":
        start -= 1
    return start, probe, inside_paren


def _in_aside(text: str, start: int, pos: int) -> bool:
    segment = text[start:pos]
    return segment.count("（") + segment.count("(") > segment.count("）") + segment.count(")")


def _list_end(text: str, start: int, line_end: int, inside_paren: bool) -> int:
    depth = 0
    for i in range(start, line_end):
        ch = text[i]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            if depth == 0 and inside_paren:
                return i
            depth = max(0, depth - 1)
        elif ch == "。" and depth == 0:
            return i
    return line_end


def _breakdown_items(ctx: CheckContext, start: int, end: int) -> list[list[tuple[_Amount, int]]]:
    """Items of a 其中 list: a segment (between ，；、) that names something opens an item; a
    segment opening with a measure word ('已支付34.33万元') continues the item before. Each
    item keeps its amounts with their measure and the index of the '；' group it ends in."""
    text = ctx.text
    items: list[list[tuple[_Amount, int]]] = []
    group = 0
    pos = start
    for seg in re.finditer(r"[^，,；;、]+[，,；;、]?", text[start:end]):
        s, e = start + seg.start(), start + seg.end()
        body = text[s:e].strip(" ，,；;、\n")
        # An aside is judged from the list's start: '（其中：A0.69亿元，B0.42亿元）' spans segments.
        amounts = [a for a in _money_amounts(ctx, s, e, s) if not _in_aside(text, start, a.mention.norm_start)]
        if amounts:
            opens_with_measure = bool(re.match(r"\s*(?:其中)?\s*(?:" + _ACTUAL_WORDS.pattern + "|" + _BUDGET_WORDS.pattern + ")", lx.fold(body)))
            if opens_with_measure and items:
                items[-1].extend((a, group) for a in amounts)
            else:
                items.append([(a, group) for a in amounts])
        if text[e - 1 : e] in "；;":
            group += 1
        pos = e
    return items


def _breakdown_finding(ctx, measure, total: _Amount, items, default_measure, by_measure) -> Iterator[Finding]:
    chosen: list[tuple[_Amount, int]] = []
    for item in items:
        same = [(a, g) for a, g in item if a.measure == measure]
        bare = [(a, g) for a, g in item if a.measure is None]
        if same:
            chosen.append(same[0])
        elif bare and measure == default_measure:
            chosen.append(bare[0])
        else:
            return  # an item with no amount of this measure: the list does not break it down
    # The list may end early: '其中A…，B…；已计提折旧…' — accept any prefix ending at a '；'
    # group boundary whose sum is the total.
    groups = sorted({g for _, g in chosen})
    for last in groups:
        prefix = [a for a, g in chosen if g <= last]
        tolerance = sum_tolerance(op_of(a.mention) for a in [total, *prefix])
        if len(prefix) >= 2 and abs(sum(a.value for a in prefix) - total.value) <= tolerance + EPS:
            return
    parts = [a for a, _ in chosen]
    part_sum = sum(a.value for a in parts)
    tolerance = sum_tolerance(op_of(a.mention) for a in [total, *parts])
    if abs(part_sum - total.value) <= tolerance + EPS:
        return
    # An item printed in 元 among 万元 (or the reverse) that adds up once read in the total's
    # unit is a unit slip, not a wrong sum: amount_unit_magnitude reports it.
    for a in parts:
        if a.mention.unit != total.mention.unit and a.mention.unit in MONEY_UNITS and total.mention.unit in MONEY_UNITS:
            rescaled = part_sum - a.value + (to_wan(a.mention.value, total.mention.unit) or a.value)
            if abs(rescaled - total.value) <= tolerance + EPS:
                return
    # Over the total: certainly wrong. Under it: a partial list, unless the same items add up
    # exactly for the other measure (then the list is complete).
    complete = False
    other = "actual" if measure == "budget" else "budget"
    if other in by_measure:
        other_values = []
        for item in items:
            same = [a for a, _ in item if a.measure == other]
            if same:
                other_values.append(same[0])
        if len(other_values) == len(items):
            other_total = by_measure[other]
            complete = abs(sum(a.value for a in other_values) - other_total.value) <= sum_tolerance(op_of(a.mention) for a in [other_total, *other_values]) + EPS
    severity: Severity = "error" if part_sum > total.value or complete else "warning"
    word = "预算" if measure == "budget" else "实际支出"
    mentions = [total.mention] + [a.mention for a in parts]
    fields = [f for mm in mentions for f in ctx.fields_of_mention(mm)]
    shown = " + ".join(plain_number(a.value) for a in parts)
    yield make_finding(
        "prose_breakdown_sum", "parts_do_not_sum", severity,
        f"{word}总数印为 {plain_number(total.value)} 万元，其中所列各项 {shown} = {plain_number(round(part_sum, REPORTED_DECIMALS))} 万元（相差 {plain_number(round(total.value - part_sum, REPORTED_DECIMALS))}）"
        + ("" if severity == "error" else "；所列可能不全"),
        fields, total.value, round(part_sum, REPORTED_DECIMALS), tolerance, [ctx.mention_evidence(mm) for mm in mentions],
    )


_REMAINDER = re.compile(r"(?:结转结余|结余结转|剩余|尚余|结余|余额)(?:资金|金额|经费|款项)?\s*(?:为|约|共|计)?\s*[:：]?\s*(?=\d)")
# '年初结转结余34万元' / '上年结转结余' is money carried in from last year, not what is left.
_CARRIED_IN = re.compile(r"(?:年初|上年|以前年度|历年|往年)(?:结转|结余)*$")
_PAID_WORDS = re.compile(r"已支付|支付|实际支出|已支出|已执行|执行|已使用|使用|拨付|已完成")


@check("remainder_vs_paid", "remainder_mismatch", "A remainder stated in prose ('剩余18万元', '结余170.24万元') vs budget − paid, at the precision of the operands; a remainder only rounded coarser is a warning.")
def _check_remainders(ctx: CheckContext) -> Iterator[Finding]:
    for m in _REMAINDER.finditer(ctx.text):
        if ctx.in_table(m.start()) or _CARRIED_IN.search(ctx.text[max(0, m.start() - 8) : m.start()]):
            continue
        mention = next(iter(ctx.mentions_between(m.end(), m.end() + 24)), None)
        if mention is None or mention.norm_start != m.end() or (remainder := in_wan(mention)) is None or broken_number(ctx, mention):
            continue
        pairs = _remainder_pairs(ctx, m.start())
        if not pairs:
            continue
        own = op_of(mention)

        def agrees(pair: RemainderPair, coarse: bool) -> bool:
            tolerance = own.half + sum_tolerance(pair.ops) if coarse else sum_tolerance([*pair.ops, own])
            return abs(pair.budget - pair.paid - remainder) <= tolerance + EPS

        if any(agrees(p, coarse=False) for p in pairs):
            continue
        # Report against the paragraph's own figures, else the department's; a remainder that
        # fits none of the pairs and has neither is not attributable to anything.
        pair = next((p for p in pairs if p.local), None) or next((p for p in pairs if p.fields[0] == "budget.adjusted"), None)
        if pair is None:
            continue
        severity: Severity = "warning" if agrees(pair, coarse=True) else "error"
        computed = pair.budget - pair.paid
        note = f"；只在取整到 {mention.decimals} 位小数时相符，而预算与已支付数精确到 {max(o.decimals for o in pair.ops)} 位" if severity == "warning" else ""
        yield make_finding(
            "remainder_vs_paid", "remainder_mismatch", severity,
            f"文中称“{m.group().strip()}{mention.text.strip()}”，但 {pair.name}：{plain_number(pair.budget)} − {plain_number(pair.paid)} = {plain_number(round(computed, REPORTED_DECIMALS))} 万元{note}",
            [*ctx.fields_of_mention(mention), *pair.fields], remainder, round(computed, REPORTED_DECIMALS), sum_tolerance([*pair.ops, own]),
            [ctx.mention_evidence(mention, m.group().strip()), *pair.evidence],
        )


@dataclass
class RemainderPair:
    name: str
    budget: float
    paid: float
    ops: list[Op]
    fields: list[str]
    evidence: list[Evidence | None]
    local: bool = False


def _remainder_pairs(ctx: CheckContext, pos: int) -> list[RemainderPair]:
    """What a remainder at ``pos`` can be the difference of: the budget and the paid amount
    printed before it in its paragraph, then every budget/actual pair of the record."""
    pairs = []
    line = ctx.line_of(pos)
    amounts = [a for a in ctx.mentions_between(line.start, pos) if in_wan(a) is not None]
    paid = None
    for a in reversed(amounts):
        before = ctx.text[max(line.start, a.norm_start - 12) : a.norm_start]
        if _PAID_WORDS.search(before):
            paid = a
            break
    if paid is not None:
        budget = None
        for a in reversed([a for a in amounts if a.norm_start < paid.norm_start]):
            before = ctx.text[max(line.start, a.norm_start - 8) : a.norm_start]  # normalised: folded already
            if _PAID_WORDS.search(before):
                continue
            if re.search(r"预算|安排|下达|批复|成本|总额|计划|资金|经费", before):
                budget = a
                break
        if budget is not None:
            pairs.append(RemainderPair(
                "本段所列预算减已支付", in_wan(budget), in_wan(paid), [op_of(budget), op_of(paid)],  # type: ignore[arg-type]
                ctx.fields_of_mention(budget) + ctx.fields_of_mention(paid),
                [ctx.mention_evidence(budget), ctx.mention_evidence(paid)], local=True,
            ))
    return pairs + _record_remainder_pairs(ctx)


def _record_remainder_pairs(ctx: CheckContext) -> list[RemainderPair]:
    """Every budget/actual pair of the record, built once per record (not per remainder)."""
    cached = ctx.__dict__.get("_record_remainder_pairs")
    if cached is not None:
        return cached
    pairs = []
    record_pairs = [("部门全年预算减实际支出", "budget.adjusted", "budget.actual")]
    if ctx.number("budget.adjusted") is None and not adjustment_mentioned(ctx):
        record_pairs.append(("部门预算减实际支出", "budget.initial", "budget.actual"))  # nothing was adjusted
    record_pairs += [(f"{k} 预算减实际支出", f"budget.{k}.budget", f"budget.{k}.actual") for k in ("basic", "project", "three_public")]
    record_pairs += [(f"项目“{p['name']}”预算减实际支出", f"projects[{i}].budget", f"projects[{i}].actual") for i, p in enumerate(ctx.plain["projects"])]
    for name, budget_path, paid_path in record_pairs:
        b, p = ctx.printed(budget_path), ctx.printed(paid_path)
        if b is not None and p is not None:
            pairs.append(RemainderPair(name, b.value, p.value, [b.op, p.op], [budget_path, paid_path], [b.evidence, p.evidence]))
    ctx.__dict__["_record_remainder_pairs"] = pairs
    return pairs
