"""Hybrid against a scripted server that answers, for the fields the rules left empty, with the
values of the gold, each quoted from the report (tests/llm_server.py; no network, no model).
The hybrid must take them, ground every one, and score above the rules alone. This tests the
plumbing from answer to merged record; it is not an accuracy figure of any model."""

from __future__ import annotations

import json

from conftest import SHARED_DIR
from llm_server import ScriptedServer, gold

from pipeline.compare import is_empty, values_match
from pipeline.config import Settings
from pipeline.ground import ground_value
from pipeline.ingest import load
from pipeline.record import VALUE_PATHS, get_path
from pipeline.run import process

MODEL = "scripted-model"
DEV_DIR = SHARED_DIR / "dev"
KINDS = {"budget.execution_rate": "rate", "budget.adjustment_rate": "rate", "evaluation.score": "number",
         "fiscal_year": "number", "department": "text", "subject": "text", "evaluation.grade": "text"}
PASSAGES = ("problems", "improvements")


def quoted(document, value, kind: str) -> dict | None:
    """``value`` with a quote around where the report prints it (a few characters either side)."""
    evidence = ground_value(document, value, kind)
    if evidence.match == "ungrounded" or evidence.page is None:
        return None
    page = document.pages[evidence.page - 1].text
    return {"value": value, "quote": page[max(0, evidence.start - 8): evidence.end + 6]}


def answer_for_gaps(document, gold_record: dict, rules_plain: dict) -> dict:
    """A ReportExtraction answer holding the gold value of every scalar the rules left empty."""
    answer: dict = {"budget": {"basic": {}, "project": {}, "three_public": {}}, "evaluation": {}}
    for path in VALUE_PATHS:
        value = get_path(gold_record, path)
        if path == "report_type" or is_empty(value) or not is_empty(get_path(rules_plain, path)):
            continue
        if path in PASSAGES:
            leaf = {"text": value}
        else:
            leaf = quoted(document, value, KINDS.get(path, "amount"))
        if leaf is None:
            continue
        *parents, last = path.split(".")
        node = answer
        for step in parents:
            node = node.setdefault(step, {})
        node[last] = leaf
    return answer


def scalar_hits(plain: dict, gold_record: dict) -> int:
    return sum(1 for p in VALUE_PATHS if not is_empty(get_path(gold_record, p)) and not is_empty(get_path(plain, p))
               and values_match(get_path(gold_record, p), get_path(plain, p)))


def _sources(tmp_path):
    """The dev reports, and noisy generated genre reports: the rules read every dev field now, so
    the gaps the scripted model fills come from the noise (level 4) on the generated ones."""
    from pipeline import synth

    synth.write(synth.generate(16, "genre", 4, seed=5, plant=0), tmp_path / "generated")
    return sorted(DEV_DIR.glob("*.txt")) + sorted((tmp_path / "generated").glob("*.txt"))


def test_hybrid_with_gold_answers_for_the_gaps_scores_above_the_rules(tmp_path):
    rules_hits = hybrid_hits = filled = 0
    for source in _sources(tmp_path):
        gold_record = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
        document = load(source)
        rules = process(document, "rules")
        answer = answer_for_gaps(document, gold_record, rules.plain())
        with ScriptedServer(gold(answer), models=[MODEL]) as server:
            settings = Settings(_env_file=None, llm_base_url=server.base_url, llm_model=MODEL, llm_cache=False,
                                llm_max_reasks=0, llm_timeout=5.0)
            hybrid = process(document, "hybrid", settings)
        plain = hybrid.plain()
        rules_hits += scalar_hits(rules.plain(), gold_record)
        hybrid_hits += scalar_hits(plain, gold_record)
        for path in VALUE_PATHS:
            evidence = hybrid.evidence.get(path)
            if evidence is not None and evidence.method == "llm" and not is_empty(get_path(plain, path)):
                filled += 1
                assert evidence.match != "ungrounded", (source.name, path)
        # Rules values never change hands here: the answer only covers what they left empty.
        for path in VALUE_PATHS:
            if not is_empty(get_path(rules.plain(), path)):
                assert get_path(plain, path) == get_path(rules.plain(), path), (source.name, path)
    print(f"scalar fields right: rules {rules_hits}, hybrid {hybrid_hits} ({filled} filled by the scripted answers)")
    assert filled > 0 and hybrid_hits > rules_hits, (rules_hits, hybrid_hits, filled)
