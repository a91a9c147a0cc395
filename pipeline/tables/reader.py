"""Rows to tables (read_tables): headers finished, figures run together split, rows realigned and joined, units and continuation pages."""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline import lexicon as lx
from pipeline.layout import Layout, Line, squash_cell
from pipeline.tables import cells as _cells
from pipeline.tables import glued as _glued
from pipeline.tables import items as _items
from pipeline.tables import model as _model


# --- rows -> tables ----------------------------------------------------------------------------


def read_tables(text: str, layout: Layout, default_unit: str = "万元") -> list[_model.Table]:
    """The tables of a normalised text (its layout): typed rows, cells, header, column roles and
    unit, in text order."""
    titles: dict[str, int] = {}
    for line in layout.lines:
        if line.cells or "表" not in line.text:
            continue
        t = squash_cell(line.text)
        if _model._is_form_title(t):
            titles[t] = titles.get(t, 0) + 1
    repeated = {t for t, n in titles.items() if n >= 2}
    tables: list[_model.Table] = []
    form = 0
    for run in _cells._raw_rows(layout, _cells.garbled_lines(text, layout)):
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
        _items._carry_levels(table)
        for row in table.rows:
            _split_run_together(table, row)
    return tables


def _split_run(text: str, layout: Layout, run: list, before: list[_model.Table], default_unit: str, form: int) -> list[_model.Table]:
    out: list[_model.Table] = []
    table: _model.Table | None = None
    header_open = False
    for item in run:
        if isinstance(item, str):
            if item.startswith("loose:") and table is not None:
                _loose(table, layout.lines[int(item[6:])], header_open)
            continue
        cells, lines = item
        if _cells._header_like(cells) or (header_open and table is not None and _header_fragment(cells, table)):
            if header_open and table is not None:
                table.header.append(_model.Row(cells, lines))
            else:
                top: list[_model.Row] = []
                if table is not None and not table.header and out and table is out[-1] and all(_words_only(r) and not _label_pair(r) for r in table.rows) \
                        and table.rows and lines[0] - table.rows[-1].lines[-1] == 1:
                    # '年度预算 | | | 执行情况' over the header proper: a group line that named
                    # too few columns to read as a header on its own.
                    top = table.rows
                    out.pop()
                previous = out[-1] if out else (before[-1] if before else None)
                table = _model.Table([*top, _model.Row(cells, lines)], {}, [], default_unit, form=form, previous=previous)
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
                table = _model.Table([], {}, [], default_unit, form=form)
                out.append(table)
        if layout.lines[lines[0]].spaced and table.columns:
            cells = _realign(table, cells)
        elif table.columns:
            cells = _right_aligned(table, cells)
        _add_row(table, _model.Row(cells, lines))
    if header_open and table is not None:
        _finish_header(text, layout, table, default_unit)
    return out


# --- figures run together --------------------------------------------------------------------

_FIGURE_COLUMNS = ("initial", "adjusted", "adjustment", "actual", "budget", "total", "source", "rate", "points", "score")


def _split_run_together(table: _model.Table, row: _model.Row) -> None:
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
            new_cells.append(_model.TableCell(part, start, start + len(part), col, value=float(part.rstrip("%")), run_together=(cell.start, cell.end)))
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


def _label_pair(row: _model.Row) -> bool:
    """A form's label-value pairs ('项目名称 | 渔港码头维修', '主管部门 | … | 实施单位 | …'),
    never a group header line."""
    filled = row.filled()
    return len(filled) % 2 == 0 and bool(filled) and all(
        re.sub(r"\s+", "", c.text).rstrip(":：").endswith(("名称", "部门", "单位", "负责人")) for c in filled[::2])


def _words_only(row: _model.Row) -> bool:
    filled = row.filled()
    return bool(filled) and all(len(c.text) <= 12 and not re.search(r"\d", c.text) for c in filled)


_MONEY_LIKE = ("initial", "adjusted", "adjustment", "actual", "budget", "total", "source", "points", "score", "review_score")
_TEXT_LIKE = ("project_name", "name", "level1", "level2", "other", "note", "content", "target", "ind_actual", "unit", "nature", "")


def _fit(text: str, role: str) -> float:
    """How well a cell's text sits in a column of a role (a row whose tabs became spaces lost
    the empty cells that placed its pieces)."""
    if _model.is_placeholder(text):
        return 0.5
    if re.fullmatch(r"\d{1,3}", text):
        return {"seq": 1.0}.get(role, 0.6 if role in _MONEY_LIKE else 0.1)
    if text.rstrip().endswith(("%", "‰")) and _model.is_numeric(text):
        return 1.0 if role == "rate" else 0.6 if role in ("target", "ind_actual") else 0.0
    if _model.is_numeric(text):
        return 1.0 if role in _MONEY_LIKE else 0.6 if role in ("rate", "target", "ind_actual") else 0.0
    return 1.0 if role in _TEXT_LIKE else 0.0


def _realign(table: _model.Table, cells: list[_model.TableCell]) -> list[_model.TableCell]:
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


def _right_aligned(table: _model.Table, cells: list[_model.TableCell]) -> list[_model.TableCell]:
    """A TAB row with fewer cells than the table has columns, moved to the right-hand columns when
    its cells fit their roles better there. A copy of a table drops the cells merged over several
    rows (the level name printed once beside its rows, a group label), and those stand at the
    left of the genre's tables: '质量指标 | 培训合格率 | ≥95% | 97% | 10 | 10 | 无' under 一级指标 |
    二级指标 | 三级指标 | 年度指标值 | … is the row without its 一级指标. A row whose last cells
    were left empty and not printed keeps its place (its words fit the left)."""
    filled = [c for c in cells if c.text]
    shift = max(table.columns) + 1 - len(cells)
    if shift <= 0 or not filled:
        return cells
    here = sum(_fit(c.text, table.role(c.column)) for c in filled)
    there = sum(_fit(c.text, table.role(c.column + shift)) for c in filled)
    if there <= here:
        return cells
    return [replace(c, column=c.column + shift) for c in cells]


def _header_fragment(cells: list[_model.TableCell], table: _model.Table) -> bool:
    """'全年（调' over '整）预算数', '执行率（B' over '/A）': the next header line holds only the
    rest of header cells above it (no figure, no level name), and joining it makes a header word
    that its upper piece alone is not (or it is a bracketed unit or formula)."""
    filled = [c for c in cells if c.text]
    if not filled or any(re.search(r"\d", c.text) or _model.is_placeholder(c.text) for c in filled):
        return False
    if len(filled) >= 3 and not _model._level_of(filled[0].text) and all(len(c.text) <= 12 for c in filled) and sum(1 for c in filled if _cells._is_header_word(c.text) or _model._level_of(c.text)) * 2 >= len(filled):
        return True  # a further header line (leaf words under group headers: 合计 | 财政拨款 | …)
    if any(len(c.text) > 8 or _model._level_of(c.text) for c in filled):
        return False
    last = table.header[-1]
    for c in filled:
        upper = last.cell(c.column)
        if upper is None or not upper.text:
            continue
        if re.fullmatch(r"[(（].*[)）]?|.*[)）]|[①-⑳=+\-/×÷*%A-Z()（）]+", c.text):
            return True  # a wrapped unit or formula annotation
        if _model.column_role(upper.text + c.text) not in ("", "other") and _model.column_role(upper.text) in ("", "other"):
            return True
        if lx.is_table_header(upper.text + c.text) and not lx.is_table_header(upper.text):
            return True
    return False


def _finish_header(text: str, layout: Layout, table: _model.Table, default_unit: str) -> None:
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
        role = _model.column_role(leaf) if leaf else ""
        group_text = group.get(col, "")
        group_role = _model.column_role(group_text) if group_text else ""
        if role in ("total", "source") and group_role in ("actual", "budget", "adjusted", "initial"):
            role = group_role if role == "total" else "source"
        elif role in ("", "other", "budget") and len(parts) > 1 and _model.column_role(joined) not in ("", "other"):
            # '年初' over '预算数': the pieces together name the column ('预算数' alone is any budget).
            role = _model.column_role(joined)
        table.columns[col] = _model.Column(col, group_text + joined, leaf, role)
    names = table.columns_with("name")
    if len(names) > 1:
        # '绩效指标' heading the whole indicator block beside 一级 / 二级 / 三级指标 names no column.
        # A name column left of the level columns is such a block label: indicator names are
        # printed right of their levels (the header may be wrapped, '绩效' over '指标').
        levels = table.columns_with("level1", "level2")
        for col in names:
            words = (_model.header_core(table.columns[col].leaf), _model.header_core(table.columns[col].header))
            if len(names) > 1 and ("绩效指标" in words or (levels and col < min(levels))):
                table.columns[col].role = "other"
                names = [c for c in names if c != col]
    _glued._rates_from_formulas(table)
    table.unit = _table_unit(text, layout, table, default_unit)


def _table_unit(text: str, layout: Layout, table: _model.Table, default_unit: str) -> str:
    """'单位：元' on the lines just above the header (or in it): the unit of this table."""
    first = table.header[0].index
    start = layout.lines[max(0, first - 3)].start
    end = layout.lines[table.header[-1].lines[-1]].end
    m = None
    for m in _model._UNIT_NOTE.finditer(text, start, end):
        pass
    if m is None:  # a unit wrapped under a header cell ('预算数' over '（元）') is in the cell's text
        m = next((u for c in table.columns.values() for u in [_model._UNIT_NOTE.search(c.header)] if u), None)
    return (m.group(1) or m.group(2)) if m else default_unit


def _repeats(table: _model.Table, previous: _model.Table | None, layout: Layout) -> bool:
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
        if text and not _model._PAGE_LINE.fullmatch(text) and (len(text) > 30 or re.search(r"[。；;，,:：]", text)):
            return False
    return True


def _value_cells(table: _model.Table, row: _model.Row) -> list[_model.TableCell]:
    return [
        c for c in row.filled()
        if (_model.is_numeric(c.text) or table.role(c.column) in ("target", "ind_actual", "points", "score")) and table.role(c.column) != "seq"
    ]


def _text_cells(table: _model.Table, row: _model.Row) -> list[_model.TableCell]:
    return [c for c in row.filled() if not _model.is_numeric(c.text) and not _model.is_placeholder(c.text) and table.role(c.column) not in ("target", "ind_actual", "nature", "unit")]


def _add_row(table: _model.Table, row: _model.Row) -> None:
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


def _nameless_figures(table: _model.Table, row: _model.Row) -> bool:
    if not _value_cells(table, row):
        return False
    name_col = table.column("project_name", "name")
    if name_col is not None:
        cell = row.cell(name_col)
        return cell is None or not cell.text
    return not _text_cells(table, row)


def _joinable(table: _model.Table, above: _model.Row, row: _model.Row) -> bool:
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
    if above_values and row_text and not row_values and len(row.filled()) <= 2 and (
            not above_text or (name_col is not None and _nameless_figures(table, above) and all(c.column == name_col for c in row.filled()))):
        return True  # a name printed on the line below its figures (the row's level cells beside them)
    return False


def _wrapped_values(table: _model.Table, above: _model.Row, row: _model.Row) -> bool:
    """Target and actual cells that both wrapped ('同比下降 | 同比下降' over '15% | 12%'): a line
    holding only pieces under the text of the row's 指标值 / 完成值 cells, no name of its own."""
    filled = row.filled()
    if len(filled) < 2 or any(table.role(c.column) not in ("target", "ind_actual") for c in filled):
        return False
    for c in filled:
        mine = above.cell(c.column)
        if mine is None or not mine.text or _model.is_numeric(mine.text) or re.search(r"\d", mine.text):
            return False
    return True


def _name_head(table: _model.Table, above: _model.Row, row: _model.Row) -> bool:
    """A name whose first part printed on the line above its row ('国省干线公路' over '养护里程 |
    ≥120公里 | 126公里'): a line holding only a short piece in the name column, no level name,
    above a row with its own name and figures."""
    name_col = table.column("name", "project_name")
    filled = [c for c in above.filled() if not _model._level_of(c.text)]  # level cells may open the row
    if name_col is None or len(filled) != 1 or filled[0].column != name_col:
        return False
    if len(filled) == len(above.filled()) and table.rows and table.rows[0] is not above:
        return False  # below a row, a lone piece is more likely the rest of that row's name
    text = filled[0].text
    if len(text) > 12 or _model._level_of(text) or _model.is_numeric(text) or _model.row_scope(text) is not None:
        return False
    own = row.cell(name_col)
    return own is not None and bool(own.text) and bool(_value_cells(table, row))


def _fragment_of(table: _model.Table, above: _model.Row, row: _model.Row) -> bool:
    """A line holding only a short piece of text in a column where the row above has text: the
    rest of that wrapped cell."""
    filled = row.filled()
    if len(filled) != 1 or _model.is_numeric(filled[0].text) or _model.is_placeholder(filled[0].text):
        return False
    cell = filled[0]
    mine = above.cell(cell.column)
    if mine is None or not mine.text or _model.is_numeric(mine.text) or mine.text.startswith(_model._TOTAL_LABELS):
        return False  # a total row's label ('总分') is whole: a short line below it is a row of its own
    text = cell.text
    if len(text) > 12 or _model._level_of(text) or re.match(r"\d|[一二三四五六七八九十]+、|[(（]\d", text):
        return False
    if _model.row_scope(text) is not None or re.match(r"其中|[“\"]?三公", text):
        return False  # a row label of its own (项目支出 under 基本支出), not the rest of one
    if table.role(cell.column) in ("level1", "level2"):
        return False
    return bool(_value_cells(table, above)) or not _value_cells(table, row)


def _merge(above: _model.Row, row: _model.Row) -> _model.Row:
    cells = {c.column: c for c in above.cells}
    for c in row.cells:
        if not c.text:
            cells.setdefault(c.column, c)
            continue
        own = cells.get(c.column)
        cells[c.column] = own.joined(c) if own is not None and own.text else c
    return _model.Row([cells[k] for k in sorted(cells)], above.lines + row.lines, dict(above.carried))


def _loose(table: _model.Table, line: Line, in_header: bool) -> None:
    """A short line without cells inside a table: in the header, the rest of the header cell it
    sits under (a wrapped unit '（万元）'); below a row, the rest of that row's name."""
    text = squash_cell(line.text)
    start = line.start + (len(line.text) - len(line.text.lstrip()))
    if in_header and table.header:
        last = table.header[-1]
        filled = last.filled()
        if filled:
            target = filled[-1] if re.fullmatch(r"[(（].*[)）]", text) else filled[0]
            piece = _model.TableCell(text, start, start + len(line.text.strip()), target.column)
            last.cells = [c.joined(piece) if c is target else c for c in last.cells]
        return
    if table.rows:
        above = table.rows[-1]
        name_col = table.column("name", "project_name")
        cell = above.cell(name_col) if name_col is not None else None
        if cell is None:
            texts = _text_cells(table, above)
            cell = texts[-1] if texts else None
        if cell is not None and not _model.is_numeric(text):
            piece = _model.TableCell(text, start, start + len(line.text.strip()), cell.column)
            above.cells = [c.joined(piece) if c is cell else c for c in above.cells]
            above.lines.append(line.index)
