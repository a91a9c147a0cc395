"""Layout of a normalised report: lines, tab tables, headings, sections, title, report type.

Works on the normalised text (offsets are normalised offsets; ``NormalizedText.to_raw`` maps them
back). Tables are runs of tab-separated lines as OCR reading order and PDF conversion produce
them; a header may span several lines and a table may continue after a page break with a
repeated header, so table structure is recovered per row rather than trusted from the header.
Two faults of that text are repaired here: rows whose tabs became runs of spaces get their cells
back (placed in the columns of the tab rows around them), and header words wrapped onto the line
below their header are joined to it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

from pipeline.lexicon import classify_level, is_table_header
from pipeline.record import ReportType

# Section headings: 一、 （一） (一) 1. — numbering followed by a short title.
_HEADING = re.compile(
    # '一)' and '1)': numbering whose opening bracket OCR or a converter lost.
    r"^[ \t]*(?P<num>[一二三四五六七八九十]+、|[(（]?[一二三四五六七八九十]+[)）]|[(（]?\d{1,2}[)）]|\d{1,2}[、.．](?!\d))"
    r"[ \t]*(?P<title>[^\n]{1,60})$"
)
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\"“”、（）()])[ \t]+(?=[\u4e00-\u9fff\"“”、（）()])")


# HTML left over from a mirror site ('<h3>（一）产出指标</h3>', '&nbsp;'): no text of the report.
MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,9}(?:[ \t][^<>\n]{0,80})?/?>|&(?:nbsp|amp|lt|gt|quot|ensp|emsp|#\d{2,5});")


def squash_cell(text: str) -> str:
    """A cell's text with the spaces that cell wrapping leaves between CJK characters removed."""
    return _CJK_SPACE.sub("", text.strip())


@dataclass(frozen=True)
class Cell:
    text: str  # squashed text
    start: int  # normalised offsets of the cell's stripped text
    end: int
    column: int
    # Further pieces of the cell's text printed elsewhere (a header word wrapped onto the line
    # below): normalised spans, in order; ``text`` is all pieces joined.
    more: tuple[tuple[int, int], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text


@dataclass
class Line:
    index: int
    start: int
    end: int
    text: str
    cells: list[Cell] = field(default_factory=list)
    spaced: bool = False  # a table row whose column tabs became runs of spaces (cells recovered)
    continues: int | None = None  # index of the header line whose wrapped cells this line ends

    @property
    def is_table_row(self) -> bool:
        return len(self.cells) > 1 or (self.continues is not None and bool(self.cells))

    def filled(self) -> list[Cell]:
        return [c for c in self.cells if not c.empty]


@dataclass
class Table:
    lines: list[Line]

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end


@dataclass(frozen=True)
class Heading:
    line: int
    start: int
    end: int
    number: str
    title: str
    level: int  # 1: 一、 2: （一） 3: （1） / 1.


@dataclass(eq=False)  # compared and hashed by identity: one analysis per text, shared by the stages
class Layout:
    text: str
    lines: list[Line]
    tables: list[Table]
    headings: list[Heading]
    title: str
    report_type: ReportType | None

    def line_at(self, offset: int) -> Line:
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.lines[mid].start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self.lines[lo]

    def section_body(self, heading: Heading) -> tuple[int, int]:
        """Normalised span from the end of a heading to the next heading of the same or a
        higher level (or the end of the text)."""
        return heading.end, self._section_ends.get(heading.line, len(self.text))

    @cached_property
    def _section_ends(self) -> dict[int, int]:
        """Heading line -> start of the next heading of the same or a higher level, for all
        headings in one pass (a scan of the headings per section was quadratic)."""
        ends: dict[int, int] = {}
        open_headings: list[Heading] = []  # levels strictly increasing from bottom to top
        for h in sorted(self.headings, key=lambda h: h.line):
            while open_headings and open_headings[-1].level >= h.level:
                ends[open_headings.pop().line] = h.start
            open_headings.append(h)
        return ends


def _split_lines(text: str, joins: list[int] = ()) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    joins = sorted(joins)
    for raw_line in re.split(r"[\n\f]", text):  # a page break ends a line too
        start, end = pos, pos + len(raw_line)
        pos = end + 1
        inside = joins[bisect_left(joins, start + 1) : bisect_left(joins, end)] if joins else []
        if inside and "\t" not in raw_line:
            bounds = [start, *inside, end]
            pieces = [text[a:b] for a, b in zip(bounds, bounds[1:])]
            if any(_looks_spaced(piece) for piece in pieces):
                # Table rows that lost their tabs read as prose to the normaliser, which joins
                # them (and the prose around them) like hard-wrapped lines: undo those joins.
                for a, b in zip(bounds, bounds[1:]):
                    lines.append(Line(index=len(lines), start=a, end=b, text=text[a:b]))
                continue
        line = Line(index=len(lines), start=start, end=end, text=raw_line)
        if "\t" in raw_line:
            cell_start = start
            for column, part in enumerate(raw_line.split("\t")):
                stripped = part.strip()
                lead = len(part) - len(part.lstrip())
                s = cell_start + lead
                line.cells.append(Cell(squash_cell(part), s, s + len(stripped), column))
                cell_start += len(part) + 1
        lines.append(line)
    return lines


def _looks_spaced(text: str) -> bool:
    """A piece of a joined line that reads as a table row whose tabs became spaces: two or more
    runs of 2+ spaces, or at least four single-space pieces, two of them figures, and no
    punctuation (prose has some in any wrapped line)."""
    stripped = text.strip()
    if _SENTENCE_STOP.search(stripped[:-1]):
        return False
    if len(_WIDE_GAP.findall(stripped)) >= 2:
        return True
    pieces = stripped.split(" ")
    return len(pieces) >= 4 and sum(1 for p in pieces if _NUMERIC_CELL.fullmatch(p)) >= 2 and not re.search(r"[，,。；;、]", stripped)


# --- rows that lost their tabs -----------------------------------------------------------------
#
# PDF converters and copy-paste turn a table's column tabs into runs of spaces, row by row: a
# table then reads as tab rows with some space-separated rows between them, and each such row
# would end the table (everything below it loses its header). A line gets cells from its spaces
# only where it looks like a table row: it sits next to tab rows (above and below, or on one side
# with several numeric cells or as a line of short header words), or it has several numeric cells
# and no sentence punctuation. Its cells are then placed in the columns of the neighbouring tab
# rows whose contents they resemble (numbers under numbers, words under words), because empty
# cells (merged level cells, blank remarks) leave no trace in the spaces.

_WIDE_GAP = re.compile(r"[ \t]{2,}")
_NARROW_GAP = re.compile(r" ")
# A numeric cell: an amount, a rate, a score or a target with its comparison sign and a short unit
# ('1900人次', '≥69元', '98.5%', '—').
_NUMERIC_CELL = re.compile(r"[≥≤=<>≧≦]?\s*[-+]?\d[\d,.]*\s*(?:%|‰|[\u4e00-\u9fff]{1,4})?")
_PLACEHOLDER_CELL = re.compile(r"[—\-/－–]+|无|/")
# Unit or measure words printed after a number: '1900 人次' is one cell, not two.
_UNIT_PIECE = re.compile(r"(?:%|‰|[元万亿人次个座张条公里亩户家天年月日所项台套辆份场只头吨平方米千克分钟小时倍册件处]){1,4}")
# Lines that are never table rows: captions ('表1  部门整体…'), page numbers ('- 4 -'), bullets
# and notes, numbered headings ('(四) 部门整体收支情况').
_NOT_A_ROW = re.compile(r"\s*(?:(?:附表|表|图|附件)\s*\d|[-—–]\s*\d+\s*[-—–]\s*$|第\s*\d+\s*页|[-•·●]\s|注\s*[:：])")
_SENTENCE_STOP = re.compile(r"[。；;]")
_PAGE_NUMBER = re.compile(r"\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*共\s*\d{1,3}\s*页)?)\s*")


_PLAIN_NUMBER = re.compile(r"[-+]?\d[\d,.]*")
_KINDS = ("level", "number", "quantity", "text", "blank")
# How well a cell of one kind sits in a column holding another kind: a target column mixes
# quantities ('≥520元') with words ('有效保障'), a figure column plain numbers with quantities.
_COMPATIBLE = {("text", "quantity"): 0.5, ("quantity", "text"): 0.5, ("quantity", "number"): 0.5,
               ("number", "quantity"): 0.5, ("level", "text"): 0.2, ("text", "level"): 0.2}


def _cell_kind(text: str) -> str:
    """level (an indicator level name), number (a plain amount or score), quantity (a figure
    with a unit, a percent sign or a comparison sign), blank (a placeholder) or text."""
    if _PLACEHOLDER_CELL.fullmatch(text):
        return "blank"
    if _PLAIN_NUMBER.fullmatch(text):
        return "number"
    if _NUMERIC_CELL.fullmatch(text):
        return "quantity"
    return "level" if classify_level(text) else "text"


def _space_pieces(line: Line, units: bool = False) -> tuple[list[tuple[int, int]], bool] | None:
    """(spans, wide) of a line's space-separated pieces (normalised offsets), or None. Pieces are
    split at runs of two or more spaces; where there are none, at single spaces, with a letter-
    spaced word ('合 计') kept whole, and with ``units`` a number's unit too ('1900 人次'; not
    by default: templates print 度量单位 as a column of its own)."""
    text = line.text
    stripped = text.strip()
    if not stripped or "\t" in text:
        return None
    lead = len(text) - len(text.lstrip())
    wide = bool(_WIDE_GAP.search(stripped))
    gap = _WIDE_GAP if wide else _NARROW_GAP
    spans: list[tuple[int, int]] = []
    pos = lead
    for m in gap.finditer(text, lead, lead + len(stripped)):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, lead + len(stripped)))
    spans = [(a, b) for a, b in spans if b > a]
    if not wide:
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            piece = text[a:b]
            if merged:
                prev = text[merged[-1][0] : merged[-1][1]]
                letter_spaced = len(prev) == 1 and len(piece) == 1 and "\u4e00" <= prev <= "\u9fff" and "\u4e00" <= piece <= "\u9fff"
                unit = units and _UNIT_PIECE.fullmatch(piece) and re.search(r"\d$", prev)
                if letter_spaced or unit:
                    merged[-1] = (merged[-1][0], b)
                    continue
            merged.append((a, b))
        spans = merged
    if len(spans) < 2:
        return None
    return [(line.start + a, line.start + b) for a, b in spans], wide


def _row_like(line: Line, pieces: list[str], wide: bool, above: bool, below: bool) -> bool:
    """Whether a space-separated line is a table row, from its pieces and whether a table row is
    right above / below it."""
    if _NOT_A_ROW.match(line.text) or _HEADING.match(line.text):
        return False
    if any(_SENTENCE_STOP.search(p) for p in pieces[:-1]) or line.text.rstrip().endswith((":", "：")):
        return False  # prose; only a last cell (a remark) may hold whole sentences
    numeric = sum(1 for p in pieces if _cell_kind(p) in ("number", "quantity"))
    if above and below:
        return True
    if above or below:
        # A header row of short words: no sentence punctuation at all, and at least one known
        # header word (OCR'd prose is often word-spaced: '本年度 我局 认真 开展 各项 工作，…').
        header_words = (
            len(pieces) >= 3
            and all(len(p) <= 10 and not re.search(r"\d", p) for p in pieces)
            and not re.search(r"[，,。；;、：:!?！？]", line.text)
            and any(is_table_header(squash_cell(p)) for p in pieces)
        )
        return numeric >= 2 or header_words
    # Alone (no table row next to it): only a line whose columns are runs of spaces, with
    # figures in them; single spaces alone are too common in OCR'd prose ('2021 年 12 月 31 日').
    return wide and len(pieces) >= 3 and numeric >= 2 and not re.search(r"[，,。；;、]", line.text)


def _column_profile(rows: list[Line]) -> list[dict[str, int]]:
    """Per column and cell kind, how many cells of the nearby data rows (rows with a figure) are
    of that kind; empty when there are none (a header row's words say nothing about the cells
    under them)."""
    data = [r for r in rows if any(_cell_kind(c.text) in ("number", "quantity") for c in r.cells if c.text)]
    if not data:
        return []  # only header rows nearby: they say nothing about where a data row's cells go
    width = max(len(r.cells) for r in rows)
    profile = [{**dict.fromkeys(_KINDS, 0), "filled": 0, "rows": len(data)} for _ in range(width)]
    for row in data:
        cells = [c for c in row.cells if c.text]
        if _SUMMARY_ROW.match(cells[0].text):
            cells = cells[1:]  # '合计' / '总分' sits in a cell merged over the leading columns
        for cell in cells:
            profile[cell.column][_cell_kind(cell.text)] += 1
            profile[cell.column]["filled"] += 1
    return profile


_SUMMARY_ROW = re.compile(r"合\s*计|总\s*计|小\s*计|总\s*分")


def _align(kinds: list[str], profile: list[dict[str, int]]) -> list[int]:
    """Columns for pieces of the given kinds, in order, that best match the column profile (ties
    go to the later columns: the cells a row leaves empty are mostly its leading merged ones)."""
    n, width = len(kinds), len(profile)
    if n >= width:
        return list(range(n))

    def fit(kind: str, col: int) -> float:
        p = profile[col]
        if not p["filled"]:
            return 0.05
        if kind == "blank":
            return 0.5
        # Per row of the profile: a column that only one nearby row fills is weak evidence.
        near = sum(_COMPATIBLE.get((kind, other), 0.0) * p[other] for other in _KINDS if other != kind)
        return (p[kind] + near + 0.5 * p["blank"]) / p["rows"] + 0.001 * col

    # A row rarely leaves a cell empty between two filled ones where its neighbours fill that
    # column (empty cells are leading merged ones or trailing remarks): skipping it costs.
    skip = [0.0]
    for p in profile:
        skip.append(skip[-1] + 0.5 * p["filled"] / p["rows"])

    # best[i][c]: best score with piece i in column c.
    neg = float("-inf")
    best = [[neg] * width for _ in range(n)]
    back = [[-1] * width for _ in range(n)]
    for c in range(width - n + 1):
        best[0][c] = fit(kinds[0], c)
    for i in range(1, n):
        for c in range(i, width - (n - 1 - i)):
            for prev in range(i - 1, c):
                score = best[i - 1][prev] - (skip[c] - skip[prev + 1])
                if score >= best[i][c]:
                    best[i][c], back[i][c] = score, prev
            best[i][c] += fit(kinds[i], c)
    col = max(range(width), key=lambda c: (best[n - 1][c], c))
    cols = [col]
    for i in range(n - 1, 0, -1):
        col = back[i][col]
        cols.append(col)
    return cols[::-1]


def _spaced_rows(lines: list[Line], text: str) -> None:
    """Give cells to lines that are table rows whose tabs became spaces (see above)."""
    candidates: dict[int, tuple[list[tuple[int, int]], bool]] = {}
    for line in lines:
        if not line.cells:
            pieces = _space_pieces(line)
            if pieces:
                candidates[line.index] = pieces

    def neighbour(index: int, step: int) -> Line | None:
        i, blanks = index + step, 0
        while 0 <= i < len(lines):
            if lines[i].text.strip() and not _PAGE_NUMBER.fullmatch(lines[i].text):
                return lines[i]
            blanks += 1
            if blanks > 1:
                return None
            i += step
        return None

    changed = True
    while changed:
        changed = False
        for index, (spans, wide) in candidates.items():
            line = lines[index]
            if line.cells:
                continue
            pieces = [text[a:b] for a, b in spans]
            above, below = neighbour(index, -1), neighbour(index, 1)
            if not _row_like(line, pieces, wide, bool(above and above.cells), bool(below and below.cells)):
                continue
            block = _tab_block(lines, index)
            width = max((len(r.cells) for r in block), default=0)
            if width and len(spans) > width and not wide:
                # More pieces than the table has columns: a cell held a space ('1900 人次').
                spans = (_space_pieces(line, units=True) or (spans, wide))[0]
                pieces = [text[a:b] for a, b in spans]
            kinds = [_cell_kind(squash_cell(p)) for p in pieces]
            profile = _column_profile(block) if block else []
            if profile:
                columns = _align(kinds, profile)
            elif len(pieces) <= width:
                # Only a header nearby: right-aligned under it (a row leaves its leading merged
                # cells empty, rarely its last ones).
                columns = list(range(width - len(pieces), width))
            else:
                columns = list(range(len(pieces)))
            # One cell per column, empty ones included, as a tab row has them.
            placed = {col: (a, b) for (a, b), col in zip(spans, columns)}
            cells, next_start = [], line.end
            for col in range(max(placed), -1, -1):
                if col in placed:
                    a, b = placed[col]
                    cells.append(Cell(squash_cell(text[a:b]), a, b, col))
                    next_start = a
                else:
                    cells.append(Cell("", next_start, next_start, col))
            line.cells = cells[::-1]
            line.spaced = True
            changed = True


def _tab_block(lines: list[Line], index: int, reach: int = 2) -> list[Line]:
    """The nearest tab rows around line ``index`` (``reach`` on each side, within its table): one
    run of rows may hold several tables (a money grid, then an indicator table), and the rows
    next to a line share its columns."""
    rows = []
    for step in (-1, 1):
        i, blanks, taken = index + step, 0, 0
        while 0 <= i < len(lines) and taken < reach:
            line = lines[i]
            if not line.text.strip():
                blanks += 1
                if blanks > 1:
                    break
            elif line.cells:
                blanks = 0
                if not line.spaced:
                    rows.append(line)
                    taken += 1
            elif _space_pieces(line) is None:
                break
            i += step
    return rows


# --- tables set in aligned columns --------------------------------------------------------------
#
# A fixed-width export (a report printed to text, its tables padded) sets a table's cells in
# aligned columns: two or more spaces between cells, and every cell of a column under the same
# character columns, an empty cell as spaces. The positions place each cell, empty ones included,
# as a tab row has them; a kind profile (below) could only guess where the empty cells were.

_CELL_PIECE = re.compile(r"\S+(?: \S+)*")  # one space stays inside a cell, two or more end it


def display_columns(text: str) -> list[int]:
    """The display column where each character of ``text`` starts (CJK characters are two
    columns wide, as fixed-width exports set them), and the line's width at the end."""
    out, col = [], 0
    for ch in text:
        out.append(col)
        col += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    out.append(col)
    return out


_AlignedPiece = tuple[int, int, int]  # (display column where it starts, start, end offsets in its line)


def _aligned_pieces(line: Line) -> list[_AlignedPiece] | None:
    """The pieces of a line without cells, parted by two or more spaces; None for a line that is
    no aligned row: blank, or one piece at the margin. (A cell may hold sentences, a goal or a
    remark; prose with double spaces is told apart by its pieces not standing in columns.)"""
    text = line.text
    if line.cells or "\t" in text or "|" in text or not text.strip():
        return None  # a pipe row is read by its pipes
    found = list(_CELL_PIECE.finditer(text))
    if len(found) == 1 and found[0].start() < 2:
        return None
    cols = display_columns(text)
    return [(cols[m.start()], m.start(), m.end()) for m in found]


def _aligned_rows(lines: list[Line]) -> None:
    """Give cells to the rows of tables set in aligned columns: three or more consecutive lines
    split at runs of spaces, two of them with three cells or more, whose pieces stand in columns
    (:func:`_aligned`). A column's left edge is a display column where pieces of two lines or
    more start, and each piece goes to the last edge at or before it (:func:`_place_aligned`),
    so a row that leaves cells empty keeps its other cells in place."""
    i = 0
    while i < len(lines):
        block: list[tuple[Line, list[_AlignedPiece]]] = []
        j = i
        while j < len(lines):
            if lines[j].text and not lines[j].text.strip(" ") and block:
                j += 1  # a line of spaces only: a row of empty cells, inside the table
                continue
            pieces = _aligned_pieces(lines[j])
            if pieces is None:
                break
            block.append((lines[j], pieces))
            j += 1
        if len(block) >= 3 and sum(1 for _, p in block if len(p) >= 3) >= 2:
            starts = _column_starts(block)
            if _aligned(block, starts):
                _place_aligned(block, starts)
        i = max(j, i + 1)


def _column_starts(block: list[tuple[Line, list[_AlignedPiece]]]) -> list[int]:
    """The display columns where cells of two or more lines start: the columns' left edges."""
    seen: dict[int, int] = {}
    for _, pieces in block:
        for col, _, _ in pieces:
            seen[col] = seen.get(col, 0) + 1
    return sorted(col for col, n in seen.items() if n >= 2)


def _aligned(block: list[tuple[Line, list[_AlignedPiece]]], starts: list[int]) -> bool:
    """Whether the pieces stand in columns: three of four pieces start at a column's left edge.
    Rows whose tabs became runs of spaces without padding do not, and are read by their cells'
    kinds instead (_spaced_rows)."""
    edges = set(starts)
    pieces = [piece for _, p in block for piece in p]
    return len(edges) >= 2 and sum(1 for col, _, _ in pieces if col in edges) * 4 >= len(pieces) * 3


def _place_aligned(block: list[tuple[Line, list[_AlignedPiece]]], starts: list[int]) -> None:
    """Each piece in the column whose left edge is the last at or before its start (a figure set
    to the right of its column starts inside it; a header over several columns starts at the
    first, as a tab row prints it with empty cells after it)."""
    for line, pieces in block:
        placed: dict[int, tuple[int, int]] = {}
        for col, start, end in pieces:
            k = max(0, bisect_right(starts, col) - 1)
            if k in placed:  # two pieces in one column: one cell with a wide gap inside
                placed[k] = (placed[k][0], end)
            else:
                placed[k] = (start, end)
        cells = []
        for k in range(max(placed) + 1):
            if k in placed:
                start, end = placed[k]
                cells.append(Cell(squash_cell(line.text[start:end]), line.start + start, line.start + end, k))
            else:
                at = cells[-1].end if cells else line.start
                cells.append(Cell("", at, at, k))
        line.cells = cells


# --- header words wrapped inside their cells ---------------------------------------------------


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?\d[\d,.]*\s*%?", text))


def _join_header_continuations(lines: list[Line]) -> None:
    """A header cell too long for its column wraps: '全年预' over '算数', '执行率（B' over '/A）（%）'.
    The line below the header then holds only the rest of such cells, each under a filled
    header cell, and no figure at all. Its pieces are joined to the cells above (the header line
    gets the whole words, with the continuation's spans in ``Cell.more``) and the line is marked
    as continuing it, so tables skip it."""
    for upper, lower in zip(lines, lines[1:]):
        if not (upper.cells and lower.cells and upper.continues is None):
            continue
        top = {c.column: c for c in upper.cells if c.text}
        bottom = [c for c in lower.cells if c.text]
        if len(top) < 2 or not bottom:
            continue
        if any(_is_number(c.text) for c in top.values()):
            continue  # a data row, not a header
        if any(re.search(r"\d", c.text) or len(c.text) > 10 or c.column not in top for c in bottom):
            continue
        # Header words, not a row of short words under the header ('满意' under 指标值): some
        # joined cell names a column that its upper piece alone does not ('一级' + '指标').
        if not any(is_table_header(top[c.column].text + c.text) and not is_table_header(top[c.column].text) for c in bottom):
            continue
        joined = {c.column: c for c in bottom}
        upper.cells = [
            Cell(c.text + joined[c.column].text, c.start, c.end, c.column, c.more + ((joined[c.column].start, joined[c.column].end),))
            if c.column in joined
            else c
            for c in upper.cells
        ]
        lower.continues = upper.index


def _tables(lines: list[Line]) -> list[Table]:
    """Runs of table rows; up to three blank or short lines (a page break) may sit inside. A header
    continuation line belongs to the run but not to the table's rows (its words are in the header)."""
    tables: list[Table] = []
    current: list[Line] = []
    gap = 0
    for line in lines:
        if line.continues is not None and current:
            gap = 0
            continue
        if line.is_table_row:
            current.append(line)
            gap = 0
        elif current and (not line.text.strip() or _PAGE_NUMBER.fullmatch(line.text)) and gap < 3:
            # A page break inside a table leaves blank lines and the page number ('- 3 -').
            gap += 1
        else:
            if current:
                tables.append(Table(current))
            current, gap = [], 0
    if current:
        tables.append(Table(current))
    return tables


def _headings(lines: list[Line]) -> list[Heading]:
    headings = []
    for line in lines:
        if line.is_table_row:
            continue
        # '<h3>五、存在问题</h3>': a mirror site's tags around a heading are no part of it.
        match = _HEADING.match(MARKUP.sub("", line.text) if "<" in line.text or "&" in line.text else line.text)
        if not match:
            continue
        number, title = match["num"], match["title"].strip()
        # A numbered sentence (a duty list item, a long paragraph) is not a heading.
        if len(title) > 40 or title.count("，") + title.count(",") >= 2:
            continue
        if number[0] in "一二三四五六七八九十" and number.endswith("、"):
            level = 1
        elif number.lstrip("(（")[0] in "一二三四五六七八九十":
            level = 2
        else:
            level = 3
        headings.append(Heading(line.index, line.start, line.end, number, title, level))
    return headings


# A line that names the report kind: '…绩效自评报告', '…支出绩效评价报告', '…绩效自评表', '…自评汇总表',
# '…绩效自评工作情况总结'. Titles come after page furniture (索引号 / 发布机构 rows, docx metadata, a
# spam line), so the title is found by what it says, not by being first.
_KIND_LINE = re.compile(r"(?:自评|评价|绩效)[^。，,；;：:]{0,12}(?:报告|表|总结)")
# A line that opens with section or list numbering: '一、' '一.' '（一）' '(3)' '2、' '1.' (not '1.5').
NUMBERING = re.compile(r"(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[、.．](?!\d))")
# A title line that begins with its own organisation and year ('X局2020年度…报告') is whole; one
# that begins with the year or the report kind ('2019年…报告', '整体支出绩效自评报告') wrapped
# from the line above, which holds the organisation.
_WHOLE_TITLE = re.compile(r"^[^\d\s]{2,40}?\s*(?:19|20)\d{2}\s*年")
TITLE_SEARCH_LINES = 40
# A converter's file line above the document ('…自评报告.docx  作者：…  修改时间：…'): it names the
# report kind in a file name, it is no title.
_FILE_METADATA = re.compile(r"\.(?:docx?|wps|pdf|xlsx?)\b|作者\s*[:：]|(?:修改|创建)时间\s*[:：]")


def _title_text(line: Line) -> str:
    return squash_cell(MARKUP.sub("", line.text).replace("\t", " "))


_YEAR_IN_TITLE = re.compile(r"(?:19|20)\d{2}\s*年")


def _title_fragment(text: str, title_has_year: bool) -> bool:
    """A line that can be the wrapped first half of a title: short, not a sentence, not a
    label:value furniture row, not an attachment mark, a heading or a spam product line, and not a
    stale heading of its own ('X局关于公开2022年度部门预算的说明' above '2021年度…报告': a title
    names one year)."""
    return (
        0 < len(text) <= 40
        and not re.search(r"[:：。，,;；_|]|关于|说明|通知|公告", text)
        and not (title_has_year and _YEAR_IN_TITLE.search(text))
        and not re.fullmatch(r"附件\s*\d*", text)
        and not NUMBERING.match(text)
    )


def _title(lines: list[Line]) -> str:
    """The report's title: the first line near the top that names the report kind, joined to the
    line above it when the title wrapped. Empty when the report has no title block."""
    for i, line in enumerate(lines[:TITLE_SEARCH_LINES]):
        text = _title_text(line)
        if not text or len(text) > 80 or line.is_table_row and len(line.filled()) > 2:
            continue
        if NUMBERING.match(text) or re.search(r"[。，,；;]", text) or not _KIND_LINE.search(text) or _FILE_METADATA.search(text):
            continue
        if not _WHOLE_TITLE.match(text) and i > 0:
            above = _title_text(lines[i - 1])
            if _title_fragment(above, bool(_YEAR_IN_TITLE.search(text))):
                return f"{above} {text}"
        return text
    return ""


def _report_type(title: str, lines: list[Line], tables: list[Table]) -> ReportType | None:
    """Which of the four kinds of report this is, from general cues: whether the title names a
    table (…表) or a narrative (…报告, …总结), whether it names one project or fund (…资金/经费/
    专项/项目 绩效自评) or the whole department (部门整体, 部门…), a 项目名称/资金名称 field near the top
    (a form on one project under a title that names none), and, for a document with no title
    naming its kind, the words of its body and whether it is mostly table rows."""
    named = bool(title) and bool(_REPORT_KIND.search(title))
    one_project_field = _names_one_project_in_form(lines)
    if named and "表" in title and not re.search("报告|总结", title):
        wide_rows = sum(1 for t in tables for line in t.lines if len(line.cells) >= 10)
        if _PROJECT_WORDS.search(title) and "部门整体" not in title:
            return "project_table"
        if wide_rows >= 3 and "整体" not in title:
            return "project_table"
        return "overall_table"
    if named:
        # A narrative or form-style report: on ONE project or fund ('…2020年中央财政农田建设补助
        # 资金绩效自评报告', 转移支付 / 专项资金 self-evaluations, or a generic '项目支出绩效自评报告'
        # whose form names the project), else on the whole department.
        if names_one_project(title):
            return "project_report"
        if re.search(r"部门|整体", title):
            return "overall_report"
        return "project_report" if one_project_field else "overall_report"
    # No title that names the kind of report (it starts with a heading, or page furniture): the
    # body decides, as the whole department's report or one fund's.
    body = "\n".join(line.text for line in lines[:_BODY_CUE_LINES])
    rows = sum(1 for line in lines if line.is_table_row)
    filled = sum(1 for line in lines if line.text.strip())
    tabular = filled > 0 and rows > filled / 2
    if _WHOLE_DEPARTMENT.search(body):
        return "overall_table" if tabular else "overall_report"
    if one_project_field or _FUND_WORDS.search(body):
        return "project_table" if tabular else "project_report"
    return None


# What a title calls the document: a table (自评表, 汇总表), a report, a summary of the year's work.
_REPORT_KIND = re.compile(r"报告|总结|表")
_PROJECT_WORDS = re.compile(r"项目|资金|专项|专款|转移支付")
_WHOLE_DEPARTMENT = re.compile(r"部门整体|整体支出|部门预算整体")
# A fund's own report: the money was allocated to it (转移支付, 补助资金, 专项资金).
_FUND_WORDS = re.compile(r"转移支付|补助资金|专项资金|专项经费|专款")
_BODY_CUE_LINES = 60
_FORM_FIELD_LINES = 30
_PROJECT_NAME_FIELD = re.compile(r"^[ \t]*(?:项目|资金|专项)名称[ \t]*(?:[:：][ \t]*|\t[ \t]*)(?P<value>[^\t\n]{2,60})")


def _names_one_project_in_form(lines: list[Line]) -> bool:
    """A form near the top names one project: '项目名称：X' as a field, or a table row whose
    项目名称 cell is followed by the name and at most another label-value pair (not the header
    of a table with one row per project)."""
    for line in lines[:_FORM_FIELD_LINES]:
        m = _PROJECT_NAME_FIELD.match(line.text)
        if not m:
            continue
        value = squash_cell(m["value"])
        if len(line.filled()) > 4 or is_table_header(value) or not re.search(r"[\u4e00-\u9fff]", value):
            continue  # a column header of a table of many projects
        return True
    return False


# '…资金/经费/专项/X项目 (支出) 绩效自评'; a bare '2021年度项目支出绩效自评报告' names no project.
_ONE_PROJECT_TITLE = re.compile(r"(?:资金|经费|专项|专款|(?<![年度\d\s])项目)\s*(?:支出)?\s*(?:绩效)?\s*(?:自评|评价)")


def names_one_project(title: str) -> bool:
    """The title names a project or fund as the report's subject (not 部门整体 / 部门预算 / a 汇总)."""
    return bool(_ONE_PROJECT_TITLE.search(title)) and not re.search(r"部门|整体|汇总", title)


@lru_cache(maxsize=8)
def analyze_normalized(nt) -> Layout:
    """The layout of a ``NormalizedText``: rows the normaliser joined (its ``line_joined``
    repairs) are split again where they turn out to be table rows. Extraction and the checks both
    read the document through this, so they see the same tables: the same object, analysed once
    per ``NormalizedText`` (``normalize.view`` gives one per text; nothing modifies a layout)."""
    joins = [nt.from_raw(r.raw_end) for r in nt.repairs if r.kind == "line_joined"]
    return analyze(nt.text, joins)


def analyze(text: str, joins: list[int] = ()) -> Layout:
    """The layout of a normalised text. ``joins``: normalised offsets where the normaliser joined
    two lines into one (its line_joined repairs); a joined line that holds table rows whose tabs
    became spaces is split there again."""
    lines = _split_lines(text, joins)
    _aligned_rows(lines)
    _spaced_rows(lines, text)
    _join_header_continuations(lines)
    tables = _tables(lines)
    title = _title(lines)
    return Layout(text, lines, tables, _headings(lines), title, _report_type(title, lines, tables))
