"""The typed table: cells, columns, rows and tables, column roles from header words, and the small predicates every reader shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pipeline import lexicon as lx


_NUMERIC = re.compile(r"[≥≤=<>≧≦]?\s*[-+]?\d[\d,，]*(?:\.\s?\d+)?\s*(?:%|‰|万元|亿元|元|分)?")
_PLACEHOLDER = re.compile(r"[—\-－–/／、…]*|无|不适用|暂无|\*+")
_FORMULA = re.compile(r"[(（][^()（）]*[)）]|[①-⑳][=+\-/×÷*①-⑳]*")
_PAGE_LINE = re.compile(r"\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*共\s*\d{1,3}\s*页)?)\s*")
_UNIT_NOTE = re.compile(r"单位\s*[:：]?\s*(万元|亿元|元)|[(（]\s*(万元|亿元|元)\s*[)）]")
_FORM_TITLE_END = re.compile(r"(?:自评表|评价表|自评情况表)$")
_TITLE_YEAR = re.compile(r"\s*[(（]\s*(?:19|20)\d{2}\s*年度?\s*[)）]$")


def _is_form_title(text: str) -> bool:
    """A form's title line ('…项目支出绩效自评表')."""
    text = _TITLE_YEAR.sub("", text)  # '…绩效自评表(2022年度)': the year printed after the title
    return 4 < len(text) <= 64 and text.endswith("表") and bool(_FORM_TITLE_END.search(text))
_SIGNS = re.compile(r"[≥≤=<>≧≦]|大于等于|小于等于|等于|大于|小于")
_TOTAL_LABELS = ("合计", "总计", "总分", "年度资金总额", "资金总额", "年度总金额", "总额")


_level_of = lru_cache(maxsize=4096)(lx.classify_level)  # the same cell words recur on every row


@lru_cache(maxsize=8192)
def is_numeric(text: str) -> bool:
    return bool(_NUMERIC.fullmatch(text.replace(" ", "")))


@lru_cache(maxsize=4096)
def is_placeholder(text: str) -> bool:
    return bool(_PLACEHOLDER.fullmatch(text.replace(" ", "")))


@lru_cache(maxsize=4096)
def header_core(text: str) -> str:
    """A header cell's words without its formula annotations, units and spaces: '支出实现率(%)
    ⑤=④/③' -> '支出实现率', '全年预算数（A）' -> '全年预算数', '小计③=①+②' -> '小计'."""
    core = lx.fold(_FORMULA.sub("", re.sub(r"\s+", "", text)))
    return core.strip(":：")


@lru_cache(maxsize=4096)
def column_role(text: str) -> str:
    """The role a header text names (lexicon.COLUMN_ROLE_PATTERNS); '' for an empty header,
    'other' for words that name no role."""
    core = header_core(text)
    if not core:
        return ""
    role = next((role for role, regex in lx.COLUMN_ROLE_REGEXES if regex.search(core)), "other")
    if role in ("budget", "actual", "other") and lx.RATIO_ANNOTATION.search(text):
        return "rate"  # '预算执行（E/C×100%）': a column that divides two others is a rate
    return role


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableCell:
    text: str  # squashed text (all pieces joined)
    start: int  # normalised offsets of the first piece
    end: int
    column: int
    span: int = 1  # columns the cell covers (a merged group header)
    more: tuple[tuple[int, int], ...] = ()  # further pieces printed elsewhere (wrapped cells)
    # A figure split out of figures printed run together in one cell ('194.9194.9100%'): its
    # value (the number scanner read the run as other numbers) and the span of the whole run.
    value: float | None = None
    run_together: tuple[int, int] | None = None

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [(self.start, self.end), *self.more]

    def joined(self, other: "TableCell") -> "TableCell":
        """This cell with another piece of its text (a wrap) appended."""
        return replace(self, text=self.text + other.text, more=self.more + tuple(other.spans))


@dataclass
class Column:
    index: int
    header: str  # all header pieces of the column, joined (group header included)
    leaf: str  # the lowest header piece
    role: str


@dataclass
class Row:
    """One table row; it may have been read from several lines (wrapped cells, shifted figures)."""

    cells: list[TableCell]
    lines: list[int]  # indexes of the layout lines it was read from
    carried: dict[str, TableCell] = field(default_factory=dict)  # merged cells above (level1/level2)

    @property
    def index(self) -> int:
        return self.lines[0]

    @property
    def start(self) -> int:
        return min((c.start for c in self.cells), default=0)

    @property
    def end(self) -> int:
        return max((c.end for c in self.cells), default=0)

    def cell(self, column: int | None) -> TableCell | None:
        if column is None:
            return None
        return next((c for c in self.cells if c.column == column), None)

    def filled(self) -> list[TableCell]:
        return [c for c in self.cells if c.text]

    @property
    def label(self) -> str:
        """The first text cell (no figure, no placeholder), squashed and simplified, without a
        leading 其中："""
        return _row_label(self)[0]

    @property
    def sub(self) -> bool:
        """Printed as '其中：…' (a part of the row above)."""
        return _row_label(self)[1]

    @property
    def is_total(self) -> bool:
        return self.label.startswith(_TOTAL_LABELS)


def _row_label(row: Row) -> tuple[str, bool]:
    for c in row.filled():
        if is_numeric(c.text) or is_placeholder(c.text):
            continue
        text = lx.fold(re.sub(r"\s+", "", c.text))
        sub = text.startswith("其中")
        return re.sub(r"^其中[:：]?", "", text), sub
    return "", False


@dataclass
class Table:
    header: list[Row]
    columns: dict[int, Column]
    rows: list[Row]
    unit: str  # the money unit of the table's figures
    form: int = 0  # which one-project form of the page (a repeated title starts the next)
    continued: bool = False  # rows after a page break read under the header of the table before
    # The table before this one while its header is read: a repeated header joins it.
    previous: "Table | None" = field(default=None, repr=False, compare=False)

    @property
    def start(self) -> int:
        return min(r.start for r in [*self.header, *self.rows])

    @property
    def end(self) -> int:
        return max(r.end for r in [*self.header, *self.rows])

    def role(self, column: int) -> str:
        col = self.columns.get(column)
        return col.role if col else ""

    def columns_with(self, *roles: str) -> list[int]:
        return [c for c in sorted(self.columns) if self.columns[c].role in roles]

    def column(self, *roles: str) -> int | None:
        """The first column with the first of the roles that the table has."""
        for role in roles:
            found = self.columns_with(role)
            if found:
                return found[0]
        return None

    def header_text(self, column: int) -> str:
        col = self.columns.get(column)
        return col.header if col else ""

    @property
    def kind(self) -> str:
        """indicator, score, project, money or other: what the columns make the table."""
        roles = {c.role for c in self.columns.values()}
        if "name" in roles and roles & {"target", "ind_actual"}:
            return "indicator"
        # A 项目名称 column, or a …内容 column naming what the money paid for (支出内容 | 预算数 | 实际支出数).
        if roles & {"project_name", "content"} and roles & {"budget", "adjusted", "initial", "actual", "rate"}:
            # '项目' also heads the label column of a money grid (基本支出 / 项目支出 / 合计 rows).
            labelled = [r.label for r in self.rows if r.label]
            scoped = sum(1 for label in labelled if row_scope(label) is not None)
            if not labelled or scoped * 2 < len(labelled):
                return "project"
            return "money"
        if len(roles & {"initial", "adjusted", "adjustment", "actual", "budget", "rate", "total"}) >= 2:
            return "money"
        if "points" in roles and "score" in roles:
            return "score"
        if roles & {"target", "ind_actual"} and roles & {"level1", "level2", "name"}:
            return "indicator"
        return "other"


def row_scope(label: str) -> str | None:
    """Whose money a money-grid row is: dept (a total row), basic, project, three_public; None
    for other rows (funding sources, detail rows)."""
    label = lx.fold(re.sub(r"\s+", "", label))
    if any(label.startswith(t) for t in lx.TOTAL_ROW_LABELS) or label in ("部门资金", "资金情况", "预算资金"):
        return "dept"
    for scope, pattern in lx.SCOPE_ROW_WORDS:
        if re.search(pattern, label):
            return scope
    return None
