"""The narrative 部门整体支出绩效自评报告 (overall_report; score_report adds the score table):
money in sentences, indicators in prose or in a goal table, 自评结论, 存在的问题, 改进措施.

``_narrative`` prints the report section by section; each step draws from the random generator
in the order the report is read, so a seed gives the same report."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from pipeline.synth.builder import _Builder
from pipeline.synth.common import (
    _empty_gold, _exec_rate, _grade, _ind_gold, _numtext, _off_amount, _off_rate, _rate_style, _score_total,
    _year_marks,
)
from pipeline.synth.content import _FILLER
from pipeline.synth.facts import _Facts, _facts
from pipeline.synth.score_table import _frame_rows, _print_frame_rows
from pipeline.synth.values import FEN_PER_WAN, _exact, _rate_text, _score_text, _wan


@dataclass
class _Story:
    """What the sections of one narrative report share: its facts and gold, the printed years, the
    unit style, and the marks and figures of the money section the later sections refer to."""

    f: _Facts
    gold: dict[str, Any]
    years: list[str]
    unit_style: str  # 万元 | 元 | 亿元 (the two big totals only)
    need_change: set[str]
    prose_unit: str = "万元"
    i_id: int = 0  # marks: initial, adjusted, actual, execution rate
    a_id: int = 0
    x_id: int = 0
    r_id: int = 0
    rate: str = ""
    parts_where: str | None = None  # budget | actual | three: where parts_do_not_sum is planted
    basic: tuple[int, int] = (0, 0)  # (budget, actual) as printed
    project: tuple[int, int] = (0, 0)
    three_parts: list[list[Any]] = field(default_factory=list)

    def money(self, b: _Builder, fen: int, switch: bool = True) -> str:
        return b.money(fen, self.prose_unit, switch=switch)

    def total_money(self, b: _Builder, fen: int) -> str:
        return b.money(fen, "亿元") if self.unit_style == "亿元" else self.money(b, fen)


def _narrative(b: _Builder, rng: random.Random, with_scores: bool) -> dict[str, Any]:
    f, unit_style, need_change = _narrative_facts(b, rng)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="overall_report")
    years, _ = _year_marks(b, rng, f.year, 5)
    story = _Story(f, gold, years, unit_style, need_change)
    _preamble(b, rng, story)
    _budget_section(b, rng, story)
    _execution_section(b, rng, story)
    _three_public_section(b, rng, story)
    _indicator_section(b, rng, story)
    _conclusion_section(b, rng, story, with_scores)
    _closing(b, rng, story)
    return gold


def _narrative_facts(b: _Builder, rng: random.Random) -> tuple[_Facts, str, set[str]]:
    """The facts, with the unit style and the adjustment a plant needs."""
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
    return f, unit_style, need_change


def _preamble(b: _Builder, rng: random.Random, story: _Story) -> None:
    """Title, the preamble and 一、部门基本情况."""
    f, years = story.f, story.years
    place = f.dept[: -len(f.bureau.name)]
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


def _verb(rng: random.Random) -> str:
    return rng.choice(["", "", "为"])


def _budget_section(b: _Builder, rng: random.Random, story: _Story) -> None:
    """二、部门整体支出情况 and its （一）预算安排情况: initial, the adjustment, adjusted, and the
    basic / project split of the adjusted budget."""
    f, notes = story.f, b.notes
    b.add("heading", "二、部门整体支出情况")
    story.prose_unit = "元" if story.unit_style == "元" else "万元"
    if story.unit_style == "元":
        notes.append("All amounts are printed in 元 (元-precise); gold divides by 10000 keeping all decimals.")
    elif story.unit_style == "亿元":
        notes.append("The initial and full-year budgets are printed in 亿元 (gold × 10000), the other amounts in 万元.")
    L_init = rng.choice(["年初预算", "年初预算数", "年初批复预算"])
    L_adj = rng.choice(["全年预算", "全年预算数", "调整后预算数", "调整后全年预算"])
    i_s, story.i_id = b.mark(story.total_money(b, f.initial))
    a_s, story.a_id = b.mark(story.total_money(b, f.adjusted))
    clause, c_id, style, adj_planted = _adjustment_clause(b, rng, story)
    arate_text = _adjustment_rate(b, rng, story)
    if c_id is not None:
        terms = ({"total": [story.a_id], "parts": [story.i_id, c_id]} if style != "调减"
                 else {"total": [story.a_id], "parts": [story.i_id], "minus": [c_id]})
        b.check("adjustment_sum_mismatch", "sum", adj_planted, terms)
    _printed_parts(b, rng, story)
    (ba, _), (pa, _) = story.basic, story.project
    b_s, b_id = b.mark(story.money(b, ba))
    p_s, p_id = b.mark(story.money(b, pa))
    b.add("prose", f"（一）预算安排情况。{story.years[2]}年我局{L_init}{_verb(rng)}{i_s}，{clause}{L_adj}{_verb(rng)}{a_s}{arate_text}。"
                   f"其中：基本支出{b_s}，项目支出{p_s}。")
    b.check("parts_do_not_sum", "sum", story.parts_where == "budget", {"total": [story.a_id], "parts": [b_id, p_id]})


def _adjustment_clause(b: _Builder, rng: random.Random, story: _Story) -> tuple[str, int | None, str, bool]:
    """The clause that states the year's adjustment (追加 / 调减 / 预算调整数 N, or without an amount):
    (clause, its mark, style, planted)."""
    f, g, notes = story.f, story.gold["budget"], b.notes
    change = f.adjustment
    if change > 0:
        style = rng.choice(["追加", "调整数", "none"])
    elif change < 0:
        style = rng.choice(["调减", "调整数", "none"])
    else:
        style = "zero"
    if story.need_change & {"adjustment_sum_mismatch"} and style not in ("追加", "调整数"):
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
        c_s, c_id = b.mark(story.money(b, printed_change))
        clause = f"年中根据{reason}追加预算{c_s}，"
        g["adjustment"] = _wan(printed_change)
        notes.append("追加预算 in prose is the signed change: budget.adjustment.")
    elif style == "调减":
        c_s, c_id = b.mark(story.money(b, -printed_change))
        clause = f"年中调减预算{c_s}，"
        g["adjustment"] = _wan(printed_change)
        notes.append("调减预算 N in prose is a negative change: budget.adjustment = -N.")
    elif style == "调整数":
        c_s, c_id = b.mark(story.money(b, printed_change))
        clause = f"预算调整数{c_s}，"
        g["adjustment"] = _wan(printed_change)
    elif style == "none":
        clause = rng.choice(["年中根据工作需要追加调整，", "经年中调整后，"])
        notes.append("The adjustment is mentioned without an amount: budget.adjustment is null.")
    else:  # no change: the report simply prints the same total twice
        clause = ""
    return clause, c_id, style, adj_planted


def _adjustment_rate(b: _Builder, rng: random.Random, story: _Story) -> str:
    """'，预算调整率X%' after the adjusted budget (sometimes, always under its plant), or ''."""
    f = story.f
    change = f.adjustment
    if not (change > 0 and (rng.random() < 0.3 or "adjustment_rate_mismatch" in b.plants)):
        return ""
    arate = _rate_text(change, f.initial, 2)
    ar_planted = b.plant("adjustment_rate_mismatch")
    if ar_planted:
        wrong = _off_rate(rng, arate) if Decimal(arate) >= 30 else f"{Decimal(arate) + Decimal(rng.choice([2, 3, 5])):.2f}"
        b.notes.append(f"PLANTED adjustment_rate_mismatch: 预算调整率 printed {wrong}% but ({_exact(f.adjusted, '万元')} − "
                       f"{_exact(f.initial, '万元')})/{_exact(f.initial, '万元')} = {arate}%. Gold keeps the printed value.")
        arate = wrong
    ar_s, ar_id = b.mark(b.rate(arate))
    story.gold["budget"]["adjustment_rate"] = float(arate)
    b.check("adjustment_rate_mismatch", "change_ratio", ar_planted, {"rate": [ar_id], "new": [story.a_id], "base": [story.i_id]})
    return f"，预算调整率{ar_s}"


def _printed_parts(b: _Builder, rng: random.Random, story: _Story) -> None:
    """The basic / project figures as printed: a parts_do_not_sum plant mistypes the project
    budget or actual (or, later, the “三公” actual)."""
    f, notes = story.f, b.notes
    (bi, ba, bx), (pi, pa, px) = f.basic, f.project
    if b.plant("parts_do_not_sum"):
        story.parts_where = rng.choice(["budget", "actual"] + ([] if "unit_suspect" in b.plants else ["three"]))
    story.three_parts = [list(p) for p in f.three_parts]
    if story.parts_where == "budget":
        wrong = _off_amount(rng, pa, 10_000)
        notes.append(f"PLANTED parts_do_not_sum: 基本支出 {_exact(ba, '万元')} + 项目支出 {_exact(wrong, '万元')} ≠ the full-year "
                     f"budget {_exact(f.adjusted, '万元')}. Gold keeps the printed 项目支出 budget.")
        pa = wrong
    elif story.parts_where == "actual":
        wrong = _off_amount(rng, px, f.quantum)
        notes.append(f"PLANTED parts_do_not_sum: 基本支出 {_exact(bx, '万元', 2, 6)} + 项目支出 {_exact(wrong, '万元', 2, 6)} ≠ the "
                     f"actual {_exact(f.actual, '万元', 2, 6)}. Gold keeps the printed 项目支出 actual.")
        px = wrong
    story.basic, story.project = (ba, bx), (pa, px)


def _execution_section(b: _Builder, rng: random.Random, story: _Story) -> None:
    """（二）预算执行情况: the actual spending, its basic / project parts, the execution rate and the
    year-end remainder."""
    f, g, notes = story.f, story.gold["budget"], b.notes
    (ba, bx), (pa, px) = story.basic, story.project
    L_act = rng.choice(["实际支出", "全年实际支出", "决算数", "全年执行数", "累计支出"])
    L_act2 = rng.choice(["", "实际支出", "决算数"]) if re.search("实际支出|决算|执行", L_act) else rng.choice(["实际支出", "决算数"])
    L_rate = rng.choice(["预算执行率", "预算执行率", "预算完成率", "资金支出率", "执行率"])
    rate, rate_planted = _exec_rate(b, rng, f.actual, f.adjusted, _rate_style(rng))
    x_s, x_id = b.mark(story.money(b, f.actual))
    bx_s, bx_id = b.mark(story.money(b, bx))
    px_s, px_id = b.mark(story.money(b, px))
    r_s, r_id = b.mark(b.rate(rate))
    story.x_id, story.r_id, story.rate = x_id, r_id, rate
    remainder = ""
    if rng.random() < 0.5 or "remainder_mismatch" in b.plants:
        rest = f.adjusted - f.actual
        rem_planted = b.plant("remainder_mismatch")
        if rem_planted:
            wrong = _off_amount(rng, rest, f.quantum) if rest > 10 * FEN_PER_WAN else rest + rng.randint(2, 30) * FEN_PER_WAN
            notes.append(f"PLANTED remainder_mismatch: the text says 结转结余 {_exact(wrong, '万元', 2, 6)} 万元 but "
                         f"{_exact(f.adjusted, '万元')} − {_exact(f.actual, '万元', 2, 6)} = {_exact(rest, '万元', 2, 6)}.")
            rest = wrong
        rm_s, rm_id = b.mark(story.money(b, rest, switch=False))
        remainder = f"年末结转结余{rm_s}，主要为{rng.choice(['项目尾款尚未达到支付条件', '工程质保金及审计后待付款项', '跨年度实施项目的结转资金'])}。"
        b.check("remainder_mismatch", "difference", rem_planted, {"stated": [rm_id], "a": [story.a_id], "b": [x_id]})
    b.add("prose", f"（二）预算执行情况。{story.years[3]}年度{L_act}{x_s}，其中基本支出{L_act2}{bx_s}，项目支出{L_act2}{px_s}，"
                   f"{L_rate}{_verb(rng)}{r_s}。{remainder}")
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [story.a_id]})
    b.check("parts_do_not_sum", "sum", story.parts_where == "actual", {"total": [x_id], "parts": [bx_id, px_id]})
    g.update(initial=_wan(f.initial), adjusted=_wan(f.adjusted), actual=_wan(f.actual), execution_rate=float(rate))
    g["basic"].update(budget=_wan(ba), actual=_wan(bx))
    g["project"].update(budget=_wan(pa), actual=_wan(px))


def _three_public_section(b: _Builder, rng: random.Random, story: _Story) -> None:
    """（三）“三公”经费情况: budget, actual and (often) its three items; a unit_suspect plant prints
    the smallest item in 元 among 万元 amounts."""
    f, notes = story.f, b.notes
    tb, tx = f.three[1], f.three[2]
    want_items = rng.random() < 0.6 or "unit_suspect" in b.plants or story.parts_where == "three"
    tb_s = story.money(b, tb, switch=False)
    three_total = tx
    if story.parts_where == "three":
        three_total = _off_amount(rng, tx, 10_000) if tx >= 10 * FEN_PER_WAN else tx + rng.randint(1, 9) * FEN_PER_WAN
        notes.append(f"PLANTED parts_do_not_sum: the “三公” items add up to {_exact(tx, '万元')} but the “三公” actual is "
                     f"printed {_exact(three_total, '万元')}. Gold keeps the printed actual.")
    tx_s, tx_id = b.mark(story.money(b, three_total, switch=False))
    items = _three_public_items(b, rng, story, tx_id) if want_items else ""
    L3b = rng.choice(["预算", "全年预算", "预算数"])
    L3a = rng.choice(["实际支出", "决算数"])
    b.add("prose", f"（三）“三公”经费情况。{f.year}年“三公”经费{L3b}{tb_s}，{L3a}{tx_s}{items}。")
    story.gold["budget"]["three_public"].update(budget=_wan(tb), actual=_wan(three_total))
    b.blank()


def _three_public_items(b: _Builder, rng: random.Random, story: _Story, tx_id: int) -> str:
    """'，其中<item>X，…' after the “三公” actual, with its sum (or unit_sum) check."""
    three_parts, notes = story.three_parts, b.notes
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
                         f"the items add up to the “三公” actual {_exact(story.f.three[2], '万元')}. No record field holds it.")
        else:
            shown = story.money(b, value, switch=False) if value else "0" + story.prose_unit
        s, sid = b.mark(shown)
        ids.append(sid)
        texts.append(f"{label}{s}")
    b.check("unit_suspect" if suspect is not None else "parts_do_not_sum", "unit_sum" if suspect is not None else "sum",
            suspect is not None or story.parts_where == "three", {"total": [tx_id], "parts": ids})
    return "，其中" + "，".join(texts)


def _indicator_section(b: _Builder, rng: random.Random, story: _Story) -> None:
    """三、部门整体绩效目标完成情况: the indicators as prose under level headings, or as a goal table."""
    f = story.f
    b.add("heading", "三、部门整体绩效目标完成情况")
    if rng.random() < 0.5:
        _indicator_prose(b, rng, f)
    else:
        b.add("prose", "我局围绕年初设定的部门整体绩效目标，扎实推进各项工作，主要指标完成情况见下表。")
        b.add("label", f"表1  {f.year}年度部门整体绩效目标完成情况")
        h_t = rng.choice(["年度目标值", "年度指标值", "指标值"])
        h_a = rng.choice(["实际完成值", "完成值", "全年完成值"])
        b.row(["一级指标", "二级指标", "三级指标", h_t, h_a, "完成情况"], "header")
        for ind in f.indicators:
            b.row([ind.level1, ind.level2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual),
                   "已完成" if ind.completed else "未完成"], "indicator", name_col=2)
        b.notes.append("indicators = the goal table 表1 (level1 printed on every row).")
    story.gold["indicators"] = [_ind_gold(b, i) for i in f.indicators]
    b.blank()


def _indicator_prose(b: _Builder, rng: random.Random, f: _Facts) -> None:
    """Indicators as sentences '<name>，年度指标值X，实际完成值Y' under （一）… level-1 headings, one
    numbered sentence per level 2."""
    L_t = rng.choice(["年度指标值", "年度目标", "目标值"])
    L_a = rng.choice(["实际完成值", "实际完成", "完成值"])
    k = 0
    for level1 in ("产出指标", "效益指标", "满意度指标"):
        group = [i for i in f.indicators if i.level1 == level1]
        if not group:
            continue
        b.add("heading", f"（{['一', '二', '三'][k]}）{level1}")
        k += 1
        seconds = []
        for ind in group:
            if ind.level2 not in seconds:
                seconds.append(ind.level2)
        for j, level2 in enumerate(seconds):
            items_text = "；".join(f"{i.name}，{L_t}{_numtext(b, i.target)}，{L_a}{_numtext(b, i.actual)}"
                                  for i in group if i.level2 == level2)
            prefix = f"{j + 1}." if level1 != "满意度指标" or len(seconds) > 1 else ""
            b.add("prose", f"{prefix}{level2}：{items_text}。")
    b.notes.append("Indicators are prose ('<name>，年度指标值X，实际完成值Y'); level1 from the （一）（二）（三） headings; "
                   "targets/actuals given without OCR spaces.")


def _conclusion_section(b: _Builder, rng: random.Random, story: _Story, with_scores: bool) -> None:
    """四、自评结论: the total score and grade in a sentence (perhaps restating the execution rate),
    and for the score report the score table 表2 whose rows add up to the total."""
    f, rate = story.f, story.rate
    b.add("heading", "四、自评结论")
    frame_rows = []
    if with_scores:
        def score_of(name: str, w: int) -> int:
            if name == "预算执行率":
                s = int((Decimal(w * 100) * Decimal(rate) / 100).quantize(Decimal(10), rounding=ROUND_DOWN))
                return min(s, w * 100)
            return w * 100 - rng.choice([0, 0, 0, 50, 100, 150]) if w > 2 else w * 100

        frame_rows = _frame_rows(rng, f, score_of)
        total, tplanted = _score_total(b, rng, sum(row.score for row in frame_rows))
    else:
        total, tplanted = rng.randint(780, 985) * 10, False
    grade, gplanted = _grade(b, rng, total)
    L_score = rng.choice(["自评得分", "自评得分", "自评总分", "综合评分", "prose"])
    L_grade = rng.choice(["评价等级", "自评等级", "绩效等级"])
    sc_s, sc_id = b.mark(b.score(total))
    gr_s, gr_id = b.mark(grade)
    score_phrase = f"自评得{sc_s}分" if L_score == "prose" else f"{L_score}{sc_s}分"
    conflict = _restated_rate(b, rng, story)
    b.add("prose", f"{rng.choice(['对照部门整体支出绩效评价指标体系逐项打分', '按照财政部门印发的评价指标体系，从投入、过程、产出、效益四个方面逐项自评打分'])}，"
                   f"经综合评价，我局{story.years[4]}年度部门整体支出绩效{score_phrase}，{L_grade}为“{gr_s}”。{conflict}")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [gr_id], "score": [sc_id]})
    if with_scores:
        b.add("prose", "各项指标得分情况如下：")
        b.add("label", "表2  部门整体支出绩效自评评分表")
        b.row(["一级指标", "二级指标", "三级指标", "分值", "得分"], "header")
        score_ids = _print_frame_rows(b, frame_rows, remarks=False)
        tt_s, tt_id = b.mark(b.score(total))
        b.row(["合计", "", "", "100", tt_s], "total")
        b.check("score_items_do_not_sum", "sum", tplanted, {"total": [tt_id], "parts": score_ids})
        b.check("conflicting_statement", "equal", False, {"values": [sc_id, tt_id]})
        b.notes.append("Score: the 自评结论 sentence and the 表2 合计 row print the same total; the score-table rows are "
                       "score items, not indicators.")
    story.gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    b.blank()


def _restated_rate(b: _Builder, rng: random.Random, story: _Story) -> str:
    """A sentence of the conclusion restating the execution rate (sometimes, always under a
    conflicting_statement plant, which restates it differently), or ''."""
    f, rate = story.f, story.rate
    if not (rng.random() < 0.3 or "conflicting_statement" in b.plants):
        return ""
    c_planted = b.plant("conflicting_statement")
    restated = rate
    if c_planted:
        true = _rate_text(f.actual, f.adjusted, len(rate.split(".")[1]) if "." in rate else 0)
        restated = true if true != rate else _off_rate(rng, rate)
        if Decimal(restated) == Decimal(rate):
            restated = _off_rate(rng, rate)
        b.notes.append(f"PLANTED conflicting_statement: the 自评结论 restates the execution rate as {restated}% while the "
                       f"预算执行情况 section prints {rate}%. Gold keeps the money section's {Decimal(rate).normalize():f}.")
    rs_s, rs_id = b.mark(b.rate(restated))
    b.check("conflicting_statement", "equal", c_planted, {"values": [story.r_id, rs_id]})
    return f"全年部门预算执行率{rs_s}，各项绩效目标基本完成。"


def _closing(b: _Builder, rng: random.Random, story: _Story) -> None:
    """五、存在的问题, 六、改进措施 and the signature."""
    f, gold = story.f, story.gold
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
