"""Grids whose PDF columns came out side by side: each printed line holds one line of every cell
of a row, so a cell that wraps goes on, beside the other wrapped cells of its row, on the next
line ('农村道路改造 80 公 92 公 9 9' | '工程长度 里 里'); headers wrap the same way ('合计(万 执行数'
| '元) (万元)'), and the indicator levels stand on lines of their own with their points
('质量指标(10分)').

The table reader (pipeline.tables) reads a grid as a flow of tokens; here the line structure is
kept, because it decides what belongs together:

- ``continue_cells`` merges a continuation line into the open cells of the row above, by shape:
  a fragment closes an open bracket, completes a split unit ('公' + '里') or goes on a text cell;
  pure figures (scores) are never continued, and every fragment must find a cell, in order.
- ``money_figures`` reads a funding row with fewer figures than headers (empty source columns):
  the 合计 is the figure that sums the figures before it, the rate the one with '%', the actual the
  figure whose ratio to the 合计 is that rate at its printed precision.
- ``indicator_rows`` reads an indicator grid under such headers: level headings on lines of their
  own (a wrapped level name completed by the next line's first fragment), score-only criteria rows
  (a name with its points, no target or actual) skipped, names and values rebuilt from fragments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline import lexicon as lx
from pipeline.layout import Layout, Line
from pipeline.tables import IndicatorCells, TableCell, _join_split_target, clean_name, column_role

_TOKEN = re.compile(r"\S+")
_FIGURE = re.compile(r"[≥≤=<>]?[-+]?\d[\d,]*(?:\.\d+)?")
# A value with its sign and unit ('≥3.5公里', '96%', '12次', '3.8km'; not a code piece such as
# '51070420R'): two in a row are two cells.
_WHOLE_VALUE = re.compile(r"[≥≤=<>]?[-+]?\d[\d,]*(?:\.\d+)?(?:%|‰|[\u4e00-\u9fff]{1,4}|[a-z]{1,3}[²³]?)?")
_PURE_FIGURE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
_POINTS_ONLY = re.compile(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]")
_POINTS_AT_END = re.compile(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]$")
_PAGE_MARK = re.compile(r"[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页.*")
# Figures run together ('833.37995.01', '100%96.5%') or an empty cell's dash: no piece of a wrapped cell.
_FIGURES_OR_BLANK = re.compile(r"\d[\d,]*\.\d+\.\d[\d.,%]*|\d[\d.,]*%\d[\d.,%]*|[—–\-－/]{1,3}")
# A financial-system code wrapped in a narrow cell ('13253922T' over '989805493456-'): its
# digits go on the code, they are no figure.
_CODE_PIECE = re.compile(r"(?=[0-9A-Z]*[A-Z])[0-9A-Z]{6,}|\d{6,}[-—]?")
_SENTENCE = re.compile(r"[。；;:：]")
_SIGN = re.compile(r"[≥≤=<>]")
# Where an indicator grid ends: its total or grade line, or the problems under it.
_GRID_END = (*lx.SCORE_LABELS, *lx.TOTAL_ROW_LABELS, *lx.GRADE_LABELS, *lx.PROBLEM_HEADINGS, *lx.IMPROVEMENT_HEADINGS)


def _cell(text: str, start: int, end: int, more: tuple[tuple[int, int], ...] = ()) -> TableCell:
    return TableCell(text, start, end, -1, more=more)


def line_cells(line: Line) -> list[TableCell]:
    """The cells of a line printed with spaces between its cells. A figure and the unit or sign
    printed apart from it are one cell ('120 公' -> '120公', '96.5 %' -> '96.5%', '≥ 8' -> '≥8'):
    a unit alone is no column."""
    tokens = [_cell(m.group(), line.start + m.start(), line.start + m.end()) for m in _TOKEN.finditer(line.text)]
    out: list[TableCell] = []
    for tok in tokens:
        prev = out[-1] if out else None
        if prev is not None and (
            (re.search(r"\d$", prev.text) and (_unit_head(tok.text) or tok.text in ("%", "‰")))
            or (_SIGN.fullmatch(prev.text) and _FIGURE.match(tok.text))
        ):
            out[-1] = replace(prev, text=prev.text + tok.text, end=tok.end)
            continue
        out.append(tok)
    return out


def _unit_head(text: str) -> bool:
    """A unit or the head of one cut by a wrap ('公' of 公里, '万' of 万元, '年')."""
    return 0 < len(text) <= 3 and not re.search(r"\d", text) and any(u.startswith(text) for u in lx.MEASURE_UNITS)


def _open_bracket(text: str) -> bool:
    return text.count("(") + text.count("（") > text.count(")") + text.count("）")


def _closes(text: str) -> bool:
    return text.count(")") + text.count("）") > text.count("(") + text.count("（")


def _is_figure(text: str) -> bool:
    return bool(_PURE_FIGURE.fullmatch(text.replace("%", "")))


def _join_score(cell: str, fragment: str, header: bool = False) -> float | None:
    """How well a continuation fragment goes on a cell; None when it cannot (a figure, a score,
    is complete). Closing a bracket or completing a split unit is certain; a text cell may go on;
    in a header, a join that makes a header word ('年度指' + '标值') is certain too."""
    if header and re.search(r"\d", _POINTS_ONLY.sub("", fragment)) and not _closes(fragment):
        return None  # a figure under a header opens the first row, it continues no header cell
    if header and (lx.RATIO_ANNOTATION.fullmatch(fragment.strip()) or lx.COLUMN_ANNOTATION.fullmatch(fragment.strip())):
        # An annotation under a wrapped header ('（C）', '(B/A)', '（万元）') goes on a header
        # cell not annotated yet, whatever its words; a formula dividing two columns on the
        # rate column, not the column before it.
        if lx.OWN_ANNOTATION_END.search(cell):
            return 0.1
        if lx.RATIO_ANNOTATION.fullmatch(fragment.strip()):
            return 3.0 if column_role(cell) == "rate" else 0.2
        # A column's own letter ('（A）') names an amount a formula divides, not 分值 or 得分.
        return 0.5 if lx.OWN_ANNOTATION_END.fullmatch(fragment.strip()) and column_role(cell) in ("points", "score", "review_score") else 1.0
    if header and not _open_bracket(cell):
        if lx.is_table_header(cell + fragment) and not lx.is_table_header(cell):
            return 3.0
        return 1.0 if lx.is_table_header(cell + fragment) else None  # only joins that make header words
    if not header and lx.classify_level(cell) and cell.endswith("指标"):
        return None  # a whole level name ('产出指标') goes on no further: the wrap is another cell's
    if _closes(fragment):
        return 3.0 if _open_bracket(cell) else None  # '元)' closes '(万', nothing else
    if _open_bracket(cell):
        return 0.3
    m = re.search(r"\d\s*([^\d\s.%]{1,2})$", cell)
    if m and any(u.startswith(m.group(1)) and u != m.group(1) and u.startswith(m.group(1) + fragment[:1]) for u in lx.MEASURE_UNITS):
        return 3.0  # '120公' + '里'
    if _is_figure(cell):
        return None
    if _WHOLE_VALUE.fullmatch(cell) and _WHOLE_VALUE.fullmatch(fragment):
        return None  # a value after a value ('≥3.5公里' | '≥1.2公里'): the next row's, printed without its level cells
    if lx.is_table_header(cell):
        return 0.1  # a label ('主管部门') is printed whole; the value beside it wraps
    if cell.endswith(lx.COMPLETE_NAME_ENDINGS):
        return 0.3  # a whole name ('…水务局'): the fragment is the rest of another cell
    if re.search(r"[。!！?？]$", cell):
        return None  # a finished sentence (a remark) goes no further
    if re.search(r"[)）]$", cell):
        return 0.1  # '预算编制(3分)': a closed cell rarely goes on
    if re.search(r"[,，、;；]", cell):
        return 1.5  # a remark goes on until its sentence ends
    if re.search(r"\d", cell) and not re.search(r"\d", fragment):
        return 0.2  # a value goes on rarely, with words
    return 1.0


def continue_cells(row: list[TableCell], fragments: list[TableCell], header: bool = False,
                   prefer: int | None = None, code: bool = False) -> list[TableCell] | None:
    """The row with each fragment of a continuation line appended to one of its cells, in order,
    one fragment per cell, where the fragments fit best; None when they do not all fit (the line
    is a row of its own). ``prefer``: the cell the line before went on (a remark wrapped over
    several lines goes on there)."""
    n, m = len(fragments), len(row)
    if n == 0 or n > m or (not code and any(_PURE_FIGURE.fullmatch(f.text) for f in fragments)):
        return None  # a bare figure is a score or a value of its own, never the rest of a cell
    texts = tuple(c.text for c in row)
    frags = tuple(f.text for f in fragments)

    @lru_cache(maxsize=None)
    def solve(i: int, c: int) -> tuple[float, tuple[int, ...]] | None:
        if i == n:
            return 0.0, ()
        if m - c < n - i:
            return None
        best = None
        gain = _join_score(texts[c], frags[i], header)
        if gain is not None and c == prefer and n == 1:
            gain += 1.0
        if gain is not None:
            after = solve(i + 1, c + 1)
            if after is not None:
                best = (gain + after[0], (c, *after[1]))
        skip = solve(i, c + 1)
        if skip is not None and (best is None or skip[0] > best[0]):
            best = skip  # ties go to the earlier cell: a wrap continues the leftmost open cell
        return best

    found = solve(0, 0)
    if found is None:
        return None
    out = list(row)
    for frag, col in zip(fragments, found[1]):
        out[col] = out[col].joined(frag)
    return out


def _extended(before: list[TableCell], after: list[TableCell]) -> int | None:
    """The last cell a continuation went on."""
    changed = [k for k, (a, b) in enumerate(zip(before, after)) if a.text != b.text]
    return changed[-1] if changed else None


def _continuation(line: list[TableCell], row: list[TableCell], header: bool = False,
                  prefer: int | None = None) -> list[TableCell] | None:
    """``row`` continued by ``line`` when the line has the shape of a continuation: fewer pieces
    than the row, no figure standing alone (a score of its own), no sentence start."""
    code_goes_on = len(line) == 1 and bool(_CODE_PIECE.fullmatch(row[-1].text)) and bool(_CODE_PIECE.fullmatch(line[0].text))
    if not line or len(line) >= len(row) or (not code_goes_on and any(_PURE_FIGURE.fullmatch(c.text) or _FIGURES_OR_BLANK.fullmatch(c.text) for c in line)):
        return None  # a figure, figures run together ('833.37995.01') or an empty cell's dash: a row of its own
    if any(c.text.startswith(_GRID_END) for c in line[:1]) or any(lx.classify_level(c.text) for c in line):
        return None  # a total row, or a row opening with its level names
    return continue_cells(row, line, header, prefer, code=code_goes_on)


def _header_line(cells: list[TableCell]) -> bool:
    """Column headers: no figures, most cells header words or their first pieces."""
    return len(cells) >= 3 and not any(re.search(r"\d", c.text) for c in cells) and \
        sum(1 for c in cells if column_role(c.text) not in ("", "other") or lx.is_table_header(c.text)) * 3 >= 2 * len(cells)


def _label_value_line(cells: list[TableCell]) -> bool:
    """A form's 'label value label value' line without figures ('项目名称 城区雨污分'): the value
    beside a label may wrap onto the next line alone."""
    # A value may hold digits (a project's system code before its name), never a figure.
    return len(cells) >= 2 and len(cells) % 2 == 0 and not any(re.search(r"\d", c.text) for c in cells[::2]) \
        and not any(_FIGURE.fullmatch(c.text) for c in cells[1::2]) \
        and all(lx.is_table_header(c.text) for c in cells[::2]) and not any(lx.is_table_header(c.text) for c in cells[1::2])


def merge_continuations(lines: list[list[TableCell]]) -> list[list[TableCell]]:
    """Lines of cells with each side-by-side continuation line merged into the line above: a line
    of two or more fragments, no figure of its own, each fragment going on one cell of the line
    above in order ('主管部门 河东区水 实施单位 河东区水务服' | '利局 务站';
    '年初 调整后' | '预算数 预算数'). A single fragment is left to the readers (a name printed below
    its values looks the same)."""
    out: list[list[TableCell]] = []
    last: int | None = None  # the cell of out[-1] a continuation went on last
    for line in lines:
        above = out[-1] if out else None
        closing = len(line) == 1 and _closes(line[0].text) and any(_open_bracket(c.text) for c in above or [])  # '100%）' under '（E/C×'
        if above is not None and ((len(line) >= 2 and len(above) >= 3) or (len(line) == 1 and _label_value_line(above)) or closing):
            # In a header every piece must make a header word where it joins; anything less is
            # left to the table reader, which weighs pieces over two or three lines
            # (tables._wrapped_header).
            merged = None if _header_line(line) else _continuation(line, above, header=_header_line(above), prefer=last)
            if merged is not None:
                last = _extended(above, merged)
                out[-1] = merged
                continue
        out.append(list(line))
        last = None
    return out


def _grid_lines(layout: Layout, start: int) -> list[tuple[Line, list[TableCell]]]:
    out = []
    for line in layout.lines[start:]:
        text = line.text.strip()
        if not text:
            continue
        if "\t" in text or "|" in text:
            break
        if _PAGE_MARK.fullmatch(text):
            continue
        out.append((line, line_cells(line)))
    return out


def _header_roles(cells: list[TableCell]) -> list[str]:
    return [column_role(c.text) for c in cells]


# --- funding rows -----------------------------------------------------------------------------


@dataclass
class MoneyFigures:
    """The figures of one funding row read by the relations its headers imply."""

    total: TableCell | None
    actual: TableCell | None
    rate: TableCell | None
    unit: str | None = None  # the money unit the headers print ('合计(万元)'), if any


def _value(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").strip())


def _decimals(text: str) -> int:
    m = re.search(r"\.(\d+)", text)
    return len(m.group(1)) if m else 0


def assign_money(headers: list[str], figures: list[TableCell]) -> MoneyFigures | None:
    """Figures to the columns their headers name, by the relations between them, never by
    position: the rate is the figure printed with '%' under a rate header; the total is the figure
    equal to the sum of the figures before it (the source columns, some of them empty); the actual
    is the figure whose ratio to the total is the rate at its printed precision. None when the
    relations do not single the figures out."""
    roles = [column_role(h) for h in headers]
    if "rate" not in roles or not ({"total", "adjusted", "budget"} & set(roles)) or "actual" not in roles:
        return None
    rates = [f for f in figures if f.text.endswith("%")]
    amounts = [f for f in figures if not f.text.endswith("%")]
    if len(rates) != 1 or len(amounts) < 2:
        return None
    rate = rates[0]
    r = _value(rate.text)
    tol = 0.5 * 10 ** -_decimals(rate.text) + 1e-9
    found: list[tuple[TableCell, TableCell]] = []
    for i, total in enumerate(amounts):
        parts = amounts[:i]
        t = _value(total.text)
        if parts and abs(sum(_value(p.text) for p in parts) - t) > 0.005 + 1e-9:
            continue
        if t <= 0:
            continue
        for actual in amounts[i + 1 :]:
            if abs(_value(actual.text) / t * 100 - r) <= tol:
                found.append((total, actual))
    if len(found) != 1:
        return None
    total, actual = found[0]
    return MoneyFigures(total, actual, rate)


def money_figures(layout: Layout) -> list[MoneyFigures]:
    """Funding rows under a header whose cells wrap side by side ('合计(万' | '元)')."""
    out = []
    lines = [ln for ln in layout.lines if ln.text.strip() and not ln.cells]
    for k, line in enumerate(lines[:-1]):
        head = line_cells(line)
        if len(head) < 4 or any(_is_figure(c.text) for c in head):
            continue
        nxt = line_cells(lines[k + 1])
        merged = _continuation(nxt, head) if nxt and any(_open_bracket(c.text) for c in head) else None
        rest = lines[k + 2 :] if merged is not None else lines[k + 1 :]
        header = merged or head
        if not rest:
            continue
        figures = line_cells(rest[0])
        if len(figures) < 3 or not all(_is_figure(c.text) for c in figures) or len(figures) >= len(header):
            continue  # a full row is the table reader's; here the row with empty columns
        found = assign_money([c.text for c in header], figures)
        if found is not None:
            units = re.findall(r"[(（](万元|亿元|元)[)）]", "".join(c.text for c in header))
            found.unit = units[0] if units and len(set(units)) == 1 else None
            out.append(found)
    return out


# --- indicator grids --------------------------------------------------------------------------


@dataclass
class _Levels:
    level1: TableCell | None = None
    level2: TableCell | None = None
    open: list[TableCell] | None = None  # heading cells that are no level name yet (wrapped)


def _level(cell: TableCell) -> str | None:
    return lx.classify_level(cell.text)


def _set_levels(levels: _Levels, cells: list[TableCell]) -> None:
    """Level names printed together ('效益指标 社会效益指标(20分)'): the last level2 (or either) is
    the level2, a level name before it the level1; a lone level1 opens a new level1."""
    named = [(c, _level(c)) for c in cells if _level(c)]
    if not named:
        return
    if len(named) >= 2:
        levels.level1, levels.level2 = named[-2][0], named[-1][0]
        return
    cell, kind = named[0]
    if kind == "level1":
        levels.level1, levels.level2 = cell, None
    else:
        levels.level2 = cell


def _complete_level(levels: _Levels, fragment: TableCell) -> bool:
    """A wrapped level heading ('满意度指' over '标(10分)'): the fragment completes an open heading
    cell into a level name."""
    for k, cell in enumerate(levels.open or []):
        joined = cell.joined(fragment)
        if _level(joined):
            cells = list(levels.open or [])
            cells[k] = joined
            levels.open = None
            _set_levels(levels, [c for c in cells if _level(c)] + ([levels.level2] if levels.level2 and not any(_level(c) == "level2" for c in cells) else []))
            return True
    return False


def _heading_line(cells: list[TableCell]) -> bool:
    """A line of level headings: level names with their points, wrapped pieces, no figures."""
    return any(_level(c) for c in cells) and not any(_is_figure(c.text) or re.search(r"\d", _POINTS_ONLY.sub("", c.text)) for c in cells)


def _indicator_header(cells: list[TableCell]) -> list[str] | None:
    roles = _header_roles(cells)
    if "target" in roles and "ind_actual" in roles and sum(r not in ("", "other") for r in roles) >= 3:
        return roles
    return None


@dataclass
class _Row:
    levels: tuple[TableCell | None, TableCell | None]
    named: list[TableCell]  # level names printed in the row itself
    lead: list[TableCell]  # unresolved level cells printed in the row (wrapped level names)
    cells: list[TableCell]  # name, target, actual, then the rest
    last: int | None = None  # the cell the last continuation line went on


def _score_columns(roles: list[str]) -> int:
    return sum(1 for r in roles if r in ("points", "score", "review_score"))


def _split_row(cells: list[TableCell], n_scores: int) -> tuple[list[TableCell], list[TableCell]] | None:
    """(cells before the score figures, the scores and the cells after them): a row prints its
    scores as its last run of bare figures (a bare actual may come before them)."""
    for i in range(len(cells) - n_scores, -1, -1):
        run = cells[i : i + n_scores]
        if all(_PURE_FIGURE.fullmatch(c.text) for c in run):
            return cells[:i], cells[i:]
    return None


@dataclass
class Grid:
    """An indicator grid read here: where it is printed and its indicators."""

    start: int
    end: int
    rows: list[IndicatorCells]


def indicator_grids(layout: Layout) -> list[Grid]:
    """The indicator grids among the layout's plain lines, with their spans."""
    lines = layout.lines
    out: list[Grid] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        k += 1
        if line.cells or not line.text.strip():
            continue
        head = line_cells(line)
        start = line.index + 1
        roles = _indicator_header(head)
        if roles is None and len(head) >= 3 and start < len(lines) and not lines[start].cells:
            merged = _continuation(line_cells(lines[start]), head, header=True)
            roles = _indicator_header(merged) if merged else None
            start += 1
        if roles is None:
            continue
        rows = _read_grid(layout, start, roles)
        if rows:
            spans = [sp for r in rows for c in (r.name, r.target, r.actual) if c is not None for sp in c.spans]
            out.append(Grid(line.start, max(b for _, b in spans), rows))
    return out


def indicator_rows(layout: Layout) -> list[IndicatorCells]:
    """The indicators of side-by-side grids in the layout's plain lines."""
    return [row for grid in indicator_grids(layout) for row in grid.rows]


def _value_roles(roles: list[str]) -> list[str] | None:
    """The roles of the columns between the indicator name and the scores, in order
    (['target', 'ind_actual'], or ['nature', 'target', 'unit', 'ind_actual'] when the sign and the
    unit have columns of their own)."""
    first = min(i for i, r in enumerate(roles) if r in ("nature", "target", "ind_actual"))
    out = []
    for r in roles[first:]:
        if r in ("points", "score", "review_score"):
            break
        out.append(r)
    return out if "target" in out and "ind_actual" in out and set(out) <= {"nature", "target", "unit", "ind_actual"} else None


def _row_cells(line: Line, split_columns: bool) -> list[TableCell]:
    """A row's cells; with sign and unit columns of their own, every token is a cell."""
    if split_columns:
        return [_cell(m.group(), line.start + m.start(), line.start + m.end()) for m in _TOKEN.finditer(line.text)]
    return line_cells(line)


def _read_grid(layout: Layout, start: int, roles: list[str]) -> list[IndicatorCells]:
    value_roles = _value_roles(roles)
    if value_roles is None:
        return []
    split_columns = len(value_roles) > 2
    n_values = len(value_roles)
    n_scores = max(1, _score_columns(roles))
    levels = _Levels()
    rows: list[_Row] = []
    current: _Row | None = None
    header_pending = True
    for line, _ in _grid_lines(layout, start):
        cells = _row_cells(line, split_columns)
        if not cells:
            continue
        if cells[0].text.startswith(_GRID_END):
            break
        if header_pending:
            header_pending = False
            if not any(_is_figure(c.text) for c in cells) and not _heading_line(cells) and len(cells) > 1:
                continue  # the header's wrapped pieces
        if current is not None:
            whole = current.lead + current.cells
            merged = _continuation(cells, whole, prefer=current.last)
            if merged is not None and not _heading_line(cells) and not (levels.open and _complete_level_probe(levels, cells[0])):
                current.last = _extended(whole, merged)
                lead = len(current.lead)
                current.lead, current.cells = merged[:lead], merged[lead:]
                continue
        if _SENTENCE.search(cells[0].text):
            break  # prose after the grid
        # Leading pieces: points of the level cells above ('(85分)'), or the rest of a wrapped level name.
        while cells and (_POINTS_ONLY.fullmatch(cells[0].text) or (levels.open and _complete_level(levels, cells[0]))):
            cells = cells[1:]
        if not cells:
            continue
        if _heading_line(cells):
            _set_levels(levels, cells)
            levels.open = [c for c in cells if not _level(c)] or None
            current = None
            continue
        split = _split_row(cells, n_scores)
        if split is None:
            current = None
            continue
        before, after = split
        named = []
        while before and _level(before[0]):
            named.append(before.pop(0))  # the row's own level cells, printed first
        if named:
            _set_levels(levels, named)
        if len(before) > n_values:
            lead, body = before[: -n_values - 1], before[-n_values - 1 :]
        elif len(before) == n_values and all(re.search(r"\d", _POINTS_ONLY.sub("", c.text)) for c in before if not _SIGN.fullmatch(c.text)):
            lead, body = [], [_cell("", before[0].start, before[0].start), *before]  # a name printed below
        else:
            current = None  # a score-only criterion: a name and its scores, no target or actual
            continue
        current = _Row((levels.level1, levels.level2), named, lead, [*body, *after])
        rows.append(current)
    return [cells for row in rows if (cells := _indicator_of(row, value_roles, split_columns)) is not None]


def _indicator_of(row: "_Row", value_roles: list[str], split_columns: bool) -> IndicatorCells | None:
    """The indicator a grid row gives, or None for a score-only criterion or a row without
    a figure in its target or actual."""
    n_values = len(value_roles)
    if len(row.cells) < n_values + 1:
        return None
    name = row.cells[0]
    by_role = dict(zip(value_roles, row.cells[1 : n_values + 1]))
    target, actual = by_role["target"], by_role["ind_actual"]
    if split_columns:
        values = {"target": target, "ind_actual": actual}
        _join_split_target(values, by_role.get("nature"), by_role.get("unit"))
        target, actual = values["target"], values["ind_actual"]
    if not name.text or any(_POINTS_AT_END.search(c.text) for c in (name, target, actual)):
        return None  # a score-only criterion ('预算编制(3分)'), no indicator
    if not (re.search(r"\d", target.text) or re.search(r"\d", actual.text)):
        return None
    level1, level2 = row.levels
    if row.lead and _level(row.lead[-1]):
        # A level2 name wrapped in the row ('服务对象满意度指' + '标'): the row's own level name
        # before it is its level1.
        level2 = row.lead[-1]
        level1 = row.named[-1] if row.named else level1
    return IndicatorCells(
        clean_name(level1) if level1 else None, clean_name(level2) if level2 else None,
        clean_name(name), target, actual,
    )


def _complete_level_probe(levels: _Levels, fragment: TableCell) -> bool:
    return any(_level(c.joined(fragment)) for c in levels.open or [])
