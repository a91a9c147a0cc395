"""CI regression gate: the rules backend must not fall below the accuracy stored in
eval/baseline.json, on ../shared/gold, ../shared/dev and our own eval/gold, and must not invent
more than one scalar per document on any of them. Raise the baseline when you improve
(`pipeline eval --gold DIR` prints the figures)."""

from __future__ import annotations

import json

import pytest

from conftest import GOLD_DIR, PROJECT_ROOT, SHARED_DIR
from pipeline.eval_run import run_eval

BASELINE = json.loads((PROJECT_ROOT / "eval" / "baseline.json").read_text(encoding="utf-8"))
SETS = {"shared_gold": GOLD_DIR, "shared_dev": SHARED_DIR / "dev", "eval_gold": PROJECT_ROOT / "eval" / "gold"}
# Contract of issue 8: at most one hallucinated scalar per document, on every set.
MAX_HALLUCINATED_SCALARS_PER_DOCUMENT = 1


@pytest.fixture(scope="module", params=sorted(SETS))
def scored(request):
    name = request.param
    if not any(SETS[name].glob("*.json")):
        pytest.fail(f"no gold records under {SETS[name]}: ../shared must sit beside the checkout")
    return name, run_eval(SETS[name])


def test_rules_accuracy_does_not_regress(scored):
    name, report = scored
    expected = BASELINE["sets"][name]
    # The baseline is stored rounded to 4 decimals; allow that rounding, nothing more.
    tolerance = BASELINE["tolerance"] + 5e-5
    assert report.headline.accuracy >= expected["accuracy"] - tolerance
    per_document = {doc_id: summary.accuracy for doc_id, summary in report.per_document.items()}
    dropped = {d: (a, per_document.get(d)) for d, a in expected["documents"].items() if (per_document.get(d) or 0) < a - tolerance}
    assert dropped == {}, f"documents below baseline (baseline, now): {dropped}"


def test_at_most_one_hallucinated_scalar_per_document(scored):
    _, report = scored
    invented = {
        document.doc_id: [f.path for f in document.fields if f.status == "hallucinated" and f.kind in ("scalar", "text")]
        for document in report.documents
    }
    assert {d: paths for d, paths in invented.items() if len(paths) > MAX_HALLUCINATED_SCALARS_PER_DOCUMENT} == {}


def test_the_gold_reports_flattened_other_ways_do_not_regress(tmp_path):
    # The readers' gains on tables flattened other ways than the sets print them (one space, runs
    # of spaces, aligned columns, pipes) are kept: eval/flattening_baseline.json holds the fields
    # right per flattening.
    from bench.flattening_bench import run

    baseline = json.loads((PROJECT_ROOT / "eval" / "flattening_baseline.json").read_text(encoding="utf-8"))["fields"]
    got = {row["flattening"]: row["correct"] for row in run(out_dir=tmp_path)}
    below = {name: (fields, got.get(name)) for name, fields in baseline.items() if (got.get(name) or 0) < fields}
    assert below == {}, f"flattenings below baseline (baseline, now): {below}"
