"""Score tables (items against the total, items within their points), the total score's range,
and the grade band a score earns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from pipeline import lexicon as lx
from pipeline.checks import check, make_finding
from pipeline.checks.compare import EPS, REPORTED_DECIMALS, TWO_DECIMALS_HALF
from pipeline.checks.context import CJK, CheckContext
from pipeline.checks.grid import GridBlock, GridRow, cell_mention, is_numeric
from pipeline.ground import plain_number
from pipeline.normalize import NumberMention
from pipeline.record import Finding

# The points a whole score table is worth, and the highest total score.
FULL_MARKS = 100.0


_REVIEW_SCORE = re.compile(lx.with_variants(r"复核|评审"))
_SCORE_TOTAL_LABELS = ("总分", "自评总分", "得分合计", "总得分")


@dataclass
class ScoreItem:
    label: str
    points: NumberMention | None
    score: NumberMention
    row: GridRow | None


@dataclass
class ScoreTable:
    items: list[ScoreItem]
    total_points: NumberMention | None = None
    total_score: NumberMention | None = None
    total_label: str | None = None


def _score_pair(ctx: CheckContext, block: GridBlock, row: GridRow) -> tuple[NumberMention | None, NumberMention | None]:
    """(points, score) of a score-table row: the cells under the header's last 分值/权重 column
    and its 得分 column; on a row shifted by a page break (fewer cells than the header), the last
    two cells when both are numbers."""
    points_cols, score_cols = block.columns_with("points"), block.columns_with("score")
    score_col = score_cols[-1]
    points_col = max((c for c in points_cols if c < score_col), default=points_cols[-1])
    points, score = cell_mention(ctx, row.cell(points_col)), cell_mention(ctx, row.cell(score_col))
    if points is not None and score is not None:
        return points, score
    filled = [c for c in row.line.cells if c.text]
    blank = all((c := row.cell(col)) is None or not c.text for col in (points_col, score_col))
    if blank and len(filled) >= 2 and all(is_numeric(c.text) for c in filled[-2:]):
        return cell_mention(ctx, filled[-2]), cell_mention(ctx, filled[-1])
    if row.label.startswith(_SCORE_TOTAL_LABELS + ("合计", "总计")):
        numbers = [c for c in filled if is_numeric(c.text)]
        if len(numbers) >= 2:
            return cell_mention(ctx, numbers[-2]), cell_mention(ctx, numbers[-1])
        if numbers:
            return None, cell_mention(ctx, numbers[-1])
    return None, None


_SPACED_SCORE_ROW = re.compile(r"^\s*(?P<name>\S.*?[\u4e00-\u9fff）)][^\d\t]*?)\s+(?P<points>\d{1,3}(?:\.\d+)?)\s+(?P<score>\d{1,3}(?:\.\d+)?)\s*$")


def read_score_tables(ctx: CheckContext) -> list[ScoreTable]:
    """Score items (分值 + 得分 per row) of every score table, grouped by the total row that
    closes them (总分 / 合计 with 100 points); a money block's 分值/得分 cells (the budget
    execution score) are items of the same table. A row that lost its tabs inside an open score
    table ('养老服务任务完成率 13 12') is read by its two trailing numbers."""
    rows: dict[int, tuple[GridBlock, GridRow]] = {}
    for block in ctx.tables:
        if block.columns_with("points") and block.columns_with("score"):
            for row in block.rows:
                rows[row.line.index] = (block, row)
    if not rows:
        return []
    tables: list[ScoreTable] = []
    current = ScoreTable([])
    for line in ctx.layout.lines[min(rows) :]:
        label, points, score, row = "", None, None, None
        if _REVIEW_SCORE.search(line.text):
            continue  # '自评总分 95 复核总分 93', a 复核分 header: scores side by side, no points
        if line.index in rows:
            block, row = rows[line.index]
            points, score = _score_pair(ctx, block, row)
            label = row.label
        elif current.items and not line.is_table_row and (m := _SPACED_SCORE_ROW.match(line.text)) and len(line.text) <= 60:
            found = ctx.mentions_between(line.start + m.start("points"), line.start + m.end("score"))
            if len(found) == 2:
                points, score = found
                label = lx.fold(re.sub(r"\s+", "", m.group("name")))
        if score is None:
            continue
        is_total = label.startswith(_SCORE_TOTAL_LABELS) or (
            label.startswith(("合计", "总计"))
            and points is not None
            and (points.value == FULL_MARKS or (current.items and abs(points.value - sum(i.points.value for i in current.items if i.points)) < EPS))
        )
        if is_total:
            current.total_points, current.total_score, current.total_label = points, score, label
            tables.append(current)
            current = ScoreTable([])
        elif points is not None:
            if row is not None:
                names = [c.text for c in row.line.cells if c.end <= points.norm_start and CJK.search(c.text) and not is_numeric(c.text)]
                label = re.sub(r"\s+", "", names[-1]) if names else label
            else:
                label = re.split(r"\s+", m.group("name").strip())[-1]
            current.items.append(ScoreItem(label, points, score, row))
    if current.items:
        tables.append(current)
    return tables


def score_tables(ctx: CheckContext) -> list[ScoreTable]:
    return ctx.score_tables


@check("score_items_sum", "score_items_do_not_sum", "Score table: item scores sum to the total score (the 总分/合计 row, else the record's score) when the items' points sum to the total points.")
def _check_score_sum(ctx: CheckContext) -> Iterator[Finding]:
    for table in score_tables(ctx):
        if len(table.items) < 2:
            continue
        total_score = table.total_score
        total_value = total_score.value if total_score else ctx.number("evaluation.score")
        if total_value is None:
            continue
        total_points = table.total_points.value if table.total_points else FULL_MARKS
        points_sum = sum(i.points.value for i in table.items if i.points)
        score_sum = sum(i.score.value for i in table.items)
        tolerance = TWO_DECIMALS_HALF * (len(table.items) + 1)  # each item and the total rounded
        score_fields = ["evaluation.score"] if ctx.number("evaluation.score") is not None else []
        evidence = ([ctx.mention_evidence(total_score, table.total_label)] if total_score else [ctx.evidence("evaluation.score")]) + [
            ctx.mention_evidence(i.score, i.label) for i in table.items
        ]
        if abs(points_sum - total_points) > tolerance:
            # Not every item was read (a row lost in a page break or its tabs): only a sum of
            # the items read that already exceeds the total is certain.
            if points_sum < total_points and score_sum > total_value + tolerance:
                yield make_finding(
                    "score_items_sum", "score_items_do_not_sum", "error",
                    f"评分表已读出的 {len(table.items)} 项（分值共 {plain_number(points_sum)}）得分之和 {plain_number(round(score_sum, REPORTED_DECIMALS))} 已超过总分 {plain_number(total_value)}",
                    score_fields, total_value, round(score_sum, REPORTED_DECIMALS), tolerance, evidence,
                )
            continue
        if abs(score_sum - total_value) <= tolerance:
            continue
        yield make_finding(
            "score_items_sum", "score_items_do_not_sum", "error",
            f"评分表 {len(table.items)} 项得分之和为 {plain_number(round(score_sum, REPORTED_DECIMALS))}，但总分印为 {plain_number(total_value)}（各项分值之和 {plain_number(points_sum)} 与总分值相符）",
            score_fields, total_value, round(score_sum, REPORTED_DECIMALS), tolerance, evidence,
        )


@check("score_item_within_points", "score_items_do_not_sum", "Score table: no item scores more than its points (分值 / 权重).")
def _check_score_items_within_points(ctx: CheckContext) -> Iterator[Finding]:
    for table in score_tables(ctx):
        for item in table.items:
            if item.points is not None and item.score.value > item.points.value + EPS:
                yield make_finding(
                    "score_item_within_points", "score_items_do_not_sum", "error",
                    f"评分项“{item.label}”得分 {plain_number(item.score.value)} 超过其分值 {plain_number(item.points.value)}",
                    [], item.score.value, item.points.value, 0.0,
                    [ctx.mention_evidence(item.score, item.label), ctx.mention_evidence(item.points, item.label)],
                )


@check("score_total_within_100", "score_items_do_not_sum", "The total score lies in 0–100.")
def _check_score_range(ctx: CheckContext) -> Iterator[Finding]:
    score = ctx.printed("evaluation.score")
    if score is None:
        return
    limit = FULL_MARKS
    if score.value < 0 or score.value > limit + EPS:
        yield make_finding(
            "score_total_within_100", "score_items_do_not_sum", "error",
            f"自评总分 {plain_number(score.value)} 不在 0–{plain_number(limit)} 分之间",
            ["evaluation.score"], score.value, limit, 0.0, [score.evidence],
        )


GRADE_BANDS = (("优", 90.0, FULL_MARKS), ("良", 80.0, 90.0), ("中", 60.0, 80.0), ("差", 0.0, 60.0))


def grade_for(score: float) -> str:
    """The grade a score earns: 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60."""
    for grade, low, _ in GRADE_BANDS:
        if score >= low - EPS:
            return grade
    return "差"


@check("grade_vs_score", "grade_score_mismatch", "The grade fits the score band: 优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60.")
def _check_grade(ctx: CheckContext) -> Iterator[Finding]:
    score, grade = ctx.printed("evaluation.score"), ctx.value("evaluation.grade")
    if score is None or not grade:
        return
    printed = lx.fold(str(grade).strip())[:1]
    if printed not in "优良中差":
        return
    expected = grade_for(score.value)
    if printed == expected:
        return
    band = next(f"{low:g}–{high:g}" for g, low, high in GRADE_BANDS if g == printed)
    yield make_finding(
        "grade_vs_score", "grade_score_mismatch", "error",
        f"自评等级印为“{grade}”（{band} 分），但总分 {plain_number(score.value)} 分应为“{expected}”",
        ["evaluation.grade", "evaluation.score"], grade, expected, None,
        [ctx.evidence("evaluation.grade"), score.evidence],
    )
