"""Units and magnitudes: amounts printed in 元 where 万元 is meant (or the reverse), record
amounts ~10⁴ apart, percentages that cannot exceed 100, numbers the normaliser had to repair."""

from __future__ import annotations

import re
from typing import Iterator

from pipeline import lexicon as lx
from pipeline.checks import check, make_finding
from pipeline.checks.compare import EPS, REPORTED_DECIMALS, YUAN_PER_WAN, in_wan
from pipeline.checks.context import CheckContext, broken_number
from pipeline.checks.grid import money_cell, money_columns_of
from pipeline.ground import plain_number
from pipeline.normalize import MONEY_UNITS, NumberMention
from pipeline.record import Finding

# A unit slip (元 printed for 万元, or the reverse) puts an amount ~10⁴ off the amounts beside it:
# below SLIP_BELOW (above SLIP_ABOVE) times their median, and within SLIP_FIT of it once rescaled.
SLIP_BELOW, SLIP_ABOVE = 2e-4, 5e3
SLIP_FIT = (0.02, 50)
# Two record amounts that belong together (budget and actual, part and total) read in different
# units: at least SCALE_ABOVE apart (at most SCALE_BELOW), and within SCALE_FIT once rescaled.
SCALE_ABOVE, SCALE_BELOW = 1e3, 1e-3
SCALE_FIT = (0.1, 10)
# A share of a whole (a satisfaction, pass or coverage rate) cannot exceed all of it.
WHOLE_PERCENT = 100.0


_MONEY_LABEL_BEFORE = re.compile(r"支出|预算|安排|执行|支付|资金|经费|拨款|金额|费用?|决算|投入|下达|结余")


def _unit_suspect(value_wan: float, others_wan: list[float], printed_unit: str) -> str | None:
    """'元→万元' when the amount, printed in 元, is ~10⁴ too small beside amounts printed in
    万元 (and ×10⁴ would fit them); '万元→元' for the reverse."""
    others = sorted(o for o in others_wan if o > 0)
    if value_wan <= 0 or not others:
        return None
    median = others[len(others) // 2]
    ratio = value_wan / median
    if printed_unit == "元" and ratio < SLIP_BELOW and SLIP_FIT[0] <= ratio * YUAN_PER_WAN <= SLIP_FIT[1]:
        return "元→万元"
    if printed_unit in ("万元", "亿元") and ratio > SLIP_ABOVE and SLIP_FIT[0] <= ratio / YUAN_PER_WAN <= SLIP_FIT[1]:
        return "万元→元"
    return None


@check("amount_unit_magnitude", "unit_suspect", "An amount whose magnitude says 元 where the unit in force is 万元, or the reverse: e.g. '实际支出348.87元' beside 万元 figures of the same sentence or table row.")
def _check_amount_units(ctx: CheckContext) -> Iterator[Finding]:
    # Prose: amounts of one sentence printed in different units.
    for line in ctx.layout.lines:
        if line.is_table_row or not line.text.strip():
            continue
        for sentence in re.finditer(r"[^。]+", ctx.text[line.start : line.end]):
            s, e = line.start + sentence.start(), line.start + sentence.end()
            money = [m for m in ctx.mentions_between(s, e) if m.unit in MONEY_UNITS and m.value > 0]
            if any(broken_number(ctx, m) for m in money):
                continue
            for m in money:
                others = [in_wan(o) for o in money if o is not m and o.unit != m.unit]
                same = sum(1 for o in money if o.unit == m.unit)
                if same > len(others) or (same == len(others) and m.unit == ctx.money_unit):
                    continue  # the unit most amounts here are printed in is the one in force
                before = ctx.text[max(s, m.norm_start - 10) : m.norm_start]
                if not others or not _MONEY_LABEL_BEFORE.search(before):
                    continue
                verdict = _unit_suspect(in_wan(m), others, m.unit)  # type: ignore[arg-type]
                if verdict:
                    clause = re.split(r"[，,；;：:]", ctx.text[s : m.norm_start])[-1]
                    yield _unit_finding(ctx, m, verdict, others, clause)
    # Tables: money cells of one row against each other.
    for block in ctx.tables:
        columns = money_columns_of(block)
        if len(columns) < 2:
            continue
        for row in block.rows:
            cells = [c for c in (money_cell(ctx, block, row, col) for col in columns) if c is not None and c[0] > 0]
            if len(cells) < 3:
                continue  # two figures that differ ~10⁴: which one is wrong cannot be told
            median = sorted(v for v, _, _ in cells)[len(cells) // 2]
            for value, _, m in cells:
                others = [v for v, _, o in cells if o is not m]
                unit = m.unit if m.unit in MONEY_UNITS else block.unit
                ratio = value / median if median else 1
                if ratio < SLIP_BELOW and SLIP_FIT[0] <= ratio * YUAN_PER_WAN <= SLIP_FIT[1]:
                    yield _unit_finding(ctx, m, f"{unit}→{'万元' if unit == '元' else unit}（小了约一万倍）", others, row.label)
                elif ratio > SLIP_ABOVE and SLIP_FIT[0] <= ratio / YUAN_PER_WAN <= SLIP_FIT[1]:
                    yield _unit_finding(ctx, m, f"数值像是以元计，而表格单位为{unit}", others, row.label)


def _unit_finding(ctx: CheckContext, m: NumberMention, verdict: str, others: list[float], label: str) -> Finding:
    fields = ctx.fields_of_mention(m, candidates=True)
    as_wan = in_wan(m) or m.value
    intended = m.value if verdict.startswith("元→") else as_wan / YUAN_PER_WAN
    median = sorted(others)[len(others) // 2]
    return make_finding(
        "amount_unit_magnitude", "unit_suspect", "error",
        f"“{label.strip()[-16:]}{m.text.strip()}”：同句/同行其他金额约 {plain_number(round(median, 2))} 万元，此数按所印单位只有 {plain_number(round(as_wan, REPORTED_DECIMALS))} 万元，"
        f"相差约一万倍；单位疑为笔误（{verdict}，应约为 {plain_number(round(intended, REPORTED_DECIMALS))} 万元）",
        fields, round(as_wan, REPORTED_DECIMALS), round(intended, REPORTED_DECIMALS), None, [ctx.mention_evidence(m)],
    )


_AMOUNT_PAIRS = [
    ("budget.initial", "budget.adjusted"),
    ("budget.adjusted", "budget.actual"),
    ("budget.initial", "budget.actual"),
    ("budget.basic.budget", "budget.basic.actual"),
    ("budget.project.budget", "budget.project.actual"),
    ("budget.three_public.budget", "budget.three_public.actual"),
    ("budget.basic.budget", "budget.adjusted"),
    ("budget.project.budget", "budget.adjusted"),
]


@check("record_amount_scale", "unit_suspect", "Record amounts that belong together (budget vs actual, part vs total) differ by ~10⁴: one was read in 元 as if 万元, or the reverse.")
def _check_record_scale(ctx: CheckContext) -> Iterator[Finding]:
    pairs = list(_AMOUNT_PAIRS) + [(f"projects[{i}].budget", f"projects[{i}].actual") for i in range(len(ctx.plain["projects"]))]
    for a_path, b_path in pairs:
        a, b = ctx.number(a_path), ctx.number(b_path)
        if not a or not b or a <= 0 or b <= 0:
            continue
        ratio = a / b
        if (ratio >= SCALE_ABOVE and SCALE_FIT[0] <= ratio / YUAN_PER_WAN <= SCALE_FIT[1]) or (
            ratio <= SCALE_BELOW and SCALE_FIT[0] <= ratio * YUAN_PER_WAN <= SCALE_FIT[1]
        ):
            big, small = (a_path, b_path) if ratio > 1 else (b_path, a_path)
            yield make_finding(
                "record_amount_scale", "unit_suspect", "error",
                f"{big} = {plain_number(ctx.number(big))} 万元 与 {small} = {plain_number(ctx.number(small))} 万元 相差约 {plain_number(round(max(ratio, 1 / ratio)))} 倍：其中一个的单位（元/万元）疑有误",
                [a_path, b_path], a, b, None, [ctx.evidence(a_path), ctx.evidence(b_path)],
            )


_IMPOSSIBLE_OVER_100 = re.compile(lx.AT_MOST_100_RATES)


@check("percent_over_100", "unit_suspect", "A percentage above 100 where it cannot be: satisfaction / pass / coverage / timeliness / arrival rates (completion, growth and execution rates can).")
def _check_percent_over_100(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.mentions:
        if m.unit != "%" or m.value <= WHOLE_PERCENT + EPS:
            continue
        before = ctx.text[max(0, m.norm_start - 14) : m.norm_start]
        before = re.split(r"[。；;，,\n]", before)[-1]
        label = _IMPOSSIBLE_OVER_100.search(before)
        if not label:
            continue  # completion rates (119.02% of a target), growth rates, execution rates (overspending) can exceed 100
        if re.search(lx.THRESHOLD_BEFORE.replace("\\s*$", ""), before[label.end() :]):
            continue
        if _read_past_stray_digits(ctx, m):
            continue
        yield make_finding(
            "percent_over_100", "unit_suspect", "error",
            f"“{label.group()}”为 {plain_number(m.value)}%，而这一比率不可能超过 100%",
            ctx.fields_of_mention(m), m.value, WHOLE_PERCENT, None, [ctx.mention_evidence(m, label.group())],
        )


def _read_past_stray_digits(ctx: CheckContext, mention: NumberMention) -> bool:
    """The record read this over-100 percentage as stray digits glued before the real figure
    ('2' + '93.5%', which the report states in prose): a field's evidence is a proper tail of the
    mention and its value is at most 100. The discarded digits are no rate."""
    for path in ctx.fields_of_mention(mention):
        evidence = ctx.evidence(path)
        if evidence is None or evidence.page is None:
            continue
        start, end = ctx.raw_span(evidence)
        figure = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", str(ctx.value(path)))  # a number, or a printed '93.5%'
        if mention.raw_start < start and end == mention.raw_end and figure and float(figure.group(1)) <= WHOLE_PERCENT:
            return True
    return False


_UNREPAIRED_SEPARATOR = re.compile(r"(?<![\d,.])\d{1,4}(?:,\d{3})*,\d{4,}(?:\.\d+)?(?![\d,])")


@check("number_repaired", "separator_repaired", "A number the normaliser had to repair to read it: a misplaced thousands separator ('2,2097.11'), a letter read for a digit ('1O2.5').")
def _check_repaired_numbers(ctx: CheckContext) -> Iterator[Finding]:
    names = {"separator_repaired": "千分位分隔符位置错误", "ocr_digit": "数字中混入字母（OCR 误识）"}
    repaired = [(r.raw_start, r.raw_end) for r in ctx.nt.repairs if r.kind in names]
    # A misplaced separator the normaliser could not repair ('2196,5600. 00元': two faults in
    # one number) is still a misplaced separator: groups after a comma are three digits long.
    for m in _UNREPAIRED_SEPARATOR.finditer(ctx.text):
        raw_start, raw_end = ctx.nt.raw_span(m.start(), m.end())
        if any(s < raw_end and raw_start < e for s, e in repaired):
            continue
        yield make_finding(
            "number_repaired", "separator_repaired", "warning",
            f"数字“{ctx.document.text[raw_start:raw_end]}”千分位分隔符位置错误且未能自动修复，应读作“{m.group().replace(',', '')}”，请核对原件",
            ctx.fields_at(raw_start, raw_end, candidates=True), ctx.document.text[raw_start:raw_end], m.group().replace(",", ""), None,
            [ctx.raw_evidence(raw_start, raw_end)],
        )
    # Figures printed run together in one table cell that the table reader split by its columns.
    runs: dict[tuple[int, int], list[str]] = {}
    for table in ctx.typed_tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.run_together is not None:
                    runs.setdefault(cell.run_together, []).append(cell.text)
    for (start, end), parts in runs.items():
        raw_start, raw_end = ctx.nt.raw_span(start, end)
        yield make_finding(
            "number_repaired", "separator_repaired", "warning",
            f"表格单元格“{ctx.document.text[raw_start:raw_end]}”中几个数字连写在一起，按所在各列拆分为“{' | '.join(parts)}”读取，请核对原件",
            ctx.fields_at(raw_start, raw_end, candidates=True), ctx.document.text[raw_start:raw_end], " ".join(parts), None,
            [ctx.raw_evidence(raw_start, raw_end)],
        )
    for repair in ctx.nt.repairs:
        if repair.kind not in names:
            continue
        fields = ctx.fields_at(repair.raw_start, repair.raw_end, candidates=True)
        yield make_finding(
            "number_repaired", "separator_repaired", "warning",
            f"数字“{repair.raw}”{names[repair.kind]}，按“{repair.replacement}”读取，请核对原件",
            fields, repair.raw, repair.replacement, None, [ctx.raw_evidence(repair.raw_start, repair.raw_end)],
        )
