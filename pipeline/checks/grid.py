"""Tables as the checks sum and divide them: each typed table (pipeline.tables) with a check
role per column (budget / initial / adjustment / actual / rate / points / score) and its rows,
and the money and rate cells read from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from pipeline import tables as tb
from pipeline.checks.compare import in_wan, mention_half
from pipeline.normalize import NumberMention

if TYPE_CHECKING:
    from pipeline.checks.context import CheckContext


PLACEHOLDER = re.compile(r"^[—\-－–/／、]*$|^无$|^不适用$")
_NUMERIC_CELL = re.compile(r"^-?\d[\d,，]*(?:\.\s?\d+)?\s*(?:%|万元|元|亿元|分)?$")
_TOTAL_LABELS = ("合计", "总计", "年度资金总额", "资金总额", "年度总金额", "总额")


# A table column's role (pipeline.tables, from its header words) as the checks sum and divide
# it: the full-year budget and plain budget columns are 'budget' (a rate divides by them), a lone
# 合计 of funding-source columns too; 分值 / 得分 columns are 'points' / 'score'.
_CHECK_ROLE = {
    "initial": "initial", "adjustment": "adjustment", "adjusted": "budget", "budget": "budget", "actual": "actual",
    "rate": "rate", "points": "points", "score": "score",
}


def is_numeric(text: str) -> bool:
    return bool(_NUMERIC_CELL.match(text.replace(" ", "")))


@dataclass
class GridRow:
    line: tb.Row  # the table row (it may span several lines of the text)
    label: str  # first text cell, squashed, 其中：stripped, simplified
    sub: bool  # printed as '其中：…'

    @property
    def is_total(self) -> bool:
        return self.label.startswith(_TOTAL_LABELS)

    def cell(self, column: int):
        return self.line.cell(column)


@dataclass
class GridBlock:
    """A table under one header (pipeline.tables): its header text and check role per column."""

    header: list[tb.Row]
    columns: dict[int, str]  # column -> merged header label
    rows: list[GridRow]
    unit: str
    roles: dict[int, str] = field(default_factory=dict)

    def role(self, column: int) -> str:
        return self.roles.get(column, "other")

    def columns_with(self, role: str) -> list[int]:
        return [c for c in sorted(self.columns) if self.role(c) == role]


def grid_blocks(ctx: CheckContext) -> Iterator[GridBlock]:
    for table in ctx.typed_tables:
        if not table.header:
            continue
        full_year = bool(table.columns_with("adjusted", "budget"))
        roles = {}
        for col, column in table.columns.items():
            role = _CHECK_ROLE.get(column.role, "other")
            if column.role == "total" and not full_year:
                role = "budget"
            roles[col] = role
        columns = {col: re.sub(r"\s+", "", column.header) for col, column in table.columns.items()}
        rows = [GridRow(row, row.label, row.sub) for row in table.rows if row.filled()]
        yield GridBlock(table.header, columns, rows, table.unit, roles)


def cell_mention(ctx: CheckContext, cell) -> NumberMention | None:
    if cell is None or not cell.text or PLACEHOLDER.match(cell.text):
        return None
    found = ctx.mentions_between(cell.start, cell.end)
    return found[0] if len(found) == 1 else None


def money_cell(ctx: CheckContext, block: GridBlock, row: GridRow, column: int) -> tuple[float, float, NumberMention] | None:
    """(value in 万元, half-ulp in 万元, mention) of a money cell, None when blank or not money."""
    m = cell_mention(ctx, row.cell(column))
    if m is None or m.unit in ("%", "‰") or m.counter or m.scale:
        return None
    value = in_wan(m, block.unit)
    if value is None:
        return None
    return value, mention_half(m, block.unit), m


def has_money(ctx: CheckContext, block: GridBlock, row: GridRow) -> bool:
    return any(money_cell(ctx, block, row, c) is not None for c in money_columns_of(block))


def money_columns_of(block: GridBlock) -> list[int]:
    return [c for c in sorted(block.columns) if block.role(c) in ("budget", "initial", "adjustment", "actual")]


def rate_cell(ctx: CheckContext, row: GridRow, column: int) -> NumberMention | None:
    m = cell_mention(ctx, row.cell(column))
    if m is None or m.unit not in ("%", None) or m.counter or m.scale:
        return None
    return m
