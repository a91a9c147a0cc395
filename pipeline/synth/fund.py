"""Reports on one fund (genre layouts): the narrative fund report (project_report: one unlabelled
allocation, prose fund lists, prose indicators, page furniture before the title) and the
form-style fund report (project_form)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

from pipeline.synth.builder import _Builder
from pipeline.synth.common import (
    _empty_gold, _exec_rate, _grade, _html_heading, _implementer, _ind_gold, _numtext, _off_amount, _rate_style,
    _title_lines, _towns, _fund_name, _year_marks,
)
from pipeline.synth.content import _DETAIL_ITEMS, _FILLER, _ORDINALS, _PERSONS, _SOURCES
from pipeline.synth.facts import _Facts, _Ind, _facts, _indicators
from pipeline.synth.values import FEN_PER_WAN, _amount, _exact, _rate_text, _score_text, _split, _wan


def _fund_indicators_prose(b: _Builder, rng: random.Random, inds: list[_Ind], heading) -> list[dict[str, Any]]:
    """Indicator sentences under numbered level headings (with or without colons), under level-1
    headings only, or without any level heading. Returns the gold indicators."""
    style = rng.choice(["levels", "levels", "level1", "flat"])
    colon1, colon2 = rng.random() < 0.5, rng.random() < 0.5
    sep = rng.choice(["：", "：", "，"])
    L_t = rng.choice(["年度指标值", "年度目标值", "目标值"])
    L_a = rng.choice(["实际完成", "实际完成值", "全年完成"])
    numbered = rng.random() < 0.4
    gold = []

    def sentence(ind: _Ind, k: int) -> str:
        status = ("，指标完成" if rng.random() < 0.5 else "，已完成") if ind.completed else rng.choice(["，未完成", "，未达到目标"])
        num = f"（{k + 1}）" if numbered else ""
        return f"{num}{ind.name}{sep}{L_t}{_numtext(b, ind.target)}，{L_a}{_numtext(b, ind.actual)}{status}。"

    if style == "flat":
        b.add("prose", "主要绩效指标完成情况如下：")
        for k, ind in enumerate(inds):
            b.add("prose", sentence(ind, k))
            gold.append({"level1": None, "level2": None, "name": ind.name, "target": ind.target, "actual": ind.actual})
        b.notes.append("Indicator sentences without any level heading: level1 and level2 are null.")
        return gold
    k1 = 0
    for level1 in ("产出指标", "效益指标", "满意度指标"):
        group = [i for i in inds if i.level1 == level1]
        if not group:
            continue
        heading(f"（{_ORDINALS[k1]}）{level1}" + ("：" if colon1 else ""))
        k1 += 1
        if style == "level1":
            for k, ind in enumerate(group):
                b.add("prose", sentence(ind, k))
                gold.append({"level1": level1, "level2": None, "name": ind.name, "target": ind.target, "actual": ind.actual})
            continue
        seconds = list(dict.fromkeys(i.level2 for i in group))
        for j, level2 in enumerate(seconds):
            b.add("heading", f"{j + 1}.{level2}" + ("：" if colon2 else ""))
            for k, ind in enumerate(i for i in group if i.level2 == level2):
                b.add("prose", sentence(ind, k))
                gold.append({"level1": level1, "level2": level2, "name": ind.name, "target": ind.target, "actual": ind.actual})
    b.notes.append("Indicator sentences under numbered headings: level1 from （一）… headings"
                   + (", level2 from 1.… headings." if style == "levels" else "; no level-2 heading, so level2 is null.")
                   + (" A numbering （1） before a name is not part of it." if numbered else ""))
    return gold


@dataclass
class _Fund:
    """What the sections of one fund report share: facts, gold, the fund, the printed years, how a
    heading is printed, and the money the fund list divides."""

    f: _Facts
    gold: dict[str, Any]
    subject: str
    years: list[str]
    heading: Callable[[str], None]
    list_style: str = ""  # numbered | uses | runon | nested | towns | none
    total: int = 0
    quantum: int = 0
    k: int = 0
    t_id: int = 0
    items: list[tuple[str, int, int | None]] = field(default_factory=list)  # (name, budget, actual)


def _project_report(b: _Builder, rng: random.Random) -> dict[str, Any]:
    """A narrative report on one fund: page furniture, title, overview, the money in sentences and a
    fund list, indicators in prose, score, problems and measures."""
    f = _facts(rng, "project_report", b)
    subject = _fund_name(rng, f.bureau)
    place = f.dept[: -len(f.bureau.name)]
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_report", subject=subject)
    notes = b.notes
    furniture = set(rng.sample(["index", "docx", "stale", "html", "period"], k=rng.randint(1, 2)))
    html = "html" in furniture
    heading = lambda text: b.add("heading", _html_heading(rng, text) if html else text)  # noqa: E731
    years, _ = _year_marks(b, rng, f.year, 3)
    fund = _Fund(f, gold, subject, years, heading)
    _furniture_and_title(b, rng, fund, furniture, place)
    _fund_overview(b, rng, fund, furniture)
    _fund_money(b, rng, fund)
    _fund_list(b, rng, fund)
    b.blank()
    # --- indicators in prose
    heading("三、" + rng.choice(["项目绩效目标完成情况", "绩效指标完成情况", "项目绩效情况"]))
    b.add("prose", f"{years[2]}年，项目围绕年初设定的绩效目标组织实施，具体完成情况如下。")
    inds = _indicators(rng, f.bureau, f.who, rng.randint(4, 7))
    gold["indicators"] = _fund_indicators_prose(b, rng, inds, heading)
    b.blank()
    _fund_closing(b, rng, fund)
    notes.append("Narrative report on one fund: report_type project_report, subject = the fund; budget = the fund's money "
                 "(the section heading gives the scope of the money sentences).")
    if html:
        notes.append("HTML tags around headings are leftovers of a mirror site.")
    return gold


def _furniture_and_title(b: _Builder, rng: random.Random, fund: _Fund, furniture: set[str], place: str) -> None:
    """Page furniture of the publishing site or the converter before the title, then the title."""
    f, subject, years, notes = fund.f, fund.subject, fund.years, b.notes
    html = "html" in furniture
    if "index" in furniture:
        b.row([f"索引号：{rng.randint(10**10, 10**11 - 1)}/{f.year + 1}-{rng.randint(1, 300):05d}", f"发布机构：{place}财政局"], "other")
        b.row([f"发布日期：{f.year + 1}-{rng.randint(3, 9):02d}-{rng.randint(1, 28):02d}", "主题分类：财政资金"], "other")
        notes.append("索引号 / 发布机构 / 发布日期 rows of the publishing site come before the title; their date is not the fiscal year.")
    if "docx" in furniture:
        b.add("furniture", f"{subject}绩效自评报告.docx    作者：Administrator    修改时间：{f.year + 1}/{rng.randint(1, 6)}/"
                           f"{rng.randint(1, 28)} {rng.randint(8, 18)}:{rng.randint(0, 59):02d}")
        notes.append("A line of docx metadata (file name, author, modification time) precedes the title.")
    if "stale" in furniture:
        b.add("furniture", f"{place}{rng.choice(['财政局', '人民政府'])}关于公开{f.year + 1}年度部门预算的说明")
        notes.append(f"A stale heading of another article (about {f.year + 1}) stands above the real title.")
    if "period" in furniture:
        title = f"{subject}绩效自评报告"
    else:
        title = rng.choice([f"{f.dept}{years[0]}年度{subject}绩效自评报告", f"{years[0]}年度{subject}绩效自评报告",
                            f"{years[0]}年{subject}项目绩效自评报告"])
    _title_lines(b, rng, [title], html and rng.random() < 0.5)
    b.blank()


def _fund_overview(b: _Builder, rng: random.Random, fund: _Fund, furniture: set[str]) -> None:
    """一、项目基本情况 (a department figure here is not the fund's budget)."""
    f, subject, years, heading, notes = fund.f, fund.subject, fund.years, fund.heading, b.notes
    heading("一、项目基本情况")
    duties = "、".join(rng.sample(f.bureau.duties, 2))
    overview = f"（一）项目概况。{subject}由{f.dept}组织实施，主要用于{duties}等方面。"
    if "period" in furniture:
        overview += f"项目实施期：{years[0]}年1月至{f.year}年12月。"
        notes.append("The title prints no year: fiscal_year comes from the project period 'YYYY年1月至YYYY年12月'.")
    if rng.random() < 0.4:
        overview += f"{f.year}年我局部门预算总额{b.money(f.adjusted, switch=False)}，本项目资金单独核算。"
        notes.append("The 部门预算总额 in 项目概况 is the department's money, not the fund's: budget holds the fund's figures.")
    b.add("prose", overview)
    b.add("filler", "（二）项目绩效目标。" + rng.choice(_FILLER))
    b.blank()


def _fund_money(b: _Builder, rng: random.Random, fund: _Fund) -> None:
    """二、 the money: one unlabelled allocation (adjusted), or 年初 (+ a change), the spending and
    its rate; draws the fund list's style and the items it divides the money into."""
    f, gold, subject, heading, notes = fund.f, fund.gold, fund.subject, fund.heading, b.notes
    g = gold["budget"]
    heading("二、" + rng.choice(["项目资金安排和使用情况", "资金投入和使用情况", "项目资金情况"]))
    plant_parts = "parts_do_not_sum" in b.plants
    list_style = rng.choice(["numbered", "uses", "runon", "nested", "towns", "none"])
    if plant_parts and list_style not in ("numbered", "uses", "runon"):
        list_style = rng.choice(["numbered", "uses"])
    money_style = rng.choices(["xiada", "plan", "change", "initial_only"], [0.35, 0.2, 0.3, 0.15])[0]
    k = rng.randint(3, 6)
    if list_style == "nested":
        total = _amount(rng, 12000, 45000, 100 * FEN_PER_WAN)
        quantum = 100 * FEN_PER_WAN
    elif list_style == "towns":
        total = sum(rng.randint(2, 40) * FEN_PER_WAN for _ in range(k))
        quantum = FEN_PER_WAN
    else:
        total = _amount(rng, 60, 3000, 10_000)
        quantum = 10_000
    fund.list_style, fund.total, fund.quantum, fund.k = list_style, total, quantum, k
    sentence = _allocation(b, rng, fund, money_style)
    t_id = fund.t_id
    # Sub-items (what the money was spent on) and the spending.
    items: list[tuple[str, int, int | None]] = []  # (name, budget, actual)
    if list_style in ("numbered", "uses", "runon"):
        names = rng.sample([p for p in f.bureau.projects if p not in subject], k=min(k, 5))
        parts = _split(rng, total, len(names), quantum)
        for name, part in zip(names, parts):
            spent = int(part * rng.uniform(0.85, 1.0)) // 10_000 * 10_000 if list_style != "numbered" else None
            items.append((name, part, spent))
    actual = sum(i[2] for i in items) if list_style in ("uses", "runon") else int(total * rng.uniform(0.82, 1.0)) // 10_000 * 10_000
    rate, rate_planted = _exec_rate(b, rng, actual, total, _rate_style(rng))
    x_s, x_id = b.mark(b.money(actual))
    r_s, r_id = b.mark(b.rate(rate))
    L_act = rng.choice(["实际支出", "累计支出", "实际形成支出", "已支付"])
    L_rate = rng.choice(["预算执行率", "资金支出率", "执行率", "支出率"])
    sentence += f"截至{f.year}年12月31日，{L_act}{x_s}，{L_rate}{r_s}。"
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [t_id]})
    g.update(actual=_wan(actual), execution_rate=float(rate))
    if rng.random() < 0.3 and list_style not in ("uses", "runon"):
        central = int(actual * rng.uniform(0.4, 0.8)) // 10_000 * 10_000
        c1, c1_id = b.mark(b.money(central, switch=False))
        c2, c2_id = b.mark(b.money(actual - central, switch=False))
        sentence += f"其中：中央资金支出{c1}，省级资金支出{c2}。"
        b.check("parts_do_not_sum", "sum", False, {"total": [x_id], "parts": [c1_id, c2_id]})
        notes.append("The 其中 after the spending splits the spending by funding source: not projects, not the budget.")
    b.add("prose", sentence)
    fund.items = items


def _allocation(b: _Builder, rng: random.Random, fund: _Fund, money_style: str) -> str:
    """The start of the money sentence: the allocation as 下达 / 计划安排资金 / 年初 + 追加 / 年初 only."""
    gold, subject, years, notes = fund.gold, fund.subject, fund.years, b.notes
    g = gold["budget"]
    list_style, total, quantum = fund.list_style, fund.total, fund.quantum
    m_total = lambda fen: b.money(fen, "亿元") if list_style == "nested" else b.money(fen)  # noqa: E731
    t_s, t_id = b.mark(m_total(total))
    fund.t_id = t_id
    if money_style == "xiada":
        src = rng.choice(["省财政厅", "市财政局", "上级财政", "中央和省级财政"])
        sentence = f"{years[1]}年，{src}下达{subject}{t_s}，"
        g["adjusted"] = _wan(total)
        notes.append("A single allocation (下达 N) without a 年初 label: budget.adjusted, initial null.")
    elif money_style == "plan":
        sentence = f"{years[1]}年本项目{rng.choice(['计划安排资金', '安排资金'])}{t_s}，"
        g["adjusted"] = _wan(total)
        notes.append("A single budget figure (计划安排资金) without a 年初 label: budget.adjusted, initial null.")
    elif money_style == "change":
        change = int(total * rng.uniform(0.05, 0.3)) // quantum * quantum or quantum
        initial = total - change
        i_s, i_id = b.mark(m_total(initial))
        c_s, c_id = b.mark(m_total(change))
        sentence = (f"{years[1]}年{rng.choice(['年初预算', '年初预算安排'])}{i_s}，{rng.choice(['年中追加', '追加调整'])}{c_s}，"
                    f"{rng.choice(['全年预算', '调整后预算'])}{t_s}，")
        g.update(initial=_wan(initial), adjustment=_wan(change), adjusted=_wan(total))
        b.check("adjustment_sum_mismatch", "sum", False, {"total": [t_id], "parts": [i_id, c_id]})
        notes.append("年初预算 (initial) + 年中追加 (adjustment, a change) = 全年预算 (adjusted).")
    else:
        sentence = f"{years[1]}年{rng.choice(['年初预算安排', '年初预算'])}{t_s}，"
        g["initial"] = _wan(total)
        notes.append("Only a 年初 figure is printed: budget.initial; adjusted is null.")
    return sentence


def _fund_list(b: _Builder, rng: random.Random, fund: _Fund) -> None:
    """What the fund was divided into: items (numbered, uses with budget / actual / rate, run-on
    clauses), a nested list in 亿元, or an allocation by town; each a project in gold."""
    items, plant_parts = fund.items, "parts_do_not_sum" in b.plants
    planted_item = rng.randrange(len(items)) if items and plant_parts and b.plant("parts_do_not_sum") else None
    if fund.list_style in ("numbered", "uses", "runon"):
        _item_list(b, rng, fund, planted_item)
    elif fund.list_style == "nested":
        _nested_list(b, rng, fund)
    elif fund.list_style == "towns":
        _town_list(b, rng, fund)


def _item_list(b: _Builder, rng: random.Random, fund: _Fund, planted_item: int | None) -> None:
    gold, notes = fund.gold, b.notes
    items, list_style, total, quantum, t_id = fund.items, fund.list_style, fund.total, fund.quantum, fund.t_id
    part_ids: list[int] = []
    texts = []
    for j, (name, part, spent) in enumerate(items):
        if j == planted_item:
            wrong = _off_amount(rng, part, quantum)
            notes.append(f"PLANTED parts_do_not_sum: the items add up to {_exact(total - part + wrong, '万元')} 万元, not the "
                         f"total {_exact(total, '万元')} ({name} printed {_exact(wrong, '万元')}, should be {_exact(part, '万元')}). "
                         "Gold keeps the printed item.")
            part = wrong
            items[j] = (name, part, spent)
        p_s, p_id = b.mark(b.money(part))
        part_ids.append(p_id)
        if list_style == "numbered":
            texts.append(f"{j + 1}.{name}{p_s}")
        else:
            x_i = b.money(spent)
            r_i = _rate_text(spent, part, 2)
            if list_style == "uses":
                texts.append(f"{j + 1}.{name}：预算{p_s}，实际支出{x_i}，执行率{b.rate(r_i)}。")
            else:
                texts.append(f"{name}预算{p_s}，实际支出{x_i}")
        gold["projects"].append({"name": name, "budget": _wan(part), "actual": _wan(spent) if spent is not None else None,
                                 "execution_rate": float(r_i) if list_style == "uses" else None})
    if list_style == "numbered":
        b.add("prose", rng.choice(["资金分配情况：", "资金具体安排如下："]) + "；".join(texts) + "。")
        notes.append("A numbered allocation list: each item's amount is its budget (no actual printed).")
    elif list_style == "uses":
        b.add("prose", "资金使用情况：")
        for text in texts:
            b.add("prose", text)
        notes.append("Numbered uses with budget, actual and rate each: projects take all three.")
    else:
        b.add("prose", "其中，" + "；".join(texts) + "。")
        notes.append("Run-on clauses '<name>预算X，实际支出Y；…': projects with budget and actual.")
    b.check("parts_do_not_sum", "sum", planted_item is not None, {"total": [t_id], "parts": part_ids})


def _nested_list(b: _Builder, rng: random.Random, fund: _Fund) -> None:
    f, gold, subject, notes = fund.f, fund.gold, fund.subject, b.notes
    total, quantum, t_id = fund.total, fund.quantum, fund.t_id
    part_ids: list[int] = []
    names = rng.sample([p for p in f.bureau.projects if p not in subject], k=3)
    parts = _split(rng, total, 3, quantum)
    parent = rng.randrange(3)
    towns = _towns(rng, 2)
    subs = _split(rng, parts[parent], 2, quantum)
    texts = []
    for j, (name, part) in enumerate(zip(names, parts)):
        p_s, p_id = b.mark(b.money(part, "亿元"))
        part_ids.append(p_id)
        if j == parent:
            inner = "，".join(f"{t}{b.money(s, '亿元')}" for t, s in zip(towns, subs))
            texts.append(f"{name}{p_s}（其中：{inner}）")
            gold["projects"] += [{"name": t, "budget": _wan(s), "actual": None, "execution_rate": None} for t, s in zip(towns, subs)]
        else:
            texts.append(f"{name}{p_s}")
            gold["projects"].append({"name": name, "budget": _wan(part), "actual": None, "execution_rate": None})
    b.add("prose", "资金安排情况：全年共安排资金" + b.money(total, "亿元") + "，其中：" + "，".join(texts) + "。")
    b.check("parts_do_not_sum", "sum", False, {"total": [t_id], "parts": part_ids})
    notes.append(f"A fund list in 亿元 with a nested 其中: {names[parent]} is split into listed sub-items, so the sub-items "
                 "are projects and the parent is not (the list counts no money twice). Amounts × 10000.")


def _town_list(b: _Builder, rng: random.Random, fund: _Fund) -> None:
    gold, notes = fund.gold, b.notes
    total, k, t_id = fund.total, fund.k, fund.t_id
    part_ids: list[int] = []
    towns = _towns(rng, k)
    parts = _split(rng, total, k, FEN_PER_WAN, lo=0.3)
    texts = []
    for town, part in zip(towns, parts):
        n_s, n_id = b.mark(b.numeral(str(part // FEN_PER_WAN)))
        part_ids.append(n_id)
        texts.append(f"{town}{n_s}万")
        gold["projects"].append({"name": town, "budget": _wan(part), "actual": None, "execution_rate": None})
    b.add("prose", f"资金按{k}个乡镇分配：" + "、".join(texts) + "。")
    b.check("parts_do_not_sum", "sum", False, {"total": [t_id], "parts": part_ids})
    notes.append("An allocation by town without 元 ('东坪镇5万'): each town is a project with that budget in 万元.")


def _fund_closing(b: _Builder, rng: random.Random, fund: _Fund) -> None:
    """The score and grade (or none), 存在的问题, 改进措施 and the signature."""
    f, gold, heading, notes = fund.f, fund.gold, fund.heading, b.notes
    n = 3
    score_style = rng.choice(["自评得分", "综合评分", "自评总分", "本项目得分", "none"])
    if score_style != "none":
        n += 1
        heading(f"{_ORDINALS[n - 1]}、{rng.choice(['自评结论', '综合评价结论'])}")
        total_score = rng.randint(800, 990) * 10
        grade, gplanted = _grade(b, rng, total_score)
        s_s, s_id = b.mark(b.score(total_score))
        g_s, g_id = b.mark(grade)
        if score_style == "本项目得分":
            phrase = f"本项目得分{s_s}分，评价等级为“{g_s}”。"
        else:
            phrase = f"经综合评价，本项目{score_style}{s_s}分，{rng.choice(['自评等级', '绩效等级'])}为“{g_s}”。"
        b.add("prose", phrase)
        b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [s_id]})
        gold["evaluation"] = {"score": float(_score_text(total_score)), "grade": grade}
    else:
        notes.append("No score or grade is printed: evaluation is null.")
    n += 1
    heading(f"{_ORDINALS[n - 1]}、{rng.choice(['存在的问题', '存在问题'])}")
    b.add("prose", f.problems)
    n += 1
    heading(f"{_ORDINALS[n - 1]}、{rng.choice(['改进措施', '改进建议', '下一步工作计划'])}")
    b.add("prose", f.improvements)
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    b.blank()
    b.add("sig", f.dept)
    b.add("sig", f.date)


def _project_form(b: _Builder, rng: random.Random) -> dict[str, Any]:
    """A form-style fund report: 计划安排资金 (合计 → adjusted) with funding-source rows, a
    detail table of payments in 元 under its own '单位：元', an indicator table, prose."""
    f = _facts(rng, "project_form", b)
    subject = _fund_name(rng, f.bureau)
    impl = _implementer(rng, f)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="project_report", subject=subject)
    notes = b.notes
    years, _ = _year_marks(b, rng, f.year, 2)
    if rng.random() < 0.6:
        b.add("title", rng.choice(["附件3", "附件2"]))
    b.add("title", rng.choice([f"{years[0]}年度项目支出绩效自评报告", f"{subject}绩效自评报告（{years[0]}年度）"]))
    b.blank()
    b.add("heading", "一、项目基本情况")
    b.row(["项目名称", subject], "info2")
    b.row(["主管部门", f.dept, "实施单位", impl], "info")
    b.row(["项目负责人", rng.choice(_PERSONS) + rng.choice("某") + rng.choice(["", "某"]), "联系电话",
           f"0{rng.randint(700, 999)}-{rng.randint(2000000, 8999999)}"], "info")
    actual = _form_report_money(b, rng, gold["budget"])
    _payment_details(b, rng, gold, actual, years[1], f.year)
    # Indicators, score, problems.
    b.add("heading", "四、绩效指标完成情况")
    merged = rng.random() < 0.6
    b.row(["一级指标", "二级指标", "三级指标", rng.choice(["年度指标值", "绩效目标值"]), rng.choice(["实际完成值", "完成值"]), "完成情况"], "header")
    prev1 = prev2 = None
    for ind in f.indicators:
        l1 = ind.level1 if not merged or ind.level1 != prev1 else ""
        l2 = ind.level2 if not merged or ind.level2 != prev2 or l1 else ""
        prev1, prev2 = ind.level1, ind.level2
        b.row([l1, l2, ind.name, _numtext(b, ind.target), _numtext(b, ind.actual), "已完成" if ind.completed else "未完成"],
              "indicator", name_col=2)
    gold["indicators"] = [_ind_gold(b, i) for i in f.indicators]
    b.add("heading", "五、自评结论")
    total_score = rng.randint(800, 990) * 10
    grade, gplanted = _grade(b, rng, total_score)
    s_s, s_id = b.mark(b.score(total_score))
    g_s, g_id = b.mark(grade)
    b.add("prose", f"本项目自评得分{s_s}分，自评等级为“{g_s}”。")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [s_id]})
    gold["evaluation"] = {"score": float(_score_text(total_score)), "grade": grade}
    b.add("heading", "六、存在的问题")
    b.add("prose", f.problems)
    b.add("heading", "七、改进措施")
    b.add("prose", f.improvements)
    gold["problems"], gold["improvements"] = f.problems, f.improvements
    notes += [
        "Form-style report on one fund: report_type project_report, subject = 项目名称, department = 主管部门.",
        "The 合计 of 计划安排资金 is the single budget figure (no 年初 label): budget.adjusted, initial null.",
        "Funding-source rows (中央/省级/市级/县级) are never projects; the payment detail rows are (actual only).",
        "The detail table has its own unit line '单位：元' (the money table above is in 万元): its amounts ÷ 10000.",
    ]
    return gold


def _form_report_money(b: _Builder, rng: random.Random, g: dict[str, Any]) -> int:
    """二、项目资金情况: 计划安排资金 合计 over funding-source rows (a parts_do_not_sum plant mistypes
    one), actual and balance columns, the execution rate below. Returns the actual spending."""
    notes = b.notes
    b.add("heading", "二、项目资金情况")
    b.add("label", "单位：万元")
    total = _amount(rng, 50, 2500, 10_000)
    sources = rng.sample(_SOURCES, k=rng.randint(2, 4))
    sources.sort(key=_SOURCES.index)
    src_parts = _split(rng, total, len(sources), 10_000)
    actual = int(total * rng.uniform(0.8, 1.0)) // 10_000 * 10_000
    act_parts = [p * actual // total // 10_000 * 10_000 for p in src_parts]
    act_parts[0] += actual - sum(act_parts)
    pcol = None
    if b.plant("parts_do_not_sum"):
        j = rng.randrange(len(sources))
        wrong = _off_amount(rng, src_parts[j], 10_000)
        notes.append(f"PLANTED parts_do_not_sum: the funding-source rows of 计划安排资金 add up to "
                     f"{_exact(total - src_parts[j] + wrong, '万元')}, not the 合计 {_exact(total, '万元')}.")
        src_parts[j] = wrong
        pcol = "plan"
    rate, rate_planted = _exec_rate(b, rng, actual, total, _rate_style(rng))
    t_s, t_id = b.mark(b.money(total, prose=False))
    x_s, x_id = b.mark(b.money(actual, prose=False))
    b.row(["资金来源", "计划安排资金", "实际到位资金", "实际支出", "结余"], "header")
    b.row(["合计", t_s, b.money(total, prose=False), x_s, b.money(total - actual, prose=False) if total > actual else "0.00"],
          "money", name_col=0)
    plan_ids, act_ids = [], []
    for src, part, spent in zip(sources, src_parts, act_parts):
        p_s, p_id = b.mark(b.money(part, prose=False))
        s_s, s_id = b.mark(b.money(spent, prose=False))
        plan_ids.append(p_id)
        act_ids.append(s_id)
        b.row([src, p_s, b.money(part, prose=False), s_s, b.money(part - spent, prose=False) if part > spent else "0.00"],
              "money", name_col=0)
    b.check("parts_do_not_sum", "sum", pcol == "plan", {"total": [t_id], "parts": plan_ids})
    b.check("parts_do_not_sum", "sum", False, {"total": [x_id], "parts": act_ids})
    r_s, r_id = b.mark(b.rate(rate))
    b.add("prose", f"{rng.choice(['预算执行率', '资金执行率'])}：{r_s}")
    b.check("execution_rate_mismatch", "ratio", rate_planted, {"rate": [r_id], "num": [x_id], "den": [t_id]})
    g.update(adjusted=_wan(total), actual=_wan(actual), execution_rate=float(rate))
    return actual


def _payment_details(b: _Builder, rng: random.Random, gold: dict[str, Any], actual: int, first_year: str, year: int) -> None:
    """三、资金使用明细: the payments in 元 under their own unit line; each payment a project (actual only)."""
    b.add("heading", "三、资金使用明细")
    b.add("label", "单位：元")
    b.row(["序号", "支出内容", "支出金额", "支付时间"], "header")
    names = rng.sample(_DETAIL_ITEMS, k=rng.randint(3, 6))
    pays = _split(rng, actual, len(names), 100)
    for j, (name, pay) in enumerate(zip(names, pays)):
        b.row([str(j + 1), name, b.money(pay, "元", prose=False), f"{first_year if j == 0 else year}年{rng.randint(2, 12)}月"],
              "project", name_col=1)
        gold["projects"].append({"name": name, "budget": None, "actual": _wan(pay), "execution_rate": None})
    b.row(["合计", "", b.money(actual, "元", prose=False), ""], "total")
