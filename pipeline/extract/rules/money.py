"""The department's money: budget candidates with their scope and meaning, chosen jointly by label strength and the arithmetic between them; figures read from money grids."""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable

from pipeline import lexicon as lx, sidebyside, tables as tb
from pipeline.extract.rules.context import Context, Found, MONEY_UNITS, _PAREN, _SENTENCE_END, _STATEMENT_END, _clause_partial, _is_threshold, _label_hits, _project_headings, _scope, _sentence_prefix, _squash
from pipeline.extract.rules.head import _pair_value_cell
from pipeline.normalize import NumberMention, to_wan
from pipeline.record import PROJECT_LEVEL_TYPES, Project


# --- budget ------------------------------------------------------------------------------------


_GENERIC_BUDGET_LABELS = {"预算安排": 1.5, "安排资金": 1.5, "预算": 0.8, "安排": 0.8}


def _budget_candidates(ctx: Context) -> dict[str, list[Found]]:
    """Candidates keyed by record path (budget.initial, budget.basic.budget, …)."""
    out: dict[str, list[Found]] = {}
    labels = dict(lx.BUDGET_LABELS)
    hits = _label_hits(ctx, list(labels) + list(_GENERIC_BUDGET_LABELS) + list(lx.SCOPE_LABELS))
    item_spans = _Spans(ctx.layout.section_body(h) for h in _project_headings(ctx))
    project_level = ctx.layout.report_type in PROJECT_LEVEL_TYPES
    for s, e, label in hits:
        scope, partial = _scope(ctx, s)
        if project_level:
            # A report on one project or fund: its 项目资金 is the subject's whole budget, and the
            # department's own total ('我局部门预算总额…') is none of the subject's money.
            if _DEPARTMENT_TOTAL.search(_sentence_prefix(ctx.text, s, _SENTENCE_END)):
                continue
            if scope == "project" or (scope == "other" and _only_fund_kind_words(ctx, s)):
                scope = "dept"
        mention = _money_after_label(ctx, s, e)
        if mention is None:
            continue
        if label in lx.SCOPE_LABELS:
            scope = lx.SCOPE_LABELS[label]
            meanings = [(_breakdown_measure(ctx, s), 1.8)]
            statement = _sentence_prefix(ctx.text, s, _STATEMENT_END)
            # '项目支出年初预算600万元': the words between the label and its figure qualify it too.
            qualified = _PAREN.sub("", statement) + ctx.text[e : mention.norm_start]
            partial = bool(lx.variant_regex(lx.PARTIAL_QUALIFIERS).search(qualified))
        elif label in _GENERIC_BUDGET_LABELS:
            meanings = [("budget", _GENERIC_BUDGET_LABELS[label])]
        else:
            meanings = labels[label]
        if scope == "dept" and s in item_spans:
            continue  # inside one project's own section: that project's money, not the department's
        if label not in lx.SCOPE_LABELS and _in_named_item(ctx, s):
            continue  # a list item's own money ('2.X资金：全年预算…'), whatever heading is above it
        for meaning, strength in meanings:
            found = _budget_candidate(ctx, _LabelHit(s, e, label, scope, partial), mention, meaning, strength)
            if found is not None:
                out.setdefault(found.field, []).append(found)
    return out


@dataclass(frozen=True)
class _LabelHit:
    """A budget label in the text with the scope and partial-year qualifier it is read under."""

    start: int
    end: int
    label: str
    scope: str
    partial: bool


def _money_after_label(ctx: Context, s: int, e: int) -> NumberMention | None:
    """The figure a budget label gives: the number after it, or the one in the value cell under
    it; None for points or a funding-source part's figure."""
    mention = ctx.number_after(e)
    if mention is None:
        # A labels line over a values line ('→实际支出数→→预算完成率→' | '→→8,067.41→→96.0%'):
        # the figure sits in the cell under the label's value cell.
        cell = _pair_value_cell(ctx, s, e)
        mention = next(iter(ctx.numbers_between(cell.start, cell.end)), None) if cell is not None else None
    if mention is None or _in_score_column(ctx, mention) or ctx.text.startswith("分", mention.norm_end):
        return None  # points ('预算执行情况(10分)'), not money
    gap = ctx.text[e : mention.norm_start]
    if "\n" not in gap and lx.variant_regex(lx.FUNDING_PART).search(gap):
        return None  # '安排配套资金12万元': the figure of one funding-source part, not of the label
    return mention


def _budget_candidate(ctx: Context, hit: _LabelHit, mention: NumberMention, meaning: str, strength: float) -> Found | None:
    """One meaning of a label's figure as a scored candidate, or None when it cannot be that."""
    s, e, label, scope = hit.start, hit.end, hit.label, hit.scope
    if meaning in lx.RATE_FIELDS:
        if mention.unit != "%" or _is_threshold(ctx, e, mention):
            return None
        value = mention.value
    else:
        value = ctx.amount_of(mention, e)
        if value is None:
            return None
    path = _path_for(meaning, scope, label)
    if path is None:
        return None
    # A scoped 年初 figure is the opening part of the year, not the full-year budget; a
    # label that says 全年 / 调整后 is the full year whatever qualifies the figures before it
    # ('项目支出年初预算600万元，追加预算100万元，全年预算700万元').
    full_year = meaning == "adjusted" and bool(re.match(r"全年|调整后", label))
    partial = (hit.partial and not full_year) or (scope != "dept" and meaning == "initial")
    score = strength - (3.0 if partial and scope != "dept" else 0.0)
    weak = label in lx.SUPPORT_ONLY_LABELS
    label_reason = ""
    if weak and scope == "dept" and _in_budget_chain(ctx, s, mention.norm_end):
        weak, score = False, score + 1.0
        label_reason = ", between initial and full-year budget"
    value_start = mention.norm_start
    if label in lx.NEGATIVE_LABELS:
        # The sign is the word, not the numeral: the evidence quotes both ('调减预算227.42万元').
        value, value_start = -value, s
    if partial and meaning == "actual" and not _clause_partial(ctx, s):
        # '年初预算安排X，截至年底已支付Y': 年初 qualifies the budget, not the spending.
        partial = False
    if partial and scope == "dept" and meaning in ("adjusted", "actual", "budget"):
        score -= 1.5
    if scope == "dept" and label not in lx.SCOPE_LABELS and _in_breakdown_list(ctx, s):
        # '…已支付55.43万元。其中，A预算24.32万元，实际支出20.72万元；B…': a part's figure.
        # Weaker, not gone: arithmetic may still show it is the department's own.
        score -= 1.5
    suspect = mention.unit == "元" and ctx.money_unit == "万元" and mention.value < 10000
    if suspect:
        score -= 1.0
    reason = (
        f"label {label}"
        + label_reason
        + (f", scope {scope}" if scope != "dept" else "")
        + (", partial-year qualifier" if partial else "")
        + (", 元 amount in a 万元 report" if suspect else "")
    )
    return Found(path, value, value_start, mention.norm_end, label, score, reason, scope, weak)


_SPENDING_WORDS = r"实际支出|执行数|执行了|支出了|决算|支付|使用|拨付|累计支出"


# Columns whose figures are points, scores or row numbers, never money ('预算执行率 | 10 | 9.5').
_NOT_MONEY_ROLES = {"points", "score", "review_score", "seq"}


def _in_score_column(ctx: Context, mention: NumberMention) -> bool:
    found = ctx.view.cell_at(mention.norm_start) if ctx.view is not None else None
    return found is not None and found[0].role(found[1].column) in _NOT_MONEY_ROLES


def _breakdown_measure(ctx: Context, label_start: int) -> str:
    """What a 基本支出/项目支出/三公 figure measures. A 其中 list breaks down the figure stated just
    before it, across its '；' ('全年实际支出X万元，其中基本支出…；项目支出…'), and a statement that
    opens with 其中 breaks down the one before it ('全年实际支出X万元，预算执行率Y%。其中基本支出…').
    Without 其中, the sentence's own words say it ('基本支出实际支出…')."""
    statement = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _STATEMENT_END)).split("\n")[-1]
    if "其中" not in statement:
        prefix = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _SENTENCE_END))
        return "actual" if lx.variant_regex(_SPENDING_WORDS + r"|执行").search(prefix) else "budget"
    head = statement[: statement.rfind("其中")]
    if not head.strip(" ,，:："):
        start = label_start - len(statement)
        head = _PAREN.sub("", _sentence_prefix(ctx.text, max(start - 1, 0), _STATEMENT_END)).split("\n")[-1]
    # The breakdown follows the last amount stated before it; rates (预算执行率) state no amount.
    amounts = lx.variant_regex(r"预算|安排|" + _SPENDING_WORDS).findall(re.sub(r"[^，,。；;]{0,8}率", "", head))
    if amounts and not re.fullmatch(lx.with_variants(r"预算|安排"), amounts[-1]):
        return "actual"
    return "budget"


def _in_named_item(ctx: Context, pos: int) -> bool:
    """The position lies in a numbered list item that names a project or fund: the figures there
    are that item's, not the whole report's (DocumentView.item_name_at)."""
    return ctx.view is not None and ctx.view.item_name_at(pos) is not None


class _Spans:
    """A union of [start, end) spans that answers 'is this offset inside one' by bisection (a
    scan of every project section per budget label was quadratic in a long document)."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [a for a, _ in merged]
        self._ends = [b for _, b in merged]

    def __contains__(self, offset: int) -> bool:
        i = bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]


_OTHER_SCOPE = lx.variant_regex(dict(lx.SCOPE_PATTERNS)["other"])


def _in_breakdown_list(ctx: Context, label_start: int) -> bool:
    """The label stands inside a 其中 list of named parts: its statement has 其中 before it, and
    the words between the 其中 (or the last '；') and the label name something."""
    statement = _sentence_prefix(ctx.text, label_start, _STATEMENT_END).split("\n")[-1]
    if "其中" not in statement:
        return False
    part = re.split(r"其中[,，:：]?|[；;]", statement)[-1]
    return bool(re.search(r"[\u4e00-\u9fff]{2,}", re.sub(r"[\d.]+\s*(?:万元|亿元|元)?[,，]?", "", part)))


def _only_fund_kind_words(ctx: Context, label_start: int) -> bool:
    """The only narrower-scope word of the sentence names the kind of fund the report is about
    ('下达…转移支付资金2.44亿元，已支付…'), which in a fund's own report is its whole money."""
    words = set(_OTHER_SCOPE.findall(_sentence_prefix(ctx.text, label_start, _SENTENCE_END)))
    return bool(words) and words <= {"转移支付", "轉移支付"}


_DEPARTMENT_TOTAL = lx.variant_regex(r"部门(?:预算|决算|整体|收支)|单位预算总额|全局预算|部门总预算")


def _in_budget_chain(ctx: Context, label_start: int, value_end: int) -> bool:
    """'年初预算X，年中追加预算Y，调整后预算Z': the change sits between an initial-budget label
    before it and a full-year-budget label after it, in one statement (lexicon CHAIN_*)."""
    before = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _STATEMENT_END))
    stop = _STATEMENT_END.search(ctx.text, value_end)
    after = _PAREN.sub("", ctx.text[value_end : stop.start() if stop else len(ctx.text)])
    return bool(lx.variant_regex(lx.CHAIN_INITIAL).search(before) and lx.variant_regex(lx.CHAIN_ADJUSTED).search(after))


# '下达我县中央财政农田建设补助资金3,860万元': the amount a transfer fund's notice allocates. The
# fund's name may wrap over a line and carry its year ('下达我旗2023年中央水利发展资金2480万元'); the
# amount follows it directly (共/合计 aside).
_ALLOCATION = re.compile(
    r"下达(?:给|到|至)?(?P<name>(?:[\u4e00-\u9fff“”\n]|(?<!\d)\d{4}年度?){2,40}?(?:资金|经费|补助))[\s:：]*(?:共计?|合计|总计)?[\s:：]*(?=\d)"
)
# An allocation that is one part of the fund's money: one batch of several ('分两批下达…，第一批…'),
# or a part listed after 其中 (the central / provincial shares of the fund).
_PART_OF_FUND = re.compile(r"第[一二三四五六七八九十\d]+批|分[两二三四五六\d]+批|其中")


def _allocation_candidates(ctx: Context) -> list[Found]:
    """The allocated amount of a project-level report (one fund or project): transfer-fund reports
    often print only '下达…资金 N 万元' or 补助金额 N. Without a 年初 label that single figure is the
    fund's full-year budget (gold README), never its initial one; a batch or a 其中 part is a funding
    source, not the fund's budget. In a department report such sentences allocate a single fund,
    so they are read only here."""
    if ctx.layout.report_type not in PROJECT_LEVEL_TYPES:
        return []
    founds = []
    for m in _ALLOCATION.finditer(ctx.text):
        mention = ctx.number_after(m.end(), max_gap=0)
        if mention is None or mention.unit not in MONEY_UNITS:
            continue
        if _PART_OF_FUND.search(_sentence_prefix(ctx.text, mention.norm_start, _SENTENCE_END)):
            continue
        value = to_wan(mention.value, mention.unit)
        founds.append(Found("budget.adjusted", value, mention.norm_start, mention.norm_end, "下达", 2.0, "allocated amount"))
    for s, e, label in _label_hits(ctx, ["补助金额", "下达金额", "下达资金"]):
        mention = ctx.number_after(e)
        if mention is None or _PART_OF_FUND.search(_sentence_prefix(ctx.text, mention.norm_start, _SENTENCE_END)):
            continue
        if (value := ctx.amount_of(mention, e)) is not None:
            founds.append(Found("budget.adjusted", value, mention.norm_start, mention.norm_end, label, 2.0, f"label {label}"))
    return founds


def _path_for(meaning: str, scope: str, label: str) -> str | None:
    if scope == "other":
        return None
    if scope == "dept":
        if meaning == "budget":
            return "budget.adjusted"
        return f"budget.{meaning}"
    if meaning in ("execution_rate", "adjustment_rate", "adjustment"):
        return None
    part = "actual" if meaning == "actual" else "budget"
    return f"budget.{scope}.{part}"


def _close(stated: float, computed: float, decimals: int = 2) -> bool:
    """A printed rate agrees with a computed one at its printed precision (or truncated)."""
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    return abs(stated - computed) <= tolerance or (0 <= computed - stated < 2 * tolerance)


def _choose_budget(ctx: Context, cands: dict[str, list[Found]]) -> dict[str, Found]:
    """Pick department-level figures jointly, rewarding arithmetic that holds between them."""
    fields = ["initial", "adjusted", "adjustment", "actual", "execution_rate", "adjustment_rate"]
    options: dict[str, list[Found | None]] = {}
    for name in fields:
        founds = [f for f in cands.get(f"budget.{name}", []) if f.score > 0]
        best_by_value: dict[float, Found] = {}
        for f in sorted(founds, key=lambda f: (-f.score, f.start)):
            best_by_value.setdefault(round(f.value, 4), f)
        options[name] = [None, *list(best_by_value.values())[:4]]

    def total(choice: dict[str, Found | None]) -> float:
        spans = [(f.start, f.end) for f in choice.values() if f is not None]
        if len(spans) != len(set(spans)):
            return float("-inf")
        value = {k: (f.value if f else None) for k, f in choice.items()}
        score = sum(f.score for f in choice.values() if f)
        ini, adj, chg, act = value["initial"], value["adjusted"], value["adjustment"], value["actual"]
        rate, arate = value["execution_rate"], value["adjustment_rate"]
        if rate is not None and act is not None:
            if adj:
                score += 4 if _close(rate, act / adj * 100, 1) else 0
            elif ini and chg is not None and ini + chg:
                score += 4 if _close(rate, act / (ini + chg) * 100, 1) else 0
            elif ini:
                score += 2 if _close(rate, act / ini * 100, 1) else 0
        if arate is not None and ini:
            if adj is not None and _close(arate, abs(adj - ini) / ini * 100, 1):
                score += 3
            elif chg is not None and _close(arate, abs(chg) / ini * 100, 1):
                score += 3
        supported: set[str] = set()
        if ini is not None and chg is not None and adj is not None:
            if abs(ini + chg - adj) < 0.015:
                score += 3
                supported |= {"initial", "adjustment", "adjusted"}
            else:
                score -= 1
        if chg is not None and ini and rate is not None and act is not None and ini + chg and _close(rate, act / (ini + chg) * 100, 1):
            supported.add("adjustment")
        if chg is not None and ini and arate is not None and _close(arate, abs(chg) / ini * 100, 1):
            supported.add("adjustment")
        if any(f is not None and f.needs_support and k not in supported for k, f in choice.items()):
            return float("-inf")
        if act is not None and adj:
            score += 1 if 0.3 <= act / adj <= 1.2 else -1
        return score

    best_choice, best_total = None, float("-inf")
    for combo in itertools.product(*(options[name] for name in fields)):
        choice = dict(zip(fields, combo))
        t = total(choice)
        if t > best_total:
            best_choice, best_total = choice, t
    chosen = {f"budget.{k}": f for k, f in (best_choice or {}).items() if f is not None}
    for name in fields:
        path = f"budget.{name}"
        ctx.keep_candidates(path, cands.get(path, []), chosen.get(path))
    return chosen


def _choose_scoped(ctx: Context, cands: dict[str, list[Found]]) -> dict[str, Found]:
    chosen = {}
    for path, founds in cands.items():
        if path.count(".") != 2:
            continue
        best = max(founds, key=lambda f: (f.score, -f.start))
        if best.score > 0:
            chosen[path] = best
        ctx.keep_candidates(path, founds, chosen.get(path))
    return chosen


def _budget_from_grid(ctx: Context) -> dict[str, list[Found]]:
    """Money grids (pipeline.tables): columns whose header names a budget figure (年初预算数 全年预算数
    全年执行数 执行率 …, a lone 合计 of funding-source columns) and rows labelled 年度资金总额 / 基本支出 /
    项目支出 / “三公”经费 …; a row's label and figures printed on two lines are one row there."""
    out: dict[str, list[Found]] = {}
    multi_form = bool(tb.forms(ctx.tables))
    for table in ctx.tables:
        if multi_form and table.form > 0:
            continue  # one project's money on a page of several one-project forms
        columns = _grid_columns(table)
        if len(columns) < 2:
            continue
        for row in table.rows:
            row_label = _squash(row.label)
            scope = _row_scope(row_label)
            if scope is None:
                continue
            shift = _row_shift(row, columns)
            for col, (meaning, label) in columns.items():
                cell = row.cell(col - shift)
                if cell is None or cell.empty:
                    continue
                mention = _cell_figure(ctx, cell)
                if mention is None:
                    continue
                if meaning in lx.RATE_FIELDS:
                    value = mention.value
                else:
                    value = to_wan(mention.value, mention.unit if mention.unit in MONEY_UNITS else table.unit)
                path = _path_for(meaning, scope, label)
                if path:
                    strength = lx.BUDGET_LABELS.get(label, [("", 2.5)])[0][1] + 0.5
                    if scope != "dept" and meaning == "initial":
                        strength -= 3.0  # the 年初 column of a 基本支出 row is not its full-year budget
                    out.setdefault(path, []).append(
                        Found(path, value, mention.norm_start, mention.norm_end, label, strength, f"table column {label}, row {row_label}", scope)
                    )
    return out


def _budget_from_side_by_side(ctx: Context) -> dict[str, list[Found]]:
    """A funding row with fewer figures than its headers (empty source columns) under a header
    wrapped side by side ('合计(万' | '元)'): its 合计, actual and rate, singled out by the
    relations between them (pipeline.sidebyside.assign_money)."""
    out: dict[str, list[Found]] = {}
    for money in sidebyside.money_figures(ctx.layout):
        for path, cell, label in (("budget.adjusted", money.total, "合计"), ("budget.actual", money.actual, "执行数"),
                                  ("budget.execution_rate", money.rate, "执行率")):
            if cell is None:
                continue
            mention = _cell_figure(ctx, cell)
            if mention is None:
                continue
            if path == "budget.execution_rate":
                value = mention.value
            else:
                unit = mention.unit if mention.unit in MONEY_UNITS else money.unit or (ctx.view.unit_at(cell.start) if ctx.view is not None else ctx.default_unit)
                value = to_wan(mention.value, unit)
            out.setdefault(path, []).append(Found(path, value, mention.norm_start, mention.norm_end, label, 3.0, "funding row read by its relations"))
    return out


def _row_shift(row: tb.Row, columns: dict[int, tuple[str, str]]) -> int:
    """Columns a row's figures stand off from their header (a group header such as '年度预算数'
    read as a column of its own on a form flattened to one cell per line): the rate's '%' tells.
    0 when the percent sits under the rate column, or when the row says nothing."""
    rate_cols = [c for c, (meaning, _) in columns.items() if meaning == "execution_rate"]
    percent = [c.column for c in row.filled() if c.text.rstrip().endswith("%")]
    if len(rate_cols) != 1 or len(percent) != 1 or percent[0] == rate_cols[0]:
        return 0
    shift = rate_cols[0] - percent[0]
    meaning_there = columns.get(percent[0], ("", ""))[0]
    return shift if abs(shift) == 1 and meaning_there not in lx.RATE_FIELDS else 0


@dataclass
class _Figure:
    """A figure the table reader split out of figures printed run together ('194.9194.9100%'),
    where the number scanner read other numbers: the same fields rules read of a mention."""

    value: float
    unit: str | None
    norm_start: int
    norm_end: int


def _cell_figure(ctx: Context, cell: tb.TableCell) -> NumberMention | _Figure | None:
    """The figure a table cell prints."""
    if cell.value is not None:
        return _Figure(cell.value, "%" if cell.text.endswith("%") else None, cell.start, cell.end)
    return next(iter(ctx.numbers_between(cell.start, cell.end)), None)


_BUDGET_LABELS_LONGEST_FIRST = sorted(lx.BUDGET_LABELS.items(), key=lambda kv: -len(kv[0]))  # sorted once, not per cell
_ROLE_MEANING = {"initial": "initial", "adjusted": "adjusted", "adjustment": "adjustment", "actual": "actual", "rate": "execution_rate"}


def _grid_columns(table: tb.Table) -> dict[int, tuple[str, str]]:
    """column -> (budget meaning, label) of a money grid's columns, from their roles; the label is
    the lexicon label the header names (its strength ranks the candidates), else the header's own
    words. A lone budget or 合计 column is the full-year budget (a single unlabelled figure)."""
    columns: dict[int, tuple[str, str]] = {}
    has_full_year = bool(table.columns_with("adjusted"))
    for col, column in table.columns.items():
        meaning = _ROLE_MEANING.get(column.role)
        if meaning is None and column.role in ("budget", "total") and not has_full_year:
            meaning = "adjusted"
        if meaning is None:
            continue
        core = tb.header_core(column.leaf or column.header)
        label = next((lab for lab, _ in _BUDGET_LABELS_LONGEST_FIRST if core == lab or (core.endswith(lab) and len(core) - len(lab) <= 2)), core)
        columns[col] = (meaning, label)
    return columns


def _row_scope(label: str) -> str | None:
    if any(label.startswith(t) for t in lx.TOTAL_ROW_LABELS) or label in ("部门资金", "资金情况", "预算资金"):
        return "dept"
    if "基本支出" in label:
        return "basic"
    if "项目支出" in label:
        return "project"
    if "三公" in label:
        return "three_public"
    return None


# --- lists: projects -------------------------------------------------------------------------


@dataclass
class ProjectRow:
    name: Found
    budget: Found | None = None
    actual: Found | None = None
    rate: Found | None = None

    def as_project(self) -> Project:
        return Project(
            name=self.name.value,
            budget=self.budget.value if self.budget else None,
            actual=self.actual.value if self.actual else None,
            execution_rate=self.rate.value if self.rate else None,
        )
