"""The noisy-report generator (pipeline.synth): determinism, gold validity, groundedness, planted
inconsistencies recomputed from the text alone, noise actually present, PDF / scan rendering.

The arithmetic checks parse the generated TEXT with a small parser of their own (NFKC, spaces
and commas out, unit word read), never the generator's numbers, so a plant that does not show in
the text, or an "agreeing" relation that the text contradicts, fails here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from decimal import Decimal

import pytest

from bench.ingest_bench import number_recall, strip_ws
from pipeline import ingest, synth
from pipeline.evaluate import score_document
from pipeline.extract.rules import extract_rules
from pipeline.normalize import normalize
from pipeline.record import Record
from tests.helpers import text_document

GOLD_KEYS = ["doc_id", "department", "fiscal_year", "report_type", "subject", "budget", "evaluation",
             "indicators", "projects", "problems", "improvements", "_notes", "_expected_flags"]

# Measured with rules-1 when this was written: 0.999 overall on noise-0 reports (every layout
# >= 0.997). The floors leave room for a few label variants the lexicon may not know yet.
RULES_CLEAN_FLOOR_PER_LAYOUT = 0.95
RULES_CLEAN_FLOOR_OVERALL = 0.98


@pytest.fixture(scope="module")
def corpus() -> list[synth.SynthReport]:
    """Every layout at every level, half of them with planted inconsistencies."""
    reports = []
    for level in range(5):
        reports += synth.generate(20, "mixed", level, seed=100 + level, plant=False)
        reports += synth.generate(20, "mixed", level, seed=200 + level, plant=True)
    return reports


# --- an independent reader of the printed terms ------------------------------------------------

_TERM = re.compile(r"(-?\d+(?:\.\d+)?)(万元|亿元|元|%)?")


def _unit_in_force(text: str) -> str:
    m = re.search(r"单位[:：]\s*(万元|元)", unicodedata.normalize("NFKC", text))
    return m.group(1) if m else "万元"


def read_term(text: str, span: tuple[int, int]) -> tuple[Decimal, str | None, int]:
    """(value, unit or None, printed decimals) of the number printed at ``span``."""
    raw = text[span[0] : span[1]]
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).replace(",", "")
    m = _TERM.fullmatch(s)
    assert m, f"not a single printed number: {raw!r}"
    number = m.group(1)
    return Decimal(number), m.group(2), len(number.partition(".")[2])


def read_wan(text: str, span: tuple[int, int]) -> Decimal:
    value, unit, _ = read_term(text, span)
    unit = unit or _unit_in_force(text)
    assert unit != "%", f"a rate where an amount was expected: {text[span[0]:span[1]]!r}"
    return value / 10000 if unit == "元" else value * 10000 if unit == "亿元" else value


def _rate_agrees(stated: Decimal, decimals: int, computed: Decimal) -> bool:
    """A printed rate agrees with the computed one at its printed precision, rounded or cut."""
    step = Decimal(1).scaleb(-decimals)
    return abs(stated - computed) <= step / 2 or Decimal(0) <= computed - stated < step


def _band(score: Decimal) -> str:
    return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"


def holds(check: synth.Check, text: str) -> bool:
    """Whether the relation holds among the numbers as printed in ``text``."""
    t = check.terms
    amounts = lambda role: [read_wan(text, s) for s in t.get(role, [])]  # noqa: E731
    values = lambda role: [read_term(text, s)[0] for s in t.get(role, [])]  # noqa: E731
    if check.op in ("ratio", "change_ratio"):
        (rate, unit, dec), = [read_term(text, s) for s in t["rate"]]
        assert unit in ("%", None)
        if check.op == "ratio":
            computed = 100 * amounts("num")[0] / amounts("den")[0]
        else:
            new, base = amounts("new")[0], amounts("base")[0]
            computed = 100 * (new - base) / base
        return _rate_agrees(rate, dec, computed)
    if check.op in ("sum", "unit_sum"):
        money = any(read_term(text, s)[1] in ("元", "万元", "亿元") for s in t["total"] + t["parts"]) or check.kind != "score_items_do_not_sum"
        get = amounts if money else values
        return abs(get("total")[0] - (sum(get("parts")) - sum(get("minus")))) < Decimal("0.000001")
    if check.op == "difference":
        return abs(amounts("stated")[0] - (amounts("a")[0] - amounts("b")[0])) < Decimal("0.000001")
    if check.op == "grade":
        (grade_span,), (score_span,) = t["grade"], t["score"]
        return text[grade_span[0] : grade_span[1]] == _band(read_term(text, score_span)[0])
    if check.op == "equal":
        got = [read_term(text, s)[0] for role in t for s in t[role]]
        return len(set(got)) == 1
    raise AssertionError(f"unknown op {check.op}")


# --- determinism and the gold contract ---------------------------------------------------------


def test_same_seed_gives_the_same_reports_and_another_seed_does_not():
    a = synth.generate(10, "mixed", 3, seed=5, plant=0.5)
    b = synth.generate(10, "mixed", 3, seed=5, plant=0.5)
    assert [r.text for r in a] == [r.text for r in b]
    assert [r.gold for r in a] == [r.gold for r in b]
    assert [r.checks for r in a] == [r.checks for r in b]
    c = synth.generate(10, "mixed", 3, seed=6, plant=0.5)
    assert all(x.text != y.text for x, y in zip(a, c))
    assert len({r.doc_id for r in a}) == 10


def test_layouts_cycle_and_arguments_are_checked():
    assert [r.layout for r in synth.generate(10, "mixed", 0)] == list(synth.LAYOUTS) * 2
    with pytest.raises(ValueError):
        synth.generate(1, "no_such_layout")
    with pytest.raises(ValueError):
        synth.generate(1, "overall_table", noise=5)
    with pytest.raises(ValueError):
        synth.generate(1, "overall_table", plant=["no_such_flag"])


def test_every_gold_is_a_valid_record_with_the_seed_gold_keys(corpus):
    vocabulary = set(synth.FLAG_KINDS)
    for r in corpus:
        assert list(r.gold) == GOLD_KEYS, r.doc_id
        Record.model_validate({k: v for k, v in r.gold.items() if not k.startswith("_")})
        assert r.gold["doc_id"] == r.doc_id
        assert set(r.gold["_expected_flags"]) <= vocabulary
        assert r.gold["_notes"][0].startswith("SYNTHETIC")
        noise_note = next(n for n in r.gold["_notes"] if n.startswith("noise: "))
        assert noise_note == "noise: " + (", ".join(r.noise_kinds) or "none")
        assert not re.search("[\ue000-\uefff]", r.text), "a span marker leaked into the text"
        if r.gold["report_type"] == "project_table" and r.layout == "project_single":
            assert r.gold["subject"] and r.gold["projects"] == []


def _numbers_in(text: str) -> set[Decimal]:
    folded = unicodedata.normalize("NFKC", text)
    folded = re.sub(r"(\d)\.\s+(\d)", r"\1.\2", folded)
    folded = re.sub(r"(?<=\d),(?=\d)", "", folded)
    return {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", folded)}


def _strings_of(gold: dict) -> list[tuple[str, str]]:
    """(kind, string) of every gold string: 'value' (indicator target/actual), 'name' (indicator
    and project names: a table cell that may wrap), 'text' (everything else)."""
    out = [("text", gold[k]) for k in ("department", "subject", "problems", "improvements") if gold[k]]
    for ind in gold["indicators"]:
        out += [("text", ind["level1"]), ("text", ind["level2"]), ("name", ind["name"])]
        out += [("value", ind[k]) for k in ("target", "actual") if ind[k]]
    out += [("name", p["name"]) for p in gold["projects"]]
    return out


def test_every_gold_value_is_printed_in_the_text(corpus):
    """As eval/gold/README.md checks its golds: every number appears (allowing ÷10000 for 元 and
    ×10000 for 亿元), every string appears once whitespace is removed."""
    for r in corpus:
        printed = _numbers_in(r.text)
        flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", r.text))
        numbers = [r.gold["fiscal_year"], r.gold["evaluation"]["score"]]
        numbers += [v for k, v in r.gold["budget"].items() if not isinstance(v, dict)]
        numbers += [v for part in ("basic", "project", "three_public") for v in r.gold["budget"][part].values()]
        numbers += [v for p in r.gold["projects"] for k, v in p.items() if k != "name"]
        for value in (v for v in numbers if v is not None):
            d = abs(Decimal(str(value)))  # a negative adjustment prints as 调减 N
            candidates = {d, d * 10000, (d / 10000).normalize()}
            assert candidates & printed, f"{r.doc_id}: {value} is not printed"
        for kind, s in _strings_of(r.gold):
            s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))
            if s in flat:
                continue
            assert kind != "text", f"{r.doc_id}: {s!r} is not printed"
            if kind == "value":
                # Split 指标性质 | 指标值 | 度量单位 | 实际完成值 columns: the actual's unit is printed
                # in the unit cell just before it ('≤4万元' then '4.4' -> actual '4.4万元').
                m = re.fullmatch(r"([\d.]+)(\D*)", s)
                assert m and m.group(2) + m.group(1) in flat, f"{r.doc_id}: {s!r} is not printed"
            else:
                # A name cell wrapped onto the next line: its two pieces, in order.
                assert "row_wrap" in r.noise_kinds, f"{r.doc_id}: {s!r} is not printed"
                assert any(
                    flat.find(s[k:], start + k) > 0
                    for k in range(2, len(s) - 1)
                    for start in [m.start() for m in re.finditer(re.escape(s[:k]), flat)]
                ), (r.doc_id, s)
        if r.gold["evaluation"]["grade"]:
            assert r.gold["evaluation"]["grade"] in r.text


# --- scoring: the oracle and the rules extractor on clean reports ------------------------------


def test_a_perfect_oracle_scores_one_on_clean_reports():
    for r in synth.generate(10, "mixed", 0, seed=3, plant=True):
        score = score_document(r.gold, r.gold)
        assert score.counts.accuracy == 1.0 and score.counts.scored > 20, r.doc_id


def test_rules_extractor_reads_clean_reports_of_every_layout():
    totals = Counter()
    for layout in synth.LAYOUTS:
        scored = correct = 0
        for r in synth.generate(10, layout, 0, seed=11):
            counts = score_document(r.gold, extract_rules(text_document(r.text, doc_id=r.doc_id)).plain()).counts
            scored += counts.scored
            correct += counts.correct
        assert correct / scored >= RULES_CLEAN_FLOOR_PER_LAYOUT, (layout, correct / scored)
        totals["scored"] += scored
        totals["correct"] += correct
    assert totals["correct"] / totals["scored"] >= RULES_CLEAN_FLOOR_OVERALL


# --- planted inconsistencies, recomputed from the text -----------------------------------------


def test_every_relation_agrees_unless_planted_and_disagrees_when_planted(corpus):
    seen = Counter()
    for r in corpus:
        for check in r.checks:
            assert holds(check, r.text) is (not check.planted), (r.doc_id, check.kind, check.op, check.planted,
                                                                 {k: [r.quote(s) for s in v] for k, v in check.terms.items()})
            seen[(check.kind, check.planted)] += 1
    # The corpus exercises both sides of the common relations.
    for kind in ("execution_rate_mismatch", "parts_do_not_sum", "score_items_do_not_sum", "grade_score_mismatch", "year_mismatch"):
        assert seen[(kind, False)] > 0 and seen[(kind, True)] > 0, kind


def test_expected_flags_are_the_planted_kinds_plus_what_the_noise_implies(corpus):
    implied = {"misplaced_separator": "separator_repaired", "garbage_paragraph": "garbled_text"}
    for r in corpus:
        planted_checks = {c.kind for c in r.checks if c.planted}
        assert set(r.plants) == planted_checks, r.doc_id
        expected = set(r.plants) | {implied[k] for k in r.noise_kinds if k in implied}
        assert set(r.gold["_expected_flags"]) == expected, r.doc_id
        for kind in r.plants:
            assert any(n.startswith(f"PLANTED {kind}") for n in r.gold["_notes"]), (r.doc_id, kind)


@pytest.mark.parametrize("kind", sorted(synth.PLANT_KINDS))
def test_each_plant_kind_shows_in_the_text_of_every_layout_that_can_print_it(kind):
    for layout in synth.PLANT_KINDS[kind]:
        for r in synth.generate(3, layout, noise=2, seed=sorted(synth.PLANT_KINDS).index(kind), plant=[kind]):
            assert r.plants == [kind], (layout, r.plants)
            assert kind in r.gold["_expected_flags"]
            planted = [c for c in r.checks if c.planted]
            assert planted and all(c.kind == kind and not holds(c, r.text) for c in planted), (layout, kind)


def test_unit_suspect_reads_right_only_as_wan_yuan():
    for r in synth.generate(4, "overall_report", noise=0, seed=9, plant=["unit_suspect"]):
        (check,) = [c for c in r.checks if c.planted]
        suspects = [s for s in check.terms["parts"] if read_term(r.text, s)[1] == "元"]
        assert len(suspects) == 1 and read_term(r.text, suspects[0])[0] < 10000
        as_wan = sum(read_term(r.text, s)[0] for s in check.terms["parts"])
        assert as_wan == read_wan(r.text, check.terms["total"][0])


def test_unplanted_reports_raise_nothing_at_noise_0():
    for r in synth.generate(15, "mixed", 0, seed=4, plant=False):
        assert r.gold["_expected_flags"] == [] and r.plants == []
        assert r.checks and all(holds(c, r.text) for c in r.checks)


# --- noise ---------------------------------------------------------------------------------------

_SPACE_IN_NUMBER = re.compile(r"\d\. +\d")
_MISPLACED = re.compile(r"(?<![\d,])\d{1,4}(?:,\d{4})+(?:\.\d+)?")


def test_clean_reports_have_no_noise():
    for r in synth.generate(10, "mixed", 0, seed=21):
        assert r.noise_kinds == [] and not re.search("[０-９]", r.text)
        assert not _SPACE_IN_NUMBER.search(r.text) and not _MISPLACED.search(r.text)
        assert not any(ch in r.text for ch in "項經費預評價資")  # no traditional characters


def test_level_3_and_4_text_is_really_noisy():
    for level in (3, 4):
        reports = synth.generate(20, "mixed", level, seed=31)
        for r in reports:
            folded = unicodedata.normalize("NFKC", r.text)
            assert _SPACE_IN_NUMBER.search(folded) or _MISPLACED.search(folded), r.doc_id
            assert len(r.noise_kinds) >= 3, r.doc_id
        kinds = Counter(k for r in reports for k in r.noise_kinds)
        assert kinds["space_in_number"] == 20
        if level == 4:
            assert {"misplaced_separator", "fullwidth_digits", "garbage_paragraph", "header_split"} <= set(kinds)
            assert sum(bool(re.search("[０-９]", r.text)) for r in reports) == 20
    # More noise, fewer clean characters: the share of reports with full-width digits grows.
    share = [sum(bool(re.search("[０-９]", r.text)) for r in synth.generate(20, "mixed", lv, seed=41)) for lv in range(5)]
    assert share[0] == share[1] == 0 and share[2] <= share[3] <= share[4] == 20


def test_misplaced_separators_are_ones_the_normaliser_repairs():
    """Myriad grouping ('1,3518.74') as the seeds print it; alone, the pipeline's normaliser
    repairs every one. (Not when a space-in-number follows, '7331,3400. 00元': a normaliser
    limitation, reported — the level-4 mix only checks the printed form.)"""
    # Only amounts of 5+ integer digits can be myriad-grouped: 元 amounts (unit_switch) or large 万元.
    alone = [r for r in synth.generate(30, "mixed", 4, seed=51, kinds=["misplaced_separator", "unit_switch"])
             if "misplaced_separator" in r.noise_kinds]
    assert len(alone) >= 8
    for r in alone:
        repaired = {p.replacement for p in normalize(r.text).repairs if p.kind == "separator_repaired"}
        examples = [n.split("'")[1] for n in r.gold["_notes"] if n.startswith("separator_repaired:")]
        assert examples and {e.replace(",", "").lstrip("-") for e in examples} <= repaired, r.doc_id
    for r in synth.generate(20, "mixed", 4, seed=52):
        examples = [n.split("'")[1] for n in r.gold["_notes"] if n.startswith("separator_repaired:")]
        assert bool(examples) is ("misplaced_separator" in r.noise_kinds)
        printed = [unicodedata.normalize("NFKC", m.group()).replace(" ", "")
                   for m in re.finditer(r"[\d０-９]{1,4}(?:,[\d０-９]{4})+\.[ \d０-９]+", r.text)]
        for example in examples:
            assert re.fullmatch(r"-?\d{1,4}(?:,\d{4})+\.\d+", example), example
            assert any(p.startswith(example.lstrip("-")) for p in printed), (r.doc_id, example)


def test_garbage_paragraphs_are_garbled_text():
    reports = [r for r in synth.generate(10, "mixed", 4, seed=61) if "garbage_paragraph" in r.noise_kinds]
    assert reports
    for r in reports:
        spans = [s for name, s in r.spans.items() if name.startswith("garbage")]
        assert spans
        for span in spans:
            assert ingest.text_quality(r.quote(span)).garbled, r.quote(span)


def test_each_noise_kind_can_be_applied_alone_and_keeps_the_gold_printed():
    for kind in synth.NOISE_KINDS:
        reports = synth.generate(10, "mixed", 4, seed=71, kinds=[kind])
        assert any(r.noise_kinds == [kind] for r in reports), kind
        for r in reports:
            assert set(r.noise_kinds) <= {kind}
            for check in r.checks:
                assert holds(check, r.text), (kind, r.doc_id, check.kind)


# --- writing files, PDF and scan -----------------------------------------------------------------


def test_write_puts_text_and_gold_side_by_side(tmp_path):
    reports = synth.generate(5, "mixed", 1, seed=81, plant=True)
    paths = synth.write(reports, tmp_path)
    assert len(paths) == 10
    for r in reports:
        assert (tmp_path / f"{r.doc_id}.txt").read_text(encoding="utf-8") == r.text
        assert json.loads((tmp_path / f"{r.doc_id}.json").read_text(encoding="utf-8")) == r.gold
        doc = ingest.load(tmp_path / f"{r.doc_id}.txt")
        assert doc.text == r.text and doc.doc_id == r.doc_id


def test_text_layer_pdf_reads_back_the_same_text(tmp_path):
    reports = synth.generate(5, "mixed", 2, seed=91)
    synth.write(reports, tmp_path, pdf=True)
    for r in reports:
        doc = ingest.load(tmp_path / f"{r.doc_id}.pdf")
        assert doc.media_type == "pdf" and {p.engine for p in doc.pages} == {"text_layer"}, r.doc_id
        assert strip_ws(doc.text) == strip_ws(r.text), r.doc_id


def test_text_layer_of_the_noisiest_reports_holds_their_text(tmp_path):
    """Level 4 (garbage, traditional and full-width characters): the PDF's text layer still holds
    exactly the report's characters. (ingest.load may OCR such a page instead: its quality test
    counts traditional characters as uncommon — reported, not this module's concern.)"""
    import pymupdf

    for r in synth.generate(5, "mixed", 4, seed=92):
        with pymupdf.open(stream=synth.render_pdf(r.text), filetype="pdf") as pdf:
            layer = "".join(ingest.text_layer(page) for page in pdf)
        assert strip_ws(layer) == strip_ws(r.text), r.doc_id


@pytest.mark.ocr
def test_scan_pdf_is_image_only_and_ocr_reads_its_numbers(tmp_path):
    (r,) = synth.generate(1, "project_table", 0, seed=3)
    synth.write([r], tmp_path, scan=True, scan_pages=1)
    path = tmp_path / f"{r.doc_id}.scan.pdf"
    import pymupdf

    with pymupdf.open(path) as pdf:
        assert pdf.page_count == 1 and not pdf[0].get_text().strip()
    doc = ingest.load(path)
    assert [p.engine for p in doc.pages] == ["ocr"]
    page_one = synth.render_pdf(r.text)
    with pymupdf.open(stream=page_one, filetype="pdf") as pdf:
        reference = ingest.text_layer(pdf[0])
    recall, count = number_recall(reference, doc.text)
    assert count > 20 and recall >= 0.9, recall
