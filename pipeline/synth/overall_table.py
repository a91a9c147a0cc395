"""The one-page 部门整体支出绩效自评表 (overall_table): a money grid with 基本/项目/三公 rows, or
funding-source rows, or seed-000-style label/value pairs; goals; indicator table; 总分; 等级."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import partial
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.synth.builder import _Builder
from pipeline.synth.common import (
    _check_part_sums, _empty_gold, _exec_rate, _goal_texts, _grade, _indicator_table, _off_amount, _part_rows,
    _problem_rows, _rate_style, _score_total, _year_marks, _year_title,
)
from pipeline.synth.facts import _Facts, _facts, _indicators, _weigh
from pipeline.synth.values import FEN_PER_WAN, _exact, _rate_text, _score_text, _split, _wan


@dataclass
class _Sheet:
    """What the blocks of one sheet share: its facts and gold, the money unit, the printed years, how
    the author prints rates, and the marks of the item scores the 总分 adds up."""

    f: _Facts
    gold: dict[str, Any]
    unit: str
    years: list[str]
    rate_style: tuple[int, bool]
    score_ids: list[int] = field(default_factory=list)


def _overall_table(b: _Builder, rng: random.Random) -> dict[str, Any]:
    style = rng.choice(["grid", "grid", "sources", "pairs"])
    if "parts_do_not_sum" in b.plants and style == "pairs":
        style = "grid"
    if "adjustment_sum_mismatch" in b.plants:
        style = "sources"
    unit = "元" if rng.random() < 0.25 and style != "pairs" else "万元"
    f = _facts(rng, "overall_table", b, yuan=unit == "元")
    if style == "sources" and f.adjusted == f.initial:
        f.adjusted += 100 * FEN_PER_WAN
        f.project = (f.project[0], f.project[1] + 100 * FEN_PER_WAN, f.project[2])
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="overall_table")
    split_ind = rng.random() < 0.25
    if split_ind:
        f.indicators = _indicators(rng, f.bureau, f.who, rng.randint(5, 8), numeric_only=True)
    info = "year" if style == "pairs" else rng.choice(["date", "date", "year", "year", "unit"])
    years, _ = _year_marks(b, rng, f.year, 3 if info == "year" else 2)
    _year_title(b, rng, f.dept, years[0], "部门整体支出绩效自评表", one_line=0.5)
    b.blank()
    if unit == "元":
        b.notes.append("All amounts are printed in 元 (金额单位：元) and converted to 万元 by dividing by 10000 with all decimals kept.")
    sheet = _Sheet(f, gold, unit, years, _rate_style(rng))
    money_score = weight = 0
    if style == "pairs":
        _pairs_money(b, rng, sheet)
    else:
        _info_rows(b, rng, sheet, info)
        weight = rng.choice([10, 10, 20])
        ab = rng.random() < 0.4
        if style == "grid":
            money_score = _grid_money(b, rng, sheet, weight, ab)
        else:  # funding-source rows and a signed adjustment column (circled-number labels)
            money_score = _sources_money(b, rng, sheet, weight)
    _goals_and_scores(b, rng, sheet, money_score, weight, split_ind)
    return gold


def _pairs_money(b: _Builder, rng: random.Random, sheet: _Sheet) -> None:
    """The money block as label/value pairs (seed-000 style), perhaps with the adjustment and its rate."""
    f, gold, unit, years, notes = sheet.f, sheet.gold, sheet.unit, sheet.years, b.notes
    g = gold["budget"]
    money = partial(b.money, unit=unit, prose=False)
    b.row(["部门名称", f.dept, "被评价年度", f"{years[1]}年"], "info")
    b.add("label", f"单位：{unit}")
    h_init = rng.choice(["年初预算数", "年初预算收入"])
    h_adj = rng.choice(["全年预算数", "调整后预算数", "调整预算收入"])
    h_act = rng.choice(["实际支出数", "全年执行数"])
    h_rate = rng.choice(["预算执行率", "预算完成率"])
    rate, _ = _exec_rate(b, rng, f.actual, f.adjusted, sheet.rate_style)
    i_s, i_id = b.mark(money(f.initial))
    a_s, a_id = b.mark(money(f.adjusted))
    x_s, x_id = b.mark(money(f.actual))
    r_s, r_id = b.mark(b.rate(rate))
    b.row(["部门资金情况", h_init, i_s, h_adj, a_s], "pair")
    b.row(["", h_act, x_s, h_rate, r_s], "pair")
    b.check("execution_rate_mismatch", "ratio", "execution_rate_mismatch" in b.planted,
            {"rate": [r_id], "num": [x_id], "den": [a_id]})
    g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), actual=_wan(f.actual), execution_rate=float(rate))
    if f.adjustment > 0 and rng.random() < 0.6:
        arate = _rate_text(f.adjustment, f.initial, 2)
        c_s, c_id = b.mark(money(f.adjustment))
        ar_s, ar_id = b.mark(b.rate(arate))
        b.row(["", "预算调整数", c_s, "预算调整率", ar_s], "pair")
        g.update(adjustment=_wan(f.adjustment), adjustment_rate=float(arate))
        b.check("adjustment_sum_mismatch", "sum", False, {"total": [a_id], "parts": [i_id, c_id]})
        b.check("adjustment_rate_mismatch", "change_ratio", False, {"rate": [ar_id], "new": [a_id], "base": [i_id]})
        notes.append("预算调整数 is printed as the change (adjusted − initial), so it is budget.adjustment; 预算调整率 = change / initial.")
    notes.append("Money block printed as label/value pairs (seed-000 style); no basic/project/三公 split is printed.")


def _info_rows(b: _Builder, rng: random.Random, sheet: _Sheet, info: str) -> None:
    """The department row (with the date or the evaluated year) and the unit, or one 单位名称 row."""
    f, unit, years = sheet.f, sheet.unit, sheet.years
    if info == "date":
        b.row(["部门名称", f.dept, "填报日期", f.date], "info")
        b.add("label", rng.choice(["金额单位：", "单位："]) + unit)
    elif info == "year":
        b.row(["部门名称", f.dept, "被评价年度", f"{years[1]}年"], "info")
        b.add("label", rng.choice(["金额单位：", "单位："]) + unit)
    else:
        b.row([f"单位名称：{f.dept}（公章）", "", "", "", "", "", f"单位：{unit}"], "other")


def _grid_money(b: _Builder, rng: random.Random, sheet: _Sheet, weight: int, ab: bool) -> int:
    """The money grid: the total row (its execution-rate item scored), 基本支出 and 项目支出 rows and
    perhaps “三公”经费. Returns the money item's score (hundredths)."""
    f, gold, unit, notes = sheet.f, sheet.gold, sheet.unit, b.notes
    g = gold["budget"]
    money = partial(b.money, unit=unit, prose=False)
    h_init = rng.choice(["年初预算数", "年初预算数", "年初预算"])
    h_adj = "全年预算数（A）" if ab else rng.choice(["全年预算数", "调整后预算数", "全年（调整）预算数"])
    h_act = "全年执行数（B）" if ab else rng.choice(["全年执行数", "实际支出数", "决算数", "预算执行数"])
    h_rate = "执行率（B/A）" if ab else rng.choice(["执行率", "预算执行率", "支出率", "预算完成率"])
    pct_header = rng.random() < 0.25
    if pct_header:
        h_rate += "（%）"
    first = rng.choice(["年度预算执行情况", "预算资金情况", "年度资金情况"])
    b.row([first, "", h_init, h_adj, h_act, h_rate, "分值", "得分"], "header")
    rate, rate_planted = _exec_rate(b, rng, f.actual, f.adjusted, sheet.rate_style)
    money_score = int((Decimal(rate) * weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    total_label = rng.choice(["年度资金总额", "年度资金总额", "合计", "年度总金额"])
    (bi, ba, bx), (pi, pa, px) = _grid_parts(b, rng, f)
    i_s, i_id = b.mark(money(f.initial))
    a_s, a_id = b.mark(money(f.adjusted))
    x_s, x_id = b.mark(money(f.actual))
    r_s, r_id = b.mark(b.rate(rate, percent=not pct_header))
    ms, ms_id = b.mark(b.score(money_score))
    sheet.score_ids.append(ms_id)
    b.row(["", total_label, i_s, a_s, x_s, r_s, str(weight), ms], "money", name_col=1)
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    cols = _part_rows(b, ["其中：基本支出", "项目支出"], [(bi, ba, bx), (pi, pa, px)], money,
                      lambda label, marked, amounts: ["", label, *marked, b.rate(
                          _rate_text(amounts[2], amounts[1], 2) if amounts[1] else "0.00", percent=not pct_header), "—", "—"])
    planted_col = "adjusted" if pa != f.project[1] else "actual" if px != f.project[2] else None
    _check_part_sums(b, [i_id, a_id, x_id], cols, planted_col)
    g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), actual=_wan(f.actual), execution_rate=float(rate))
    g["basic"].update(budget=_wan(ba), actual=_wan(bx))
    g["project"].update(budget=_wan(pa), actual=_wan(px))
    if rng.random() < 0.6:
        ti, ta, tx = f.three
        b.row(["", "“三公”经费", money(ti), money(ta), money(tx),
               b.rate(_rate_text(tx, ta, 2), percent=not pct_header), "—", "—"], "money", name_col=1)
        g["three_public"].update(budget=_wan(ta), actual=_wan(tx))
    notes.append(
        f"Money grid: initial/adjusted/actual/execution_rate from the {total_label} row ({h_init} / {h_adj} / {h_act} / "
        f"{h_rate}); basic and project use their full-year budget column (not 年初) and actual column; 三公 likewise.")
    return money_score


def _grid_parts(b: _Builder, rng: random.Random, f: _Facts) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The basic and project parts as printed; a parts_do_not_sum plant mistypes one project figure."""
    notes = b.notes
    (bi, ba, bx), (pi, pa, px) = f.basic, f.project
    if b.plant("parts_do_not_sum"):
        which = rng.choice(["adjusted", "actual"])
        if which == "adjusted":
            wrong = _off_amount(rng, pa, f.quantum)
            notes.append(f"PLANTED parts_do_not_sum: 基本支出 + 项目支出 全年预算 = {_exact(ba + wrong, '万元', 2, 6)} "
                         f"≠ the total {_exact(f.adjusted, '万元', 2, 6)} (项目支出 printed {_exact(wrong, '万元', 2, 6)} 万元, "
                         f"should be {_exact(pa, '万元', 2, 6)}). Gold keeps the printed 项目支出 figure.")
            pa = wrong
        else:
            wrong = _off_amount(rng, px, f.quantum)
            notes.append(f"PLANTED parts_do_not_sum: 基本支出 + 项目支出 实际支出 = {_exact(bx + wrong, '万元', 2, 6)} "
                         f"≠ the total {_exact(f.actual, '万元', 2, 6)} (项目支出 printed {_exact(wrong, '万元', 2, 6)} 万元). "
                         f"Gold keeps the printed 项目支出 figure.")
            px = wrong
    return (bi, ba, bx), (pi, pa, px)


def _sources_money(b: _Builder, rng: random.Random, sheet: _Sheet, weight: int) -> int:
    """The money block as a 合计 row with a signed adjustment column over funding-source rows.
    Returns the money item's score (hundredths)."""
    f, gold, unit, notes = sheet.f, sheet.gold, sheet.unit, b.notes
    g = gold["budget"]
    money = partial(b.money, unit=unit, prose=False)
    b.row(["资金情况", "资金来源", "年初预算数①", "年中调整金额②", "全年（调整）预算数③=①+②", "实际支出数④",
           "支出实现率（%）⑤=④/③", "分值", "得分"], "header")
    rate, rate_planted = _exec_rate(b, rng, f.actual, f.adjusted, sheet.rate_style)
    money_score = int((Decimal(rate) * weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    change = f.adjustment
    chg_planted = b.plant("adjustment_sum_mismatch")
    if chg_planted:
        wrong = _off_amount(rng, abs(change), 10_000) * (1 if change >= 0 else -1)
        notes.append(f"PLANTED adjustment_sum_mismatch: ①+② = {_exact(f.initial, '万元', 2, 6)} + {_exact(wrong, '万元', 2, 6)} "
                     f"≠ ③ {_exact(f.adjusted, '万元', 2, 6)}. Gold keeps ② as printed ({_exact(wrong, '万元', 2, 6)}).")
        change = wrong
    sources = rng.choice([["中央", "省", "市", "县"], ["中央", "省", "县"], ["本年财政拨款", "上年结转资金", "其他资金"]])
    k = len(sources)
    ini_parts = _split(rng, f.initial, k, f.quantum)
    adj_parts = _split(rng, f.adjusted, k, f.quantum)
    act_parts = [a * f.actual // f.adjusted // f.quantum * f.quantum for a in adj_parts]
    act_parts[0] += f.actual - sum(act_parts)
    part_planted = b.plant("parts_do_not_sum")
    pcol = rng.choice(["initial", "adjusted", "actual"]) if part_planted else None
    if part_planted:
        arr = {"initial": ini_parts, "adjusted": adj_parts, "actual": act_parts}[pcol]
        j = rng.randrange(k)
        wrong = _off_amount(rng, arr[j], f.quantum)
        notes.append(f"PLANTED parts_do_not_sum: the funding-source rows of the {pcol} column add up to "
                     f"{_exact(sum(arr) - arr[j] + wrong, '万元', 2, 6)} 万元, not the 合计 {_exact(sum(arr), '万元', 2, 6)}.")
        arr[j] = wrong
    i_s, i_id = b.mark(money(f.initial))
    c_s, c_id = b.mark(money(change))
    a_s, a_id = b.mark(money(f.adjusted))
    x_s, x_id = b.mark(money(f.actual))
    r_s, r_id = b.mark(b.rate(rate, percent=False))
    ms, ms_id = b.mark(b.score(money_score))
    sheet.score_ids.append(ms_id)
    b.row(["", "合计", i_s, c_s, a_s, x_s, r_s, str(weight), ms], "money", name_col=1)
    labels = [("其中：" if j == 0 else "") + src for j, src in enumerate(sources)]
    cols = _part_rows(b, labels, list(zip(ini_parts, adj_parts, act_parts)), money,
                      lambda label, marked, _: ["", label, marked[0], "—", marked[1], marked[2], "—", "—", "—"])
    _check_part_sums(b, [i_id, a_id, x_id], cols, pcol)
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    b.check("adjustment_sum_mismatch", "sum", chg_planted, {"total": [a_id], "parts": [i_id, c_id]})
    g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), adjustment=_wan(change), actual=_wan(f.actual),
             execution_rate=float(rate))
    notes.append("Money from the 合计 row: ① initial, ② 年中调整金额 is a signed change (adjustment), ③ adjusted, "
                 "④ actual, ⑤ execution_rate printed without '%' (the header says (%)). Funding-source rows are "
                 "not basic/project: those stay null.")
    return money_score


def _goals_and_scores(b: _Builder, rng: random.Random, sheet: _Sheet, money_score: int, weight: int, split_ind: bool) -> None:
    """Goals, the indicator table, 总分 (money item + indicators), grade, problems and signatures."""
    f, gold, years, notes, score_ids = sheet.f, sheet.gold, sheet.years, b.notes, sheet.score_ids
    goal, done = _goal_texts(f, years[-1])
    b.row(["年度总体目标", "预期目标", "实际完成情况"], "goalhead")
    b.row(["", goal, done], "goal")
    _weigh(rng, f.indicators, 100 - weight)
    variant = "split" if split_ind else rng.choice(["v1", "v2"])
    merged = rng.random() < 0.6
    gold["indicators"] = _indicator_table(b, rng, f, variant, merged, score_ids)
    items = money_score + sum(i.score for i in f.indicators)
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    width = 10 if variant == "split" else 9
    cells = ["总分"] + [""] * (width - 1)
    cells[width - 2 if variant == "split" else width - 3] = "100"
    cells[width - 1 if variant == "split" else width - 2] = t_s
    b.row(cells, "total")
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids})
    grade, gplanted = _grade(b, rng, total)
    gr_s, gr_id = b.mark(grade)
    b.row([rng.choice(["自评等级", "绩效等级", "评价等级"]), gr_s], "other")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [gr_id], "score": [t_id]})
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    _problem_rows(b, rng, f, gold)
    b.blank()
    if rng.random() < 0.5:
        b.row(["单位负责人：", "财务负责人：", "填表人："], "other")
    else:
        b.row(["填报人：", "联系电话：", f"日期：{f.date}"], "other")
    notes.append("Indicator table: 一级/二级 cells " + ("only on the first row of their group (merged cells), filled down in gold."
                                                       if merged else "printed on every row."))
    if variant == "split":
        notes.append("Split 指标性质 / 指标值 / 度量单位 columns: target = the three cells joined ('≥' '12000' '人' → '≥12000人'), "
                     "actual = 实际完成值 + 度量单位.")
    return gold
