"""Rules extractor: the offline default. Document → ExtractedRecord with no model at all.

How it decides:

1. Normalise the text (numbers repaired, wraps joined, offsets kept) and read its layout.
2. Collect *candidates* for every field: a label from the lexicon followed by a value of the
   right kind, in prose or in the next table cell, with the scope it sits in (whole department,
   基本支出, 项目支出, “三公”, or something narrower such as 会议费).
3. Choose: department-level budget figures are chosen jointly, by label strength plus the
   arithmetic that ties them (rate = actual / budget, initial + change = adjusted, …), so a
   value printed beside the wrong label still lands in the right field. Printed values are
   never replaced by computed ones: arithmetic only ranks what the report prints.
4. Every chosen value keeps its evidence (page, raw offsets, quote); losers stay as candidates.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import Any, Iterable

from pipeline.document import Document
from pipeline.extract import prose
from pipeline import lexicon as lx
from pipeline.ground import evidence_at, span_at
from pipeline.layout import NUMBERING, Cell, Heading, Layout, names_one_project, squash_cell
from pipeline.analysis import DocumentView, analyze
from pipeline import tables as tb
from pipeline.normalize import CHARACTER_FOLD, NormalizedText, NumberMention, to_wan
from pipeline.record import (
    PROJECT_LEVEL_TYPES,
    Budget,
    Candidate,
    Evaluation,
    Evidence,
    ExtractedRecord,
    Indicator,
    MoneyPair,
    Project,
    RecordMeta,
)

EXTRACTOR_VERSION = "rules-1"

_FOLD_TABLE = str.maketrans(dict(CHARACTER_FOLD))


def _nothing_folded(raw: str) -> bool:
    """No character of the raw text is one the normaliser folds to simplified."""
    return raw.translate(_FOLD_TABLE) == raw


MONEY_UNITS = {"元", "万元", "亿元"}
_PAGE_NUMBER_LINE = re.compile(r"(?m)^[ \t]*(?:[-—–][ \t]*\d{1,3}[ \t]*[-—–]|第[ \t]*\d{1,3}[ \t]*页)[ \t]*$")
_SENTENCE_END = re.compile(r"[。；;\n\t!?！？]")
_STATEMENT_END = re.compile(r"[。\n\t!?！？]")
_CLAUSE_END = re.compile(r"[，,。；;\n\t:：]")
_PAREN = re.compile(r"[(（][^()（）]{0,80}[)）]")


@dataclass
class Found:
    """A candidate value with its normalised span."""

    field: str
    value: Any
    start: int
    end: int
    label: str | None
    score: float
    reason: str
    scope: str = "dept"
    needs_support: bool = False  # only chosen when arithmetic with other fields confirms it
    more: list[tuple[int, int]] = field(default_factory=list)  # further pieces (wrapped cells)
    as_printed: bool = False  # a text value already given its printed characters (Context.printed)


@dataclass
class Context:
    document: Document
    nt: NormalizedText
    layout: Layout
    numbers: list[NumberMention]
    number_starts: list[int]
    default_unit: str
    money_unit: str = "万元"  # the money unit most amounts are printed in
    fiscal_year: int | None = None
    view: DocumentView | None = None
    project_headings: list[Heading] | None = None
    tables: list[tb.Table] = field(default_factory=list)  # the typed tables (pipeline.tables)
    _garbled: list[tuple[int, int]] | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.nt.text

    # --- evidence -------------------------------------------------------------------------
    def evidence_for(
        self, start: int, end: int, label: str | None, confidence: float = 0.9, more: list[tuple[int, int]] = ()
    ) -> Evidence:
        parts = [span_at(self.document, *self.nt.raw_span(s, e)) for s, e in more]
        raw_start, raw_end = self.nt.raw_span(start, end)
        return evidence_at(self.document, raw_start, raw_end, label=label, confidence=confidence, parts=parts)

    def record(self, path: str, found: Found, confidence: float = 0.9) -> None:
        self.evidence[path] = self.evidence_for(found.start, found.end, found.label, confidence, found.more)

    def printed(self, found: Found) -> None:
        """Give a text value the characters the report prints. The normalised text folds
        traditional characters to simplified (項目 -> 项目) and full-width forms to half-width
        ('，' -> ',') so that labels and numbers match; values are
        recorded as printed (gold README), so each folded character of the value is turned back
        into its raw character. The value is matched, in order, against the normalised characters
        of its spans (it may have lost spaces and line breaks on the way)."""
        if found.as_printed or not isinstance(found.value, str) or found.value.isascii():
            return
        found.as_printed = True
        spans = [(found.start, found.end), *found.more]
        raws = [self.nt.raw_span(a, b) for a, b in spans]
        if all(_nothing_folded(self.nt.raw[a:b]) for a, b in raws):
            return  # nothing folded in these spans: the normalised characters are the printed ones
        pairs: list[tuple[str, str]] = []
        for a, b in spans:
            for i in range(a, b):
                ra, rb = self.nt.raw_span(i, i + 1)
                pairs.append((self.text[i], self.nt.raw[ra:rb]))
        out, pos = [], 0
        for ch in found.value:
            j = pos
            while j < len(pairs) and pairs[j][0] != ch:
                j += 1
            if j == len(pairs):
                out.append(ch)
                continue
            raw_char = pairs[j][1]
            out.append(raw_char if len(raw_char) == 1 and CHARACTER_FOLD.get(raw_char) == ch else ch)
            pos = j + 1
        found.value = "".join(out)

    def keep_candidates(self, path: str, founds: list[Found], chosen: Found | None) -> None:
        if len(founds) < 2 and (not founds or founds[0] is chosen):
            return
        self.candidates[path] = [
            Candidate(
                value=f.value,
                evidence=self.evidence_for(f.start, f.end, f.label, 0.5),
                score=round(f.score, 3),
                chosen=f is chosen,
                reason=f.reason,
            )
            for f in sorted(founds, key=lambda f: -f.score)
        ]

    # --- text quality ---------------------------------------------------------------------
    def garbled(self) -> list[tuple[int, int]]:
        """Normalised spans of the passages that are OCR garbage (pipeline.textquality: character
        bigrams no normal report text has), measured once per document when first needed."""
        if self._garbled is None:
            from pipeline.textquality import garbled_passages

            self._garbled = [(p.start, p.end) for p in garbled_passages(self.text, self.layout, self.document.text)]
        return self._garbled

    def without_garbage(self, start: int, end: int) -> tuple[int, int]:
        """A text section's span without the OCR garbage absorbed into it: an OCR'd page puts a
        garbage paragraph after the last paragraph of a section (and nothing marks where one
        ends), so the section stops at the first garbage after its text, and garbage before its
        text is skipped. A span of one paragraph holds no other paragraph: not measured."""
        if "\n" not in self.text[start:end].strip():
            return start, end
        for g_start, g_end in self.garbled():
            if g_end <= start or g_start >= end:
                continue
            if not _PAGE_NUMBER_LINE.sub("", self.text[start:g_start]).strip():
                start = max(start, g_end)  # garbage before any text of the section (page numbers aside)
                continue
            return start, g_start
        return start, end

    # --- numbers --------------------------------------------------------------------------
    def numbers_between(self, start: int, end: int) -> list[NumberMention]:
        i = bisect_left(self.number_starts, start)
        found = []
        while i < len(self.numbers) and self.numbers[i].norm_start < end:
            found.append(self.numbers[i])
            i += 1
        return found

    def number_after(self, pos: int, max_gap: int = 12) -> NumberMention | None:
        """The number right after a label: only filler words, spaces and tab cells between."""
        i = bisect_left(self.number_starts, pos)
        if i >= len(self.numbers):
            return None
        mention = self.numbers[i]
        gap = self.text[pos : mention.norm_start]
        if self._wrapped_before_value(pos, gap):
            gap = gap.replace("\n", "")
        if len(gap.replace("\t", "").strip()) > max_gap or re.search(r"[，,。；;\n、]", gap):
            return None
        if gap.count("\t") > 3:
            return None
        return mention

    def _wrapped_before_value(self, pos: int, gap: str) -> bool:
        """A hard wrap between a prose label and its value ('…自评得分' | '93分，…'): the line
        break is the only thing between them and both lines are prose, not table rows. (The
        normaliser joins such wraps when it recognises the wrap width; this covers the rest.)
        A filler word may stand before the break when the figure starts the next line ('年初批复
        预算为' | '141223100.00元'): a line cut short by a long figure."""
        if gap.count("\n") != 1:
            return False
        head, _, tail = gap.partition("\n")
        if tail.strip(" ") or (head.strip(" ") and re.search(r"[，,。；;、:：]", head)):
            return False
        return not self.in_table_row(pos) and not self.in_table_row(pos + len(gap))

    def in_table_row(self, pos: int) -> bool:
        return self.layout.line_at(pos).is_table_row

    def amount_of(self, mention: NumberMention, pos: int) -> float | None:
        """The mention in 万元, or None when it is not an amount here."""
        if mention.unit in MONEY_UNITS:
            return to_wan(mention.value, mention.unit)
        if mention.unit is None and self.in_table_row(mention.norm_start):
            unit = self.view.unit_at(mention.norm_start) if self.view is not None else self.default_unit
            return to_wan(mention.value, unit)
        return None


# --- helpers -----------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, _squash(a), _squash(b)).ratio()


class _NameIndex:
    """Project rows by name, to find the rows whose names are like a printed name without comparing
    it with every row (comparing each item of every 其中 list with every row was quadratic in the
    length of a document). Rows with one squashed name are compared once, and only names holding
    one of the printed name's rarest characters are compared at all: a ratio 2M/(a+b) of at least
    t needs M ≥ t·a/(2−t) of the name's a characters matched (M ≤ b), so a name that lacks every
    character of the ⌊a·(2−2t)/(2−t)⌋+1 rarest positions of the printed name stays below t."""

    def __init__(self, rows: Iterable["ProjectRow"] = ()):
        self._first: dict[str, tuple[int, "ProjectRow"]] = {}  # squashed name -> (order, first row)
        self._by_char: dict[str, list[str]] = {}
        for row in rows:
            self.add(row)

    def add(self, row: "ProjectRow") -> None:
        key = _squash(row.name.value)
        if key in self._first:
            return  # a later row of the same name never wins: the first one ties it
        self._first[key] = (len(self._first), row)
        for ch in set(key):
            self._by_char.setdefault(ch, []).append(key)

    def _candidates(self, key: str, threshold: float) -> list[tuple[int, str]]:
        spare = int(len(key) * (2 - 2 * threshold) / (2 - threshold) + 1e-9)
        rarest = sorted(key, key=lambda ch: len(self._by_char.get(ch, ())))[: spare + 1]
        names = {name for ch in set(rarest) for name in self._by_char.get(ch, ())}
        return sorted((self._first[name][0], name) for name in names)

    def most_like(self, name: str, threshold: float) -> tuple["ProjectRow", float] | None:
        """The first row with the highest ratio to ``name`` among those that can reach
        ``threshold`` (every row that starts with ``name`` is one of them); None when no row can."""
        best: tuple[float, int, str] | None = None
        for order, key in self._candidates(_squash(name), threshold):
            ratio = _similar(key, name)
            if best is None or ratio > best[0]:
                best = (ratio, order, key)
        return (self._first[best[2]][1], best[0]) if best else None

    def first_like(self, name: str, threshold: float) -> "ProjectRow | None":
        """The first row (in the order added) whose ratio to ``name`` is at least ``threshold``."""
        for _, key in self._candidates(_squash(name), threshold):
            if _similar(key, name) >= threshold:
                return self._first[key][1]
        return None


def _label_hits(ctx: Context, labels: Iterable[str]) -> list[tuple[int, int, str]]:
    """Occurrences of the labels, longest first, never two overlapping; between two labels of one
    length the one the caller lists first wins (an order of the caller's, not of a set's hashes)."""
    hits: list[tuple[int, int, str]] = []
    # One byte per character of the text, set where a longer label already sits: checking a hit
    # costs its own length, not the number of hits so far (that made the scan quadratic).
    taken = bytearray(len(ctx.text))
    for label in sorted(dict.fromkeys(labels), key=len, reverse=True):
        for match in lx.label_regex(label).finditer(ctx.text):
            s, e = match.span()
            if taken.find(1, s, e) >= 0:
                continue
            taken[s:e] = b"\x01" * (e - s)
            hits.append((s, e, label))
    return sorted(hits)


def _sentence_prefix(text: str, pos: int, pattern: re.Pattern[str]) -> str:
    start = pos
    while start > 0 and (not pattern.match(text[start - 1]) or _soft_break(text, start)):
        start -= 1
        if pos - start > 200:
            break
    return text[start:pos]


_NO_SENTENCE_END = re.compile(r"[^。；;:：!?！？…\n\t]")


def _soft_break(text: str, line_start: int) -> bool:
    """A line break inside a sentence: a prose line that stops mid-sentence right before a
    number the wrap carried to the next line ('…2019年度决算数' | '12163398.18元，其中基本支出…',
    a numbered paragraph's first line cut short by a long figure). Not between table rows."""
    if text[line_start - 1] != "\n" or line_start < 2 or not _NO_SENTENCE_END.match(text[line_start - 2]):
        return False
    if not text[line_start : line_start + 1].isdigit():
        return False
    before = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
    if _HEADING_LINE.match(before):
        return False  # '二、项目资金安排情况' | '2021年本项目…': a heading ends its line
    end = text.find("\n", line_start)
    return "\t" not in before and "\t" not in text[line_start : end if end >= 0 else len(text)]


_HEADING_LINE = re.compile(r"\s*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]{1,2}[)）])[^，,。；;]{1,30}$")


def _scope(ctx: Context, label_start: int) -> tuple[str, bool]:
    """(scope, partial) of a label: the nearest scope word before it in its clause, else in its
    sentence; partial when the sentence qualifies the amount as 年初/追加/… only."""
    reason = lx.variant_regex(lx.REASON_CLAUSE)
    sentence = reason.sub("", _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _SENTENCE_END)))
    clause = reason.sub("", _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _CLAUSE_END)))
    # '其中基本支出…，项目支出…，预算执行率96.21%': a breakdown after 其中 scopes only its own
    # clauses; the sentence goes back to the whole department afterwards.
    sentence = sentence.split("其中")[0] if "其中" in sentence else sentence
    scope = "dept"
    for part in (clause, sentence):
        best_end = -1
        for name, pattern in lx.SCOPE_PATTERNS:
            for m in lx.variant_regex(pattern).finditer(part):
                if m.end() > best_end:
                    best_end, scope = m.end(), name
        if best_end >= 0:
            break
    statement = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _STATEMENT_END))
    # '年初预算X，年中追加Y，全年预算Z，累计支出W': a full-year figure ends the qualification.
    statement = _FULL_YEAR_WORD.split(statement)[-1]
    partial = bool(lx.variant_regex(lx.PARTIAL_QUALIFIERS).search(statement))
    return scope, partial


def _clause_partial(ctx: Context, label_start: int) -> bool:
    """A partial-year word (上半年, 追加, 结转 …) in the label's own clause."""
    clause = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _CLAUSE_END))
    return bool(lx.variant_regex(lx.PARTIAL_QUALIFIERS).search(clause))


_FULL_YEAR_WORD = lx.variant_regex(r"全年(?:预算|调整)|调整后|年度预算数")


def _is_threshold(ctx: Context, label_end: int, mention: NumberMention) -> bool:
    before = ctx.text[max(0, mention.norm_start - 6) : mention.norm_start]
    after = ctx.text[mention.norm_end : mention.norm_end + 4]
    gap = ctx.text[label_end : mention.norm_start]
    return bool(
        re.search(lx.THRESHOLD_BEFORE, before) or re.search(lx.THRESHOLD_AFTER, after) or re.search(r"达不到|不低于|不少于", gap)
    )


# --- document-level fields ---------------------------------------------------------------------

_ORG = r"[\u4e00-\u9fff（）()]{2,40}?(?:局|委员会|委|办公室|办|厅|院|中心|站|所|部|政府|馆|队|会|处|科|室|署)"


# An organisation that opens a clause and leads the work: '云岭省林业厅会同省财政厅…'.
_ACTING_ORG = re.compile(r"(?:^|(?<=[。，,；;\n]))(" + _ORG + r")(?:会同|牵头|联合)")


def _department(ctx: Context) -> Found | None:
    founds: list[Found] = []
    for label, cell in tb.labelled_values(ctx.tables, lx.DEPARTMENT_LABELS):
        name = re.sub(r"^[\dA-Za-z]+[-—－]", "", cell.text)  # a unit code before the name ('318-')
        if re.fullmatch(_ORG, name):
            strength = 3.6 - 0.2 * lx.DEPARTMENT_LABELS.index(label)
            start = cell.start + len(cell.text) - len(name) if not cell.more else cell.start
            founds.append(Found("department", name, start, start + len(name), label, strength, f"label {label}, form field", more=list(cell.more)))
    for s, e, label in _label_hits(ctx, lx.DEPARTMENT_LABELS):
        # 部门名称 beats 主管部门 beats 实施单位/填报单位: the record is about the budget unit.
        strength = 3.5 - 0.2 * lx.DEPARTMENT_LABELS.index(label)
        cell = _pair_value_cell(ctx, s, e)
        if cell is not None and re.fullmatch(_ORG, cell.text):
            founds.append(Found("department", cell.text, cell.start, cell.end, label, strength, f"label {label}, table pair"))
            continue
        tail = ctx.text[e : e + 80]
        # '主管部门：318-攸县司法局': a budget-unit code before the name is no part of it.
        m = re.match(r"\s*(?:[(（][^)）]{0,6}[)）])?[\s:：|]*(?:\d{3,12}[-—－])?(" + _ORG + r")(?![\u4e00-\u9fff])", tail)
        if m:
            start = e + m.start(1)
            founds.append(Found("department", m.group(1), start, e + m.end(1), label, strength, f"label {label}"))
            continue
        # A form flattened to one cell per line: the value on the line(s) below its label.
        value = _label_value(ctx, e)
        if value is not None and re.fullmatch(_ORG, value[0]):
            text, start, end, more = value
            founds.append(Found("department", text, start, end, label, strength, f"label {label}, cell below", more=more))
    title_line = ctx.layout.title
    # The organisation opens the title, before or after the year: 'X局2020年度…报告',
    # '2023年度X局部门整体…'; without a year after it, a report-scope word must follow.
    m = re.search(r"(?:\d{4}\s*年度?)?\s*(" + _ORG + r")\s*(?:\d{4}\s*年度?|(?=部门|单位|整体|项目|预算|专项))", title_line)
    if m:
        name = m.group(1)
        pos = ctx.text.find(name)
        if pos >= 0:
            founds.append(Found("department", name, pos, pos + len(name), None, 2.0, "title"))
    # Without a title block, the unit that acts in the body: '…X厅会同省财政厅…', 'X局牵头…'.
    if not founds:
        for m in _ACTING_ORG.finditer(ctx.text):
            founds.append(Found("department", m.group(1), m.start(1), m.end(1), None, 1.2, "acting unit in the body"))
            break
    # A signature line near the end: the organisation's name alone on a line.
    for line in reversed(ctx.layout.lines[-8:]):
        text = line.text.strip()
        if re.fullmatch(_ORG, text):
            s = line.start + line.text.index(text)
            founds.append(Found("department", text, s, s + len(text), None, 1.5, "signature"))
            break
    if not founds:
        return None
    # Prefer the fullest name: a label value may add the city (深圳市龙岗区… vs 龙岗区…).
    best = max(founds, key=lambda f: (f.score, len(f.value)))
    ctx.keep_candidates("department", founds, best)
    return best


def _pair_value_cell(ctx: Context, label_start: int, label_end: int) -> Cell | None:
    """The value of a label that is a whole table cell ('主管部门' | 'X局'): the next cell on its
    line; when that is empty, the cell under it on the next row. Label/value pair rows are
    broken into a labels line over a values line when the values sit lower in their cells
    (OCR reading order: '主管部门→→实施单位→' | '→X局→→Y中心')."""
    line = ctx.layout.line_at(label_start)
    if not line.is_table_row:
        return None
    cell = next((c for c in line.cells if c.start <= label_start and label_end <= c.end), None)
    if cell is None or re.sub(r"[\s:：]|[(（][^)）]{0,6}[)）]", "", ctx.text[label_end : cell.end]):
        return None  # the cell holds more than its label: a value in the same cell
    right = next((c for c in line.cells if c.column == cell.column + 1), None)
    if right is not None and not right.empty:
        return right
    below = ctx.layout.lines[line.index + 1] if line.index + 1 < len(ctx.layout.lines) else None
    if below is None or not below.is_table_row or any(not c.empty and c.column == cell.column for c in below.cells):
        return None  # the next line is no values line of this labels line
    return next((c for c in below.cells if c.column == cell.column + 1 and not c.empty), None)


def _fiscal_year(ctx: Context) -> Found | None:
    founds: list[Found] = []
    for s, e, label in _label_hits(ctx, ["被评价年度", "评价年度", "预算年度"]):
        m = re.match(r"[\s:：]*((?:19|20)\d{2})\s*年?", ctx.text[e : e + 20])
        if m:
            founds.append(Found("fiscal_year", int(m.group(1)), e + m.start(1), e + m.end(1), label, 4.0, f"label {label}"))
    title = ctx.layout.title
    m = re.search(r"((?:19|20)\d{2})\s*年", title)
    if m:
        pos = ctx.text.find(title[: m.end()].split(" ")[-1]) if title else -1
        ypos = ctx.text.find(m.group(1))
        if ypos >= 0:
            founds.append(Found("fiscal_year", int(m.group(1)), ypos, ypos + 4, None, 3.0, "title"))
    # The template's year line under the title: '项目支出绩效自评表' | '（2023年度）'.
    for line in ctx.layout.lines[:12]:
        m = re.fullmatch(r"\s*[(（]\s*((?:19|20)\d{2})\s*年度?\s*[)）][\s|]*", line.text)
        if m:
            founds.append(Found("fiscal_year", int(m.group(1)), line.start + m.start(1), line.start + m.end(1), None, 3.0, "year line under the title"))
            break
    # Years tied to the budget in the body: "2021年度年初部门预算", "2021年，…预算".
    counts: dict[int, list[int]] = {}
    for m in re.finditer(r"((?:19|20)\d{2})\s*年(?:度)?(?![\d月])", ctx.text):
        window = ctx.text[m.end() : m.end() + 40]
        if re.search(r"预算|支出|资金|绩效|部门|年末|工作", window):
            counts.setdefault(int(m.group(1)), []).append(m.start(1))
    if counts:
        year, positions = max(counts.items(), key=lambda kv: (len(kv[1]), -kv[1][0]))
        founds.append(Found("fiscal_year", year, positions[0], positions[0] + 4, None, 1.0 + min(len(positions), 10) / 10, "body"))
    if not founds:
        return None
    best = _vote_year(founds)
    ctx.keep_candidates("fiscal_year", founds, best)
    return best


def _vote_year(founds: list[Found]) -> Found:
    """A labelled year (被评价年度) is the answer. Otherwise the sources vote: a title that
    disagrees with the year line under it and with the body ('2021年度…报告' over '(2022年度)') is
    the stale one; each source weighs its score."""
    labelled = [f for f in founds if f.label]
    if labelled:
        return max(labelled, key=lambda f: f.score)
    weight: dict[int, float] = {}
    for f in founds:
        weight[f.value] = weight.get(f.value, 0.0) + f.score
    year = max(weight, key=lambda y: (weight[y], max(f.score for f in founds if f.value == y)))
    return max((f for f in founds if f.value == year), key=lambda f: f.score)


_CELL_END = re.compile(r"\s*\|?\s*$")
# The words that open the next field of a form: a value stops before them ('项目名称 X 主管部门 Y').
_NEXT_FIELD = re.compile(
    r"\s+(?=(?:" + "|".join(map(re.escape, lx.SUBJECT_LABELS + lx.DEPARTMENT_LABELS + lx.FORM_FIELD_LABELS)) + r")(?:[\s:：|]|$))"
)


def _label_value(ctx: Context, label_end: int) -> tuple[str, int, int, list[tuple[int, int]]] | None:
    """The value printed after a form label, however the form was flattened: in the same cell
    line up to the next field's label ('项目名称 X 主管部门 Y'), or, when the label stands alone
    in its cell line ('项目名称 |'), on the lines below it up to the next label line (a value
    wrapped over two cell lines is joined: '普通高中课 |' + '程改革经费 |').
    (text, start, end, more spans) in normalised offsets, or None."""
    line = ctx.layout.line_at(label_end)
    rest = ctx.text[label_end : line.end]
    lead = re.match(r"[\s:：|]*", rest).end()
    if rest[lead:].strip(" |"):
        if "\t" in rest[:lead]:
            return None  # a table cell: the typed tables answer for it
        body = rest[lead:]
        stop = _NEXT_FIELD.search(body)
        body = body[: stop.start()] if stop else re.split(r"\t| \|", body)[0]
        body = body.rstrip(" |")
        start = label_end + lead
        if not body:
            return None
        more = []
        if not stop and not _COMPLETE_NAME.search(body):
            # A value cut by the cell's width: '项目名称 基本公共卫' | '生服务项目'.
            nxt = ctx.layout.lines[line.index + 1] if line.index + 1 < len(ctx.layout.lines) else None
            wrap = nxt.text.strip() if nxt is not None else ""
            if 0 < len(wrap) <= 12 and not re.search(r"[\s\t|:：，。]", wrap) and not NUMBERING.match(wrap) and not _NEXT_FIELD.match(" " + wrap):
                at = nxt.start + nxt.text.index(wrap)
                more = [(at, at + len(wrap))]
        text = squash_cell(body + "".join(ctx.text[a:b] for a, b in more))
        return text, start, start + len(body), more
    if rest.strip() not in ("", "|"):
        return None
    if not rest.strip() and line.text.strip() != ctx.text[line.start : label_end].strip():
        return None  # a label alone on its line, with nothing before it, or no form field
    pieces: list[tuple[int, int]] = []
    for nxt in ctx.layout.lines[line.index + 1 : line.index + 4]:
        text = nxt.text.strip()
        core = _CELL_END.sub("", text)
        if not core or _NEXT_FIELD.match(" " + core) or tb.is_numeric(core) or NUMBERING.match(core) or len(core) > 60:
            break
        start = nxt.start + nxt.text.index(core)
        if not pieces:
            code = lx.CODE_PREFIX.match(core)
            if code and len(core) - code.end() >= 2:
                start, core = start + code.end(), core[code.end() :]
        pieces.append((start, start + len(core)))
        if len(pieces) == 2 or _COMPLETE_NAME.search(core):
            break
    if not pieces:
        return None
    text = "".join(ctx.text[a:b] for a, b in pieces)
    return squash_cell(text), pieces[0][0], pieces[0][1], pieces[1:]


# A name that ends as names of funds and units end: nothing of it is left on the next line.
_COMPLETE_NAME = re.compile(r"(?:资金|经费|项目|工程|补助|补贴|局|中心|委员会|政府|大队|办公室)$")


def _subject(ctx: Context, report_type: str | None) -> Found | None:
    if tb.forms(ctx.tables):
        return None  # a page of several one-project forms evaluates no single subject
    for label, cell in tb.labelled_values(ctx.tables, lx.SUBJECT_LABELS):
        name = tb.clean_name(cell, codes=True)
        return Found("subject", name.text, name.start, name.end, label, 3.0, f"label {label}, form field", more=list(name.more))
    for s, e, label in _label_hits(ctx, lx.SUBJECT_LABELS):
        value = _label_value(ctx, e)
        if value is not None:
            text, start, end, more = value
            code = lx.CODE_PREFIX.match(text)
            if code and len(text) - code.end() >= 2 and not more:
                text, start = text[code.end() :], start + code.end()
            if not re.search(r"主管部门|实施单位|预算|单位", text) and len(text) >= 2:
                return Found("subject", text, start, end, label, 3.0, f"label {label}", more=more)
        line = ctx.layout.line_at(s)
        tail = ctx.text[e : line.end]
        m = re.match(r"[\s:：]*([^\t\n]{2,60}?)\s*(?:\t|$)", tail)
        if m and not re.search(r"主管部门|实施单位|预算|单位", m.group(1)):
            if line.is_table_row and len(line.filled()) > 4:
                continue  # a column header of a multi-project table, not a label-value pair
            value = squash_cell(m.group(1))
            start = e + m.start(1)
            return Found("subject", value, start, e + m.end(1), label, 3.0, f"label {label}")
    # A report on one fund names it in the title; neither the place nor the year evaluated before
    # it is part of the fund's name ('…2023年度中央水利发展资金绩效自评报告' → 中央水利发展资金).
    title = ctx.layout.title
    # '…专项资金项目绩效自评报告': the fund is named; 项目 after it only says it is run as a project.
    m = re.search(r"(?:\d{4}\s*年度?)?([\u4e00-\u9fff“”\"（）()]{4,40}?(?:资金|经费|项目))\s*(?:项目)?\s*(?:支出)?\s*(?:绩效)?(?:自评|评价)", title)
    if not title and report_type in ("project_report", "project_table"):
        return _subject_from_body(ctx)
    if m and names_one_project(title) and "部门" not in m.group(1) and "整体" not in m.group(1):
        name = m.group(1)
        pos = ctx.text.find(name)
        if pos >= 0:
            return Found("subject", name, pos, pos + len(name), None, 2.0, "title")
    return None


_PROSE_SCORE = re.compile(
    lx.with_variants(r"(?:自评|评价|综合|本项目|该项目|本部门|整体|总)\s*(?:得分|评分|得|总分)\s*(?:为|是|:|：)?\s*(\d{1,3}(?:\.\d+)?)\s*分")
)


# A fund or project named as what was budgeted or evaluated: '2024年全省X补助资金全年预算…',
# 'X专项资金绩效自评得分为…'.
_SUBJECT_IN_BODY = re.compile(
    r"(?:(?:19|20)\d{2}年度?)(?:全省|全市|全县|全区|全州|全旗|全镇)?([\u4e00-\u9fff]{2,30}?(?:资金|经费|专项))"
    r"(?=全年预算|预算|绩效自评|自评得分|绩效评价)"
)


def _subject_from_body(ctx: Context) -> Found | None:
    """A report without a title names its fund in its money and conclusion sentences: the name
    printed most often there, first occurrence as evidence."""
    by_name: dict[str, list[re.Match[str]]] = {}
    for m in _SUBJECT_IN_BODY.finditer(ctx.text):
        by_name.setdefault(m.group(1), []).append(m)
    if not by_name:
        return None
    name, matches = max(by_name.items(), key=lambda kv: (len(kv[1]), -kv[1][0].start()))
    first = matches[0]
    return Found("subject", name, first.start(1), first.end(1), None, 1.5, "fund named in the body")


def _score_and_grade(ctx: Context) -> tuple[Found | None, Found | None]:
    if tb.forms(ctx.tables):
        return None, None  # a page of several one-project forms: each form scores its own project
    scores: list[Found] = []
    for s, e, label in _label_hits(ctx, lx.SCORE_LABELS):
        if re.search(r"复核|评审|核定$", ctx.text[max(0, s - 2) : s]):
            continue  # '复核总分95': the reviewers' score, another quantity than the self-evaluation's
        mention = ctx.number_after(e, max_gap=6)
        if mention and mention.value == 100:
            # '总分 | 100 | 98.82': the points of the total row, then its score.
            following = ctx.number_after(mention.norm_end, max_gap=6)
            line_end = ctx.text.find("\n", mention.norm_end)
            if following and (line_end < 0 or following.norm_start < line_end) and 0 < following.value < 100:
                mention = following
        if mention and mention.unit in (None, "分") and 0 < mention.value <= 100:
            strength = 3.0 if label != "总分" else 2.0
            scores.append(Found("evaluation.score", mention.value, mention.norm_start, mention.norm_end, label, strength, f"label {label}"))
    # '自评得96.5分', '本项目得分92分', '综合评分为88分', '整体评价得分为90.5分': a score the
    # sentence gives the whole report (not '该指标得分5分').
    for m in _PROSE_SCORE.finditer(ctx.text):
        if float(m.group(1)) <= 100:
            scores.append(Found("evaluation.score", float(m.group(1)), m.start(1), m.end(1), "…得分…分", 3.0, "prose"))
    # The total row of a score table: 合计 … 100 … total.
    # Where the table has 分值 and 得分 / 自评分 columns (beside a 复核分), their cells; else the
    # row's last two figures.
    for table in ctx.tables:
        points_col, score_col = table.column("points"), table.column("score")
        for row in table.rows:
            cells = row.filled()
            if not (cells and cells[0].text in ("合计", "总计", "总分") and len(cells) >= 3):
                continue
            figure = re.compile(r"\d{1,3}(?:\.\d+)?")
            points, score = row.cell(points_col), row.cell(score_col)
            if not (points and score and figure.fullmatch(points.text) and figure.fullmatch(score.text)):
                nums = [c for c in cells[1:] if figure.fullmatch(c.text)]
                if len(nums) < 2:
                    continue
                points, score = nums[-2], nums[-1]
            if float(points.text) == 100 and float(score.text) <= 100:
                scores.append(Found("evaluation.score", float(score.text), score.start, score.end, cells[0].text, 2.5, "score table total row"))
    grades: list[Found] = []
    for s, e, label in _label_hits(ctx, lx.GRADE_LABELS):
        m = re.match(r"[\s:：]*(?:为|是|评定为|结果为)?\s*[“\"'「『]?\s*([优良中差])(?:秀|好|等)?", ctx.text[e : e + 14])
        if m:
            start = e + m.start(1)
            strength = 1.0 if label == "等级" else 3.0
            grade = Found("evaluation.grade", m.group(1), start, start + 1, label, strength, f"label {label}")
            grade.as_printed = True  # a category, always in simplified characters (優 -> 优)
            grades.append(grade)
    best_score = max(scores, key=lambda f: f.score) if scores else None
    best_grade = max(grades, key=lambda f: f.score) if grades else None
    ctx.keep_candidates("evaluation.score", scores, best_score)
    ctx.keep_candidates("evaluation.grade", grades, best_grade)
    return best_score, best_grade


# --- budget ------------------------------------------------------------------------------------


def _budget_candidates(ctx: Context) -> dict[str, list[Found]]:
    """Candidates keyed by record path (budget.initial, budget.basic.budget, …)."""
    out: dict[str, list[Found]] = {}
    labels = dict(lx.BUDGET_LABELS)
    generic = {"预算安排": 1.5, "安排资金": 1.5, "预算": 0.8, "安排": 0.8}
    hits = _label_hits(ctx, list(labels) + list(generic) + list(lx.SCOPE_LABELS))
    item_spans = _Spans(ctx.layout.section_body(h) for h in _project_headings(ctx))
    project_level = ctx.layout.report_type in PROJECT_LEVEL_TYPES
    for s, e, label in hits:
        scope, partial = _scope(ctx, s)
        if project_level:
            # A report on one project or fund: its 项目资金 is the subject's whole budget, and the
            # department's own total ('我局部门预算总额…') is none of the subject's money.
            if _DEPARTMENT_TOTAL.search(_sentence_prefix(ctx.text, s, _SENTENCE_END)):
                continue
            if scope == "project" or (scope == "other" and _only_fund_kind_words(ctx, s)):
                scope = "dept"
        mention = ctx.number_after(e)
        if mention is None:
            # A labels line over a values line ('→实际支出数→→预算完成率→' | '→→8,067.41→→96.0%'):
            # the figure sits in the cell under the label's value cell.
            cell = _pair_value_cell(ctx, s, e)
            mention = next(iter(ctx.numbers_between(cell.start, cell.end)), None) if cell is not None else None
        if mention is None or _in_score_column(ctx, mention) or ctx.text.startswith("分", mention.norm_end):
            continue  # points ('预算执行情况(10分)'), not money
        gap = ctx.text[e : mention.norm_start]
        if "\n" not in gap and lx.variant_regex(lx.FUNDING_PART).search(gap):
            continue  # '安排配套资金12万元': the figure of one funding-source part, not of the label
        if label in lx.SCOPE_LABELS:
            scope = lx.SCOPE_LABELS[label]
            measure = _breakdown_measure(ctx, s)
            meanings = [(measure, 1.8)]
            statement = _sentence_prefix(ctx.text, s, _STATEMENT_END)
            # '项目支出年初预算600万元': the words between the label and its figure qualify it too.
            qualified = _PAREN.sub("", statement) + ctx.text[e : mention.norm_start]
            partial = bool(lx.variant_regex(lx.PARTIAL_QUALIFIERS).search(qualified))
        elif label in generic:
            meanings = [("budget", generic[label])]
        else:
            meanings = labels[label]
        for meaning, strength in meanings:
            is_rate = meaning in lx.RATE_FIELDS
            if is_rate:
                if mention.unit != "%" or _is_threshold(ctx, e, mention):
                    continue
                value = mention.value
            else:
                value = ctx.amount_of(mention, e)
                if value is None:
                    continue
            path = _path_for(meaning, scope, label)
            if path is None:
                continue
            if scope == "dept" and s in item_spans:
                continue  # inside one project's own section: that project's money, not the department's
            if label not in lx.SCOPE_LABELS and _in_named_item(ctx, s):
                continue  # a list item's own money ('2.X资金：全年预算…'), whatever heading is above it
            # A scoped 年初 figure is the opening part of the year, not the full-year budget; a
            # label that says 全年 / 调整后 is the full year whatever qualifies the figures before it
            # ('项目支出年初预算600万元，追加预算100万元，全年预算700万元').
            full_year = meaning == "adjusted" and bool(re.match(r"全年|调整后", label))
            partial = (partial and not full_year) or (scope != "dept" and meaning == "initial")
            score = strength - (3.0 if partial and scope != "dept" else 0.0)
            weak = label in lx.SUPPORT_ONLY_LABELS
            if weak and scope == "dept" and _in_budget_chain(ctx, s, mention.norm_end):
                weak, score = False, score + 1.0
                label_reason = ", between initial and full-year budget"
            else:
                label_reason = ""
            value_start = mention.norm_start
            if label in lx.NEGATIVE_LABELS:
                # The sign is the word, not the numeral: the evidence quotes both ('调减预算227.42万元').
                value, value_start = -value, s
            if partial and meaning == "actual" and not _clause_partial(ctx, s):
                # '年初预算安排X，截至年底已支付Y': 年初 qualifies the budget, not the spending.
                partial = False
            if partial and scope == "dept" and meaning in ("adjusted", "actual", "budget"):
                score -= 1.5
            if scope == "dept" and label not in lx.SCOPE_LABELS and _in_breakdown_list(ctx, s):
                # '…已支付55.43万元。其中，A预算24.32万元，实际支出20.72万元；B…': a part's figure.
                # Weaker, not gone: arithmetic may still show it is the department's own.
                score -= 1.5
            suspect = mention.unit == "元" and ctx.money_unit == "万元" and mention.value < 10000
            if suspect:
                score -= 1.0
            reason = (
                f"label {label}"
                + label_reason
                + (f", scope {scope}" if scope != "dept" else "")
                + (", partial-year qualifier" if partial else "")
                + (", 元 amount in a 万元 report" if suspect else "")
            )
            out.setdefault(path, []).append(Found(path, value, value_start, mention.norm_end, label, score, reason, scope, weak))
    return out


_SPENDING_WORDS = r"实际支出|执行数|执行了|支出了|决算|支付|使用|拨付|累计支出"


# Columns whose figures are points, scores or row numbers, never money ('预算执行率 | 10 | 9.5').
_NOT_MONEY_ROLES = {"points", "score", "review_score", "seq"}


def _in_score_column(ctx: Context, mention: NumberMention) -> bool:
    found = ctx.view.cell_at(mention.norm_start) if ctx.view is not None else None
    return found is not None and found[0].role(found[1].column) in _NOT_MONEY_ROLES


def _breakdown_measure(ctx: Context, label_start: int) -> str:
    """What a 基本支出/项目支出/三公 figure measures. A 其中 list breaks down the figure stated just
    before it, across its '；' ('全年实际支出X万元，其中基本支出…；项目支出…'), and a statement that
    opens with 其中 breaks down the one before it ('全年实际支出X万元，预算执行率Y%。其中基本支出…').
    Without 其中, the sentence's own words say it ('基本支出实际支出…')."""
    statement = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _STATEMENT_END)).split("\n")[-1]
    if "其中" not in statement:
        prefix = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _SENTENCE_END))
        return "actual" if lx.variant_regex(_SPENDING_WORDS + r"|执行").search(prefix) else "budget"
    head = statement[: statement.rfind("其中")]
    if not head.strip(" ,，:："):
        start = label_start - len(statement)
        head = _PAREN.sub("", _sentence_prefix(ctx.text, max(start - 1, 0), _STATEMENT_END)).split("\n")[-1]
    # The breakdown follows the last amount stated before it; rates (预算执行率) state no amount.
    amounts = lx.variant_regex(r"预算|安排|" + _SPENDING_WORDS).findall(re.sub(r"[^，,。；;]{0,8}率", "", head))
    if amounts and not re.fullmatch(lx.with_variants(r"预算|安排"), amounts[-1]):
        return "actual"
    return "budget"


def _in_named_item(ctx: Context, pos: int) -> bool:
    """The position lies in a numbered list item that names a project or fund: the figures there
    are that item's, not the whole report's (DocumentView.item_name_at)."""
    return ctx.view is not None and ctx.view.item_name_at(pos) is not None


class _Spans:
    """A union of [start, end) spans that answers 'is this offset inside one' by bisection (a
    scan of every project section per budget label was quadratic in a long document)."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [a for a, _ in merged]
        self._ends = [b for _, b in merged]

    def __contains__(self, offset: int) -> bool:
        i = bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]


_OTHER_SCOPE = lx.variant_regex(dict(lx.SCOPE_PATTERNS)["other"])


def _in_breakdown_list(ctx: Context, label_start: int) -> bool:
    """The label stands inside a 其中 list of named parts: its statement has 其中 before it, and
    the words between the 其中 (or the last '；') and the label name something."""
    statement = _sentence_prefix(ctx.text, label_start, _STATEMENT_END).split("\n")[-1]
    if "其中" not in statement:
        return False
    part = re.split(r"其中[,，:：]?|[；;]", statement)[-1]
    return bool(re.search(r"[\u4e00-\u9fff]{2,}", re.sub(r"[\d.]+\s*(?:万元|亿元|元)?[,，]?", "", part)))


def _only_fund_kind_words(ctx: Context, label_start: int) -> bool:
    """The only narrower-scope word of the sentence names the kind of fund the report is about
    ('下达…转移支付资金2.44亿元，已支付…'), which in a fund's own report is its whole money."""
    words = set(_OTHER_SCOPE.findall(_sentence_prefix(ctx.text, label_start, _SENTENCE_END)))
    return bool(words) and words <= {"转移支付", "轉移支付"}


_DEPARTMENT_TOTAL = lx.variant_regex(r"部门(?:预算|决算|整体|收支)|单位预算总额|全局预算|部门总预算")


def _in_budget_chain(ctx: Context, label_start: int, value_end: int) -> bool:
    """'年初预算X，年中追加预算Y，调整后预算Z': the change sits between an initial-budget label
    before it and a full-year-budget label after it, in one statement (lexicon CHAIN_*)."""
    before = _PAREN.sub("", _sentence_prefix(ctx.text, label_start, _STATEMENT_END))
    stop = _STATEMENT_END.search(ctx.text, value_end)
    after = _PAREN.sub("", ctx.text[value_end : stop.start() if stop else len(ctx.text)])
    return bool(lx.variant_regex(lx.CHAIN_INITIAL).search(before) and lx.variant_regex(lx.CHAIN_ADJUSTED).search(after))


# '下达我县中央财政农田建设补助资金3,860万元': the amount a transfer fund's notice allocates. The
# fund's name may wrap over a line and carry its year ('下达我旗2023年中央水利发展资金2480万元'); the
# amount follows it directly (共/合计 aside).
_ALLOCATION = re.compile(
    r"下达(?:给|到|至)?(?P<name>(?:[\u4e00-\u9fff“”\n]|(?<!\d)\d{4}年度?){2,40}?(?:资金|经费|补助))[\s:：]*(?:共计?|合计|总计)?[\s:：]*(?=\d)"
)
# An allocation that is one part of the fund's money: one batch of several ('分两批下达…，第一批…'),
# or a part listed after 其中 (the central / provincial shares of the fund).
_PART_OF_FUND = re.compile(r"第[一二三四五六七八九十\d]+批|分[两二三四五六\d]+批|其中")


def _allocation_candidates(ctx: Context) -> list[Found]:
    """The allocated amount of a project-level report (one fund or project): transfer-fund reports
    often print only '下达…资金 N 万元' or 补助金额 N. Without a 年初 label that single figure is the
    fund's full-year budget (gold README), never its initial one; a batch or a 其中 part is a funding
    source, not the fund's budget. In a department report such sentences allocate a single fund,
    so they are read only here."""
    if ctx.layout.report_type not in PROJECT_LEVEL_TYPES:
        return []
    founds = []
    for m in _ALLOCATION.finditer(ctx.text):
        mention = ctx.number_after(m.end(), max_gap=0)
        if mention is None or mention.unit not in MONEY_UNITS:
            continue
        if _PART_OF_FUND.search(_sentence_prefix(ctx.text, mention.norm_start, _SENTENCE_END)):
            continue
        value = to_wan(mention.value, mention.unit)
        founds.append(Found("budget.adjusted", value, mention.norm_start, mention.norm_end, "下达", 2.0, "allocated amount"))
    for s, e, label in _label_hits(ctx, ["补助金额", "下达金额", "下达资金"]):
        mention = ctx.number_after(e)
        if mention is None or _PART_OF_FUND.search(_sentence_prefix(ctx.text, mention.norm_start, _SENTENCE_END)):
            continue
        if (value := ctx.amount_of(mention, e)) is not None:
            founds.append(Found("budget.adjusted", value, mention.norm_start, mention.norm_end, label, 2.0, f"label {label}"))
    return founds


def _path_for(meaning: str, scope: str, label: str) -> str | None:
    if scope == "other":
        return None
    if scope == "dept":
        if meaning == "budget":
            return "budget.adjusted"
        return f"budget.{meaning}"
    if meaning in ("execution_rate", "adjustment_rate", "adjustment"):
        return None
    part = "actual" if meaning == "actual" else "budget"
    return f"budget.{scope}.{part}"


def _close(stated: float, computed: float, decimals: int = 2) -> bool:
    """A printed rate agrees with a computed one at its printed precision (or truncated)."""
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    return abs(stated - computed) <= tolerance or (0 <= computed - stated < 2 * tolerance)


def _choose_budget(ctx: Context, cands: dict[str, list[Found]]) -> dict[str, Found]:
    """Pick department-level figures jointly, rewarding arithmetic that holds between them."""
    fields = ["initial", "adjusted", "adjustment", "actual", "execution_rate", "adjustment_rate"]
    options: dict[str, list[Found | None]] = {}
    for name in fields:
        founds = [f for f in cands.get(f"budget.{name}", []) if f.score > 0]
        best_by_value: dict[float, Found] = {}
        for f in sorted(founds, key=lambda f: (-f.score, f.start)):
            best_by_value.setdefault(round(f.value, 4), f)
        options[name] = [None, *list(best_by_value.values())[:4]]

    def total(choice: dict[str, Found | None]) -> float:
        spans = [(f.start, f.end) for f in choice.values() if f is not None]
        if len(spans) != len(set(spans)):
            return float("-inf")
        value = {k: (f.value if f else None) for k, f in choice.items()}
        score = sum(f.score for f in choice.values() if f)
        ini, adj, chg, act = value["initial"], value["adjusted"], value["adjustment"], value["actual"]
        rate, arate = value["execution_rate"], value["adjustment_rate"]
        if rate is not None and act is not None:
            if adj:
                score += 4 if _close(rate, act / adj * 100, 1) else 0
            elif ini and chg is not None and ini + chg:
                score += 4 if _close(rate, act / (ini + chg) * 100, 1) else 0
            elif ini:
                score += 2 if _close(rate, act / ini * 100, 1) else 0
        if arate is not None and ini:
            if adj is not None and _close(arate, abs(adj - ini) / ini * 100, 1):
                score += 3
            elif chg is not None and _close(arate, abs(chg) / ini * 100, 1):
                score += 3
        supported: set[str] = set()
        if ini is not None and chg is not None and adj is not None:
            if abs(ini + chg - adj) < 0.015:
                score += 3
                supported |= {"initial", "adjustment", "adjusted"}
            else:
                score -= 1
        if chg is not None and ini and rate is not None and act is not None and ini + chg and _close(rate, act / (ini + chg) * 100, 1):
            supported.add("adjustment")
        if chg is not None and ini and arate is not None and _close(arate, abs(chg) / ini * 100, 1):
            supported.add("adjustment")
        if any(f is not None and f.needs_support and k not in supported for k, f in choice.items()):
            return float("-inf")
        if act is not None and adj:
            score += 1 if 0.3 <= act / adj <= 1.2 else -1
        return score

    best_choice, best_total = None, float("-inf")
    for combo in itertools.product(*(options[name] for name in fields)):
        choice = dict(zip(fields, combo))
        t = total(choice)
        if t > best_total:
            best_choice, best_total = choice, t
    chosen = {f"budget.{k}": f for k, f in (best_choice or {}).items() if f is not None}
    for name in fields:
        path = f"budget.{name}"
        ctx.keep_candidates(path, cands.get(path, []), chosen.get(path))
    return chosen


def _choose_scoped(ctx: Context, cands: dict[str, list[Found]]) -> dict[str, Found]:
    chosen = {}
    for path, founds in cands.items():
        if path.count(".") != 2:
            continue
        best = max(founds, key=lambda f: (f.score, -f.start))
        if best.score > 0:
            chosen[path] = best
        ctx.keep_candidates(path, founds, chosen.get(path))
    return chosen


def _budget_from_grid(ctx: Context) -> dict[str, list[Found]]:
    """Money grids (pipeline.tables): columns whose header names a budget figure (年初预算数 全年预算数
    全年执行数 执行率 …, a lone 合计 of funding-source columns) and rows labelled 年度资金总额 / 基本支出 /
    项目支出 / “三公”经费 …; a row's label and figures printed on two lines are one row there."""
    out: dict[str, list[Found]] = {}
    multi_form = bool(tb.forms(ctx.tables))
    for table in ctx.tables:
        if multi_form and table.form > 0:
            continue  # one project's money on a page of several one-project forms
        columns = _grid_columns(table)
        if len(columns) < 2:
            continue
        for row in table.rows:
            row_label = _squash(row.label)
            scope = _row_scope(row_label)
            if scope is None:
                continue
            shift = _row_shift(row, columns)
            for col, (meaning, label) in columns.items():
                cell = row.cell(col - shift)
                if cell is None or cell.empty:
                    continue
                mention = _cell_figure(ctx, cell)
                if mention is None:
                    continue
                if meaning in lx.RATE_FIELDS:
                    value = mention.value
                else:
                    value = to_wan(mention.value, mention.unit if mention.unit in MONEY_UNITS else table.unit)
                path = _path_for(meaning, scope, label)
                if path:
                    strength = lx.BUDGET_LABELS.get(label, [("", 2.5)])[0][1] + 0.5
                    if scope != "dept" and meaning == "initial":
                        strength -= 3.0  # the 年初 column of a 基本支出 row is not its full-year budget
                    out.setdefault(path, []).append(
                        Found(path, value, mention.norm_start, mention.norm_end, label, strength, f"table column {label}, row {row_label}", scope)
                    )
    return out


def _row_shift(row: tb.Row, columns: dict[int, tuple[str, str]]) -> int:
    """Columns a row's figures stand off from their header (a group header such as '年度预算数'
    read as a column of its own on a form flattened to one cell per line): the rate's '%' tells.
    0 when the percent sits under the rate column, or when the row says nothing."""
    rate_cols = [c for c, (meaning, _) in columns.items() if meaning == "execution_rate"]
    percent = [c.column for c in row.filled() if c.text.rstrip().endswith("%")]
    if len(rate_cols) != 1 or len(percent) != 1 or percent[0] == rate_cols[0]:
        return 0
    shift = rate_cols[0] - percent[0]
    meaning_there = columns.get(percent[0], ("", ""))[0]
    return shift if abs(shift) == 1 and meaning_there not in lx.RATE_FIELDS else 0


@dataclass
class _Figure:
    """A figure the table reader split out of figures printed run together ('194.9194.9100%'),
    where the number scanner read other numbers: the same fields rules read of a mention."""

    value: float
    unit: str | None
    norm_start: int
    norm_end: int


def _cell_figure(ctx: Context, cell: tb.TableCell) -> NumberMention | _Figure | None:
    """The figure a table cell prints."""
    if cell.value is not None:
        return _Figure(cell.value, "%" if cell.text.endswith("%") else None, cell.start, cell.end)
    return next(iter(ctx.numbers_between(cell.start, cell.end)), None)


_BUDGET_LABELS_LONGEST_FIRST = sorted(lx.BUDGET_LABELS.items(), key=lambda kv: -len(kv[0]))  # sorted once, not per cell
_ROLE_MEANING = {"initial": "initial", "adjusted": "adjusted", "adjustment": "adjustment", "actual": "actual", "rate": "execution_rate"}


def _grid_columns(table: tb.Table) -> dict[int, tuple[str, str]]:
    """column -> (budget meaning, label) of a money grid's columns, from their roles; the label is
    the lexicon label the header names (its strength ranks the candidates), else the header's own
    words. A lone budget or 合计 column is the full-year budget (a single unlabelled figure)."""
    columns: dict[int, tuple[str, str]] = {}
    has_full_year = bool(table.columns_with("adjusted"))
    for col, column in table.columns.items():
        meaning = _ROLE_MEANING.get(column.role)
        if meaning is None and column.role in ("budget", "total") and not has_full_year:
            meaning = "adjusted"
        if meaning is None:
            continue
        core = tb.header_core(column.leaf or column.header)
        label = next((lab for lab, _ in _BUDGET_LABELS_LONGEST_FIRST if core == lab or (core.endswith(lab) and len(core) - len(lab) <= 2)), core)
        columns[col] = (meaning, label)
    return columns


def _row_scope(label: str) -> str | None:
    if any(label.startswith(t) for t in lx.TOTAL_ROW_LABELS) or label in ("部门资金", "资金情况", "预算资金"):
        return "dept"
    if "基本支出" in label:
        return "basic"
    if "项目支出" in label:
        return "project"
    if "三公" in label:
        return "three_public"
    return None


# --- lists: projects -------------------------------------------------------------------------


@dataclass
class ProjectRow:
    name: Found
    budget: Found | None = None
    actual: Found | None = None
    rate: Found | None = None

    def as_project(self) -> Project:
        return Project(
            name=self.name.value,
            budget=self.budget.value if self.budget else None,
            actual=self.actual.value if self.actual else None,
            execution_rate=self.rate.value if self.rate else None,
        )


def _is_number_cell(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d[\d,，]*(?:\.\d+)?\s*%?", text.replace(" ", "")))


def _table_projects(ctx: Context, table: tb.Table) -> list[ProjectRow]:
    """Rows of a multi-project table (pipeline.tables: a 项目名称 column and money columns).
    The budget and actual columns named by the header are confirmed by arithmetic (rate ≈
    actual / budget on most rows), because OCR shifts header fragments between columns."""
    name_col = table.column("project_name")
    if name_col is None and table.columns_with("actual", "budget", "adjusted"):
        # A detail table of what the money paid for ('支出内容 | 支出金额'): its items are the uses.
        name_col = table.column("content")
    if name_col is None or table.kind == "money" or not table.header:
        return []
    rows: list[tuple[tb.Row, dict[int, NumberMention]]] = []
    for row in table.rows:
        nums = {}
        for cell in row.cells:
            if cell.text and _is_number_cell(cell.text):
                mention = _cell_figure(ctx, cell)
                if mention:
                    nums[cell.column] = mention
        rows.append((row, nums))

    rate_col = table.column("rate")
    budget_col = actual_col = None
    # Arithmetic: the (budget, actual) column pair whose ratio matches the rate column.
    if rate_col is not None:
        best = (0, None, None)
        numeric_cols = sorted({c for _, nums in rows for c in nums if c != rate_col})
        for b, a in itertools.permutations(numeric_cols, 2):
            hits = 0
            for _, nums in rows:
                if b in nums and a in nums and rate_col in nums and nums[b].value:
                    if _close(nums[rate_col].value, nums[a].value / nums[b].value * 100, 1):
                        hits += 1
            if hits > best[0] or (hits == best[0] and best[1] is not None and (b, a) < (best[1], best[2])):
                best = (hits, b, a)
        if best[0] >= max(1, len(rows) // 2):
            budget_col, actual_col = best[1], best[2]
    if budget_col is None:
        budget_col = next((c for c in (table.column(r) for r in ("adjusted", "budget", "initial")) if c is not None and c != rate_col), None)
        actual_col = next((c for c in (table.column(r) for r in ("actual", "total")) if c is not None and c not in (rate_col, budget_col)), None)
    if budget_col is None and actual_col is None and rate_col is None:
        return []

    def label(col: int) -> str:
        column = table.columns.get(col)
        return (column.leaf or column.header) if column else ""

    projects: list[ProjectRow] = []
    orphan: dict[str, Found] = {}  # figures of a row without a name: the next named row's, if it has none
    for row, nums in rows:
        values: dict[str, Found] = {}
        for key, col in (("budget", budget_col), ("actual", actual_col), ("rate", rate_col)):
            if col is not None and col in nums:
                m = nums[col]
                value = m.value if key == "rate" else to_wan(m.value, m.unit if m.unit in MONEY_UNITS else table.unit)
                values[key] = Found(f"projects[].{key}", value, m.norm_start, m.norm_end, label(col), 2.0, f"column {table.header_text(col)}")
        name_cell = row.cell(name_col)
        if name_cell is None or not name_cell.text:
            orphan = values  # a value printed on the line above its row label
            continue
        name_cell = tb.clean_name(name_cell, codes=True)
        name = name_cell.text
        if _is_number_cell(name) or any(name.startswith(t) for t in lx.TOTAL_ROW_LABELS) or len(name) > 60 or _FUNDING_SOURCE.search(name):
            orphan = {}
            continue  # totals and funding-source rows (其中：财政拨款, 中央资金) are no projects
        if not values:
            values = orphan
        orphan = {}
        if not values:
            continue
        name_found = Found("projects[].name", name, name_cell.start, name_cell.end, label(name_col), 2.0, "table row", more=list(name_cell.more))
        projects.append(ProjectRow(name_found, values.get("budget"), values.get("actual"), values.get("rate")))
    return projects


_ITEM_SPENT = re.compile(
    r"(?m)^[ \t]*\d{1,2}[、.．][ \t]*(?P<name>[^\n，,。；:：]{2,40}?)(?:使用|支出|执行)[ \t]*(?P<amount>\d[\d.,]*)[ \t]*万元"
)


def _prose_spent_items(ctx: Context) -> list[ProjectRow]:
    """'1、应急管理工作经费使用 190.27 万元，完成率 100%' — spent amounts with rates."""
    rows = []
    for m in _ITEM_SPENT.finditer(ctx.text):
        name = m.group("name").strip()
        name = re.sub(r"(经费)\1$", r"\1", name)
        amount = next(iter(ctx.numbers_between(m.start("amount"), m.end("amount"))), None)
        if amount is None:
            continue
        row = ProjectRow(
            Found("projects[].name", name, m.start("name"), m.start("name") + len(m.group("name").strip()), None, 2.0, "enumerated item"),
            actual=Found("projects[].actual", to_wan(amount.value, "万元"), amount.norm_start, amount.norm_end, "使用", 2.0, "item spent"),
        )
        tail = ctx.text[m.end() : m.end() + 30]
        rate = re.search(r"^[^。\n]{0,6}?(?:完成率|执行率|支出率)[ \t]*(\d+(?:\.\d+)?)[ \t]*%", tail)
        if rate:
            start = m.end() + rate.start(1)
            mention = next(iter(ctx.numbers_between(start, start + len(rate.group(1)))), None)
            if mention:
                row.rate = Found("projects[].execution_rate", mention.value, mention.norm_start, mention.norm_end, "完成率", 2.0, "item rate")
        rows.append(row)
    return rows


def _heading_projects(ctx: Context) -> list[ProjectRow]:
    """'（3）购买…委托业务费' sections whose body has a 成本指标 line with the money."""
    rows = []
    for heading in _project_headings(ctx):
        title = heading.title.rstrip("。.")
        body_start, body_end = ctx.layout.section_body(heading)
        body = ctx.text[body_start:body_end]
        cost = re.search(r"成本指标[:：](?P<rest>[^\n]*?)(?=[\u4e00-\u9fff]{2,6}指标[:：]|\n|$)", body)
        rest_start = body_start + cost.start("rest")
        rest_end = body_start + cost.end("rest")
        rest = cost.group("rest")
        amounts = [m for m in ctx.numbers_between(rest_start, rest_end) if m.unit in MONEY_UNITS]
        name_start = heading.start + ctx.text[heading.start : heading.end].index(heading.title)
        row = ProjectRow(Found("projects[].name", title, name_start, name_start + len(title), None, 2.0, "numbered section"))
        if amounts:
            first = amounts[0]
            row.budget = Found("projects[].budget", to_wan(first.value, first.unit), first.norm_start, first.norm_end, "成本指标", 2.0, "cost line")
            row.actual = _paid_amount(ctx, rest, rest_start, amounts, row.budget)
        rows.append(row)
    return rows


def _project_headings(ctx: Context) -> list[Heading]:
    """Numbered item sections ('（3）购买…服务费') that report one project's money: their body
    has a 成本指标 statement. Cached on the context: budget scoping needs them too."""
    if ctx.project_headings is None:
        found = []
        for heading in ctx.layout.headings:
            if heading.level != 3 or re.search(r"指标|情况|分析|说明|原因|措施|结论", heading.title):
                continue
            start, end = ctx.layout.section_body(heading)
            if re.search(r"成本指标[:：]", ctx.text[start:end]):
                found.append(heading)
        ctx.project_headings = found
    return ctx.project_headings


def _paid_amount(ctx: Context, rest: str, rest_start: int, amounts: list[NumberMention], budget: Found) -> Found | None:
    """What a cost line says was paid in the fiscal year: an amount after 支付, the whole budget
    when it says 已支付完成 / 已完成, zero when it says 未支付; nothing for a later year."""
    year = ctx.fiscal_year
    for m in amounts[1:]:
        before = ctx.text[max(rest_start, m.norm_start - 12) : m.norm_start]
        if re.search(r"支付|支出|执行", before):
            years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", before)]
            if not years or year is None or years[-1] == year:
                return Found("projects[].actual", to_wan(m.value, m.unit), m.norm_start, m.norm_end, "支付", 1.8, "paid amount")
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", rest)]
    in_year = not years or year is None or years[0] == year
    unpaid = re.search(r"未支付", rest)
    if unpaid and in_year:
        # The evidence of a zero is the words that say it, not the budget amount beside them.
        start = rest_start + unpaid.start()
        return Found("projects[].actual", 0.0, start, start + len(unpaid.group()), "未支付", 1.5, "not paid in the year")
    if re.search(r"已支付完成|已完成支付|支付完成|已完成|已支付", rest) and in_year and not re.search(r"底(?:完成)?支付|底支付完成", rest):
        return Found("projects[].actual", budget.value, budget.start, budget.end, "已支付完成", 1.5, "paid in full in the year")
    return None


def _enrich_from_lists(ctx: Context, rows: list[ProjectRow]) -> None:
    """'实际支出41.4万元。其中A30万元，B11.4万元' — per-project figures in a 其中 list fill gaps
    of projects found elsewhere (never create new ones: such lists also break down 工资福利 …)."""
    if not rows:
        return
    names = _NameIndex(rows)
    for m in re.finditer(r"其中[:：]?", ctx.text):
        prefix = _PAREN.sub("", _sentence_prefix(ctx.text, m.start(), re.compile(r"[\n]")))[-60:]
        measure = "actual" if re.search(r"实际支出|已执行|已支付|支出[\d.]", prefix[-30:]) else "budget"
        end = ctx.text.find("。", m.end())
        end = len(ctx.text) if end < 0 else end
        closing = ctx.text.find("）", m.end())
        if 0 <= closing < end:
            end = closing
        segment_start = m.end()
        for item in re.finditer(r"([^，,、；。（）()\d]{2,40}?)(\d+(?:\.\d+)?)万元", ctx.text[segment_start:end]):
            name = item.group(1).strip()
            like = names.most_like(name, 0.75)
            if like is None:
                continue
            best, ratio = like
            if ratio < 0.75 and not best.name.value.startswith(name):
                continue
            mention = next(iter(ctx.numbers_between(segment_start + item.start(2), segment_start + item.end(2))), None)
            if mention is None:
                continue
            found = Found(f"projects[].{measure}", to_wan(mention.value, "万元"), mention.norm_start, mention.norm_end, "其中", 1.6, f"其中 list ({measure})")
            if measure == "actual" and best.actual is None:
                best.actual = found
            elif measure == "budget" and best.budget is None:
                best.budget = found


# One item of a 其中 breakdown: '高标准农田建设项目实际支出3,004.56万元，支出率96.30%'.
_BREAKDOWN_ITEM = re.compile(
    r"(?P<name>[^,，;；:：。、()（）\d%]{2,30}?)(?:实际支出|已支出|支出|使用|执行|安排|下达)?"
    r"(?P<amount>\d+(?:\.\d+)?)(?P<unit>万元|亿元|元)(?:[,，]?(?:资金)?(?:支出率|执行率|完成率)(?P<rate>\d+(?:\.\d+)?)%)?"
)
# Funding sources are not sub-items: '其中：中央资金…，省级配套…，上年结转…'.
_FUNDING_SOURCE = re.compile(r"^(?:中央|省|市|县|区|乡镇?)级?(?:财政)?(?:资金|补助资金|配套资金|拨款)?$|财政拨款|上年结转|结余|自筹|其他资金")


def _breakdown_items(ctx: Context) -> list[ProjectRow]:
    """Sub-items of a project-level report: the fund's allocation and its spending are each broken
    down after 其中 ('下达…资金3,860万元，其中：A 3,120万元，B 520万元…' and '实际支出…。其中：A实际支出
    3,004.56万元，支出率96.30%；…'). The first list that names items creates them; later lists fill
    their actual / rate by name. Only for reports on one fund: in a department report 其中 lists
    break down 基本支出, 工资福利 … rather than projects."""
    rows: list[ProjectRow] = []
    names = _NameIndex()
    for m in re.finditer(r"其中[:：]?", ctx.text):
        lead, _ = _flat(ctx, max(0, m.start() - 120), m.start())
        lead = lead.rstrip("。 ")
        lead = lead[lead.rfind("。") + 1 :]
        measure = "actual" if re.search(r"实际支出|已支出|支出\d|执行|拨付|使用", lead) else "budget"
        if not re.search(r"\d(?:万元|亿元|元)", lead):
            continue  # the breakdown of a non-money statement ('新建农田2.6万亩，其中…')
        stop = ctx.text.find("。", m.end())
        flat, index = _flat(ctx, m.end(), len(ctx.text) if stop < 0 else stop)
        for item in _BREAKDOWN_ITEM.finditer(flat):
            name = item["name"].strip()
            if _FUNDING_SOURCE.search(name):
                continue
            value = to_wan(float(item["amount"]), item["unit"])
            amount = Found(f"projects[].{measure}", value, index[item.start("amount")], index[item.end("unit") - 1] + 1, "其中", 1.8, f"其中 list ({measure})")
            row = names.first_like(name, 0.8)
            if row is None and (not rows or measure == "budget"):
                s = index[item.start("name")] + (len(item["name"]) - len(item["name"].lstrip()))
                row = ProjectRow(Found("projects[].name", name, s, index[item.end("name") - 1] + 1, "其中", 1.8, "其中 list item"))
                rows.append(row)
                names.add(row)
            if row is None:
                continue
            if getattr(row, measure) is None:
                setattr(row, measure, amount)
            if item["rate"] and row.rate is None:  # the match ends with the rate's '%'
                rate_span = index[item.start("rate")], index[item.end() - 1] + 1
                row.rate = Found("projects[].execution_rate", float(item["rate"]), *rate_span, "支出率", 1.8, "其中 list rate")
    return rows


def _form_projects(ctx: Context) -> list[ProjectRow]:
    """A page of several one-project forms divided by a repeated title: each form is a project
    (its 项目名称, and the budget, actual and rate of its money grid), not the department."""
    rows = []
    for form in tb.forms(ctx.tables):
        if form.name is None:
            continue
        money = tb.form_money(form)
        row = ProjectRow(Found("projects[].name", form.name.text, form.name.start, form.name.end, "项目名称", 2.5, "one-project form", more=list(form.name.more)))
        for key, cell in money.items():
            mention = _cell_figure(ctx, cell)
            if mention is None:
                continue
            unit = next((t.unit for t in form.tables if t.start <= cell.start <= t.end), ctx.default_unit)
            value = mention.value if key == "rate" else to_wan(mention.value, mention.unit if mention.unit in MONEY_UNITS else unit)
            field_name = "execution_rate" if key == "rate" else key
            setattr(row, key, Found(f"projects[].{field_name}", value, mention.norm_start, mention.norm_end, key, 2.5, "one-project form money"))
        rows.append(row)
    return rows


def _projects(ctx: Context, report_type: str | None) -> list[ProjectRow]:
    rows: list[ProjectRow] = _form_projects(ctx)
    if rows:
        return rows
    for table in ctx.tables:
        rows.extend(_table_projects(ctx, table))
    # Budget scopes and funding sources (基本支出, 本年财政拨款, 中央资金 rows) are never projects.
    rows = [r for r in rows if not prose.not_a_project(_squash(r.name.value))]
    if not rows:
        rows = _prose_spent_items(ctx)
    if not rows:
        rows = _heading_projects(ctx)
        _enrich_from_lists(ctx, rows)
    if not rows:
        rows = _prose_projects(ctx, report_type)
    if not rows and report_type in PROJECT_LEVEL_TYPES:
        rows = _breakdown_items(ctx)
    return rows


def _prose_projects(ctx: Context, report_type: str | None) -> list[ProjectRow]:
    """Projects and funds listed in prose with their money (pipeline.extract.prose)."""
    whole_department = report_type in ("overall_report", "overall_table")

    def found(amount: prose.Amount | None, key: str, reason: str) -> Found | None:
        if amount is None:
            return None
        return Found(f"projects[].{key}", amount.value, amount.start, amount.end, amount.label or None, 1.9, reason)

    rows = []
    for item in prose.money_items(ctx.text, whole_department=whole_department):
        name = Found("projects[].name", item.name.text, item.name.start, item.name.end, None, 1.9, item.how)
        rows.append(ProjectRow(name, found(item.budget, "budget", item.how), found(item.actual, "actual", item.how), found(item.rate, "execution_rate", item.how)))
    return rows


# --- lists: indicators -----------------------------------------------------------------------


@dataclass
class IndicatorRow:
    level1: Found | None
    level2: Found | None
    name: Found
    target: Found | None
    actual: Found | None

    def as_indicator(self) -> Indicator:
        return Indicator(
            level1=self.level1.value if self.level1 else None,
            level2=self.level2.value if self.level2 else None,
            name=self.name.value,
            target=self.target.value if self.target else None,
            actual=self.actual.value if self.actual else None,
        )


def _indicators(ctx: Context) -> list[IndicatorRow]:
    rows: list[IndicatorRow] = []

    def found(cell: tb.TableCell | None, kind: str) -> Found | None:
        if cell is None:
            return None
        return Found(f"indicators[].{kind}", cell.text, cell.start, cell.end, kind, 2.0, "indicator table", more=list(cell.more))

    table_rows = [c for table in ctx.tables for c in tb.indicator_rows(table)]
    for cells in table_rows + tb.glued_indicator_rows(ctx.text, ctx.layout):
        actual = _actual_past_stray_digits(ctx, cells.name, cells.actual)
        rows.append(IndicatorRow(
            found(cells.level1, "level1"), found(cells.level2, "level2"), found(cells.name, "name"),
            found(cells.target, "target"), found(actual, "actual"),
        ))
    known = [r.name.value for r in rows]
    # A sentence restating a table row ('…，目标…，实际…' below the table) is that row, not another.
    rows.extend(r for r in _prose_indicators(ctx) if not any(_similar(r.name.value, k) >= 0.8 for k in known))
    return rows


_AT_MOST_100 = re.compile(lx.AT_MOST_100_RATES)
_PROSE_PERCENT = re.compile(r"\d+(?:\.\d+)?%")


def _actual_past_stray_digits(ctx: Context, name: tb.TableCell | None, actual: tb.TableCell | None) -> tb.TableCell | None:
    """An indicator's actual that its kind makes impossible (a 满意度 / 合格率 … above 100%) and
    that ends with the figure the report states for the same indicator in prose ('…满意度为96.2%'
    elsewhere, '196.2%' in the table): the leading digits are a stray number glued on (a page or
    chunk number), and the actual is the stated figure, read at its place in the table cell."""
    if name is None or actual is None or not name.text or not _AT_MOST_100.search(name.text):
        return actual
    printed = re.fullmatch(r"(\d+(?:\.\d+)?)%", actual.text)
    if printed is None or float(printed.group(1)) <= 100 or actual.end - actual.start != len(actual.text):
        return actual
    row = ctx.layout.line_at(actual.start)
    at = ctx.text.find(name.text)
    while at >= 0:
        if not row.start <= at < row.end:
            # The figure the sentence states right after the name, before the clause ends.
            clause = re.split(r"[。；;，,\n]", ctx.text[at + len(name.text) : at + len(name.text) + 16])[0]
            stated = _PROSE_PERCENT.search(clause)
            if stated and len(stated.group()) < len(actual.text) and actual.text.endswith(stated.group()) and float(stated.group()[:-1]) <= 100:
                cut = len(actual.text) - len(stated.group())
                return replace(actual, text=stated.group(), start=actual.start + cut)
        at = ctx.text.find(name.text, at + 1)
    return actual


def _flat(ctx: Context, start: int, end: int) -> tuple[str, list[int]]:
    """text[start:end] without line breaks, and each kept character's offset: hard wraps the
    normaliser did not join split names and values ('0.4' | '万亩', '实际完' | '成')."""
    index = [i for i in range(start, end) if ctx.text[i] != "\n"]
    return ctx.text[start:end].replace("\n", ""), index


def _prose_indicators(ctx: Context) -> list[IndicatorRow]:
    """Indicators written as sentences under level headings and lead-ins (pipeline.extract.prose)."""

    def found(span: prose.Span | None, kind: str, label: str | None = None, score: float = 2.0, reason: str = "prose indicator") -> Found | None:
        if span is None:
            return None
        return Found(f"indicators[].{kind}", span.text, span.start, span.end, label or kind, score, reason)

    rows = []
    for item in prose.indicator_sentences(ctx.text):
        level1 = (
            Found("indicators[].level1", item.level1.text, item.level1.start, item.level1.end, None, 1.0, "template level of the 二级 label")
            if item.level1 is not None and item.level1_inferred
            else found(item.level1, "level1", "heading", reason="indicator heading")
        )
        level2 = found(item.level2, "level2", "二级指标", reason="prose item label")
        rows.append(IndicatorRow(level1, level2, found(item.name, "name"), found(item.target, "target"), found(item.actual, "actual")))
    return rows


# --- text sections ---------------------------------------------------------------------------


def _section_text(ctx: Context, keywords: list[str], other: list[str]) -> Found | None:
    """The body under a heading (or beside a table label cell) naming one of the keywords."""
    best: Found | None = None
    for heading in ctx.layout.headings:
        title = _squash(heading.title)
        hit = next((k for k in keywords if k in title), None)
        if not hit or any(o in title for o in other if o not in hit and not any(o in k for k in keywords)):
            continue
        start, end = ctx.layout.section_body(heading)
        # Skip to the first sub-heading's text when the section only holds sub-sections.
        children = [h for h in ctx.layout.headings if start <= h.start < end]
        if children and not ctx.text[start : children[0].start].strip():
            continue
        start, end = ctx.without_garbage(start, end)
        body = _without_signature(ctx.text[start:end])
        lead = len(body) - len(body.lstrip())
        tail = len(body.rstrip())
        text = body[lead:tail]
        if not text:
            continue
        candidate = Found("", re.sub(r"\s*\n\s*", "", text), start + lead, start + tail, heading.title, 3.0 - heading.level * 0.1, "section")
        if best is None or candidate.score > best.score:
            best = candidate
    if best:
        return best
    for table in ctx.layout.tables:
        for line in table.lines:
            filled = line.filled()
            if len(filled) >= 2 and any(k in _squash(filled[0].text) for k in keywords) and len(filled[0].text) <= 14:
                cell = filled[1]
                if cell.text and not _is_number_cell(cell.text):
                    return Found("", cell.text, cell.start, cell.end, filled[0].text, 3.0, "table label")
    return _labelled_paragraph(ctx, keywords)


_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")


def _without_signature(body: str) -> str:
    """The last section of a report runs to the end of the text, where the signature block sits:
    the unit's name alone on a line and the date ('蓬山县农业农村局' / '2021年3月20日'). Neither
    is part of the section's text."""
    lines = body.rstrip().split("\n")
    while len(lines) > 1:
        last = lines[-1].strip()
        if last and not (re.fullmatch(_ORG, last) or _DATE_LINE.fullmatch(last)):
            break
        lines.pop()
    return "\n".join(lines)


_NEXT_SECTION_LABEL = re.compile(
    r"(?<=[。；;])[ \t]*(?:%s)[ \t]*[:：]" % "|".join(map(re.escape, sorted({*lx.PROBLEM_HEADINGS, *lx.IMPROVEMENT_HEADINGS}, key=len, reverse=True)))
)


def _labelled_paragraph(ctx: Context, keywords: list[str]) -> Found | None:
    """'主要问题：…' / '整改措施：…' lines below a table (summary sheets print them as label-colon
    paragraphs, not numbered headings); the paragraph runs on over wrapped lines until a blank
    line, a table row or the next 'label：'."""
    lines = ctx.layout.lines
    # At a line's start, or right after a sentence the line break before the label was lost
    # behind ('…项目支出。主要问题：一是…': a hard wrap joined into the previous paragraph).
    label = re.compile(r"(?:^|(?<=[。；;]))[ \t]*(?P<label>%s)[ \t]*[:：][ \t]*" % "|".join(map(re.escape, keywords)))
    section_words = {*lx.PROBLEM_HEADINGS, *lx.IMPROVEMENT_HEADINGS}
    for i, line in enumerate(lines):
        m = None if line.is_table_row else label.search(line.text)
        alone = not line.is_table_row and line.text.strip() in keywords  # '存在的问题' alone on its line
        if alone and i + 1 < len(lines) and lines[i + 1].text.strip() and not lines[i + 1].is_table_row:
            start, end = lines[i + 1].start, lines[i + 1].end
            first = i + 2
        elif not m or not line.text[m.end() :].strip():
            continue
        else:
            start, end = line.start + m.end(), line.end
            first = i + 1
        for following in lines[first:]:
            text = following.text.strip()
            if not text or following.is_table_row or re.match(r"[\u4e00-\u9fff]{2,8}[:：]", text) or text in section_words:
                break
            end = following.end
        # The next problems / measures label ends the paragraph, on its own line or not.
        other = _NEXT_SECTION_LABEL.search(ctx.text, start, end)
        if other is not None:
            end = other.start()
        start, end = ctx.without_garbage(start, end)
        body = ctx.text[start:end].strip()
        return Found("", re.sub(r"\s*\n\s*", "", body), start, end, m["label"] if m else line.text.strip(), 2.5, "label paragraph")
    return None


_INNER_PROBLEM = re.compile(r"^\s*(?:存在的?|主要)?问题[:：]\s*")
_INNER_MEASURE = re.compile(r"(?:改进|整改)?(?:措施|建议)[:：]\s*")


def _inner_part(found: Found | None, want: str) -> Found | None:
    """One cell '主要问题及改进措施' holding '问题：… 措施：…': the part after the inner label
    that names the wanted field (labels excluded). Text without both inner labels is kept whole."""
    if found is None:
        return None
    head = _INNER_PROBLEM.match(found.value)
    measure = _INNER_MEASURE.search(found.value, head.end()) if head else None
    if not head or not measure:
        return found
    if want == "problems":
        part_start, part_end = head.end(), measure.start()
    else:
        part_start, part_end = measure.end(), len(found.value)
    part = found.value[part_start:part_end].strip()
    # Offsets stay exact only when the value is the printed span (a cell, not a joined paragraph).
    exact = len(found.value) == found.end - found.start
    start = found.start + part_start if exact else found.start
    end = start + len(part) if exact else found.end
    return Found(found.field, part, start, end, found.label, found.score, found.reason + ", inner label")


# --- assembly --------------------------------------------------------------------------------


def build_context(document: Document) -> Context:
    """The rules' working state over the document's one analysis (pipeline.analysis)."""
    doc_view = analyze(document)
    ctx = Context(
        document, doc_view.nt, doc_view.layout, list(doc_view.numbers), doc_view.number_starts, doc_view.default_unit
    )
    ctx.money_unit = doc_view.money_unit
    ctx.view = doc_view
    ctx.tables = doc_view.tables
    return ctx


def extract_rules(document: Document) -> ExtractedRecord:
    """Extract a record from a document by rules alone."""
    ctx = build_context(document)
    record: dict[str, Any] = {"doc_id": document.doc_id}

    def put(path: str, found: Found | None, value: Any = None, confidence: float = 0.9) -> Any:
        if found is None:
            return None
        ctx.printed(found)
        ctx.record(path, found, confidence)
        return found.value if value is None else value

    dept = _department(ctx)
    record["department"] = put("department", dept)
    year = _fiscal_year(ctx)
    record["fiscal_year"] = put("fiscal_year", year)
    ctx.fiscal_year = record["fiscal_year"]
    report_type = ctx.layout.report_type
    record["report_type"] = report_type
    record["subject"] = put("subject", _subject(ctx, report_type))

    cands = _budget_candidates(ctx)
    cands.setdefault("budget.adjusted", []).extend(_allocation_candidates(ctx))
    for path, founds in _budget_from_grid(ctx).items():
        cands.setdefault(path, []).extend(founds)
    if tb.forms(ctx.tables):
        cands = {}  # a page of several one-project forms: each form's money is its project's
    chosen = _choose_budget(ctx, cands) | _choose_scoped(ctx, cands)
    budget = Budget(
        **{k: put(f"budget.{k}", chosen.get(f"budget.{k}")) for k in ("initial", "adjusted", "adjustment", "actual", "execution_rate", "adjustment_rate")},
        **{
            part: MoneyPair(
                budget=put(f"budget.{part}.budget", chosen.get(f"budget.{part}.budget")),
                actual=put(f"budget.{part}.actual", chosen.get(f"budget.{part}.actual")),
            )
            for part in ("basic", "project", "three_public")
        },
    )
    score, grade = _score_and_grade(ctx)
    evaluation = Evaluation(score=put("evaluation.score", score), grade=put("evaluation.grade", grade))

    indicators = []
    for i, row in enumerate(_indicators(ctx)):
        for key in ("level1", "level2", "name", "target", "actual"):
            put(f"indicators[{i}].{key}", getattr(row, key))
        indicators.append(row.as_indicator())
    projects = []
    for i, row in enumerate(_projects(ctx, report_type)):
        put(f"projects[{i}].name", row.name)
        put(f"projects[{i}].budget", row.budget)
        put(f"projects[{i}].actual", row.actual)
        put(f"projects[{i}].execution_rate", row.rate)
        projects.append(row.as_project())

    problems = _inner_part(_section_text(ctx, lx.PROBLEM_HEADINGS, lx.IMPROVEMENT_HEADINGS), "problems")
    improvements = _inner_part(_section_text(ctx, lx.IMPROVEMENT_HEADINGS, lx.PROBLEM_HEADINGS), "improvements")
    return ExtractedRecord(
        **record,
        budget=budget,
        evaluation=evaluation,
        indicators=indicators,
        projects=projects,
        problems=put("problems", problems),
        improvements=put("improvements", improvements),
        evidence=ctx.evidence,
        candidates=ctx.candidates,
        meta=RecordMeta(
            backend="rules",
            extractor_version=EXTRACTOR_VERSION,
            source_path=document.path,
            source_sha256=document.sha256,
            pages=len(document.pages),
            engines=[p.engine for p in document.pages],
        ),
    )
