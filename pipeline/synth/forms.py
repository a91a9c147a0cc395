"""One-project forms: the 自评表 flattened into text in the ways converters do (form_* layouts)
and several forms on one page (multi_form)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.synth.builder import _Builder
from pipeline.synth.common import (
    _empty_gold, _exec_rate, _frag, _goal_texts, _grade, _header_rows, _implementer, _ind_gold, _numtext, _off_rate,
    _rate_style, _score_total, _system_code, _fund_name, _year_marks,
)
from pipeline.synth.content import _PERSONS, _REASONS
from pipeline.synth.facts import _Ind, _facts, _indicators, _weigh
from pipeline.synth.lines import _Line
from pipeline.synth.values import _amount, _exact, _rate_text, _score_text, _wan


def _form_money(b: _Builder, rng: random.Random, initial: int, adjusted: int, actual: int, rate: str, style: str,
                multi_header: bool, unit_wrap: bool, score_weight: int = 10) -> tuple[dict[str, Any], int, list[int]]:
    """The money block of a one-project form: header (one to three lines), 年度资金总额 and the
    funding rows. Returns (budget gold, item score, mark ids [rate, actual, budget])."""
    money = lambda fen: b.money(fen, prose=False)  # noqa: E731
    first = "项目资金" if unit_wrap else "项目资金（万元）"
    if style == "AB":
        header = [first, "", "年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"]
    elif style == "circled":
        header = [first, "", "年初预算数①", "年中调整数②", "全年预算数③=①+②", "执行数④", "执行率⑤=④/③", "分值", "得分"]
    elif style == "EC":
        header = [first, "", "全年预算数（C）", "全年执行资金（E）", "预算执行（E/C×100%）", "分值", "得分"]
    else:
        header = [first, "", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"]
    canon = list(header)
    canon[0] = "项目资金（万元）"
    if multi_header:
        start = len(b.lines)
        _header_rows(b, header, True)
        b.lines[start].canon = canon
    else:
        b.lines.append(_Line("row", cells=header, tag="header", canon=canon if unit_wrap else None))
    if unit_wrap:
        _frag(b, "（万元）")
    item = int((Decimal(rate) * score_weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    i_s, i_id = b.mark(money(initial))
    a_s, a_id = b.mark(money(adjusted))
    x_s, x_id = b.mark(money(actual))
    r_s, r_id = b.mark(b.rate(rate))
    it_s = b.score(item)
    gold: dict[str, Any] = {"adjusted": _wan(adjusted), "actual": _wan(actual), "execution_rate": float(rate)}
    carry = adjusted - initial if adjusted > initial and rng.random() < 0.5 else 0
    if style == "AB":
        row = ["", "年度资金总额", i_s, a_s, x_s, str(score_weight), r_s, it_s]
        gold["initial"] = _wan(initial)
    elif style == "circled":
        c_s, c_id = b.mark(money(adjusted - initial) if adjusted != initial else "0.00")
        row = ["", "年度资金总额", i_s, c_s, a_s, x_s, r_s, str(score_weight), it_s]
        gold.update(initial=_wan(initial), adjustment=_wan(adjusted - initial))
        b.check("adjustment_sum_mismatch", "sum", False, {"total": [a_id], "parts": [i_id, c_id]})
    elif style == "EC":
        row = ["", "年度资金总额", a_s, x_s, r_s, str(score_weight), it_s]
    else:
        row = ["", "年度资金总额", i_s, a_s, x_s, r_s, str(score_weight), it_s]
        gold["initial"] = _wan(initial)
    b.row(row, "money", name_col=1)
    width = len(header)
    for label, adj_part in (("其中：财政拨款", adjusted - carry), ("上年结转资金", carry), ("其他资金", 0)):
        cells = ["", label] + ["—"] * (width - 2)
        value = money(adj_part) if adj_part else "0.00"
        if style == "EC":
            cells[2] = value
        elif style == "circled":
            cells[2] = money(initial) if label.startswith("其中") else "0.00"
            cells[4] = value
        else:
            cells[2] = money(initial) if label.startswith("其中") else "0.00"
            cells[3] = value
        b.row(cells, "money", name_col=1)
    return gold, item, [r_id, x_id, a_id]


def _form_indicators(b: _Builder, rng: random.Random, inds: list[_Ind], split: bool, multi_header: bool,
                     breaks: set[str], score_ids: list[int], reasons: bool = True) -> list[dict[str, Any]]:
    """The indicator grid of a form: merged level cells, split 指标性质/指标值/度量单位 columns or
    年度指标值/实际完成值, a name cell wrapped onto a row of its own, a name printed below its values."""
    if split:
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "权重", "得分"]
    else:
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
        if reasons:
            header.append("偏差原因分析及改进措施")
    _header_rows(b, header, multi_header)
    merged = rng.random() < 0.7
    prev1 = prev2 = None
    long_names = [k for k, i in enumerate(inds) if len(i.name) >= 7]
    wrap_at = rng.choice(long_names) if "wrapped_cell" in breaks and long_names else None
    below_at = rng.choice([k for k in range(len(inds)) if k != wrap_at]) if "name_below" in breaks and len(inds) > 1 else None
    gold = []
    for k, ind in enumerate(inds):
        l1 = ind.level1 if not merged or ind.level1 != prev1 else ""
        l2 = ind.level2 if not merged or ind.level2 != prev2 or l1 else ""
        prev1, prev2 = ind.level1, ind.level2
        s, sid = b.mark(b.score(ind.score))
        score_ids.append(sid)
        weight = _score_text(ind.weight)
        if split:
            cells = ["", l1, l2, ind.name, ind.nature or "", _numtext(b, ind.tvalue or ""), ind.tunit or "",
                     _numtext(b, ind.avalue or ""), weight, s]
        else:
            cells = ["", l1, l2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual), weight, s]
            if reasons:
                cells.append("" if ind.completed else rng.choice(_REASONS))
        if k == wrap_at:
            cut = rng.randint(3, len(ind.name) - 2)
            first = list(cells)
            first[3] = ind.name[:cut]
            b.lines.append(_Line("row", cells=first, tag="indicator", canon=cells))
            cont = ["" for _ in cells]
            cont[3] = ind.name[cut:]
            b.lines.append(_Line("row", cells=cont, tag="wrapped", canon=[]))
        elif k == below_at:
            first = list(cells)
            first[3] = ""
            b.lines.append(_Line("row", cells=first, tag="indicator", canon=cells))
            if rng.random() < 0.5:
                _frag(b, ind.name)
            else:
                cont = ["" for _ in cells]
                cont[3] = ind.name
                b.lines.append(_Line("row", cells=cont, tag="wrapped", canon=[]))
        else:
            b.row(cells, "indicator", name_col=3)
        gold.append(_ind_gold(b, ind, split=split))
    if wrap_at is not None:
        b.notes.append(f"The name cell of '{inds[wrap_at].name}' wraps onto a row of its own (joined in gold).")
    if below_at is not None:
        b.notes.append(f"The name '{inds[below_at].name}' is printed on the line below its values.")
    return gold


_ROW_NOISE = ("header_split", "value_shift", "row_wrap", "interleave", "tabs_to_spaces")


def _form_single(b: _Builder, rng: random.Random, flattening: str) -> dict[str, Any]:
    """A one-project 项目支出绩效自评表 (report_type project_table, subject set), flattened into text
    in one of the ways converters do (see ``_flatten``)."""
    for kind in _ROW_NOISE:  # the flattening is this layout's structural noise
        b.noise.pop(kind, None)
    b.flattening = flattening
    f = _facts(rng, "form", b)
    split = rng.random() < 0.4
    if split:
        f.indicators = _indicators(rng, f.bureau, f.who, rng.randint(5, 8), numeric_only=True)
    subject = _fund_name(rng, f.bureau) if rng.random() < 0.3 else rng.choice(f.bureau.projects)
    impl = _implementer(rng, f)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table", subject=subject)
    breaks = {k for k in ("unit_wrap", "name_frag", "wrapped_cell", "name_below") if rng.random() < 0.5}
    if flattening in ("cells", "oneline"):  # there a wrapped cell's pieces are cells apart: no reader could join them
        breaks.discard("wrapped_cell")
    years, _ = _year_marks(b, rng, f.year, 2)
    if flattening == "oneline":
        b.add("furniture", f"{subject}.docx  作者：{rng.choice(_PERSONS)}{rng.choice(['工', '会计', ''])}  创建时间：{f.year + 1}-0"
                           f"{rng.randint(1, 4)}-{rng.randint(10, 28)}  页数：1")
        b.notes.append("A line of docx metadata comes first; its date is not the fiscal year. The whole form follows on one line.")
    if rng.random() < 0.5:
        b.add("title", "项目支出绩效自评表")
        b.add("title", f"（{years[0]}年度）")
    else:
        b.add("title", f"{years[0]}年度项目支出绩效自评表")
    code = _system_code(rng) if rng.random() < 0.5 else ""
    if "name_frag" in breaks and len(subject) >= 8:
        cut = rng.randint(4, len(subject) - 3)
        b.lines.append(_Line("row", cells=["项目名称", code + subject[:cut]], tag="info2", canon=["项目名称", code + subject]))
        _frag(b, subject[cut:])
        b.notes.append("The 项目名称 cell wraps: its end is on a line of its own without tabs.")
    else:
        b.row(["项目名称", code + subject], "info2")
    if code:
        b.notes.append("A financial-system code before the project name is not part of subject.")
    b.row(["主管部门", f.dept, "实施单位", impl], "info")
    initial = _amount(rng, 20, 3000, 10_000)
    adjusted = initial + rng.choice([0, int(initial * rng.uniform(0.02, 0.2)) // 10_000 * 10_000])
    actual = int(adjusted * rng.uniform(0.8, 1.0)) // 10_000 * 10_000
    rate, rate_planted = _exec_rate(b, rng, actual, adjusted, _rate_style(rng))
    style = rng.choice(["AB", "circled", "EC", "plain"])
    g, item, (r_id, x_id, a_id) = _form_money(b, rng, initial, adjusted, actual, rate, style,
                                              rng.random() < 0.6, "unit_wrap" in breaks)
    gold["budget"].update(g)
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    goal, done = _goal_texts(f, years[1])
    b.row(["年度总体目标", "预期目标", "实际完成情况"], "goalhead")
    b.row(["", goal, done], "goal")
    _weigh(rng, f.indicators, 90)
    score_ids: list[int] = []
    gold["indicators"] = _form_indicators(b, rng, f.indicators, split, rng.random() < 0.5, breaks, score_ids)
    items = item + sum(i.score for i in f.indicators)
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    b.row(["总分", "", "", "", "", "", "100", t_s], "total")
    gold["evaluation"]["score"] = float(_score_text(total))
    if rng.random() < 0.5:
        grade, gplanted = _grade(b, rng, total)
        g_s, g_id = b.mark(grade)
        b.row(["自评等级", g_s], "other")
        b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [t_id]})
        gold["evaluation"]["grade"] = grade
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids + [_mark_score(b)]})
    b.row([f"填报单位（盖章）：{impl}", "填报人：", f"填报日期：{f.date}"], "other")
    b.notes += [
        f"One-project 自评表 flattened as '{flattening}': report_type project_table, subject = 项目名称, department = 主管部门.",
        {"AB": "年初预算数 / 全年预算数（A） / 全年执行数（B） / 执行率（B/A）.",
         "circled": "年初预算数① / 年中调整数② (a change: adjustment) / 全年预算数③=①+② / 执行数④ / 执行率⑤=④/③.",
         "EC": "No 年初 column: 全年预算数（C） is budget.adjusted and initial is null; 预算执行（E/C×100%） is the rate.",
         "plain": "年初预算 / 调整后预算数 / 预算执行数 / 预算执行率."}[style],
        "Split 指标性质 / 指标值 / 度量单位 columns: target = sign + value + unit, actual = value + unit." if split else
        "Indicators with 年度指标值 / 实际完成值.",
    ]
    if "unit_wrap" in breaks:
        b.notes.append("The unit of the money block '（万元）' wrapped onto a line of its own without tabs.")
    return gold


def _mark_score(b: _Builder) -> int:
    """A marked copy of the money item's score inside the 年度资金总额 row (replacing its plain print)."""
    for ln in reversed(b.lines):
        if ln.kind == "row" and ln.tag == "money" and ln.cells and ln.cells[1] == "年度资金总额":
            text = ln.cells[-1]
            s, sid = b.mark(text)
            ln.cells[-1] = s
            if ln.canon:
                ln.canon[-1] = s
            return sid
    raise RuntimeError("no 年度资金总额 row")


def _multi_form(b: _Builder, rng: random.Random) -> dict[str, Any]:
    """Several one-project forms on one page, divided only by the repeated title. Each form is a
    project; no document-level budget, score or subject; indicators/problems/improvements are
    left out of the gold (they belong to no single record)."""
    f = _facts(rng, "multi_form", b)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table")
    del gold["indicators"], gold["problems"], gold["improvements"]
    k = rng.randint(2, 4)
    names = rng.sample(f.bureau.projects, k)
    impl = _implementer(rng, f)
    years, _ = _year_marks(b, rng, f.year, 2)
    bad = rng.randrange(k) if b.plant("project_rate_mismatch") else None
    codes = rng.random() < 0.5
    blank_between = rng.random() < 0.5  # or the next title follows the last row directly
    if rng.random() < 0.3:  # the page begins inside a form whose title and name are on the page before
        tail = _indicators(rng, f.bureau, f.who, 3)
        _weigh(rng, tail, 90)
        for ind in tail[-2:]:
            b.row(["", "", ind.level2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual),
                   _score_text(ind.weight), b.score(ind.score)], "indicator", name_col=3)
        b.row(["总分", "", "", "", "", "", "100", b.score(rng.randint(880, 990) * 10)], "total")
        b.notes.append("The page begins inside a form continued from the previous page (its title and name are there): "
                       "that fragment is not listed in projects.")
    for j, name in enumerate(names):
        b.add("title", "项目支出绩效自评表")
        b.add("title", f"（{years[j] if j < 2 else f.year}年度）")
        code = _system_code(rng) if codes else ""
        b.row(["项目名称", code + name], "info2")
        b.row(["主管部门", f.dept, "实施单位", impl], "info")
        initial = _amount(rng, 10, 800, 10_000)
        adjusted = initial + rng.choice([0, int(initial * rng.uniform(0.02, 0.2)) // 10_000 * 10_000])
        actual = int(adjusted * rng.uniform(0.75, 1.0)) // 10_000 * 10_000
        rate = _rate_text(actual, adjusted, 2)
        if j == bad:
            wrong = _off_rate(rng, rate)
            b.notes.append(f"PLANTED project_rate_mismatch: the form of {name} prints {wrong}% but "
                           f"{_exact(actual, '万元')}/{_exact(adjusted, '万元')} = {rate}%. Gold keeps the printed value.")
            rate = wrong
        _, item, (r_id, x_id, a_id) = _form_money(b, rng, initial, adjusted, actual, rate, "AB", False, False)
        b.check("project_rate_mismatch", "ratio", j == bad, {"rate": [r_id], "num": [x_id], "den": [a_id]})
        gold["projects"].append({"name": name, "budget": _wan(adjusted), "actual": _wan(actual), "execution_rate": float(rate)})
        inds = _indicators(rng, f.bureau, f.who, rng.randint(3, 4))
        _weigh(rng, inds, 90)
        _form_indicators(b, rng, inds, False, False, set(), [], reasons=False)
        total = item + sum(i.score for i in inds)
        b.row(["总分", "", "", "", "", "", "100", b.score(total)], "total")
        if blank_between:
            b.blank()
    b.notes += [
        f"{k} one-project 自评表 on one page, divided only by the repeated title: each form is a project (name without code, "
        "budget = 全年预算数（A）, actual, rate). No document-level budget, score or subject.",
        "indicators, problems and improvements belong to no single record and are left out of the gold.",
        f"department = the 主管部门 all forms share ({f.dept}).",
    ]
    return gold
