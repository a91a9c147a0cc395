"""Cross-checks: what in a report disagrees with what. Findings, never silent fixes.

Public API
----------
* ``run_checks(record, document) -> list[Finding]`` runs every registered check on an extracted
  record (evidence and rejected candidates included) and its source ``Document``. It also takes a
  record re-loaded from JSON or a plain gold-format record: values without (valid) evidence are
  found back in the document, so every finding still points at the text.
* ``CHECKS`` is the registry: one ``Check`` per id, each declaring the flag kind it raises (the
  vocabulary of ``../shared/gold/README.md``) and a one-line description.

Every finding says exactly what disagrees with what: ``stated`` (as printed), ``computed`` (from
the other printed figures), ``tolerance`` (from the printed precision), the record ``fields``
involved and ``evidence`` spans for every number used (the record's own evidence where a number
is a record value, new spans grounded in the text otherwise). Checks read the record and the
document; they never modify either.

Severities: ``error`` — the printed figures contradict each other (or a value has evidence that
does not hold); ``warning`` — they agree only loosely (a truncated rate, a remainder rounded
coarser than its operands, a list that falls short and may be partial, two statements that
differ only by rounding) or the sign is indirect (garbled text, stale evidence, a year mentioned
in passing). No check raises ``info`` at present.

Several checks need more than the record holds (table rows, score tables, prose remainders,
repeated statements, funding-source rows): they parse the document with ``normalize`` /
``layout`` inside the check, through the shared, lazily built ``CheckContext``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Callable, Iterable, Iterator

from pipeline.document import Document
from pipeline import lexicon as lx
from pipeline.ground import evidence_at, ground_value, mentions_in_quote, quote_contains, value_kind, verify_evidence
from pipeline.analysis import DocumentView, analyze
from pipeline.layout import Layout, Line
from pipeline.normalize import MONEY_UNITS, NormalizedText, NumberMention, to_wan
from pipeline.record import Evidence, ExtractedRecord, Finding, Record, Severity, Span, leaf_values
from pipeline import textquality
from pipeline import tables as tb

__all__ = ["CHECKS", "Check", "CheckContext", "run_checks", "checks_by_kind"]

EPS = 1e-9
CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    id: str
    kind: str  # flag kind from the gold README vocabulary
    description: str
    run: Callable[["CheckContext"], Iterable[Finding]] = field(repr=False, compare=False)


CHECKS: list[Check] = []


def check(id: str, kind: str, description: str):
    def register(func: Callable[["CheckContext"], Iterable[Finding]]):
        CHECKS.append(Check(id, kind, description, func))
        return func

    return register


def checks_by_kind() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in CHECKS:
        out.setdefault(c.kind, []).append(c.id)
    return out


def run_checks(record: ExtractedRecord | Record | dict, document: Document, only: Iterable[str] | None = None) -> list[Finding]:
    """Every registered check (or those whose id is in ``only``) on ``record`` against
    ``document``, in registry order; duplicates (same kind, same fields, same stated / computed
    values) are reported once. The record is not modified."""
    wanted = None if only is None else set(only)
    unknown = (wanted or set()) - {c.id for c in CHECKS}
    if unknown:
        raise ValueError(f"unknown check ids: {', '.join(sorted(unknown))}")
    ctx = CheckContext(_as_extracted(record), document)
    findings: list[Finding] = []
    seen: set[tuple] = set()
    for c in CHECKS:
        if wanted is not None and c.id not in wanted:
            continue
        for finding in c.run(ctx):
            key = (finding.kind, tuple(sorted(finding.fields)), _freeze(finding.stated), _freeze(finding.computed))
            if finding.fields and key in seen:
                continue
            seen.add(key)
            findings.append(finding)
    return findings


def _as_extracted(record: ExtractedRecord | Record | dict) -> ExtractedRecord:
    if isinstance(record, ExtractedRecord):
        return record
    data = record.model_dump(mode="json") if isinstance(record, Record) else dict(record)
    known = set(ExtractedRecord.model_fields)
    return ExtractedRecord.model_validate({k: v for k, v in data.items() if k in known})


def _freeze(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


# --------------------------------------------------------------------------------------------
# Context: the record, the document and the views of it checks share (built lazily, once)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    """A number as the report prints it: value in record units (万元 for money, percent for
    rates), decimals, half a unit of the last printed digit in record units, and where."""

    value: float
    decimals: int
    half_ulp: float
    evidence: Evidence | None
    mention: NumberMention | None = None
    unit: str | None = None  # money unit as printed; None for rates and counts

    @property
    def op(self) -> "Op":
        return Op(self.half_ulp, self.decimals, self.unit)


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
    def _norm_starts(self) -> list[int]:
        return self.view.number_starts

    @cached_property
    def _raw_starts(self) -> list[int]:
        return [m.raw_start for m in self.mentions]  # the normaliser keeps text order

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
        return list(_grid_blocks(self))

    @cached_property
    def score_tables(self) -> list["ScoreTable"]:
        return _score_tables(self)

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
        if own is not None and self._valid(own, value):
            found = own
        elif value is not None and value != "":
            found = self._ground(path, value)
        self._evidence_cache[path] = found
        return found

    def _ground(self, path: str, value: Any) -> Evidence | None:
        """Find a value with no (valid) evidence back in the document: as ``ground`` does, then
        a bare table figure in the unit in force (a 元 table's '186,452,318.60' is 18645.23 万元),
        then a text wrapped over two places (a name cell continued on the next line)."""
        kind = value_kind(path, value)
        grounded = ground_value(self.document, value, kind, method="rules")
        if grounded.match != "ungrounded":
            return grounded
        if kind == "amount" and isinstance(value, (int, float)) and value < 0:
            grounded = ground_value(self.document, abs(value), kind, method="rules")  # '调减77万元' is −77
            if grounded.match != "ungrounded":
                return grounded
        if kind in ("amount", "rate", "number") and isinstance(value, (int, float)):
            found = self._ground_spaced(float(value))
            if found is not None:
                return found
        if kind == "amount":
            for m in self.mentions:
                if m.unit is None and m.counter is None and m.scale is None and abs((to_wan(m.value, self.default_unit) or m.value) - float(value)) <= 0.005:
                    return self.mention_evidence(m).model_copy(update={"match": "normalized", "confidence": 0.8})
        if kind == "text" and len(str(value)) >= 2:
            # Joined from two places: a name cell wrapped onto the next line (within 300 chars
            # after), or a figure and its unit from split 指标值 / 度量单位 columns (close by).
            text, raw = str(value), self.document.text
            for cut in range(len(text) - 1, 0, -1):
                if cut < 2 and len(text) > 3:
                    break
                head = raw.find(text[:cut])
                while head >= 0:
                    window = 300 if len(text) >= 6 else 40
                    tail = raw.find(text[cut:], max(0, head - window), head + cut + window)
                    if tail >= 0 and not head <= tail < head + cut:
                        first = self.raw_evidence(head, head + cut).model_copy(update={"match": "normalized", "confidence": 0.8})
                        rest = self.raw_evidence(tail, tail + len(text) - cut)
                        return first.model_copy(update={"parts": [Span(page=rest.page, start=rest.start, end=rest.end, quote=rest.quote)]})
                    head = raw.find(text[:cut], head + 1)
        return None

    def _ground_spaced(self, value: float) -> Evidence | None:
        """A number printed with breaks the number scanner does not bridge: '47. 19' at the start
        of a wrapped line, '4,215. 36'. Tried as printed with 2 decimals and as its shortest form."""
        v = abs(value)
        forms = {f"{v:.2f}", _num(v), f"{v * 10000:.2f}", _num(round(v * 10000, 6)), _num(round(v / 10000, 8))}  # 万元, 元, 亿元
        for form in sorted(forms, key=len, reverse=True):
            digits = [re.escape(ch) for ch in form]
            pattern = r"(?<![\d.])" + r"[\s,，]*".join(digits).replace(r"\.", r"\s*[.．]\s*") + r"(?![\d])"
            m = re.search(pattern, self.document.text)
            if m:
                return self.raw_evidence(m.start(), m.end()).model_copy(update={"match": "normalized", "confidence": 0.6})
        return None

    def _valid(self, evidence: Evidence, value: Any) -> bool:
        if evidence.page is None or evidence.start is None or evidence.end is None or evidence.match == "ungrounded":
            return False
        try:
            page_text = self.document.page(evidence.page).text
        except IndexError:
            return False
        if page_text[evidence.start : evidence.end] != evidence.quote:
            return False
        if value is None:
            return True
        quotes = "".join(p.quote or "" for p in [evidence, *evidence.parts])
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return quote_contains(quotes, value, mentions_in_quote(self.mentions, self._raw_starts, *self.raw_span(evidence)))
        if quote_contains(quotes, value):
            return True
        # A value joined from split columns ('9' + 度量单位 '条'): the quote is one piece and the
        # rest is printed right beside it.
        text, quote = re.sub(r"\s+", "", str(value)), re.sub(r"\s+", "", quotes)
        if quote and quote in text:
            start, end = self.raw_span(evidence)
            around = re.sub(r"\s+", "", self.document.text[max(0, start - 40) : end + 40])
            rest = text.replace(quote, "", 1)
            return bool(rest) and rest in around
        return False

    def raw_span(self, evidence: Evidence) -> tuple[int, int]:
        start = self.document.global_offset(evidence.page, evidence.start)  # type: ignore[arg-type]
        return start, start + (evidence.end - evidence.start)  # type: ignore[operator]

    def mentions_in_raw(self, raw_start: int, raw_end: int) -> list[NumberMention]:
        out = []
        i = bisect_left(self._raw_starts, raw_start)  # an index, not a slice: no copy of the tail per call
        while i < len(self.mentions) and self.mentions[i].raw_start < raw_end:
            if self.mentions[i].raw_end <= raw_end:
                out.append(self.mentions[i])
            i += 1
        return out

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
                if abs(_in_record_units(m, self.default_unit, is_rate) - value) <= 0.005 or abs(m.value - value) <= 0.005:
                    mention = m
                    break
        if mention is not None:
            is_rate = value_kind(path, value) == "rate"
            unit = None if is_rate else (mention.unit if mention.unit in MONEY_UNITS else self.default_unit)
            return Printed(value, mention.decimals, _half_ulp(mention.decimals, unit), evidence, mention, unit)
        decimals = _decimals_of(value)
        return Printed(value, decimals, 0.5 * 10**-decimals, evidence, None, None if value_kind(path, value) == "rate" else "万元")

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
        out = []
        i = bisect_left(self._norm_starts, start)  # an index, not a slice: no copy of the tail per call
        while i < len(self.mentions) and self.mentions[i].norm_start < end:
            if self.mentions[i].norm_end <= end:
                out.append(self.mentions[i])
            i += 1
        return out


def _decimals_of(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.partition(".")[2])


def _half_ulp(decimals: int, unit: str | None) -> float:
    """Half a unit of the last printed digit, in record units (万元 for money)."""
    half = 0.5 * 10**-decimals
    if unit in MONEY_UNITS:
        return to_wan(half, unit) or half
    return half


def _in_record_units(m: NumberMention, default_unit: str, is_rate: bool = False) -> float:
    if is_rate or m.unit in ("%", "‰"):
        return m.value
    unit = m.unit if m.unit in MONEY_UNITS else default_unit
    return to_wan(m.value, unit) or m.value


def _wan(m: NumberMention, default_unit: str | None = None) -> float | None:
    """A money mention in 万元 (explicit unit, else ``default_unit`` if given)."""
    if m.unit in MONEY_UNITS:
        return to_wan(m.value, m.unit)
    if default_unit and m.unit is None and m.scale is None and m.counter is None:
        return to_wan(m.value, default_unit)
    return None


def _mention_half(m: NumberMention, default_unit: str | None = None) -> float:
    unit = m.unit if m.unit in MONEY_UNITS else default_unit
    return _half_ulp(m.decimals, unit)


@dataclass(frozen=True)
class Op:
    """An operand's rounding: half a unit of its last printed digit (record units), its printed
    decimals and money unit."""

    half: float
    decimals: int
    unit: str | None


def _op(m: NumberMention, default_unit: str | None = None) -> Op:
    unit = m.unit if m.unit in MONEY_UNITS else default_unit
    return Op(_mention_half(m, default_unit), m.decimals, unit)


def sum_tolerance(ops: Iterable[Op]) -> float:
    """How far a sum or difference of printed amounts may drift by rounding alone.

    Each operand contributes half a unit of its last printed digit; an amount printed as a whole
    number among amounts of the same unit printed with decimals ('20万元' beside '1.74万元') is a
    round figure, exact to the same precision as the others, not ±0.5."""
    ops = list(ops)
    finest: dict[str | None, Op] = {}
    for op in ops:
        if op.decimals > 0 and (op.unit not in finest or op.half < finest[op.unit].half):
            finest[op.unit] = op
    total = 0.0
    for op in ops:
        total += finest[op.unit].half if op.decimals == 0 and op.unit in finest else op.half
    return total


def _num(value: float) -> str:
    """A figure as a report would print it: no trailing zeros beyond two decimals."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    return whole + ("." + frac[:6] if frac else "")


def _finding(
    check_id: str,
    kind: str,
    severity: Severity,
    message: str,
    fields: Iterable[str] = (),
    stated: Any = None,
    computed: Any = None,
    tolerance: float | None = None,
    evidence: Iterable[Evidence | None] = (),
) -> Finding:
    # Deduplicated by value through a hashable key: comparing each with all kept before was
    # quadratic for a finding citing every project of a long document.
    unique: list[Evidence] = []
    seen: set[tuple] = set()
    for e in evidence:
        if e is None:
            continue
        key = tuple((name, repr(value)) for name, value in e.__dict__.items())
        if key not in seen:
            seen.add(key)
            unique.append(e)
    out_fields: list[str] = []
    for f in fields:
        if f not in out_fields:
            out_fields.append(f)
    return Finding(
        check=check_id,
        kind=kind,
        severity=severity,
        fields=out_fields,
        message=f"{message} ({check_id})",
        stated=_round(stated),
        computed=_round(computed),
        tolerance=None if tolerance is None else round(tolerance, 6),
        evidence=unique,
    )


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Arithmetic at printed precision
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateVerdict:
    status: str  # ok | truncated | mismatch
    computed: float
    tolerance: float


def compare_rate(stated: float, numerator: float, denominator: float, decimals: int, num_half: float = 0.005, den_half: float = 0.005) -> RateVerdict | None:
    """A printed rate (percent, ``decimals`` printed) against numerator / denominator × 100.

    Tolerance: half a unit of the rate's last printed digit plus what rounding of the two printed
    amounts can move the quotient. Truncating instead of rounding ('97.12' for 97.126…) is
    ``truncated``: the rate agrees, printed carelessly."""
    if not denominator:
        return None
    computed = numerator / denominator * 100
    propagated = 100 * (num_half / abs(denominator) + abs(numerator) * den_half / denominator**2)
    tolerance = 0.5 * 10**-decimals + propagated + EPS
    if abs(stated - computed) <= tolerance:
        return RateVerdict("ok", computed, tolerance)
    step = 10**-decimals
    if 0 < computed - stated < step + propagated + EPS:
        return RateVerdict("truncated", computed, tolerance)
    return RateVerdict("mismatch", computed, tolerance)


# ============================================================================================
# Rates
# ============================================================================================


def _denominators(ctx: CheckContext) -> list[tuple[str, float, float, list[str]]]:
    """(description, value, half-ulp, fields) of the full-year budget an execution rate divides
    by: the adjusted budget; initial + adjustment; the initial budget (transfer funds)."""
    out = []
    adjusted, initial, adjustment = (ctx.printed(f"budget.{k}") for k in ("adjusted", "initial", "adjustment"))
    if adjusted:
        out.append(("调整后预算", adjusted.value, adjusted.half_ulp, ["budget.adjusted"]))
    if initial and adjustment:
        out.append(
            ("年初预算+预算调整数", initial.value + adjustment.value, sum_tolerance([initial.op, adjustment.op]), ["budget.initial", "budget.adjustment"])
        )
    if initial:
        out.append(("年初预算", initial.value, initial.half_ulp, ["budget.initial"]))
    return out


@check("execution_rate_vs_amounts", "execution_rate_mismatch", "预算执行率 vs 实际支出 / 全年预算 (adjusted, else initial + adjustment, else initial), at the printed precision; a truncated rate is a warning.")
def check_execution_rate(ctx: CheckContext) -> Iterator[Finding]:
    rate, actual = ctx.printed("budget.execution_rate"), ctx.printed("budget.actual")
    denominators = _denominators(ctx)
    if rate is None or actual is None or not denominators:
        return
    primary = denominators[0]
    verdicts = [(d, compare_rate(rate.value, actual.value, d[1], rate.decimals, actual.half_ulp, d[2])) for d in denominators]
    verdicts = [(d, v) for d, v in verdicts if v is not None]
    if not verdicts:
        return
    (name, denominator, half, fields), verdict = verdicts[0]
    evidence = [rate.evidence, actual.evidence] + [ctx.evidence(f) for f in fields]
    all_fields = ["budget.execution_rate", "budget.actual", *fields]
    if verdict.status == "ok":
        return
    if verdict.status == "truncated":
        yield _finding(
            "execution_rate_vs_amounts", "execution_rate_mismatch", "warning",
            f"预算执行率印为 {_num(rate.value)}%，实际支出/{name} = {_num(actual.value)}/{_num(denominator)} = {verdict.computed:.4f}%，"
            f"按 {rate.decimals} 位小数应为 {verdict.computed:.{rate.decimals}f}%：数值被截断而非四舍五入",
            all_fields, rate.value, round(verdict.computed, 4), verdict.tolerance, evidence,
        )
        return
    other = next(((d, v) for d, v in verdicts[1:] if v.status in ("ok", "truncated")), None)
    if other is not None:
        (oname, odenominator, _, ofields), ov = other
        yield _finding(
            "execution_rate_vs_amounts", "execution_rate_mismatch", "warning",
            f"预算执行率 {_num(rate.value)}% 与 实际支出/{name} = {verdict.computed:.2f}% 不符，"
            f"但与 实际支出/{oname} = {_num(actual.value)}/{_num(odenominator)} = {ov.computed:.2f}% 相符：分母用的不是全年预算",
            ["budget.execution_rate", "budget.actual", *fields, *ofields], rate.value, round(verdict.computed, 4), verdict.tolerance,
            evidence + [ctx.evidence(f) for f in ofields],
        )
        return
    # Against the initial budget alone (no full-year budget in the record) the comparison holds
    # only if nothing was adjusted (a transfer fund's allocation).
    if name == "年初预算" and _adjustment_mentioned(ctx):
        return  # the full-year budget is not in the record, and it differs from the initial one: no basis
    yield _finding(
        "execution_rate_vs_amounts", "execution_rate_mismatch", "error",
        f"预算执行率印为 {_num(rate.value)}%，但 实际支出/{name} = {_num(actual.value)}/{_num(denominator)} = {verdict.computed:.2f}%",
        all_fields, rate.value, round(verdict.computed, 4), verdict.tolerance, evidence,
    )


def _adjustment_mentioned(ctx: CheckContext) -> bool:
    return _mentions_adjustment(ctx.text)


@lru_cache(maxsize=4)
def _mentions_adjustment(text: str) -> bool:
    """Once per document, not once per remainder statement (a str caches its hash)."""
    return bool(re.search(r"调整|调减|调增|追加|全年[(（]调|全年预算", lx.fold(text)))


@check("adjustment_rate_vs_budgets", "adjustment_rate_mismatch", "预算调整率 vs |调整后预算 − 年初预算| / 年初预算, or |预算调整数| / 年初预算, at the printed precision.")
def check_adjustment_rate(ctx: CheckContext) -> Iterator[Finding]:
    rate, initial = ctx.printed("budget.adjustment_rate"), ctx.printed("budget.initial")
    if rate is None or initial is None or not initial.value:
        return
    adjusted, adjustment = ctx.printed("budget.adjusted"), ctx.printed("budget.adjustment")
    options = []
    if adjusted is not None:
        change = abs(adjusted.value - initial.value)
        options.append(("|调整后预算−年初预算|/年初预算", change, sum_tolerance([adjusted.op, initial.op]), ["budget.adjusted", "budget.initial"]))
    if adjustment is not None:
        options.append(("|预算调整数|/年初预算", abs(adjustment.value), adjustment.half_ulp, ["budget.adjustment", "budget.initial"]))
    if not options:
        return
    results = [(o, compare_rate(abs(rate.value), o[1], initial.value, rate.decimals, o[2], initial.half_ulp)) for o in options]
    if any(v is not None and v.status == "ok" for _, v in results):
        return
    (name, change, _, fields), verdict = results[0]
    if verdict is None:
        return
    severity: Severity = "warning" if any(v is not None and v.status == "truncated" for _, v in results) else "error"
    note = "（截断而非四舍五入）" if severity == "warning" else ""
    yield _finding(
        "adjustment_rate_vs_budgets", "adjustment_rate_mismatch", severity,
        f"预算调整率印为 {_num(rate.value)}%，但 {name} = {_num(change)}/{_num(initial.value)} = {verdict.computed:.2f}%{note}",
        ["budget.adjustment_rate", *fields], rate.value, round(verdict.computed, 4), verdict.tolerance,
        [rate.evidence] + [ctx.evidence(f) for f in fields],
    )


@check("adjustment_sum", "adjustment_sum_mismatch", "年初预算 + 预算调整数 = 调整后预算 (within the rounding of the printed figures).")
def check_adjustment_sum(ctx: CheckContext) -> Iterator[Finding]:
    initial, adjustment, adjusted = (ctx.printed(f"budget.{k}") for k in ("initial", "adjustment", "adjusted"))
    if initial is None or adjustment is None or adjusted is None:
        return
    tolerance = sum_tolerance([initial.op, adjustment.op, adjusted.op])
    computed = initial.value + adjustment.value
    if abs(computed - adjusted.value) <= tolerance + EPS:
        return
    fields = ["budget.initial", "budget.adjustment", "budget.adjusted"]
    evidence = [initial.evidence, adjustment.evidence, adjusted.evidence]
    if abs(initial.value - abs(adjustment.value) - adjusted.value) <= tolerance + EPS:
        yield _finding(
            "adjustment_sum", "adjustment_sum_mismatch", "warning",
            f"年初预算 {_num(initial.value)} + 预算调整数 {_num(adjustment.value)} = {_num(computed)} ≠ 调整后预算 {_num(adjusted.value)}；"
            f"按调减计算 {_num(initial.value)} − {_num(abs(adjustment.value))} 才相符：调整数的符号与文字不一致",
            fields, adjusted.value, round(computed, 6), tolerance, evidence,
        )
        return
    yield _finding(
        "adjustment_sum", "adjustment_sum_mismatch", "error",
        f"年初预算 {_num(initial.value)} + 预算调整数 {_num(adjustment.value)} = {_num(computed)}，但调整后预算印为 {_num(adjusted.value)}"
        f"（相差 {_num(round(adjusted.value - computed, 6))}）",
        fields, adjusted.value, round(computed, 6), tolerance, evidence,
    )


@check("project_rate_vs_amounts", "project_rate_mismatch", "Each project row: its printed execution rate vs its actual / budget, at the printed precision.")
def check_project_rates(ctx: CheckContext) -> Iterator[Finding]:
    for i, project in enumerate(ctx.plain["projects"]):
        base = f"projects[{i}]"
        rate, budget, actual = (ctx.printed(f"{base}.{k}") for k in ("execution_rate", "budget", "actual"))
        if rate is None or budget is None or actual is None or not budget.value:
            continue
        verdict = compare_rate(rate.value, actual.value, budget.value, rate.decimals, actual.half_ulp, budget.half_ulp)
        if verdict is None or verdict.status == "ok":
            continue
        fields = [f"{base}.execution_rate", f"{base}.actual", f"{base}.budget"]
        evidence = [rate.evidence, actual.evidence, budget.evidence]
        if verdict.status == "truncated":
            yield _finding(
                "project_rate_vs_amounts", "project_rate_mismatch", "warning",
                f"项目“{project['name']}”执行率印为 {_num(rate.value)}%，{_num(actual.value)}/{_num(budget.value)} = {verdict.computed:.4f}%：截断而非四舍五入",
                fields, rate.value, round(verdict.computed, 4), verdict.tolerance, evidence,
            )
            continue
        yield _finding(
            "project_rate_vs_amounts", "project_rate_mismatch", "error",
            f"项目“{project['name']}”执行率印为 {_num(rate.value)}%，但 实际支出/预算 = {_num(actual.value)}/{_num(budget.value)} = {verdict.computed:.2f}%",
            fields, rate.value, round(verdict.computed, 4), verdict.tolerance, evidence,
        )


# ============================================================================================
# Tables: header roles, rows, totals
# ============================================================================================

_PLACEHOLDER = re.compile(r"^[—\-－–/／、]*$|^无$|^不适用$")
_NUMERIC_CELL = re.compile(r"^-?\d[\d,，]*(?:\.\s?\d+)?\s*(?:%|万元|元|亿元|分)?$")
_TOTAL_LABELS = ("合计", "总计", "年度资金总额", "资金总额", "年度总金额", "总额")
_REVIEW_SCORE = re.compile(lx.with_variants(r"复核|评审"))
_SCORE_TOTAL_LABELS = ("总分", "自评总分", "得分合计", "总得分")


# A table column's role (pipeline.tables, from its header words) as the checks sum and divide
# it: the full-year budget and plain budget columns are 'budget' (a rate divides by them), a lone
# 合计 of funding-source columns too; 分值 / 得分 columns are 'points' / 'score'.
_CHECK_ROLE = {
    "initial": "initial", "adjustment": "adjustment", "adjusted": "budget", "budget": "budget", "actual": "actual",
    "rate": "rate", "points": "points", "score": "score",
}


def _is_numeric(text: str) -> bool:
    return bool(_NUMERIC_CELL.match(text.replace(" ", "")))


@dataclass
class GridRow:
    line: tb.Row  # the table row (it may span several lines of the text)
    label: str  # first text cell, squashed, 其中：stripped, simplified
    sub: bool  # printed as '其中：…'

    @property
    def is_total(self) -> bool:
        return self.label.startswith(_TOTAL_LABELS)

    def cell(self, column: int):
        return self.line.cell(column)


@dataclass
class GridBlock:
    """A table under one header (pipeline.tables): its header text and check role per column."""

    header: list[tb.Row]
    columns: dict[int, str]  # column -> merged header label
    rows: list[GridRow]
    unit: str
    roles: dict[int, str] = field(default_factory=dict)

    def role(self, column: int) -> str:
        return self.roles.get(column, "other")

    def columns_with(self, role: str) -> list[int]:
        return [c for c in sorted(self.columns) if self.role(c) == role]


def _grid_blocks(ctx: CheckContext) -> Iterator[GridBlock]:
    for table in ctx.typed_tables:
        if not table.header:
            continue
        full_year = bool(table.columns_with("adjusted", "budget"))
        roles = {}
        for col, column in table.columns.items():
            role = _CHECK_ROLE.get(column.role, "other")
            if column.role == "total" and not full_year:
                role = "budget"
            roles[col] = role
        columns = {col: re.sub(r"\s+", "", column.header) for col, column in table.columns.items()}
        rows = [GridRow(row, row.label, row.sub) for row in table.rows if row.filled()]
        yield GridBlock(table.header, columns, rows, table.unit, roles)


def _cell_mention(ctx: CheckContext, cell) -> NumberMention | None:
    if cell is None or not cell.text or _PLACEHOLDER.match(cell.text):
        return None
    found = ctx.mentions_between(cell.start, cell.end)
    return found[0] if len(found) == 1 else None


def _money_cell(ctx: CheckContext, block: GridBlock, row: GridRow, column: int) -> tuple[float, float, NumberMention] | None:
    """(value in 万元, half-ulp in 万元, mention) of a money cell, None when blank or not money."""
    m = _cell_mention(ctx, row.cell(column))
    if m is None or m.unit in ("%", "‰") or m.counter or m.scale:
        return None
    value = _wan(m, block.unit)
    if value is None:
        return None
    return value, _mention_half(m, block.unit), m


def _lost_rows(ctx: CheckContext, first: int, last: int) -> bool:
    """Lines between ``first`` and ``last`` that print figures but are no table rows: rows that
    lost their tabs, so a sum over the table's rows misses them."""
    for line in ctx.layout.lines[first : last + 1]:
        if not line.is_table_row and line.text.strip():
            figures = [m for m in ctx.mentions_between(line.start, line.end) if m.unit not in ("%", "‰")]
            if len(figures) >= 2 and not re.search(r"[。；;]", line.text):
                return True
    return False


def _missing_row_printed(ctx: CheckContext, block: GridBlock, total: GridRow, parts: list[GridRow], shortfall: float, tolerance: float) -> bool:
    """Is the amount the parts fall short by printed as a figure near them, outside the parts
    (a funding row that lost its tabs, values shifted to a label-less line)? Then a row was
    misread, and the sum says nothing."""
    lines = [total.line.index] + [p.line.index for p in parts]
    first, last = min(lines), max(lines) + 3
    used = {id(m) for p in parts for m in ctx.mentions_between(p.line.start, p.line.end)}
    for line in ctx.layout.lines[first : last + 1]:
        if line.index == total.line.index:
            continue
        for m in ctx.mentions_between(line.start, line.end):
            if id(m) in used or m.unit in ("%", "‰"):
                continue
            value = _wan(m, block.unit)
            if value is not None and abs(value - shortfall) <= tolerance + _mention_half(m, block.unit) + EPS:
                return True
    return False


def _unreadable(ctx: CheckContext, block: GridBlock, row: GridRow, column: int) -> bool:
    """A cell that prints something in a money column that is not one readable figure
    ('51,5300. 00' with two faults reads as two numbers)."""
    cell = row.cell(column)
    if cell is None or not cell.text or _PLACEHOLDER.match(cell.text):
        return False
    return _money_cell(ctx, block, row, column) is None and bool(re.search(r"\d", cell.text))


def _has_money(ctx: CheckContext, block: GridBlock, row: GridRow) -> bool:
    return any(_money_cell(ctx, block, row, c) is not None for c in _money_columns(block))


def _money_columns(block: GridBlock) -> list[int]:
    return [c for c in sorted(block.columns) if block.role(c) in ("budget", "initial", "adjustment", "actual")]


def _total_parts(ctx: CheckContext, block: GridBlock, index: int) -> list[GridRow]:
    """The rows a total row sums: the 其中 rows right below a total printed first (年度资金总额 /
    合计 over 其中：财政拨款 …), else the rows above it back to the header or the previous total.
    A “三公”经费 row is a part of 基本/项目支出, not a sibling of them: never summed."""
    rows = block.rows
    money_rows_before = [r for r in rows[:index] if _has_money(ctx, block, r)]
    parts: list[GridRow] = []
    if not money_rows_before:
        for row in rows[index + 1 :]:
            if row.is_total or not _has_money(ctx, block, row) and not any(
                (c := row.cell(col)) is not None and _PLACEHOLDER.match(c.text) and c.text for col in _money_columns(block)
            ):
                break
            if row.sub and parts:
                break  # a nested breakdown starts: its rows are parts of the row above
            if "三公" in row.label:
                continue
            parts.append(row)
    else:
        for row in reversed(rows[:index]):
            if row.is_total:
                break
            if row.label.startswith("小计"):
                return []  # subtotals: the total sums them, not the rows (not handled)
            if _has_money(ctx, block, row) and "三公" not in row.label:
                parts.append(row)
        parts.reverse()
    return parts


@check("table_total_row", "parts_do_not_sum", "Any table whose total row (合计 / 年度资金总额 …, funding-source rows 其中：财政拨款 / 中央 / 省 … included) disagrees with its rows, column by column; an all-zero total row too.")
def check_table_totals(ctx: CheckContext) -> Iterator[Finding]:
    for block in ctx.tables:
        money_columns = _money_columns(block)
        if not money_columns:
            continue
        for index, row in enumerate(block.rows):
            if not row.is_total:
                continue
            parts = _total_parts(ctx, block, index)
            if len(parts) < 2:
                continue
            checked = []
            span = block.rows[min(block.rows.index(p) for p in parts) : max(block.rows.index(p) for p in parts) + 1]
            lines = [row.line.index] + [p.line.index for p in parts]
            lost_rows = _lost_rows(ctx, min(lines), max(lines) + (3 if lines[0] == min(lines) else 0))
            for column in money_columns:
                total = _money_cell(ctx, block, row, column)
                if total is None:
                    continue
                values = [_money_cell(ctx, block, part, column) for part in parts]
                if any(v is None for v in values) or any(_unreadable(ctx, block, r, column) for r in span):
                    continue  # a part missing or printed so that it cannot be read: no basis
                part_sum = sum(v[0] for v in values)
                tolerance = sum_tolerance(_op(x[2], block.unit) for x in [total, *values])
                checked.append((column, total, values, part_sum, tolerance))
            if not checked:
                continue
            if all(t[1][0] == 0 for t in checked) and any(abs(t[3]) > t[4] for t in checked):
                mentions = [t[1][2] for t in checked] + [v[2] for t in checked for v in t[2]]
                yield _finding(
                    "table_total_row", "parts_do_not_sum", "error",
                    f"表格“{row.label}”行各列全为 0，而其下/上各行合计为 "
                    + "、".join(f"{block.columns[t[0]]} {_num(round(t[3], 6))}" for t in checked),
                    [f for m in mentions for f in ctx.fields_of_mention(m)],
                    {block.columns[t[0]]: 0.0 for t in checked},
                    {block.columns[t[0]]: round(t[3], 6) for t in checked},
                    max(t[4] for t in checked),
                    [ctx.mention_evidence(m) for m in mentions],
                )
                continue
            for column, total, values, part_sum, tolerance in checked:
                if abs(total[0] - part_sum) <= tolerance + EPS:
                    continue
                if part_sum < total[0] and (lost_rows or _missing_row_printed(ctx, block, row, parts, total[0] - part_sum, tolerance)):
                    continue  # rows the table lost (tabs, line shift) may hold the shortfall
                mentions = [total[2]] + [v[2] for v in values]
                labels = "、".join(p.label or "?" for p in parts[:5]) + (f" 等 {len(parts)} 行" if len(parts) > 5 else "")
                yield _finding(
                    "table_total_row", "parts_do_not_sum", "error",
                    f"表格“{block.columns[column]}”列：“{row.label}”行印为 {_num(total[0])} 万元，但 {labels} 各行之和为 {_num(round(part_sum, 6))} 万元"
                    f"（相差 {_num(round(total[0] - part_sum, 6))}）",
                    [f for m in mentions for f in ctx.fields_of_mention(m)],
                    total[0], round(part_sum, 6), tolerance,
                    [ctx.mention_evidence(m, block.columns[column]) for m in mentions],
                )


_SCOPE_ROW = re.compile(r"基本支出|项目支出|三公|财政拨款|上年结转|结转资金|其他资金|^(?:中央|省|市|县|区|乡镇)(?:级|财政|资金|补助)*$")


def _rate_cell(ctx: CheckContext, row: GridRow, column: int) -> NumberMention | None:
    m = _cell_mention(ctx, row.cell(column))
    if m is None or m.unit not in ("%", None) or m.counter or m.scale:
        return None
    return m


_PROSE_PART_RATE = re.compile(
    r"(?P<a>\d+(?:\.\d+)?)\s*万元\s*[,，]\s*(?:已执行|实际支出|已支出|已支付|实际执行|执行|支出|使用)\s*"
    r"(?P<b>\d+(?:\.\d+)?)\s*万元\s*[,，]\s*(?:预算)?(?:执行率|支出率|完成率|实现率)\s*(?:为|达)?\s*(?P<c>\d+(?:\.\d+)?)\s*%"
)


@check("part_rate_vs_amounts", "execution_rate_mismatch", "Rates of parts of the budget — table rows 基本支出 / 项目支出 / “三公” / funding sources, and prose 'X万元，已执行Y万元，执行率Z%' — vs their actual / budget.")
def check_part_rates(ctx: CheckContext) -> Iterator[Finding]:
    for block in ctx.tables:
        budget_cols = block.columns_with("budget")  # a rate divides by the full-year budget, never by 年初
        actual_cols, rate_cols = block.columns_with("actual"), block.columns_with("rate")
        if not (budget_cols and actual_cols and rate_cols):
            continue
        for row in block.rows:
            if row.is_total or not _SCOPE_ROW.search(row.label):
                continue
            budget, actual = _money_cell(ctx, block, row, budget_cols[0]), _money_cell(ctx, block, row, actual_cols[0])
            rate = _rate_cell(ctx, row, rate_cols[0])
            if budget is None or actual is None or rate is None:
                continue
            if any(f.startswith("projects[") for f in ctx.fields_of_mention(rate)):
                continue  # a project row: project_rate_vs_amounts checks it
            yield from _part_rate_finding(ctx, row.label, rate, actual, budget)
    for m in _PROSE_PART_RATE.finditer(ctx.text):
        if ctx.in_table(m.start()):
            continue
        found = {g: next(iter(ctx.mentions_between(m.start(g), m.end(g) + 3)), None) for g in "abc"}
        if any(v is None for v in found.values()):
            continue
        a, b, c = found["a"], found["b"], found["c"]
        label = _sentence_before(ctx.text, m.start())[-16:]
        yield from _part_rate_finding(ctx, label, c, (_wan(b) or b.value, _mention_half(b), b), (_wan(a) or a.value, _mention_half(a), a))


def _part_rate_finding(ctx: CheckContext, label: str, rate: NumberMention, actual, budget) -> Iterator[Finding]:
    verdict = compare_rate(rate.value, actual[0], budget[0], rate.decimals, actual[1], budget[1])
    if verdict is None or verdict.status == "ok":
        return
    mentions = [rate, actual[2], budget[2]]
    severity: Severity = "warning" if verdict.status == "truncated" else "error"
    note = "：截断而非四舍五入" if severity == "warning" else ""
    yield _finding(
        "part_rate_vs_amounts", "execution_rate_mismatch", severity,
        f"“{label}”执行率印为 {_num(rate.value)}%，但 {_num(actual[0])}/{_num(budget[0])} = {verdict.computed:.2f}%{note}",
        [f for m in mentions for f in ctx.fields_of_mention(m)], rate.value, round(verdict.computed, 4), verdict.tolerance,
        [ctx.mention_evidence(m) for m in mentions],
    )


def _sentence_before(text: str, pos: int, limit: int = 120) -> str:
    start = pos
    while start > 0 and pos - start < limit and text[start - 1] not in "。；;\n\t":
        start -= 1
    return text[start:pos]


# ============================================================================================
# Parts and totals in the record and in prose
# ============================================================================================


@check("basic_plus_project", "parts_do_not_sum", "基本支出 + 项目支出 = the department total, for the full-year budget and for actual spending.")
def check_basic_plus_project(ctx: CheckContext) -> Iterator[Finding]:
    for measure, total_path, name in (("budget", "budget.adjusted", "全年预算"), ("actual", "budget.actual", "实际支出")):
        basic, project = ctx.printed(f"budget.basic.{measure}"), ctx.printed(f"budget.project.{measure}")
        total = ctx.printed(total_path)
        total_fields = [total_path]
        if total is None and measure == "budget":
            initial, adjustment = ctx.printed("budget.initial"), ctx.printed("budget.adjustment")
            if initial and adjustment:
                total = Printed(initial.value + adjustment.value, 2, sum_tolerance([initial.op, adjustment.op]), initial.evidence, None, "万元")
                total_fields = ["budget.initial", "budget.adjustment"]
        if basic is None or project is None or total is None:
            continue
        tolerance = sum_tolerance([basic.op, project.op, total.op])
        computed = basic.value + project.value
        if abs(computed - total.value) <= tolerance + EPS:
            continue
        yield _finding(
            "basic_plus_project", "parts_do_not_sum", "error",
            f"基本支出 {_num(basic.value)} + 项目支出 {_num(project.value)} = {_num(round(computed, 6))} 万元，但{name}印为 {_num(total.value)} 万元",
            [f"budget.basic.{measure}", f"budget.project.{measure}", *total_fields], total.value, round(computed, 6), tolerance,
            [basic.evidence, project.evidence] + [ctx.evidence(f) for f in total_fields],
        )


@check("projects_within_total", "parts_do_not_sum", "Projects must not sum past the total they are part of: Σ project budgets ≤ 项目支出 (else the department) budget, Σ actuals likewise.")
def check_projects_within_total(ctx: CheckContext) -> Iterator[Finding]:
    projects = ctx.plain["projects"]
    if len(projects) < 2:
        return
    totals = {
        "budget": ["budget.project.budget", "budget.adjusted", "budget.initial"],
        "actual": ["budget.project.actual", "budget.actual"],
    }
    for measure, candidates in totals.items():
        total_path = next((p for p in candidates if ctx.number(p) is not None), None)
        if total_path is None:
            continue
        total = ctx.printed(total_path)
        items = [(i, ctx.printed(f"projects[{i}].{measure}")) for i in range(len(projects))]
        items = [(i, p) for i, p in items if p is not None]
        if len(items) < 2 or total is None:
            continue
        part_sum = sum(p.value for _, p in items)
        tolerance = sum_tolerance([total.op] + [p.op for _, p in items])
        if part_sum <= total.value + tolerance + EPS:
            continue
        word = "预算" if measure == "budget" else "实际支出"
        yield _finding(
            "projects_within_total", "parts_do_not_sum", "error",
            f"{len(items)} 个项目的{word}之和 {_num(round(part_sum, 6))} 万元超过了总数 {total_path} = {_num(total.value)} 万元",
            [total_path] + [f"projects[{i}].{measure}" for i, _ in items], total.value, round(part_sum, 6), tolerance,
            [total.evidence] + [p.evidence for _, p in items],
        )


# A 其中 breakdown in prose: '全年预算12,486.73万元。其中：基本支出3,204.55万元，项目支出9,282.18万元。'
_BUDGET_WORDS = re.compile(r"预算|安排|下达|批复|追加|调整|计划")
_ACTUAL_WORDS = re.compile(r"实际支出|已支出|已支付|支付|已执行|执行数|实际执行|决算|使用|拨付|累计支出|支出了")
_PAREN_ASIDE = re.compile(r"[（(][^（）()]*[）)]")


def _measure_before(text: str) -> str | None:
    """budget / actual from the nearest measure word in ``text`` (its end matters most)."""
    text = lx.fold(text)
    best, which = -1, None
    for pattern, name in ((_BUDGET_WORDS, "budget"), (_ACTUAL_WORDS, "actual")):
        for m in pattern.finditer(text):
            if m.end() > best:
                best, which = m.end(), name
    return which


@dataclass
class _Amount:
    value: float
    half: float
    mention: NumberMention
    measure: str | None


_BROKEN_BEFORE = re.compile(r"\d\s*[,.．]\s*$")


def broken_number(ctx: CheckContext, m: NumberMention) -> bool:
    """The mention may be the tail of a number the normaliser could not rejoin ('47. 19' after a
    line break, '5472,5300. 00' with two faults): its value is not to be trusted."""
    return bool(_BROKEN_BEFORE.search(ctx.text[max(0, m.norm_start - 4) : m.norm_start])) or (
        m.unit is None and bool(re.match(r"\s*[,.．]\s*\d", ctx.text[m.norm_end : m.norm_end + 4]))
    )


def _money_amounts(ctx: CheckContext, start: int, end: int, segment_start: int) -> list[_Amount]:
    out = []
    for m in ctx.mentions_between(start, end):
        value = _wan(m)
        if value is None:
            continue
        if broken_number(ctx, m):
            return []  # one unreadable figure makes the whole breakdown unreadable
        before = ctx.text[segment_start : m.norm_start]
        if _NOT_A_PART_BEFORE.search(before[-8:]) or _PER_UNIT_AFTER.match(ctx.text, m.norm_end):
            continue  # a saving, a remainder or a price per unit: no part of any total
        out.append(_Amount(value, _mention_half(m), m, _measure_before(before)))
    return out


# '较预算节约44.13万元', '剩余18.72万元…尚未支付', '按每亩1200元的标准': amounts that are neither a
# total nor a part of one.
_NOT_A_PART_BEFORE = re.compile(lx.with_variants(r"(?:节约|节省|节余|结余|剩余|尚余|余额|差额|减少|增加|下降|增长|超支|每[\u4e00-\u9fff]{0,3})[^，,；;。]{0,3}$"))
_PER_UNIT_AFTER = re.compile(r"\s*(?:万元|元)?\s*/")


@check("prose_breakdown_sum", "parts_do_not_sum", "A 其中 list of amounts in prose (基本/项目支出, “三公” items, sub-funds) against the total it breaks down, per measure (budget vs actual).")
def check_prose_breakdowns(ctx: CheckContext) -> Iterator[Finding]:
    text = ctx.text
    for m in re.finditer(r"其中[:：]?", text):
        if ctx.in_table(m.start()):
            continue
        head = _breakdown_head(ctx, m.start())
        if head is None:
            continue
        head_start, head_end, inside_paren = head
        totals = [a for a in _money_amounts(ctx, head_start, head_end, head_start) if not _in_aside(text, head_start, a.mention.norm_start)]
        if not totals:
            continue
        # Each measure's total is its last amount; amounts with no measure word count for the
        # measure of the amount right before 其中.
        nearest = totals[-1]
        by_measure: dict[str, _Amount] = {}
        for a in totals:
            by_measure[a.measure or nearest.measure or "budget"] = a
        default_measure = nearest.measure or "budget"
        # The list: up to the end of the sentence (or of the bracket it sits in).
        list_start = m.end()
        list_end = _list_end(text, list_start, ctx.line_of(m.start()).end, inside_paren)
        items = _breakdown_items(ctx, list_start, list_end)
        if len(items) < 2:
            continue
        for measure, total in by_measure.items():
            yield from _breakdown_finding(ctx, measure, total, items, default_measure, by_measure)


def _breakdown_head(ctx: CheckContext, pos: int) -> tuple[int, int, bool] | None:
    """(start, end, inside a bracket) of the text whose amounts a 其中 at ``pos`` breaks down:
    the clause chain before it in its sentence; the sentence before when 其中 opens a sentence
    (also across a line break); the text before the bracket when '（其中…）' is an aside."""
    text = ctx.text
    line = ctx.line_of(pos)
    open_paren = max(text.rfind("（", line.start, pos), text.rfind("(", line.start, pos))
    close_paren = max(text.rfind("）", line.start, pos), text.rfind(")", line.start, pos))
    inside_paren = open_paren > close_paren
    end = open_paren if inside_paren else pos
    if not text[line.start : end].strip():
        previous = ctx.layout.lines[line.index - 1] if line.index > 0 else None
        if previous is None or previous.is_table_row or not previous.text.strip():
            return None
        line, end = previous, previous.start + len(previous.text.rstrip())
    probe = end
    while probe > line.start and text[probe - 1] in " ：:":
        probe -= 1
    if text[probe - 1 : probe] == "。":
        probe -= 1
    start = probe
    while start > line.start and text[start - 1] not in "。；;\n\t":
        start -= 1
    return start, probe, inside_paren


def _in_aside(text: str, start: int, pos: int) -> bool:
    segment = text[start:pos]
    return segment.count("（") + segment.count("(") > segment.count("）") + segment.count(")")


def _list_end(text: str, start: int, line_end: int, inside_paren: bool) -> int:
    depth = 0
    for i in range(start, line_end):
        ch = text[i]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            if depth == 0 and inside_paren:
                return i
            depth = max(0, depth - 1)
        elif ch == "。" and depth == 0:
            return i
    return line_end


def _breakdown_items(ctx: CheckContext, start: int, end: int) -> list[list[tuple[_Amount, int]]]:
    """Items of a 其中 list: a segment (between ，；、) that names something opens an item; a
    segment opening with a measure word ('已支付34.33万元') continues the item before. Each
    item keeps its amounts with their measure and the index of the '；' group it ends in."""
    text = ctx.text
    items: list[list[tuple[_Amount, int]]] = []
    group = 0
    pos = start
    for seg in re.finditer(r"[^，,；;、]+[，,；;、]?", text[start:end]):
        s, e = start + seg.start(), start + seg.end()
        body = text[s:e].strip(" ，,；;、\n")
        # An aside is judged from the list's start: '（其中：A0.69亿元，B0.42亿元）' spans segments.
        amounts = [a for a in _money_amounts(ctx, s, e, s) if not _in_aside(text, start, a.mention.norm_start)]
        if amounts:
            opens_with_measure = bool(re.match(r"\s*(?:其中)?\s*(?:" + _ACTUAL_WORDS.pattern + "|" + _BUDGET_WORDS.pattern + ")", lx.fold(body)))
            if opens_with_measure and items:
                items[-1].extend((a, group) for a in amounts)
            else:
                items.append([(a, group) for a in amounts])
        if text[e - 1 : e] in "；;":
            group += 1
        pos = e
    return items


def _breakdown_finding(ctx, measure, total: _Amount, items, default_measure, by_measure) -> Iterator[Finding]:
    chosen: list[tuple[_Amount, int]] = []
    for item in items:
        same = [(a, g) for a, g in item if a.measure == measure]
        bare = [(a, g) for a, g in item if a.measure is None]
        if same:
            chosen.append(same[0])
        elif bare and measure == default_measure:
            chosen.append(bare[0])
        else:
            return  # an item with no amount of this measure: the list does not break it down
    # The list may end early: '其中A…，B…；已计提折旧…' — accept any prefix ending at a '；'
    # group boundary whose sum is the total.
    groups = sorted({g for _, g in chosen})
    for last in groups:
        prefix = [a for a, g in chosen if g <= last]
        tolerance = sum_tolerance(_op(a.mention) for a in [total, *prefix])
        if len(prefix) >= 2 and abs(sum(a.value for a in prefix) - total.value) <= tolerance + EPS:
            return
    parts = [a for a, _ in chosen]
    part_sum = sum(a.value for a in parts)
    tolerance = sum_tolerance(_op(a.mention) for a in [total, *parts])
    if abs(part_sum - total.value) <= tolerance + EPS:
        return
    # An item printed in 元 among 万元 (or the reverse) that adds up once read in the total's
    # unit is a unit slip, not a wrong sum: amount_unit_magnitude reports it.
    for a in parts:
        if a.mention.unit != total.mention.unit and a.mention.unit in MONEY_UNITS and total.mention.unit in MONEY_UNITS:
            rescaled = part_sum - a.value + (to_wan(a.mention.value, total.mention.unit) or a.value)
            if abs(rescaled - total.value) <= tolerance + EPS:
                return
    # Over the total: certainly wrong. Under it: a partial list, unless the same items add up
    # exactly for the other measure (then the list is complete).
    complete = False
    other = "actual" if measure == "budget" else "budget"
    if other in by_measure:
        other_values = []
        for item in items:
            same = [a for a, _ in item if a.measure == other]
            if same:
                other_values.append(same[0])
        if len(other_values) == len(items):
            other_total = by_measure[other]
            complete = abs(sum(a.value for a in other_values) - other_total.value) <= sum_tolerance(_op(a.mention) for a in [other_total, *other_values]) + EPS
    severity: Severity = "error" if part_sum > total.value or complete else "warning"
    word = "预算" if measure == "budget" else "实际支出"
    mentions = [total.mention] + [a.mention for a in parts]
    fields = [f for mm in mentions for f in ctx.fields_of_mention(mm)]
    shown = " + ".join(_num(a.value) for a in parts)
    yield _finding(
        "prose_breakdown_sum", "parts_do_not_sum", severity,
        f"{word}总数印为 {_num(total.value)} 万元，其中所列各项 {shown} = {_num(round(part_sum, 6))} 万元（相差 {_num(round(total.value - part_sum, 6))}）"
        + ("" if severity == "error" else "；所列可能不全"),
        fields, total.value, round(part_sum, 6), tolerance, [ctx.mention_evidence(mm) for mm in mentions],
    )


# ============================================================================================
# Remainders stated in prose
# ============================================================================================

_REMAINDER = re.compile(r"(?:结转结余|结余结转|剩余|尚余|结余|余额)(?:资金|金额|经费|款项)?\s*(?:为|约|共|计)?\s*[:：]?\s*(?=\d)")
# '年初结转结余34万元' / '上年结转结余' is money carried in from last year, not what is left.
_CARRIED_IN = re.compile(r"(?:年初|上年|以前年度|历年|往年)(?:结转|结余)*$")
_PAID_WORDS = re.compile(r"已支付|支付|实际支出|已支出|已执行|执行|已使用|使用|拨付|已完成")


@check("remainder_vs_paid", "remainder_mismatch", "A remainder stated in prose ('剩余18万元', '结余170.24万元') vs budget − paid, at the precision of the operands; a remainder only rounded coarser is a warning.")
def check_remainders(ctx: CheckContext) -> Iterator[Finding]:
    for m in _REMAINDER.finditer(ctx.text):
        if ctx.in_table(m.start()) or _CARRIED_IN.search(ctx.text[max(0, m.start() - 8) : m.start()]):
            continue
        mention = next(iter(ctx.mentions_between(m.end(), m.end() + 24)), None)
        if mention is None or mention.norm_start != m.end() or (remainder := _wan(mention)) is None or broken_number(ctx, mention):
            continue
        pairs = _remainder_pairs(ctx, m.start())
        if not pairs:
            continue
        own = _op(mention)

        def agrees(pair: RemainderPair, coarse: bool) -> bool:
            tolerance = own.half + sum_tolerance(pair.ops) if coarse else sum_tolerance([*pair.ops, own])
            return abs(pair.budget - pair.paid - remainder) <= tolerance + EPS

        if any(agrees(p, coarse=False) for p in pairs):
            continue
        # Report against the paragraph's own figures, else the department's; a remainder that
        # fits none of the pairs and has neither is not attributable to anything.
        pair = next((p for p in pairs if p.local), None) or next((p for p in pairs if p.fields[0] == "budget.adjusted"), None)
        if pair is None:
            continue
        severity: Severity = "warning" if agrees(pair, coarse=True) else "error"
        computed = pair.budget - pair.paid
        note = f"；只在取整到 {mention.decimals} 位小数时相符，而预算与已支付数精确到 {max(o.decimals for o in pair.ops)} 位" if severity == "warning" else ""
        yield _finding(
            "remainder_vs_paid", "remainder_mismatch", severity,
            f"文中称“{m.group().strip()}{mention.text.strip()}”，但 {pair.name}：{_num(pair.budget)} − {_num(pair.paid)} = {_num(round(computed, 6))} 万元{note}",
            [*ctx.fields_of_mention(mention), *pair.fields], remainder, round(computed, 6), sum_tolerance([*pair.ops, own]),
            [ctx.mention_evidence(mention, m.group().strip()), *pair.evidence],
        )


@dataclass
class RemainderPair:
    name: str
    budget: float
    paid: float
    ops: list[Op]
    fields: list[str]
    evidence: list[Evidence | None]
    local: bool = False


def _remainder_pairs(ctx: CheckContext, pos: int) -> list[RemainderPair]:
    """What a remainder at ``pos`` can be the difference of: the budget and the paid amount
    printed before it in its paragraph, then every budget/actual pair of the record."""
    pairs = []
    line = ctx.line_of(pos)
    amounts = [a for a in ctx.mentions_between(line.start, pos) if _wan(a) is not None]
    paid = None
    for a in reversed(amounts):
        before = ctx.text[max(line.start, a.norm_start - 12) : a.norm_start]
        if _PAID_WORDS.search(before):
            paid = a
            break
    if paid is not None:
        budget = None
        for a in reversed([a for a in amounts if a.norm_start < paid.norm_start]):
            before = ctx.text[max(line.start, a.norm_start - 8) : a.norm_start]  # normalised: folded already
            if _PAID_WORDS.search(before):
                continue
            if re.search(r"预算|安排|下达|批复|成本|总额|计划|资金|经费", before):
                budget = a
                break
        if budget is not None:
            pairs.append(RemainderPair(
                "本段所列预算减已支付", _wan(budget), _wan(paid), [_op(budget), _op(paid)],  # type: ignore[arg-type]
                ctx.fields_of_mention(budget) + ctx.fields_of_mention(paid),
                [ctx.mention_evidence(budget), ctx.mention_evidence(paid)], local=True,
            ))
    return pairs + _record_remainder_pairs(ctx)


def _record_remainder_pairs(ctx: CheckContext) -> list[RemainderPair]:
    """Every budget/actual pair of the record, built once per record (not per remainder)."""
    cached = ctx.__dict__.get("_record_remainder_pairs")
    if cached is not None:
        return cached
    pairs = []
    record_pairs = [("部门全年预算减实际支出", "budget.adjusted", "budget.actual")]
    if ctx.number("budget.adjusted") is None and not _adjustment_mentioned(ctx):
        record_pairs.append(("部门预算减实际支出", "budget.initial", "budget.actual"))  # nothing was adjusted
    record_pairs += [(f"{k} 预算减实际支出", f"budget.{k}.budget", f"budget.{k}.actual") for k in ("basic", "project", "three_public")]
    record_pairs += [(f"项目“{p['name']}”预算减实际支出", f"projects[{i}].budget", f"projects[{i}].actual") for i, p in enumerate(ctx.plain["projects"])]
    for name, budget_path, paid_path in record_pairs:
        b, p = ctx.printed(budget_path), ctx.printed(paid_path)
        if b is not None and p is not None:
            pairs.append(RemainderPair(name, b.value, p.value, [b.op, p.op], [budget_path, paid_path], [b.evidence, p.evidence]))
    ctx.__dict__["_record_remainder_pairs"] = pairs
    return pairs


# ============================================================================================
# Scores and grades
# ============================================================================================


@dataclass
class ScoreItem:
    label: str
    points: NumberMention | None
    score: NumberMention
    row: GridRow | None


@dataclass
class ScoreTable:
    items: list[ScoreItem]
    total_points: NumberMention | None = None
    total_score: NumberMention | None = None
    total_label: str | None = None


def _score_pair(ctx: CheckContext, block: GridBlock, row: GridRow) -> tuple[NumberMention | None, NumberMention | None]:
    """(points, score) of a score-table row: the cells under the header's last 分值/权重 column
    and its 得分 column; on a row shifted by a page break (fewer cells than the header), the last
    two cells when both are numbers."""
    points_cols, score_cols = block.columns_with("points"), block.columns_with("score")
    score_col = score_cols[-1]
    points_col = max((c for c in points_cols if c < score_col), default=points_cols[-1])
    points, score = _cell_mention(ctx, row.cell(points_col)), _cell_mention(ctx, row.cell(score_col))
    if points is not None and score is not None:
        return points, score
    filled = [c for c in row.line.cells if c.text]
    blank = all((c := row.cell(col)) is None or not c.text for col in (points_col, score_col))
    if blank and len(filled) >= 2 and all(_is_numeric(c.text) for c in filled[-2:]):
        return _cell_mention(ctx, filled[-2]), _cell_mention(ctx, filled[-1])
    if row.label.startswith(_SCORE_TOTAL_LABELS + ("合计", "总计")):
        numbers = [c for c in filled if _is_numeric(c.text)]
        if len(numbers) >= 2:
            return _cell_mention(ctx, numbers[-2]), _cell_mention(ctx, numbers[-1])
        if numbers:
            return None, _cell_mention(ctx, numbers[-1])
    return None, None


_SPACED_SCORE_ROW = re.compile(r"^\s*(?P<name>\S.*?[\u4e00-\u9fff）)][^\d\t]*?)\s+(?P<points>\d{1,3}(?:\.\d+)?)\s+(?P<score>\d{1,3}(?:\.\d+)?)\s*$")


def _score_tables(ctx: CheckContext) -> list[ScoreTable]:
    """Score items (分值 + 得分 per row) of every score table, grouped by the total row that
    closes them (总分 / 合计 with 100 points); a money block's 分值/得分 cells (the budget
    execution score) are items of the same table. A row that lost its tabs inside an open score
    table ('养老服务任务完成率 13 12') is read by its two trailing numbers."""
    rows: dict[int, tuple[GridBlock, GridRow]] = {}
    for block in ctx.tables:
        if block.columns_with("points") and block.columns_with("score"):
            for row in block.rows:
                rows[row.line.index] = (block, row)
    if not rows:
        return []
    tables: list[ScoreTable] = []
    current = ScoreTable([])
    for line in ctx.layout.lines[min(rows) :]:
        label, points, score, row = "", None, None, None
        if _REVIEW_SCORE.search(line.text):
            continue  # '自评总分 95 复核总分 93', a 复核分 header: scores side by side, no points
        if line.index in rows:
            block, row = rows[line.index]
            points, score = _score_pair(ctx, block, row)
            label = row.label
        elif current.items and not line.is_table_row and (m := _SPACED_SCORE_ROW.match(line.text)) and len(line.text) <= 60:
            found = ctx.mentions_between(line.start + m.start("points"), line.start + m.end("score"))
            if len(found) == 2:
                points, score = found
                label = lx.fold(re.sub(r"\s+", "", m.group("name")))
        if score is None:
            continue
        is_total = label.startswith(_SCORE_TOTAL_LABELS) or (
            label.startswith(("合计", "总计"))
            and points is not None
            and (points.value == 100 or (current.items and abs(points.value - sum(i.points.value for i in current.items if i.points)) < EPS))
        )
        if is_total:
            current.total_points, current.total_score, current.total_label = points, score, label
            tables.append(current)
            current = ScoreTable([])
        elif points is not None:
            if row is not None:
                names = [c.text for c in row.line.cells if c.end <= points.norm_start and CJK.search(c.text) and not _is_numeric(c.text)]
                label = re.sub(r"\s+", "", names[-1]) if names else label
            else:
                label = re.split(r"\s+", m.group("name").strip())[-1]
            current.items.append(ScoreItem(label, points, score, row))
    if current.items:
        tables.append(current)
    return tables


def score_tables(ctx: CheckContext) -> list[ScoreTable]:
    return ctx.score_tables


@check("score_items_sum", "score_items_do_not_sum", "Score table: item scores sum to the total score (the 总分/合计 row, else the record's score) when the items' points sum to the total points.")
def check_score_sum(ctx: CheckContext) -> Iterator[Finding]:
    for table in score_tables(ctx):
        if len(table.items) < 2:
            continue
        total_score = table.total_score
        total_value = total_score.value if total_score else ctx.number("evaluation.score")
        if total_value is None:
            continue
        total_points = table.total_points.value if table.total_points else 100.0
        points_sum = sum(i.points.value for i in table.items if i.points)
        score_sum = sum(i.score.value for i in table.items)
        tolerance = 0.005 * (len(table.items) + 1)
        score_fields = ["evaluation.score"] if ctx.number("evaluation.score") is not None else []
        evidence = ([ctx.mention_evidence(total_score, table.total_label)] if total_score else [ctx.evidence("evaluation.score")]) + [
            ctx.mention_evidence(i.score, i.label) for i in table.items
        ]
        if abs(points_sum - total_points) > tolerance:
            # Not every item was read (a row lost in a page break or its tabs): only a sum of
            # the items read that already exceeds the total is certain.
            if points_sum < total_points and score_sum > total_value + tolerance:
                yield _finding(
                    "score_items_sum", "score_items_do_not_sum", "error",
                    f"评分表已读出的 {len(table.items)} 项（分值共 {_num(points_sum)}）得分之和 {_num(round(score_sum, 6))} 已超过总分 {_num(total_value)}",
                    score_fields, total_value, round(score_sum, 6), tolerance, evidence,
                )
            continue
        if abs(score_sum - total_value) <= tolerance:
            continue
        yield _finding(
            "score_items_sum", "score_items_do_not_sum", "error",
            f"评分表 {len(table.items)} 项得分之和为 {_num(round(score_sum, 6))}，但总分印为 {_num(total_value)}（各项分值之和 {_num(points_sum)} 与总分值相符）",
            score_fields, total_value, round(score_sum, 6), tolerance, evidence,
        )


@check("score_item_within_points", "score_items_do_not_sum", "Score table: no item scores more than its points (分值 / 权重).")
def check_score_items_within_points(ctx: CheckContext) -> Iterator[Finding]:
    for table in score_tables(ctx):
        for item in table.items:
            if item.points is not None and item.score.value > item.points.value + EPS:
                yield _finding(
                    "score_item_within_points", "score_items_do_not_sum", "error",
                    f"评分项“{item.label}”得分 {_num(item.score.value)} 超过其分值 {_num(item.points.value)}",
                    [], item.score.value, item.points.value, 0.0,
                    [ctx.mention_evidence(item.score, item.label), ctx.mention_evidence(item.points, item.label)],
                )


@check("score_total_within_100", "score_items_do_not_sum", "The total score lies in 0–100.")
def check_score_range(ctx: CheckContext) -> Iterator[Finding]:
    score = ctx.printed("evaluation.score")
    if score is None:
        return
    limit = 100.0
    if score.value < 0 or score.value > limit + EPS:
        yield _finding(
            "score_total_within_100", "score_items_do_not_sum", "error",
            f"自评总分 {_num(score.value)} 不在 0–{_num(limit)} 分之间",
            ["evaluation.score"], score.value, limit, 0.0, [score.evidence],
        )


GRADE_BANDS = (("优", 90.0, 100.0), ("良", 80.0, 90.0), ("中", 60.0, 80.0), ("差", 0.0, 60.0))


def grade_for(score: float) -> str:
    """The grade a score earns: 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60."""
    for grade, low, _ in GRADE_BANDS:
        if score >= low - EPS:
            return grade
    return "差"


@check("grade_vs_score", "grade_score_mismatch", "The grade fits the score band: 优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60.")
def check_grade(ctx: CheckContext) -> Iterator[Finding]:
    score, grade = ctx.printed("evaluation.score"), ctx.value("evaluation.grade")
    if score is None or not grade:
        return
    printed = lx.fold(str(grade).strip())[:1]
    if printed not in "优良中差":
        return
    expected = grade_for(score.value)
    if printed == expected:
        return
    band = next(f"{low:g}–{high:g}" for g, low, high in GRADE_BANDS if g == printed)
    yield _finding(
        "grade_vs_score", "grade_score_mismatch", "error",
        f"自评等级印为“{grade}”（{band} 分），但总分 {_num(score.value)} 分应为“{expected}”",
        ["evaluation.grade", "evaluation.score"], grade, expected, None,
        [ctx.evidence("evaluation.grade"), score.evidence],
    )


# ============================================================================================
# Units and magnitudes
# ============================================================================================

_MONEY_LABEL_BEFORE = re.compile(r"支出|预算|安排|执行|支付|资金|经费|拨款|金额|费用?|决算|投入|下达|结余")


def _unit_suspect(value_wan: float, others_wan: list[float], printed_unit: str) -> str | None:
    """'元→万元' when the amount, printed in 元, is ~10⁴ too small beside amounts printed in
    万元 (and ×10⁴ would fit them); '万元→元' for the reverse."""
    others = sorted(o for o in others_wan if o > 0)
    if value_wan <= 0 or not others:
        return None
    median = others[len(others) // 2]
    ratio = value_wan / median
    if printed_unit == "元" and ratio < 2e-4 and 0.02 <= ratio * 1e4 <= 50:
        return "元→万元"
    if printed_unit in ("万元", "亿元") and ratio > 5e3 and 0.02 <= ratio / 1e4 <= 50:
        return "万元→元"
    return None


@check("amount_unit_magnitude", "unit_suspect", "An amount whose magnitude says 元 where the unit in force is 万元, or the reverse: e.g. '实际支出348.87元' beside 万元 figures of the same sentence or table row.")
def check_amount_units(ctx: CheckContext) -> Iterator[Finding]:
    # Prose: amounts of one sentence printed in different units.
    for line in ctx.layout.lines:
        if line.is_table_row or not line.text.strip():
            continue
        for sentence in re.finditer(r"[^。]+", ctx.text[line.start : line.end]):
            s, e = line.start + sentence.start(), line.start + sentence.end()
            money = [m for m in ctx.mentions_between(s, e) if m.unit in MONEY_UNITS and m.value > 0]
            if any(broken_number(ctx, m) for m in money):
                continue
            for m in money:
                others = [_wan(o) for o in money if o is not m and o.unit != m.unit]
                same = sum(1 for o in money if o.unit == m.unit)
                if same > len(others) or (same == len(others) and m.unit == ctx.money_unit):
                    continue  # the unit most amounts here are printed in is the one in force
                before = ctx.text[max(s, m.norm_start - 10) : m.norm_start]
                if not others or not _MONEY_LABEL_BEFORE.search(before):
                    continue
                verdict = _unit_suspect(_wan(m), others, m.unit)  # type: ignore[arg-type]
                if verdict:
                    clause = re.split(r"[，,；;：:]", ctx.text[s : m.norm_start])[-1]
                    yield _unit_finding(ctx, m, verdict, others, clause)
    # Tables: money cells of one row against each other.
    for block in ctx.tables:
        columns = _money_columns(block)
        if len(columns) < 2:
            continue
        for row in block.rows:
            cells = [c for c in (_money_cell(ctx, block, row, col) for col in columns) if c is not None and c[0] > 0]
            if len(cells) < 3:
                continue  # two figures that differ ~10⁴: which one is wrong cannot be told
            median = sorted(v for v, _, _ in cells)[len(cells) // 2]
            for value, _, m in cells:
                others = [v for v, _, o in cells if o is not m]
                unit = m.unit if m.unit in MONEY_UNITS else block.unit
                ratio = value / median if median else 1
                if ratio < 2e-4 and 0.02 <= ratio * 1e4 <= 50:
                    yield _unit_finding(ctx, m, f"{unit}→{'万元' if unit == '元' else unit}（小了约一万倍）", others, row.label)
                elif ratio > 5e3 and 0.02 <= ratio / 1e4 <= 50:
                    yield _unit_finding(ctx, m, f"数值像是以元计，而表格单位为{unit}", others, row.label)


def _unit_finding(ctx: CheckContext, m: NumberMention, verdict: str, others: list[float], label: str) -> Finding:
    fields = ctx.fields_of_mention(m, candidates=True)
    as_wan = _wan(m) or m.value
    intended = m.value if verdict.startswith("元→") else as_wan / 1e4
    median = sorted(others)[len(others) // 2]
    return _finding(
        "amount_unit_magnitude", "unit_suspect", "error",
        f"“{label.strip()[-16:]}{m.text.strip()}”：同句/同行其他金额约 {_num(round(median, 2))} 万元，此数按所印单位只有 {_num(round(as_wan, 6))} 万元，"
        f"相差约一万倍；单位疑为笔误（{verdict}，应约为 {_num(round(intended, 6))} 万元）",
        fields, round(as_wan, 6), round(intended, 6), None, [ctx.mention_evidence(m)],
    )


_AMOUNT_PAIRS = [
    ("budget.initial", "budget.adjusted"),
    ("budget.adjusted", "budget.actual"),
    ("budget.initial", "budget.actual"),
    ("budget.basic.budget", "budget.basic.actual"),
    ("budget.project.budget", "budget.project.actual"),
    ("budget.three_public.budget", "budget.three_public.actual"),
    ("budget.basic.budget", "budget.adjusted"),
    ("budget.project.budget", "budget.adjusted"),
]


@check("record_amount_scale", "unit_suspect", "Record amounts that belong together (budget vs actual, part vs total) differ by ~10⁴: one was read in 元 as if 万元, or the reverse.")
def check_record_scale(ctx: CheckContext) -> Iterator[Finding]:
    pairs = list(_AMOUNT_PAIRS) + [(f"projects[{i}].budget", f"projects[{i}].actual") for i in range(len(ctx.plain["projects"]))]
    for a_path, b_path in pairs:
        a, b = ctx.number(a_path), ctx.number(b_path)
        if not a or not b or a <= 0 or b <= 0:
            continue
        ratio = a / b
        if (ratio >= 1e3 and 0.1 <= ratio / 1e4 <= 10) or (ratio <= 1e-3 and 0.1 <= ratio * 1e4 <= 10):
            big, small = (a_path, b_path) if ratio > 1 else (b_path, a_path)
            yield _finding(
                "record_amount_scale", "unit_suspect", "error",
                f"{big} = {_num(ctx.number(big))} 万元 与 {small} = {_num(ctx.number(small))} 万元 相差约 {_num(round(max(ratio, 1 / ratio)))} 倍：其中一个的单位（元/万元）疑有误",
                [a_path, b_path], a, b, None, [ctx.evidence(a_path), ctx.evidence(b_path)],
            )


_IMPOSSIBLE_OVER_100 = re.compile(lx.AT_MOST_100_RATES)


@check("percent_over_100", "unit_suspect", "A percentage above 100 where it cannot be: satisfaction / pass / coverage / timeliness / arrival rates (completion, growth and execution rates can).")
def check_percent_over_100(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.mentions:
        if m.unit != "%" or m.value <= 100 + EPS:
            continue
        before = ctx.text[max(0, m.norm_start - 14) : m.norm_start]
        before = re.split(r"[。；;，,\n]", before)[-1]
        label = _IMPOSSIBLE_OVER_100.search(before)
        if not label:
            continue  # completion rates (119.02% of a target), growth rates, execution rates (overspending) can exceed 100
        if re.search(lx.THRESHOLD_BEFORE.replace("\\s*$", ""), before[label.end() :]):
            continue
        if _read_past_stray_digits(ctx, m):
            continue
        yield _finding(
            "percent_over_100", "unit_suspect", "error",
            f"“{label.group()}”为 {_num(m.value)}%，而这一比率不可能超过 100%",
            ctx.fields_of_mention(m), m.value, 100.0, None, [ctx.mention_evidence(m, label.group())],
        )


def _read_past_stray_digits(ctx: CheckContext, mention: NumberMention) -> bool:
    """The record read this over-100 percentage as stray digits glued before the real figure
    ('2' + '93.5%', which the report states in prose): a field's evidence is a proper tail of the
    mention and its value is at most 100. The discarded digits are no rate."""
    for path in ctx.fields_of_mention(mention):
        evidence = ctx.evidence(path)
        if evidence is None or evidence.page is None:
            continue
        start, end = ctx.raw_span(evidence)
        figure = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", str(ctx.value(path)))  # a number, or a printed '93.5%'
        if mention.raw_start < start and end == mention.raw_end and figure and float(figure.group(1)) <= 100:
            return True
    return False


_UNREPAIRED_SEPARATOR = re.compile(r"(?<![\d,.])\d{1,4}(?:,\d{3})*,\d{4,}(?:\.\d+)?(?![\d,])")


@check("number_repaired", "separator_repaired", "A number the normaliser had to repair to read it: a misplaced thousands separator ('2,2097.11'), a letter read for a digit ('1O2.5').")
def check_repaired_numbers(ctx: CheckContext) -> Iterator[Finding]:
    names = {"separator_repaired": "千分位分隔符位置错误", "ocr_digit": "数字中混入字母（OCR 误识）"}
    repaired = [(r.raw_start, r.raw_end) for r in ctx.nt.repairs if r.kind in names]
    # A misplaced separator the normaliser could not repair ('2196,5600. 00元': two faults in
    # one number) is still a misplaced separator: groups after a comma are three digits long.
    for m in _UNREPAIRED_SEPARATOR.finditer(ctx.text):
        raw_start, raw_end = ctx.nt.raw_span(m.start(), m.end())
        if any(s < raw_end and raw_start < e for s, e in repaired):
            continue
        yield _finding(
            "number_repaired", "separator_repaired", "warning",
            f"数字“{ctx.document.text[raw_start:raw_end]}”千分位分隔符位置错误且未能自动修复，应读作“{m.group().replace(',', '')}”，请核对原件",
            ctx.fields_at(raw_start, raw_end, candidates=True), ctx.document.text[raw_start:raw_end], m.group().replace(",", ""), None,
            [ctx.raw_evidence(raw_start, raw_end)],
        )
    # Figures printed run together in one table cell that the table reader split by its columns.
    runs: dict[tuple[int, int], list[str]] = {}
    for table in ctx.typed_tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.run_together is not None:
                    runs.setdefault(cell.run_together, []).append(cell.text)
    for (start, end), parts in runs.items():
        raw_start, raw_end = ctx.nt.raw_span(start, end)
        yield _finding(
            "number_repaired", "separator_repaired", "warning",
            f"表格单元格“{ctx.document.text[raw_start:raw_end]}”中几个数字连写在一起，按所在各列拆分为“{' | '.join(parts)}”读取，请核对原件",
            ctx.fields_at(raw_start, raw_end, candidates=True), ctx.document.text[raw_start:raw_end], " ".join(parts), None,
            [ctx.raw_evidence(raw_start, raw_end)],
        )
    for repair in ctx.nt.repairs:
        if repair.kind not in names:
            continue
        fields = ctx.fields_at(repair.raw_start, repair.raw_end, candidates=True)
        yield _finding(
            "number_repaired", "separator_repaired", "warning",
            f"数字“{repair.raw}”{names[repair.kind]}，按“{repair.replacement}”读取，请核对原件",
            fields, repair.raw, repair.replacement, None, [ctx.raw_evidence(repair.raw_start, repair.raw_end)],
        )


# ============================================================================================
# The same quantity stated twice
# ============================================================================================

_DEPT_RATE_LABEL = lx.variant_regex(
    r"(?:年度|部门|整体)?(?:预算资金支出率|预算执行率|预算完成率|预算支出率|资金支出率|实际支出率|实际执行率|支出实现率|整体支出执行率)"
)


def department_rate_statements(ctx: CheckContext) -> list[tuple[NumberMention, str]]:
    """Department-level execution rates as stated anywhere: a rate label of the whole budget
    (预算执行率 / 预算完成率 / 部门预算资金支出率 / 实际支出率 …, not '项目资金支出率' or a bare
    执行率 of a part) followed by a percentage that is not a threshold ('达不到95%')."""
    out = []
    for m in _DEPT_RATE_LABEL.finditer(ctx.text):
        before = ctx.text[m.start() - 1 : m.start()] if m.start() else ""
        if before and CJK.match(before) and not re.search(r"\d\s*年度?$|[年度的为是]$", ctx.text[max(0, m.start() - 6) : m.start()]):
            continue
        gap = re.match(r"[\s:：]*(?:为|是|达|达到|共)?[\s:：]*", ctx.text[m.end() : m.end() + 8])
        mention = next(iter(ctx.mentions_between(m.end(), m.end() + 12)), None)
        if mention is None or mention.unit != "%" or mention.norm_start != m.end() + gap.end():
            continue
        clause = re.split(r"[，,；;。\t\n]", _sentence_before(ctx.text, m.start(), 60))[-1]
        if re.search(r"基本支出|项目支出|三公|其中", clause) or ctx.view.item_name_at(m.start()):
            continue
        after = ctx.text[mention.norm_end : mention.norm_end + 4]
        if re.search(lx.THRESHOLD_BEFORE, ctx.text[max(0, m.start() - 6) : m.start()] + ctx.text[m.end() : mention.norm_start]) or re.match(lx.THRESHOLD_AFTER, after):
            continue
        out.append((mention, m.group()))
    return out


@check("execution_rate_restated", "conflicting_statement", "The department's execution rate stated twice with different values (seed 000: 预算完成率 99.66% vs 实际支出率100%); only-rounded differences are warnings.")
def check_rate_restated(ctx: CheckContext) -> Iterator[Finding]:
    statements = department_rate_statements(ctx)
    # The record's own rate is a statement too (it may sit under a bare 执行率 label).
    rate = ctx.printed("budget.execution_rate")
    if rate is not None and rate.mention is not None and all(m.raw_start != rate.mention.raw_start for m, _ in statements):
        label = (rate.evidence.label if rate.evidence and rate.evidence.label else None) or "执行率"
        statements.insert(0, (rate.mention, label))
    if len(statements) < 2:
        return
    reported: set[tuple[float, float]] = set()
    for i, (a, a_label) in enumerate(statements):
        for b, b_label in statements[i + 1 :]:
            if abs(a.value - b.value) <= EPS or (a.value, b.value) in reported:
                continue
            reported.add((a.value, b.value))
            coarse = 0.5 * 10 ** -min(a.decimals, b.decimals)
            severity: Severity = "warning" if abs(a.value - b.value) <= coarse + EPS else "error"
            note = f"；两者只在取整到 {min(a.decimals, b.decimals)} 位小数时一致" if severity == "warning" else ""
            yield _finding(
                "execution_rate_restated", "conflicting_statement", severity,
                f"部门预算执行率前后不一：“{a_label}”{_num(a.value)}% 与 “{b_label}”{_num(b.value)}%{note}",
                ctx.fields_of_mention(a) + ctx.fields_of_mention(b) or ["budget.execution_rate"],
                a.value, b.value, coarse, [ctx.mention_evidence(a, a_label), ctx.mention_evidence(b, b_label)],
            )


@check("score_or_grade_restated", "conflicting_statement", "The total score or the grade printed twice with different values (prose 自评得分 vs the score table's total row, two 等级 statements).")
def check_score_restated(ctx: CheckContext) -> Iterator[Finding]:
    for path, word in (("evaluation.score", "自评得分"), ("evaluation.grade", "自评等级")):
        chosen = ctx.value(path)
        if chosen is None:
            continue
        statements: list[tuple[Any, Evidence | None, str | None]] = [(chosen, ctx.evidence(path), None)]
        for candidate in ctx.record.candidates.get(path, []):
            if not candidate.chosen and candidate.reason and candidate.reason.startswith(("label", "prose", "score table")):
                statements.append((candidate.value, candidate.evidence, candidate.evidence.label))
        if path == "evaluation.score":
            for table in score_tables(ctx):
                if table.total_score is not None:
                    statements.append((table.total_score.value, ctx.mention_evidence(table.total_score, table.total_label), table.total_label))
        for value, evidence, label in statements[1:]:
            same = abs(float(value) - float(chosen)) <= 0.005 if path == "evaluation.score" else str(value)[:1] == str(chosen)[:1]
            if same:
                continue
            yield _finding(
                "score_or_grade_restated", "conflicting_statement", "error",
                f"{word}前后不一：{chosen} 与 “{label or '另一处'}”{value}",
                [path], chosen, value, None, [statements[0][1], evidence],
            )


# The department's amounts, each a quantity a report may state twice (summary and money section).
_RESTATABLE_AMOUNTS = {"budget.initial": "年初预算", "budget.adjusted": "全年预算", "budget.actual": "实际支出"}


_DEPARTMENT_SUBJECT = re.compile(lx.with_variants(r"[我本](?:局|厅|委|部门|单位|院|中心|办|馆|镇|县|区)|部门|全年|整体"))
_ITEM_WORDS = re.compile(lx.with_variants(r"项目|资金|经费|专项|补助|补贴"))


def _speaks_for_department(ctx: CheckContext, evidence: Evidence | None) -> bool:
    """The sentence leading up to an amount is about the whole department ('2020年我局全年预算…，
    实际支出…', '全年实际支出…') and names no project or fund of its own."""
    if evidence is None or evidence.page is None or evidence.start is None:
        return False
    page = ctx.document.pages[evidence.page - 1].text
    # Sentences, not lines: hard-wrapped prose breaks a sentence over lines.
    start = max(page.rfind(mark, 0, evidence.start) for mark in "。；;")
    lead = page[start + 1 : evidence.start]
    # A line that opens with an item's own heading ('（一）X专项。全年预算…') is that item's.
    line = page[page.rfind("\n", 0, evidence.start) + 1 : evidence.start]
    return bool(_DEPARTMENT_SUBJECT.search(lead)) and not _ITEM_WORDS.search(lead) and not _ITEM_WORDS.search(line)


@check("amount_restated", "conflicting_statement", "A department amount (年初预算 / 全年预算 / 实际支出) stated twice, under labels of equal strength and scope, with different values (a summary paragraph's 实际支出6887.14 vs the money section's 6877.14).")
def check_amount_restated(ctx: CheckContext) -> Iterator[Finding]:
    for path, word in _RESTATABLE_AMOUNTS.items():
        chosen = ctx.value(path)
        candidates = ctx.record.candidates.get(path, [])
        winner = next((c for c in candidates if c.chosen), None)
        if chosen is None or winner is None or winner.score is None:
            continue
        for candidate in candidates:
            if candidate.chosen or candidate.score is None or not candidate.reason:
                continue
            # Only a rival as strong as the winner, read as the department's whole amount: a
            # weaker label, a part's scope or a partial-year qualifier is another quantity.
            if candidate.score < winner.score - 1e-6 or not candidate.reason.startswith("label"):
                continue
            if any(word_ in candidate.reason for word_ in ("scope", "partial", "元 amount")):
                continue
            if abs(float(candidate.value) - float(chosen)) <= EPS:
                continue
            if not (_speaks_for_department(ctx, candidate.evidence) and _speaks_for_department(ctx, ctx.evidence(path))):
                continue  # a project's or a fund's own 实际支出 is another quantity
            yield _finding(
                "amount_restated", "conflicting_statement", "error",
                f"{word}前后不一：{_num(float(chosen))} 万元 与 “{candidate.evidence.label or '另一处'}”{_num(float(candidate.value))} 万元",
                [path], chosen, candidate.value, EPS, [ctx.evidence(path), candidate.evidence],
            )


# The label's first word names the count: 在职 (on the payroll at a date) and 实有 (actually present,
# often an indicator's census) are different quantities, so only equal words are compared.
_STAFF = re.compile(r"(在职|实有)(?:在职)?(?:人员|职工)(?:数|总数|总计|合计|共计|共)?(?:为|有)?\s*(\d+)\s*(?:人|名)")


@check("staff_count_restated", "conflicting_statement", "The same staff count (在职人员 … / 实有人员 …) stated twice with different values.")
def check_staff_restated(ctx: CheckContext) -> Iterator[Finding]:
    by_word: dict[str, list[tuple[int, re.Match[str]]]] = {}
    for m in _STAFF.finditer(ctx.text):
        by_word.setdefault(m.group(1), []).append((int(m.group(2)), m))
    for found in by_word.values():
        values = sorted({v for v, _ in found})
        if len(values) < 2:
            continue
        first = {v: m for v, m in reversed(found)}
        a, b = first[values[0]], first[values[-1]]
        yield _finding(
            "staff_count_restated", "conflicting_statement", "warning",
            f"人员数前后不一：“{a.group()}”与“{b.group()}”" + ("" if len(values) == 2 else f"（共 {len(values)} 个不同数字）"),
            [], values[-1], values[0], None,
            [ctx.span_evidence(m.start(), m.end()) for v, m in sorted(first.items())],
        )


# ============================================================================================
# Years
# ============================================================================================

_YEAR = r"((?:19|20)\d{2})"
_NOT_RANGE_BEFORE = r"(?<![\d\-—~～至到])"
_NOT_RANGE_AFTER = r"(?!\s*[\-—~～至到]\s*\d)"
_YEAR_OF_SUBJECT = re.compile(_NOT_RANGE_BEFORE + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?\s*的?\s*(?:部门|单位)\s*(?:整体|预算)|" + _NOT_RANGE_BEFORE + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?\s*整体支出")
_YEAR_OF_SELF_EVALUATION = re.compile(_NOT_RANGE_BEFORE + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?[^。，,；;\n\d]{0,12}?绩效自评")
# '（一）预算安排情况。2024年我局年初预算数为…' / '2024年度全年执行数…': the year's own money.
_YEAR_OF_MONEY = re.compile(
    r"(?:^|(?<=[。；;：:（(\t\n]))\s*" + _YEAR + _NOT_RANGE_AFTER + r"\s*年度?\s*[，,]?\s*(?:我局|本部门|我部门|我单位|本单位|我委|我办|全局)?\s*"
    r"(?:年初预算|年初批复|全年预算|全年执行|实际支出|预算执行|决算|部门预算|整体支出)"
)
# '2020年城乡低保对象保障人数18209人' opening a 实际完成情况 cell: the year the results are of.
_YEAR_OPENING = re.compile(r"^\s*(?:(?:目标|实际)?完成情况\s*[:：]\s*)?" + _YEAR + r"\s*年(?![底初末中内度]|以来|起|前|至)")
_DATE = re.compile(_YEAR + r"\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_LABEL = re.compile(r"(?:填报|报告|评价|填表|编制)?(?:日期|时间)\s*[:：]?\s*$")


# Words that put a later year's statement in the future: a plan, not the evaluated year.
_FUTURE_WORDS = re.compile(lx.with_variants(r"将|拟|计划|作为|用于|纳入|下一?年度?|明年|以后|今后"))


@check("year_consistency", "year_mismatch", "The evaluated year agrees between title, 被评价年度 label and body statements ('2021年度部门整体支出…'); the report's own date is not before that year (nor years after it).")
def check_years(ctx: CheckContext) -> Iterator[Finding]:
    fiscal = ctx.number("fiscal_year")
    if fiscal is None:
        return
    fiscal = int(fiscal)
    fy_evidence = ctx.evidence("fiscal_year")
    statements: list[tuple[int, int, int, str, Severity]] = []
    title = ctx.layout.title
    m = re.search(_YEAR + r"\s*年", title)
    if m:
        pos = ctx.text.find(m.group(1))
        if pos >= 0:
            statements.append((int(m.group(1)), pos, pos + 4, "标题", "error"))
    # A year line under the title: '（2024年度）'.
    for line in [ln for ln in ctx.layout.lines if ln.text.strip()][:6]:
        m = re.fullmatch(r"\s*[（(]?\s*" + _YEAR + r"\s*年度?\s*[）)]?\s*", line.text)
        if m and line.start + m.start(1) not in [s[1] for s in statements]:
            statements.append((int(m.group(1)), line.start + m.start(1), line.start + m.end(1), "标题", "error"))
    for m in re.finditer(r"(?:被评价年度|评价年度|预算年度)[\s:：]*" + _YEAR, ctx.text):
        statements.append((int(m.group(1)), m.start(1), m.end(1), "被评价年度", "error"))
    # Page furniture above the title (a site's notice about another year's budget) is no body.
    title_line = title.split(" ")[-1] if title else ""
    body_start = max(ctx.text.find(title_line), 0) if title_line else 0
    for pattern, name in ((_YEAR_OF_SUBJECT, "正文（部门预算/整体支出）"), (_YEAR_OF_SELF_EVALUATION, "正文（绩效自评）")):
        for m in pattern.finditer(ctx.text, body_start):
            group = 1 if m.group(1) else 2
            before = ctx.text[max(0, m.start(group) - 6) : m.start(group)]
            after = ctx.text[m.end(group) : m.end(group) + 24]
            if re.search(r"较|比|与|同期|上年|相比", before) or re.search(r"相比|比较|同比", after):
                continue  # a comparison with another year, not the year evaluated
            if int(m.group(group)) > fiscal and _FUTURE_WORDS.search(ctx.text[max(0, m.start(group) - 12) : m.start(group)]):
                continue  # a plan for a later year ('结果将作为2024年度部门预算安排的参考')
            # A statement of the evaluated year's own results is an error; a bare mention of
            # another year's 部门预算 (a plan, a reference) only a warning.
            severity = "error" if re.search(r"绩效|自评|得分|执行率|决算|实际支出", after) else "warning"
            statements.append((int(m.group(group)), m.start(group), m.end(group), name, severity))  # type: ignore[arg-type]
    for m in _YEAR_OF_MONEY.finditer(ctx.text):
        statements.append((int(m.group(1)), m.start(1), m.end(1), "正文（预算收支）", "warning"))
    for start, year in _results_years(ctx):
        statements.append((year, start, start + 4, "完成情况", "warning"))
    seen: set[int] = set()
    for year, start, end, name, severity in sorted(statements, key=lambda s: (s[4] != "error", s[1])):
        if year == fiscal or start in seen:
            continue
        seen.add(start)
        snippet = ctx.text[start : min(len(ctx.text), end + 16)].split("\n")[0]
        yield _finding(
            "year_consistency", "year_mismatch", severity,
            f"{name}写的是 {year} 年（“{snippet}”），而被评价年度为 {fiscal} 年",
            ["fiscal_year"], year, fiscal, None, [ctx.span_evidence(start, end, name), fy_evidence],
        )
    yield from _report_dates(ctx, fiscal, fy_evidence)


def _results_years(ctx: CheckContext) -> Iterator[tuple[int, int]]:
    """(offset, year) of years opening a statement of results: a cell under a 实际完成情况 /
    目标完成情况 header, or a prose line '目标完成情况：2020年…'."""
    lines = ctx.layout.lines
    for line in lines:
        if line.is_table_row:
            for cell in line.cells:
                m = _YEAR_OPENING.match(cell.text)
                if not m or not cell.text:
                    continue
                header = next(
                    (c.text for above in reversed(lines[max(0, line.index - 8) : line.index]) if above.is_table_row
                     for c in above.cells if c.column == cell.column and c.text and not _YEAR_OPENING.match(c.text)),
                    "",
                )
                if re.search(r"完成情况|实际完成|完成值", header):
                    yield cell.start + (m.start(1) if cell.text == ctx.text[cell.start : cell.end] else 0), int(m.group(1))
        else:
            m = re.match(r"\s*(?:目标|实际)完成情况\s*[:：]\s*" + _YEAR + r"\s*年(?![底初末中内度]|以来|起|前|至)", line.text)
            if m:
                yield line.start + m.start(1), int(m.group(1))


def _report_dates(ctx: CheckContext, fiscal: int, fy_evidence: Evidence | None) -> Iterator[Finding]:
    lines = [ln for ln in ctx.layout.lines if ln.text.strip()]
    tail_start = lines[-4].start if len(lines) >= 4 else 0
    for m in _DATE.finditer(ctx.text):
        labelled = bool(_DATE_LABEL.search(ctx.text[max(0, m.start() - 8) : m.start()]))
        if not labelled and m.start() < tail_start:
            continue
        year = int(m.group(1))
        if year < fiscal:
            severity, why = "error", "早于被评价年度"
        elif year > fiscal + 1:
            severity, why = "warning", "比被评价年度晚一年以上"
        else:
            continue
        yield _finding(
            "year_consistency", "year_mismatch", severity,  # type: ignore[arg-type]
            f"报告日期 {m.group()} {why}（被评价年度 {fiscal} 年）",
            ["fiscal_year"], year, fiscal, None, [ctx.span_evidence(m.start(), m.end(), "日期"), fy_evidence],
        )


# ============================================================================================
# Text: garbage, grounding, labels
# ============================================================================================


@check("garbled_text", "garbled_text", "A paragraph or cell that is OCR garbage, measured by character-bigram plausibility against the project's reference reports and the document's other paragraphs (leave-one-out); see pipeline/textquality.py.")
def check_garbled(ctx: CheckContext) -> Iterator[Finding]:
    for passage in textquality.garbled_passages(ctx.text, ctx.layout, ctx.document.text):
        raw_start, raw_end = ctx.nt.raw_span(passage.start, passage.end)
        loop = f"，同一短句“{passage.repeated_clause}”连续重复 {passage.repeats} 次" if passage.repeats >= textquality.REPEAT_MIN else ""
        yield _finding(
            "garbled_text", "garbled_text", "warning",
            f"段落疑为 OCR 乱码：{passage.bigrams} 个汉字二元组中 {passage.unseen:.0%} 在参照文本和本文其他段落中从未出现"
            f"（最差的 {passage.window} 个连续二元组中 {passage.measured:.0%}，正常文字不超过 {passage.threshold:.0%}）{loop}："
            f"“{passage.text[:30]}…”",
            ctx.fields_at(raw_start, raw_end),
            {"unseen_bigrams": round(passage.measured, 3), "window": passage.window, "bigrams": passage.bigrams, "repeats": passage.repeats},
            None, passage.threshold, [ctx.raw_evidence(raw_start, raw_end)],
        )


@check("value_grounded", "ungrounded_value", "Every extracted value can be found in the text: its evidence quote is the page text and prints the value, or the value is found elsewhere (stale evidence: warning); not found at all: error.")
def check_grounded(ctx: CheckContext) -> Iterator[Finding]:
    problems = {p.path: p.problem for p in verify_evidence(ctx.document, ctx.record)}
    for path, value in leaf_values(ctx.record):
        if path == "report_type" or path not in problems:
            continue
        own = ctx.record.evidence.get(path)
        found = ctx.evidence(path)
        if own is None and found is not None:
            continue  # a plain record: the value is in the text, it just carries no span
        if own is not None and found is not None and (found is own or _near(ctx, own, found)):
            continue  # the span cut the value short ('9' of '9条' from a split unit column): it is there
        if found is None:
            # With evidence that does not hold, the value is unsupported: an error. A record
            # that carries no evidence at all (hand-made, re-keyed) only could not be matched.
            yield _finding(
                "value_grounded", "ungrounded_value", "error" if own is not None else "warning",
                f"{path} = {value!r} 在原文中找不到" + (f"（所附证据：{problems[path]}）" if own is not None else "（记录未附证据，自动查找未果）"),
                [path], value, None, None, [own] if own is not None and own.page is not None else [],
            )
        else:
            yield _finding(
                "value_grounded", "ungrounded_value", "warning",
                f"{path} = {value!r} 的证据与原文不符（{problems[path]}），但该值见于原文第 {found.page} 页：证据需更新",
                [path], value, found.quote, None, [found],
            )


def _near(ctx: CheckContext, a: Evidence, b: Evidence, distance: int = 40) -> bool:
    try:
        a_start, a_end = ctx.raw_span(a)
        b_start, b_end = ctx.raw_span(b)
    except (IndexError, TypeError):
        return False
    return b_start <= a_end + distance and a_start <= b_end + distance


def _expected_meanings(path: str) -> set[str] | None:
    if path in ("budget.initial", "budget.adjusted", "budget.adjustment", "budget.actual", "budget.execution_rate", "budget.adjustment_rate"):
        return {path.split(".")[1]}
    m = re.fullmatch(r"budget\.(basic|project|three_public)\.(budget|actual)", path)
    if m:
        return {"actual"} if m.group(2) == "actual" else {"initial", "adjusted", "adjustment"}
    return None


@check("evidence_label", "ungrounded_value", "A value whose evidence sits under a label that means another field (e.g. budget.initial read beside 全年预算数, an actual beside 年初预算数, a rate beside 预算调整率).")
def check_evidence_labels(ctx: CheckContext) -> Iterator[Finding]:
    labels = {k.replace("(", "（").replace(")", "）"): v for k, v in lx.BUDGET_LABELS.items()} | lx.BUDGET_LABELS
    for path, evidence in ctx.record.evidence.items():
        expected = _expected_meanings(path)
        if expected is None or not evidence.label:
            continue
        label = lx.fold(re.sub(r"\s+", "", evidence.label))
        label = re.sub(r"[(（][A-Za-z①-⑩=×/%+\-*、0-9 ]*[)）]|[①-⑩][=+\-/×①-⑩]*", "", label)
        meanings = labels.get(label)
        if not meanings:
            continue
        meant = {name for name, _ in meanings}
        if path.endswith(".budget") and "budget." in path[7:]:
            meant |= {"adjusted"} if meant & {"initial", "adjusted"} else set()
        if meant & expected:
            continue
        yield _finding(
            "evidence_label", "ungrounded_value", "warning",
            f"{path} 取自标签“{evidence.label}”下的数值，而该标签表示 {'/'.join(sorted(meant))}，不是此字段",
            [path], ctx.value(path), sorted(meant), None, [evidence],
        )


# --------------------------------------------------------------------------------------------
# Not a report: a document that carries nothing of the genre
# --------------------------------------------------------------------------------------------

# Flag kinds of this project beyond the gold README's vocabulary: a finding about the document
# as a whole rather than about one value of it.
PROJECT_FLAG_KINDS: tuple[str, ...] = ("not_a_report",)

# What every self-evaluation report states and a reader recognises it first by: who (the
# department, or the project evaluated) and when (the year). A record with none of these carries
# no recognisable report, whatever the document is (a blank scan, a manual, a news page, notes
# that quote a report's figures): it cannot even be attributed, so it goes to review, and the
# finding names the fields the reviewer fills in. (Measured: every record of the seeds,
# ../shared/dev and eval/gold has a department or a year.)
_REPORT_CORE_FIELDS = ("department", "fiscal_year", "subject")


def _figures(plain: dict) -> int:
    budget, evaluation = plain["budget"], plain["evaluation"]
    values = [budget[k] for k in ("initial", "adjusted", "adjustment", "actual", "execution_rate", "adjustment_rate")]
    values += [budget[part][k] for part in ("basic", "project", "three_public") for k in ("budget", "actual")]
    values += [evaluation["score"], evaluation["grade"]]
    return sum(v is not None and v != "" for v in values) + len(plain["projects"])


@check("not_a_report", "not_a_report", "A document in which no department, year or evaluated project could be read: not a self-evaluation report (a manual, notes quoting a report's figures), or no readable text (a blank scan).")
def check_not_a_report(ctx: CheckContext) -> Iterator[Finding]:
    plain = ctx.plain
    if any(plain[k] not in (None, "") for k in _REPORT_CORE_FIELDS):
        return
    characters = sum(1 for ch in ctx.document.text if not ch.isspace())
    figures = _figures(plain)
    if characters == 0:
        why = "文档没有可读的文字（空白扫描件或图片？）"
    elif figures:
        why = f"文档有 {characters} 个字符，读出 {figures} 个数值，但没有部门、年度或评价项目，数值可能只是引用"
    else:
        why = f"文档有 {characters} 个字符，但未读出部门、年度、评价项目、预算金额、得分或项目"
    yield _finding(
        "not_a_report", "not_a_report", "error",
        f"未识别出绩效自评报告：{why}；请确认这是否是一份自评报告，并人工核对",
        _REPORT_CORE_FIELDS, characters, figures,
    )
