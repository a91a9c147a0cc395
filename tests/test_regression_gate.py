"""CI regression gate: the rules backend must not fall below the accuracy stored in
eval/baseline.json, on ../shared/gold and on our own eval/gold. Raise the baseline when you
improve (`pipeline eval --gold DIR` prints the figures)."""

from __future__ import annotations

import json

import pytest

from conftest import GOLD_DIR, PROJECT_ROOT
from pipeline.eval_run import run_eval

BASELINE = json.loads((PROJECT_ROOT / "eval" / "baseline.json").read_text(encoding="utf-8"))
SETS = {"shared_gold": GOLD_DIR, "eval_gold": PROJECT_ROOT / "eval" / "gold"}


@pytest.mark.parametrize("name", sorted(SETS))
def test_rules_accuracy_does_not_regress(name):
    expected = BASELINE["sets"][name]
    # The baseline is stored rounded to 4 decimals; allow that rounding, nothing more.
    tolerance = BASELINE["tolerance"] + 5e-5
    report = run_eval(SETS[name])
    assert report.headline.accuracy >= expected["accuracy"] - tolerance
    per_document = {doc_id: summary.accuracy for doc_id, summary in report.per_document.items()}
    dropped = {d: (a, per_document.get(d)) for d, a in expected["documents"].items() if (per_document.get(d) or 0) < a - tolerance}
    assert dropped == {}, f"documents below baseline (baseline, now): {dropped}"
