"""The review store on SQLite and on a real PostgreSQL: routing, corrections that survive re-runs,
optimistic locking, the audit log, export and gold. Reports are invented here (own bureaus and
figures)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect

from pipeline.document import Document, Page, PageBox
from pipeline.ingest import load
from pipeline.record import Evidence, ExtractedRecord, Finding
from pipeline.run import process
from pipeline.review.models import Base
from pipeline.review.routing import RoutingRules, audit_sampled, field_confidence, route
from pipeline.review.store import Conflict, ReviewError, Store

from tests.review_fixtures import db_url, postgres_server  # noqa: F401  (fixtures)

# The printed rate (80%) contradicts 540 / 600 = 90%: an error finding.
FOREST = """青山县林业局2022年度部门整体支出绩效自评报告

二、预算执行情况
2022年年初预算数500.00万元，全年预算数600.00万元，实际支出540.00万元，预算执行率80.00%。
其中基本支出预算400.00万元，实际支出380.00万元；项目支出预算200.00万元，实际支出160.00万元。

三、自评结论
自评得分92分，自评等级为优。
"""
# Consistent figures (316.8 / 320 = 99%).
CULTURE = """白湖区文化馆2021年度部门整体支出绩效自评报告

二、预算执行情况
2021年年初预算数300.00万元，全年预算数320.00万元，实际支出316.80万元，预算执行率99.00%。

三、自评结论
自评得分95分，自评等级为优。
"""
NO_AUDIT = RoutingRules(audit_rate=0.0)


def _doc(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _add(store: Store, path: Path) -> int:
    document = load(path)
    return store.add_record(document, process(document))


def test_migrations_make_the_tables_the_models_describe(db_url):
    store = Store(db_url)
    inspector = inspect(store.engine)
    for table in Base.metadata.sorted_tables:
        assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}, table.name
    Store(db_url).close()  # opening again migrates nothing and keeps working
    store.close()


def test_an_error_finding_is_queued_first_and_a_clean_record_stays_out(db_url, tmp_path):
    store = Store(db_url, rules=NO_AUDIT)
    forest = _add(store, _doc(tmp_path, "forest", FOREST))
    culture = _add(store, _doc(tmp_path, "culture", CULTURE))
    queue = store.items()
    assert [v.id for v in queue] == [forest]
    assert queue[0].priority == 100
    assert any(r["code"] == "error_finding" and "execution_rate_mismatch" in r["detail"] for r in queue[0].reasons)
    assert store.item(culture).status == "clean"
    assert store.counts()["status"]["queued"] == 1 and store.counts()["reason"] == {"error_finding": 1}
    store.close()


def test_a_rerun_never_overwrites_a_correction_and_shows_the_new_machine_value(db_url, tmp_path):
    store = Store(db_url, rules=NO_AUDIT)
    path = _doc(tmp_path, "forest", FOREST)
    item = _add(store, path)
    view = store.item(item)
    result = store.set_field(item, "budget.execution_rate", 90.0, "reviewer-a", view.version, "rate misprinted")
    assert result["old"] == 80.0 and result["new"] == 90.0
    # The corrected rate is no longer the printed one: the checks now say it is ungrounded.
    assert "error ungrounded_value budget.execution_rate" in result["new_findings"]
    assert any("execution_rate_mismatch" in key for key in result["resolved"])

    _add(store, path)  # the pipeline runs again over the same document
    after = store.item(item)
    assert after.plain["budget"]["execution_rate"] == 90.0
    assert after.machine_value("budget.execution_rate") == 80.0
    assert after.corrections["budget.execution_rate"]["reviewer"] == "reviewer-a"
    assert after.record.evidence["budget.execution_rate"].method == "human"
    assert after.plain["budget"]["actual"] == 540.0  # untouched fields follow the machine
    store.close()


def test_invalid_values_and_unknown_fields_are_refused(db_url, tmp_path):
    store = Store(db_url, rules=NO_AUDIT)
    item = _add(store, _doc(tmp_path, "forest", FOREST))
    version = store.item(item).version
    with pytest.raises(ReviewError, match="no field"):
        store.set_field(item, "budget.nonsense", 1, "a", version)
    with pytest.raises(ReviewError, match="report_type"):
        store.set_field(item, "report_type", "a poem", "a", version)
    with pytest.raises(ReviewError, match="reviewer"):
        store.approve(item, " ", version)
    assert store.audit(item) == []
    store.close()


def test_two_simultaneous_edits_give_one_success_and_one_conflict(db_url, tmp_path):
    setup = Store(db_url, rules=NO_AUDIT)
    item = _add(setup, _doc(tmp_path, "forest", FOREST))
    version = setup.item(item).version
    stores = [Store(db_url, rules=NO_AUDIT), Store(db_url, rules=NO_AUDIT)]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def edit(name: str, store: Store, value: float) -> None:
        barrier.wait()
        try:
            outcomes[name] = store.set_field(item, "budget.actual", value, name, version)
        except Conflict as conflict:
            outcomes[name] = conflict

    threads = [threading.Thread(target=edit, args=(f"reviewer-{i}", s, v)) for i, (s, v) in enumerate(zip(stores, (541.5, 542.5)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conflicts = [o for o in outcomes.values() if isinstance(o, Conflict)]
    successes = [o for o in outcomes.values() if isinstance(o, dict)]
    assert len(conflicts) == 1 and len(successes) == 1
    winner = successes[0]["new"]
    # The loser is told what the other reviewer changed.
    assert conflicts[0].changes[0]["new_value"] == winner and str(winner) in str(conflicts[0])
    assert setup.item(item).plain["budget"]["actual"] == winner
    assert [a["action"] for a in setup.audit(item)] == ["set"]
    for s in (setup, *stores):
        s.close()


def test_audit_log_records_every_action_in_order(db_url, tmp_path):
    store = Store(db_url, rules=NO_AUDIT)
    item = _add(store, _doc(tmp_path, "forest", FOREST))
    v = store.set_field(item, "evaluation.score", 93, "lin", store.item(item).version, "score misread")["version"]
    v = store.send_back(item, "lin", v, "ask the bureau")
    store.approve(item, "wu", v)
    log = store.audit(item)
    assert [(a["reviewer"], a["action"], a["field"]) for a in log] == [
        ("lin", "set", "evaluation.score"), ("lin", "sent_back", None), ("wu", "approved", None)]
    assert log[0]["old_value"] == 92.0 and log[0]["new_value"] == 93 and log[0]["reason"] == "score misread"
    assert store.item(item).status == "approved" and store.item(item).reviewer == "wu"
    with pytest.raises(Conflict):
        store.reject(item, "lin", v)  # a stale version after wu's approval
    store.close()


def test_export_and_gold_from_approved_records(db_url, tmp_path):
    from openpyxl import load_workbook

    from pipeline.eval_run import run_eval
    from pipeline.review.exporting import export_approved
    from pipeline.review.gold import save_gold

    store = Store(db_url, rules=NO_AUDIT)
    forest = _add(store, _doc(tmp_path, "forest", FOREST))
    _add(store, _doc(tmp_path, "culture", CULTURE))
    v = store.set_field(forest, "evaluation.score", 93.5, "lin", store.item(forest).version)["version"]
    store.approve(forest, "lin", v)

    (jsonl,) = export_approved(store, "jsonl", tmp_path / "out" / "approved.jsonl")
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["doc_id"] for r in lines] == ["forest"] and lines[0]["evaluation"]["score"] == 93.5
    csvs = export_approved(store, "csv", tmp_path / "csv")
    assert "93.5" in (tmp_path / "csv" / "documents.csv").read_text(encoding="utf-8-sig") and len(csvs) == 4  # documents, projects, indicators, findings
    (xlsx,) = export_approved(store, "xlsx", tmp_path / "approved.xlsx")
    assert load_workbook(xlsx)["documents"].max_row == 2

    gold_dir = tmp_path / "gold"
    gold_path = save_gold(store.item(forest), gold_dir)
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    assert gold["evaluation"]["score"] == 93.5 and "evidence" not in gold and "findings" not in gold
    assert any("evaluation.score: corrected by lin" in n and "92.0" in n for n in gold["_notes"])
    assert (gold_dir / "forest.txt").read_text(encoding="utf-8") == FOREST
    # The gold feeds `pipeline eval`: the one corrected field is the one the machine gets wrong.
    report = run_eval(gold_dir)
    assert report.headline.scored - report.headline.correct == 1
    with pytest.raises(ValueError, match="only approved"):
        save_gold(store.items(status="clean")[0], gold_dir)
    store.close()


def test_a_failed_model_run_still_reaches_a_person(db_url, tmp_path):
    store = Store(db_url, rules=NO_AUDIT)
    document = load(_doc(tmp_path, "forest", FOREST))
    item = store.add_failure(document, "llm_failed", "validation failed after 2 re-asks", "llm")
    view = store.item(item)
    assert view.status == "queued" and view.priority == 95
    assert [r["code"] for r in view.reasons] == ["llm_failed"]
    store.close()


# --- routing rules on invented records --------------------------------------------------------------


def _page_doc(**page) -> Document:
    return Document(path="x.pdf", doc_id="x", sha256="ab" * 32, media_type="pdf",
                    pages=[Page(number=1, text="预算执行率 97%", engine="ocr", **page)])


def test_confidence_comes_from_match_and_label():
    assert field_confidence(Evidence(page=1, start=0, end=3, match="exact", label="全年预算数")) == 1.0
    assert field_confidence(Evidence(page=1, start=0, end=3, match="fuzzy", confidence=0.9)) == pytest.approx(0.6 * 0.8 * 0.9)
    record = ExtractedRecord(doc_id="x", evidence={
        "budget.actual": Evidence(page=1, start=0, end=3, match="fuzzy"),
        "budget.adjusted": Evidence(page=1, start=0, end=3, match="normalized", label="全年预算数"),
        "department": Evidence(match="ungrounded"),
    })
    codes = {(r.code, r.detail.split(" ")[0]) for r in route(record, None, NO_AUDIT)}
    assert codes == {("low_confidence", "budget.actual"), ("ungrounded", "department")}


def test_ocr_trouble_and_a_rejected_text_layer_are_reasons():
    low = route(ExtractedRecord(doc_id="x"), _page_doc(ocr_confidence=0.6), NO_AUDIT)
    assert [r.code for r in low] == ["ingest_trouble"] and "0.60" in low[0].detail
    assert route(ExtractedRecord(doc_id="x"), _page_doc(ocr_confidence=0.97), NO_AUDIT) == []
    rejected = route(ExtractedRecord(doc_id="x"), _page_doc(ocr_confidence=0.97, text_layer_rejected="garbage glyphs"), NO_AUDIT)
    assert "garbage glyphs" in rejected[0].detail


def test_audit_sample_is_seeded_and_near_its_rate():
    rules = RoutingRules()
    hashes = [f"{i:064x}" for i in range(4000)]
    sampled = [h for h in hashes if audit_sampled(h, rules)]
    assert 0.035 < len(sampled) / len(hashes) < 0.065
    assert sampled == [h for h in hashes if audit_sampled(h, RoutingRules())]  # same seed, same sample
    assert sampled != [h for h in hashes if audit_sampled(h, RoutingRules(audit_seed="other"))]
    clean = ExtractedRecord(doc_id="x", findings=[Finding(check="c", kind="unit_suspect", severity="warning", message="m")])
    doc = _page_doc(ocr_confidence=0.99)
    always = route(clean, doc, RoutingRules(audit_rate=1.0))
    assert [r.code for r in always] == ["audit_sample"]


def test_evidence_span_is_cut_to_its_characters_in_a_box():
    from pipeline.review.evidence import evidence_rects, span_rects

    page = Page(number=1, text="实际支出 540.00 万元", engine="text_layer", size=(600, 800),
                boxes=(PageBox(0, 4, 100, 200, 140, 212), PageBox(5, 15, 150, 200, 250, 212)))
    (rect,) = span_rects(page, 5, 11)  # '540.00' is the first 6 of the second box's 10 characters
    assert (rect.x0, rect.x1, rect.y0, rect.y1) == (150, 210, 200, 212)
    assert len(span_rects(page, 0, 11)) == 2 and span_rects(page, 4, 5) == []
    doc = Document(path="x.pdf", doc_id="x", sha256="0" * 64, media_type="pdf", pages=[page])
    assert list(evidence_rects(doc, Evidence(page=1, start=5, end=11))) == [1]
    assert evidence_rects(doc, Evidence(match="ungrounded")) == {}


def test_a_run_racing_a_reviewer_keeps_the_reviewers_correction(db_url, tmp_path, monkeypatch):
    if db_url.startswith("sqlite"):
        pytest.skip("no race on SQLite: a run holds the database's write lock from its first insert, so a reviewer's save waits for it")
    import pipeline.review.store as store_module

    store, reviewer = Store(db_url, rules=NO_AUDIT), Store(db_url, rules=NO_AUDIT)
    path = _doc(tmp_path, "forest", FOREST)
    item = _add(store, path)
    real_apply = store_module._apply_corrections
    calls = []

    def reviewer_saves_meanwhile(machine, corrections):
        calls.append(dict(corrections))
        if len(calls) == 1:  # after the run has read the corrections, before it writes
            reviewer.set_field(item, "evaluation.score", 93.5, "lin", reviewer.item(item).version)
        return real_apply(machine, corrections)

    monkeypatch.setattr(store_module, "_apply_corrections", reviewer_saves_meanwhile)
    _add(store, path)
    assert calls[0] == {} and "evaluation.score" in calls[1]  # the run was written again
    view = store.item(item)
    assert view.plain["evaluation"]["score"] == 93.5 and view.machine_value("evaluation.score") == 92.0
    store.close()
    reviewer.close()


def test_a_decided_item_returns_to_the_queue_when_a_run_changes_its_values(db_url, tmp_path):
    store = Store(db_url, rules=NO_AUDIT)
    document = load(_doc(tmp_path, "forest", FOREST))
    record = process(document)
    item = store.add_record(document, record)
    v = store.set_field(item, "budget.initial", 501.0, "lin", store.item(item).version)["version"]
    store.approve(item, "lin", v)
    # A new run that differs only in the corrected field: the person's decision stands.
    store.add_record(document, record.model_copy(update={"budget": record.budget.model_copy(update={"initial": 499.0})}))
    assert store.item(item).status == "approved" and store.item(item).machine_value("budget.initial") == 499.0
    # A new run that changes another value: back to the queue, saying why.
    store.add_record(document, record.model_copy(update={"budget": record.budget.model_copy(update={"actual": 541.0})}))
    view = store.item(item)
    assert view.status == "queued" and view.reasons[0]["code"] == "machine_changed" and view.priority == 100
    assert view.plain["budget"]["initial"] == 501.0
    store.close()


def test_routing_thresholds_come_from_the_settings(monkeypatch, tmp_path):
    from pipeline.review.routing import rules_from_settings

    monkeypatch.setenv("PIPELINE_REVIEW_AUDIT_RATE", "1.0")
    monkeypatch.setenv("PIPELINE_REVIEW_MIN_CONFIDENCE", "0.95")
    rules = rules_from_settings()
    assert rules.audit_rate == 1.0 and rules.min_confidence == 0.95
    monkeypatch.setenv("PIPELINE_DB_URL", f"sqlite:///{tmp_path / 'from-env.sqlite3'}")
    store = Store()
    assert store.rules == rules and (tmp_path / "from-env.sqlite3").exists()
    # 0.9 (a normalised match under a label) is now below the threshold.
    record = ExtractedRecord(doc_id="x", evidence={"budget.adjusted": Evidence(page=1, start=0, end=3, match="normalized", label="全年预算数")})
    assert [r.code for r in route(record, None, store.rules)] == ["low_confidence"]
    store.close()
