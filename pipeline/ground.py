"""Grounding: find any value's evidence in the document, and verify evidence a value carries.

Rules values arrive with spans; model values arrive without. Either way a value is only as good
as the text it can be found in, so:

* ``ground_value`` searches the document for a value: the exact printed form first, then the
  normalised form (spaces inside numbers, thousands separators, units, full-width), then — for
  text — a fuzzy window. The result says which (``exact`` / ``normalized`` / ``fuzzy``) or
  ``ungrounded`` (a later check routes those to review).
* ``verify_evidence`` checks that a record's evidence quotes are what the page says at those
  offsets and that each quote contains its value as printed.
* ``evidence_holds`` is that verdict for one value, and ``find_value`` the fuller search the
  cross-checks use for a value whose evidence does not hold (or that has none): after
  ``ground_value``, a cut printed as a positive figure, a number broken by spaces, a bare table
  figure in the unit in force, a text printed in two places.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from rapidfuzz import fuzz
from functools import lru_cache
from typing import Any

from pipeline.document import Document
from pipeline.analysis import analyze
from pipeline.normalize import CHARACTER_FOLD, MONEY_UNITS, NumberMention, normalize, scan_numbers, to_wan
from pipeline.record import Evidence, ExtractedRecord, Method, Span

AMOUNT_TOLERANCE = 0.005
FUZZY_THRESHOLD = 0.8
# Values stated in words rather than digits: a quote saying 未支付 grounds an amount of 0.
VERBAL_VALUES = {0.0: ("未支付", "未执行", "未使用", "尚未支付")}
# Words that print a negative change as a positive number.
NEGATIVE_WORDS = r"调减|减少|核减|压减|下调"


@dataclass(frozen=True)
class GroundingProblem:
    path: str
    problem: str


_CHARACTER_FOLD = str.maketrans(dict(CHARACTER_FOLD))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=8)
def _squashed_with_index(text: str) -> tuple[str, tuple[int, ...]]:
    """The document without whitespace, each character NFKC-folded where that keeps it one
    character, and the raw offset of each kept character. Built once per document: grounding
    looks up every text value of a record in it."""
    raw_index = tuple(i for i, ch in enumerate(text) if not ch.isspace())
    folded = (unicodedata.normalize("NFKC", text[i]) for i in raw_index)
    squashed = "".join(f if len(f) == 1 else text[i] for f, i in zip(folded, raw_index))
    return squashed, raw_index


MATCH_CONFIDENCE = {"exact": 0.9, "normalized": 0.8, "fuzzy": 0.6}


def span_at(document: Document, raw_start: int, raw_end: int) -> Span:
    """Page, page offsets and quote of ``document.text[raw_start:raw_end]``; a span running past
    its page's end is clipped there (a quote never holds a page break)."""
    where = document.locate(raw_start)
    page_text = document.page(where.page).text
    end = min(where.offset + (raw_end - raw_start), len(page_text))
    return Span(page=where.page, start=where.offset, end=end, quote=page_text[where.offset : end])


def evidence_at(
    document: Document,
    raw_start: int,
    raw_end: int,
    *,
    label: str | None = None,
    method: Method = "rules",
    match: str = "exact",
    confidence: float | None = None,
    parts: list[Span] = (),
) -> Evidence:
    """Evidence for a raw span of the document: the one way every stage cites the text."""
    span = span_at(document, raw_start, raw_end)
    return Evidence(
        **span.model_dump(),
        label=label,
        method=method,
        confidence=MATCH_CONFIDENCE.get(match, 0.0) if confidence is None else confidence,
        match=match,  # type: ignore[arg-type]
        parts=list(parts),
    )


def ungrounded(method: Method = "llm") -> Evidence:
    return Evidence(method=method, confidence=0.0, match="ungrounded")


def _number_matches(mention: NumberMention, value: float, kind: str) -> bool:
    if kind == "amount":
        candidates = [to_wan(mention.value, mention.unit)] if mention.unit in MONEY_UNITS else [mention.value]
    else:
        candidates = [mention.value]
    return any(c is not None and abs(c - value) <= AMOUNT_TOLERANCE for c in candidates)


def ground_value(document: Document, value: Any, kind: str = "text", method: Method = "llm", near: int | None = None) -> Evidence:
    """Evidence for ``value`` in ``document``; ``kind`` is 'amount', 'rate', 'number' or 'text'.

    Where the value occurs several times, the occurrence nearest ``near`` (a raw offset) wins,
    else the first.
    """
    if value is None or value == "":
        return ungrounded(method)
    text = document.text
    if kind in ("amount", "rate", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
        hits = [m for m in analyze(document).numbers if _number_matches(m, float(value), kind if kind == "amount" else "number")]
        if not hits:
            return ungrounded(method)
        hit = min(hits, key=lambda m: abs(m.raw_start - near)) if near is not None else hits[0]
        printed = text[hit.raw_start : hit.raw_end]
        digits = re.match(r"\s*-?[\d.]+", printed)
        exact = bool(digits) and float(digits.group()) == float(value) and digits.group().strip().lstrip("-") in (plain_number(value), f"{float(value):.2f}")
        return evidence_at(document, hit.raw_start, hit.raw_end, match="exact" if exact else "normalized", method=method)
    needle = str(value)
    position = text.find(needle)
    if position >= 0:
        return evidence_at(document, position, position + len(needle), match="exact", method=method)
    # Normalised: whitespace and full-width differences (cell wraps, OCR spacing).
    squashed_needle = _squash(needle)
    if squashed_needle:
        squashed, raw_index = _squashed_with_index(text)
        found = squashed.find(squashed_needle)
        if found >= 0:
            return evidence_at(document, raw_index[found], raw_index[found + len(squashed_needle) - 1] + 1, match="normalized", method=method)
        # Fuzzy: the best-aligned window (OCR misreads a few characters).
        if 4 <= len(squashed_needle) <= 400 and len(squashed) >= len(squashed_needle):
            aligned = fuzz.partial_ratio_alignment(squashed_needle, squashed, score_cutoff=100 * FUZZY_THRESHOLD)
            if aligned is not None and aligned.dest_end > aligned.dest_start:
                return evidence_at(document, raw_index[aligned.dest_start], raw_index[aligned.dest_end - 1] + 1, match="fuzzy", method=method)
    return ungrounded(method)


def plain_number(value: float) -> str:
    """A figure as a report prints it: at most six decimals, no trailing zeros ('2097.1', '20')."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def wan_readings(mention: NumberMention) -> tuple[float, ...]:
    """What a printed number can mean in 万元: with a money unit of its own, exactly that unit's
    value; a bare number (its table's unit sits in the header) as 万元, 元 or 亿元; anything else
    (a percent; a count or a year, '12次', '2021年') no amount at all. The one place this question
    is answered."""
    if mention.counter:
        return ()
    if mention.unit in MONEY_UNITS:
        wan = to_wan(mention.value, mention.unit)
        return () if wan is None else (wan,)
    if mention.unit is None:
        return (mention.value, mention.value / 10000, mention.value * 10000)
    return ()


def prints_amount(mention: NumberMention, value: float, tolerance: float = AMOUNT_TOLERANCE) -> bool:
    """Does this printed number state ``value`` 万元 under any unit it can carry?"""
    return any(abs(reading - value) <= tolerance for reading in wan_readings(mention))


def _number_in(mentions: list[NumberMention], value: float) -> bool:
    """A number printed in the span equals ``value``: as printed (a rate, a score, a year), or in
    万元 under its unit (``wan_readings``)."""
    return any(abs(m.value - value) <= AMOUNT_TOLERANCE or prints_amount(m, value) for m in mentions)


def quote_contains(quote: str, value: Any, mentions: list[NumberMention] | None = None) -> bool:
    """Does the quote print ``value``? Numbers compare by value using the document's number
    mentions inside the quote's span (so OCR spacing is repaired in context); texts compare with
    whitespace and width differences removed, or fuzzily for OCR misreads."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        if any(words in quote for words in VERBAL_VALUES.get(float(value), ())):
            return True
        if mentions is None:
            mentions = scan_numbers(normalize(quote))
        if _number_in(mentions, float(value)):
            return True
        # A cut printed as a word: '调减预算227.42万元' grounds the signed change -227.42.
        folded = normalize(quote).text  # '調减' in a traditional report reads as 调减
        return float(value) < 0 and bool(re.search(NEGATIVE_WORDS, folded)) and _number_in(mentions, -float(value))
    # Compared as the normaliser folds text: a grade printed 優 is the category 优.
    needle, hay = _squash(str(value)).translate(_CHARACTER_FOLD), _squash(quote).translate(_CHARACTER_FOLD)
    if "|" not in needle:
        hay = hay.replace("|", "")  # a value composed of cells ('=' | '9' | '个'): pipes divide cells, like tabs
    return needle in hay or fuzz.ratio(needle, hay) >= 100 * FUZZY_THRESHOLD


def verify_evidence(document: Document, record: ExtractedRecord) -> list[GroundingProblem]:
    """Every non-null leaf value has evidence whose quote is the page text at its offsets and
    contains the value."""
    from pipeline.record import leaf_values

    problems = []
    view = analyze(document)  # each quote's numbers found by bisection, not by a scan of them all
    for path, value in leaf_values(record):
        if path in ("report_type",):
            continue  # a classification of the whole document, not a printed value
        evidence = record.evidence.get(path)
        if evidence is None or evidence.match == "ungrounded" or evidence.page is None:
            problems.append(GroundingProblem(path, "no evidence"))
            continue
        pieces = [evidence, *evidence.parts]
        mismatched = [p for p in pieces if document.page(p.page).text[p.start : p.end] != p.quote]
        if mismatched:
            p = mismatched[0]
            problems.append(GroundingProblem(path, f"quote differs from page {p.page} text at {p.start}:{p.end}"))
            continue
        inside: list[NumberMention] | None = []
        for p in pieces:
            raw_start = document.global_offset(p.page, p.start)
            found = view.numbers_in_quote(raw_start, raw_start + len(p.quote or ""))
            inside = None if found is None or inside is None else inside + found
        joined = "".join(p.quote or "" for p in pieces)
        if not quote_contains(joined, value, inside):
            problems.append(GroundingProblem(path, f"quote {evidence.quote!r} does not contain {value!r}"))
    return problems


def ground_record(document: Document, record: ExtractedRecord, method: Method = "llm") -> ExtractedRecord:
    """Fill evidence for every leaf value that has none, by searching the document."""
    from pipeline.record import leaf_values

    evidence = dict(record.evidence)
    for path, value in leaf_values(record):
        if path in evidence or path == "report_type":
            continue
        kind = value_kind(path, value)
        evidence[path] = ground_value(document, value, kind, method)
    return record.model_copy(update={"evidence": evidence})


def value_kind(path: str, value: Any) -> str:
    """How to look a record value up in the text: 'text', 'rate', 'number' or 'amount' (万元)."""
    if isinstance(value, str):
        return "text"
    leaf = path.rsplit(".", 1)[-1]
    if leaf in ("execution_rate", "adjustment_rate"):
        return "rate"
    if leaf in ("fiscal_year", "score"):
        return "number"
    return "amount"


# --------------------------------------------------------------------------------------------
# Finding a value back, and judging the evidence a value carries (the checks' view of it)
# --------------------------------------------------------------------------------------------

# Confidence of a number found only with breaks the number scanner does not bridge.
SPACED_CONFIDENCE = 0.6
# How far apart the two pieces of a text split over two places may lie: a name cell wrapped
# onto a later line (long texts), a figure and its unit in split 指标值 / 度量单位 columns.
SPLIT_TEXT_WINDOW, SPLIT_UNIT_WINDOW = 300, 40
# How close to its quote the rest of a value joined from split columns must be printed.
JOINED_REST_WINDOW = 40


def find_value(document: Document, path: str, value: Any) -> Evidence | None:
    """Find a value that carries no (valid) evidence back in the document, or None: as
    ``ground_value`` does; a cut printed as a positive figure ('调减77万元' grounds −77); a number
    printed with breaks the number scanner does not bridge; a bare table figure in the unit in
    force (a 元 table's '186,452,318.60' is 18645.23 万元); a text printed in two places."""
    kind = value_kind(path, value)
    grounded = ground_value(document, value, kind, method="rules")
    if grounded.match != "ungrounded":
        return grounded
    if kind == "amount" and isinstance(value, (int, float)) and value < 0:
        grounded = ground_value(document, abs(value), kind, method="rules")
        if grounded.match != "ungrounded":
            return grounded
    if kind in ("amount", "rate", "number") and isinstance(value, (int, float)):
        found = _ground_spaced(document, float(value))
        if found is not None:
            return found
    if kind == "amount":
        found = _ground_bare_figure(document, float(value))
        if found is not None:
            return found
    if kind == "text" and len(str(value)) >= 2:
        return _ground_split_text(document, str(value))
    return None


def _ground_spaced(document: Document, value: float) -> Evidence | None:
    """A number printed with breaks the number scanner does not bridge: '47. 19' at the start
    of a wrapped line, '4,215. 36'. Tried in 万元, 元 and 亿元, each as printed with 2 decimals and
    as its shortest form, longest first."""
    v = abs(value)
    forms = {f"{v:.2f}", plain_number(v), f"{v * 10000:.2f}", plain_number(round(v * 10000, 6)), plain_number(round(v / 10000, 8))}
    for form in sorted(forms, key=len, reverse=True):
        digits = [re.escape(ch) for ch in form]
        pattern = r"(?<![\d.])" + r"[\s,，]*".join(digits).replace(r"\.", r"\s*[.．]\s*") + r"(?![\d])"
        m = re.search(pattern, document.text)
        if m:
            return evidence_at(document, m.start(), m.end(), match="normalized", confidence=SPACED_CONFIDENCE)
    return None


def _ground_bare_figure(document: Document, value: float) -> Evidence | None:
    """A figure printed with no unit of its own, read in the unit the document declares: a 元
    table's '186,452,318.60' is 18645.23 万元."""
    view = analyze(document)
    for m in view.numbers:
        if m.unit is None and m.counter is None and m.scale is None and abs((to_wan(m.value, view.default_unit) or m.value) - value) <= AMOUNT_TOLERANCE:
            return evidence_at(document, m.raw_start, m.raw_end, match="normalized")
    return None


def _ground_split_text(document: Document, text: str) -> Evidence | None:
    """A text printed in two places: a name cell wrapped onto a later line, or a figure and its
    unit from split 指标值 / 度量单位 columns. The longest head found first wins; the evidence is
    the head, with the tail as its one part."""
    raw = document.text
    for cut in range(len(text) - 1, 0, -1):
        if cut < 2 and len(text) > 3:
            break
        head = raw.find(text[:cut])
        while head >= 0:
            window = SPLIT_TEXT_WINDOW if len(text) >= 6 else SPLIT_UNIT_WINDOW
            tail = raw.find(text[cut:], max(0, head - window), head + cut + window)
            if tail >= 0 and not head <= tail < head + cut:
                rest = span_at(document, tail, tail + len(text) - cut)
                return evidence_at(document, head, head + cut, match="normalized", parts=[rest])
            head = raw.find(text[:cut], head + 1)
    return None


def raw_span_of(evidence: Evidence, document: Document) -> tuple[int, int]:
    """The raw document offsets of an evidence span (its first piece)."""
    start = document.global_offset(evidence.page, evidence.start)  # type: ignore[arg-type]
    return start, start + (evidence.end - evidence.start)  # type: ignore[operator]


def evidence_holds(document: Document, evidence: Evidence, value: Any) -> bool:
    """Does ``evidence`` still support ``value``: its quote is the page text at its offsets and
    prints the value (numbers by the document's own number mentions inside the span; a value
    joined from split columns, '9' + '条', by its rest printed right beside the quote)?"""
    if evidence.page is None or evidence.start is None or evidence.end is None or evidence.match == "ungrounded":
        return False
    try:
        page_text = document.page(evidence.page).text
    except IndexError:
        return False
    if page_text[evidence.start : evidence.end] != evidence.quote:
        return False
    if value is None:
        return True
    quotes = "".join(p.quote or "" for p in [evidence, *evidence.parts])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return quote_contains(quotes, value, analyze(document).numbers_in_quote(*raw_span_of(evidence, document)))
    if quote_contains(quotes, value):
        return True
    text, quote = re.sub(r"\s+", "", str(value)), re.sub(r"\s+", "", quotes)
    if quote and quote in text:
        start, end = raw_span_of(evidence, document)
        around = re.sub(r"\s+", "", document.text[max(0, start - JOINED_REST_WINDOW) : end + JOINED_REST_WINDOW])
        rest = text.replace(quote, "", 1)
        return bool(rest) and rest in around
    return False
