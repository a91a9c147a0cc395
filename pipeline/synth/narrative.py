"""The narrative 部门整体支出绩效自评报告 (overall_report; score_report adds the score table):
money in sentences, indicators in prose or in a goal table, 自评结论, 存在的问题, 改进措施."""

from __future__ import annotations

import random
import re
from decimal import ROUND_DOWN, Decimal
from typing import Any

from pipeline.synth.builder import _Builder
from pipeline.synth.common import (
    _empty_gold, _exec_rate, _grade, _ind_gold, _numtext, _off_amount, _off_rate, _rate_style, _score_total,
    _year_marks
)
from pipeline.synth.content import _FILLER
from pipeline.synth.facts import _facts
from pipeline.synth.values import FEN_PER_WAN, _exact, _rate_text, _score_text, _wan

from pipeline.synth.score_table import _SCORE_FRAME


def _narrative(b: _Builder, rng: random.Random, with_scores: bool) -> dict[str, Any]:
    # Unit style (a variant at every level, not noise): 万元 throughout; 元 throughout (元-precise
    # figures); or the two big totals in 亿元 ('年初预算1.2046亿元'), the rest in 万元.
    unit_style = rng.choices(["万元", "元", "亿元"], [0.7, 0.15, 0.15])[0]
    if unit_style == "元" and "unit_suspect" in b.plants:
        unit_style = "万元"  # a 元 amount is only suspect among 万元 amounts
    f = _facts(rng, b.layout, b, yuan=unit_style == "元")
    if unit_style == "亿元":
        if f.initial < 10_000 * FEN_PER_WAN:
            unit_style = "万元"
        else:  # totals in whole 万元, so that 亿元 prints them with 4 decimals
            cut_i, cut_a = f.initial % FEN_PER_WAN, f.adjusted % FEN_PER_WAN
            f.initial -= cut_i
            f.adjusted -= cut_a
            f.basic = (f.basic[0] - cut_i, f.basic[1], f.basic[2])
            f.project = (f.project[0], f.project[1] - cut_a, f.project[2])
    need_change = b.plants & {"adjustment_sum_mismatch", "adjustment_rate_mismatch"}
    if need_change and f.adjusted <= f.initial:  # an adjustment (rate) plant needs an increase
        extra = f.initial - f.adjusted + int(f.initial * rng.uniform(0.03, 0.15)) // 10_000 * 10_000 + 10_000
        f.adjusted += extra
        f.project = (f.project[0], f.project[1] + extra, f.project[2])
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="overall_report")
    g = gold["budget"]
    place = f.dept[: -len(f.bureau.name)]
    notes = b.notes
    years, year_ids = _year_marks(b, rng, f.year, 5)
    # --- title and preamble
    suffix = rng.choice(["部门整体支出绩效自评报告", "部门整体支出绩效自评报告", "部门整体支出绩效评价报告", "部门预算整体绩效自评报告"])
    t = rng.random()
    if t < 0.4:
        b.add("title", f.dept)
        b.add("title", f"{years[0]}年度{suffix}")
    elif t < 0.75:
        b.add("title", f"{f.dept}{years[0]}年度{suffix}")
    else:
        b.add("title", f"{years[0]}年度{f.dept}{suffix}")
    b.blank()
    abbr = place[-3:-1] if len(place) >= 3 else place[:2]
    b.add("prose", f"根据《{place}财政局关于开展{years[1]}年度部门整体支出绩效自评工作的通知》（{abbr}财绩〔{f.year + 1}〕"
                   f"{rng.randint(2, 40)}号）要求，我局对{f.year}年度部门整体支出情况开展了绩效自评，现将有关情况报告如下：")
    b.blank()
    b.add("heading", "一、部门基本情况")
    duties = "、".join(rng.sample(f.bureau.duties, 3))
    b.add("filler", f"（一）部门职能。{f.dept}主要负责{duties}等工作，" + rng.choice(_FILLER))
    staff = rng.randint(25, 480)
    admin = rng.randint(8, max(9, staff // 3))
    b.add("filler", f"（二）机构和人员情况。我局内设科室{rng.randint(5, 14)}个，下属事业单位{rng.randint(1, 8)}个，"
                    f"{f.year}年末在职人员{staff}人，其中行政编制{admin}人、事业编制{staff - admin}人。")
    if rng.random() < 0.5:
        b.add("filler", "（三）年度主要工作。" + "".join(rng.sample(_FILLER, 2)))
    b.blank()
    # --- money
    b.add("heading", "二、部门整体支出情况")
    prose_unit = "元" if unit_style == "元" else "万元"
    money = lambda fen, switch=True: b.money(fen, prose_unit, switch=switch)  # noqa: E731
    total_money = (lambda fen: b.money(fen, "亿元")) if unit_style == "亿元" else money  # noqa: E731
    if unit_style == "元":
        notes.append("All amounts are printed in 元 (元-precise); gold divides by 10000 keeping all decimals.")
    elif unit_style == "亿元":
        notes.append("The initial and full-year budgets are printed in 亿元 (gold × 10000), the other amounts in 万元.")
    verb = lambda: rng.choice(["", "", "为"])  # noqa: E731
    L_init = rng.choice(["年初预算", "年初预算数", "年初批复预算"])
    L_adj = rng.choice(["全年预算", "全年预算数", "调整后预算数", "调整后全年预算"])
    change = f.adjustment
    i_s, i_id = b.mark(total_money(f.initial))
    a_s, a_id = b.mark(total_money(f.adjusted))
    if change > 0:
        style = rng.choice(["追加", "调整数", "none"])
    elif change < 0:
        style = rng.choice(["调减", "调整数", "none"])
    else:
        style = "zero"
    if need_change & {"adjustment_sum_mismatch"} and style not in ("追加", "调整数"):
        style = "追加"
    adj_planted = style in ("追加", "调整数", "调减") and b.plant("adjustment_sum_mismatch")
    printed_change = change
    if adj_planted:
        printed_change = _off_amount(rng, abs(change), 10_000) * (1 if change > 0 else -1)
        notes.append(f"PLANTED adjustment_sum_mismatch: initial {_exact(f.initial, '万元')} + adjustment "
                     f"{_exact(printed_change, '万元')} ≠ adjusted {_exact(f.adjusted, '万元')}. Gold keeps the printed adjustment.")
    reason = rng.choice(["工作需要", "防汛救灾等任务需要", "上级专项资金下达", "重点项目建设需要"])
    c_id = None
    if style == "追加":
        c_s, c_id = b.mark(money(printed_change))
        clause = f"年中根据{reason}追加预算{c_s}，"
        g["adjustment"] = _wan(printed_change)
        notes.append("追加预算 in prose is the signed change: budget.adjustment.")
    elif style == "调减":
        c_s, c_id = b.mark(money(-printed_change))
        clause = f"年中调减预算{c_s}，"
        g["adjustment"] = _wan(printed_change)
        notes.append("调减预算 N in prose is a negative change: budget.adjustment = -N.")
    elif style == "调整数":
        c_s, c_id = b.mark(money(printed_change))
        clause = f"预算调整数{c_s}，"
        g["adjustment"] = _wan(printed_change)
    elif style == "none":
        clause = rng.choice(["年中根据工作需要追加调整，", "经年中调整后，"])
        notes.append("The adjustment is mentioned without an amount: budget.adjustment is null.")
    else:  # no change: the report simply prints the same total twice
        clause = ""
    arate_text = ""
    ar_planted = False
    if change > 0 and (rng.random() < 0.3 or "adjustment_rate_mismatch" in b.plants):
        arate = _rate_text(change, f.initial, 2)
        ar_planted = b.plant("adjustment_rate_mismatch")
        if ar_planted:
            wrong = _off_rate(rng, arate) if Decimal(arate) >= 30 else f"{Decimal(arate) + Decimal(rng.choice([2, 3, 5])):.2f}"
            notes.append(f"PLANTED adjustment_rate_mismatch: 预算调整率 printed {wrong}% but ({_exact(f.adjusted, '万元')} − "
                         f"{_exact(f.initial, '万元')})/{_exact(f.initial, '万元')} = {arate}%. Gold keeps the printed value.")
            arate = wrong
        ar_s, ar_id = b.mark(b.rate(arate))
        arate_text = f"，预算调整率{ar_s}"
        g["adjustment_rate"] = float(arate)
        b.check("adjustment_rate_mismatch", "change_ratio", ar_planted, {"rate": [ar_id], "new": [a_id], "base": [i_id]})
    if c_id is not None:
        terms = {"total": [a_id], "parts": [i_id, c_id]} if style != "调减" else {"total": [a_id], "parts": [i_id], "minus": [c_id]}
        b.check("adjustment_sum_mismatch", "sum", adj_planted, terms)
    (bi, ba, bx), (pi, pa, px) = f.basic, f.project
    tb, tx = f.three[1], f.three[2]
    parts_plant = b.plant("parts_do_not_sum")
    parts_where = None
    if parts_plant:
        parts_where = rng.choice(["budget", "actual"] + ([] if "unit_suspect" in b.plants else ["three"]))
    three_parts = [list(p) for p in f.three_parts]
    if parts_where == "budget":
        wrong = _off_amount(rng, pa, 10_000)
        notes.append(f"PLANTED parts_do_not_sum: 基本支出 {_exact(ba, '万元')} + 项目支出 {_exact(wrong, '万元')} ≠ the full-year "
                     f"budget {_exact(f.adjusted, '万元')}. Gold keeps the printed 项目支出 budget.")
        pa = wrong
    elif parts_where == "actual":
        wrong = _off_amount(rng, px, f.quantum)
        notes.append(f"PLANTED parts_do_not_sum: 基本支出 {_exact(bx, '万元', 2, 6)} + 项目支出 {_exact(wrong, '万元', 2, 6)} ≠ the "
                     f"actual {_exact(f.actual, '万元', 2, 6)}. Gold keeps the printed 项目支出 actual.")
        px = wrong
    b_s, b_id = b.mark(money(ba))
    p_s, p_id = b.mark(money(pa))
    b.add("prose", f"（一）预算安排情况。{years[2]}年我局{L_init}{verb()}{i_s}，{clause}{L_adj}{verb()}{a_s}{arate_text}。"
                   f"其中：基本支出{b_s}，项目支出{p_s}。")
    b.check("parts_do_not_sum", "sum", parts_where == "budget", {"total": [a_id], "parts": [b_id, p_id]})
    # execution
    L_act = rng.choice(["实际支出", "全年实际支出", "决算数", "全年执行数", "累计支出"])
    L_act2 = rng.choice(["", "实际支出", "决算数"]) if re.search("实际支出|决算|执行", L_act) else rng.choice(["实际支出", "决算数"])
    L_rate = rng.choice(["预算执行率", "预算执行率", "预算完成率", "资金支出率", "执行率"])
    rate, rate_planted = _exec_rate(b, rng, f.actual, f.adjusted, _rate_style(rng))
    x_s, x_id = b.mark(money(f.actual))
    bx_s, bx_id = b.mark(money(bx))
    px_s, px_id = b.mark(money(px))
    r_s, r_id = b.mark(b.rate(rate))
    remainder = ""
    if rng.random() < 0.5 or "remainder_mismatch" in b.plants:
        rest = f.adjusted - f.actual
        rem_planted = b.plant("remainder_mismatch")
        if rem_planted:
            wrong = _off_amount(rng, rest, f.quantum) if rest > 10 * FEN_PER_WAN else rest + rng.randint(2, 30) * FEN_PER_WAN
            notes.append(f"PLANTED remainder_mismatch: the text says 结转结余 {_exact(wrong, '万元', 2, 6)} 万元 but "
                         f"{_exact(f.adjusted, '万元')} − {_exact(f.actual, '万元', 2, 6)} = {_exact(rest, '万元', 2, 6)}.")
            rest = wrong
        rm_s, rm_id = b.mark(money(rest, switch=False))
        remainder = f"年末结转结余{rm_s}，主要为{rng.choice(['项目尾款尚未达到支付条件', '工程质保金及审计后待付款项', '跨年度实施项目的结转资金'])}。"
        b.check("remainder_mismatch", "difference", rem_planted, {"stated": [rm_id], "a": [a_id], "b": [x_id]})
    b.add("prose", f"（二）预算执行情况。{years[3]}年度{L_act}{x_s}，其中基本支出{L_act2}{bx_s}，项目支出{L_act2}{px_s}，"
                   f"{L_rate}{verb()}{r_s}。{remainder}")
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [a_id]})
    b.check("parts_do_not_sum", "sum", parts_where == "actual", {"total": [x_id], "parts": [bx_id, px_id]})
    g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), actual=_wan(f.actual), execution_rate=float(rate))
    g["basic"].update(budget=_wan(ba), actual=_wan(bx))
    g["project"].update(budget=_wan(pa), actual=_wan(px))
    # “三公”经费
    want_items = rng.random() < 0.6 or "unit_suspect" in b.plants or parts_where == "three"
    tb_s = money(tb, switch=False)
    three_total = tx
    if parts_where == "three":
        three_total = _off_amount(rng, tx, 10_000) if tx >= 10 * FEN_PER_WAN else tx + rng.randint(1, 9) * FEN_PER_WAN
        notes.append(f"PLANTED parts_do_not_sum: the “三公” items add up to {_exact(tx, '万元')} but the “三公” actual is "
                     f"printed {_exact(three_total, '万元')}. Gold keeps the printed actual.")
    tx_s, tx_id = b.mark(money(three_total, switch=False))
    items = ""
    if want_items:
        suspect = None
        if b.plant("unit_suspect"):
            nonzero = [k for k, (_, v) in enumerate(three_parts) if v > 0]
            suspect = min(nonzero, key=lambda k: three_parts[k][1])
        ids = []
        texts = []
        for k, (label, value) in enumerate(three_parts):
            label = label if rng.random() < 0.5 else label.replace("购置及", "")
            if k == suspect:
                shown = b.numeral(_exact(value, "万元")) + "元"
                notes.append(f"PLANTED unit_suspect: {label} is printed '{_exact(value, '万元')}元' among 万元 amounts; read as 万元 "
                             f"the items add up to the “三公” actual {_exact(tx, '万元')}. No record field holds it.")
            else:
                shown = money(value, switch=False) if value else "0" + prose_unit
            s, sid = b.mark(shown)
            ids.append(sid)
            texts.append(f"{label}{s}")
        items = "，其中" + "，".join(texts)
        b.check("unit_suspect" if suspect is not None else "parts_do_not_sum", "unit_sum" if suspect is not None else "sum",
                suspect is not None or parts_where == "three", {"total": [tx_id], "parts": ids})
    L3b = rng.choice(["预算", "全年预算", "预算数"])
    L3a = rng.choice(["实际支出", "决算数"])
    b.add("prose", f"（三）“三公”经费情况。{f.year}年“三公”经费{L3b}{tb_s}，{L3a}{tx_s}{items}。")
    g["three_public"].update(budget=_wan(tb), actual=_wan(three_total))
    b.blank()
    # --- indicators
    b.add("heading", "三、部门整体绩效目标完成情况")
    if rng.random() < 0.5:
        L_t = rng.choice(["年度指标值", "年度目标", "目标值"])
        L_a = rng.choice(["实际完成值", "实际完成", "完成值"])
        level1_names = {"产出指标": "（一）产出指标", "效益指标": "（二）效益指标", "满意度指标": "（三）满意度指标"}
        current1 = None
        k = 0
        for level1 in ("产出指标", "效益指标", "满意度指标"):
            group = [i for i in f.indicators if i.level1 == level1]
            if not group:
                continue
            head = level1_names[level1]
            if current1 is not None or True:
                n = ["一", "二", "三"][k]
                head = f"（{n}）{level1}"
                k += 1
            b.add("heading", head)
            current1 = level1
            seconds = []
            for ind in group:
                if ind.level2 not in seconds:
                    seconds.append(ind.level2)
            for j, level2 in enumerate(seconds):
                items_text = "；".join(f"{i.name}，{L_t}{_numtext(b, i.target)}，{L_a}{_numtext(b, i.actual)}"
                                      for i in group if i.level2 == level2)
                prefix = f"{j + 1}." if level1 != "满意度指标" or len(seconds) > 1 else ""
                b.add("prose", f"{prefix}{level2}：{items_text}。")
        notes.append("Indicators are prose ('<name>，年度指标值X，实际完成值Y'); level1 from the （一）（二）（三） headings; "
                     "targets/actuals given without OCR spaces.")
    else:
        b.add("prose", "我局围绕年初设定的部门整体绩效目标，扎实推进各项工作，主要指标完成情况见下表。")
        b.add("label", f"表1  {f.year}年度部门整体绩效目标完成情况")
        h_t = rng.choice(["年度目标值", "年度指标值", "指标值"])
        h_a = rng.choice(["实际完成值", "完成值", "全年完成值"])
        b.row(["一级指标", "二级指标", "三级指标", h_t, h_a, "完成情况"], "header")
        for ind in f.indicators:
            b.row([ind.level1, ind.level2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual),
                   "已完成" if ind.completed else "未完成"], "indicator", name_col=2)
        notes.append("indicators = the goal table 表1 (level1 printed on every row).")
    gold["indicators"] = [_ind_gold(b, i) for i in f.indicators]
    b.blank()
    # --- conclusion and score
    b.add("heading", "四、自评结论")
    score_ids: list[int] = []
    frame_rows = []
    if with_scores:
        weights = rng.choice([(20, 20, 30, 30), (15, 15, 40, 30), (10, 20, 40, 30)])
        for (group, subs), points in zip(_SCORE_FRAME, weights):
            leaves = []
            for sub, names in subs:
                for name in (names if names is not None else list(f.bureau.work)):
                    leaves.append((sub, name.format(who=f.who)))
            base = points // len(leaves)
            ws = [base] * len(leaves)
            for k in range(points - base * len(leaves)):
                ws[k] += 1
            for (sub, name), w in zip(leaves, ws):
                if name == "预算执行率":
                    s = int((Decimal(w * 100) * Decimal(rate) / 100).quantize(Decimal(10), rounding=ROUND_DOWN))
                    s = min(s, w * 100)
                else:
                    s = w * 100 - rng.choice([0, 0, 0, 50, 100, 150]) if w > 2 else w * 100
                frame_rows.append((group, points, sub, name, w, s))
        items = sum(r[5] for r in frame_rows)
        total, tplanted = _score_total(b, rng, items)
    else:
        total, tplanted = rng.randint(780, 985) * 10, False
    grade, gplanted = _grade(b, rng, total)
    L_score = rng.choice(["自评得分", "自评得分", "自评总分", "综合评分", "prose"])
    L_grade = rng.choice(["评价等级", "自评等级", "绩效等级"])
    sc_s, sc_id = b.mark(b.score(total))
    gr_s, gr_id = b.mark(grade)
    score_phrase = f"自评得{sc_s}分" if L_score == "prose" else f"{L_score}{sc_s}分"
    conflict = ""
    if rng.random() < 0.3 or "conflicting_statement" in b.plants:
        c_planted = b.plant("conflicting_statement")
        restated = rate
        if c_planted:
            true = _rate_text(f.actual, f.adjusted, len(rate.split(".")[1]) if "." in rate else 0)
            restated = true if true != rate else _off_rate(rng, rate)
            if Decimal(restated) == Decimal(rate):
                restated = _off_rate(rng, rate)
            notes.append(f"PLANTED conflicting_statement: the 自评结论 restates the execution rate as {restated}% while the "
                         f"预算执行情况 section prints {rate}%. Gold keeps the money section's {Decimal(rate).normalize():f}.")
        rs_s, rs_id = b.mark(b.rate(restated))
        conflict = f"全年部门预算执行率{rs_s}，各项绩效目标基本完成。"
        b.check("conflicting_statement", "equal", c_planted, {"values": [r_id, rs_id]})
    b.add("prose", f"{rng.choice(['对照部门整体支出绩效评价指标体系逐项打分', '按照财政部门印发的评价指标体系，从投入、过程、产出、效益四个方面逐项自评打分'])}，"
                   f"经综合评价，我局{years[4]}年度部门整体支出绩效{score_phrase}，{L_grade}为“{gr_s}”。{conflict}")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [gr_id], "score": [sc_id]})
    if with_scores:
        b.add("prose", "各项指标得分情况如下：")
        b.add("label", "表2  部门整体支出绩效自评评分表")
        b.row(["一级指标", "二级指标", "三级指标", "分值", "得分"], "header")
        last_group = last_sub = None
        for group, points, sub, name, w, s in frame_rows:
            g1 = f"{group}（{points}分）" if group != last_group else ""
            g2 = sub if (sub != last_sub or g1) else ""
            last_group, last_sub = group, sub
            s_s, s_id = b.mark(b.score(s))
            score_ids.append(s_id)
            b.row([g1, g2, name, str(w), s_s], "score")
        tt_s, tt_id = b.mark(b.score(total))
        b.row(["合计", "", "", "100", tt_s], "total")
        b.check("score_items_do_not_sum", "sum", tplanted, {"total": [tt_id], "parts": score_ids})
        b.check("conflicting_statement", "equal", False, {"values": [sc_id, tt_id]})
        notes.append("Score: the 自评结论 sentence and the 表2 合计 row print the same total; the score-table rows are "
                     "score items, not indicators.")
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    b.blank()
    # --- problems, improvements, signature
    b.add("heading", "五、" + rng.choice(["存在的问题", "存在的主要问题", "存在问题"]))
    b.add("prose", f.problems)
    b.blank()
    imp = rng.choice(["改进措施", "下一步改进措施", "下一步工作计划", "改进措施及建议"])
    b.add("heading", f"六、{imp}")
    b.add("prose", f.improvements)
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    b.blank()
    b.add("sig", f.dept)
    b.add("sig", f.date)
    return gold
