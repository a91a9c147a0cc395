"""Which part of a report a model request needs: the lines that can hold the fields asked for.

The hybrid backend asks the model only for the field groups the rules left empty or disputed
(``budget``, ``indicators``, ``problems``…). Sending the whole report for them pays for every
paragraph on every call; ``routed_text`` sends the report's head (title, department, year) and the
lines where the groups' values are printed, found from the document analysis and the vocabulary
(``lexicon.FIELD_TOPICS``), never from positions in one template:

* a section whose heading names a group (``三、存在的问题``, ``（二）预算执行情况``), whole;
* a table whose header names a group (``一级指标 | 二级指标 | 三级指标``), all its rows;
* any other line that names a group and prints a figure (``全年预算数 120 万元，执行率 96%``).

Lines keep their order; a gap between two taken runs is marked ``……`` so the model does not
read two distant lines as one sentence. Every line is copied from the report as printed, so a
quote from the routed text is a quote from the report.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from pipeline.analysis import DocumentView
from pipeline.lexicon import FIELD_PRINTED, FIELD_TOPICS, HEAD_FIELDS, variant_regex
from pipeline.record import PROJECT_LEVEL_TYPES

HEAD_LINES = 8  # at most this many lines of title block: it names department, year and subject
GAP = "……"
_FIGURE = re.compile(r"\d")


def field_groups(paths: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The top-level record fields of ``paths`` ('budget.initial', 'projects[2].actual' → budget,
    projects), each once, in path order."""
    groups: list[str] = []
    for path in paths:
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        if top not in groups:
            groups.append(top)
    return tuple(groups)


def worth_asking(paths: list[str], view: DocumentView, report_type: str | None) -> list[str]:
    """The empty fields among ``paths`` that the report may print: a field whose labels
    (``lexicon.FIELD_PRINTED``) occur nowhere in the text stays empty without a model call, and a
    department-wide report has no ``subject`` (the project a project report is about)."""
    kept = []
    for path in paths:
        if path == "subject" and report_type is not None and report_type not in PROJECT_LEVEL_TYPES:
            continue
        key = max((k for k in FIELD_PRINTED if path == k or path.startswith(k + ".")), key=len, default=None)
        if key is None or _printed(key).search(view.text):
            kept.append(path)
    return kept


@lru_cache(maxsize=None)
def _printed(key: str) -> re.Pattern[str]:
    return variant_regex(FIELD_PRINTED[key])


@lru_cache(maxsize=32)
def _topic(groups: tuple[str, ...]) -> re.Pattern[str] | None:
    patterns = [FIELD_TOPICS[g] for g in groups if g in FIELD_TOPICS]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def routed_lines(view: DocumentView, groups: tuple[str, ...]) -> list[int]:
    """Indexes (into ``view.layout.lines``) of the lines a request for ``groups`` needs."""
    lines = view.layout.lines
    topic = _topic(groups)
    taken: set[int] = set()
    # The head: the title block above the first section heading (all of the top when none).
    first_heading = min((h.line for h in view.layout.headings), default=len(lines))
    nonempty = [line.index for line in lines if line.text.strip()]
    taken.update([i for i in nonempty if i < first_heading][:HEAD_LINES] or nonempty[:1])
    if topic is None:
        return sorted(taken)
    starts = [line.start for line in lines]
    for section in view.sections:
        if topic.search(section.heading.title):  # the heading's line to the section's last line
            taken.update(range(section.heading.line, bisect_left(starts, section.end)))
    for table in view.tables:
        header = " ".join(cell.text for row in table.header for cell in row.cells)
        if topic.search(header):
            for row in [*table.header, *table.rows]:
                taken.update(row.lines)
    for line in lines:
        if line.index not in taken and topic.search(line.text) and _FIGURE.search(line.text):
            taken.add(line.index)
    return sorted(taken)


def routed_text(view: DocumentView, groups: tuple[str, ...]) -> str:
    """The report's lines that a request for ``groups`` needs, as printed (raw text), with
    ``……`` between runs that are not adjacent. Header fields alone need only the head."""
    groups = tuple(g for g in groups if g not in HEAD_FIELDS)
    chosen = routed_lines(view, groups)
    lines, nt = view.layout.lines, view.nt
    out: list[str] = []
    previous = None
    for index in chosen:
        if previous is not None and index != previous + 1:
            out.append(GAP)
        start, end = nt.raw_span(lines[index].start, lines[index].end)
        out.append(nt.raw[start:end])
        previous = index
    if chosen and chosen[-1] != len(lines) - 1:
        out.append(GAP)
    return "\n".join(out)
