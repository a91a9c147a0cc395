"""What every rules step shares: the extraction context over one DocumentView, candidate values (Found), label hits and the scope a label sits in."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Iterable

from pipeline import lexicon as lx, tables as tb
from pipeline.analysis import DocumentView
from pipeline.document import Document
from pipeline.ground import evidence_at, span_at
from pipeline.layout import Heading, Layout
from pipeline.normalize import CHARACTER_FOLD, NormalizedText, NumberMention, to_wan
from pipeline.record import Candidate, Evidence

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
