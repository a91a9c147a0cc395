"""Project tables: the one-project 项目支出绩效自评表 (project_single) and the multi-project
项目支出绩效自评汇总表 with a 合计 row (project_table)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import partial
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.synth.builder import _Builder
from pipeline.synth.common import (
    _check_part_sums, _empty_gold, _exec_rate, _goal_texts, _grade, _indicator_table, _off_amount, _off_rate,
    _part_rows, _problem_rows, _rate_style, _score_total, _year_marks, _year_title,
)
from pipeline.synth.facts import _Facts, _facts, _weigh
from pipeline.synth.values import _amount, _exact, _rate_text, _score_text, _wan


def _project_single(b: _Builder, rng: random.Random) -> dict[str, Any]:
    unit = "万元"
    f = _facts(rng, "project_single", b)
    gold = _empty_gold()
    project = rng.choice(f.bureau.projects)
    place = f.dept[: -len(f.bureau.name)]
    impl = place + rng.choice(["{s}服务中心", "{s}事务中心", "{s}综合执法大队", "{s}技术推广站", "{s}发展中心"]).format(s=f.bureau.short)
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table", subject=project)
    initial = _amount(rng, 20, 3000, 10_000)
    adjusted = initial + rng.choice([0, 0, int(initial * rng.uniform(0.02, 0.2)) // 10_000 * 10_000])
    actual = int(adjusted * rng.uniform(0.8, 1.0)) // 10_000 * 10_000
    years, _ = _year_marks(b, rng, f.year, 2)
    if rng.random() < 0.5:
        b.add("title", "附件2")
        b.blank()
    b.add("title", "项目支出绩效自评表")
    b.add("title", f"（{years[0]}年度）")
    b.blank()
    b.row(["项目名称", project], "info2")
    b.row(["主管部门", f.dept, "实施单位", impl], "info")
    money_score, ms_id = _single_money(b, rng, gold, unit, initial, adjusted, actual)
    goal, done = _goal_texts(f, years[1])
    b.row(["年度总体目标", "预期目标", "实际完成情况"], "goalhead")
    b.row(["", goal, done], "goal")
    _weigh(rng, f.indicators, 90)
    score_ids = [ms_id]
    gold["indicators"] = _indicator_table(b, rng, f, "v1", rng.random() < 0.7, score_ids)
    items = money_score + sum(i.score for i in f.indicators)
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    b.row(["总分", "", "", "", "", "", "100", t_s, ""], "total")
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids})
    grade, gplanted = _grade(b, rng, total)
    gr_s, gr_id = b.mark(grade)
    b.row(["自评等级", gr_s], "other")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [gr_id], "score": [t_id]})
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    if rng.random() < 0.4:
        _problem_rows(b, rng, f, gold)
    b.blank()
    b.row([f"填报单位（盖章）：{impl}", "填报人：", "联系电话：", f"填报日期：{f.date}"], "other")
    b.notes += [
        "One-project 项目支出绩效自评表: report_type = project_table (the enum's only project-level type), subject = 项目名称, "
        "budget = the project's money, projects = [] (the project itself is not repeated).",
        f"department = 主管部门 ({f.dept}), not 实施单位 / 填报单位 ({impl}).",
        "The 年度资金总额 row's 分值 10 / 得分 is the budget-execution item score, part of the 总分.",
    ]
    if gold["problems"] is None:
        b.notes.append("No 存在的问题 / 改进措施 rows: problems and improvements are null (per-indicator deviation notes are not them).")
    return gold


def _single_money(b: _Builder, rng: random.Random, gold: dict[str, Any], unit: str, initial: int, adjusted: int,
                  actual: int) -> tuple[int, int]:
    """The money block of a one-project form: header, 年度资金总额 (its execution-rate item scored)
    and the funding rows 财政拨款 / 上年结转资金 / 其他资金. Returns the item's score and its mark."""
    g = gold["budget"]
    ab = rng.random() < 0.6
    h_init = "年初预算数"
    h_adj = "全年预算数（A）" if ab else rng.choice(["全年预算数", "调整后预算数"])
    h_act = "全年执行数（B）" if ab else rng.choice(["全年执行数", "实际支出数"])
    h_rate = "执行率（B/A）" if ab else rng.choice(["执行率", "预算执行率"])
    rate, rate_planted = _exec_rate(b, rng, actual, adjusted, _rate_style(rng))
    money_score = int((Decimal(rate) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # Funding rows: 财政拨款, 上年结转资金, 其他资金.
    carry = adjusted - initial if adjusted > initial and rng.random() < 0.5 else 0
    ini_rows = [initial, 0, 0]
    adj_rows = [adjusted - carry, carry, 0]
    act_carry = min(carry, int(actual * carry / adjusted) // 10_000 * 10_000) if carry else 0
    act_rows = [actual - act_carry, act_carry, 0]
    pcol = None
    if b.plant("parts_do_not_sum"):
        pcol = rng.choice(["adjusted", "actual"])
        arr = adj_rows if pcol == "adjusted" else act_rows
        wrong = _off_amount(rng, arr[0], 10_000)
        b.notes.append(f"PLANTED parts_do_not_sum: the funding rows of the {pcol} column add up to "
                       f"{_exact(sum(arr) - arr[0] + wrong, '万元')}, not the 年度资金总额 {_exact(sum(arr), '万元')} "
                       f"(财政拨款 printed {_exact(wrong, '万元')}).")
        arr[0] = wrong
    i_s, i_id = b.mark(b.money(initial, unit, prose=False))
    a_s, a_id = b.mark(b.money(adjusted, unit, prose=False))
    x_s, x_id = b.mark(b.money(actual, unit, prose=False))
    r_s, r_id = b.mark(b.rate(rate))
    ms, ms_id = b.mark(b.score(money_score))
    if rng.random() < 0.5:  # the national template puts 分值 before 执行率
        b.row([f"项目资金（{unit}）", "", h_init, h_adj, h_act, "分值", h_rate, "得分"], "header")
        b.row(["", "年度资金总额", i_s, a_s, x_s, "10", r_s, ms], "money", name_col=1)
        dash = ["—", "—", "—"]
    else:
        b.row([f"项目资金（{unit}）", "", h_init, h_adj, h_act, h_rate, "分值", "得分"], "header")
        b.row(["", "年度资金总额", i_s, a_s, x_s, r_s, "10", ms], "money", name_col=1)
        dash = ["—", "—", "—"]
    cols = _part_rows(b, ["其中：财政拨款", "上年结转资金", "其他资金"], list(zip(ini_rows, adj_rows, act_rows)),
                      lambda fen: b.money(fen, unit, prose=False) if fen else "0.00",
                      lambda label, marked, _: ["", label, *marked, *dash])
    _check_part_sums(b, [i_id, a_id, x_id], cols, pcol)
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    g.update(initial=_wan(initial), adjusted=_wan(adjusted), actual=_wan(actual), execution_rate=float(rate))
    return money_score, ms_id


@dataclass(frozen=True)
class _Columns:
    """The optional columns of a summary table (and whether project names carry system codes)."""

    initial: bool
    implementer: bool
    score: bool
    codes: bool


def _project_table(b: _Builder, rng: random.Random) -> dict[str, Any]:
    unit = "元" if rng.random() < 0.2 else "万元"
    f = _facts(rng, "project_table", b, yuan=unit == "元")
    quantum = f.quantum
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_table")
    g = gold["budget"]
    n = rng.randint(4, min(9, len(f.bureau.projects)))
    names = rng.sample(f.bureau.projects, n)
    place = f.dept[: -len(f.bureau.name)]
    impls = [f"{place[-3:]}{f.bureau.short}{s}" for s in ("局本级", "服务中心", "事务中心", "综合执法大队")]
    with_init = rng.random() < 0.8
    with_impl = rng.random() < 0.7
    with_score = rng.random() < 0.6
    with_codes = rng.random() < 0.5
    two_line = with_init and rng.random() < 0.5
    columns = _Columns(with_init, with_impl, with_score, with_codes)
    rows = []
    for name in names:
        adj = _amount(rng, 10, 800, 10_000)
        ini = adj if rng.random() < 0.5 else int(adj * rng.uniform(0.7, 1.15)) // 10_000 * 10_000
        act = int(adj * rng.uniform(0.8, 1.0)) // quantum * quantum
        rows.append([name, ini, adj, act])
    tot_ini, tot_adj, tot_act = (sum(r[k] for r in rows) for k in (1, 2, 3))
    # Plants: one row's rate, the total row's actual, the total row's rate.
    bad_row = rng.randrange(n) if b.plant("project_rate_mismatch") else None
    printed_act = tot_act
    sum_planted = b.plant("parts_do_not_sum")
    if sum_planted:
        printed_act = _off_amount(rng, tot_act, quantum)
        b.notes.append(f"PLANTED parts_do_not_sum: the 合计 row prints 实际支出 {_exact(printed_act, '万元', 2, 6)} 万元 but the rows "
                       f"sum to {_exact(tot_act, '万元', 2, 6)}. The 合计 rate agrees with the printed 合计 figures.")
    rate_style = (2, False)
    total_rate, total_planted = _exec_rate(b, rng, printed_act, tot_adj, rate_style)
    years, _ = _year_marks(b, rng, f.year, 2)
    _year_title(b, rng, f.dept, years[0], "项目支出绩效自评汇总表", one_line=0.6)
    b.blank()
    b.row([f"填报单位（盖章）：{f.dept}", "", "", "", "", "", f"单位：{unit}"], "other")
    _summary_header(b, rng, columns, two_line)
    col_ids = _summary_rows(b, rng, gold, columns, rows, bad_row, unit, impls)
    money = partial(b.money, unit=unit, prose=False)
    ti_s, ti_id = b.mark(money(tot_ini))
    ta_s, ta_id = b.mark(money(tot_adj))
    tx_s, tx_id = b.mark(money(printed_act))
    tr_s, tr_id = b.mark(b.rate(total_rate))
    cells = ["合计", ""] + ([""] if with_impl else []) + ([ti_s] if with_init else []) + [ta_s, tx_s, tr_s]
    cells += ([""] if with_score else []) + [""]
    b.row(cells, "total")
    if with_init:
        b.check("parts_do_not_sum", "sum", False, {"total": [ti_id], "parts": col_ids["initial"]})
    b.check("parts_do_not_sum", "sum", False, {"total": [ta_id], "parts": col_ids["adjusted"]})
    b.check("parts_do_not_sum", "sum", sum_planted, {"total": [tx_id], "parts": col_ids["actual"]})
    b.check("execution_rate_mismatch", "ratio", total_planted, {"rate": [tr_id], "num": [tx_id], "den": [ta_id]})
    g.update(initial=_wan(tot_ini) if with_init else None, adjusted=_wan(tot_adj), actual=_wan(printed_act),
             execution_rate=float(total_rate))
    _summary_closing(b, rng, f, gold, years[1], columns)
    if unit == "元":
        b.notes.append("All amounts are printed in 元 and converted to 万元 by dividing by 10000 with all decimals kept.")
    return gold


def _summary_header(b: _Builder, rng: random.Random, columns: _Columns, two_line: bool) -> None:
    """The header of a summary table, on one line or with 年度预算 over 年初 / 调整后 on two."""
    with_init, with_impl, with_score = columns.initial, columns.implementer, columns.score
    h_init = rng.choice(["年初预算", "年初预算数"])
    h_adj = rng.choice(["调整后预算", "调整后预算数", "全年预算数"])
    h_act = rng.choice(["实际支出", "实际支出数", "全年执行数", "决算数"])
    h_rate = rng.choice(["执行率", "预算执行率", "支出率"])
    cols = ["序号", "项目名称"] + (["实施单位"] if with_impl else [])
    money_cols = ([h_init] if with_init else []) + [h_adj, h_act, h_rate]
    tail = (["自评得分"] if with_score else []) + ["备注"]
    if two_line:
        b.row(cols + ["年度预算", "", h_act, h_rate] + tail, "header")
        b.row([""] * len(cols) + [h_init, h_adj] + [""] * (2 + len(tail)), "header")
    else:
        b.row(cols + money_cols + tail, "header")


def _summary_rows(b: _Builder, rng: random.Random, gold: dict[str, Any], columns: _Columns, rows: list[list[Any]],
                  bad_row: int | None, unit: str, impls: list[str]) -> dict[str, list[int]]:
    """One row per project (a project_rate_mismatch plant misprints ``bad_row``'s rate); returns the
    marks of each money column, for the 合计 row's sums."""
    with_init, with_impl, with_score, with_codes = columns.initial, columns.implementer, columns.score, columns.codes
    name_col = 1
    col_ids: dict[str, list[int]] = {"initial": [], "adjusted": [], "actual": []}
    money = partial(b.money, unit=unit, prose=False)
    for k, (name, ini, adj, act) in enumerate(rows):
        rate = _rate_text(act, adj, 2)
        planted = k == bad_row
        if planted:
            wrong = _off_rate(rng, rate)
            b.notes.append(f"PLANTED project_rate_mismatch: row {k + 1} ({name}) prints {wrong}% but "
                           f"{_exact(act, '万元', 2, 6)}/{_exact(adj, '万元', 2, 6)} = {rate}%. Gold keeps the printed {Decimal(wrong).normalize():f}.")
            rate = wrong
        code = f"{rng.randint(10, 99)}{rng.randint(100000, 999999)}R{rng.randint(10**11, 10**12 - 1)}-" if with_codes and rng.random() < 0.6 else ""
        si, sid = b.mark(money(ini))
        sa, said = b.mark(money(adj))
        sx, sxid = b.mark(money(act))
        sr, srid = b.mark(b.rate(rate))
        cells = [str(k + 1), code + name] + ([rng.choice(impls)] if with_impl else [])
        cells += ([si] if with_init else []) + [sa, sx, sr]
        cells += ([str(rng.randint(82, 99))] if with_score else []) + [rng.choice(["", "", "", "部分尾款未到支付期", "年中调整"])]
        b.row(cells, "project", name_col=name_col)
        if with_init:
            col_ids["initial"].append(sid)
        col_ids["adjusted"].append(said)
        col_ids["actual"].append(sxid)
        b.check("project_rate_mismatch", "ratio", planted, {"rate": [srid], "num": [sxid], "den": [said]})
        gold["projects"].append({"name": name, "budget": _wan(adj), "actual": _wan(act), "execution_rate": float(rate)})
    return col_ids


def _summary_closing(b: _Builder, rng: random.Random, f: _Facts, gold: dict[str, Any], year_text: str,
                     columns: _Columns) -> None:
    """The note under the table, problems and measures, the signature line and the notes."""
    with_codes, with_score = columns.codes, columns.score
    b.add("prose", f"注：本表所列项目均为{year_text}年度部门预算安排的项目支出。")
    p_label = rng.choice(["主要问题", "存在问题"])
    m_label = rng.choice(["整改措施", "改进措施"])
    b.add("prose", f"{p_label}：{f.problems}")
    b.add("prose", f"{m_label}：{f.improvements}")
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    b.blank()
    b.row(["填表人：", "审核人：", f"填报日期：{f.date}"], "other")
    b.notes += [
        "Multi-project 项目支出绩效自评汇总表: the 合计 row goes to budget.initial/adjusted/actual/execution_rate; "
        "basic/project stay null; subject is null; projects[].budget = the full-year budget column the row's rate divides by.",
        "Financial-system codes before some project names are not part of the name." if with_codes else
        "Project names are printed without codes.",
        "No document-level score or grade: evaluation is null." + (" Per-project 自评得分 are not record fields." if with_score else ""),
        f"problems = text after {p_label}：, improvements = text after {m_label}：.",
    ]
