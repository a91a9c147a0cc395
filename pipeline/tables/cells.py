"""Lines to cells: tab, pipe and one-cell-per-line rows, and rows whose cells are separated by spaces (a whole row, or a whole form, on one line)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline import lexicon as lx
from pipeline import textquality
from pipeline.layout import Layout, Line, squash_cell
from pipeline.tables import glued as _glued
from pipeline.tables import headers as _headers
from pipeline.tables import model as _model


# --- lines -> cells --------------------------------------------------------------------------


def _layout_cells(line: Line) -> list[_model.TableCell]:
    return [_model.TableCell(c.text, c.start, c.end, c.column, 1, c.more) for c in line.cells]


def _pipe_cells(line: Line) -> list[_model.TableCell] | None:
    """Cells of a pipe-separated line ('| 产出指标 | | 巡查里程 | ≥300 | 326 |'); a line holding
    one cell and a closing pipe ('数量指标 |') gives one cell."""
    text = line.text.replace("｜", "|")
    if "|" not in text or "\t" in text:
        return None
    stripped = text.strip()
    if text.count("|") == 1 and not stripped.startswith("|") and not stripped.endswith("|"):
        return None  # one stray bar inside a line (OCR garbage, a '|' in prose) separates no cells
    if stripped == "|":
        return [_model.TableCell("", line.start + text.index("|"), line.start + text.index("|"), 0)]  # an empty cell
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
        cells.append(_model.TableCell(squash_cell(part), s, s + len(part.strip()), column))
    return cells


@lru_cache(maxsize=4096)
def _is_header_word(text: str) -> bool:
    if not text or len(text) > 30 or _model.is_numeric(text):
        return False
    return _model.column_role(text) not in ("", "other") or lx.is_table_header(text)


def _header_like(cells: list[_model.TableCell]) -> bool:
    filled = [c for c in cells if c.text]
    numeric = sum(1 for c in filled if _model.is_numeric(c.text))
    roles = [_model.column_role(c.text) for c in filled if len(c.text) <= 30 and not _model.is_numeric(c.text)]
    named = [r for r in roles if r not in ("", "other", "source", "total", "seq", "project_name", "note")]
    if filled and _model._level_of(filled[0].text):
        return False  # a data row of an indicator grid (成本指标 | “三公”经费控制 | 不超预算 | …)
    return numeric <= 1 and len(named) >= 2 and len(set(named)) >= 2 - (named[0] != "budget") and sum(1 for r in roles if r not in ("", "other")) >= 2


@dataclass
class _Piece:
    """A line of the text as the reader sees it: cells, or a loose short line, or a break."""

    line: Line
    cells: list[_model.TableCell] | None
    single: bool = False  # one cell per line ('cell |')
    garbage: bool = False  # a line of OCR or encoding garbage: no row, and it ends no table


def garbled_lines(text: str, layout: Layout) -> frozenset[int]:
    """Indexes of the prose lines that are garbage as a whole: a garbled passage (textquality)
    most of whose bigrams are seen nowhere (a form line with garbage run onto it is no garbage)."""
    spans = [(p.start, p.end) for p in textquality.garbled_passages(text, layout) if p.unseen >= 0.5]
    out = set()
    for line in layout.lines:
        printed = len(re.sub(r"\s", "", line.text))
        covered = sum(min(e, line.end) - max(s, line.start) for s, e in spans if s < line.end and e > line.start)
        if printed and covered >= 0.8 * printed:  # its cells too, when its spaces made it a row
            out.add(line.index)
    return frozenset(out)


def _pieces(layout: Layout, garbage: frozenset[int] = frozenset()) -> list[_Piece]:
    out = []
    for line in layout.lines:
        if line.index in garbage:
            out.append(_Piece(line, None, garbage=True))
            continue
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


def _single_rows(run: list[_Piece]) -> list[tuple[list[_model.TableCell], list[int]]]:
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
        flat = _headers._flat_rows([p.cells[0] for p in groups[0]])
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
            if pair:
                # A value wrapped over lines ('应急避难 |' '场所维护改造 |'): the cells up to the
                # next label are its pieces.
                value = flat[i + 1]
                while i + step + 1 < len(flat) and not label(i + step) and label(i + step + 1) and run_at(i + step) < 3 \
                        and not _model.is_numeric(flat[i + step].cells[0].text):
                    value = _Piece(value.line, [value.cells[0].joined(flat[i + step].cells[0])], True)
                    step += 1
                out.append([flat[i], value])
                i += step
                continue
        out.append(flat[i : i + step])
        i += step
    return out


def _raw_rows(layout: Layout, garbage: frozenset[int] = frozenset()) -> list[list[tuple[list[_model.TableCell], list[int]] | str]]:
    """Runs of table rows: each run is a list of (cells, line indexes) rows, and the markers
    'loose:<index>' for short lines without cells inside the run (a wrapped unit or name).
    Lines of ``garbage`` (OCR noise printed across a table) are passed over."""
    pieces = _pieces(layout, garbage)
    runs: list[list] = []
    current: list = []
    gap = 0
    i = 0
    space_header: list[_model.TableCell] | None = None  # the header of a table whose cells are space-separated
    plain_until = 0  # the end of the last run of plain lines read as one flat run
    while i < len(pieces):
        piece = pieces[i]
        if piece.garbage:
            i += 1
            continue
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
        glued_header = _glued._glued_money_header(pieces, i)
        if glued_header is not None:
            header_cells, used = glued_header
            space_header = header_cells
            current.append((header_cells, [pieces[k].line.index for k in range(i, i + used)]))
            gap, i = 0, i + used
            continue
        if i >= plain_until:
            plain_until, rows = _headers._plain_run(pieces, i)
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
        if current and (not text or _model._PAGE_LINE.fullmatch(text)) and gap < 3:
            gap += 1
        elif current and _headers._loose_line(text) and gap == 0 and _headers._next_has_cells(pieces, i):
            current.append(f"loose:{piece.line.index}")
        else:
            if current:
                runs.append(current)
            current, gap = [], 0
            if _model._is_form_title(squash_cell(text)):
                runs.append([f"title:{piece.line.index}"])
        i += 1
    if current:
        runs.append(current)
    return runs


# --- rows whose cells are separated by spaces (a whole row, or a whole form, on one line) -------

_TOKEN = re.compile(r"\S+")


def _tokens(line: Line) -> list[_model.TableCell]:
    return [_model.TableCell(m.group(), line.start + m.start(), line.start + m.end(), -1) for m in _TOKEN.finditer(line.text)]


def _header_run(tokens: list[_model.TableCell]) -> tuple[int, int] | None:
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


def _space_rows(line: Line, header: list[_model.TableCell] | None) -> tuple[list[_model.TableCell] | None, list[list[_model.TableCell]]] | None:
    """A line without tabs or pipes whose cells are separated by spaces: a header line (three or
    more header words in a row, with the rows that follow it on the same line when a whole form
    was flattened onto one line), or a row under such a header. (new header or None, rows), or
    None when the line is neither."""
    text = line.text
    if "\t" in text or ("|" in text and _pipe_cells(line) is not None) or not text.strip():
        return None
    tokens = _tokens(line)
    flat = _headers._flat_rows(tokens)
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


def _name_rest(tokens: list[_model.TableCell], i: int) -> bool:
    """tokens[i] is the rest of the row's name printed after its values: a short text that is
    no level name and no value, followed by a level name, a total row or the end (a new row's
    name would be followed by its values)."""
    text = tokens[i].text
    if len(text) > 12 or _model._level_of(text) or _value_like(text) or _long_text(text) or text.startswith(_model._TOTAL_LABELS):
        return False
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return not after or bool(_model._level_of(after)) or after.startswith(_model._TOTAL_LABELS)


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
    if by.get("points", 0) > 100:
        return False  # an indicator's points are a share of 100
    return True


def _consistent_readings(text: str, roles: list[str]) -> list[list[tuple[int, int]]]:
    """The readings of ``text`` (``_glued_readings``) whose figures agree with themselves; of
    several, those whose amounts share one number of decimals (a row prints its amounts alike:
    '194.75|225.37|209.65|10', never '209.6|510')."""
    def value(a: int, b: int) -> float:
        return float(text[a:b].rstrip("%").replace(",", ""))

    readings = [r for r in _glued_readings(text, roles) if _glued_consistent([value(a, b) for a, b in r], roles)]
    if len(readings) > 1:
        def alike(reading: list[tuple[int, int]]) -> bool:
            decimals = {len(text[a:b].partition(".")[2]) for (a, b), role in zip(reading, roles) if role in _AMOUNT_ROLES}
            return len(decimals) <= 1
        readings = [r for r in readings if alike(r)] or readings
    return readings


def _glued_parts(token: _model.TableCell, roles: list[str]) -> list[_model.TableCell] | None:
    """A token holding one figure per role run together ('10098.41' under 分值 | 得分), split
    when exactly one reading agrees with itself."""
    text = token.text
    readings = _consistent_readings(text, roles)
    if len(readings) != 1:
        return None
    return [_model.TableCell(text[a:b], token.start + a, token.start + b, -1, value=float(text[a:b].rstrip("%").replace(",", "")),
                      run_together=(token.start, token.end)) for a, b in readings[0]]


def _glued_figures(tokens: list[_model.TableCell], i: int, roles: list[str]) -> tuple[list[_model.TableCell], int] | None:
    """A money row's figures printed run together after its label ('39.990.0039.9933.6184.05%108.41',
    maybe broken by a stray space '269. 5339.90…'): the tokens from i made only of figures, at
    least one no figure by itself, read as one figure per column of the header (or fewer, the
    last columns empty) when exactly one reading is consistent. (cells, next token index)."""
    j = i
    while j < len(tokens) and re.fullmatch(r"[\d.,%]+", tokens[j].text):
        j += 1
    if j == i or all(_model.is_numeric(t.text) for t in tokens[i:j]):
        return None
    chars = [(ch, t.start + k) for t in tokens[i:j] for k, ch in enumerate(t.text)]
    text = "".join(ch for ch, _ in chars)
    found = None
    for count in range(len(roles), 1, -1):
        if any(r not in (*_AMOUNT_ROLES, "rate", "points", "score") for r in roles[:count]):
            continue
        readings = _consistent_readings(text, roles[:count])
        if len(readings) == 1:
            found = readings[0]
            break
        if readings:
            return None
    if found is None:
        return None
    whole = (tokens[i].start, tokens[j - 1].end)
    cells = [_model.TableCell(text[a:b], chars[a][1], chars[b - 1][1] + 1, -1, value=float(text[a:b].rstrip("%").replace(",", "")),
                       run_together=whole) for a, b in found]
    return cells, j


def _value_like(text: str) -> bool:
    """A target or actual where a name was expected ('≥2700人次', '46', '='): the row printed its
    name after its values."""
    text = text.replace(" ", "")
    if _model.is_numeric(text) or re.match(r"[≥≤=<>≧≦]", text):
        return True
    m = re.fullmatch(r"\d[\d.,]*([^\d\s]{0,4})", text)
    # A figure and its unit ('2700人次', '480元/人'); a name that opens with a figure does not
    # read as one ('65岁及以上' goes on '老年人健康管理人数').
    return bool(m) and (len(m.group(1)) <= 2 or m.group(1) in lx.MEASURE_UNITS or "/" in m.group(1))


def _parse_space_rows(tokens: list[_model.TableCell], header: list[_model.TableCell], count: bool = False):
    """Rows from a run of tokens under a space-separated header. An indicator header takes, per
    row, the level names, a name, then per column after the name what fits its role (empty
    cells are not printed, so a column whose kind the next token lacks is passed): any value
    under target / actual, a sign under 指标性质, a short word under 度量单位, a figure under
    分值 / 得分, a sentence under remarks; a name printed after its values is taken back. A
    money header takes a label (its words) and the figures after it, in column order. With
    ``count``, (rows, tokens used)."""
    reader = _SpaceRowReader(tokens, header)
    rows, used = _read_space_rows(reader)
    if reader.glued_seen and not reader.scores_glued:
        # A row's points and score run together beyond doubt ('1210.5'): the table prints them
        # so, and the shorter runs ('88') are read the same way from its first row on.
        reader = _SpaceRowReader(tokens, header, scores_glued=True)
        rows, used = _read_space_rows(reader)
    return (rows, reader.tokens[used:]) if count else rows


def _read_space_rows(reader: "_SpaceRowReader") -> tuple[list[list[_model.TableCell]], int]:
    rows: list[list[_model.TableCell]] = []
    used = 0
    while reader.i < reader.n:
        if reader.indicator and reader.tokens[reader.i].text.startswith(_model._TOTAL_LABELS):
            cells = reader.total_row()
            if cells is None:
                break
            rows.append(cells)
            used = reader.i
            continue
        cells = reader.indicator_row() if reader.indicator else reader.money_row()
        if cells is None or len(cells) < 2:
            break
        rows.append(sorted(cells, key=lambda c: c.column))
        used = reader.i
    return rows, used


class _SpaceRowReader:
    """The tokens of a space-separated run read row by row under a header's column roles; ``i``
    is the next token, and run-together values are split in place in ``tokens``."""

    def __init__(self, tokens: list[_model.TableCell], header: list[_model.TableCell], scores_glued: bool = False) -> None:
        self.header = header
        self.scores_glued = scores_glued  # the table prints points and score run together
        self.glued_seen = False  # a run of points and score that no single figure can be was split
        self.target = ""  # the target of the row being read
        self.roles = [_model.column_role(h.text) for h in header]
        self.tokens = list(tokens)
        self.i, self.n = 0, len(self.tokens)
        self.seen_level1 = False
        roles = self.roles
        self.indicator = "name" in roles and ("target" in roles or "ind_actual" in roles)
        self.level_cols = {r: roles.index(r) for r in ("level1", "level2") if r in roles}
        names = [c for c, r in enumerate(roles) if r == "name"]
        # Indicator names print right of their levels ('绩效指标' left of them labels the block).
        self.name_col = next((c for c in names if c > max(self.level_cols.values(), default=-1)), names[0] if names else 0)

    def total_row(self) -> list[_model.TableCell] | None:
        """'合计 100 96.5': the total label and the figures under the score columns."""
        tokens, i, roles = self.tokens, self.i, self.roles
        figures = [c for c in range(len(roles)) if roles[c] in ("points", "score", "review_score")]
        j = i + 1
        while j < self.n and _model.is_numeric(tokens[j].text) and j - i - 1 < len(figures):
            j += 1
        got = tokens[i + 1 : j]
        if not got:
            return None
        if len(got) == 1 and len(figures) >= 2:
            parts = _glued_parts(got[0], [roles[c] for c in figures[-2:]])
            got = parts if parts is not None else got
        self.i = j
        return [replace(tokens[i], column=0)] + [replace(t, column=c) for t, c in zip(got, figures[len(figures) - len(got):])]

    def _levels(self, cells: list[_model.TableCell]) -> None:
        """The level names that open the row, each in its level column."""
        level_cols, tokens = self.level_cols, self.tokens
        while self.i < self.n and _model._level_of(tokens[self.i].text) and level_cols:
            kind = _model._level_of(tokens[self.i].text)
            taken = {c.column for c in cells}
            if kind == "level2" and "level2" in level_cols:
                col = level_cols["level2"]
            elif kind == "level1" or "level2" not in level_cols:
                col = level_cols.get("level1", level_cols.get("level2"))
            else:  # 满意度指标 / 成本指标: level 1 or 2 by template
                # Level 1 when a level 2 follows it, or the grid has no level 1 yet; alone
                # under a level 1 in force, it is that level's level 2.
                following = _model._level_of(tokens[self.i + 1].text) if self.i + 1 < self.n else None
                first = level_cols.get("level1", -1) not in taken and not cells
                col = level_cols.get("level1", 0) if first and (following or not self.seen_level1) else level_cols["level2"]
            if col in taken:
                col = level_cols.get("level2", col)
            cells.append(replace(tokens[self.i], column=col))
            self.seen_level1 = self.seen_level1 or col == level_cols.get("level1")
            self.i += 1

    def _fits(self, role: str, after: str = "") -> bool:
        """Does the next token fit a column of ``role`` (``after``: the role of the column after
        it)? A value glued to the figures printed against it ('100%100%1818') is cut, the rest
        read as the next token; so are points and score run together ('1210.5')."""
        text = self.tokens[self.i].text
        if role == "points" and after == "score" and _model.is_numeric(text) and not text.endswith("%"):
            self._split_points_score()
            return True
        if role in ("points", "score", "review_score"):
            return _model.is_numeric(text) and not text.endswith("%")
        if role == "nature":
            return bool(_model._SIGNS.fullmatch(text))
        if role == "unit":
            return len(text) <= 4 and not re.search(r"\d", text) and not _model.is_placeholder(text)
        if role in ("target", "ind_actual"):
            fits = not _long_text(text)
            glued = _RUN_AFTER_PERCENT.fullmatch(text)
            if fits and glued:
                cut, token = glued.end(1), self.tokens[self.i]
                self.tokens[self.i : self.i + 1] = [replace(token, text=text[:cut], end=token.start + cut),
                                                    replace(token, text=text[cut:], start=token.start + cut)]
                self.n = len(self.tokens)
            elif fits and role == "ind_actual" and after == "points":
                self._split_actual_scores()
            return fits
        if role == "note":
            return _long_text(text) or _model.is_placeholder(text)
        return False

    def _split_points_score(self) -> None:
        """The token under 分值 is points and score run together when the next token is no
        score of its own and exactly one reading has score <= points <= 100: beyond doubt when
        the token is above 100 (no indicator's points are), else only in a table known to glue."""
        token = self.tokens[self.i]
        following = self.tokens[self.i + 1].text if self.i + 1 < self.n else ""
        if _model.is_numeric(following) and not following.endswith("%") or len(token.text) < 2:
            return
        certain = (token.value if token.value is not None else float(token.text.replace(",", ""))) > 100
        if not (certain or self.scores_glued):
            return
        parts = _glued_parts(token, ["points", "score"])
        if parts is None:
            return
        self.glued_seen = self.glued_seen or certain
        self.tokens[self.i : self.i + 1] = parts
        self.n = len(self.tokens)

    def _split_actual_scores(self) -> None:
        """An actual figure run together with the points and score after it ('58941515' under
        实际完成值 | 分值 | 得分, the next token no score of its own): of the readings with score
        <= points <= 100, the actual nearest the row's target in magnitude, then the score
        nearest its points (a self-evaluation scores near full marks)."""
        token = self.tokens[self.i]
        following = self.tokens[self.i + 1].text if self.i + 1 < self.n else ""
        text = token.text
        if not re.fullmatch(r"\d[\d.]*\d", text) or _model.is_numeric(following) and not following.endswith("%"):
            return
        target = re.search(r"\d+(?:\.\d+)?", self.target or "")
        ranked = []
        for a in range(1, len(text) - 1):
            for b in range(a + 1, len(text)):
                parts = (text[:a], text[a:b], text[b:])
                if not (re.fullmatch(r"(?:[1-9]\d*|0)(?:\.\d+)?", parts[0]) and re.fullmatch(_GLUED_PATTERNS["points"], parts[1])
                        and re.fullmatch(_GLUED_PATTERNS["score"], parts[2])):
                    continue
                actual, points, score = (float(p) for p in parts)
                if score > points or points > 100:
                    continue
                distance = abs(math.log10(max(actual, 1e-9) / float(target.group()))) if target and float(target.group()) else 0.0
                ranked.append((round(distance, 1), points - score, a, b))
        if not ranked:
            return
        _, _, a, b = min(ranked)
        s = token.start
        whole = (token.start, token.end)
        self.tokens[self.i : self.i + 1] = [replace(token, text=text[:a], end=s + a, value=float(text[:a]), run_together=whole),
                                            replace(token, text=text[a:b], start=s + a, end=s + b, value=float(text[a:b]), run_together=whole),
                                            replace(token, text=text[b:], start=s + b, value=float(text[b:]), run_together=whole)]
        self.n = len(self.tokens)

    def indicator_row(self) -> list[_model.TableCell] | None:
        """Levels, a name, then per column after the name what fits its role."""
        cells: list[_model.TableCell] = []
        self.target = ""
        self._levels(cells)
        tokens = self.tokens
        if self.i >= self.n or _long_text(tokens[self.i].text) or tokens[self.i].text.startswith(_model._TOTAL_LABELS):
            return None
        name_after = _value_like(tokens[self.i].text)
        if not name_after:
            cells.append(replace(tokens[self.i], column=self.name_col))
            self.i += 1
        values = 0
        for col in range(self.name_col + 1, len(self.roles)):
            if self.i >= self.n:
                break
            text = self.tokens[self.i].text
            if _model._level_of(text) or text.startswith(_model._TOTAL_LABELS):
                break
            if self._fits(self.roles[col], self.roles[col + 1] if col + 1 < len(self.roles) else ""):
                cells.append(replace(self.tokens[self.i], column=col))
                if self.roles[col] == "target":
                    self.target = self.tokens[self.i].text
                values += 1
                self.i += 1
        tokens, i = self.tokens, self.i
        if name_after and i < self.n and not _model.is_numeric(tokens[i].text) and not _model._level_of(tokens[i].text) and not _long_text(tokens[i].text):
            cells.append(replace(tokens[i], column=self.name_col))
            self.i += 1
        elif not name_after and values and i < self.n and _name_rest(tokens, i):
            # '城乡低保对 ≥18000人 19116人 象保障人数': the name wrapped around its values.
            k = next(k for k, c in enumerate(cells) if c.column == self.name_col)
            cells[k] = cells[k].joined(tokens[i])
            self.i += 1
        return cells

    def money_row(self) -> list[_model.TableCell] | None:
        """A label (its words) and the figures after it, in column order."""
        tokens, n = self.tokens, self.n
        label: list[_model.TableCell] = []
        while self.i < n and not _model.is_numeric(tokens[self.i].text) and not _model.is_placeholder(tokens[self.i].text) \
                and not _long_text(tokens[self.i].text) and not re.fullmatch(r"[\d.,%]+", tokens[self.i].text):
            label.append(tokens[self.i])
            self.i += 1
        values: list[_model.TableCell] = []
        glued = _glued_figures(tokens, self.i, self.roles[1:]) if label else None
        fixed = _glued._fixed_precision_row(tokens, self.i, self.header) if label and glued is None else None
        if fixed is not None:
            values, self.i = fixed  # placed in their columns, blank columns passed
        else:
            if glued is not None:
                values, self.i = glued
            while self.i < n and (_model.is_numeric(tokens[self.i].text) or _model.is_placeholder(tokens[self.i].text)) and len(values) < len(self.roles) - 1:
                values.append(tokens[self.i])
                self.i += 1
            values = [replace(v, column=k + 1) for k, v in enumerate(values)]
        if not values:
            return None
        cells = [_model.TableCell("".join(t.text for t in label), label[0].start, label[-1].end, 0)] if label else []
        return cells + values
