"""List items: projects (table rows, forms, headings, prose lists) and indicators (grids, prose sentences)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

from pipeline import lexicon as lx, sidebyside, tables as tb
from pipeline.extract import prose
from pipeline.extract.rules.context import Context, Found, MONEY_UNITS, _NameIndex, _PAREN, _project_headings, _sentence_prefix, _similar, _squash
from pipeline.extract.rules.money import ProjectRow, _cell_figure, _close
from pipeline.normalize import NumberMention, to_wan
from pipeline.record import Indicator, PROJECT_LEVEL_TYPES


def _is_number_cell(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d[\d,，]*(?:\.\d+)?\s*%?", text.replace(" ", "")))


def _table_projects(ctx: Context, table: tb.Table) -> list[ProjectRow]:
    """Rows of a multi-project table (pipeline.tables: a 项目名称 column and money columns).
    The budget and actual columns named by the header are confirmed by arithmetic (rate ≈
    actual / budget on most rows), because OCR shifts header fragments between columns."""
    name_col = table.column("project_name")
    if name_col is None and table.columns_with("actual", "budget", "adjusted"):
        # A detail table of what the money paid for ('支出内容 | 支出金额'): its items are the uses.
        name_col = table.column("content")
    if name_col is None or table.kind == "money" or not table.header:
        return []
    rows: list[tuple[tb.Row, dict[int, NumberMention]]] = []
    for row in table.rows:
        nums = {}
        for cell in row.cells:
            if cell.text and _is_number_cell(cell.text):
                mention = _cell_figure(ctx, cell)
                if mention:
                    nums[cell.column] = mention
        rows.append((row, nums))

    rate_col = table.column("rate")
    budget_col = actual_col = None
    # Arithmetic: the (budget, actual) column pair whose ratio matches the rate column.
    if rate_col is not None:
        best = (0, None, None)
        numeric_cols = sorted({c for _, nums in rows for c in nums if c != rate_col})
        for b, a in itertools.permutations(numeric_cols, 2):
            hits = 0
            for _, nums in rows:
                if b in nums and a in nums and rate_col in nums and nums[b].value:
                    if _close(nums[rate_col].value, nums[a].value / nums[b].value * 100, 1):
                        hits += 1
            if hits > best[0] or (hits == best[0] and best[1] is not None and (b, a) < (best[1], best[2])):
                best = (hits, b, a)
        if best[0] >= max(1, len(rows) // 2):
            budget_col, actual_col = best[1], best[2]
    if budget_col is None:
        budget_col = next((c for c in (table.column(r) for r in ("adjusted", "budget", "initial")) if c is not None and c != rate_col), None)
        actual_col = next((c for c in (table.column(r) for r in ("actual", "total")) if c is not None and c not in (rate_col, budget_col)), None)
    if budget_col is None and actual_col is None and rate_col is None:
        return []

    def label(col: int) -> str:
        column = table.columns.get(col)
        return (column.leaf or column.header) if column else ""

    projects: list[ProjectRow] = []
    orphan: dict[str, Found] = {}  # figures of a row without a name: the next named row's, if it has none
    for row, nums in rows:
        values: dict[str, Found] = {}
        for key, col in (("budget", budget_col), ("actual", actual_col), ("rate", rate_col)):
            if col is not None and col in nums:
                m = nums[col]
                value = m.value if key == "rate" else to_wan(m.value, m.unit if m.unit in MONEY_UNITS else table.unit)
                values[key] = Found(f"projects[].{key}", value, m.norm_start, m.norm_end, label(col), 2.0, f"column {table.header_text(col)}")
        name_cell = row.cell(name_col)
        if name_cell is None or not name_cell.text:
            orphan = values  # a value printed on the line above its row label
            continue
        name_cell = tb.clean_name(name_cell, codes=True)
        name = name_cell.text
        if _is_number_cell(name) or any(name.startswith(t) for t in lx.TOTAL_ROW_LABELS) or len(name) > 60 or _FUNDING_SOURCE.search(name):
            orphan = {}
            continue  # totals and funding-source rows (其中：财政拨款, 中央资金) are no projects
        if not values:
            values = orphan
        orphan = {}
        if not values:
            continue
        name_found = Found("projects[].name", name, name_cell.start, name_cell.end, label(name_col), 2.0, "table row", more=list(name_cell.more))
        projects.append(ProjectRow(name_found, values.get("budget"), values.get("actual"), values.get("rate")))
    return projects


_ITEM_SPENT = re.compile(
    r"(?m)^[ \t]*\d{1,2}[、.．][ \t]*(?P<name>[^\n，,。；:：]{2,40}?)(?:使用|支出|执行)[ \t]*(?P<amount>\d[\d.,]*)[ \t]*万元"
)


def _prose_spent_items(ctx: Context) -> list[ProjectRow]:
    """'1、应急管理工作经费使用 190.27 万元，完成率 100%' — spent amounts with rates."""
    rows = []
    for m in _ITEM_SPENT.finditer(ctx.text):
        name = m.group("name").strip()
        name = re.sub(r"(经费)\1$", r"\1", name)
        amount = next(iter(ctx.numbers_between(m.start("amount"), m.end("amount"))), None)
        if amount is None:
            continue
        row = ProjectRow(
            Found("projects[].name", name, m.start("name"), m.start("name") + len(m.group("name").strip()), None, 2.0, "enumerated item"),
            actual=Found("projects[].actual", to_wan(amount.value, "万元"), amount.norm_start, amount.norm_end, "使用", 2.0, "item spent"),
        )
        tail = ctx.text[m.end() : m.end() + 30]
        rate = re.search(r"^[^。\n]{0,6}?(?:完成率|执行率|支出率)[ \t]*(\d+(?:\.\d+)?)[ \t]*%", tail)
        if rate:
            start = m.end() + rate.start(1)
            mention = next(iter(ctx.numbers_between(start, start + len(rate.group(1)))), None)
            if mention:
                row.rate = Found("projects[].execution_rate", mention.value, mention.norm_start, mention.norm_end, "完成率", 2.0, "item rate")
        rows.append(row)
    return rows


def _heading_projects(ctx: Context) -> list[ProjectRow]:
    """'（3）购买…委托业务费' sections whose body has a 成本指标 line with the money."""
    rows = []
    for heading in _project_headings(ctx):
        title = heading.title.rstrip("。.")
        body_start, body_end = ctx.layout.section_body(heading)
        body = ctx.text[body_start:body_end]
        cost = re.search(r"成本指标[:：](?P<rest>[^\n]*?)(?=[\u4e00-\u9fff]{2,6}指标[:：]|\n|$)", body)
        rest_start = body_start + cost.start("rest")
        rest_end = body_start + cost.end("rest")
        rest = cost.group("rest")
        amounts = [m for m in ctx.numbers_between(rest_start, rest_end) if m.unit in MONEY_UNITS]
        name_start = heading.start + ctx.text[heading.start : heading.end].index(heading.title)
        row = ProjectRow(Found("projects[].name", title, name_start, name_start + len(title), None, 2.0, "numbered section"))
        if amounts:
            first = amounts[0]
            row.budget = Found("projects[].budget", to_wan(first.value, first.unit), first.norm_start, first.norm_end, "成本指标", 2.0, "cost line")
            row.actual = _paid_amount(ctx, rest, rest_start, amounts, row.budget)
        rows.append(row)
    return rows


def _paid_amount(ctx: Context, rest: str, rest_start: int, amounts: list[NumberMention], budget: Found) -> Found | None:
    """What a cost line says was paid in the fiscal year: an amount after 支付, the whole budget
    when it says 已支付完成 / 已完成, zero when it says 未支付; nothing for a later year."""
    year = ctx.fiscal_year
    for m in amounts[1:]:
        before = ctx.text[max(rest_start, m.norm_start - 12) : m.norm_start]
        if re.search(r"支付|支出|执行", before):
            years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", before)]
            if not years or year is None or years[-1] == year:
                return Found("projects[].actual", to_wan(m.value, m.unit), m.norm_start, m.norm_end, "支付", 1.8, "paid amount")
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", rest)]
    in_year = not years or year is None or years[0] == year
    unpaid = re.search(r"未支付", rest)
    if unpaid and in_year:
        # The evidence of a zero is the words that say it, not the budget amount beside them.
        start = rest_start + unpaid.start()
        return Found("projects[].actual", 0.0, start, start + len(unpaid.group()), "未支付", 1.5, "not paid in the year")
    if re.search(r"已支付完成|已完成支付|支付完成|已完成|已支付", rest) and in_year and not re.search(r"底(?:完成)?支付|底支付完成", rest):
        return Found("projects[].actual", budget.value, budget.start, budget.end, "已支付完成", 1.5, "paid in full in the year")
    return None


def _enrich_from_lists(ctx: Context, rows: list[ProjectRow]) -> None:
    """'实际支出41.4万元。其中A30万元，B11.4万元' — per-project figures in a 其中 list fill gaps
    of projects found elsewhere (never create new ones: such lists also break down 工资福利 …)."""
    if not rows:
        return
    names = _NameIndex(rows)
    for m in re.finditer(r"其中[:：]?", ctx.text):
        prefix = _PAREN.sub("", _sentence_prefix(ctx.text, m.start(), re.compile(r"[\n]")))[-60:]
        measure = "actual" if re.search(r"实际支出|已执行|已支付|支出[\d.]", prefix[-30:]) else "budget"
        end = ctx.text.find("。", m.end())
        end = len(ctx.text) if end < 0 else end
        closing = ctx.text.find("）", m.end())
        if 0 <= closing < end:
            end = closing
        segment_start = m.end()
        for item in re.finditer(r"([^，,、；。（）()\d]{2,40}?)(\d+(?:\.\d+)?)万元", ctx.text[segment_start:end]):
            name = item.group(1).strip()
            like = names.most_like(name, 0.75)
            if like is None:
                continue
            best, ratio = like
            if ratio < 0.75 and not best.name.value.startswith(name):
                continue
            mention = next(iter(ctx.numbers_between(segment_start + item.start(2), segment_start + item.end(2))), None)
            if mention is None:
                continue
            found = Found(f"projects[].{measure}", to_wan(mention.value, "万元"), mention.norm_start, mention.norm_end, "其中", 1.6, f"其中 list ({measure})")
            if measure == "actual" and best.actual is None:
                best.actual = found
            elif measure == "budget" and best.budget is None:
                best.budget = found


# One item of a 其中 breakdown: '高标准农田建设项目实际支出3,004.56万元，支出率96.30%'.
_BREAKDOWN_ITEM = re.compile(
    r"(?P<name>[^,，;；:：。、()（）\d%]{2,30}?)(?:实际支出|已支出|支出|使用|执行|安排|下达)?"
    r"(?P<amount>\d+(?:\.\d+)?)(?P<unit>万元|亿元|元)(?:[,，]?(?:资金)?(?:支出率|执行率|完成率)(?P<rate>\d+(?:\.\d+)?)%)?"
)
# Funding sources are not sub-items: '其中：中央资金…，省级配套…，上年结转…'.
_FUNDING_SOURCE = re.compile(r"^(?:中央|省|市|县|区|乡镇?)级?(?:财政)?(?:资金|补助资金|配套资金|拨款)?$|财政拨款|上年结转|结余|自筹|其他资金")


def _breakdown_items(ctx: Context) -> list[ProjectRow]:
    """Sub-items of a project-level report: the fund's allocation and its spending are each broken
    down after 其中 ('下达…资金3,860万元，其中：A 3,120万元，B 520万元…' and '实际支出…。其中：A实际支出
    3,004.56万元，支出率96.30%；…'). The first list that names items creates them; later lists fill
    their actual / rate by name. Only for reports on one fund: in a department report 其中 lists
    break down 基本支出, 工资福利 … rather than projects."""
    rows: list[ProjectRow] = []
    names = _NameIndex()
    for m in re.finditer(r"其中[:：]?", ctx.text):
        lead, _ = _flat(ctx, max(0, m.start() - 120), m.start())
        lead = lead.rstrip("。 ")
        lead = lead[lead.rfind("。") + 1 :]
        measure = "actual" if re.search(r"实际支出|已支出|支出\d|执行|拨付|使用", lead) else "budget"
        if not re.search(r"\d(?:万元|亿元|元)", lead):
            continue  # the breakdown of a non-money statement ('新建农田2.6万亩，其中…')
        stop = ctx.text.find("。", m.end())
        flat, index = _flat(ctx, m.end(), len(ctx.text) if stop < 0 else stop)
        for item in _BREAKDOWN_ITEM.finditer(flat):
            name = item["name"].strip()
            if _FUNDING_SOURCE.search(name):
                continue
            value = to_wan(float(item["amount"]), item["unit"])
            amount = Found(f"projects[].{measure}", value, index[item.start("amount")], index[item.end("unit") - 1] + 1, "其中", 1.8, f"其中 list ({measure})")
            row = names.first_like(name, 0.8)
            if row is None and (not rows or measure == "budget"):
                s = index[item.start("name")] + (len(item["name"]) - len(item["name"].lstrip()))
                row = ProjectRow(Found("projects[].name", name, s, index[item.end("name") - 1] + 1, "其中", 1.8, "其中 list item"))
                rows.append(row)
                names.add(row)
            if row is None:
                continue
            if getattr(row, measure) is None:
                setattr(row, measure, amount)
            if item["rate"] and row.rate is None:  # the match ends with the rate's '%'
                rate_span = index[item.start("rate")], index[item.end() - 1] + 1
                row.rate = Found("projects[].execution_rate", float(item["rate"]), *rate_span, "支出率", 1.8, "其中 list rate")
    return rows


def _form_projects(ctx: Context) -> list[ProjectRow]:
    """A page of several one-project forms divided by a repeated title: each form is a project
    (its 项目名称, and the budget, actual and rate of its money grid), not the department."""
    rows = []
    for form in tb.forms(ctx.tables):
        if form.name is None:
            continue
        money = tb.form_money(form)
        row = ProjectRow(Found("projects[].name", form.name.text, form.name.start, form.name.end, "项目名称", 2.5, "one-project form", more=list(form.name.more)))
        for key, cell in money.items():
            mention = _cell_figure(ctx, cell)
            if mention is None:
                continue
            unit = next((t.unit for t in form.tables if t.start <= cell.start <= t.end), ctx.default_unit)
            value = mention.value if key == "rate" else to_wan(mention.value, mention.unit if mention.unit in MONEY_UNITS else unit)
            field_name = "execution_rate" if key == "rate" else key
            setattr(row, key, Found(f"projects[].{field_name}", value, mention.norm_start, mention.norm_end, key, 2.5, "one-project form money"))
        rows.append(row)
    return rows


def _projects(ctx: Context, report_type: str | None) -> list[ProjectRow]:
    rows: list[ProjectRow] = _form_projects(ctx)
    if rows:
        return rows
    for table in ctx.tables:
        rows.extend(_table_projects(ctx, table))
    # Budget scopes and funding sources (基本支出, 本年财政拨款, 中央资金 rows) are never projects.
    rows = [r for r in rows if not prose.not_a_project(_squash(r.name.value))]
    if not rows:
        rows = _prose_spent_items(ctx)
    if not rows:
        rows = _heading_projects(ctx)
        _enrich_from_lists(ctx, rows)
    if not rows:
        rows = _prose_projects(ctx, report_type)
    if not rows and report_type in PROJECT_LEVEL_TYPES:
        rows = _breakdown_items(ctx)
    return rows


def _prose_projects(ctx: Context, report_type: str | None) -> list[ProjectRow]:
    """Projects and funds listed in prose with their money (pipeline.extract.prose)."""
    whole_department = report_type in ("overall_report", "overall_table")

    def found(amount: prose.Amount | None, key: str, reason: str) -> Found | None:
        if amount is None:
            return None
        return Found(f"projects[].{key}", amount.value, amount.start, amount.end, amount.label or None, 1.9, reason)

    rows = []
    for item in prose.money_items(ctx.text, whole_department=whole_department):
        name = Found("projects[].name", item.name.text, item.name.start, item.name.end, None, 1.9, item.how)
        rows.append(ProjectRow(name, found(item.budget, "budget", item.how), found(item.actual, "actual", item.how), found(item.rate, "execution_rate", item.how)))
    return rows


# --- lists: indicators -----------------------------------------------------------------------


@dataclass
class IndicatorRow:
    level1: Found | None
    level2: Found | None
    name: Found
    target: Found | None
    actual: Found | None

    def as_indicator(self) -> Indicator:
        return Indicator(
            level1=self.level1.value if self.level1 else None,
            level2=self.level2.value if self.level2 else None,
            name=self.name.value,
            target=self.target.value if self.target else None,
            actual=self.actual.value if self.actual else None,
        )


def _row_quality(rows: list[tb.IndicatorCells]) -> int:
    """Rows read whole: a name that reads as no value ('65岁及以上…' does not), a target and an actual."""
    return sum(1 for c in rows if c.name is not None and c.target is not None and c.actual is not None
               and re.search(r"[\u4e00-\u9fff]{2}", c.name.text) and not tb._value_like(c.name.text))


def _indicators(ctx: Context) -> list[IndicatorRow]:
    rows: list[IndicatorRow] = []

    def found(cell: tb.TableCell | None, kind: str) -> Found | None:
        if cell is None:
            return None
        return Found(f"indicators[].{kind}", cell.text, cell.start, cell.end, kind, 2.0, "indicator table", more=list(cell.more))

    table_rows = [c for table in ctx.tables for c in tb.indicator_rows(table)]
    # Grids whose wrapped cells go on side by side on the next lines (pipeline.sidebyside) are
    # read line by line there; the token reader's rows inside them are replaced.
    for grid in sidebyside.indicator_grids(ctx.layout):
        inside = [c for c in table_rows if grid.start <= c.name.start < grid.end]
        if _row_quality(inside) >= _row_quality(grid.rows):
            continue  # the token reader read more whole rows (a grid of text values, names wrapped around them)
        table_rows = [c for c in table_rows if c not in inside] + list(grid.rows)
    for cells in table_rows + tb.glued_indicator_rows(ctx.text, ctx.layout):
        actual = _actual_past_stray_digits(ctx, cells.name, cells.actual)
        rows.append(IndicatorRow(
            found(cells.level1, "level1"), found(cells.level2, "level2"), found(cells.name, "name"),
            found(cells.target, "target"), found(actual, "actual"),
        ))
    known = [r.name.value for r in rows]
    # A sentence restating a table row ('…，目标…，实际…' below the table) is that row, not another.
    rows.extend(r for r in _prose_indicators(ctx) if not any(_similar(r.name.value, k) >= 0.8 for k in known))
    return rows


_AT_MOST_100 = re.compile(lx.AT_MOST_100_RATES)
_PROSE_PERCENT = re.compile(r"\d+(?:\.\d+)?%")


def _actual_past_stray_digits(ctx: Context, name: tb.TableCell | None, actual: tb.TableCell | None) -> tb.TableCell | None:
    """An indicator's actual that its kind makes impossible (a 满意度 / 合格率 … above 100%) and
    that ends with the figure the report states for the same indicator in prose ('…满意度为96.2%'
    elsewhere, '196.2%' in the table): the leading digits are a stray number glued on (a page or
    chunk number), and the actual is the stated figure, read at its place in the table cell."""
    if name is None or actual is None or not name.text or not _AT_MOST_100.search(name.text):
        return actual
    printed = re.fullmatch(r"(\d+(?:\.\d+)?)%", actual.text)
    if printed is None or float(printed.group(1)) <= 100 or actual.end - actual.start != len(actual.text):
        return actual
    row = ctx.layout.line_at(actual.start)
    at = ctx.text.find(name.text)
    while at >= 0:
        if not row.start <= at < row.end:
            # The figure the sentence states right after the name, before the clause ends.
            clause = re.split(r"[。；;，,\n]", ctx.text[at + len(name.text) : at + len(name.text) + 16])[0]
            stated = _PROSE_PERCENT.search(clause)
            if stated and len(stated.group()) < len(actual.text) and actual.text.endswith(stated.group()) and float(stated.group()[:-1]) <= 100:
                cut = len(actual.text) - len(stated.group())
                return replace(actual, text=stated.group(), start=actual.start + cut)
        at = ctx.text.find(name.text, at + 1)
    return actual


def _flat(ctx: Context, start: int, end: int) -> tuple[str, list[int]]:
    """text[start:end] without line breaks, and each kept character's offset: hard wraps the
    normaliser did not join split names and values ('0.4' | '万亩', '实际完' | '成')."""
    index = [i for i in range(start, end) if ctx.text[i] != "\n"]
    return ctx.text[start:end].replace("\n", ""), index


def _prose_indicators(ctx: Context) -> list[IndicatorRow]:
    """Indicators written as sentences under level headings and lead-ins (pipeline.extract.prose)."""

    def found(span: prose.Span | None, kind: str, label: str | None = None, score: float = 2.0, reason: str = "prose indicator") -> Found | None:
        if span is None:
            return None
        return Found(f"indicators[].{kind}", span.text, span.start, span.end, label or kind, score, reason)

    rows = []
    for item in prose.indicator_sentences(ctx.text):
        level1 = (
            Found("indicators[].level1", item.level1.text, item.level1.start, item.level1.end, None, 1.0, "template level of the 二级 label")
            if item.level1 is not None and item.level1_inferred
            else found(item.level1, "level1", "heading", reason="indicator heading")
        )
        level2 = found(item.level2, "level2", "二级指标", reason="prose item label")
        rows.append(IndicatorRow(level1, level2, found(item.name, "name"), found(item.target, "target"), found(item.actual, "actual")))
    return rows
