"""The noisy-report generator (pipeline.synth): determinism, gold validity, groundedness, planted
inconsistencies recomputed from the text alone, noise actually present, PDF / scan rendering.

The arithmetic checks parse the generated TEXT with a small parser of their own (NFKC, spaces
and commas out, unit word read), never the generator's numbers, so a plant that does not show in
the text, or an "agreeing" relation that the text contradicts, fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from decimal import Decimal

import pytest
from conftest import PROJECT_ROOT

from pipeline import ingest, synth
from pipeline.evaluate import score_document
from pipeline.extract.rules import extract_rules
from pipeline.normalize import normalize
from pipeline.record import FLAG_KINDS, Record
from tests.helpers import text_document
from tests.support.measures import number_recall, strip_ws

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
        expected = set(r.plants) | {implied[k] for k in r.noise_kinds if k in implied} | _printed_flags(r)
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


def _printed_flags(r) -> set[str]:
    """Flags the printed values imply without a plant: a rate truncated off its amounts, figures
    a run-on form prints without a gap (each explained in the gold's notes)."""
    notes = r.gold["_notes"]
    return ({"execution_rate_mismatch"} if any(n.startswith("execution_rate_mismatch: the rate is printed truncated") for n in notes) else set()) \
        | ({"separator_repaired"} if any(n.startswith("separator_repaired: the form prints adjacent figure cells") for n in notes) else set())


def test_unplanted_reports_raise_nothing_at_noise_0():
    for r in synth.generate(15, "mixed", 0, seed=4, plant=False):
        assert set(r.gold["_expected_flags"]) == _printed_flags(r) and r.plants == []
        assert r.checks and all(holds(c, r.text) for c in r.checks)


def test_clean_reports_expect_exactly_the_flags_their_printed_values_raise():
    """A rate printed truncated beyond what the amounts' rounding explains, and a run-on form's
    figures printed without a gap, are flags of the record contract; the checks raise them and
    nothing else on clean unplanted reports of those layouts."""
    from pipeline.checks import run_checks

    seen = set()
    for layout in ("form_runon", "project_single", "overall_report"):
        for r in synth.generate(12, layout, 0, seed=37, plant=False):
            document = text_document(r.text, r.doc_id)
            raised = {f.kind for f in run_checks(extract_rules(document), document)}
            assert raised == set(r.gold["_expected_flags"]), (r.doc_id, raised)
            seen |= raised
    assert seen == {"separator_repaired", "execution_rate_mismatch"}


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
    path = tmp_path / "scan" / f"{r.doc_id}.pdf"  # the gold's stem: `eval --docs DIR/scan` finds it
    import pymupdf

    with pymupdf.open(path) as pdf:
        assert pdf.page_count == 1 and not pdf[0].get_text().strip()
    doc = ingest.load(path)
    assert [p.engine for p in doc.pages] == ["ocr"]
    page_one = synth.render_ruled_pdf(r.page_text)  # what the scan shows: the page with ruled tables
    with pymupdf.open(stream=page_one, filetype="pdf") as pdf:
        reference = ingest.text_layer(pdf[0])
        assert pdf[0].get_drawings(), "the scanned page has no ruling lines"
    recall, count = number_recall(reference, doc.text)
    assert count > 20 and recall >= 0.9, recall


# --- genre layouts (issue 8): layouts real reports use that the classic ones do not -------------

GENRE_REPORT_TYPE = {"project_report": "project_report", "project_form": "project_report", "score_table": "overall_table",
                     "multi_form": "project_table", **{lay: "project_table" for lay in synth.GENRE_LAYOUTS if lay.startswith("form_")}}
MULTI_FORM_KEYS = [k for k in GOLD_KEYS if k not in ("indicators", "problems", "improvements")]


@pytest.fixture(scope="module")
def genre_corpus() -> list[synth.SynthReport]:
    """Every genre layout at every level, a third of them with planted inconsistencies."""
    reports = []
    for level in range(5):
        reports += synth.generate(30, "genre", level, seed=300 + level, plant=False)
        reports += synth.generate(20, "genre", level, seed=400 + level, plant=True)
    return reports


def test_mixed_still_draws_the_classic_layouts_and_genre_and_all_cycle_the_new_ones():
    assert [r.layout for r in synth.generate(5, "mixed", 0)] == list(synth.LAYOUTS)
    assert [r.layout for r in synth.generate(10, "genre", 0)] == list(synth.GENRE_LAYOUTS)
    assert [r.layout for r in synth.generate(15, "all", 0)] == list(synth.ALL_LAYOUTS)
    assert set(synth.LAYOUT_FAMILY) == set(synth.ALL_LAYOUTS)
    with pytest.raises(ValueError):
        synth.generate(1, "genre", kinds=["no_such_noise"])


def test_genre_layouts_are_deterministic_per_seed():
    a = synth.generate(10, "genre", 3, seed=8, plant=0.5)
    b = synth.generate(10, "genre", 3, seed=8, plant=0.5)
    assert [(r.text, r.page_text, r.gold) for r in a] == [(r.text, r.page_text, r.gold) for r in b]
    assert [r.checks for r in a] == [r.checks for r in b]
    c = synth.generate(10, "genre", 3, seed=9, plant=0.5)
    assert all(x.text != y.text for x, y in zip(a, c))


def test_genre_gold_follows_the_contract(genre_corpus):
    vocabulary = set(synth.FLAG_KINDS)
    for r in genre_corpus:
        gold = r.gold
        Record.model_validate({k: v for k, v in gold.items() if not k.startswith("_")})
        assert list(gold) == (MULTI_FORM_KEYS if r.layout == "multi_form" else GOLD_KEYS), r.doc_id
        assert gold["report_type"] == GENRE_REPORT_TYPE[r.layout], r.doc_id
        assert set(gold["_expected_flags"]) <= vocabulary
        assert not re.search("[\ue000-\uefff]", r.text + r.page_text), "a span marker leaked into the text"
        folded = unicodedata.normalize("NFKC", r.text)
        # budget.initial only for a figure labelled 年初…; a report without 年初 has only adjusted.
        if gold["budget"]["initial"] is not None:
            assert "年初" in folded, r.doc_id
        if r.layout in ("project_report", "project_form") or r.layout.startswith("form_"):
            assert gold["subject"], r.doc_id
        if r.layout == "multi_form":
            assert gold["subject"] is None and len(gold["projects"]) >= 2
            assert all(v is None for k, v in gold["budget"].items() if not isinstance(v, dict))
            assert gold["evaluation"] == {"score": None, "grade": None}
            # each project is one form: the title is printed once per form
            assert len(re.findall("自[评評]表", folded)) == len(gold["projects"]), r.doc_id
        if r.layout == "score_table":
            assert gold["indicators"] == [] and gold["evaluation"]["score"] is not None
        for proj in gold["projects"]:
            assert not re.match(r"[0-9A-Z]{12,}-", proj["name"]), "a system code left in a project name"


def _genre_numbers(text: str) -> set[Decimal]:
    folded = unicodedata.normalize("NFKC", text)
    folded = re.sub(r"(\d)\.\s+(\d)", r"\1.\2", folded)
    folded = re.sub(r"(?<=\d),(?=\d)", "", folded)
    # An OCR'd digit group ('3 848.29') read as one number too (the pieces stay readable alone).
    joined = re.sub(r"(?<![\d.])(\d{1,3}) (\d{3})(?=\D|$)", r"\1\2", folded)
    return {Decimal(n) for t in (folded, joined) for n in re.findall(r"\d+(?:\.\d+)?", t)}


def _printed_forms(value: Decimal) -> set[str]:
    """The ways ``value`` can be printed exactly, with 0 to 6 decimals."""
    out = set()
    for dec in range(7):
        q = value.quantize(Decimal(1).scaleb(-dec))
        if q == value:
            out.add(f"{q:.{dec}f}")
    return out


def _tokens(line: str) -> list[str]:
    return [t for t in re.split(r"[\s|]+", unicodedata.normalize("NFKC", line)) if t]


def _composed(s: str, text: str) -> bool:
    """Whether ``s`` is printed as pieces of cells: the end of one token, then whole tokens, then
    the start of a token, each the next token on its line or a token of the next three lines — a cell
    wrapped in its column, a header or value split over lines, cells of one row on one line."""
    rows = [_tokens(line) for line in text.split("\n")]

    def rest(tail: str, i: int, j: int, depth: int) -> bool:
        if depth > 6:
            return False
        nexts = [(i, j + 1)] if j + 1 < len(rows[i]) else []
        for a in range(i + 1, min(i + 4, len(rows))):  # a wrapped neighbour cell may take lines between
            nexts += [(a, k) for k in range(len(rows[a]))]
        for a, c in nexts:
            token = rows[a][c]
            if token.startswith(tail) or (tail.startswith(token) and rest(tail[len(token):], a, c, depth + 1)):
                return True
        return False

    return any(
        token.endswith(s[:k]) and rest(s[k:], i, j, 0)
        for i, row in enumerate(rows) for j, token in enumerate(row) for k in range(1, len(s))
    )


def assert_gold_printed(r: synth.SynthReport, text: str, run_together: bool) -> None:
    """Every gold number and string of ``r`` is printed in ``text``, read independently of the
    generator: numbers standalone (or inside a run of run-together digits), strings in the text
    with whitespace removed or composed of the pieces of wrapped cells."""
    gold = r.gold
    printed = _genre_numbers(text)
    digits = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", text))
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    numbers = [gold["fiscal_year"], gold["evaluation"]["score"]]
    numbers += [v for v in gold["budget"].values() if not isinstance(v, dict)]
    numbers += [v for part in ("basic", "project", "three_public") for v in gold["budget"][part].values()]
    numbers += [v for p in gold["projects"] for k, v in p.items() if k != "name"]
    for value in (v for v in numbers if v is not None):
        d = abs(Decimal(str(value)))
        candidates = {d, d * 10000, (d / 10000).normalize()}
        if candidates & printed:
            continue
        assert run_together and any(form in digits for c in candidates for form in _printed_forms(c)), \
            f"{r.doc_id}: {value} is not printed"
    strings = [gold[k] for k in ("department", "subject", "problems", "improvements") if gold.get(k)]
    strings += [p["name"] for p in gold["projects"]]
    values = []
    for ind in gold.get("indicators", []):
        strings += [s for s in (ind["level1"], ind["level2"], ind["name"]) if s]
        values += [s for s in (ind["target"], ind["actual"]) if s]
    for s in strings + values:
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))
        if s in flat or _composed(s, text):
            continue
        # Split 指标性质 | 指标值 | 度量单位 | 实际完成值 cells: the actual's unit precedes its value.
        m = re.fullmatch(r"([\d.]+)(\D*)", s)
        assert s in values and m and (m.group(2) + m.group(1) in flat or _composed(m.group(2) + m.group(1), text)), \
            f"{r.doc_id}: {s!r} is not printed"
    if gold["evaluation"]["grade"]:
        assert gold["evaluation"]["grade"] in text


def test_every_genre_gold_value_is_printed_in_its_text_and_on_its_page(genre_corpus):
    for r in genre_corpus:
        assert_gold_printed(r, r.text, run_together=r.layout == "form_runon")
        assert_gold_printed(r, r.page_text, run_together=False)


def test_genre_relations_agree_unless_planted(genre_corpus):
    seen = Counter()
    for r in genre_corpus:
        assert r.checks, r.doc_id
        for check in r.checks:
            assert holds(check, r.text) is (not check.planted), (r.doc_id, check.kind, check.planted,
                                                                 {k: [r.quote(s) for s in v] for k, v in check.terms.items()})
            seen[(check.kind, check.planted)] += 1
        planted = {c.kind for c in r.checks if c.planted}
        assert set(r.plants) == planted, r.doc_id
        implied = {"separator_repaired"} if "misplaced_separator" in r.noise_kinds else set()
        implied |= {"garbled_text"} if "garbage_paragraph" in r.noise_kinds else set()
        assert set(r.gold["_expected_flags"]) == set(r.plants) | implied | _printed_flags(r), r.doc_id
    for kind in ("execution_rate_mismatch", "parts_do_not_sum", "project_rate_mismatch", "score_items_do_not_sum"):
        assert seen[(kind, False)] > 0 and seen[(kind, True)] > 0, kind


def test_a_perfect_oracle_scores_one_on_genre_reports():
    for r in synth.generate(10, "genre", 2, seed=13, plant=True):
        score = score_document(r.gold, r.gold)
        assert score.counts.accuracy == 1.0 and score.counts.scored > 10, r.doc_id


def _only(layout: str, n: int = 6, level: int = 0) -> list[synth.SynthReport]:
    return synth.generate(n, layout, level, seed=17)


def test_each_flattening_prints_the_form_its_way():
    for r in _only("form_tabs"):
        assert "\t" in r.text and r.text.count("\n") >= r.page_text.count("\n")
    for r in _only("form_cells"):
        assert "\t" not in r.text and "\t" in r.page_text
        lines = [ln.strip(" |") for ln in r.text.split("\n")]
        assert "项目名称" in lines and "主管部门" in lines and "年度资金总额" in lines, r.doc_id
    for r in _only("form_oneline"):
        lines = r.text.split("\n")
        assert ".docx" in lines[0]
        (form,) = [ln for ln in lines if "项目名称" in ln]
        assert "年度资金总额" in form and "总分" in form and len(form.split()) > 60, r.doc_id
    for r in _only("form_pipes"):
        rows = [ln for ln in r.text.split("\n") if ln.startswith("| ")]
        assert len(rows) > 15 and any("|  |" in ln for ln in rows), r.doc_id  # empty merged cells kept
    for r in _only("form_runon"):
        assert re.search(r"\d\.\d{2}\d+\.\d{2}", unicodedata.normalize("NFKC", r.text)), r.doc_id
    for r in _only("form_columns"):
        assert "\t" not in r.text
        # some cell wrapped: a line of the page's table row is longer than any line of the text
        longest_cell = max(len(c) for ln in r.page_text.split("\n") for c in ln.split("\t"))
        assert longest_cell > max(len(t) for ln in r.text.split("\n") if "\t" not in ln for t in ln.split(" ") if t != ln), r.doc_id


def test_forms_break_rows_as_converters_do():
    """Across seeds, the form layouts show every kind of row break and header the issue lists."""
    seen = Counter()
    for r in synth.generate(40, "form_tabs", 0, seed=19):
        lines = r.text.split("\n")
        seen["unit line"] += "（万元）" in lines
        seen["formula header"] += bool(re.search(r"③=①\+②|（B/A）|（E/C×", r.text))
        seen["header over three lines"] += "100%）" in r.text and "（E/C×" in r.text
        seen["split indicator columns"] += "指标性质" in r.text
        for ind in r.gold["indicators"]:
            if ind["name"] not in r.text:
                seen["wrapped or moved name"] += 1
            elif ind["name"] in lines or any(ln.strip("\t") == ind["name"] for ln in lines):
                seen["name below its values"] += 1
        seen["merged level cells"] += any(ln.startswith("\t\t\t") and "%" in ln for ln in lines)
        seen["code before name"] += bool(re.search(r"[0-9A-Z]{12,}-", r.text))
    for what in ("unit line", "formula header", "header over three lines", "split indicator columns",
                 "wrapped or moved name", "name below its values", "merged level cells", "code before name"):
        assert seen[what] > 0, what


def test_project_reports_print_prose_indicators_and_fund_lists():
    seen = Counter()
    for r in synth.generate(60, "project_report", 0, seed=23):
        text = r.text
        gold = r.gold
        levels = {(i["level1"] is None, i["level2"] is None) for i in gold["indicators"]}
        seen["indicators under level headings"] += (False, False) in levels
        seen["indicators under level-1 headings only"] += (False, True) in levels
        seen["indicators without headings"] += (True, True) in levels
        seen["亿元 list with nested 其中"] += "亿元（其中：" in text.replace(" ", "") or bool(re.search(r"亿元（其中：", text))
        seen["allocations without 元"] += bool(re.search(r"[镇乡]\d+万[、。]", text))
        seen["run-on clauses"] += bool(re.search(r"预算[\d.,]+万元，实际支出[\d.,]+万元；", text))
        seen["single unlabelled allocation"] += gold["budget"]["initial"] is None and gold["budget"]["adjusted"] is not None
        seen["title without year, period"] += "年1月至" in text
        seen["docx metadata"] += ".docx" in text
        seen["site furniture"] += "索引号" in text
        seen["html headings"] += "<span>" in text or "<strong>" in text or "<h3>" in text
        if gold["fiscal_year"] and "索引号" in text:
            assert str(gold["fiscal_year"] + 1) in text  # the publishing date is not the fiscal year
    for what, count in seen.items():
        assert count > 0, what
    assert len(seen) == 11


def test_digit_groups_split_by_ocr_keep_the_gold_printed():
    reports = [r for r in synth.generate(20, "genre", 4, seed=29, kinds=["digit_groups"]) if r.noise_kinds]
    assert reports and all(r.noise_kinds == ["digit_groups"] for r in reports)
    for r in reports:
        assert re.search(r"\d \d{3}(?:\.\d+)?", unicodedata.normalize("NFKC", r.text)), r.doc_id
        assert_gold_printed(r, r.text, run_together=r.layout == "form_runon")
    # The classic layouts never draw it at random (their reports stay what they were for a seed).
    assert not any("digit_groups" in r.noise_kinds for r in synth.generate(20, "mixed", 4, seed=29))


@pytest.mark.parametrize("layout", ["form_tabs", "multi_form", "overall_table"])
def test_ruled_pdf_boxes_every_cell_and_keeps_every_number(layout):
    import pymupdf

    (r,) = synth.generate(1, layout, 1, seed=31)
    with pymupdf.open(stream=synth.render_ruled_pdf(r.page_text), filetype="pdf") as pdf:
        layer = "".join(ingest.text_layer(page) for page in pdf)
        boxes = sum(1 for page in pdf for d in page.get_drawings() for item in d["items"] if item[0] == "re")
    cells = sum(len(line.split("\t")) for line in r.page_text.split("\n") if "\t" in line)
    assert boxes == cells, (boxes, cells)  # one box per cell (the last cell of a short row spans the rest)
    recall, count = number_recall(r.page_text, layer)
    assert count > 20 and recall == 1.0, recall
    # wrapped inside their boxes, the characters are all there
    assert Counter(strip_ws(layer)) == Counter(strip_ws(r.page_text))


def test_robustness_bench_reports_the_genre_layouts_per_family(tmp_path):
    from bench import robustness_bench

    rows = robustness_bench.run(per_level=5, per_kind=0, seed=7, out_dir=tmp_path, per_level_genre=10)
    families = set(synth.LAYOUT_FAMILY[lay] for lay in synth.GENRE_LAYOUTS)
    for level in robustness_bench.LEVELS:
        named = {r["name"].strip() for r in rows}
        assert f"rules field accuracy, genre layouts, noise level {level}" in named
        assert {f"level {level}, family {fam}" for fam in families} <= named
    report = json.loads((tmp_path / "robustness.json").read_text(encoding="utf-8"))
    assert [p["level"] for p in report["genre_curve"]] == list(robustness_bench.LEVELS)
    assert set(report["genre_curve"][0]["layouts"]) == set(synth.GENRE_LAYOUTS)
    assert all(0.0 <= v <= 1.0 for p in report["genre_curve"] for v in p["families"].values())
    assert "per layout family" in (tmp_path / "robustness.md").read_text(encoding="utf-8")


# Every module of the pipeline outside the generator, imported in a fresh interpreter: the runtime
# (ingest → normalise → analysis → extract → checks → evaluate, and the CLI, whose synth command
# imports the generator only when it runs) must leave pipeline.synth, tests/ and bench/ unloaded.
_IMPORT_THE_RUNTIME = """
import importlib, pkgutil, sys
import pipeline

def walk(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name in ("pipeline.synth", "pipeline.__main__", "pipeline.review.migrations"):  # alembic runs env.py, not an import
            continue
        module = importlib.import_module(info.name)
        if info.ispkg:
            walk(module)

walk(pipeline)
print(sorted(n for n in sys.modules if n.startswith("pipeline.synth") or n.split(".")[0] in ("tests", "bench")))
print(len([n for n in sys.modules if n.startswith("pipeline.")]))
"""


def test_the_runtime_never_imports_the_generator():
    result = subprocess.run([sys.executable, "-c", _IMPORT_THE_RUNTIME], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True)
    loaded, count = result.stdout.split("\n")[:2]
    assert loaded == "[]"
    assert int(count) >= 20  # the walk did import the stages


def test_the_generator_expects_the_record_contracts_flag_kinds():
    assert synth.FLAG_KINDS is FLAG_KINDS
    assert set(synth.PLANT_KINDS) <= set(FLAG_KINDS)


def test_pdf_beside_scan_stays_the_plain_text_layer(tmp_path):
    """--pdf --scan: every report's text-layer PDF is the plain one (no ruled tables) unless --ruled;
    the scan's ruled page once leaked into the next report's --pdf."""
    import pymupdf

    reports = synth.generate(3, "project_table", 0, seed=13)
    synth.write(reports, tmp_path, pdf=True, scan=True, scan_pages=1, scan_dpi=50)
    for r in reports:
        with pymupdf.open(tmp_path / f"{r.doc_id}.pdf") as pdf:
            assert not any(page.get_drawings() for page in pdf), r.doc_id
    synth.write(reports[:1], tmp_path / "ruled", pdf=True, ruled=True)
    with pymupdf.open(tmp_path / "ruled" / f"{reports[0].doc_id}.pdf") as pdf:
        assert any(page.get_drawings() for page in pdf)


def test_ruled_page_draws_a_pipe_row_as_cells_and_leaves_other_pipes_as_text():
    """An export that printed a table row between pipes ('| 总额 | 48.00 | |') stood for ruled
    cells: the ruled page draws them as boxes (empty cells too) and prints no pipe; a line with a
    single trailing pipe is text and keeps it."""
    import pymupdf

    page = "某项目表 |\n| 总额 | 48.00 | |\n| 其中：财政资金 | 48.00 | 46.10 |\n附注"
    with pymupdf.open(stream=synth.render_pdf(page, ruled=True), filetype="pdf") as pdf:
        first = pdf[0]
        text = first.get_text()
        boxes = [item for d in first.get_drawings() for item in d["items"] if item[0] == "re"]
    assert "某项目表 |" in text
    assert "总额" in text and "46.10" in text
    assert text.count("|") == 1  # only the text line's pipe is printed
    assert len(boxes) == 6  # two rows of three cells, the empty one included
    with pymupdf.open(stream=synth.render_pdf(page), filetype="pdf") as plain:
        assert plain[0].get_text().count("|") == page.count("|")  # unruled: the pipes are printed as they are
