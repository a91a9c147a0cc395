"""``CheckContext``: the record, the document and the views of it the checks share, built
lazily and once per record (the document's one analysis, the record's values with valid
evidence and printed precision, the spans of record fields)."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from pipeline import lexicon as lx
from pipeline import tables as tb
from pipeline.analysis import DocumentView, analyze
from pipeline.checks.compare import SAME_VALUE, Printed, decimals_of, in_record_units, rounding_half
from pipeline.checks.grid import GridBlock, grid_blocks
from pipeline.document import Document
from pipeline.ground import evidence_at, evidence_holds, find_value, raw_span_of, value_kind
from pipeline.layout import Layout, Line
from pipeline.normalize import MONEY_UNITS, NormalizedText, NumberMention
from pipeline.record import Evidence, ExtractedRecord, leaf_values

if TYPE_CHECKING:
    from pipeline.checks.scores import ScoreTable

# A Han character (a label, a name), as opposed to digits and punctuation.
CJK = re.compile(r"[\u4e00-\u9fff]")


class CheckContext:
    """What checks read: the record, the document and lazily built views of the document."""

    def __init__(self, record: ExtractedRecord, document: Document) -> None:
        self.record = record
        self.document = document
        self._evidence_cache: dict[str, Evidence | None] = {}

    # --- views of the document -------------------------------------------------------------
    @cached_property
    def view(self) -> DocumentView:
        return analyze(self.document)

    @cached_property
    def nt(self) -> NormalizedText:
        return self.view.nt

    @cached_property
    def text(self) -> str:
        return self.nt.text

    @cached_property
    def mentions(self) -> list[NumberMention]:
        return list(self.view.numbers)

    @cached_property
    def layout(self) -> Layout:
        return self.view.layout

    @cached_property
    def plain(self) -> dict:
        return self.record.plain()

    @property
    def default_unit(self) -> str:
        return self.view.default_unit

    @property
    def money_unit(self) -> str:
        """The money unit most amounts of the document are printed in."""
        return self.view.money_unit

    @cached_property
    def typed_tables(self) -> list[tb.Table]:
        """The document's tables as the table reader gives them to the extractor too."""
        return self.view.tables

    @cached_property
    def tables(self) -> list["GridBlock"]:
        return list(grid_blocks(self))

    @cached_property
    def score_tables(self) -> list["ScoreTable"]:
        from pipeline.checks.scores import read_score_tables  # scores reads this context: imported on use

        return read_score_tables(self)

    # --- record values -----------------------------------------------------------------------
    def value(self, path: str) -> Any:
        node: Any = self.plain
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
            if part.startswith("["):
                index = int(part[1:-1])
                if not isinstance(node, list) or index >= len(node):
                    return None
                node = node[index]
            else:
                if not isinstance(node, dict):
                    return None
                node = node.get(part)
        return node

    def number(self, path: str) -> float | None:
        value = self.value(path)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def evidence(self, path: str) -> Evidence | None:
        """The record's evidence for ``path`` when it is valid (the quote is the page text and
        prints the value), else the value found back in the document, else None."""
        if path in self._evidence_cache:
            return self._evidence_cache[path]
        value = self.value(path)
        found: Evidence | None = None
        own = self.record.evidence.get(path)
        if own is not None and evidence_holds(self.document, own, value):
            found = own
        elif value is not None and value != "":
            found = find_value(self.document, path, value)
        self._evidence_cache[path] = found
        return found

    def raw_span(self, evidence: Evidence) -> tuple[int, int]:
        return raw_span_of(evidence, self.document)

    def mentions_in_raw(self, raw_start: int, raw_end: int) -> list[NumberMention]:
        return self.view.numbers_in_raw(raw_start, raw_end)

    def printed(self, path: str) -> Printed | None:
        """The record value at ``path`` with its printed precision and evidence."""
        value = self.number(path)
        if value is None:
            return None
        evidence = self.evidence(path)
        mention = None
        if evidence is not None:
            is_rate = value_kind(path, value) == "rate"
            for m in self.mentions_in_raw(*self.raw_span(evidence)):
                if abs(in_record_units(m, self.default_unit, is_rate) - value) <= SAME_VALUE or abs(m.value - value) <= SAME_VALUE:
                    mention = m
                    break
        if mention is not None:
            is_rate = value_kind(path, value) == "rate"
            unit = None if is_rate else (mention.unit if mention.unit in MONEY_UNITS else self.default_unit)
            return Printed(value, mention.decimals, rounding_half(mention.decimals, unit), evidence, mention, unit)
        decimals = decimals_of(value)
        if evidence is not None:
            # A figure split out of figures run together ('277.50' of '…321.59277.5086.28%…'): no
            # mention of its own, its printed text still gives its decimals.
            printed = re.fullmatch(r"\s*[\d,]+(?:\.(\d+))?\s*%?\s*", self.document.text[slice(*self.raw_span(evidence))])
            if printed and abs(float(re.sub(r"[^\d.]", "", printed.group())) - value) <= SAME_VALUE:
                decimals = len(printed.group(1) or "")
        return Printed(value, decimals, rounding_half(decimals, None), evidence, None, None if value_kind(path, value) == "rate" else "万元")

    # --- spans -------------------------------------------------------------------------------
    def span_evidence(self, norm_start: int, norm_end: int, label: str | None = None) -> Evidence:
        """Evidence for normalised ``text[norm_start:norm_end]``, clipped to one page."""
        raw_start, raw_end = self.nt.raw_span(norm_start, norm_end)
        return self.raw_evidence(raw_start, raw_end, label)

    def raw_evidence(self, raw_start: int, raw_end: int, label: str | None = None) -> Evidence:
        return evidence_at(self.document, raw_start, raw_end, label=label, confidence=1.0)

    def mention_evidence(self, mention: NumberMention, label: str | None = None) -> Evidence:
        return self.raw_evidence(mention.raw_start, mention.raw_end, label)

    @cached_property
    def field_spans(self) -> list[tuple[int, int, str, bool]]:
        """(raw start, raw end, field path, chosen) for the evidence of every record value and
        of every rejected candidate."""
        spans: list[tuple[int, int, str, bool]] = []

        def add(evidence: Evidence, path: str, chosen: bool) -> None:
            for piece in [evidence, *evidence.parts]:
                if piece.page is None or piece.start is None or piece.end is None:
                    continue
                try:
                    start = self.document.global_offset(piece.page, piece.start)
                except IndexError:
                    continue
                spans.append((start, start + (piece.end - piece.start), path, chosen))

        for path, value in leaf_values(self.record):
            if isinstance(value, (int, float)) and not isinstance(value, bool) or path in self.record.evidence:
                valid = self.evidence(path)
                if valid is not None:
                    add(valid, path, True)
        for path, candidates in self.record.candidates.items():
            for candidate in candidates:
                if not candidate.chosen:
                    add(candidate.evidence, path, False)
        return spans

    @cached_property
    def _sorted_field_spans(self) -> list[tuple[int, int, str, bool]]:
        return sorted(self.field_spans, key=lambda span: span[0])

    @cached_property
    def _field_span_index(self) -> tuple[list[int], int]:
        """Start offsets of the sorted field spans and the longest span's length."""
        spans = self._sorted_field_spans
        return [span[0] for span in spans], max((end - start for start, end, _, _ in spans), default=0)

    def fields_at(self, raw_start: int, raw_end: int, candidates: bool = False) -> list[str]:
        """Record fields whose evidence overlaps the raw span; with ``candidates``, also fields
        a rejected candidate there was considered for (chosen values first)."""
        starts, longest = self._field_span_index
        # Only spans starting in (raw_start - longest, raw_end) can overlap: a bisection, not a
        # scan of every span per call (quadratic in the length of the document).
        first, last = bisect_left(starts, raw_start - longest + 1), bisect_left(starts, raw_end)
        hits = [
            (not chosen, path)
            for start, end, path, chosen in self._sorted_field_spans[first:last]
            if start < raw_end and raw_start < end and (chosen or candidates)
        ]
        out: list[str] = []
        for _, path in sorted(hits):
            if path not in out:
                out.append(path)
        return out

    def fields_of_mention(self, mention: NumberMention, candidates: bool = False) -> list[str]:
        return self.fields_at(mention.raw_start, mention.raw_end, candidates)

    # --- prose -------------------------------------------------------------------------------
    def line_of(self, norm_offset: int) -> Line:
        return self.layout.line_at(norm_offset)

    def in_table(self, norm_offset: int) -> bool:
        return self.line_of(norm_offset).is_table_row

    def mentions_between(self, start: int, end: int) -> list[NumberMention]:
        """Mentions lying wholly inside normalised ``text[start:end]``."""
        return self.view.numbers_in_norm(start, end)


def adjustment_mentioned(ctx: CheckContext) -> bool:
    return _mentions_adjustment(ctx.text)


@lru_cache(maxsize=4)
def _mentions_adjustment(text: str) -> bool:
    """Once per document, not once per remainder statement (a str caches its hash)."""
    return bool(re.search(r"调整|调减|调增|追加|全年[(（]调|全年预算", lx.fold(text)))


def sentence_before(text: str, pos: int, limit: int = 120) -> str:
    start = pos
    while start > 0 and pos - start < limit and text[start - 1] not in "。；;\n\t":
        start -= 1
    return text[start:pos]


_BROKEN_BEFORE = re.compile(r"\d\s*[,.．]\s*$")


def broken_number(ctx: CheckContext, m: NumberMention) -> bool:
    """The mention may be the tail of a number the normaliser could not rejoin ('47. 19' after a
    line break, '5472,5300. 00' with two faults): its value is not to be trusted."""
    return bool(_BROKEN_BEFORE.search(ctx.text[max(0, m.norm_start - 4) : m.norm_start])) or (
        m.unit is None and bool(re.match(r"\s*[,.．]\s*\d", ctx.text[m.norm_end : m.norm_end + 4]))
    )
