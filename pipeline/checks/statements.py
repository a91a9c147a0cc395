"""The same quantity stated twice with different values (execution rate, score or grade,
department amounts, staff count), and the evaluated year against the years the report states."""

from __future__ import annotations

import re
from typing import Any, Iterator

from pipeline import lexicon as lx
from pipeline.checks import check, make_finding
from pipeline.checks.compare import EPS, SAME_VALUE, rounding_half
from pipeline.checks.context import CJK, CheckContext, sentence_before
from pipeline.checks.scores import score_tables
from pipeline.ground import plain_number
from pipeline.normalize import NumberMention
from pipeline.record import Evidence, Finding, Severity


_DEPT_RATE_LABEL = lx.variant_regex(
    r"(?:年度|部门|整体)?(?:预算资金支出率|预算执行率|预算完成率|预算支出率|资金支出率|实际支出率|实际执行率|支出实现率|整体支出执行率)"
)


def department_rate_statements(ctx: CheckContext) -> list[tuple[NumberMention, str]]:
    """Department-level execution rates as stated anywhere: a rate label of the whole budget
    (预算执行率 / 预算完成率 / 部门预算资金支出率 / 实际支出率 …, not '项目资金支出率' or a bare
    执行率 of a part) followed by a percentage that is not a threshold ('达不到95%')."""
    out = []
    for m in _DEPT_RATE_LABEL.finditer(ctx.text):
        before = ctx.text[m.start() - 1 : m.start()] if m.start() else ""
        if before and CJK.match(before) and not re.search(r"\d\s*年度?$|[年度的为是]$", ctx.text[max(0, m.start() - 6) : m.start()]):
            continue
        gap = re.match(r"[\s:：]*(?:为|是|达|达到|共)?[\s:：]*", ctx.text[m.end() : m.end() + 8])
        mention = next(iter(ctx.mentions_between(m.end(), m.end() + 12)), None)
        if mention is None or mention.unit != "%" or mention.norm_start != m.end() + gap.end():
            continue
        clause = re.split(r"[，,；;。\t\n]", sentence_before(ctx.text, m.start(), 60))[-1]
        if re.search(r"基本支出|项目支出|三公|其中", clause) or ctx.view.item_name_at(m.start()):
            continue
        after = ctx.text[mention.norm_end : mention.norm_end + 4]
        if re.search(lx.THRESHOLD_BEFORE, ctx.text[max(0, m.start() - 6) : m.start()] + ctx.text[m.end() : mention.norm_start]) or re.match(lx.THRESHOLD_AFTER, after):
            continue
        out.append((mention, m.group()))
    return out


@check("execution_rate_restated", "conflicting_statement", "The department's execution rate stated twice with different values (seed 000: 预算完成率 99.66% vs 实际支出率100%); only-rounded differences are warnings.")
def _check_rate_restated(ctx: CheckContext) -> Iterator[Finding]:
    statements = department_rate_statements(ctx)
    # The record's own rate is a statement too (it may sit under a bare 执行率 label).
    rate = ctx.printed("budget.execution_rate")
    if rate is not None and rate.mention is not None and all(m.raw_start != rate.mention.raw_start for m, _ in statements):
        label = (rate.evidence.label if rate.evidence and rate.evidence.label else None) or "执行率"
        statements.insert(0, (rate.mention, label))
    if len(statements) < 2:
        return
    reported: set[tuple[float, float]] = set()
    for i, (a, a_label) in enumerate(statements):
        for b, b_label in statements[i + 1 :]:
            if abs(a.value - b.value) <= EPS or (a.value, b.value) in reported:
                continue
            reported.add((a.value, b.value))
            coarse = rounding_half(min(a.decimals, b.decimals), None)
            severity: Severity = "warning" if abs(a.value - b.value) <= coarse + EPS else "error"
            note = f"；两者只在取整到 {min(a.decimals, b.decimals)} 位小数时一致" if severity == "warning" else ""
            yield make_finding(
                "execution_rate_restated", "conflicting_statement", severity,
                f"部门预算执行率前后不一：“{a_label}”{plain_number(a.value)}% 与 “{b_label}”{plain_number(b.value)}%{note}",
                ctx.fields_of_mention(a) + ctx.fields_of_mention(b) or ["budget.execution_rate"],
                a.value, b.value, coarse, [ctx.mention_evidence(a, a_label), ctx.mention_evidence(b, b_label)],
            )


@check("score_or_grade_restated", "conflicting_statement", "The total score or the grade printed twice with different values (prose 自评得分 vs the score table's total row, two 等级 statements).")
def _check_score_restated(ctx: CheckContext) -> Iterator[Finding]:
    for path, word in (("evaluation.score", "自评得分"), ("evaluation.grade", "自评等级")):
        chosen = ctx.value(path)
        if chosen is None:
            continue
        statements: list[tuple[Any, Evidence | None, str | None]] = [(chosen, ctx.evidence(path), None)]
        for candidate in ctx.record.candidates.get(path, []):
            if not candidate.chosen and candidate.reason and candidate.reason.startswith(("label", "prose", "score table")):
                statements.append((candidate.value, candidate.evidence, candidate.evidence.label))
        if path == "evaluation.score":
            for table in score_tables(ctx):
                if table.total_score is not None:
                    statements.append((table.total_score.value, ctx.mention_evidence(table.total_score, table.total_label), table.total_label))
        for value, evidence, label in statements[1:]:
            same = abs(float(value) - float(chosen)) <= SAME_VALUE if path == "evaluation.score" else str(value)[:1] == str(chosen)[:1]
            if same:
                continue
            yield make_finding(
                "score_or_grade_restated", "conflicting_statement", "error",
                f"{word}前后不一：{chosen} 与 “{label or '另一处'}”{value}",
                [path], chosen, value, None, [statements[0][1], evidence],
            )


# The department's amounts, each a quantity a report may state twice (summary and money section).
_RESTATABLE_AMOUNTS = {"budget.initial": "年初预算", "budget.adjusted": "全年预算", "budget.actual": "实际支出"}

# Label scores (pipeline.extract.rules) this close are equally strong.
LABEL_SCORE_TIE = 1e-6

_DEPARTMENT_SUBJECT = re.compile(lx.with_variants(r"[我本](?:局|厅|委|部门|单位|院|中心|办|馆|镇|县|区)|部门|全年|整体"))
_ITEM_WORDS = re.compile(lx.with_variants(r"项目|资金|经费|专项|补助|补贴"))


def _speaks_for_department(ctx: CheckContext, evidence: Evidence | None) -> bool:
    """The sentence leading up to an amount is about the whole department ('2020年我局全年预算…，
    实际支出…', '全年实际支出…') and names no project or fund of its own."""
    if evidence is None or evidence.page is None or evidence.start is None:
        return False
    page = ctx.document.pages[evidence.page - 1].text
    # Sentences, not lines: hard-wrapped prose breaks a sentence over lines.
    start = max(page.rfind(mark, 0, evidence.start) for mark in "。；;")
    lead = page[start + 1 : evidence.start]
    # A line that opens with an item's own heading ('（一）X专项。全年预算…') is that item's.
    line = page[page.rfind("\n", 0, evidence.start) + 1 : evidence.start]
    return bool(_DEPARTMENT_SUBJECT.search(lead)) and not _ITEM_WORDS.search(lead) and not _ITEM_WORDS.search(line)


@check("amount_restated", "conflicting_statement", "A department amount (年初预算 / 全年预算 / 实际支出) stated twice, under labels of equal strength and scope, with different values (a summary paragraph's 实际支出6887.14 vs the money section's 6877.14).")
def _check_amount_restated(ctx: CheckContext) -> Iterator[Finding]:
    for path, word in _RESTATABLE_AMOUNTS.items():
        chosen = ctx.value(path)
        candidates = ctx.record.candidates.get(path, [])
        winner = next((c for c in candidates if c.chosen), None)
        if chosen is None or winner is None or winner.score is None:
            continue
        for candidate in candidates:
            if candidate.chosen or candidate.score is None or not candidate.reason:
                continue
            # Only a rival as strong as the winner, read as the department's whole amount: a
            # weaker label, a part's scope or a partial-year qualifier is another quantity.
            if candidate.score < winner.score - LABEL_SCORE_TIE or not candidate.reason.startswith("label"):
                continue
            if any(word_ in candidate.reason for word_ in ("scope", "partial", "元 amount")):
                continue
            if abs(float(candidate.value) - float(chosen)) <= EPS:
                continue
            if not (_speaks_for_department(ctx, candidate.evidence) and _speaks_for_department(ctx, ctx.evidence(path))):
                continue  # a project's or a fund's own 实际支出 is another quantity
            yield make_finding(
                "amount_restated", "conflicting_statement", "error",
                f"{word}前后不一：{plain_number(float(chosen))} 万元 与 “{candidate.evidence.label or '另一处'}”{plain_number(float(candidate.value))} 万元",
                [path], chosen, candidate.value, EPS, [ctx.evidence(path), candidate.evidence],
            )


# The label's first word names the count: 在职 (on the payroll at a date) and 实有 (actually present,
# often an indicator's census) are different quantities, so only equal words are compared.
_STAFF = re.compile(r"(在职|实有)(?:在职)?(?:人员|职工)(?:数|总数|总计|合计|共计|共)?(?:为|有)?\s*(\d+)\s*(?:人|名)")


@check("staff_count_restated", "conflicting_statement", "The same staff count (在职人员 … / 实有人员 …) stated twice with different values.")
def _check_staff_restated(ctx: CheckContext) -> Iterator[Finding]:
    by_word: dict[str, list[tuple[int, re.Match[str]]]] = {}
    for m in _STAFF.finditer(ctx.text):
        by_word.setdefault(m.group(1), []).append((int(m.group(2)), m))
    for found in by_word.values():
        values = sorted({v for v, _ in found})
        if len(values) < 2:
            continue
        first = {v: m for v, m in reversed(found)}
        a, b = first[values[0]], first[values[-1]]
        yield make_finding(
            "staff_count_restated", "conflicting_statement", "warning",
            f"人员数前后不一：“{a.group()}”与“{b.group()}”" + ("" if len(values) == 2 else f"（共 {len(values)} 个不同数字）"),
            [], values[-1], values[0], None,
            [ctx.span_evidence(m.start(), m.end()) for v, m in sorted(first.items())],
        )


_YEAR = r"((?:19|20)\d{2})"
_NOT_RANGE_BEFORE = r"(?<![\d\-—~～至到])"
_NOT_RANGE_AFTER = r"(?!\s*[\-—~～至到]\s*\d)"
_YEAR_OF_SUBJECT = re.compile(_NOT_RANGE_BEFORE + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?\s*的?\s*(?:部门|单位)\s*(?:整体|预算)|" + _NOT_RANGE_BEFORE + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?\s*整体支出")
_YEAR_OF_SELF_EVALUATION = re.compile(_NOT_RANGE_BEFORE + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?[^。，,；;\n\d]{0,12}?绩效自评")
# '（一）预算安排情况。2024年我局年初预算数为…' / '2024年度全年执行数…': the year's own money.
_YEAR_OF_MONEY = re.compile(
    r"(?:^|(?<=[。；;：:（(\t\n]))\s*" + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?\s*[，,]?\s*(?:我局|本部门|我部门|我单位|本单位|我委|我办|全局)?\s*"
    r"(?:年初预算|年初批复|全年预算|全年执行|实际支出|预算执行|决算|部门预算|整体支出)"
)
# '2020年城乡低保对象保障人数18209人' opening a 实际完成情况 cell: the year the results are of.
_YEAR_OPENING = re.compile(r"^\s*(?:(?:目标|实际)?完成情况\s*[:：]\s*)?" + _YEAR + r"\s*年(?![底初末中内度]|以来|起|前|至)")
_DATE = re.compile(_YEAR + r"\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_LABEL = re.compile(r"(?:填报|报告|评价|填表|编制)?(?:日期|时间)\s*[:：]?\s*$")


# Words that put a later year's statement in the future: a plan, not the evaluated year.
_FUTURE_WORDS = re.compile(lx.with_variants(r"将|拟|计划|作为|用于|纳入|下一?年度?|明年|以后|今后"))


@check("year_consistency", "year_mismatch", "The evaluated year agrees between title, 被评价年度 label and body statements ('2021年度部门整体支出…'); the report's own date is not before that year (nor years after it).")
def _check_years(ctx: CheckContext) -> Iterator[Finding]:
    fiscal = ctx.number("fiscal_year")
    if fiscal is None:
        return
    fiscal = int(fiscal)
    fy_evidence = ctx.evidence("fiscal_year")
    statements: list[tuple[int, int, int, str, Severity]] = []
    title = ctx.layout.title
    m = re.search(_YEAR + r"\s*年", title)
    if m:
        pos = ctx.text.find(m.group(1))
        if pos >= 0:
            statements.append((int(m.group(1)), pos, pos + 4, "标题", "error"))
    # A year line under the title: '（2024年度）'.
    for line in [ln for ln in ctx.layout.lines if ln.text.strip()][:6]:
        m = re.fullmatch(r"\s*[（(]?\s*" + _YEAR + r"\s*年度?\s*[）)]?\s*", line.text)
        if m and line.start + m.start(1) not in [s[1] for s in statements]:
            statements.append((int(m.group(1)), line.start + m.start(1), line.start + m.end(1), "标题", "error"))
    for m in re.finditer(r"(?:被评价年度|评价年度|预算年度)[\s:：]*" + _YEAR, ctx.text):
        statements.append((int(m.group(1)), m.start(1), m.end(1), "被评价年度", "error"))
    # Page furniture above the title (a site's notice about another year's budget) is no body.
    title_line = title.split(" ")[-1] if title else ""
    body_start = max(ctx.text.find(title_line), 0) if title_line else 0
    for pattern, name in ((_YEAR_OF_SUBJECT, "正文（部门预算/整体支出）"), (_YEAR_OF_SELF_EVALUATION, "正文（绩效自评）")):
        for m in pattern.finditer(ctx.text, body_start):
            group = 1 if m.group(1) else 2
            before = ctx.text[max(0, m.start(group) - 6) : m.start(group)]
            after = ctx.text[m.end(group) : m.end(group) + 24]
            if re.search(r"较|比|与|同期|上年|相比", before) or re.search(r"相比|比较|同比", after):
                continue  # a comparison with another year, not the year evaluated
            if int(m.group(group)) > fiscal and _FUTURE_WORDS.search(ctx.text[max(0, m.start(group) - 12) : m.start(group)]):
                continue  # a plan for a later year ('结果将作为2024年度部门预算安排的参考')
            # A statement of the evaluated year's own results is an error; a bare mention of
            # another year's 部门预算 (a plan, a reference) only a warning.
            severity = "error" if re.search(r"绩效|自评|得分|执行率|决算|实际支出", after) else "warning"
            statements.append((int(m.group(group)), m.start(group), m.end(group), name, severity))  # type: ignore[arg-type]
    for m in _YEAR_OF_MONEY.finditer(ctx.text):
        statements.append((int(m.group(1)), m.start(1), m.end(1), "正文（预算收支）", "warning"))
    for start, year in _results_years(ctx):
        statements.append((year, start, start + 4, "完成情况", "warning"))
    seen: set[int] = set()
    for year, start, end, name, severity in sorted(statements, key=lambda s: (s[4] != "error", s[1])):
        if year == fiscal or start in seen:
            continue
        seen.add(start)
        snippet = ctx.text[start : min(len(ctx.text), end + 16)].split("\n")[0]
        yield make_finding(
            "year_consistency", "year_mismatch", severity,
            f"{name}写的是 {year} 年（“{snippet}”），而被评价年度为 {fiscal} 年",
            ["fiscal_year"], year, fiscal, None, [ctx.span_evidence(start, end, name), fy_evidence],
        )
    yield from _report_dates(ctx, fiscal, fy_evidence)


def _results_years(ctx: CheckContext) -> Iterator[tuple[int, int]]:
    """(offset, year) of years opening a statement of results: a cell under a 实际完成情况 /
    目标完成情况 header, or a prose line '目标完成情况：2020年…'."""
    lines = ctx.layout.lines
    for line in lines:
        if line.is_table_row:
            for cell in line.cells:
                m = _YEAR_OPENING.match(cell.text)
                if not m or not cell.text:
                    continue
                header = next(
                    (c.text for above in reversed(lines[max(0, line.index - 8) : line.index]) if above.is_table_row
                     for c in above.cells if c.column == cell.column and c.text and not _YEAR_OPENING.match(c.text)),
                    "",
                )
                if re.search(r"完成情况|实际完成|完成值", header):
                    yield cell.start + (m.start(1) if cell.text == ctx.text[cell.start : cell.end] else 0), int(m.group(1))
        else:
            m = re.match(r"\s*(?:目标|实际)完成情况\s*[:：]\s*" + _YEAR + r"\s*年(?![底初末中内度]|以来|起|前|至)", line.text)
            if m:
                yield line.start + m.start(1), int(m.group(1))
    # Forms the table reader read from pipes, run-on or one-cell-per-line text: a cell opening
    # with a year right under a '实际完成情况' cell of the row above (the goals block of a form).
    for table in ctx.typed_tables:
        for upper, row in zip(table.rows, table.rows[1:]):
            for cell in row.filled():
                above = upper.cell(cell.column)
                m = _YEAR_OPENING.match(cell.text)
                if m and above is not None and re.search(r"完成情况|实际完成", above.text) and cell.text == ctx.text[cell.start : cell.end]:
                    yield cell.start + m.start(1), int(m.group(1))


def _report_dates(ctx: CheckContext, fiscal: int, fy_evidence: Evidence | None) -> Iterator[Finding]:
    lines = [ln for ln in ctx.layout.lines if ln.text.strip()]
    tail_start = lines[-4].start if len(lines) >= 4 else 0
    for m in _DATE.finditer(ctx.text):
        labelled = bool(_DATE_LABEL.search(ctx.text[max(0, m.start() - 8) : m.start()]))
        if not labelled and m.start() < tail_start:
            continue
        year = int(m.group(1))
        if year < fiscal:
            severity, why = "error", "早于被评价年度"
        elif year > fiscal + 1:
            severity, why = "warning", "比被评价年度晚一年以上"
        else:
            continue
        yield make_finding(
            "year_consistency", "year_mismatch", severity,  # type: ignore[arg-type]
            f"报告日期 {m.group()} {why}（被评价年度 {fiscal} 年）",
            ["fiscal_year"], year, fiscal, None, [ctx.span_evidence(m.start(), m.end(), "日期"), fy_evidence],
        )
