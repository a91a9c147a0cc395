"""One table reader: the normalised text and its layout lines -> typed tables.

Rules and checks read money grids, indicator grids, project grids and score tables through this
module only, so they agree on what a table says. A table is recovered however it was flattened:

- tab-separated rows, and rows whose tabs became spaces (``pipeline.layout`` gives both cells;
  a spaced row's pieces are re-placed where their kinds fit the columns' roles);
- rows whose cells are separated by single spaces under a space-separated header, and a whole
  form flattened onto one line (its header words, then its rows token by token);
- pipes ('| 产出指标 | 数量指标 | … |', empty cells of merged levels kept as empty cells);
- one cell per line ('产出指标 |' / '数量指标 |' …): label-value pairs, then each run of header
  words is a header row whose width cuts the cells after it into rows;
- a form whose empty cells were not printed at all, one cell per line ('cell |' or bare lines)
  or on one line or with rows run on over lines: the header wrapped word by word ('年度指' over
  '标值') is re-joined where the joins make the best header, and the rows after it are read by
  the kinds of their cells under the header's column roles (``_flat_rows``): level names, a
  name (also printed after or wrapped around its values), a sign under 指标性质, a short word
  under 度量单位, figures under 分值 / 得分, a sentence under remarks;
- lines of a grid printed in narrow columns (a PDF's text layer), short words under a row
  being the rest of its wrapped cells;
- figures run together in one cell ('194.9194.9100%'), split over the empty columns after it
  when one reading is certain, and a whole money row or total row run together
  ('39.990.0039.99…84.05%108.41', '10098.41') read when exactly one reading agrees with itself;
- rows broken by a wrapped cell, by a short line without cells (a wrapped unit '（万元）', a name
  fragment), a name printed on the line below its values or begun on the line above them,
  target and actual cells wrapped side by side, or figures printed on the line below (or above)
  their label;
- headers over two or three lines (the pieces of a column are joined; a merged group header
  above several columns names each of them), with formula annotations (①, ③=①+②, (B/A),
  (E/C×100%)) stripped before the header words are matched;
- merged level cells (一级 / 二级指标) that apply to the rows below them;
- tables continuing after a page break, with or without their header;
- several one-project forms on one page divided only by a repeated title (``Table.form``).

Column roles come from the header text through ``lexicon.COLUMN_ROLE_PATTERNS``, never from a
column's position in one template. Each table knows its money unit ('单位：元' above it, or a
'(元)' in its header), else the document's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import combinations

from pipeline import lexicon as lx
from pipeline.layout import Layout, Line, squash_cell


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
    for role, regex in lx.COLUMN_ROLE_REGEXES:
        if regex.search(core):
            return role
    return "other"


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


# --- lines -> cells --------------------------------------------------------------------------


def _layout_cells(line: Line) -> list[TableCell]:
    return [TableCell(c.text, c.start, c.end, c.column, 1, c.more) for c in line.cells]


def _pipe_cells(line: Line) -> list[TableCell] | None:
    """Cells of a pipe-separated line ('| 产出指标 | | 巡查里程 | ≥300 | 326 |'); a line holding
    one cell and a closing pipe ('数量指标 |') gives one cell."""
    text = line.text.replace("｜", "|")
    if "|" not in text or "\t" in text:
        return None
    stripped = text.strip()
    if stripped == "|":
        return [TableCell("", line.start + text.index("|"), line.start + text.index("|"), 0)]  # an empty cell
    pieces, pos = [], 0
    for part in text.split("|"):
        pieces.append((pos, part))
        pos += len(part) + 1
    if stripped.startswith("|"):
        pieces = pieces[1:]
    if stripped.endswith("|"):
        pieces = pieces[:-1]
    if not pieces or (len(pieces) == 1 and not stripped.endswith("|")):
        return None
    cells = []
    for column, (offset, part) in enumerate(pieces):
        lead = len(part) - len(part.lstrip())
        s = line.start + offset + lead
        cells.append(TableCell(squash_cell(part), s, s + len(part.strip()), column))
    return cells


@lru_cache(maxsize=4096)
def _is_header_word(text: str) -> bool:
    if not text or len(text) > 30 or is_numeric(text):
        return False
    return column_role(text) not in ("", "other") or lx.is_table_header(text)


def _header_like(cells: list[TableCell]) -> bool:
    filled = [c for c in cells if c.text]
    numeric = sum(1 for c in filled if is_numeric(c.text))
    roles = [column_role(c.text) for c in filled if len(c.text) <= 30 and not is_numeric(c.text)]
    named = [r for r in roles if r not in ("", "other", "source", "total", "seq", "project_name", "note")]
    if filled and _level_of(filled[0].text):
        return False  # a data row of an indicator grid (成本指标 | “三公”经费控制 | 不超预算 | …)
    return numeric <= 1 and len(named) >= 2 and len(set(named)) >= 2 - (named[0] != "budget") and sum(1 for r in roles if r not in ("", "other")) >= 2


@dataclass
class _Piece:
    """A line of the text as the reader sees it: cells, or a loose short line, or a break."""

    line: Line
    cells: list[TableCell] | None
    single: bool = False  # one cell per line ('cell |')


def _pieces(layout: Layout) -> list[_Piece]:
    out = []
    for line in layout.lines:
        if line.continues is not None:
            out.append(_Piece(line, [], False))  # a header continuation (joined by layout)
            continue
        if line.cells:
            out.append(_Piece(line, _layout_cells(line)))
            continue
        cells = _pipe_cells(line)
        if cells is not None:
            out.append(_Piece(line, cells, single=len(cells) == 1))
            continue
        out.append(_Piece(line, None))
    return out


def _cells_run_on(piece: _Piece) -> bool:
    """Several 'cell |' lines joined into one by the layout (no leading pipe, a closing one)."""
    text = piece.line.text.strip()
    return bool(piece.cells) and not piece.single and "\t" not in text and not text.startswith(("|", "｜")) and text.endswith(("|", "｜"))


def _single_rows(run: list[_Piece]) -> list[tuple[list[TableCell], list[int]]]:
    """Rows of a one-cell-per-line block: a blank line ends a row; without blank lines, the
    header words at the top give the width and the cells are cut into rows of that width."""
    groups: list[list[_Piece]] = [[]]
    for piece in run:
        if piece.cells is None or not piece.cells:
            if groups[-1]:
                groups.append([])
            continue
        groups[-1].append(piece)
    groups = [g for g in groups if g]
    if len(groups) == 1 and len(groups[0]) > 1:
        flat = _flat_rows([p.cells[0] for p in groups[0]])
        if flat is not None:
            index = {p.cells[0].start: p.line.index for p in groups[0]}
            return [(cells, sorted({index[c.start] for c in cells if c.start in index})) for cells in flat]
        groups = _cut_at_headers(groups[0])
    rows = []
    for group in groups:
        cells = [replace(p.cells[0], column=i) for i, p in enumerate(group)]
        rows.append((cells, [p.line.index for p in group]))
    return rows


def _cut_at_headers(flat: list[_Piece]) -> list[list[_Piece]]:
    """One cell per line with no blank line between rows: a run of three or more header words
    is a header row and gives the width of the rows after it (empty cells are printed as empty
    lines, so every row has that width) until the next header run; cells before the first header
    are label-value pairs ('项目名称 |' '乡村道路养护 |')."""
    def run_at(i: int) -> int:
        j = i
        while j < len(flat) and _is_header_word(flat[j].cells[0].text):
            j += 1
        return j - i

    def label(i: int) -> bool:
        text = flat[i].cells[0].text
        return _is_header_word(text) or text.endswith(("名称", "部门", "单位", "负责人"))

    out: list[list[_Piece]] = []
    i, width = 0, 0
    while i < len(flat):
        run = run_at(i)
        if run >= 3:
            out.append(flat[i : i + run])
            width, i = run, i + run
            continue
        if width:
            step = width
        else:
            pair = label(i) and i + 1 < len(flat) and not label(i + 1) and run_at(i + 1) < 3
            step = 2 if pair else 1
        out.append(flat[i : i + step])
        i += step
    return out


def _raw_rows(layout: Layout) -> list[list[tuple[list[TableCell], list[int]] | str]]:
    """Runs of table rows: each run is a list of (cells, line indexes) rows, and the markers
    'loose:<index>' for short lines without cells inside the run (a wrapped unit or name)."""
    pieces = _pieces(layout)
    runs: list[list] = []
    current: list = []
    gap = 0
    i = 0
    space_header: list[TableCell] | None = None  # the header of a table whose cells are space-separated
    plain_until = 0  # the end of the last run of plain lines read as one flat run
    while i < len(pieces):
        piece = pieces[i]
        if piece.single:
            j = i
            block = []
            while j < len(pieces) and (pieces[j].single or _cells_run_on(pieces[j]) or (not pieces[j].line.text.strip() and j + 1 < len(pieces) and pieces[j + 1].single)):
                if _cells_run_on(pieces[j]):
                    # Lines 'cell |' that the layout joined (a long cell wrapped onto the next
                    # lines): each cell is still one line's cell.
                    block.extend(_Piece(pieces[j].line, [replace(c, column=0)], True) for c in pieces[j].cells if c.text)
                else:
                    block.append(pieces[j])
                j += 1
            current.extend(_single_rows(block))
            gap, i = 0, j
            continue
        if piece.cells is not None:
            if piece.cells:
                current.append((piece.cells, [piece.line.index]))
            gap = 0
            i += 1
            continue
        glued_header = _glued_money_header(pieces, i)
        if glued_header is not None:
            header_cells, used = glued_header
            space_header = header_cells
            current.append((header_cells, [pieces[k].line.index for k in range(i, i + used)]))
            gap, i = 0, i + used
            continue
        if i >= plain_until:
            plain_until, rows = _plain_run(pieces, i)
            if rows:
                current.extend(rows)
                gap, i = 0, plain_until
                continue
        spaced = _space_rows(piece.line, space_header)
        if spaced is not None:
            header, rows = spaced
            if header is not None:
                space_header = header
            current.extend((cells, [piece.line.index]) for cells in rows)
            gap = 0
            i += 1
            continue
        if piece.line.text.strip():
            space_header = None
        text = piece.line.text.strip()
        if current and (not text or _PAGE_LINE.fullmatch(text)) and gap < 3:
            gap += 1
        elif current and _loose_line(text) and gap == 0 and _next_has_cells(pieces, i):
            current.append(f"loose:{piece.line.index}")
        else:
            if current:
                runs.append(current)
            current, gap = [], 0
            if _is_form_title(squash_cell(text)):
                runs.append([f"title:{piece.line.index}"])
        i += 1
    if current:
        runs.append(current)
    return runs


# --- rows whose cells are separated by spaces (a whole row, or a whole form, on one line) -------

_TOKEN = re.compile(r"\S+")


def _tokens(line: Line) -> list[TableCell]:
    return [TableCell(m.group(), line.start + m.start(), line.start + m.end(), -1) for m in _TOKEN.finditer(line.text)]


def _header_run(tokens: list[TableCell]) -> tuple[int, int] | None:
    """The longest run of at least three header words among the tokens (a label word such as
    项目 or 序号 right before it belongs to it)."""
    best: tuple[int, int] | None = None
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and _is_header_word(tokens[j].text):
            j += 1
        if j - i >= 3 and (best is None or j - i > best[1] - best[0]):
            best = (i, j)
        i = max(j, i + 1)
    return best


def _space_rows(line: Line, header: list[TableCell] | None) -> tuple[list[TableCell] | None, list[list[TableCell]]] | None:
    """A line without tabs or pipes whose cells are separated by spaces: a header line (three or
    more header words in a row, with the rows that follow it on the same line when a whole form
    was flattened onto one line), or a row under such a header. (new header or None, rows), or
    None when the line is neither."""
    text = line.text
    if "\t" in text or "|" in text or not text.strip():
        return None
    tokens = _tokens(line)
    flat = _flat_rows(tokens)
    if flat is not None:
        # The rows hold their header rows; the last header goes on to the lines below.
        last = max(i for i, r in enumerate(flat) if _header_like(r))
        return flat[last], flat
    if header is None or re.search(r"[。；;，,]", text):
        return None
    rows = _parse_space_rows(tokens, header)
    return (None, rows) if rows else None


def _long_text(text: str) -> bool:
    """A sentence (a remark, a goal), never a name or a value of a grid row."""
    return len(text) > 25 or bool(re.search(r"[。；;，,]", text))


_RUN_AFTER_PERCENT = re.compile(r"([≥≤=<>≧≦]?\d+(?:\.\d+)?%)(\d[\d.%]*\S{0,4})")


def _name_rest(tokens: list[TableCell], i: int) -> bool:
    """tokens[i] is the rest of the row's name printed after its values: a short text that is
    no level name and no value, followed by a level name, a total row or the end (a new row's
    name would be followed by its values)."""
    text = tokens[i].text
    if len(text) > 12 or _level_of(text) or _value_like(text) or _long_text(text) or text.startswith(_TOTAL_LABELS):
        return False
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return not after or bool(_level_of(after)) or after.startswith(_TOTAL_LABELS)


_AMOUNT_ROLES = ("initial", "adjusted", "adjustment", "actual", "budget", "total")
_GLUED_PATTERNS = {
    "amount": r"(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*|0)\.\d{1,2}",
    "rate": r"(?:[1-9]\d*|0)(?:\.\d{1,2})?%",
    "points": r"[1-9]\d?0?",
    "score": r"(?:[1-9]\d*|0)(?:\.\d{1,2})?",
}


def _glued_readings(text: str, roles: list[str]) -> list[list[tuple[int, int]]]:
    """Every way to read ``text`` as one figure per role, in order (spans in ``text``)."""
    kinds = ["amount" if r in _AMOUNT_ROLES else r if r in ("rate", "points", "score") else "" for r in roles]
    if "" in kinds:
        return []
    out: list[list[tuple[int, int]]] = []

    def walk(pos: int, k: int, spans: list[tuple[int, int]]) -> None:
        if k == len(kinds):
            if pos == len(text):
                out.append(list(spans))
            return
        for end in range(pos + 1, len(text) + 1):
            if re.fullmatch(_GLUED_PATTERNS[kinds[k]], text[pos:end]):
                walk(end, k + 1, spans + [(pos, end)])

    walk(0, 0, [])
    return out


def _glued_consistent(values: list[float], roles: list[str]) -> bool:
    """A money row's figures agree: the rate is actual over budget, the adjusted budget is the
    initial one plus the adjustment, the score is at most its points."""
    by = dict(zip(roles, values))
    budget = by.get("adjusted", by.get("budget", by.get("initial")))
    if "rate" in by and "actual" in by and budget:
        if abs(by["actual"] / budget * 100 - by["rate"]) > 0.6:
            return False
    if {"initial", "adjustment", "adjusted"} <= by.keys() and abs(by["initial"] + by["adjustment"] - by["adjusted"]) > 0.011:
        return False
    if "points" in by and "score" in by and by["score"] > by["points"]:
        return False
    return True


def _glued_parts(token: TableCell, roles: list[str]) -> list[TableCell] | None:
    """A token holding one figure per role run together ('10098.41' under 分值 | 得分), split
    when exactly one reading agrees with itself."""
    text = token.text
    readings = [r for r in _glued_readings(text, roles)
                if _glued_consistent([float(text[a:b].rstrip("%").replace(",", "")) for a, b in r], roles)]
    if len(readings) != 1:
        return None
    return [TableCell(text[a:b], token.start + a, token.start + b, -1, value=float(text[a:b].rstrip("%").replace(",", "")),
                      run_together=(token.start, token.end)) for a, b in readings[0]]


def _glued_figures(tokens: list[TableCell], i: int, roles: list[str]) -> tuple[list[TableCell], int] | None:
    """A money row's figures printed run together after its label ('39.990.0039.9933.6184.05%108.41',
    maybe broken by a stray space '269. 5339.90…'): the tokens from i made only of figures, at
    least one no figure by itself, read as one figure per column of the header (or fewer, the
    last columns empty) when exactly one reading is consistent. (cells, next token index)."""
    j = i
    while j < len(tokens) and re.fullmatch(r"[\d.,%]+", tokens[j].text):
        j += 1
    if j == i or all(is_numeric(t.text) for t in tokens[i:j]):
        return None
    chars = [(ch, t.start + k) for t in tokens[i:j] for k, ch in enumerate(t.text)]
    text = "".join(ch for ch, _ in chars)
    found = None
    for count in range(len(roles), 1, -1):
        if any(r not in (*_AMOUNT_ROLES, "rate", "points", "score") for r in roles[:count]):
            continue
        readings = [r for r in _glued_readings(text, roles[:count])
                    if _glued_consistent([float(text[a:b].rstrip("%").replace(",", "")) for a, b in r], roles[:count])]
        if len(readings) == 1:
            found = readings[0]
            break
        if readings:
            return None
    if found is None:
        return None
    whole = (tokens[i].start, tokens[j - 1].end)
    cells = [TableCell(text[a:b], chars[a][1], chars[b - 1][1] + 1, -1, value=float(text[a:b].rstrip("%").replace(",", "")),
                       run_together=whole) for a, b in found]
    return cells, j


def _value_like(text: str) -> bool:
    """A target or actual where a name was expected ('≥2700人次', '46', '='): the row printed its
    name after its values."""
    text = text.replace(" ", "")
    return is_numeric(text) or bool(re.match(r"[≥≤=<>≧≦]", text)) or bool(re.fullmatch(r"\d[\d.,]*[^\d\s]{0,4}", text))


def _parse_space_rows(tokens: list[TableCell], header: list[TableCell], count: bool = False):
    """Rows from a run of tokens under a space-separated header. An indicator header takes, per
    row, the level names, a name, then per column after the name what fits its role (empty
    cells are not printed, so a column whose kind the next token lacks is passed): any value
    under target / actual, a sign under 指标性质, a short word under 度量单位, a figure under
    分值 / 得分, a sentence under remarks; a name printed after its values is taken back. A
    money header takes a label (its words) and the figures after it, in column order. With
    ``count``, (rows, tokens used)."""
    roles = [column_role(h.text) for h in header]
    rows: list[list[TableCell]] = []
    tokens = list(tokens)  # run-together values are split in place
    i, n = 0, len(tokens)
    seen_level1 = False
    indicator = "name" in roles and ("target" in roles or "ind_actual" in roles)
    level_cols = {r: roles.index(r) for r in ("level1", "level2") if r in roles}
    used = 0
    names = [c for c, r in enumerate(roles) if r == "name"]
    # Indicator names print right of their levels ('绩效指标' left of them labels the block).
    name_col = next((c for c in names if c > max(level_cols.values(), default=-1)), names[0] if names else 0)
    while i < n:
        cells: list[TableCell] = []
        if indicator:
            text = tokens[i].text
            if text.startswith(_TOTAL_LABELS):
                figures = [c for c in range(len(roles)) if roles[c] in ("points", "score", "review_score")]
                j = i + 1
                while j < n and is_numeric(tokens[j].text) and j - i - 1 < len(figures):
                    j += 1
                got = tokens[i + 1 : j]
                if not got:
                    break
                if len(got) == 1 and len(figures) >= 2:
                    parts = _glued_parts(got[0], [roles[c] for c in figures[-2:]])
                    got = parts if parts is not None else got
                cells = [replace(tokens[i], column=0)] + [replace(t, column=c) for t, c in zip(got, figures[len(figures) - len(got):])]
                rows.append(cells)
                i = used = j
                continue
            while i < n and _level_of(tokens[i].text) and level_cols:
                kind = _level_of(tokens[i].text)
                taken = {c.column for c in cells}
                if kind == "level2" and "level2" in level_cols:
                    col = level_cols["level2"]
                elif kind == "level1" or "level2" not in level_cols:
                    col = level_cols.get("level1", level_cols.get("level2"))
                else:  # 满意度指标 / 成本指标: level 1 or 2 by template
                    # Level 1 when a level 2 follows it, or the grid has no level 1 yet; alone
                    # under a level 1 in force, it is that level's level 2.
                    following = _level_of(tokens[i + 1].text) if i + 1 < n else None
                    first = level_cols.get("level1", -1) not in taken and not cells
                    col = level_cols.get("level1", 0) if first and (following or not seen_level1) else level_cols["level2"]
                if col in taken:
                    col = level_cols.get("level2", col)
                cells.append(replace(tokens[i], column=col))
                seen_level1 = seen_level1 or col == level_cols.get("level1")
                i += 1
            if i >= n or _long_text(tokens[i].text) or tokens[i].text.startswith(_TOTAL_LABELS):
                break
            name_after = _value_like(tokens[i].text)
            if not name_after:
                cells.append(replace(tokens[i], column=name_col))
                i += 1
            values = 0
            for col in range(name_col + 1, len(roles)):
                if i >= n:
                    break
                role, text = roles[col], tokens[i].text
                if _level_of(text) or text.startswith(_TOTAL_LABELS):
                    break
                if role in ("points", "score", "review_score"):
                    fits = is_numeric(text) and not text.endswith("%")
                elif role == "nature":
                    fits = bool(_SIGNS.fullmatch(text))
                elif role == "unit":
                    fits = len(text) <= 4 and not re.search(r"\d", text) and not is_placeholder(text)
                elif role in ("target", "ind_actual"):
                    fits = not _long_text(text)
                    glued = _RUN_AFTER_PERCENT.fullmatch(text)
                    if fits and glued:
                        # '100%100%1818': a value and the figures printed against it; the
                        # rest is read as the next token.
                        cut = glued.end(1)
                        tokens[i : i + 1] = [replace(tokens[i], text=text[:cut], end=tokens[i].start + cut),
                                             replace(tokens[i], text=text[cut:], start=tokens[i].start + cut)]
                        n = len(tokens)
                elif role == "note":
                    fits = _long_text(text) or is_placeholder(text)
                else:
                    fits = False
                if fits:
                    cells.append(replace(tokens[i], column=col))
                    values += 1
                    i += 1
            if name_after and i < n and not is_numeric(tokens[i].text) and not _level_of(tokens[i].text) and not _long_text(tokens[i].text):
                cells.append(replace(tokens[i], column=name_col))
                i += 1
            elif not name_after and values and i < n and _name_rest(tokens, i):
                # '城乡低保对 ≥18000人 19116人 象保障人数': the name wrapped around its values.
                k = next(k for k, c in enumerate(cells) if c.column == name_col)
                cells[k] = cells[k].joined(tokens[i])
                i += 1
        else:
            label: list[TableCell] = []
            while i < n and not is_numeric(tokens[i].text) and not is_placeholder(tokens[i].text) and not _long_text(tokens[i].text) \
                    and not re.fullmatch(r"[\d.,%]+", tokens[i].text):
                label.append(tokens[i])
                i += 1
            values: list[TableCell] = []
            glued = _glued_figures(tokens, i, roles[1:]) if label else None
            fixed = _fixed_precision_row(tokens, i, header) if label and glued is None else None
            if fixed is not None:
                values, i = fixed  # placed in their columns, blank columns passed
            else:
                if glued is not None:
                    values, i = glued
                while i < n and (is_numeric(tokens[i].text) or is_placeholder(tokens[i].text)) and len(values) < len(roles) - 1:
                    values.append(tokens[i])
                    i += 1
                values = [replace(v, column=k + 1) for k, v in enumerate(values)]
            if not values:
                break
            if label:
                cells.append(TableCell("".join(t.text for t in label), label[0].start, label[-1].end, 0))
            cells.extend(values)
        if len(cells) < 2:
            break
        rows.append(sorted(cells, key=lambda c: c.column))
        used = i
    return (rows, tokens[used:]) if count else rows


# --- a money header glued at its annotations; figures run together at one precision ------------
#
# A converter that drops the cell separators of a fund form prints its money header as one run
# whose column labels are told apart only by their annotations ('全年预算数(A)统筹资金数(B)…
# 执行率(E/C×100%)佐证材料', '小计③=①+②'), and a row's figures as one run too
# ('86.50000086.500000100.00%…'). The header is cut after each annotation; the figures are cut
# where every amount has the decimals all amounts of the run share (one way only, for a run at a
# fixed precision) and a rate ends at its '%'; the figures go to the columns in order, blank
# columns allowed, where the header's formulas hold (a rate column 'D/C' equals D/C at its
# printed precision, and D and C hold figures). No unique consistent reading: no split.

_ANNOTATION = lx.COLUMN_ANNOTATION
_NUMBERING_LINE = re.compile(r"\s*(?:列次|行次|栏次)\s*(?:\d\s*)*")  # '列次1234567', '行次': column / row numbering
_NUMBERING_TAIL = re.compile(r"(?:列次|行次|栏次)(?:\d|列次|行次|栏次)*$")
_RATE_FORMULA = re.compile(r"([A-Za-z①-⑳])\s*/\s*([A-Za-z①-⑳])")


def glued_header_spans(text: str) -> list[tuple[int, int]] | None:
    """The column labels of a header printed without separators, cut after each annotation
    ('(A)', '（B）', '(D/C×100%)', '③=①+②', a unit '(万元)'); the words after the last annotation
    are the last label. None unless three or more labels, each with words before its annotation."""
    if re.search(r"\s|[。；;，,]", text):
        return None
    numbering = _NUMBERING_TAIL.search(text)  # '…佐证材料列次1234567': a numbering line joined on
    if numbering:
        text = text[: numbering.start()]
    spans, start = [], 0
    for m in _ANNOTATION.finditer(text):
        if m.start() == start:
            if not spans:
                return None  # an annotation with no words of its own
            spans[-1] = (spans[-1][0], m.end())  # a second annotation of the same label: '执行率(%)⑤=④/③'
        else:
            spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans if len(spans) >= 3 else None


def _glued_money_header(pieces: list[_Piece], i: int) -> tuple[list[TableCell], int] | None:
    """A glued header line at pieces[i] as header cells, with the numbering lines under it
    ('列次1234567', '行次'); a '行次' line adds the row-number column after the label column.
    (cells, lines used)."""
    line = pieces[i].line
    text = line.text.strip()
    spans = glued_header_spans(text)
    if spans is None:
        return None
    lead = line.start + len(line.text) - len(line.text.lstrip())
    cells = [TableCell(text[a:b], lead + a, lead + b, k) for k, (a, b) in enumerate(spans)]
    if not _header_like(cells):
        return None
    used = 1
    # The numbering joined onto the header line, and numbering lines under it.
    numbering = [(lead + spans[-1][1], text[spans[-1][1]:])]
    while i + used < len(pieces) and pieces[i + used].cells is None and _NUMBERING_LINE.fullmatch(pieces[i + used].line.text):
        below = pieces[i + used].line
        numbering.append((below.start, below.text))
        used += 1
    # A row-number column ('行次') stands between the row labels and the figures.
    rows_numbered = next(((at + m.start(), at + m.end()) for at, words in numbering if (m := re.search(r"行次|栏次", words))), None)
    if rows_numbered is not None:
        seq = TableCell("行次", rows_numbered[0], rows_numbered[1], 1)
        cells = [cells[0], seq, *(replace(c, column=c.column + 1) for c in cells[1:])]
    return cells, used


def _annotation_of(header: str) -> tuple[str | None, tuple[str, str] | None, tuple[str, ...] | None]:
    """(own letter or circled number, rate formula (numerator, denominator), sum parts) of a
    header's annotation: '(A)' -> A; '(E/C×100%)' -> (E, C); '⑤=④/③' -> ⑤, (④, ③); '③=①+②' -> ③, parts ①②."""
    m = None
    for m in _ANNOTATION.finditer(header):
        pass
    if m is None:
        return None, None, None
    inner = m.group().strip("()（） ")
    own = None
    if re.fullmatch(r"[A-Za-z]|[①-⑳]", inner):
        return inner, None, None
    left, eq, right = inner.partition("=")
    if eq and re.fullmatch(r"[A-Za-z①-⑳]", left.strip()):
        own, inner = left.strip(), right
    rate = _RATE_FORMULA.search(inner)
    if rate:
        return own, (rate.group(1), rate.group(2)), None
    parts = tuple(re.findall(r"[A-Za-z①-⑳]", inner)) if "+" in inner else None
    return own, None, parts


def _rates_from_formulas(table: Table) -> None:
    """Of two rate columns whose formulas say what they divide ('预算到位(D/C)' beside
    '预算执行(E/C)'), the one over the spending column is the execution rate; the others (money
    arrived over budget) keep no rate role."""
    owners = {}
    for col, column in table.columns.items():
        own = _annotation_of(column.header)[0]
        if own:
            owners[own] = col
    numerators = {}
    for col in table.columns_with("rate"):
        formula = _annotation_of(table.columns[col].header)[1]
        if formula and formula[0] in owners:
            numerators[col] = table.columns[owners[formula[0]]].role
    if len(table.columns_with("rate")) < 2 or "actual" not in numerators.values():
        return
    for col, role in numerators.items():
        if role != "actual":
            table.columns[col].role = "other"


_LONGEST_RUN = 160  # a row of a dozen figures at six decimals; longer digit runs are no row of figures


def fixed_precision_splits(run: str) -> list[list[tuple[int, int]]]:
    """Every way to cut ``run`` into two or more figures where each amount has the same number
    (at least one) of decimals and a rate ends at its '%' ('86.50000086.500000100.00%' ->
    86.500000 | 86.500000 | 100.00%); no figure starts with a superfluous 0."""
    out: list[list[tuple[int, int]]] = []
    if len(run) > _LONGEST_RUN:
        return out
    for decimals in range(1, 9):
        amount = re.compile(r"(?:[1-9]\d*|0)\.\d{%d}" % decimals)
        rate = re.compile(r"(?:[1-9]\d*|0)(?:\.\d+)?%")
        found: list[list[tuple[int, int]]] = []

        def walk(pos: int, spans: list[tuple[int, int]]) -> None:
            if pos == len(run):
                if len(spans) >= 2 and any(not run[a:b].endswith("%") for a, b in spans):
                    found.append(list(spans))
                return
            for pattern in (amount, rate):
                m = pattern.match(run, pos)
                if m:
                    walk(m.end(), spans + [(pos, m.end())])

        walk(0, [])
        out.extend(r for r in found if r not in out)
    return out


def _column_kinds(header: list[TableCell]) -> list[str | None]:
    """'amount', 'rate', 'seq' or None (a label, a note) for each header column."""
    kinds: list[str | None] = []
    for cell in header:
        own, formula, _ = _annotation_of(cell.text)
        role = column_role(cell.text)
        if formula or role == "rate":
            kinds.append("rate")
        elif (own and re.fullmatch(r"[A-Za-z]|[①-⑳]", own)) or role in (*_AMOUNT_ROLES, "source"):
            kinds.append("amount")
        elif role == "seq":
            kinds.append("seq")
        else:
            kinds.append(None)
    return kinds


def _formulas_hold(values: dict[int, tuple[float, int]], header: list[TableCell]) -> bool:
    """The header's formulas agree with figures placed in its columns (column -> (value,
    decimals)): a rate 'X/Y' equals X/Y at its printed precision, a sum '③=①+②' its parts; the
    columns a formula names hold figures."""
    owners = {}
    for col, cell in enumerate(header):
        own = _annotation_of(cell.text)[0]
        if own:
            owners[own] = col
    for col, cell in enumerate(header):
        if col not in values:
            continue
        own, rate, parts = _annotation_of(cell.text)
        value, decimals = values[col]
        if rate:
            num, den = (values.get(owners.get(x, -1)) for x in rate)
            if num is None or den is None or not den[0]:
                return False
            if abs(num[0] / den[0] * 100 - value) > 0.5 * 10 ** -decimals + 1e-9:
                return False
        if parts:
            got = [values.get(owners.get(x, -1)) for x in parts]
            if any(g is None for g in got) or abs(sum(g[0] for g in got) - value) > 0.5 * 10 ** -decimals + 1e-9:
                return False
    return True


def _fixed_precision_row(tokens: list[TableCell], i: int, header: list[TableCell]) -> tuple[list[TableCell], int] | None:
    """A money row's figures printed as one run at a fixed precision after its label (and its
    row number under a 行次 column), a note maybe glued after them: the cells, each in its column
    with its value and the run's span (see above). (cells, next token index) or None."""
    kinds = _column_kinds(header)
    roles = [column_role(h.text) for h in header]
    cells: list[TableCell] = []
    j = i
    if j + 1 < len(tokens) and "seq" in kinds[1:2] and re.fullmatch(r"\d{1,3}", tokens[j].text):
        cells.append(replace(tokens[j], column=1))
        j += 1
    if j >= len(tokens):
        return None
    token = tokens[j]
    m = re.match(r"[\d.%]+", token.text)
    if m is None:
        return None
    run, rest = m.group(), token.text[m.end():]
    columns = [c for c, k in enumerate(kinds) if k in ("amount", "rate") and c > 0]
    formulas = any(_annotation_of(header[c].text)[1] or _annotation_of(header[c].text)[2] for c in columns)
    readings = []
    for spans in fixed_precision_splits(run):
        figures = [run[a:b] for a, b in spans]
        figure_kinds = ["rate" if f.endswith("%") else "amount" for f in figures]
        for chosen in combinations(columns, len(figures)):
            if any(kinds[c] != k for c, k in zip(chosen, figure_kinds)):
                continue
            values = {c: (float(f.rstrip("%")), len(f.rstrip("%").partition(".")[2])) for c, f in zip(chosen, figures)}
            if formulas:
                if not _formulas_hold(values, header):
                    continue
            elif len(chosen) != len(columns) or not _glued_consistent([v for v, _ in values.values()], [roles[c] for c in chosen]):
                continue
            readings.append((spans, chosen))
    if len(readings) > 1:
        # A blank cell stands under a column that names no budget figure (统筹整合资金, 其他资金),
        # not under one that does.
        def blanks_unnamed(chosen: tuple[int, ...]) -> bool:
            return all(roles[c] in ("", "other") for c in columns if c not in chosen)
        readings = [r for r in readings if blanks_unnamed(r[1])]
    if len(readings) != 1:
        return None
    spans, chosen = readings[0]
    whole = (token.start, token.start + len(run))
    for (a, b), col in zip(spans, chosen):
        text = run[a:b]
        cells.append(TableCell(text, token.start + a, token.start + b, col, value=float(text.rstrip("%")), run_together=whole))
    if rest and "seq" in kinds and j + 1 < len(tokens) and re.fullmatch(r"\d{1,3}", tokens[j + 1].text):
        # The next row's label glued after the figures (a line join), its row number after it.
        tokens[j] = TableCell(rest, token.start + m.end(), token.end, -1)
        return cells, j
    if rest:
        after = [c for c in range(chosen[-1] + 1, len(header)) if kinds[c] is None]
        if not after:
            return None
        cells.append(TableCell(rest, token.start + m.end(), token.end, after[0]))
    return cells, j + 1


# --- a header wrapped over several lines, read from a flat run of cells or tokens ----------------

_ROLELESS = ("", "other")


def _join_gain(top: str, piece: str) -> float:
    """How much joining a wrapped piece to a header cell makes a header of it: '年度指' + '标值'
    names a role the upper piece alone does not; '分值' + '析及改进措施' names none."""
    r0, r1 = column_role(top), column_role(top + piece)
    if r0 in _ROLELESS and lx.is_table_header(top) and r1 not in _ROLELESS and column_role(piece) == r1:
        return -2.0  # the piece names that role alone: a column of its own beside a label column
    if r1 not in _ROLELESS and r0 in _ROLELESS:
        return 3.0
    if r1 not in _ROLELESS and r1 != r0:
        return 2.0
    if lx.is_table_header(top + piece):
        return 1.0 if lx.is_table_header(top) else 2.0  # '项目' + '资金': the label column's header
    if r1 in _ROLELESS and r0 not in _ROLELESS:
        return -2.0
    if re.fullmatch(r"[(（].*[)）]|[①-⑳=+\-/×÷*%A-Z()（）]+", piece):
        return 1.0
    return 0.5 if r1 == r0 and r1 not in _ROLELESS else -0.5


def _align_wrapped(top: list[str], rest: list[str]) -> tuple[float, list[int]] | None:
    """The columns of ``top`` the wrapped pieces ``rest`` belong under, in order, joined where
    the joins make the best header words. A column takes one piece, or two or three in a row
    when the header wrapped over three lines ('偏差原因分' / '析及改进措' / '施')."""
    n, m = len(rest), len(top)
    if n > m + 4:
        return None

    @lru_cache(maxsize=None)
    def solve(i: int, c: int) -> tuple[float, tuple[int, ...]] | None:
        if i == n:
            return 0.0, ()
        if c >= m:
            return None
        best = solve(i, c + 1)  # nothing wraps under column c
        for k in range(i + 1, min(n, i + 3) + 1):
            after = solve(k, c + 1)
            if after is None:
                continue
            score = _join_gain(top[c], "".join(rest[i:k])) - 0.5 * (k - i - 1) + after[0]
            if best is None or score > best[0]:
                best = (score, (c,) * (k - i) + after[1])
        return best

    found = solve(0, 0)
    return (found[0], list(found[1])) if found is not None else None


def _header_quality(texts: list[str]) -> float:
    """How well header cells read as a header: each role named once counts, a role named again
    or a cell that names nothing counts against (a wrapped header read unwrapped leaves
    fragments '年初预' '算数' and repeats '预算')."""
    seen: set[str] = set()
    quality = 0.0
    for text in texts:
        role = column_role(text)
        if role in _ROLELESS:
            quality -= 0.0 if lx.is_table_header(text) else 1.0
        elif role in seen:
            quality -= 0.0 if role in ("name", "note", "other") else 1.0
        else:
            seen.add(role)
            quality += 1.0 if lx.is_table_header(text) else 0.5  # '一级', '实际': a fragment
    return quality


def _header_fragment_word(text: str) -> bool:
    """A piece of a wrapped header cell: short, no figure, no level name, no row label."""
    return (0 < len(text) <= 8 and not is_numeric(text) and not is_placeholder(text) and not _level_of(text)
            and not re.search(r"\d", _FORMULA.sub("", text)) and row_scope(text) is None
            and not text.startswith(_TOTAL_LABELS) and not re.search(r"[。；;，,:：]", text))


def _wrapped_header(cells: list[TableCell], start: int, end: int) -> tuple[list[TableCell], int, int]:
    """The header zone around a run of header words cells[start:end] in a flat run: short pieces
    before it (the first line's fragments '项目' '年初'), pieces after it up to the first row
    (a level name, or the label before a figure), then the best cut of the zone into the first
    line and its wrapped pieces. (header cells with columns, zone start, zone end)."""
    run = (start, end)
    while start > 0 and len(cells[start - 1].text) <= 4 and _header_fragment_word(cells[start - 1].text):
        start -= 1
    while end < len(cells) and _header_fragment_word(cells[end].text) and \
            not (end + 1 < len(cells) and (is_numeric(cells[end + 1].text) or is_placeholder(cells[end + 1].text))):
        end += 1
    zone = cells[start:end]
    texts = [c.text for c in zone]
    # A money grid's first row (a label, then its figures) prints every column: the header is
    # as wide as that row.
    width = 0
    if end < len(cells) and not _level_of(cells[end].text):
        j = end + 1
        while j < len(cells) and (is_numeric(cells[j].text) or is_placeholder(cells[j].text)):
            j += 1
        width = j - end if j - end >= 3 else 0
    unwrapped = _header_quality(texts)
    choice: tuple[float, int, list[int]] = (unwrapped, len(zone), [])
    for k in range(3, len(zone)):
        aligned = _align_wrapped(texts[:k], texts[k:])
        if aligned is None or aligned[0] <= 0:
            continue
        joined = list(texts[:k])
        for piece, col in zip(texts[k:], aligned[1]):
            joined[col] += piece
        quality = _header_quality(joined)
        if quality < unwrapped + 1:
            continue  # joining must make a better header than the pieces as printed
        quality += 0.02 * aligned[0] + (2.0 if k == width else 0.0)
        if quality > choice[0]:
            choice = (quality, k, aligned[1])
    _, k, cols = choice
    if k == len(zone):
        # Not wrapped: the header is the run of header words; the short words around it are
        # the cells of the rows next to it ('巡河次数' after 实际完成值).
        start, end = run
        zone = cells[start:end]
        k = len(zone)
    header = [replace(c, column=i) for i, c in enumerate(zone[:k])]
    for piece, col in zip(zone[k:], cols):
        header[col] = header[col].joined(piece)
    return header, start, end


def _header_runs(cells: list[TableCell]) -> list[tuple[int, int]]:
    """Every run of three or more header words in a flat run of cells (short words without
    figures: a sentence naming 年初预算数 is prose)."""
    def word(text: str) -> bool:
        return len(text) <= 14 and _is_header_word(text) and not re.search(r"[。；;，,:：]|\d", _FORMULA.sub("", text))

    def row_label(j: int) -> bool:  # '年度资金总额' before its figures opens a row
        after = cells[j + 1].text if j + 1 < len(cells) else ""
        return (cells[j].text.startswith(_TOTAL_LABELS) or row_scope(cells[j].text) is not None) and bool(re.match(r"\d", after))

    runs, i = [], 0
    while i < len(cells):
        j = i
        while j < len(cells) and word(cells[j].text) and not row_label(j):
            j += 1
        if j - i >= 3:
            runs.append((i, j))
        i = max(j, i + 1)
    return runs


def _unglue_row_labels(cells: list[TableCell]) -> list[TableCell]:
    """'得分年度资金总额' before '39.99…': the header's last word and the first row's label,
    glued when the line break between them was read as a wrap ('88.8%1818总分': a row's last
    figures and the total row's label). Split where the tail is a total row's label and the head
    a header word or figures."""
    out = []
    for k, cell in enumerate(cells):
        after = cells[k + 1].text if k + 1 < len(cells) else ""
        label = next((t for t in _TOTAL_LABELS if cell.text.endswith(t) and len(cell.text) > len(t)), None)
        head = cell.text[: -len(label)] if label else ""
        if label and (re.match(r"\d", after) and _is_header_word(head) or re.fullmatch(r"[\d.,%]+", head)):
            cut = len(cell.text) - len(label)
            if cell.end - cell.start == len(cell.text):
                out += [replace(cell, text=cell.text[:cut], end=cell.start + cut), replace(cell, text=label, start=cell.start + cut)]
                continue
        out.append(cell)
    return out


def _flat_rows(cells: list[TableCell]) -> list[list[TableCell]] | None:
    """Rows of a flat run of cells (one cell per line without blank lines, or a form on one
    line): each header zone (wrapped header lines joined) becomes a header row and the rows
    after it are read by the kinds of their cells under the header's column roles
    (``_parse_space_rows``); cells before the first header are label-value pairs, cells no row
    takes stay together as a row of their own. None when no header zone is found."""
    cells = _unglue_row_labels(cells)
    zones = []
    for s, e in _header_runs(cells):
        if zones and s < zones[-1][2]:
            continue
        header, zs, ze = _wrapped_header(cells, s, e)
        if not _header_like(header):
            continue
        zones.append((header, zs, ze))
    if not zones:
        return None
    rows: list[list[TableCell]] = []
    pre = cells[: zones[0][1]]
    for i in range(0, len(pre), 2):
        rows.append([replace(c, column=k) for k, c in enumerate(pre[i : i + 2])])
    for z, (header, zs, ze) in enumerate(zones):
        rows.append(header)
        stop = zones[z + 1][1] if z + 1 < len(zones) else len(cells)
        rest = cells[ze:stop]
        parsed, left = _parse_space_rows(rest, header, count=True)
        rows.extend(parsed)
        if left:
            rows.append([replace(c, column=k) for k, c in enumerate(left)])
    return rows


def _join_wrapped_cells(lines: list[list[TableCell]]) -> list[list[TableCell]]:
    """Lines of a grid printed in narrow columns (a PDF's text layer): a line of short words
    only, under a row with figures, holds the rest of that row's wrapped text cells ('资助家庭经
    1900人 1900人 13 13' over '济困难学生'); its words join the row's unfinished text cells,
    the last ones first. A line followed by a line of figures is a name above its values and
    stays."""
    def value_line(line: list[TableCell]) -> bool:
        return any(_value_like(t.text) for t in line)

    def words_only(line: list[TableCell]) -> bool:
        return bool(line) and all(len(t.text) <= 6 and not _value_like(t.text) and not _level_of(t.text)
                                   and not t.text.startswith(_TOTAL_LABELS) and not _is_header_word(t.text) for t in line)

    out: list[list[TableCell]] = []
    anchor: int | None = None  # the row line whose cells the words continue
    for k, line in enumerate(lines):
        following = lines[k + 1] if k + 1 < len(lines) else []
        if anchor is not None and words_only(line) and not (following and _value_like(following[0].text)):
            row = out[anchor]
            open_cells = [n for n, t in enumerate(row) if not _value_like(t.text) and not _level_of(t.text) and not _long_text(t.text)]
            if open_cells and len(line) <= len(open_cells):
                for n, word in zip(open_cells[len(open_cells) - len(line):], line):
                    row[n] = row[n].joined(word)
                continue
            if not open_cells:
                out.append(list(line))  # a name printed below its row's values: its rest follows
                anchor = len(out) - 1
                continue
        out.append(list(line))
        total = any(label in t.text for t in line for label in _TOTAL_LABELS)  # a total row ends the grid
        anchor = len(out) - 1 if value_line(line) and not total else None
    return out


def _plain_run(pieces: list[_Piece], i: int) -> tuple[int, list[tuple[list[TableCell], list[int]]]]:
    """A run of two or more plain lines (no tabs, no pipes, no blank line, no form title) from
    piece i, read as one flat run of cells when it holds a header: a form printed one cell per
    bare line, or with its rows broken over lines anywhere. (end of the run, rows with their
    line indexes); no rows when the run holds no header."""
    j = i
    while j < len(pieces) and pieces[j].cells is None and pieces[j].line.text.strip() \
            and not _is_form_title(squash_cell(pieces[j].line.text)) and not _PAGE_LINE.fullmatch(pieces[j].line.text.strip()):
        j += 1
    if j - i < 2:
        return j, []
    tokens = [t for line in _join_wrapped_cells([_tokens(p.line) for p in pieces[i:j]]) for t in line]
    flat = _flat_rows(tokens)
    if flat is None:
        return j, []
    starts = [p.line.start for p in pieces[i:j]]
    indexes = [p.line.index for p in pieces[i:j]]

    def line_of(cell: TableCell) -> int:
        return indexes[bisect_right(starts, cell.start) - 1]

    return j, [(cells, sorted({line_of(c) for c in cells})) for cells in flat]


def _loose_line(text: str) -> bool:
    """A short line without cells inside a table: a wrapped unit ('（万元）'), a name fragment."""
    return 0 < len(text) <= 14 and not re.search(r"[。；;，,:：]", text) and not _is_form_title(text)


def _next_has_cells(pieces: list[_Piece], i: int) -> bool:
    for piece in pieces[i + 1 : i + 3]:
        if piece.cells:
            return True
        if piece.line.text.strip():
            return False
    return False


# --- rows -> tables ----------------------------------------------------------------------------


def read_tables(text: str, layout: Layout, default_unit: str = "万元") -> list[Table]:
    """The tables of a normalised text (its layout): typed rows, cells, header, column roles and
    unit, in text order."""
    titles: dict[str, int] = {}
    for line in layout.lines:
        if line.cells or "表" not in line.text:
            continue
        t = squash_cell(line.text)
        if _is_form_title(t):
            titles[t] = titles.get(t, 0) + 1
    repeated = {t for t, n in titles.items() if n >= 2}
    tables: list[Table] = []
    form = 0
    for run in _raw_rows(layout):
        if len(run) == 1 and isinstance(run[0], str) and run[0].startswith("title:"):
            line = layout.lines[int(run[0][6:])]
            if squash_cell(line.text) in repeated:
                form += 1
            continue
        tables.extend(_split_run(text, layout, run, tables, default_unit, form))
    # A table that continues one before it (page break) was merged into it by _split_run; its
    # levels and run-together figures are read once all its rows are in.
    tables = [t for t in tables if t.rows or t.header]
    for table in tables:
        table.previous = None
        _carry_levels(table)
        for row in table.rows:
            _split_run_together(table, row)
    return tables


def _split_run(text: str, layout: Layout, run: list, before: list[Table], default_unit: str, form: int) -> list[Table]:
    out: list[Table] = []
    table: Table | None = None
    header_open = False
    for item in run:
        if isinstance(item, str):
            if item.startswith("loose:") and table is not None:
                _loose(table, layout.lines[int(item[6:])], header_open)
            continue
        cells, lines = item
        if _header_like(cells) or (header_open and table is not None and _header_fragment(cells, table)):
            if header_open and table is not None:
                table.header.append(Row(cells, lines))
            else:
                top: list[Row] = []
                if table is not None and not table.header and out and table is out[-1] and all(_words_only(r) and not _label_pair(r) for r in table.rows) \
                        and table.rows and lines[0] - table.rows[-1].lines[-1] == 1:
                    # '年度预算 | | | 执行情况' over the header proper: a group line that named
                    # too few columns to read as a header on its own.
                    top = table.rows
                    out.pop()
                previous = out[-1] if out else (before[-1] if before else None)
                table = Table([*top, Row(cells, lines)], {}, [], default_unit, form=form, previous=previous)
                out.append(table)
            header_open = True
            continue
        if header_open and table is not None:
            _finish_header(text, layout, table, default_unit)
            if out and table is out[-1] and table.previous is not None and _repeats(table, table.previous, layout):
                out.pop()
                table = table.previous
        header_open = False
        if table is None:
            previous = out[-1] if out else (before[-1] if before else None)
            if previous is not None and previous.form == form and previous.rows and previous.columns \
                    and _only_furniture(layout, previous.rows[-1].lines[-1], lines[0]):
                table = previous  # rows after a page break without their header
                table.continued = True
            else:
                table = Table([], {}, [], default_unit, form=form)
                out.append(table)
        if layout.lines[lines[0]].spaced and table.columns:
            cells = _realign(table, cells)
        _add_row(table, Row(cells, lines))
    if header_open and table is not None:
        _finish_header(text, layout, table, default_unit)
    return out


# --- figures run together --------------------------------------------------------------------

_FIGURE_COLUMNS = ("initial", "adjusted", "adjustment", "actual", "budget", "total", "source", "rate", "points", "score")


def _split_run_together(table: Table, row: Row) -> None:
    """A cell holding several figures printed without a gap ('194.9194.9100%' under 全年预算数 |
    全年执行数 | 执行率, the cells after it empty) is split into one cell per figure, in the
    columns that lack them. Each figure keeps the decimals of the others; a figure never starts
    with a superfluous 0; where the columns hold two amounts and a rate, the rate must agree
    with them."""
    columns = [c for c in sorted(table.columns) if table.columns[c].role in _FIGURE_COLUMNS]
    if len(columns) < 2:
        return
    for cell in list(row.filled()):
        text = cell.text
        if cell.column not in columns or text.count(".") < 2 and not (text.count(".") == 1 and text.endswith("%") and len(text) > 8):
            continue
        if cell.end - cell.start != len(text) or not re.fullmatch(r"[\d.]+%?", text):
            continue
        after = [c for c in columns if c > cell.column]
        free = []
        for col in after:
            other = row.cell(col)
            if other is not None and other.text:
                break
            free.append(col)
        targets = [cell.column, *free]
        parts = _decompose(text, [table.columns[c].role for c in targets])
        if parts is None:
            continue
        new_cells, pos = [], 0
        for col, part in zip(targets, parts):
            start = cell.start + pos
            new_cells.append(TableCell(part, start, start + len(part), col, value=float(part.rstrip("%")), run_together=(cell.start, cell.end)))
            pos += len(part)
        kept = [c for c in row.cells if c.column not in targets]
        row.cells = sorted([*kept, *new_cells], key=lambda c: c.column)


def _decompose(text: str, roles: list[str]) -> list[str] | None:
    """``text`` as len(roles) figures run together, or None when no reading is certain."""
    readings = []
    for count in range(2, len(roles) + 1):
        for decimals in (2, 1, 3, 4, 5, 6):
            head = r"(\d+\.\d{%d})" % decimals
            m = re.fullmatch(head * (count - 1) + r"(\d+(?:\.\d+)?%?)", text)
            if not m:
                continue
            parts = list(m.groups())
            if any(re.match(r"0\d", p) for p in parts):
                continue
            readings.append(parts)
    certain = []
    for parts in readings:
        rates = [i for i, p in enumerate(parts) if roles[i] == "rate"]
        amounts = [float(p) for i, p in enumerate(parts) if roles[i] in ("adjusted", "budget", "total", "actual", "initial") and not p.endswith("%")]
        if rates and len(amounts) >= 2 and amounts[-2]:
            rate = float(parts[rates[0]].rstrip("%"))
            if abs(amounts[-1] / amounts[-2] * 100 - rate) <= 0.5:
                certain.append(parts)
        elif parts[-1].endswith("%") == ("rate" in roles[len(parts) - 1 : len(parts)]):
            certain.append(parts)
    if len(certain) > 1:
        # Figures of one row are printed with the same decimals: keep the readings that do so.
        def decimals(p: str) -> int:
            return len(p.rstrip("%").partition(".")[2])
        certain = [parts for parts in certain if len({decimals(p) for p in parts}) == 1]
    return certain[0] if len(certain) == 1 else None


def _label_pair(row: Row) -> bool:
    """A form's label-value pairs ('项目名称 | 渔港码头维修', '主管部门 | … | 实施单位 | …'),
    never a group header line."""
    filled = row.filled()
    return len(filled) % 2 == 0 and bool(filled) and all(
        re.sub(r"\s+", "", c.text).rstrip(":：").endswith(("名称", "部门", "单位", "负责人")) for c in filled[::2])


def _words_only(row: Row) -> bool:
    filled = row.filled()
    return bool(filled) and all(len(c.text) <= 12 and not re.search(r"\d", c.text) for c in filled)


_MONEY_LIKE = ("initial", "adjusted", "adjustment", "actual", "budget", "total", "source", "points", "score", "review_score")
_TEXT_LIKE = ("project_name", "name", "level1", "level2", "other", "note", "content", "target", "ind_actual", "unit", "nature", "")


def _fit(text: str, role: str) -> float:
    """How well a cell's text sits in a column of a role (a row whose tabs became spaces lost
    the empty cells that placed its pieces)."""
    if is_placeholder(text):
        return 0.5
    if re.fullmatch(r"\d{1,3}", text):
        return {"seq": 1.0}.get(role, 0.6 if role in _MONEY_LIKE else 0.1)
    if text.rstrip().endswith(("%", "‰")) and is_numeric(text):
        return 1.0 if role == "rate" else 0.6 if role in ("target", "ind_actual") else 0.0
    if is_numeric(text):
        return 1.0 if role in _MONEY_LIKE else 0.6 if role in ("rate", "target", "ind_actual") else 0.0
    return 1.0 if role in _TEXT_LIKE else 0.0


def _realign(table: Table, cells: list[TableCell]) -> list[TableCell]:
    """The pieces of a space-separated row placed in the table's columns, in order, where their
    kinds fit the columns' roles best (a number under a money column, a name under 项目名称)."""
    filled = [c for c in cells if c.text]
    width = max(table.columns) + 1
    if not filled or len(filled) > width:
        return cells
    roles = [table.role(c) for c in range(width)]
    n = len(filled)
    neg = float("-inf")
    best = [[neg] * width for _ in range(n)]
    back = [[-1] * width for _ in range(n)]
    for c in range(width):
        best[0][c] = _fit(filled[0].text, roles[c]) - 0.01 * c
    for i in range(1, n):
        for c in range(i, width):
            prev = max(range(i - 1, c), key=lambda p: best[i - 1][p])
            if best[i - 1][prev] == neg:
                continue
            best[i][c] = best[i - 1][prev] + _fit(filled[i].text, roles[c]) - 0.01 * (c - prev - 1)
            back[i][c] = prev
    col = max(range(width), key=lambda c: best[n - 1][c])
    if best[n - 1][col] == neg:
        return cells
    cols = [col]
    for i in range(n - 1, 0, -1):
        col = back[i][col]
        cols.append(col)
    cols.reverse()
    current = sum(_fit(c.text, table.role(c.column)) for c in filled)
    if sum(_fit(c.text, roles[k]) for c, k in zip(filled, cols)) <= current + 1e-9:
        return cells  # the layout's placement fits as well
    return [replace(c, column=k) for c, k in zip(filled, cols)]


def _header_fragment(cells: list[TableCell], table: Table) -> bool:
    """'全年（调' over '整）预算数', '执行率（B' over '/A）': the next header line holds only the
    rest of header cells above it (no figure, no level name), and joining it makes a header word
    that its upper piece alone is not (or it is a bracketed unit or formula)."""
    filled = [c for c in cells if c.text]
    if not filled or any(re.search(r"\d", c.text) or is_placeholder(c.text) for c in filled):
        return False
    if len(filled) >= 3 and not _level_of(filled[0].text) and all(len(c.text) <= 12 for c in filled) and sum(1 for c in filled if _is_header_word(c.text) or _level_of(c.text)) * 2 >= len(filled):
        return True  # a further header line (leaf words under group headers: 合计 | 财政拨款 | …)
    if any(len(c.text) > 8 or _level_of(c.text) for c in filled):
        return False
    last = table.header[-1]
    for c in filled:
        upper = last.cell(c.column)
        if upper is None or not upper.text:
            continue
        if re.fullmatch(r"[(（].*[)）]?|.*[)）]|[①-⑳=+\-/×÷*%A-Z()（）]+", c.text):
            return True  # a wrapped unit or formula annotation
        if column_role(upper.text + c.text) not in ("", "other") and column_role(upper.text) in ("", "other"):
            return True
        if lx.is_table_header(upper.text + c.text) and not lx.is_table_header(upper.text):
            return True
    return False


def _finish_header(text: str, layout: Layout, table: Table, default_unit: str) -> None:
    width = max(max((c.column for c in r.cells), default=-1) for r in table.header) + 1
    pieces: dict[int, list[str]] = {c: [] for c in range(width)}
    group: dict[int, str] = {}
    for depth, row in enumerate(table.header):
        filled = {c.column: c.text for c in row.cells if c.text}
        for col in range(width):
            if col in filled:
                pieces[col].append(filled[col])
            elif depth < len(table.header) - 1:
                # A merged group header prints in the first of its columns: the empty cells to
                # its right under it belong to the group ('实际支出金额' over 合计 | 财政拨款).
                left = [c for c in filled if c < col]
                below = table.header[depth + 1].cell(col)
                if left and below is not None and below.text:
                    group[col] = filled[max(left)]
    for col in range(width):
        parts = pieces[col]
        if not parts and col not in group:
            continue
        leaf = parts[-1] if parts else ""
        joined = "".join(parts)
        role = column_role(leaf) if leaf else ""
        group_text = group.get(col, "")
        group_role = column_role(group_text) if group_text else ""
        if role in ("total", "source") and group_role in ("actual", "budget", "adjusted", "initial"):
            role = group_role if role == "total" else "source"
        elif role in ("", "other") and len(parts) > 1:
            role = column_role(joined)
        table.columns[col] = Column(col, group_text + joined, leaf, role)
    names = table.columns_with("name")
    if len(names) > 1:
        # '绩效指标' heading the whole indicator block beside 一级 / 二级 / 三级指标 names no column.
        # A name column left of the level columns is such a block label: indicator names are
        # printed right of their levels (the header may be wrapped, '绩效' over '指标').
        levels = table.columns_with("level1", "level2")
        for col in names:
            words = (header_core(table.columns[col].leaf), header_core(table.columns[col].header))
            if len(names) > 1 and ("绩效指标" in words or (levels and col < min(levels))):
                table.columns[col].role = "other"
                names = [c for c in names if c != col]
    _rates_from_formulas(table)
    table.unit = _table_unit(text, layout, table, default_unit)


def _table_unit(text: str, layout: Layout, table: Table, default_unit: str) -> str:
    """'单位：元' on the lines just above the header (or in it): the unit of this table."""
    first = table.header[0].index
    start = layout.lines[max(0, first - 3)].start
    end = layout.lines[table.header[-1].lines[-1]].end
    m = None
    for m in _UNIT_NOTE.finditer(text, start, end):
        pass
    if m is None:  # a unit wrapped under a header cell ('预算数' over '（元）') is in the cell's text
        m = next((u for c in table.columns.values() for u in [_UNIT_NOTE.search(c.header)] if u), None)
    return (m.group(1) or m.group(2)) if m else default_unit


def _repeats(table: Table, previous: Table | None, layout: Layout) -> bool:
    """A header repeated after a page break: the same roles as the table before, a few lines on."""
    if previous is None or not previous.rows or previous.form != table.form:
        return False
    same = [c.role for _, c in sorted(table.columns.items())] == [c.role for _, c in sorted(previous.columns.items())]
    near = _only_furniture(layout, previous.rows[-1].lines[-1], table.header[0].index)
    if same and near:
        previous.continued = True
        return True
    return False


def _only_furniture(layout: Layout, last: int, first: int) -> bool:
    """Only a page break lies between two lines: blank lines, a page number, a running head or
    foot (short lines without sentences), no more than eight lines."""
    if first - last > 8:
        return False
    for line in layout.lines[last + 1 : first]:
        text = line.text.strip()
        if text and not _PAGE_LINE.fullmatch(text) and (len(text) > 30 or re.search(r"[。；;，,:：]", text)):
            return False
    return True


def _value_cells(table: Table, row: Row) -> list[TableCell]:
    return [
        c for c in row.filled()
        if (is_numeric(c.text) or table.role(c.column) in ("target", "ind_actual", "points", "score")) and table.role(c.column) != "seq"
    ]


def _text_cells(table: Table, row: Row) -> list[TableCell]:
    return [c for c in row.filled() if not is_numeric(c.text) and not is_placeholder(c.text) and table.role(c.column) not in ("target", "ind_actual", "nature", "unit")]


def _add_row(table: Table, row: Row) -> None:
    """Append a row, joining it to the row above when the two are one row broken over lines:
    a label without figures above figures without a label (or the reverse), a name fragment
    under a row's name, a name printed below its figures."""
    if table.rows:
        above = table.rows[-1]
        if len(table.rows) >= 2 and _nameless_figures(table, table.rows[-2]) and not _value_cells(table, above):
            # Figures without a name, then a name without figures: the figures printed above
            # their name (a taller name cell), so the line below is the next row, not this one's.
            table.rows.append(row)
            return
        if _joinable(table, above, row):
            table.rows[-1] = _merge(above, row)
            return
    table.rows.append(row)


def _nameless_figures(table: Table, row: Row) -> bool:
    if not _value_cells(table, row):
        return False
    name_col = table.column("project_name", "name")
    if name_col is not None:
        cell = row.cell(name_col)
        return cell is None or not cell.text
    return not _text_cells(table, row)


def _joinable(table: Table, above: Row, row: Row) -> bool:
    if row.lines[0] - above.lines[-1] > 2:
        return False
    taken = {c.column for c in above.filled()}
    mine = {c.column for c in row.filled()}
    if taken & mine:
        return _fragment_of(table, above, row) or _wrapped_values(table, above, row) or _name_head(table, above, row)
    above_values, row_values = _value_cells(table, above), _value_cells(table, row)
    above_text, row_text = _text_cells(table, above), _text_cells(table, row)
    if above_text and not above_values and row_values and not row_text:
        return True  # figures printed on the line below their label
    name_col = table.column("project_name", "name")
    if above_text and not above_values and row_values and name_col is not None and above.cell(name_col) is not None \
            and above.cell(name_col).text and (row.cell(name_col) is None or not row.cell(name_col).text):
        return True  # the rest of a row (figures, 实施单位) on the line below its name
    if above_values and not above_text and row_text and not row_values and len(row.filled()) <= 2:
        return True  # a name printed on the line below its figures
    return False


def _wrapped_values(table: Table, above: Row, row: Row) -> bool:
    """Target and actual cells that both wrapped ('同比下降 | 同比下降' over '15% | 12%'): a line
    holding only pieces under the text of the row's 指标值 / 完成值 cells, no name of its own."""
    filled = row.filled()
    if len(filled) < 2 or any(table.role(c.column) not in ("target", "ind_actual") for c in filled):
        return False
    for c in filled:
        mine = above.cell(c.column)
        if mine is None or not mine.text or is_numeric(mine.text) or re.search(r"\d", mine.text):
            return False
    return True


def _name_head(table: Table, above: Row, row: Row) -> bool:
    """A name whose first part printed on the line above its row ('国省干线公路' over '养护里程 |
    ≥120公里 | 126公里'): a line holding only a short piece in the name column, no level name,
    above a row with its own name and figures."""
    name_col = table.column("name", "project_name")
    filled = [c for c in above.filled() if not _level_of(c.text)]  # level cells may open the row
    if name_col is None or len(filled) != 1 or filled[0].column != name_col:
        return False
    if len(filled) == len(above.filled()) and table.rows and table.rows[0] is not above:
        return False  # below a row, a lone piece is more likely the rest of that row's name
    text = filled[0].text
    if len(text) > 12 or _level_of(text) or is_numeric(text) or row_scope(text) is not None:
        return False
    own = row.cell(name_col)
    return own is not None and bool(own.text) and bool(_value_cells(table, row))


def _fragment_of(table: Table, above: Row, row: Row) -> bool:
    """A line holding only a short piece of text in a column where the row above has text: the
    rest of that wrapped cell."""
    filled = row.filled()
    if len(filled) != 1 or is_numeric(filled[0].text) or is_placeholder(filled[0].text):
        return False
    cell = filled[0]
    mine = above.cell(cell.column)
    if mine is None or not mine.text or is_numeric(mine.text):
        return False
    text = cell.text
    if len(text) > 12 or _level_of(text) or re.match(r"\d|[一二三四五六七八九十]+、|[(（]\d", text):
        return False
    if row_scope(text) is not None or re.match(r"其中|[“\"]?三公", text):
        return False  # a row label of its own (项目支出 under 基本支出), not the rest of one
    if table.role(cell.column) in ("level1", "level2"):
        return False
    return bool(_value_cells(table, above)) or not _value_cells(table, row)


def _merge(above: Row, row: Row) -> Row:
    cells = {c.column: c for c in above.cells}
    for c in row.cells:
        if not c.text:
            cells.setdefault(c.column, c)
            continue
        own = cells.get(c.column)
        cells[c.column] = own.joined(c) if own is not None and own.text else c
    return Row([cells[k] for k in sorted(cells)], above.lines + row.lines, dict(above.carried))


def _loose(table: Table, line: Line, in_header: bool) -> None:
    """A short line without cells inside a table: in the header, the rest of the header cell it
    sits under (a wrapped unit '（万元）'); below a row, the rest of that row's name."""
    text = squash_cell(line.text)
    start = line.start + (len(line.text) - len(line.text.lstrip()))
    if in_header and table.header:
        last = table.header[-1]
        filled = last.filled()
        if filled:
            target = filled[-1] if re.fullmatch(r"[(（].*[)）]", text) else filled[0]
            piece = TableCell(text, start, start + len(line.text.strip()), target.column)
            last.cells = [c.joined(piece) if c is target else c for c in last.cells]
        return
    if table.rows:
        above = table.rows[-1]
        name_col = table.column("name", "project_name")
        cell = above.cell(name_col) if name_col is not None else None
        if cell is None:
            texts = _text_cells(table, above)
            cell = texts[-1] if texts else None
        if cell is not None and not is_numeric(text):
            piece = TableCell(text, start, start + len(line.text.strip()), cell.column)
            above.cells = [c.joined(piece) if c is cell else c for c in above.cells]
            above.lines.append(line.index)


# --- merged level cells ----------------------------------------------------------------------


def _carry_levels(table: Table) -> None:
    """Level cells (一级 / 二级指标) merged over the rows below them: each row carries the level
    cells in force, a new 一级 resets the 二级. Level names are recognised by their words (a
    shifted row prints them in other columns); 满意度指标 / 成本指标 are level 1 or 2 by template,
    so they take the slot their neighbours leave free."""
    if table.kind not in ("indicator", "score"):
        return
    name_col = table.column("name")
    level1: TableCell | None = None
    level2: TableCell | None = None
    for row in table.rows:
        found = _row_levels(table, row, name_col)
        if "level1" in found:
            if level1 is None or found["level1"].text != level1.text:
                level2 = None
            level1 = found["level1"]
        if "level2" in found:
            level2 = found["level2"]
        row.carried = {k: v for k, v in (("level1", level1), ("level2", level2)) if v is not None}


def _row_levels(table: Table, row: Row, name_col: int | None) -> dict[str, TableCell]:
    levels: dict[str, TableCell] = {}
    level_cells = []
    for cell in row.filled():
        kind = _level_of(cell.text)
        role = table.role(cell.column)
        if kind and (name_col is None or cell.column <= name_col):
            level_cells.append((cell, kind))
    for cell, kind in level_cells:
        if kind != "either" and kind not in levels:
            levels[kind] = cell
    for cell, kind in level_cells:
        if kind == "either":
            later_level2 = any(k == "level2" and c.column > cell.column for c, k in level_cells)
            slot = "level1" if "level1" not in levels and (later_level2 or table.role(cell.column) == "level1") else "level2"
            levels.setdefault(slot, cell)
    return levels


def level_cells(table: Table, row: Row) -> set[int]:
    """Columns of the row's own level cells (not carried ones)."""
    return {c.column for c in _row_levels(table, row, table.column("name")).values()}


# --- names -----------------------------------------------------------------------------------

_POINTS = re.compile(r"\s*[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*$")
_NUMBERING = re.compile(r"^\s*(?:指标\s*\d{1,2}\s*[:：.、]|\d{1,2}\s*[.、．)）](?!\d)|[(（]\s*[\d一二三四五六七八九十]{1,2}\s*[)）]|[一二三四五六七八九十]{1,2}\s*、)\s*")


def clean_name(cell: TableCell, codes: bool = False) -> TableCell:
    """A level, indicator or project name without what only decorates it: points
    ('产出指标（50分）'), numbering ('指标1：', '1.', '（一）') and, with ``codes``, a leading
    financial-system code. The span shrinks with the text when the cell is printed as one piece."""
    text = cell.text
    head = 0
    m = _NUMBERING.match(text)
    if m and len(text) - m.end() >= 2:
        head = m.end()
    if codes:
        c = lx.CODE_PREFIX.match(text, head)
        if c and len(text) - c.end() >= 2:
            head = c.end()
    tail = len(text)
    p = _POINTS.search(text)
    if p and p.start() - head >= 2:
        tail = p.start()
    if head == 0 and tail == len(text):
        return cell
    exact = not cell.more and cell.end - cell.start == len(text)
    start, end = (cell.start + head, cell.start + tail) if exact else (cell.start, cell.end)
    return replace(cell, text=text[head:tail].strip(), start=start, end=end)


# --- indicator rows --------------------------------------------------------------------------


@dataclass
class IndicatorCells:
    level1: TableCell | None
    level2: TableCell | None
    name: TableCell
    target: TableCell | None
    actual: TableCell | None
    points: TableCell | None = None
    score: TableCell | None = None


def indicator_rows(table: Table) -> list[IndicatorCells]:
    """The indicators of an indicator grid: rows that print a target or an actual (score-only
    rows are not indicators), with the level cells in force, the name cleaned, and a target
    split over 指标性质 | 指标值 | 度量单位 joined (sign + value + unit; a numeric actual takes the
    unit)."""
    cols = {role: table.column(role) for role in ("name", "target", "ind_actual", "nature", "unit", "points", "score")}
    if cols["name"] is None:
        return []
    out = []
    for row in table.rows:
        label = row.label
        if any(label.startswith(t) for t in [*lx.TOTAL_ROW_LABELS, "总分", *lx.GRADE_LABELS[:3], *lx.PROBLEM_HEADINGS]):
            break  # the indicator block ends at its total row
        own_levels = level_cells(table, row)
        rest = sorted((c for c in row.filled() if c.column not in own_levels), key=lambda c: c.column)
        by_col = {c.column: c for c in rest}
        name = by_col.get(cols["name"])
        values: dict[str, TableCell] = {}
        if name is not None:
            for key in ("target", "ind_actual"):
                cell = by_col.get(cols[key]) if cols[key] is not None else None
                if cell is not None and not is_placeholder(cell.text):
                    values[key] = cell
            _join_split_target(values, by_col.get(cols["nature"]) if cols["nature"] is not None else None,
                               by_col.get(cols["unit"]) if cols["unit"] is not None else None)
        elif rest:
            # A shifted row (continuation page, wrapped cells): name first, then values in order;
            # cells under 分值 / 得分 / remarks are never a target or an actual.
            rest = [c for c in rest if table.role(c.column) not in ("points", "score", "review_score", "note")]
            name = rest[0] if rest else None
            ordered = sorted((k for k in ("target", "ind_actual") if cols[k] is not None), key=lambda k: cols[k])
            for key, cell in zip(ordered, rest[1:]):
                values[key] = cell
        if name is None or is_numeric(name.text) or re.fullmatch(r"任务\d+", name.text):
            continue
        # A total row is no indicator; an indicator may well be about the whole department
        # ('部门整体支出控制数 | ≤6218.93万元 | 6104.57万元'), so 部门整体 alone does not make a total.
        if any(re.sub(r"\s+", "", name.text).startswith(t) for t in [*lx.TOTAL_ROW_LABELS, "总分", "得分"] if t != "部门整体"):
            continue
        target, actual = values.get("target"), values.get("ind_actual")
        if target is None and actual is None:
            continue  # score-only rows (分值 and 得分 alone) are not indicators
        if len(re.sub(r"\s+", "", name.text)) > 40 or any(v is not None and len(re.sub(r"\s+", "", v.text)) > 25 for v in (target, actual)):
            continue
        l1, l2 = row.carried.get("level1"), row.carried.get("level2")
        out.append(IndicatorCells(
            clean_name(l1) if l1 else None, clean_name(l2) if l2 else None, clean_name(name), target, actual,
            row.cell(cols["points"]), row.cell(cols["score"]),
        ))
    return out


def _join_split_target(values: dict[str, TableCell], nature: TableCell | None, unit: TableCell | None) -> None:
    """'≥' | '12000' | '人' -> '≥12000人'; a bare-number actual '12436' -> '12436人'. The target's
    cells are adjacent, so its span covers them; the actual keeps its own cell with the unit cell
    as a further piece. Placeholders ('—') are no part."""
    sign = nature.text if nature is not None and _SIGNS.fullmatch(nature.text) else ""
    unit_text = unit.text if unit is not None and not is_placeholder(unit.text) else ""
    for key in ("target", "ind_actual"):
        value = values.get(key)
        if value is None:
            continue
        prefix = sign if key == "target" and not _SIGNS.match(value.text) else ""
        bare = re.fullmatch(r"[-+]?\d[\d,，]*(?:\.\d+)?", value.text.replace(" ", ""))
        suffix = unit_text if bare else ""
        if not prefix and not suffix:
            continue
        start, end, more = value.start, value.end, list(value.more)
        if key == "target":
            parts = [c for c in (nature if prefix else None, unit if suffix else None) if c is not None]
            start, end = min([start, *(c.start for c in parts)]), max([end, *(c.end for c in parts)])
        elif suffix and unit is not None and not start <= unit.start < end:
            more.append((unit.start, unit.end))
        values[key] = replace(value, text=prefix + value.text + suffix, start=start, end=end, more=tuple(more))


# --- forms -----------------------------------------------------------------------------------


@dataclass
class Form:
    """One one-project form of a page printing several, each under the repeated title."""

    number: int
    tables: list[Table]
    name: TableCell | None  # the 项目名称 value cell


def forms(tables: list[Table]) -> list[Form]:
    """The one-project forms of a multi-form page (tables grouped by ``Table.form``), in order.
    Tables before the first repeated title (a page beginning inside a previous table) are form
    0 and not returned. Empty unless the page repeats a title."""
    numbers = sorted({t.form for t in tables if t.form > 0})
    if len(numbers) < 2:
        return []
    out = []
    for n in numbers:
        group = [t for t in tables if t.form == n]
        out.append(Form(n, group, _form_name(group)))
    return out


def _form_name(group: list[Table]) -> TableCell | None:
    found = labelled_value(group, ("项目名称", "资金名称", "专项名称"))
    return clean_name(found[1], codes=True) if found else None


_MAX_FIELD_ROW_CELLS = 6  # 项目名称 | X | 主管部门 | Y | 实施单位 | Z


def labelled_values(tables: list[Table], labels: Iterable[str]) -> Iterator[tuple[str, TableCell]]:
    """(label, value cell) of a form's label-value pairs, in text order, however the form was
    flattened ('项目名称 | 乡村道路养护', pipes, one cell per line): a cell that is one of the labels
    (a colon or a short bracket after it allowed: '主管部门（盖章）：') followed by a
    cell that is a value: no header word (a column header row of a multi-project table names no
    value), no figure, no placeholder and no other label."""
    wanted = tuple(labels)
    for table in tables:
        for row in [*table.header, *table.rows]:
            filled = row.filled()
            if len(filled) > _MAX_FIELD_ROW_CELLS:
                continue  # a long run of cells (a form flattened to one cell per line) pairs no label with its value
            for cell, value in zip(filled, filled[1:]):
                text = re.sub(r"[\s:：]|[(（][^)）]{0,6}[)）]", "", cell.text)
                label = text if text in wanted else None
                if label is None or len(value.text) < 2 or is_numeric(value.text) or is_placeholder(value.text):
                    continue
                if _is_header_word(value.text) or re.sub(r"\s", "", value.text) in wanted:
                    continue
                yield label, value


def labelled_value(tables: list[Table], labels: Iterable[str]) -> tuple[str, TableCell] | None:
    """The first of ``labelled_values``."""
    return next(labelled_values(tables, labels), None)


def form_money(form: Form) -> dict[str, TableCell]:
    """budget (full-year, else initial / a 合计 or unlabelled budget), actual, rate of a form:
    the money grid's total row, else its first row with figures."""
    for table in form.tables:
        if table.kind not in ("money", "project"):
            continue
        rows = [r for r in table.rows if any(is_numeric(c.text) for c in r.filled())]
        if not rows:
            continue
        row = next((r for r in rows if r.is_total), rows[0])
        out: dict[str, TableCell] = {}
        for key, roles in (("budget", ("adjusted", "total", "budget", "initial")), ("actual", ("actual",)), ("rate", ("rate",))):
            for col in (c for role in roles for c in table.columns_with(role)):
                cell = row.cell(col)
                if cell is not None and is_numeric(cell.text):
                    out[key] = cell
                    break
        if out:
            return out
    return {}


# --- an indicator table glued together ---------------------------------------------------------
#
# A converter that drops every cell separator prints an indicator table as one run per row:
# '一级指标二级指标三级指标年度指标值全年完成值…' over '产出指标数量指标案件办结数≥600件632件'. The
# header is recognised by three or more indicator header words glued together; each row below is
# read from its ends: the level words the lexicon knows at its start, the actual and the target
# (a figure with its unit, the target with its sign) at its end, and the name in between.

_GLUED_HEADER = re.compile(r"(?:一级指标|二级指标|三级指标|指标值|完成值){3,}")
_FIGURE = r"\d+(?:\.\d+)?\s*(?:%|‰|[\u4e00-\u9fff]{1,4})?"
_GLUED_ROW = re.compile(
    r"(?P<name>.{2,40}?)(?P<target>(?:[≥≤=<>≧≦]|不低于|不高于|不少于)\s*" + _FIGURE + r"|" + _FIGURE + r")"
    r"(?P<actual>" + _FIGURE + r")"
)


def glued_indicator_rows(text: str, layout: Layout) -> list[IndicatorCells]:
    """Indicators of indicator tables printed without any cell separator (see above)."""
    levels = sorted({*lx.INDICATOR_LEVEL1, *lx.INDICATOR_LEVEL2}, key=len, reverse=True)
    level_at_start = re.compile("|".join(map(re.escape, levels)))
    out: list[IndicatorCells] = []
    lines = layout.lines
    for i, header in enumerate(lines):
        if header.cells or not _GLUED_HEADER.search(re.sub(r"\s+", "", header.text)):
            continue
        level1 = level2 = None
        for line in lines[i + 1 : i + 40]:
            if line.cells:
                break
            raw = line.text
            pos, own = line.start + (len(raw) - len(raw.lstrip())), []
            while m := level_at_start.match(text, pos, line.end):
                own.append(TableCell(m.group(), m.start(), m.end(), len(own)))
                pos = m.end()
            row = _GLUED_ROW.fullmatch(text, pos, line.end - (len(raw) - len(raw.rstrip())))
            if row is None:
                break  # the table ends at the first line that is no indicator row
            for k, cell in enumerate(own):
                one, two = cell.text in lx.INDICATOR_LEVEL1, cell.text in lx.INDICATOR_LEVEL2
                # 满意度指标 / 成本指标 are either level: first of two level words, or with no
                # 一级 in force yet, it opens a 一级; under a 一级 it is a 二级.
                if one and (not two or (k == 0 and len(own) == 2) or level1 is None):
                    level1, level2 = cell, None
                else:
                    level2 = cell
            name = TableCell(row.group("name"), row.start("name"), row.end("name"), 2)
            target = TableCell(re.sub(r"\s+", "", row.group("target")), row.start("target"), row.end("target"), 3)
            actual = TableCell(re.sub(r"\s+", "", row.group("actual")), row.start("actual"), row.end("actual"), 4)
            out.append(IndicatorCells(level1, level2, clean_name(name), target, actual))
    return out
