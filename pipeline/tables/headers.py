"""A header wrapped over several lines, read from a flat run of cells or tokens; rows read by the kinds of their cells under the header's roles."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from functools import lru_cache

from pipeline import lexicon as lx
from pipeline.layout import squash_cell
from pipeline.tables import cells as _cells
from pipeline.tables import model as _model


# --- a header wrapped over several lines, read from a flat run of cells or tokens ----------------

_ROLELESS = ("", "other")


def _join_gain(top: str, piece: str) -> float:
    """How much joining a wrapped piece to a header cell makes a header of it: '年度指' + '标值'
    names a role the upper piece alone does not; '分值' + '析及改进措施' names none."""
    r0, r1 = _model.column_role(top), _model.column_role(top + piece)
    if lx.RATIO_ANNOTATION.fullmatch(piece):
        # A formula dividing two columns heads a rate column, one not annotated already.
        return 2.0 if r0 == "rate" and not lx.OWN_ANNOTATION_END.search(top) else 0.2
    if lx.OWN_ANNOTATION_END.fullmatch(piece):
        # A column's own letter ('（A）') names an amount a formula divides, not 分值 or 得分.
        return 0.5 if r0 in ("points", "score", "review_score") else 1.0
    if r0 in _ROLELESS and lx.is_table_header(top) and r1 not in _ROLELESS and _model.column_role(piece) == r1:
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
        if best is not None:
            best = (best[0] - 0.01, best[1])  # of equal joins, the leftmost: pieces wrap under the columns in order
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
        role = _model.column_role(text)
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
    return (0 < len(text) <= 8 and not _model.is_numeric(text) and not _model.is_placeholder(text) and not _model._level_of(text)
            and not re.search(r"\d", _model._FORMULA.sub("", text)) and _model.row_scope(text) is None
            and not text.startswith(_model._TOTAL_LABELS) and not re.search(r"[。；;，,:：]", text))


def _bare_annotation(text: str) -> bool:
    return bool(lx.COLUMN_ANNOTATION.fullmatch(text) or lx.RATIO_ANNOTATION.fullmatch(text))


def _closes_bracket(before: str, piece: str) -> bool:
    """'100%）' after '（E/C×': the end of an annotation wrapped onto a third header line."""
    return before.count("(") + before.count("（") > before.count(")") + before.count("）") and bool(re.fullmatch(r"[^()（）]{0,8}[)）]", piece))


def _wrapped_header(cells: list[_model.TableCell], start: int, end: int) -> tuple[list[_model.TableCell], int, int]:
    """The header zone around a run of header words cells[start:end] in a flat run: short pieces
    before it (the first line's fragments '项目' '年初'), pieces after it up to the first row
    (a level name, or the label before a figure), then the best cut of the zone into the first
    line and its wrapped pieces. (header cells with columns, zone start, zone end)."""
    run = (start, end)
    while start > 0 and len(cells[start - 1].text) <= 4 and _header_fragment_word(cells[start - 1].text):
        start -= 1
    while end < len(cells) and (_header_fragment_word(cells[end].text) or _closes_bracket(cells[end - 1].text, cells[end].text)) and \
            not (end + 1 < len(cells) and (_model.is_numeric(cells[end + 1].text) or _model.is_placeholder(cells[end + 1].text))):
        end += 1
    zone = cells[start:end]
    texts = [c.text for c in zone]
    # A money grid's first row (a label, then its figures) prints every column: the header is
    # as wide as that row.
    width = 0
    if end < len(cells) and not _model._level_of(cells[end].text):
        j = end + 1
        while j < len(cells) and (_model.is_numeric(cells[j].text) or _model.is_placeholder(cells[j].text)):
            j += 1
        width = j - end if j - end >= 3 else 0
    unwrapped = _header_quality(texts)
    choice: tuple[float, int, list[int]] = (unwrapped, len(zone), [])
    for k in range(3, len(zone)):
        if any(_bare_annotation(t) for t in texts[:k]):
            continue  # '（万元）' or '(B/A)' heads no column: it is the rest of the cell above it
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


def _header_runs(cells: list[_model.TableCell]) -> list[tuple[int, int]]:
    """Every run of three or more header words in a flat run of cells (short words without
    figures: a sentence naming 年初预算数 is prose)."""
    def word(text: str) -> bool:
        # The words' length without their bracketed notes and formulas: '年初部门预算安排金额(含历年
        # 结余结转)①' is a header word of ten characters.
        return len(_model.header_core(text)) <= 14 and _cells._is_header_word(text) and not re.search(r"[。；;，,:：]|\d", _model._FORMULA.sub("", text))

    def row_label(j: int) -> bool:  # '年度资金总额' before its figures opens a row
        after = cells[j + 1].text if j + 1 < len(cells) else ""
        return (cells[j].text.startswith(_model._TOTAL_LABELS) or _model.row_scope(cells[j].text) is not None) and bool(re.match(r"\d", after))

    runs, i = [], 0
    while i < len(cells):
        j = i
        while j < len(cells) and word(cells[j].text) and not row_label(j):
            j += 1
        if j - i >= 3:
            runs.append((i, j))
        i = max(j, i + 1)
    return runs


def _unglue_row_labels(cells: list[_model.TableCell]) -> list[_model.TableCell]:
    """'得分年度资金总额' before '39.99…': the header's last word and the first row's label,
    glued when the line break between them was read as a wrap ('88.8%1818总分': a row's last
    figures and the total row's label). Split where the tail is a total row's label and the head
    a header word or figures."""
    out = []
    for k, cell in enumerate(cells):
        after = cells[k + 1].text if k + 1 < len(cells) else ""
        label = next((t for t in _model._TOTAL_LABELS if cell.text.endswith(t) and len(cell.text) > len(t)), None)
        head = cell.text[: -len(label)] if label else ""
        if label and (re.match(r"\d", after) and _cells._is_header_word(head) or re.fullmatch(r"[\d.,%]+", head)):
            cut = len(cell.text) - len(label)
            if cell.end - cell.start == len(cell.text):
                out += [replace(cell, text=cell.text[:cut], end=cell.start + cut), replace(cell, text=label, start=cell.start + cut)]
                continue
        out.append(cell)
    return out


def _flat_rows(cells: list[_model.TableCell], line_starts: list[int] | None = None) -> list[list[_model.TableCell]] | None:
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
        if not _cells._header_like(header):
            continue
        zones.append((header, zs, ze))
    if not zones:
        return None
    rows: list[list[_model.TableCell]] = []
    pre = cells[: zones[0][1]]
    for group in _by_line(pre, line_starts):
        rows.extend(_label_value_pairs(group) if line_starts is None else
                    [[replace(c, column=k) for k, c in enumerate(group[i : i + 2])] for i in range(0, len(group), 2)])
    for z, (header, zs, ze) in enumerate(zones):
        rows.append(header)
        stop = zones[z + 1][1] if z + 1 < len(zones) else len(cells)
        rest = cells[ze:stop]
        parsed, left = _cells._parse_space_rows(rest, header, count=True)
        rows.extend(parsed)
        if left:
            rows.append([replace(c, column=k) for k, c in enumerate(left)])
    return rows


def _form_label(text: str) -> bool:
    return _cells._is_header_word(text) or squash_cell(text).rstrip(":：").endswith(("名称", "部门", "单位", "负责人"))


def _label_value_pairs(cells: list[_model.TableCell]) -> list[list[_model.TableCell]]:
    """A form's head printed one cell per line: label, value, label, value …; a value wrapped
    over lines ('应急避难' '场所维护改造' before the next label) is one value."""
    rows: list[list[_model.TableCell]] = []
    i = 0
    while i < len(cells):
        if _form_label(cells[i].text) and i + 1 < len(cells) and not _form_label(cells[i + 1].text):
            value, j = cells[i + 1], i + 2
            while j + 1 < len(cells) and not _form_label(cells[j].text) and _form_label(cells[j + 1].text) \
                    and not _model.is_numeric(cells[j].text) and len(cells[j].text) <= 12:
                value, j = value.joined(cells[j]), j + 1
            rows.append([replace(cells[i], column=0), replace(value, column=1)])
            i = j
            continue
        rows.append([replace(c, column=k) for k, c in enumerate(cells[i : i + 2])])
        i += 2
    return rows


def _by_line(cells: list[_model.TableCell], line_starts: list[int] | None) -> list[list[_model.TableCell]]:
    """Label-value cells in groups that never straddle a printed line: a line holding an odd
    cell (the year under the title) must not pair every label after it with the wrong value.
    Without line starts, one group."""
    if not line_starts:
        return [cells] if cells else []
    groups: dict[int, list[_model.TableCell]] = {}
    for c in cells:
        groups.setdefault(bisect_right(line_starts, c.start), []).append(c)
    return list(groups.values())


def _join_wrapped_cells(lines: list[list[_model.TableCell]]) -> list[list[_model.TableCell]]:
    """Lines of a grid printed in narrow columns (a PDF's text layer): a line of short words
    only, under a row with figures, holds the rest of that row's wrapped text cells ('资助家庭经
    1900人 1900人 13 13' over '济困难学生'); its words join the row's unfinished text cells,
    the last ones first. A line followed by a line of figures is a name above its values and
    stays."""
    def figure(text: str) -> bool:  # a value, or values run together ('100%96.5%118.5')
        return _cells._value_like(text) or bool(re.fullmatch(r"[\d.,%]*\d[\d.,%]*", text))

    def value_line(line: list[_model.TableCell]) -> bool:
        return any(figure(t.text) for t in line)

    def words_only(line: list[_model.TableCell], row: list[_model.TableCell]) -> bool:
        # A header line has three words or more: one or two words that read as header words
        # ('合格率', '完成率') under a row printed whole on its line are the rest of its name
        # (one cell per line, a lone header word opens the header).
        header_words_ok = len(line) <= 2 and len(row) >= 3
        return bool(line) and all(len(t.text) <= 6 and not _cells._value_like(t.text) and not _model._level_of(t.text) and not _model.is_placeholder(t.text)
                                   and not t.text.startswith(_model._TOTAL_LABELS) and not lx.is_template_row(t.text)
                                   and (header_words_ok or not _cells._is_header_word(t.text)) for t in line)

    out: list[list[_model.TableCell]] = []
    anchor: int | None = None  # the row line whose cells the words continue
    joined = False  # the line before went on the anchor row: a cell wrapped over three lines goes on
    for k, line in enumerate(lines):
        following = lines[k + 1] if k + 1 < len(lines) else []
        above_next = bool(following) and _cells._value_like(following[0].text) and not joined
        joined = False
        if anchor is not None and words_only(line, out[anchor]) and not above_next:
            row = out[anchor]
            # A unit under 度量单位 (a short word printed right after its figure) is whole.
            open_cells = [n for n, t in enumerate(row) if not figure(t.text) and not _model._level_of(t.text) and not _cells._long_text(t.text)
                          and t.text not in lx.MEASURE_UNITS and not (n and len(t.text) <= 3 and figure(row[n - 1].text))]
            targets = _single_fragment_target(row, line[0].text, open_cells) if len(line) == 1 else None
            if targets is None and open_cells and len(line) <= len(open_cells):
                targets = open_cells[len(open_cells) - len(line):]
            if targets is not None:
                for n, word in zip(targets, line):
                    row[n] = row[n].joined(word)
                joined = value_line(row)  # a row of figures whose cell wraps on: its third line goes on too
                continue
            if not open_cells:
                out.append(list(line))  # a name printed below its row's values: its rest follows
                anchor = len(out) - 1
                continue
        out.append(list(line))
        total = any(label in t.text for t in line for label in _model._TOTAL_LABELS)  # a total row ends the grid
        anchor = len(out) - 1 if value_line(line) and not total else None
    return out


def _single_fragment_target(row: list[_model.TableCell], word: str, open_cells: list[int]) -> list[int] | None:
    """The cell of ``row`` a lone wrapped piece goes on, when its shape says which: the end of a
    sentence ('步加强督导。') on the row's unfinished remark; the rest of a level name ('服务对象满'
    + '意度指标') on that cell; else the longest open cell (a cell wraps when it fills its width)."""
    sentences = [n for n, t in enumerate(row) if _cells._long_text(t.text) and not re.search(r"[。！？!?]$", t.text)]
    if sentences and (re.search(r"[。！？；;，,]$", word) or not open_cells):
        return [sentences[-1]]
    levels = [n for n in open_cells if lx.classify_level(row[n].text + word) and not lx.classify_level(row[n].text)]
    if levels:
        return levels[:1]
    # Otherwise the cell that filled its column's width, the longest ('河道水质达标' beside '逐步提升').
    return [max(reversed(open_cells), key=lambda n: len(row[n].text))] if open_cells else None


# A report's numbered section heading alone on its line ('三、存在的问题', '（二）绩效指标完成情况'):
# it opens the section a table sits in, or the one after it, and is none of the table's cells.
_SECTION_HEADING = re.compile(r"\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])\s*[^\s\d]\S{1,29}\s*")


def _plain_run(pieces: list[_cells._Piece], i: int) -> tuple[int, list[tuple[list[_model.TableCell], list[int]]]]:
    """A run of two or more plain lines (no tabs, no pipes, no blank line, no form title) from
    piece i, read as one flat run of cells when it holds a header: a form printed one cell per
    bare line, or with its rows broken over lines anywhere. (end of the run, rows with their
    line indexes); no rows when the run holds no header."""
    j = i
    while j < len(pieces) and (pieces[j].garbage or pieces[j].cells is None and pieces[j].line.text.strip()
                               and not _model._is_form_title(squash_cell(pieces[j].line.text)) and not _model._PAGE_LINE.fullmatch(pieces[j].line.text.strip())
                               and not (j > i and lx.FORM_FOOTER.match(pieces[j].line.text))  # the form's sign-off ends its table
                               and not _SECTION_HEADING.fullmatch(pieces[j].line.text)):
        j += 1
    kept = [p for p in pieces[i:j] if not p.garbage]  # garbage printed across the form is none of its cells
    if len(kept) < 2:
        return j, []
    from pipeline.sidebyside import merge_continuations  # it reads cells of this module

    lines = merge_continuations([_cells._tokens(p.line) for p in kept])
    tokens = [t for line in _join_wrapped_cells(lines) for t in line]
    flat = _flat_rows(tokens, [p.line.start for p in kept])
    if flat is None:
        return j, []
    starts = [p.line.start for p in kept]
    indexes = [p.line.index for p in kept]

    def line_of(cell: _model.TableCell) -> int:
        return indexes[bisect_right(starts, cell.start) - 1]

    return j, [(cells, sorted({line_of(c) for c in cells})) for cells in flat]


def _loose_line(text: str) -> bool:
    """A short line without cells inside a table: a wrapped unit ('（万元）'), a name fragment."""
    return 0 < len(text) <= 14 and not re.search(r"[。；;，,:：]", text) and not _model._is_form_title(text)


def _next_has_cells(pieces: list[_cells._Piece], i: int) -> bool:
    for piece in [p for p in pieces[i + 1 : i + 6] if not p.garbage][:2]:
        if piece.cells:
            return True
        if piece.line.text.strip():
            return False
    return False
