"""A department's score table only (score_table): 一级/二级/三级 + 分值 + 得分, a 合计 row, 自评得分
and 评价等级; and the score frame the narrative score report prints too."""

from __future__ import annotations

import random
from typing import Any, Callable, NamedTuple

from pipeline.synth.builder import _Builder
from pipeline.synth.common import _empty_gold, _grade, _header_rows, _score_total, _year_marks
from pipeline.synth.facts import _Facts, _facts
from pipeline.synth.values import _score_text


_SCORE_FRAME = [
    ("投入", [("预算编制", ["预算编制规范性", "绩效目标合理性"]), ("预算执行", ["预算执行率"])]),
    ("过程", [("预算管理", ["资金使用合规性", "结转结余控制"]), ("资产管理", ["资产管理规范性"])]),
    ("产出", [("职责履行", None)]),
    ("效益", [("社会效益", ["社会效益实现程度", "可持续发展能力"]), ("满意度", ["{who}满意度"])]),
]


class _FrameRow(NamedTuple):
    """One leaf of the score frame as printed: its group (and the group's points), sub-group, item,
    weight (whole points) and score (hundredths)."""

    group: str
    points: int
    sub: str
    name: str
    weight: int
    score: int


def _frame_rows(rng: random.Random, f: _Facts, score_of: Callable[[str, int], int]) -> list[_FrameRow]:
    """The score frame's rows for a drawn split of the 100 points over its four groups; each
    group's points shared evenly by its items, ``score_of(item, weight)`` the item's score."""
    weights = rng.choice([(20, 20, 30, 30), (15, 15, 40, 30), (10, 20, 40, 30)])
    rows = []
    for (group, subs), points in zip(_SCORE_FRAME, weights):
        leaves = [(sub, name.format(who=f.who)) for sub, names in subs for name in (names if names is not None else list(f.bureau.work))]
        base = points // len(leaves)
        ws = [base] * len(leaves)
        for k in range(points - base * len(leaves)):
            ws[k] += 1
        for (sub, name), w in zip(leaves, ws):
            rows.append(_FrameRow(group, points, sub, name, w, score_of(name, w)))
    return rows


def _print_frame_rows(b: _Builder, rows: list[_FrameRow], *, remarks: bool) -> list[int]:
    """The rows of a score table, group and sub-group cells merged (printed on a group's first row),
    with a 备注 cell naming the points taken off when ``remarks``; returns the marks of the scores."""
    score_ids = []
    last_group = last_sub = None
    for group, points, sub, name, w, s in rows:
        g1 = f"{group}（{points}分）" if group != last_group else ""
        g2 = sub if (sub != last_sub or g1) else ""
        last_group, last_sub = group, sub
        s_s, s_id = b.mark(b.score(s))
        score_ids.append(s_id)
        cells = [g1, g2, name, str(w), s_s]
        if remarks:
            cells.append("" if s == w * 100 else f"扣{_score_text(w * 100 - s)}分")
        b.row(cells, "score")
    return score_ids


def _score_table(b: _Builder, rng: random.Random) -> dict[str, Any]:
    """A department's score table only: 一级/二级/三级 + 指标权重（分）+ 得分 (+ 备注), a 合计 row,
    自评得分 and 评价等级. Score-only rows are no indicators: indicators = []."""
    f = _facts(rng, "score_table", b)
    gold = _empty_gold()
    gold.update(department=f.dept, fiscal_year=f.year, report_type="overall_table")
    years, _ = _year_marks(b, rng, f.year, 2)
    b.add("title", rng.choice([f"{f.dept}{years[0]}年度部门整体支出绩效自评评分表", f"{years[0]}年度部门整体支出绩效评价评分表"]))
    b.blank()
    b.row(["部门名称", f.dept, "评价年度", f"{years[1]}年"], "info")
    two_line = rng.random() < 0.6
    w_label = rng.choice(["指标权重（分）", "指标分值", "分值"])
    cells = ["一级指标", "二级指标", "三级指标", w_label, "得分", "备注"]
    _header_rows(b, cells, two_line)
    rows = _frame_rows(rng, f, lambda name, w: w * 100 - (rng.choice([0, 0, 0, 50, 100]) if w > 2 else 0))
    score_ids = _print_frame_rows(b, rows, remarks=True)
    items = sum(row.score for row in rows)
    total, tplanted = _score_total(b, rng, items)
    t_s, t_id = b.mark(b.score(total))
    b.row(["合计", "", "", "100", t_s, ""], "total")
    b.check("score_items_do_not_sum", "sum", tplanted, {"total": [t_id], "parts": score_ids})
    grade, gplanted = _grade(b, rng, total)
    s2, s2_id = b.mark(b.score(total))
    g_s, g_id = b.mark(grade)
    b.add("prose", f"自评得分：{s2}分    {rng.choice(['评价等级', '自评等级'])}：{g_s}")
    b.check("grade_score_mismatch", "grade", gplanted, {"grade": [g_id], "score": [s2_id]})
    b.check("conflicting_statement", "equal", False, {"values": [t_id, s2_id]})
    gold["evaluation"] = {"score": float(_score_text(total)), "grade": grade}
    b.blank()
    b.row(["评价人员：", "复核人：", f"日期：{f.date}"], "other")
    b.notes += [
        "A score table with no money: budget is null; every row prints only 分值 and 得分, so indicators = [] "
        "(score-only rows are not indicators); score = 合计 = 自评得分.",
        "Header " + ("over two lines." if two_line else "on one line.") + " 一级/二级 cells merged (printed on the first row of a group).",
    ]
    return gold
