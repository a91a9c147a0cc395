"""One analysis per document, built once and carried to every later stage (docling's idea).

``analyze(document) -> DocumentView`` holds what rules, checks, grounding and the LLM backend all
read: the normalised text with its offset map, the number mentions, the layout (lines, headings
and sections, title, report type), the typed tables (pipeline.tables: rows, cells, header rows,
column roles, unit) and the money unit in force for every region of the document. No stage re-derives any of it: before this module the layout was analysed twice
per document and the extractor and the checks each had their own default-unit parser.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from collections import OrderedDict
from functools import cached_property

from pipeline import lexicon as lx
from pipeline.document import Document
from pipeline.layout import Heading, Layout, analyze_normalized
from pipeline.normalize import MONEY_UNITS, NormalizedText, NumberMention, view
from pipeline.tables import Table, TableCell, read_tables

# '单位：万元', '金额单位：元', '（单位：万元）': a declaration of the unit of the figures after it.
_UNIT_DECLARATION = re.compile(r"(?:金额)?单位\s*[:：]?\s*(万元|亿元|元)")
# A declaration this near the start, before any table of its own, speaks for the whole document.
_HEADER_SPAN = 3000
DEFAULT_MONEY_UNIT = "万元"
# Tie order when amounts are printed as often in two units: the reports' usual unit first.
_UNIT_PREFERENCE = ("万元", "元", "亿元")


# A line that opens with a numbered item and its name: '（一）学前教育。…', '2.X资金：全年预算…',
# '1.运维监管：预算…'. Section headings of the whole report's own money ('（二）预算执行情况') are
# not items.
_ITEM_LINE = re.compile(
    r"[ \t]*(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．](?!\d)|[一二三四五六七八九十]+是)[ \t]*"
    r"(?P<name>[^。：:，,；;\n\t]{2,40})[。：:]"
)
_REPORT_SECTION = re.compile(lx.with_variants(r"情况|概况|总体|整体|部门|预算|收支|支出|结论|分析|说明|目标|指标|问题|措施"))


@dataclass(frozen=True)
class UnitRegion:
    """Normalised span [start, end) whose unitless money figures are in ``unit``."""

    start: int
    end: int
    unit: str


@dataclass(frozen=True)
class Section:
    """A heading and the span of its body (up to the next heading of its level or higher);
    ``parent`` is the index of the enclosing section in ``DocumentView.sections``, or None."""

    heading: Heading
    start: int
    end: int
    parent: int | None


@dataclass(frozen=True, eq=False)
class DocumentView:
    document: Document
    nt: NormalizedText
    numbers: tuple[NumberMention, ...]
    layout: Layout

    @property
    def text(self) -> str:
        return self.nt.text

    @cached_property
    def tables(self) -> list[Table]:
        """Typed tables (pipeline.tables): rows, cells, header, column roles and unit."""
        return read_tables(self.text, self.layout, self.default_unit)

    @cached_property
    def _cell_index(self) -> tuple[list[int], list[tuple[int, Table, TableCell]]]:
        spans = sorted(
            ((a, b, table, cell) for table in self.tables for row in [*table.header, *table.rows] for cell in row.cells
             for a, b in cell.spans if b > a),
            key=lambda item: item[0],
        )
        return [a for a, *_ in spans], [(b, table, cell) for _, b, table, cell in spans]

    def cell_at(self, offset: int) -> tuple[Table, TableCell] | None:
        """The typed table cell printed at a normalised offset, if any."""
        starts, rest = self._cell_index
        i = bisect_right(starts, offset) - 1
        if i >= 0 and offset < rest[i][0]:
            return rest[i][1], rest[i][2]
        return None

    def item_name_at(self, offset: int) -> str | None:
        """The name of the numbered list item whose line holds ``offset`` after its name, or
        None: figures there are that item's ('2.X资金：全年预算…', '（一）学前教育。…预算完成率
        100%'), not the whole report's."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        m = _ITEM_LINE.match(self.text, line_start)
        if m is None or m.end() > offset or _REPORT_SECTION.search(m.group("name")):
            return None
        return m.group("name")

    @cached_property
    def sections(self) -> list[Section]:
        """The heading tree, in text order."""
        out: list[Section] = []
        open_stack: list[int] = []
        for heading in self.layout.headings:
            while open_stack and out[open_stack[-1]].heading.level >= heading.level:
                open_stack.pop()
            start, end = self.layout.section_body(heading)
            out.append(Section(heading, start, end, open_stack[-1] if open_stack else None))
            open_stack.append(len(out) - 1)
        return out

    def section_path(self, offset: int) -> list[Section]:
        """The sections enclosing an offset, outermost first."""
        inner = None
        for i, section in enumerate(self.sections):
            if section.heading.start <= offset < section.end:
                inner = i
        path = []
        while inner is not None:
            path.append(self.sections[inner])
            inner = self.sections[inner].parent
        return path[::-1]

    @cached_property
    def paragraphs(self) -> list[tuple[int, int]]:
        """Normalised spans of the prose lines: neither table rows nor headings."""
        heading_lines = {h.line for h in self.layout.headings}
        return [
            (line.start, line.end)
            for line in self.layout.lines
            if line.text.strip() and not line.is_table_row and line.index not in heading_lines
        ]

    @cached_property
    def number_starts(self) -> list[int]:
        return [m.norm_start for m in self.numbers]

    @cached_property
    def number_raw_starts(self) -> list[int]:
        return [m.raw_start for m in self.numbers]  # the normaliser keeps text order

    def numbers_in_norm(self, start: int, end: int) -> list[NumberMention]:
        """Number mentions lying wholly inside normalised ``text[start:end]``."""
        return self._numbers_within(self.number_starts, "norm_start", "norm_end", start, end)

    def numbers_in_raw(self, raw_start: int, raw_end: int) -> list[NumberMention]:
        """Number mentions lying wholly inside raw ``document.text[raw_start:raw_end]``."""
        return self._numbers_within(self.number_raw_starts, "raw_start", "raw_end", raw_start, raw_end)

    def _numbers_within(self, starts: list[int], first: str, last: str, start: int, end: int) -> list[NumberMention]:
        """The mentions whose ``first``..``last`` offsets lie in [start, end); ``starts`` is their
        sorted ``first`` offsets (text order in both coordinates)."""
        out = []
        i = bisect_left(starts, start)  # an index, not a slice: no copy of the tail per call
        while i < len(self.numbers) and getattr(self.numbers[i], first) < end:
            if getattr(self.numbers[i], last) <= end:
                out.append(self.numbers[i])
            i += 1
        return out

    def numbers_in_quote(self, raw_start: int, raw_end: int) -> list[NumberMention] | None:
        """The mentions wholly inside a quote's raw span, or None when a mention runs across
        either end of it: the scanner read the quote's digits into another number (figures printed
        run together, '82.37250095.23%', that the table reader split by its columns), so the quote
        is to be read alone."""
        i = bisect_left(self.number_raw_starts, raw_start)
        if i > 0 and self.numbers[i - 1].raw_end > raw_start:
            return None
        out = []
        while i < len(self.numbers) and self.numbers[i].raw_start < raw_end:
            if self.numbers[i].raw_end > raw_end:
                return None
            out.append(self.numbers[i])
            i += 1
        return out

    @cached_property
    def default_unit(self) -> str:
        """The unit the report declares for itself near its top ('单位：万元'), else 万元."""
        m = _UNIT_DECLARATION.search(self.text, 0, _HEADER_SPAN)
        return m.group(1) if m else DEFAULT_MONEY_UNIT

    @cached_property
    def money_unit(self) -> str:
        """The money unit most amounts of the document print; ties go to the usual unit, so the
        answer never depends on set or hash order."""
        units = [m.unit for m in self.numbers if m.unit in MONEY_UNITS]
        if not units:
            return self.default_unit
        return max(_UNIT_PREFERENCE, key=lambda u: (units.count(u), -_UNIT_PREFERENCE.index(u)))

    @cached_property
    def unit_regions(self) -> list[UnitRegion]:
        """Where a declaration other than the document's own applies: from the declaration to the
        end of the table right below it ('单位：元' over one detail table while the rest is 万元),
        or, with no table below, to the next declaration."""
        regions: list[UnitRegion] = []
        declarations = list(_UNIT_DECLARATION.finditer(self.text))
        for i, m in enumerate(declarations):
            if m.group(1) == self.default_unit:
                continue
            nxt = declarations[i + 1].start() if i + 1 < len(declarations) else len(self.text)
            table = next((t for t in self.layout.tables if t.end > m.end()), None)
            line = self.layout.line_at(m.start())
            if table is not None and table.start <= m.start():
                end = table.end  # the declaration sits in the table's own header rows
            elif table is not None and self._lines_between(line.end, table.start) <= 3:
                end = table.end
            else:
                end = nxt
            regions.append(UnitRegion(m.start(), min(end, nxt), m.group(1)))
        return regions

    def unit_at(self, offset: int) -> str:
        """The money unit in force at a normalised offset."""
        starts = [r.start for r in self.unit_regions]
        i = bisect_right(starts, offset) - 1
        if i >= 0 and offset < self.unit_regions[i].end:
            return self.unit_regions[i].unit
        return self.default_unit

    def _lines_between(self, start: int, end: int) -> int:
        return self.text.count("\n", start, end)


_CACHE: OrderedDict[tuple[str, str, int], DocumentView] = OrderedDict()
_CACHE_SIZE = 8


def analyze(document: Document) -> DocumentView:
    """The document's one analysis, built on first use and then shared: extraction, the checks,
    grounding and the LLM quote index of one run read the same object."""
    key = (document.sha256, document.text, len(document.pages))
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    nt, numbers = view(document.text)
    result = DocumentView(document, nt, numbers, analyze_normalized(nt))
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def clear_cache() -> None:
    """Forget every cached analysis (and the normalised views under them): benchmarks time cold
    runs, and a long-lived process may want its memory back."""
    _CACHE.clear()
    view.cache_clear()
