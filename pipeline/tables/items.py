"""What the rules and checks read from tables: merged level cells, names, indicator rows, forms and their money, indicator tables glued together."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from pipeline import lexicon as lx
from pipeline.layout import Layout
from pipeline.tables import cells as _cells
from pipeline.tables import model as _model


# --- merged level cells ----------------------------------------------------------------------


def _carry_levels(table: _model.Table) -> None:
    """Level cells (一级 / 二级指标) merged over the rows below them: each row carries the level
    cells in force, a new 一级 resets the 二级. Level names are recognised by their words (a
    shifted row prints them in other columns); 满意度指标 / 成本指标 are level 1 or 2 by template,
    so they take the slot their neighbours leave free."""
    if table.kind not in ("indicator", "score"):
        return
    name_col = table.column("name")
    level1: _model.TableCell | None = None
    level2: _model.TableCell | None = None
    for row in table.rows:
        found = _row_levels(table, row, name_col)
        if "level1" in found:
            if level1 is None or found["level1"].text != level1.text:
                level2 = None
            level1 = found["level1"]
        if "level2" in found:
            level2 = found["level2"]
        row.carried = {k: v for k, v in (("level1", level1), ("level2", level2)) if v is not None}


def _row_levels(table: _model.Table, row: _model.Row, name_col: int | None) -> dict[str, _model.TableCell]:
    levels: dict[str, _model.TableCell] = {}
    level_cells = []
    for cell in row.filled():
        kind = _model._level_of(cell.text)
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


def level_cells(table: _model.Table, row: _model.Row) -> set[int]:
    """Columns of the row's own level cells (not carried ones)."""
    return {c.column for c in _row_levels(table, row, table.column("name")).values()}


# --- names -----------------------------------------------------------------------------------

_POINTS = re.compile(r"\s*[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*$")
_NUMBERING = re.compile(r"^\s*(?:指标\s*\d{1,2}\s*[:：.、]|\d{1,2}\s*[.、．)）](?!\d)|[(（]\s*[\d一二三四五六七八九十]{1,2}\s*[)）]|[一二三四五六七八九十]{1,2}\s*、)\s*")


def clean_name(cell: _model.TableCell, codes: bool = False) -> _model.TableCell:
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
    level1: _model.TableCell | None
    level2: _model.TableCell | None
    name: _model.TableCell
    target: _model.TableCell | None
    actual: _model.TableCell | None
    points: _model.TableCell | None = None
    score: _model.TableCell | None = None


def indicator_rows(table: _model.Table) -> list[IndicatorCells]:
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
        values: dict[str, _model.TableCell] = {}
        if name is not None:
            for key in ("target", "ind_actual"):
                cell = by_col.get(cols[key]) if cols[key] is not None else None
                if cell is not None and not _model.is_placeholder(cell.text):
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
        if name is None or _model.is_numeric(name.text) or lx.is_template_row(name.text) or _model.is_placeholder(name.text):
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


def _join_split_target(values: dict[str, _model.TableCell], nature: _model.TableCell | None, unit: _model.TableCell | None) -> None:
    """'≥' | '12000' | '人' -> '≥12000人'; a bare-number actual '12436' -> '12436人'. The target's
    cells are adjacent, so its span covers them; the actual keeps its own cell with the unit cell
    as a further piece. Placeholders ('—') are no part."""
    sign = nature.text if nature is not None and _model._SIGNS.fullmatch(nature.text) else ""
    unit_text = unit.text if unit is not None and not _model.is_placeholder(unit.text) else ""
    for key in ("target", "ind_actual"):
        value = values.get(key)
        if value is None:
            continue
        prefix = sign if key == "target" and not _model._SIGNS.match(value.text) else ""
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
    tables: list[_model.Table]
    name: _model.TableCell | None  # the 项目名称 value cell


def forms(tables: list[_model.Table]) -> list[Form]:
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


def _form_name(group: list[_model.Table]) -> _model.TableCell | None:
    found = labelled_value(group, ("项目名称", "资金名称", "专项名称"))
    return clean_name(found[1], codes=True) if found else None


_MAX_FIELD_ROW_CELLS = 6  # 项目名称 | X | 主管部门 | Y | 实施单位 | Z


def labelled_values(tables: list[_model.Table], labels: Iterable[str]) -> Iterator[tuple[str, _model.TableCell]]:
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
                if label is None or len(value.text) < 2 or _model.is_numeric(value.text) or _model.is_placeholder(value.text):
                    continue
                if re.sub(r"\s", "", value.text) in wanted or _cells._is_header_word(value.text) and not _long_name(value.text):
                    continue
                yield label, value


def _long_name(text: str) -> bool:
    """'山洪灾害防治非工程措施' beside 项目名称: a long name that merely ends like a remarks header
    (…措施), no column header of a figure."""
    return len(text) >= 8 and _model.column_role(text) in ("note", "other", "")


def labelled_value(tables: list[_model.Table], labels: Iterable[str]) -> tuple[str, _model.TableCell] | None:
    """The first of ``labelled_values``."""
    return next(labelled_values(tables, labels), None)


def form_money(form: Form) -> dict[str, _model.TableCell]:
    """budget (full-year, else initial / a 合计 or unlabelled budget), actual, rate of a form:
    the money grid's total row, else its first row with figures."""
    for table in form.tables:
        if table.kind not in ("money", "project"):
            continue
        rows = [r for r in table.rows if any(_model.is_numeric(c.text) for c in r.filled())]
        if not rows:
            continue
        row = next((r for r in rows if r.is_total), rows[0])
        out: dict[str, _model.TableCell] = {}
        for key, roles in (("budget", ("adjusted", "total", "budget", "initial")), ("actual", ("actual",)), ("rate", ("rate",))):
            for col in (c for role in roles for c in table.columns_with(role)):
                cell = row.cell(col)
                if cell is not None and _model.is_numeric(cell.text):
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
                own.append(_model.TableCell(m.group(), m.start(), m.end(), len(own)))
                pos = m.end()
            end = line.end - (len(raw) - len(raw.rstrip()))
            if len(text[pos:end].split()) > 2:
                break  # its cells are spaced apart: a flattened table the other readers read, not a glued one
            row = _GLUED_ROW.fullmatch(text, pos, end)
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
            name = _model.TableCell(row.group("name"), row.start("name"), row.end("name"), 2)
            target = _model.TableCell(re.sub(r"\s+", "", row.group("target")), row.start("target"), row.end("target"), 3)
            actual = _model.TableCell(re.sub(r"\s+", "", row.group("actual")), row.start("actual"), row.end("actual"), 4)
            out.append(IndicatorCells(level1, level2, clean_name(name), target, actual))
    return out
