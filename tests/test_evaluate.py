"""The scorer (pipeline.evaluate) and the report renderers (pipeline.report), on real code and the gold set."""

from __future__ import annotations

import copy
import json

import pytest
from rich.console import Console

from pipeline.evaluate import (
    Cost,
    EvalItem,
    EvalReport,
    ReportMetadata,
    char_f1,
    compare_reports,
    evaluate_set,
    load_report,
    name_ratio,
    normalize_name,
    score_document,
    score_flags,
)
from pipeline.report import print_report, render_comparison_markdown, write_report

# --------------------------------------------------------------------------------------------
# A tiny hand-computed example
# --------------------------------------------------------------------------------------------

TINY_GOLD = {
    "doc_id": "tiny",
    "department": "某某区应急管理局",
    "fiscal_year": 2021,
    "report_type": "overall_report",
    "subject": None,
    "budget": {
        "initial": 100.0,
        "adjusted": 120.5,
        "actual": 110.0,
        "execution_rate": 91.29,
        "basic": {"budget": None, "actual": 50},
    },
    "evaluation": {"score": None, "grade": "优"},
    "projects": [
        {"name": "应急管理专项", "budget": 80, "actual": 70.5, "execution_rate": None},
        {"name": "安全生产宣传", "budget": 10, "actual": None, "execution_rate": None},
    ],
    "problems": "资金使用效率有待提升。",
    "improvements": None,
    "_notes": ["metadata: never scored"],
    "_expected_flags": ["execution_rate_mismatch", "unit_suspect"],
}

TINY_PRED = {
    "doc_id": "tiny",  # correct
    "department": "某某区 应急管理局",  # correct: whitespace removed before comparing
    "fiscal_year": "2021",  # correct: a plain numeric string is compared numerically
    "report_type": "overall_table",  # wrong
    "subject": "森林防火",  # hallucinated: gold is null
    "budget": {
        "initial": 100.004,  # correct: within 0.005
        "adjusted": 120.51,  # wrong: off by 0.01
        "actual": None,  # missed
        "execution_rate": 91.29,  # correct
        "basic": {"budget": None, "actual": 50.0},  # correct, correct
        "adjustment": 5,  # not scored: 'adjustment' is absent from this gold
    },
    "evaluation": {"score": None, "grade": "优"},  # correct, correct
    "projects": [
        # name ratio('应急管理专项经费', '应急管理专项') = 2*6/14 = 0.857 >= 0.8: paired
        {"name": "应急管理 专项经费", "budget": 80.0, "actual": 70.0, "execution_rate": 99.0},
        # no gold partner: a hallucinated item, not a scored field
        {"name": "信息化建设", "budget": 5},
    ],
    # char-F1: gold bag 资金使用效率有待提升 (10), pred adds 进一步 (13): 2*10/23 = 0.87: correct
    "problems": "资金使用效率有待进一步提升",
    "improvements": "",  # empty counts as null: correct
    "indicators": [{"name": "x"}],  # not scored: 'indicators' is absent from this gold
    "confidence": 0.9,  # unknown key: ignored
    "evidence": {
        "budget.adjusted": {"quote": "调整后预算数120.51万元", "page": 1},
        "projects[0].actual": {"quote": "应急管理专项经费支出70万元"},
        "projects[1].name": {"quote": "信息化建设5万元"},
    },
}
# Scored fields, by hand:
#   top-level scalars  doc_id C, department C, fiscal_year C, report_type W, subject H        5 (3 correct)
#   budget             initial C, adjusted W, actual M, execution_rate C,
#                      basic.budget C, basic.actual C                                         6 (4 correct)
#   evaluation         score C, grade C                                                       2 (2 correct)
#   projects           [应急管理专项] C, .budget C, .actual W (.execution_rate: gold null,
#                      not scored); [安全生产宣传] M, .budget M (.actual null, not scored)     5 (2 correct)
#   texts              problems C, improvements C                                             2 (2 correct)
#   total: 20 scored, 13 correct, 3 wrong, 3 missed, 1 hallucinated; 1 hallucinated item.


def test_hand_computed_example():
    doc = score_document(TINY_GOLD, TINY_PRED)
    c = doc.counts
    assert (c.scored, c.correct, c.wrong, c.missed, c.hallucinated, c.hallucinated_items) == (20, 13, 3, 3, 1, 1)
    assert doc.accuracy == pytest.approx(13 / 20)

    status = {f.path: f.status for f in doc.fields}
    assert status == {
        "doc_id": "correct",
        "department": "correct",
        "fiscal_year": "correct",
        "report_type": "wrong",
        "subject": "hallucinated",
        "budget.initial": "correct",
        "budget.adjusted": "wrong",
        "budget.actual": "missed",
        "budget.execution_rate": "correct",
        "budget.basic.budget": "correct",
        "budget.basic.actual": "correct",
        "evaluation.score": "correct",
        "evaluation.grade": "correct",
        "projects[应急管理专项]": "correct",
        "projects[应急管理专项].budget": "correct",
        "projects[应急管理专项].actual": "wrong",
        "projects[安全生产宣传]": "missed",
        "projects[安全生产宣传].budget": "missed",
        "projects[信息化建设]": "hallucinated",
        "problems": "correct",
        "improvements": "correct",
    }
    by_path = {f.path: f for f in doc.fields}
    assert not by_path["projects[信息化建设]"].scored
    assert by_path["projects[应急管理专项].budget"].field == "projects[].budget"
    assert by_path["problems"].score == pytest.approx(20 / 23)
    # evidence: by exact path, and by the predicted item's index
    assert by_path["budget.adjusted"].evidence == "调整后预算数120.51万元"
    assert by_path["projects[应急管理专项].actual"].evidence == "应急管理专项经费支出70万元"
    assert by_path["projects[信息化建设]"].evidence == "信息化建设5万元"
    assert set(doc.lists) == {"projects"}
    projects = doc.lists["projects"]
    assert (projects.gold_items, projects.predicted_items, projects.matched) == (2, 2, 1)
    assert projects.precision == 0.5 and projects.recall == 0.5
    assert (projects.fields.scored, projects.fields.correct, projects.fields.hallucinated_items) == (5, 2, 1)


def test_explicit_evidence_overrides_the_predictions_own():
    doc = score_document(TINY_GOLD, TINY_PRED, evidence={"budget.adjusted": "explicit quote"})
    assert {f.path: f.evidence for f in doc.fields}["budget.adjusted"] == "explicit quote"


def test_char_f1_is_a_bag_of_characters_without_punctuation_or_whitespace():
    assert char_f1("资金使用效率有待提升。", "资金使用效率有待进一步提升") == pytest.approx(20 / 23)
    assert char_f1("甲乙丙", "丙乙甲") == 1.0  # order does not matter
    assert char_f1("一、加强管理；二、提高效率。", "一 加强管理 二 提高效率") == 1.0
    assert char_f1("甲甲乙", "甲乙") == pytest.approx(2 * 2 / 5)  # multiset: one 甲 unmatched
    # 5 of 10 characters shared: F1 0.5 < 0.8, so the text is wrong
    doc = score_document({"problems": "一二三四五六七八九十"}, {"problems": "一二三四五"})
    assert [(f.status, f.score) for f in doc.fields] == [("wrong", pytest.approx(2 * 5 / 15))]


@pytest.mark.parametrize(
    ("gold", "pred", "status"),
    [
        (99.66, 99.665, "correct"),  # exactly 0.005 away: within
        (99.66, 99.6651, "wrong"),
        (99.66, "99.66", "correct"),  # plain numeric string: compared numerically
        (99.66, "９９.６６", "correct"),  # NFKC
        (3286.8, "3286. 80", "correct"),  # whitespace removed, as for every string
        (99.66, "99.66%", "wrong"),  # the record asks for bare numbers
        (3286.8, "3,286.80", "wrong"),
        (1, True, "wrong"),  # booleans are not numbers
        ("24 小时*365 天", "24小时*365天", "correct"),
        ("100%", 100, "wrong"),
        ("2", 2.0, "correct"),  # gold numeric string, numeric prediction
        (0, None, "missed"),
        (0, 0, "correct"),
        (None, 0, "hallucinated"),  # 0 is a value, not empty
        (None, "  ", "correct"),  # whitespace-only string is empty
        (None, [], "correct"),
        (None, "x", "hallucinated"),
    ],
)
def test_scalar_rules(gold, pred, status):
    doc = score_document({"budget": {"actual": gold}}, {"budget": {"actual": pred}})
    assert [f.status for f in doc.fields] == [status]


def test_list_pairing_is_best_pair_first_and_labels_duplicate_names():
    gold = {"projects": [{"name": "应急管理专项", "budget": 1}, {"name": "应急管理专项资金", "budget": 2}]}
    # The predicted name pairs with gold 2 (ratio 1.0) rather than gold 1 (ratio 0.857).
    doc = score_document(gold, {"projects": [{"name": "应急管理专项资金", "budget": 2}]})
    assert {f.path: f.status for f in doc.fields} == {
        "projects[应急管理专项]": "missed",
        "projects[应急管理专项].budget": "missed",
        "projects[应急管理专项资金]": "correct",
        "projects[应急管理专项资金].budget": "correct",
    }
    same = {"projects": [{"name": "甲项目", "budget": 1}, {"name": "甲项目", "budget": 2}]}
    doc = score_document(same, same)
    assert [f.path for f in doc.fields if f.kind == "item"] == ["projects[甲项目]", "projects[甲项目#2]"]
    assert doc.accuracy == 1.0


def test_names_pair_after_punctuation_is_removed():
    # Invented names. NFKC makes '（1）' '(1)'; the scorer then drops whitespace and every P*
    # character ('(', ')', '.', '、', '“', '”', '：'), so both sides read '1巡河保洁' / '三防演练'.
    assert name_ratio("（1）巡河保洁", "1.巡河 保洁") == 1.0
    assert name_ratio("“三防”演练", "三防演练") == 1.0
    # Symbols (Sm) are not punctuation: '≥' stays; '%' is punctuation (Po) and goes.
    # '≥95%' vs '95%' -> '≥95' vs '95': 2*2/5.
    assert name_ratio("≥95%", "95%") == pytest.approx(4 / 5)
    # Only punctuation: nothing left to compare, so never paired.
    assert name_ratio("（）、", "（）、") == 0.0
    # Before this rule '(1)巡河' vs '1.巡河' had 3 of 5 + 4 characters in common: ratio 6/9 < 0.8,
    # so the item and its budget were missed. Now: item and budget correct, nothing hallucinated.
    gold = {"projects": [{"name": "（1）巡河", "budget": 12.5}, {"name": "一、水质监测", "budget": 3}]}
    pred = {"projects": [{"name": "1.巡河", "budget": 12.5}, {"name": "水质监测", "budget": 4}]}
    doc = score_document(gold, pred)
    assert {f.path: f.status for f in doc.fields} == {
        "projects[（1）巡河]": "correct",
        "projects[（1）巡河].budget": "correct",
        # '一水质监测' vs '水质监测': 2*4/9 = 0.889 >= 0.8, paired; its budget differs.
        "projects[一、水质监测]": "correct",
        "projects[一、水质监测].budget": "wrong",
    }
    assert doc.accuracy == pytest.approx(3 / 4)


def test_char_f1_and_name_pairing_share_one_normalisation():
    # Full-width punctuation and the ASCII forms NFKC gives them are removed alike, so texts
    # that differ only in punctuation score F1 1.0, as their names would pair at ratio 1.0.
    a, b = "一是“重建轻管”；二是（部分）滞后。", "一是 重建轻管 二是 部分 滞后"
    assert normalize_name(a) == normalize_name(b) == "一是重建轻管二是部分滞后"
    assert char_f1(a, b) == 1.0 and name_ratio(a, b) == 1.0
    # 6 of the 8 characters of '甲乙丙丁戊己庚辛' against '甲乙丙丁戊己': F1 = 2*6/14.
    assert char_f1("甲、乙、丙、丁、戊、己、庚、辛", "甲乙丙丁戊己") == pytest.approx(12 / 14)


# --------------------------------------------------------------------------------------------
# The seed gold set
# --------------------------------------------------------------------------------------------

# Scored fields per gold: 21 top-level/budget/evaluation/text fields, plus per list item 1 + its
# non-null fields. Null scalars are what an empty prediction gets right.
#   000: 21 + indicators 12*(1+1 actual) + projects 6*(1+1 budget)         = 57; null scalars 10
#   001: 21 + indicators 0 + projects 7*(1+2 actual, execution_rate)       = 42; null scalars 10
#   002: 21 + indicators 37*(1+3 level1, level2, target) + projects 0      = 169; null scalars 3
#   003: 21 + projects 14*(1+3)                                            = 77; null scalars 17
#   004: 21 + projects 16 items + 26 non-null budget/actual values         = 63; null scalars 11
EXPECTED = {
    "000": (57, 10),
    "001": (42, 10),
    "002": (169, 3),
    "003": (77, 17),
    "004": (63, 11),
}


def _gold(gold_records, prefix):
    (record,) = [r for stem, r in gold_records.items() if stem.startswith(prefix)]
    return record


def _all_nulls(value):
    if isinstance(value, dict):
        return {k: _all_nulls(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return []
    return None


def test_gold_set_is_the_expected_one(gold_records):
    assert sorted(stem[:3] for stem in gold_records) == sorted(EXPECTED)


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_each_gold_scores_itself_perfectly(gold_records, prefix):
    gold = _gold(gold_records, prefix)
    doc = score_document(gold, gold)
    assert doc.counts.scored == EXPECTED[prefix][0]
    assert doc.accuracy == 1.0
    assert doc.counts.hallucinated_items == 0
    assert doc.ignored_gold_keys == []
    assert all(s.precision in (1.0, None) and s.recall in (1.0, None) for s in doc.lists.values())


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_empty_prediction_gets_exactly_the_null_fields(gold_records, prefix):
    gold = _gold(gold_records, prefix)
    scored, nulls = EXPECTED[prefix]
    for pred in ({}, _all_nulls(gold)):
        doc = score_document(gold, pred)
        assert (doc.counts.scored, doc.counts.correct) == (scored, nulls)
        assert doc.counts.missed == scored - nulls
        assert doc.counts.wrong == doc.counts.hallucinated == 0
        assert doc.accuracy == pytest.approx(nulls / scored)


def test_004_null_project_actuals_are_not_scored(gold_records):
    gold = _gold(gold_records, "004")
    pred = copy.deepcopy(gold)
    changed = 0
    for item in pred["projects"]:
        if item["actual"] is None:
            item["actual"] = 99.0
            changed += 1
    assert changed == 5  # 用友…, 2021年上半年…, 应急管理信息化…, 四川省…, 长江禁捕
    doc = score_document(gold, pred)
    assert (doc.counts.scored, doc.accuracy) == (63, 1.0)


def test_unknown_and_missing_keys_still_score():
    gold = {
        "doc_id": "odd",
        "department": "某局",
        "budget": {"initial": 10, "currency": "万元"},  # no other budget keys
        "funds_arrival_rate": 100,  # not a record field
        "projects": [{"name": "甲", "budget": 1, "owner": "乙"}],
        "_whatever": 1,
    }
    pred = {"doc_id": "odd", "department": "某局", "budget": {"initial": 10, "adjusted": 3}, "projects": [{"name": "甲", "budget": 1}], "extra": [1, 2]}
    doc = score_document(gold, pred)
    assert [f.path for f in doc.fields] == ["doc_id", "department", "budget.initial", "projects[甲]", "projects[甲].budget"]
    assert doc.accuracy == 1.0
    assert sorted(doc.ignored_gold_keys) == ["budget.currency", "funds_arrival_rate"]
    # nothing scorable at all: accuracy undefined, not a crash
    assert score_document({"_notes": []}, {"doc_id": "x"}).accuracy is None


# --------------------------------------------------------------------------------------------
# Flags, sets, comparison
# --------------------------------------------------------------------------------------------


def test_score_flags_is_set_based():
    s = score_flags(["execution_rate_mismatch", "parts_do_not_sum"], ["parts_do_not_sum", "garbled_text", "garbled_text"])
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)
    assert s.precision == 0.5 and s.recall == 0.5
    assert s.false_positives == ["garbled_text"] and s.false_negatives == ["execution_rate_mismatch"]
    nothing = score_flags([], [])
    assert nothing.precision is None and nothing.recall is None


def _perfect_items(gold_records):
    return [
        EvalItem(doc_id=stem, gold=g, pred=g, raised_flags=g["_expected_flags"], cost=Cost(llm_calls=1, tokens_in=10))
        for stem, g in gold_records.items()
    ]


def test_evaluate_set_aggregates_over_documents(gold_records):
    items = _perfect_items(gold_records) + [
        EvalItem(doc_id="tiny", gold=TINY_GOLD, pred=TINY_PRED, raised_flags=["unit_suspect", "garbled_text"],
                 cost=Cost(llm_calls=2, tokens_in=100, tokens_out=20, cache_hits=1))
    ]
    report = evaluate_set(items, ReportMetadata(backend="rules", gold_dir="gold"))
    h = report.headline
    assert h.documents == 6
    assert (h.scored, h.correct) == (408 + 20, 408 + 13)
    assert report.accuracy == pytest.approx(421 / 428)
    assert (h.wrong, h.missed, h.hallucinated, h.hallucinated_items) == (3, 3, 1, 1)
    # projects[] items: 6 + 7 + 0 + 14 + 16 gold items in the seeds, 2 in tiny (1 found)
    assert (report.per_field["projects[]"].scored, report.per_field["projects[]"].correct) == (45, 44)
    assert report.per_field["projects[]"].hallucinated_items == 1
    assert list(report.per_field)[:3] == ["doc_id", "department", "fiscal_year"]
    assert report.per_document["tiny"].accuracy == pytest.approx(13 / 20)
    assert report.per_report_type["overall_report"].documents == 4
    assert report.per_report_type["overall_report"].scored == 42 + 169 + 63 + 20
    assert (report.lists["projects"].gold_items, report.lists["projects"].matched) == (45, 44)
    # flags: seeds all exact (7 expected kinds); tiny 1 tp, 1 fp, 1 fn
    f = report.flags.overall
    assert (f.tp, f.fp, f.fn) == (8, 1, 1)
    assert report.flags.per_document["tiny"].false_negatives == ["execution_rate_mismatch"]
    assert report.cost.total == Cost(llm_calls=7, tokens_in=150, tokens_out=20, cache_hits=1)
    with pytest.raises(ValueError, match="duplicate"):
        evaluate_set(items + items[:1])


def _degraded(gold):
    pred = copy.deepcopy(gold)
    pred["department"] = "<script>alert('x')</script>"
    pred["evidence"] = {"department": {"quote": "<img src=x onerror=alert(1)>"}}
    return pred


def test_compare_reports_detects_a_regression_and_not_an_improvement(gold_records):
    perfect = evaluate_set(_perfect_items(gold_records)).model_dump(mode="json")
    worse = evaluate_set(
        [EvalItem(doc_id=stem, gold=g, pred=_degraded(g), raised_flags=g["_expected_flags"]) for stem, g in gold_records.items()]
    ).model_dump(mode="json")

    down = compare_reports(perfect, worse, tolerance=0.005)
    assert down.regressed
    assert down.headline.delta == pytest.approx(-5 / 408)
    assert "field department" in down.worsened
    assert any("002_253a507cb47b7737" in r for r in down.reasons)  # 1/169 = 0.0059 > 0.005
    assert "**REGRESSED**" in render_comparison_markdown(down)

    up = compare_reports(worse, perfect, tolerance=0.005)
    assert not up.regressed and up.reasons == []
    assert "field department" in up.improved and up.worsened == []

    assert not compare_reports(perfect, worse, tolerance=0.05).regressed  # every drop below 5 pp
    assert not compare_reports(perfect, perfect, tolerance=0.0).regressed

    fewer = copy.deepcopy(perfect)
    dropped = next(iter(fewer["per_document"]))
    del fewer["per_document"][dropped]
    missing = compare_reports(perfect, fewer, tolerance=0.0)
    assert missing.regressed and any(dropped in r and "missing" in r for r in missing.reasons)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def test_write_report_is_self_contained_and_escapes_document_strings(gold_records, tmp_path):
    items = [
        EvalItem(doc_id=stem, gold=g, pred=_degraded(g), raised_flags=g["_expected_flags"]) for stem, g in gold_records.items()
    ]
    items[0].pred["projects"].append({"name": "幻觉 [red]<b>x</b> | y", "budget": 1})
    report = evaluate_set(items, ReportMetadata(backend="rules"))
    paths = write_report(report, tmp_path / "out")

    html = paths.html.read_text(encoding="utf-8")
    assert "<svg" in html and "<rect" in html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<link" not in html and "http://" not in html and "https://" not in html
    assert "Content-Security-Policy" in html

    md = paths.markdown.read_text(encoding="utf-8")
    assert "<script" not in md and "&lt;script&gt;" in md
    assert "幻觉 [red]&lt;b&gt;x&lt;/b&gt; \\| y" in md  # a '|' cannot break the table
    assert "## Differences per document" in md and "| department | wrong |" in md

    data = load_report(paths.json)
    assert EvalReport.model_validate(data).headline.scored == report.headline.scored
    assert data["accuracy"] == report.accuracy
    assert not compare_reports(data, report, tolerance=0.0).regressed


def test_render_comparison_markdown_and_console(gold_records):
    perfect = evaluate_set(_perfect_items(gold_records))
    gold = next(iter(gold_records.values()))
    pred = _degraded(gold)
    pred["projects"].append({"name": "幻觉 [red]", "budget": 1})
    worse = evaluate_set([EvalItem(doc_id=gold["doc_id"], gold=gold, pred=pred)] + _perfect_items(gold_records)[1:])

    md = render_comparison_markdown(compare_reports(perfect, worse, tolerance=0.0))
    assert "REGRESSED" in md and "| department | 100.0% | 80.0% | -20.0 pp | worse |" in md

    console = Console(record=True, width=220)
    print_report(worse, console, show_diffs=True)
    out = console.export_text()
    assert "Field accuracy" in out and "department" in out
    assert "projects[幻觉 [red]]" in out  # rich markup in document strings is printed literally
