"""Layout of a normalised report: lines, tab tables, headings, sections, title, report type.

Works on the normalised text (offsets are normalised offsets; ``NormalizedText.to_raw`` maps them
back). Tables are runs of tab-separated lines as OCR reading order and PDF conversion produce
them; a header may span several lines and a table may continue after a page break with a
repeated header, so table structure is recovered per row rather than trusted from the header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ReportType = Literal["overall_table", "overall_report", "project_table"]

# Section headings: 一、 （一） (一) 1. — numbering followed by a short title.
_HEADING = re.compile(
    r"^[ \t]*(?P<num>[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|[(（]\d{1,2}[)）]|\d{1,2}[、.．](?!\d))"
    r"[ \t]*(?P<title>[^\n]{1,60})$"
)
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\"“”、（）()])[ \t]+(?=[\u4e00-\u9fff\"“”、（）()])")


def squash_cell(text: str) -> str:
    """A cell's text with the spaces that cell wrapping leaves between CJK characters removed."""
    return _CJK_SPACE.sub("", text.strip())


@dataclass(frozen=True)
class Cell:
    text: str  # squashed text
    start: int  # normalised offsets of the cell's stripped text
    end: int
    column: int

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

    @property
    def is_table_row(self) -> bool:
        return len(self.cells) > 1

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


@dataclass
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
        following = [h for h in self.headings if h.line > heading.line and h.level <= heading.level]
        end = following[0].start if following else len(self.text)
        return heading.end, end


def _split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for index, raw_line in enumerate(text.split("\n")):
        start, end = pos, pos + len(raw_line)
        line = Line(index=index, start=start, end=end, text=raw_line)
        if "\t" in raw_line:
            cell_start = start
            for column, part in enumerate(raw_line.split("\t")):
                stripped = part.strip()
                lead = len(part) - len(part.lstrip())
                s = cell_start + lead
                line.cells.append(Cell(squash_cell(part), s, s + len(stripped), column))
                cell_start += len(part) + 1
        lines.append(line)
        pos = end + 1
    return lines


def _tables(lines: list[Line]) -> list[Table]:
    """Runs of table rows; up to three blank or short lines (a page break) may sit inside."""
    tables: list[Table] = []
    current: list[Line] = []
    gap = 0
    for line in lines:
        if line.is_table_row:
            current.append(line)
            gap = 0
        elif current and not line.text.strip() and gap < 3:
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
        match = _HEADING.match(line.text)
        if not match:
            continue
        number, title = match["num"], match["title"].strip()
        # A numbered sentence (a duty list item, a long paragraph) is not a heading.
        if len(title) > 40 or title.count("，") + title.count(",") >= 2:
            continue
        if number[0] in "一二三四五六七八九十":
            level = 1
        elif number[0] in "(（" and number[1] in "一二三四五六七八九十":
            level = 2
        else:
            level = 3
        headings.append(Heading(line.index, line.start, line.end, number, title, level))
    return headings


def _title(lines: list[Line]) -> str:
    """The report's title: the first lines up to one naming the report kind."""
    parts: list[str] = []
    for line in lines[:15]:
        if line.is_table_row and parts:
            break  # the title is never part of the table or the label row (填报单位 | 单位：万元) below it
        text = squash_cell(line.text.replace("\t", " "))
        if not text or re.fullmatch(r"附件\s*\d*", text):
            continue
        parts.append(text)
        # 汇总表: multi-project tables are titled '…项目支出绩效自评汇总表'.
        if re.search(r"(报告|自评表|评价表|情况表|汇总表)", text):
            break
        if len(parts) >= 3:
            break
    return " ".join(parts)


def _report_type(title: str, tables: list[Table]) -> ReportType | None:
    if not title:
        return None
    if "表" in title and "报告" not in title:
        wide_rows = sum(1 for t in tables for line in t.lines if len(line.cells) >= 10)
        if "项目" in title and ("部门整体" not in title):
            return "project_table"
        if wide_rows >= 3 and "整体" not in title:
            return "project_table"
        return "overall_table"
    if "报告" in title:
        # A narrative report on ONE project or fund ('…2020年中央财政农田建设补助资金绩效自评报告',
        # 转移支付资金 / 专项资金 / 项目支出 self-evaluations) is project-level: its budget is that
        # fund's money. The enum's only project-level type is project_table (gold README convention).
        if names_one_project(title):
            return "project_table"
        return "overall_report"
    return None


# '…资金/经费/专项/X项目 (支出) 绩效自评'; a bare '2021年度项目支出绩效自评报告' names no project.
_ONE_PROJECT_TITLE = re.compile(r"(?:资金|经费|专项|(?<![年度\d\s])项目)\s*(?:支出)?\s*(?:绩效)?\s*(?:自评|评价)")


def names_one_project(title: str) -> bool:
    """The title names a project or fund as the report's subject (not 部门整体 / 部门预算 / a 汇总)."""
    return bool(_ONE_PROJECT_TITLE.search(title)) and not re.search(r"部门|整体|汇总", title)


def analyze(text: str) -> Layout:
    lines = _split_lines(text)
    tables = _tables(lines)
    title = _title(lines)
    return Layout(text, lines, tables, _headings(lines), title, _report_type(title, tables))
