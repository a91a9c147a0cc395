"""A normalised view of raw report text, with an exact map back to raw offsets, and a scanner
that finds every printed number in it.

Extractors read ``NormalizedText.text``: half-width and simplified characters, numbers repaired
into one token ('3286. 80' -> '3286.80', '2,2097.11' -> '22097.11'), hard-wrapped prose joined
into paragraphs.
Evidence is shown in the raw text, so every normalised character keeps the raw span it came from
(``to_raw`` / ``raw_span``), and every change a cross-check may want to report is a ``Repair``.

How it works: folding replaces one char by one char, so raw offsets survive it: full-width forms
become half-width, and traditional characters simplified (項目支出 -> 项目支出, with OpenCC's table
from the opencc-purepy wheel: ``pipeline.charfold``). Every other rule is a regex (or a
per-line test) on the folded text that yields an edit *in raw coordinates* (raw span ->
replacement). Edits never overlap; applying them once builds the text and two arrays holding the
raw start and end of each normalised character. Python loops run over lines, matches and edits
only, never over characters.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.charfold import CHARACTER_FOLD, TRADITIONAL_DENIED, TRADITIONAL_TO_SIMPLIFIED, fold
from pipeline import lexicon as lx
from pipeline.lexicon import GLUED_ANNOTATED_HEADER

__all__ = [
    "CHARACTER_FOLD",
    "MONEY_UNITS",
    "REPAIR_KINDS",
    "MentionKind",
    "NormalizedText",
    "NumberMention",
    "Repair",
    "RepairKind",
    "TRADITIONAL_DENIED",
    "TRADITIONAL_TO_SIMPLIFIED",
    "Unit",
    "normalize",
    "scan_numbers",
    "to_wan",
    "view",
]

RepairKind = Literal[
    "space_in_number",  # '3286. 80' -> '3286.80'
    "separator_repaired",  # misplaced thousands separator: '2,2097.11' -> '22097.11'
    "ocr_digit",  # a letter read for a digit inside a number: '1O2.5' -> '102.5'
    "number_wrap_joined",  # '470.' | line break | '12万元' -> '470.12万元'
    "unit_wrap_joined",  # '2190.49 万' | line break | '元', or '232.86' | line break | '万元'
    "line_joined",  # a hard-wrapped or page-broken prose line joined with the next one
    "stray_space",  # the single leading space a page break leaves before a line
]
REPAIR_KINDS: tuple[str, ...] = RepairKind.__args__  # type: ignore[attr-defined]

Unit = Literal["元", "万元", "亿元", "%", "‰"]
MentionKind = Literal["amount", "percent", "permille", "number"]
MONEY_UNITS: frozenset[str] = frozenset({"元", "万元", "亿元"})


class Repair(BaseModel):
    """One non-trivial change from raw to normalised text.

    Not listed, because they change no meaning: full-width folding, well-formed thousands
    separators ('1,273.65'), '\\r\\n' line ends and blank lines between paragraphs.
    """

    model_config = ConfigDict(frozen=True)

    kind: RepairKind
    raw_start: int
    raw_end: int
    raw: str
    replacement: str


class NumberMention(BaseModel):
    """A printed number. Its spans cover the number and its unit or scale, not the counter."""

    model_config = ConfigDict(frozen=True)

    value: float  # as printed (sign included), never scaled by the unit
    text: str  # raw[raw_start:raw_end], exactly as printed: '2190.49 万\n\n元'
    number: str  # the numeral as read from the normalised text: '-48.03', '22097.11'
    decimals: int  # printed precision: 2 for '99.66', 0 for '100'
    unit: Unit | None
    scale: Literal["万", "亿"] | None = None  # after a count: '10.5万人次', '9 亿多条'
    counter: str | None = None  # counter word after the number: 人次, 家, 个, 年, 分 ...
    kind: MentionKind
    norm_start: int
    norm_end: int
    raw_start: int
    raw_end: int
    repaired: list[RepairKind] = []  # kinds of the repairs that touched this mention's raw span


@dataclass(frozen=True, eq=False)
class NormalizedText:
    """Normalised text, the raw text it came from, and the map between them.

    A frozen dataclass, not a pydantic model: the offset arrays hold one entry per character and
    must neither be validated nor serialised.
    """

    text: str
    raw: str
    repairs: list[Repair]  # sorted by raw_start
    wrap_width: int | None  # full-line width of hard-wrapped prose (half-width columns), or None
    _starts: array = field(repr=False)  # raw start of each normalised char
    _ends: array = field(repr=False)  # raw end of each normalised char

    def to_raw(self, i: int) -> int:
        """Raw offset of normalised character ``i``; ``len(text)`` maps to ``len(raw)``."""
        if i == len(self.text):
            return len(self.raw)
        if not 0 <= i < len(self.text):
            raise IndexError(f"offset {i} outside normalised text of {len(self.text)} chars")
        return self._starts[i]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw span of everything normalised ``text[start:end]`` came from."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(
                f"span {start}:{end} outside normalised text of {len(self.text)} chars"
            )
        if start == end:
            point = self.to_raw(start)
            return point, point
        return self._starts[start], self._ends[end - 1]

    def from_raw(self, raw_offset: int) -> int:
        """First normalised offset whose source lies at or after ``raw_offset``."""
        if not 0 <= raw_offset <= len(self.raw):
            raise IndexError(f"raw offset {raw_offset} outside raw text of {len(self.raw)} chars")
        return bisect_left(self._ends, raw_offset + 1)


class _Edits:
    """Edits in raw coordinates, each with the Repair it reports (several edits may share one)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.items: list[tuple[int, int, str, Repair | None]] = []

    def add(self, start: int, end: int, replacement: str, repair: Repair | None = None) -> None:
        self.items.append((start, end, replacement, repair))

    def repair(self, kind: str, start: int, end: int, replacement: str) -> Repair:
        return Repair(
            kind=kind,
            raw_start=start,
            raw_end=end,
            raw=self.raw[start:end],
            replacement=replacement,
        )


# --- number repairs -------------------------------------------------------------------------------

_SPACE_IN_NUMBER = re.compile(r"(?<![\d.])(\d+)\.( +)(?=\d)")
_LIST_PREFIX = re.compile(r"[ \-•·*]*")
_DIGITS = re.compile(r"\d+")
# A token of digits, dots and the letters OCR confuses with 0/1, with such a letter next to a
# digit; tokens touching other letters are words or codes and stay as they are.
_OCR_TOKEN = re.compile(
    r"(?<![0-9A-Za-z.])[0-9.OoIl]*(?:\d[OoIl]|[OoIl]\.?\d)[0-9.OoIl]*(?![0-9A-Za-z])"
)
_OCR_LETTERS = re.compile(r"(?<=\d)[OoIl]+(?=\d|\.\d)|(?<=\d\.)[OoIl]+(?=\d)")
_OCR_TO_DIGIT = str.maketrans("OoIl", "0011")
# Decimals may carry the space the space rule removes: '2196,5600. 00' has both faults.
_GROUPED = re.compile(r"(?<![\d.,])(\d{1,4})((?:,\d+)+)(\. *\d+)?(?!\d)")
_MONEY_AFTER = re.compile(r" *(?:万元|亿元|元|万|亿)")
# At a line start: '1. 2023 年' is item 1 and a year, never the decimal 1.2023.
_ITEM_THEN_YEAR = re.compile(r"\d{1,2}\. +(?:19|20)\d\d *年")
# A line that begins with a numbered item: '1. …', '2、…', '(3)…', '4)…' (not '12.5万元').
_ITEM_NUMBER = re.compile(r"[ \-•·*]*\(?(\d{1,2})(?:[、)]|\.(?!\d))")


def _line_start(text: str, i: int) -> int:
    return max(text.rfind("\n", 0, i), text.rfind("\r", 0, i), text.rfind("\f", 0, i)) + 1


def _previous_line(text: str, line_start: int) -> str | None:
    """The last non-blank line before the line that begins at ``line_start``, stripped."""
    end = line_start - 1  # at the previous line's terminator
    while end > 0:
        start = _line_start(text, end)
        content = text[start:end].strip(" ")
        if content:
            return content
        end = start - 1
    return None


def _wrapped_decimal(folded: str, line_start: int, m: re.Match[str]) -> bool:
    """Whether '47. 19' at the start of a line is a decimal the line wrap cut off its sentence
    ('…实际支出' | '47. 19万元'), not list item 47 and a number.

    Only when the previous non-blank line did not end a sentence ('。;:!?…'), and even then not
    for '1. 2023 年' (an item and a year), the next item of a numbered list ('1. 完成培训' |
    '2. 3次检查'), nor the first item under a heading ('(二)主要成效' | '1. 2个项目'). The answer
    depends on the line before, so a span normalised alone from such a line reads a list item.
    """
    if folded[line_start : m.start()].strip(" "):
        return False  # a bullet before it: a list item
    previous = _previous_line(folded, line_start)
    if previous is None or _ENDS_SENTENCE.search(previous):
        return False
    if _ITEM_THEN_YEAR.match(folded, m.start()):
        return False
    number = int(m.group(1))
    item = _ITEM_NUMBER.match(previous)
    if item:
        return number != int(item.group(1)) + 1
    if _STARTS_BLOCK.match(previous):
        return number != 1
    return True


def _number_edits(folded: str, raw: str, edits: _Edits) -> set[int]:
    """Add the number repairs; return where a line begins with a decimal the wrap cut off its
    sentence, so that the line rules do not take that line for a list item."""
    for token in _OCR_TOKEN.finditer(folded):
        for m in _OCR_LETTERS.finditer(folded, token.start(), token.end()):
            fixed = m.group().translate(_OCR_TO_DIGIT)
            edits.add(
                m.start(), m.end(), fixed, edits.repair("ocr_digit", m.start(), m.end(), fixed)
            )

    _digit_group_edits(folded, edits)
    wrapped_decimals: set[int] = set()
    space_gaps: set[int] = set()
    for m in _SPACE_IN_NUMBER.finditer(folded):
        # '1. 2个…' at the start of a line is a list item and a number, not one number, unless
        # the line before it stops mid-sentence: '…实际支出' | '47. 19万元'.
        if len(m.group(1)) <= 2:
            line_start = _line_start(folded, m.start())
            if _LIST_PREFIX.fullmatch(folded, line_start, m.start()):
                if not _wrapped_decimal(folded, line_start, m):
                    continue
                wrapped_decimals.add(m.start())
        gap_start, gap_end = m.span(2)
        end = _DIGITS.match(folded, gap_end).end()
        fixed = folded[m.start() : gap_start] + folded[gap_end:end]
        edits.add(gap_start, gap_end, "", edits.repair("space_in_number", m.start(), end, fixed))
        space_gaps.add(gap_start)

    for m in _GROUPED.finditer(folded):
        end, decimals = m.end(), m.group(3)
        if decimals and " " in decimals and m.start(3) + 1 not in space_gaps:
            end, decimals = m.end(2), None  # a space the space rule keeps: no decimals here
        commas = [i for i in range(m.start(2), m.end(2)) if folded[i] == ","]
        if any(raw[i] != "," for i in commas):
            continue  # a full-width '，' separates two numbers, it never groups digits
        groups = m.group(2).split(",")[1:]
        if len(m.group(1)) <= 3 and all(len(g) == 3 for g in groups):
            repair = None  # well-formed grouping is formatting, like full-width digits
        elif all(len(g) >= 3 for g in groups) and (decimals or _MONEY_AFTER.match(folded, end)):
            # A misplaced separator ('2,2097.11'). Only before decimals or a money unit, so that
            # '2020,2021年' (an ASCII comma standing for a Chinese one) stays two numbers. The
            # replacement is the number as read, a space in it repaired too: '2196,5600. 00'
            # reads 21965600.00 (that space is also its own space_in_number repair).
            number = folded[m.start() : end]
            repair = edits.repair(
                "separator_repaired", m.start(), end, number.replace(",", "").replace(" ", "")
            )
        else:
            continue  # '12,34': a list, not a number
        for i in commas:
            edits.add(i, i + 1, "", repair)
    return wrapped_decimals


# OCR reads a thin gap between digit groups as a space: '3 848.29' in one cell, '2 0 21 年'.
_SPACED_GROUPS = re.compile(r"(?<![\d.,])(\d{1,3})((?: \d{3})+)(\.\d+)?(?![\d.])")
_SPACED_YEAR = re.compile(r"(?<![\d.])([12]) ?(\d) ?(\d) ?(\d)(?= ?年)")
_CELL_EDGE_BEFORE = re.compile(r"(?:^|[\t|\n\f]) *$")
_CELL_EDGE_AFTER = re.compile(r" *(?:$|[\t|\n\f])")
_AMOUNT_UNIT_AFTER = re.compile(r" *(?:万元|亿元|元|%)")


def _digit_group_edits(folded: str, edits: _Edits) -> None:
    """Rejoin a number OCR split into digit groups, where the layout says it is one value: the
    whole of a cell ('\t3 848.29\t'), or an amount between words and its unit ('支出3 286.80万元');
    and a year whose digits were spaced ('2 0 21 年'). Each is a space_in_number repair (a deleted
    space is no separator repair). '12 345' between other words stays two numbers."""
    for m in _SPACED_GROUPS.finditer(folded):
        before = folded[max(0, m.start() - 40) : m.start()]
        whole_cell = _CELL_EDGE_BEFORE.search(before) and _CELL_EDGE_AFTER.match(folded, m.end())
        in_prose = (
            m.start() > 0
            and "\u4e00" <= folded[m.start() - 1] <= "\u9fff"
            and _AMOUNT_UNIT_AFTER.match(folded, m.end())
        )
        if not (whole_cell or in_prose):
            continue
        fixed = m.group().replace(" ", "")
        repair = edits.repair("space_in_number", m.start(), m.end(), fixed)
        for i in range(m.start(2), m.end(2)):
            if folded[i] == " ":
                edits.add(i, i + 1, "", repair)
    for m in _SPACED_YEAR.finditer(folded):
        if " " not in m.group() or not 1990 <= int(m.group().replace(" ", "")) <= 2099:
            continue
        fixed = m.group().replace(" ", "")
        repair = edits.repair("space_in_number", m.start(), m.end(), fixed)
        for i in range(m.start(), m.end()):
            if folded[i] == " ":
                edits.add(i, i + 1, "", repair)


# --- lines ----------------------------------------------------------------------------------------

_LINE = re.compile(r"([^\n\r\f]*)(\r\n|[\n\r\f]|\Z)")
# Patterns below run on folded text: '；' is ';', '（' is '(' there.
_ENDS_SENTENCE = re.compile(r"[。;:!?…][”’\"'」』)\]]*$")
_STARTS_BLOCK = re.compile(
    r"""(?x)
    [-•·●○■□◆◇▪*](?:\s|$)                             # bullet
    | [一二三四五六七八九十]+[、.]                       # 一、
    | \([一二三四五六七八九十\d]{1,3}\)                  # (一) (1)
    | \d{1,2}(?:[、)]|\.(?!\d)|\.(?=(?:19|20)\d\d\ *年))  # 1、 1) 1. and '1.2023 年' (item, year)
    | [一二三四五六七八九十]是 | 其[一二三四五六七八九十] | 首先 | 其次 | 再次 | 最后
    | 第[一二三四五六七八九十\d]+[章节条部分项]
    | (?:附件|附表|表|图)\ *[\d一二三四五六七八九十]
    | 注\ *: | [①-⑳]
    """
)
_GLUED_HEADER_LINE = re.compile(r"(?:一级指标|二级指标|三级指标)(?:一级指标|二级指标|三级指标)")
# A title line naming the report kind: '2023年X经费项目绩效自评报告', '…部门整体支出绩效自评表'.
_TITLE_LINE = re.compile(r"[^,.;:!?。，；：]{0,50}绩效[^,.;:!?。，；：]{0,12}(?:报告|表|总结)")
_CHAPTER_HEADING = re.compile(r"[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)")
_FIELD_LABEL = re.compile(r"[\u4e00-\u9fff]{2,10}:")
_FIELD_LINE_MAX = 40  # a form's field line is short; a wrapped sentence line is as wide as the page
# '…共计 470.' with something before it on the line: a decimal cut by the wrap, not a list item.
_NUMBER_DOT_AT_END = re.compile(r"(?<=.)(?<![\d.])\d+\.$")
_DIGITS_NOT_ITEM = re.compile(r"\d++(?![.、)](?!\d))")  # digits, but not a list item '4.组织'
_SCALE_AT_END = re.compile(r"\d *[万亿]$")
_DIGIT_AT_END = re.compile(r"\d$")
_BARE_FIGURE = re.compile(r"[≥≤=<>]?\s*\d[\d,]*(?:\.\d+)?")
_UNIT_AT_START = re.compile(r"万元|亿元|元(?![旦月宵])|%|‰")  # not 元旦 (New Year's Day)

# Without hard wraps, a prose line at least this wide (half-width columns) that stops mid-sentence
# was cut by a page break (seed 002 cuts paragraphs so); shorter ones are titles and list items.
_PAGE_BREAK_MIN_WIDTH = 60


@dataclass(slots=True)
class _Line:
    line_start: int  # where the line begins
    start: int  # first non-space char
    end: int  # after the last non-space char
    term_start: int  # the line terminator
    folded: str  # folded text between start and end
    width: int  # display width of the raw chars, in half-width columns
    tab: bool  # a table row: tab-separated cells
    stray: bool  # exactly one leading space, what a page break leaves


def _width(s: str) -> int:
    """Display width in half-width columns. Every char from U+0800 up (ideographs, CJK and
    full-width punctuation, and the quotes and dashes Chinese fonts set full width) is 3 bytes in
    UTF-8 and counts 2; ASCII counts 1. Counting bytes is far cheaper than a per-char lookup."""
    return (len(s) + len(s.encode("utf-8"))) // 2


def _lines(folded: str, raw: str) -> list[_Line]:
    """Non-blank lines; blank lines end up inside the separators between them."""
    out = []
    for m in _LINE.finditer(folded):
        content = m.group(1)
        stripped = content.strip(" ")
        if stripped:
            lead = len(content) - len(content.lstrip(" "))
            start, end = m.start() + lead, m.start() + len(content.rstrip(" "))
            tab = "\t" in content
            width = _width(raw[start:end])
            out.append(
                _Line(
                    m.start(), start, end, m.start(2), stripped, width, tab, lead == 1 and not tab
                )
            )
        if not m.group(2):
            break
    return out


def _estimate_wrap_width(lines: list[_Line]) -> int | None:
    """Full-line width of hard-wrapped prose, or None when paragraphs are not hard-wrapped.

    Hard-wrapped text (seed 001) has most prose lines at one width; whole paragraphs vary.
    """
    widths = [ln.width for ln in lines if not ln.tab and ln.width >= 20]
    if len(widths) < 8:
        return None
    counts: dict[int, int] = {}
    for w in widths:
        counts[w] = counts.get(w, 0) + 1
    mode = max(counts, key=lambda w: (counts[w], w))
    near = sum(c for w, c in counts.items() if abs(w - mode) <= 2)
    return mode if near >= max(8, 0.3 * len(widths)) else None


# A gap between two cells of a row printed with spaces: a space run with no digit on either side
# ('中央(万 省、地(万', '里 里'). '2023 年 3 月' (a PDF's spaced date) has none.
_CELL_GAP = re.compile(r"(?<=[^\d\s]) +(?=[^\d\s])")
# Three spaces or more between two printed characters: cells of a fixed-width export's columns
# (a report printed to text, its tables padded); prose, even OCR'd with stray double spaces, does not gap so.
_COLUMN_GAP = re.compile(r"\S {3,}\S")


_FORM_FIELD_START = re.compile(
    "(?:" + "|".join(map(re.escape, lx.SUBJECT_LABELS + lx.DEPARTMENT_LABELS + lx.FORM_FOOTER_LABELS)) + r")(?:[ \t:：|｜]|$)")
_VALUE_CELL = re.compile(r"[≥≤=<>]?\d[\d.,]*%?[^\d\s，。；,;:：、]{0,4}")


def _cell_line(text: str) -> bool:
    """A whole line that is one cell of a form: a column header word ('偏差原因分析及改进措施'),
    an indicator level ('产出指标'), a value with its unit ('≥740家次'); never a sentence's piece."""
    return bool(_VALUE_CELL.fullmatch(text)) or lx.is_table_header(text) or bool(lx.classify_level(text)) and len(text) <= 10


_PIPE_ROW = re.compile(r"[|｜].*[|｜]")
# A bracket opened near a line's end (folded text: '（' is '(') and closed early on the next line,
# before any other opens: the line was wrapped inside it.
_OPENED_AT_END = re.compile(r"\([^()]{0,8}$")
_CLOSED_FIRST = re.compile(r"[^()]{1,20}\)")


def _row_break(a: str, b: str) -> bool:
    """Whether the break after line ``a`` ends a row of a grid printed with spaces between its
    cells (a PDF's columns come out so), never a wrapped sentence: ``a`` is such a row (three or
    more cells, two words side by side) and ``b`` another row or the fragments its wrapped cells
    go on with, side by side ('里 里', '元) 元)'). A spaced date ('2023 年 3 月') has no gap
    between two words, so prose keeps its wraps."""
    if "|" in a or "|" in b:
        return False  # pipes separate their own cells
    # Two pieces side by side over two more ('生健康检查 施进度慢于' | '人数 预期，下一'): the wrapped
    # cells of one row, as much as a row of three.
    return len(a.split()) >= 2 and len(b.split()) >= 2 and bool(_CELL_GAP.search(a)) and bool(_CELL_GAP.search(b))


def _break_kind(
    a: _Line, b: _Line, wrap_width: int | None, wrapped_decimals: set[int] = frozenset()
) -> str | None:
    """The repair joining consecutive non-blank lines ``a`` and ``b``; None keeps the break.
    ``wrapped_decimals``: where a line begins with a decimal cut off its sentence ('47. 19万元'
    after '…实际支出'), which is no list item."""
    if a.tab or b.tab:
        return None  # in a table a line break is a row boundary, never a wrap
    if _PIPE_ROW.fullmatch(a.folded) or _PIPE_ROW.fullmatch(b.folded):
        return None  # a pipe-delimited row ('| 主管部门 | … |') is a row of its own, as a tab row is
    if _COLUMN_GAP.search(a.folded) or _COLUMN_GAP.search(b.folded):
        return None  # a row set in aligned columns (three spaces or more between cells): its own line
    if _row_break(a.folded, b.folded):
        return None  # a row of space-separated cells and the fragments its wrapped cells continue with
    if _OPENED_AT_END.search(a.folded) and _CLOSED_FIRST.match(b.folded) and not _CELL_GAP.search(a.folded) \
            and a.width >= _FIELD_LINE_MAX:
        # Wrapped by the page inside a bracket ('…预算到位(' | 'D/C×100%)全年执行资金…'): one line.
        # A line of spaced cells ('(万元) (C) (E/C×' | '100%)') or one cell on its line ('(E/C×')
        # wraps its own cell, which the table reader joins.
        return "line_joined"
    if _NUMBER_DOT_AT_END.search(a.folded) and _DIGITS_NOT_ITEM.match(b.folded):
        return "number_wrap_joined"
    if (_SCALE_AT_END.search(a.folded) and b.folded.startswith("元")) or (
        _DIGIT_AT_END.search(a.folded) and _UNIT_AT_START.match(b.folded)
    ):
        if _BARE_FIGURE.fullmatch(a.folded) and _UNIT_AT_START.fullmatch(b.folded):
            return None  # a figure alone and a unit alone: two cells of a form printed one per line (指标值 | 度量单位)
        return "unit_wrap_joined"
    if b.start not in wrapped_decimals and _STARTS_BLOCK.match(b.folded):
        return None
    if _GLUED_HEADER_LINE.search(a.folded) or _GLUED_HEADER_LINE.search(b.folded):
        return None  # an indicator table's header words printed without separators: a row, no prose
    if GLUED_ANNOTATED_HEADER.search(a.folded) or GLUED_ANNOTATED_HEADER.search(b.folded):
        return None  # a money header's labels glued at their annotations ('预算数(A)支出数(B)…'): a row
    if lx.is_template_row(b.folded):
        return None  # a template's blank row ('指标1：……'): a row of its own, never a sentence's rest
    if _FORM_FIELD_START.match(b.folded):
        return None  # '主管部门 …' under '项目名称 …': the next field of a form's head, never the rest of a sentence
    if _TITLE_LINE.fullmatch(b.folded) or _TITLE_LINE.fullmatch(a.folded):
        return None  # a report's title line is a block of its own, never a wrapped sentence
    if _FIELD_LABEL.match(a.folded) and _FIELD_LABEL.match(b.folded) and max(len(a.folded), len(b.folded)) <= _FIELD_LINE_MAX:
        return None  # a form's 'label：value' lines ('项目名称：…' | '主管部门：…') are fields, not a wrap
    if _cell_line(a.folded) or _cell_line(b.folded):
        return None  # a form printed one cell per line: a header word, a level name, a figure with its unit
    if wrap_width:
        if a.width < wrap_width - 4 and _CHAPTER_HEADING.match(a.folded):
            return None  # a section heading
        if _ENDS_SENTENCE.search(a.folded):
            # A sentence can end exactly at the wrap ('…完成率 94.19%。' | '资金具体用途…'). The
            # paragraph goes on if the next line is full too: a new paragraph's first line is
            # indented two ideographs, so it is at most wrap_width - 4 wide.
            full = a.width >= wrap_width - 6 and b.width >= wrap_width - 2
            return "line_joined" if full else None
        # 'About as long as a full line', with a quarter of slack: first lines are indented, and
        # digits and spaces are narrower or wider than one column in the PDF's fonts.
        return "line_joined" if a.width >= 0.75 * wrap_width else None
    if _ENDS_SENTENCE.search(a.folded) or a.width < _PAGE_BREAK_MIN_WIDTH:
        return None
    # '数量指标: …' lines in seed 004 are items of a list that merely lacks final punctuation.
    return None if _FIELD_LABEL.match(b.folded) else "line_joined"


def _line_edits(
    folded: str,
    raw: str,
    wrap_width: int | None | str,
    edits: _Edits,
    wrapped_decimals: set[int] = frozenset(),
) -> int | None:
    lines = _lines(folded, raw)
    if wrap_width == "auto":
        wrap_width = _estimate_wrap_width(lines)
        if wrap_width is None:
            # Some converters wrap at a count of characters, not at a width: with digits and
            # ideographs mixed, display widths then scatter while character counts agree.
            widths = [ln.width for ln in lines]
            for ln in lines:
                ln.width = ln.end - ln.start
            wrap_width = _estimate_wrap_width(lines)
            if wrap_width is None:
                for ln, width in zip(lines, widths, strict=True):
                    ln.width = width
    if lines and lines[0].stray:
        _strip_stray(lines[0], edits)
    for a, b in zip(lines, lines[1:], strict=False):
        kind = _break_kind(a, b, wrap_width, wrapped_decimals)  # type: ignore[arg-type]
        if kind:
            # ASCII words or numbers on both sides stay apart: 'and' | 'the', '21' | '90.49'.
            x, y = a.folded[-1], b.folded[0]
            glue = (
                " "
                if kind == "line_joined" and (x + y).isascii() and x.isalnum() and y.isalnum()
                else ""
            )
            edits.add(a.end, b.start, glue, edits.repair(kind, a.end, b.start, glue))
            continue
        sep = folded[a.term_start : b.line_start]
        if a.tab or b.tab:
            # Blank lines next to table rows start a new table or page: keep them.
            want = sep.replace("\r\n", "\n").replace("\r", "\n")
        else:
            # A real paragraph break in prose is one newline (a form feed if it spans pages).
            want = "\f" if "\f" in sep else "\n"
        if sep != want:
            edits.add(a.term_start, b.line_start, want)
        if b.stray:
            _strip_stray(b, edits)
    return wrap_width  # type: ignore[return-value]


def _strip_stray(line: _Line, edits: _Edits) -> None:
    edits.add(
        line.line_start,
        line.start,
        "",
        edits.repair("stray_space", line.line_start, line.start, ""),
    )


# --- normalize ------------------------------------------------------------------------------------


def normalize(raw: str, *, wrap_width: int | None | Literal["auto"] = "auto") -> NormalizedText:
    """Normalised view of ``raw`` for extraction, with an exact map back to raw offsets.

    ``wrap_width`` is the full-line width of hard-wrapped prose in half-width columns: 'auto'
    estimates it, None turns wrap joining off (page-break joins still apply). To normalise part
    of a document as the whole was, pass the whole's ``wrap_width``.
    """
    folded = fold(raw)  # one character for one character (pipeline.charfold)
    edits = _Edits(raw)
    wrapped_decimals = _number_edits(folded, raw, edits)
    found_width = _line_edits(folded, raw, wrap_width, edits, wrapped_decimals)

    pieces: list[str] = []
    starts, ends = array("q"), array("q")
    repairs: dict[int, Repair] = {}
    dropped: set[int] = set()
    pos = 0
    for a, b, replacement, repair in sorted(edits.items, key=lambda e: (e[0], e[1])):
        if a < pos:
            # Rules are built not to overlap; if two ever do, the first wins and the other's
            # repair goes unreported rather than describing a change that was not made.
            if repair is not None:
                dropped.add(id(repair))
            continue
        pieces.append(folded[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        pieces.append(replacement)
        if len(replacement) == b - a:  # a substitution: char for char
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        else:  # each inserted char stands for the whole replaced span
            starts.extend([a] * len(replacement))
            ends.extend([b] * len(replacement))
        if repair is not None:
            repairs[id(repair)] = repair
        pos = b
    pieces.append(folded[pos:])
    starts.extend(range(pos, len(folded)))
    ends.extend(range(pos + 1, len(folded) + 1))

    kept = sorted(
        (r for k, r in repairs.items() if k not in dropped), key=lambda r: (r.raw_start, r.raw_end)
    )
    return NormalizedText("".join(pieces), raw, kept, found_width, starts, ends)


# --- number scanner -------------------------------------------------------------------------------

_COUNTER_WORDS = """
    人次 家次 台次 车次 辆次 轮次 场次 批次 架次 户次 平方米 平方公里 立方米 公里 千米 毫米 厘米
    小时 分钟 个月 人 家 个 次 年 月 日 天 周 项 条 份 场 件 宗 起 台 套 辆 名 支 期 处
    户 张 部 册 篇 轮 吨 亩 米 类 批 种 所 栋 块 分 秒 岁 号 届 节 座 层 间 艘 架 只 头
    本 页 位 根 面 组 队 路 余 多""".split()
# Longest first, so '人次' wins over '人'; '多'/'余' may lead: '1800余人', '9 亿多条'.
_COUNTER = re.compile(
    r" *([多余]?(?:{}))".format(
        "|".join(sorted(map(re.escape, _COUNTER_WORDS), key=len, reverse=True))
    )
)
_MENTION = re.compile(
    r"""(?x)
    (?:(?<![0-9A-Za-z.])(?P<sign>-))?
    (?P<num>\d+(?:\.\d+)?)
    (?:\ *(?P<unit>万\ *元|亿\ *元|元(?![旦月宵])|%o(?![A-Za-z])|%0(?![\d.])|%|‰|万|亿))?
    """
)
_DIGIT_BEFORE = re.compile(r"\d *$")
_LIST_ITEM_YEAR = re.compile(r"(\d{1,2})\.((?:19|20)\d\d)")
_YEAR_WORD = re.compile(r" *年")
_KIND_ORDER = {kind: i for i, kind in enumerate(REPAIR_KINDS)}


def to_wan(value: float, unit: str | None) -> float | None:
    """An amount in 万元 (元 / 10000, 亿元 x 10000); None when ``unit`` is not money."""
    if unit == "万元":
        return value
    # Rounded past any digit a report prints (万元 carry at most 6 decimals, 元 4 more), so that
    # binary noise (2.47亿元 -> 24700.000000000004) never reaches a record.
    if unit == "元":
        return round(value / 10000, 10)
    if unit == "亿元":
        return round(value * 10000, 10)
    return None


class _RepairIndex:
    """The repairs overlapping a raw span, found by bisection over their starts with a running
    maximum of their ends (repairs may nest)."""

    def __init__(self, repairs: list) -> None:
        self.repairs = repairs
        self.starts = [r.raw_start for r in repairs]
        self.max_end: list[int] = []
        top = -1
        for r in repairs:
            top = max(top, r.raw_end)
            self.max_end.append(top)

    def kinds_within(self, raw_start: int, raw_end: int) -> list[str]:
        kinds = set()
        j = bisect_left(self.starts, raw_end) - 1
        while j >= 0 and self.max_end[j] > raw_start:
            if self.repairs[j].raw_end > raw_start:
                kinds.add(self.repairs[j].kind)
            j -= 1
        return sorted(kinds, key=_KIND_ORDER.__getitem__)


def _mention(
    nt: NormalizedText, repairs: _RepairIndex, start: int, end: int, number: str, unit_text: str | None, counter: str | None
) -> NumberMention:
    """One mention from its normalised span, its signed digits and the unit text printed after it."""
    unit: str | None = unit_text
    scale = None
    if unit_text in ("%o", "%0"):
        unit = "‰"
    elif unit_text == "亿" and not counter:
        unit = "亿元"
    elif unit_text in ("万", "亿"):
        unit, scale = None, unit_text
    kind = "amount" if unit in MONEY_UNITS else {"%": "percent", "‰": "permille"}.get(unit, "number")
    raw_start, raw_end = nt.raw_span(start, end)
    return NumberMention(
        value=float(number),
        text=nt.raw[raw_start:raw_end],
        number=number,
        decimals=len(number.partition(".")[2]),
        unit=unit,
        scale=scale,
        counter=counter,
        kind=kind,
        norm_start=start,
        norm_end=end,
        raw_start=raw_start,
        raw_end=raw_end,
        repaired=repairs.kinds_within(raw_start, raw_end),
    )


def scan_numbers(nt: NormalizedText) -> list[NumberMention]:
    """Every printed number in ``nt``, in text order, with unit, counter and raw span.

    - Units: 元, 万元, 亿元 (spaces may come first: '48.03 万元'), '%' and '‰'. '亿' alone is 亿元
      ('3.57亿固定资产') unless a counter follows ('9 亿多条': scale 亿); '万' alone is a scale.
    - OCR reads '‰' as '%o' or '%0'. '%o' is always permille. '%0' is permille only when that '0'
      cannot begin another number, i.e. is followed by neither a digit, '.', nor a counter word:
      '≤1%0' is 1‰, but '100%0件' is two cells run together, 100% and 0件.
    - A sign is kept only when printed as '-' right before the digits and not after a digit or
      letter ('2016-2020' is a range; '减少 48.03' stays positive).
    - '1.2023 年' at the start of a line is list item 1 and the year 2023, not 1.2023.
    """
    text = nt.text
    repairs = _RepairIndex(nt.repairs)

    def mention(start: int, end: int, number: str, sign: str, unit_text: str | None, counter: str | None) -> NumberMention:
        return _mention(nt, repairs, start, end, sign + number, unit_text, counter)

    out: list[NumberMention] = []
    pos = 0
    while m := _MENTION.search(text, pos):
        number, sign, unit_text = m.group("num"), m.group("sign") or "", m.group("unit")
        if sign and _DIGIT_BEFORE.search(text, max(0, m.start() - 8), m.start()):
            sign = ""  # '2016 -2020': a range, the '-' is a dash
        if unit_text and " " in unit_text and unit_text[0] in "万亿":
            unit_text = unit_text.replace(" ", "")  # '48.03 万 元'
        end = pos = m.end()
        if unit_text == "%0" and _COUNTER.match(text, end):
            unit_text, end = "%", end - 1  # the '0' starts the next mention
            pos = end
        counter = None
        if unit_text in (None, "万", "亿"):
            cm = _COUNTER.match(text, end)
            counter = cm.group(1) if cm else None
        item = None if sign else _LIST_ITEM_YEAR.fullmatch(number)
        if (
            item
            and _YEAR_WORD.match(text, m.end("num"))
            and not text[_line_start(text, m.start()) : m.start()].strip()
        ):
            item_end = m.start() + len(item.group(1))
            out.append(mention(m.start(), item_end, item.group(1), "", None, None))
            out.append(mention(item_end + 1, end, item.group(2), "", unit_text, counter))
            continue
        out.append(mention(m.start(), end, number, sign, unit_text, counter))
    return out


@lru_cache(maxsize=8)
def view(raw: str) -> tuple[NormalizedText, tuple[NumberMention, ...]]:
    """A document's normalised text and its number mentions (text order), computed once per
    text: extraction, the cross-checks and grounding all read the same document in one run."""
    nt = normalize(raw)
    return nt, tuple(scan_numbers(nt))
