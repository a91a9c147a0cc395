"""Cost: the price table and its overrides, each record's estimated cost from the usage the server
reports, the run's cost cap, and where the cost is shown. Against the scripted local server
(tests/llm_server.py; no network, no model). Model names here are invented, and so are the prices
of the tables the tests write: they test the lookup, not anyone's price list."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest
from llm_server import ScriptedServer, completion, gold
from typer.testing import CliRunner

from pipeline.config import PRESETS, Settings, get_settings
from pipeline.evaluate import Cost, EvalItem, ReportMetadata, evaluate_set
from pipeline.extract.llm import costs
from pipeline.report import render_markdown
from pipeline.run import process

sys.path.insert(0, str(Path(__file__).parent / "cassettes"))
import handwritten as scripted  # noqa: E402  the hand-written answers for the test reports
import test_llm as t  # noqa: E402

MODEL = "quill-large"  # invented
KEY = "sk-cost-1a2b3c4d5e6f-MUST-NOT-LEAK"

# An invented table: one hosted preset with a model and a longer model extending its name, a local
# preset pricing every model at 0.
TABLE = """
currency = "USD"
written = "2000-01-01"

[deepseek]
"quill" = { input = 1.0, output = 2.0 }
"quill-large" = { input = 3.0, output = 12.0 }

[ollama]
"*" = { input = 0, output = 0 }
"""


@pytest.fixture
def price_file(tmp_path) -> Path:
    path = tmp_path / "prices.toml"
    path.write_text(TABLE, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def fresh_ledger():
    costs.LEDGER.reset()
    yield
    costs.LEDGER.reset()


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


# --- the price table ---------------------------------------------------------------------------


def test_a_model_is_priced_by_its_name_its_dated_snapshot_or_the_presets_any_row(price_file):
    s = settings(llm_price_file=price_file)
    assert costs.price_for("quill", "deepseek", s).per_million_in == 1.0
    # A snapshot extends the longest name it starts with: quill-large-0611 is quill-large, not quill.
    large = costs.price_for("quill-large-0611", "deepseek", s)
    assert (large.per_million_in, large.per_million_out) == (3.0, 12.0)
    assert costs.estimate_cost("quill-large", "deepseek", 2_000_000, 500_000, s) == pytest.approx(3.0 * 2 + 12.0 * 0.5)
    # A local server prices any model at 0; a known number, not unknown.
    assert costs.estimate_cost("whatever-7b-q4", "ollama", 10_000, 10_000, s) == 0.0
    # Unknown: another name sharing only letters, a model of another preset, a preset without a row.
    assert costs.estimate_cost("quillish", "deepseek", 1000, 1000, s) is None
    assert costs.estimate_cost("quill", "openai", 1000, 1000, s) is None
    assert costs.estimate_cost("quill", None, 1000, 1000, s) is None
    assert costs.estimate_cost(None, "deepseek", 1000, 1000, s) is None


def test_the_price_settings_win_over_the_table(price_file):
    both = settings(llm_price_file=price_file, llm_price_in=0.5, llm_price_out=4.0)
    assert costs.estimate_cost("quill", "deepseek", 1_000_000, 1_000_000, both) == pytest.approx(4.5)
    assert costs.price_for("quill", "deepseek", both).source == "settings"
    # Both set: even a model in no table has a price.
    assert costs.estimate_cost("unheard-of", None, 1_000_000, 0, both) == pytest.approx(0.5)
    # One set: the other comes from the table, or the price stays unknown.
    one = settings(llm_price_file=price_file, llm_price_out=6.0)
    assert costs.estimate_cost("quill", "deepseek", 1_000_000, 1_000_000, one) == pytest.approx(1.0 + 6.0)
    assert costs.estimate_cost("unheard-of", "deepseek", 1_000_000, 1_000_000, one) is None


def test_a_table_in_another_currency_is_refused(tmp_path):
    path = tmp_path / "cny.toml"
    path.write_text(TABLE.replace('"USD"', '"CNY"'), encoding="utf-8")
    with pytest.raises(ValueError, match="USD"):
        costs.price_for("quill", "deepseek", settings(llm_price_file=path))


def test_the_shipped_table_prices_each_hosted_presets_default_model_and_local_servers_at_zero():
    s = settings()
    for name, preset in PRESETS.items():
        price = costs.price_for(preset.model or "any-local-model", name, s)
        assert price is not None, name
        if not preset.needs_key:
            assert (price.per_million_in, price.per_million_out) == (0.0, 0.0), name
        else:
            assert price.per_million_in > 0 and price.per_million_out > 0, name


def test_whose_table_applies():
    assert costs.table_provider(settings(llm_provider="dashscope")) == "dashscope"
    assert costs.table_provider(settings(llm_base_url="https://api.deepseek.com/v1")) == "deepseek"
    assert costs.table_provider(settings()) == "openai"  # no base URL: api.openai.com
    # Any other endpoint, a local one included, is nobody's: set a preset or the prices.
    assert costs.table_provider(settings(llm_base_url="http://127.0.0.1:9/v1")) is None
    assert costs.table_provider(settings(llm_base_url="https://gateway.example.invalid/v1")) is None


def test_format_and_sums_keep_unknown_unknown():
    assert costs.format_cost(None) == "unknown"
    assert costs.format_cost(0.0) == "0.0000" and costs.format_cost(0.000123) == "0.000123"
    assert costs.add_costs(0.5, 0.25) == 0.75 and costs.add_costs(0.5, None) is None
    assert (Cost(cost=0.5) + Cost(cost=None)).cost is None and (Cost(cost=0.5) + Cost(cost=0.25)).cost == 0.75


def test_the_ledger_adds_from_many_threads():
    def add() -> None:
        for _ in range(1000):
            costs.LEDGER.add(0.001)

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert costs.LEDGER.responses == 8000 and costs.LEDGER.spent == pytest.approx(8.0)


# --- each record's cost ------------------------------------------------------------------------


def usage(tokens_in: int, tokens_out: int, answer: dict):
    """The answer, with the usage numbers the server reports."""
    return lambda body: completion(body, answer, usage=(tokens_in, tokens_out))


def server_settings(server: ScriptedServer, tmp_path: Path, price_file: Path, **overrides) -> Settings:
    values = dict(llm_provider="deepseek", llm_base_url=server.base_url, llm_model=MODEL, llm_api_key=KEY, llm_price_file=price_file,
                  llm_cache_dir=tmp_path / "cache", llm_timeout=2.0, llm_max_retries=0, llm_retry_wait=0.0)
    return settings(**{**values, **overrides})


def test_a_records_cost_is_the_usage_the_server_reported_at_the_models_price(tmp_path, price_file):
    with ScriptedServer(usage(12_000, 3_000, scripted.REPORT_RECORD), models=[MODEL]) as server:
        s = server_settings(server, tmp_path, price_file)
        record = process(t.report_document(), "llm", s)
        again = process(t.report_document(), "llm", s)
        assert server.calls == 1
    assert (record.meta.tokens_in, record.meta.tokens_out) == (12_000, 3_000)
    assert record.meta.cost == pytest.approx((12_000 * 3.0 + 3_000 * 12.0) / 1e6)
    assert costs.LEDGER.spent == pytest.approx(record.meta.cost)
    # A cache hit sends nothing and costs nothing.
    assert (again.meta.cache_hits, again.meta.llm_calls, again.meta.cost) == (1, 0, 0.0)


def test_a_follow_up_costs_too_and_an_unpriced_model_is_unknown(tmp_path, price_file):
    with ScriptedServer(usage(1_000, 500, scripted.BAD_QUOTE_RECORD), models=[MODEL]) as server:
        priced = process(t.report_document(), "llm", server_settings(server, tmp_path, price_file, llm_max_reasks=1))
        assert server.calls == 2
        unpriced = process(t.report_document(), "llm", server_settings(server, tmp_path, price_file, llm_provider=None, llm_cache=False, llm_max_reasks=1))
    assert priced.meta.cost == pytest.approx(2 * (1_000 * 3.0 + 500 * 12.0) / 1e6)
    assert unpriced.meta.llm_calls == 2 and unpriced.meta.cost is None
    assert costs.LEDGER.unpriced == 2


def test_hybrid_keeps_the_models_cost(tmp_path, price_file):
    with ScriptedServer(usage(2_000, 1_000, scripted.HYBRID_RECORD), models=[MODEL]) as server:
        record = process(t.hybrid_document(), "hybrid", server_settings(server, tmp_path, price_file))
    assert record.meta.backend == "hybrid" and record.meta.llm_calls == 1
    assert record.meta.cost == pytest.approx((2_000 * 3.0 + 1_000 * 12.0) / 1e6)
    assert process(t.hybrid_document(), "rules").meta.cost == 0.0


# --- the run's cost cap ------------------------------------------------------------------------


def test_the_cost_cap_stops_further_requests_and_the_documents_degrade(tmp_path, price_file):
    one_answer = (10_000 * 3.0 + 2_000 * 12.0) / 1e6  # 0.054
    with ScriptedServer(usage(10_000, 2_000, scripted.REPORT_RECORD), models=[MODEL]) as server:
        s = server_settings(server, tmp_path, price_file, llm_cost_cap=0.05, llm_cache=False)
        first = process(t.report_document(), "llm", s)
        assert server.calls == 1 and costs.LEDGER.spent == pytest.approx(one_answer)
        rules = process(t.hybrid_document(), "rules")
        hybrid = process(t.hybrid_document(), "hybrid", s)
        llm = process(t.report_document(), "llm", s)
        assert server.calls == 1  # nothing more was sent
    assert first.plain() == t.EXPECTED and not [f for f in first.findings if f.kind == "llm_failed"]
    # Hybrid keeps every rules value; llm has nothing validated; both say why and cost nothing more.
    assert hybrid.plain() == rules.plain()
    assert llm.plain() == {**t.empty_record(), "doc_id": "qinghe_2022"}
    for record in (hybrid, llm):
        (failed,) = [f for f in record.findings if f.kind == "llm_failed"]
        assert failed.severity == "warning" and "cost cap of USD 0.05" in failed.message and "was reached" in failed.message
        assert (record.meta.llm_calls, record.meta.cost) == (0, 0.0)
    # A new run (the ledger reset) may send again.
    costs.LEDGER.reset()
    with ScriptedServer(usage(10, 10, scripted.REPORT_RECORD), models=[MODEL]) as server:
        process(t.report_document(), "llm", server_settings(server, tmp_path, price_file, llm_cost_cap=0.05, llm_cache=False))
        assert server.calls == 1


def test_a_cap_on_a_model_without_a_price_sends_nothing(tmp_path, price_file):
    with ScriptedServer(usage(10, 10, scripted.REPORT_RECORD), models=[MODEL]) as server:
        record = process(t.report_document(), "llm", server_settings(server, tmp_path, price_file, llm_provider=None, llm_cost_cap=5.0))
        assert server.calls == 0
    (failed,) = [f for f in record.findings if f.kind == "llm_failed"]
    assert "cannot be kept" in failed.message and "PIPELINE_LLM_PRICE_IN" in failed.message


# --- where the cost shows ----------------------------------------------------------------------


def test_the_eval_report_shows_cost_per_document_and_unknown_as_unknown():
    g = {**t.EXPECTED, "_expected_flags": []}
    items = [
        EvalItem(doc_id="a", gold=g, pred=g, cost=Cost(llm_calls=2, tokens_in=900, tokens_out=100, cost=0.0123)),
        EvalItem(doc_id="b", gold={**g, "doc_id": "b"}, pred={**g, "doc_id": "b"}, cost=Cost(llm_calls=1, tokens_in=10, cost=None)),
    ]
    report = evaluate_set(items, ReportMetadata(backend="llm"))
    assert report.cost.per_document["a"].cost == 0.0123 and report.cost.total.cost is None
    text = render_markdown(report)
    assert "cost (USD, estimate)" in text
    assert "| a | 2 | 900 | 100 | 0 | 0.0123 |" in text and "| b | 1 | 10 | 0 | 0 | unknown |" in text
    assert "| **total** | 3 | 910 | 100 | 0 | unknown |" in text


def _env(monkeypatch, server: ScriptedServer, tmp_path: Path, price_file: Path) -> None:
    values = {"LLM_PROVIDER": "deepseek", "LLM_BASE_URL": server.base_url, "LLM_MODEL": MODEL, "LLM_API_KEY": KEY,
              "LLM_PRICE_FILE": str(price_file), "LLM_MAX_RETRIES": "0", "LLM_CACHE_DIR": str(tmp_path / "cache")}
    for key, value in values.items():
        monkeypatch.setenv(f"PIPELINE_{key}", value)
    get_settings.cache_clear()


def test_eval_and_extract_show_calls_tokens_hits_and_cost_without_the_key(tmp_path, price_file, monkeypatch):
    from pipeline.cli import app

    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "qinghe_2022.json").write_text(json.dumps({**t.EXPECTED, "_expected_flags": []}, ensure_ascii=False), encoding="utf-8")
    (gold_dir / "qinghe_2022.txt").write_text(t.REPORT, encoding="utf-8")
    expected = f"{(4_000 * 3.0 + 1_000 * 12.0) / 1e6:.4f}"  # 0.0240
    with ScriptedServer(usage(4_000, 1_000, scripted.REPORT_RECORD), models=[MODEL], api_key=KEY) as server:
        _env(monkeypatch, server, tmp_path, price_file)
        try:
            runner = CliRunner()
            evaluated = runner.invoke(app, ["eval", "--gold", str(gold_dir), "--backend", "llm", "--out", str(tmp_path / "report")])
            extracted = runner.invoke(app, ["extract", "--backend", "llm", "--out", str(tmp_path / "out"), str(gold_dir / "qinghe_2022.txt")])
        finally:
            get_settings.cache_clear()
        assert server.calls == 1  # extract reused eval's answer
    assert evaluated.exit_code == 0, evaluated.output
    assert "cost (USD" in evaluated.output and expected in evaluated.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["cost"]["total"] == {"llm_calls": 1, "tokens_in": 4000, "tokens_out": 1000, "cache_hits": 0, "cost": pytest.approx(0.024)}
    assert expected in (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert expected in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    # extract: the record's line and the run's last line (a cache hit: no call, no cost).
    assert extracted.exit_code == 0, extracted.output
    assert "LLM 0 calls, tokens in/out 0/0, 1 cache hits, cost USD 0.0000 (estimate)" in extracted.output
    assert "1 written, 0 with error findings, 0 failed; LLM 0 calls" in extracted.output
    written = (tmp_path / "out" / "qinghe_2022.json").read_text(encoding="utf-8")
    assert json.loads(written)["meta"]["cost"] == 0.0
    for text in (evaluated.output, extracted.output, written, *(p.read_text(encoding="utf-8") for p in (tmp_path / "report").glob("*"))):
        assert KEY not in text and "1a2b3c4d5e6f" not in text


def test_the_batch_summary_totals_calls_tokens_hits_and_cost(tmp_path, price_file, monkeypatch):
    from openpyxl import load_workbook
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.batch.progress import summary_table
    from rich.console import Console

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "qinghe_2022.txt").write_text(t.REPORT, encoding="utf-8")
    (folder / "qinghe_copy_2022.txt").write_text(t.REPORT + "\n（完）\n", encoding="utf-8")  # another document, same answer
    with ScriptedServer(usage(4_000, 1_000, scripted.REPORT_RECORD), models=[MODEL], api_key=KEY) as server:
        _env(monkeypatch, server, tmp_path, price_file)  # the spawned workers read the same environment
        try:
            priced = run_batch([folder], BatchOptions(out_dir=tmp_path / "priced", backend="llm", workers=1, store=False, timeout=60))
            monkeypatch.delenv("PIPELINE_LLM_PROVIDER")  # a local URL and no preset: nobody's price
            monkeypatch.setenv("PIPELINE_LLM_CACHE_DIR", str(tmp_path / "cache2"))
            unpriced = run_batch([folder], BatchOptions(out_dir=tmp_path / "unpriced", backend="llm", workers=1, store=False, timeout=60))
        finally:
            get_settings.cache_clear()
        assert server.calls == 4
    run = priced["this_run"]
    assert (run["llm_calls"], run["tokens_in"], run["tokens_out"], run["cache_hits"]) == (2, 8_000, 2_000, 0)
    assert run["cost"] == pytest.approx(2 * (4_000 * 3.0 + 1_000 * 12.0) / 1e6) and run["records_cost_unknown"] == 0
    assert unpriced["this_run"]["cost"] is None and unpriced["this_run"]["records_cost_unknown"] == 2
    rows = {row[0]: row[1] for row in load_workbook(tmp_path / "unpriced" / "summary.xlsx")["汇总"].iter_rows(values_only=True)}
    assert rows["本次运行 cost"] == "unknown"
    console = Console(record=True, width=120)
    console.print(summary_table(unpriced))
    assert "unknown (2 records' model has no price)" in console.export_text()
    console.print(summary_table(priced))
    assert "0.0480" in console.export_text()


def test_a_batchs_workers_share_one_cost_cap(tmp_path, price_file, monkeypatch):
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.extract.llm.costs import LEDGER_ENV, LEDGER_FILE

    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):  # three documents the same answer fits
        (folder / f"qinghe_{n}.txt").write_text(t.REPORT + f"\n（附件{n + 1}）\n", encoding="utf-8")
    one_answer = (4_000 * 3.0 + 1_000 * 12.0) / 1e6
    with ScriptedServer(usage(4_000, 1_000, scripted.REPORT_RECORD), models=[MODEL], api_key=KEY) as server:
        _env(monkeypatch, server, tmp_path, price_file)
        monkeypatch.setenv("PIPELINE_LLM_COST_CAP", str(0.5 * one_answer))  # reached by the first answer
        try:
            # A fresh worker process per document: with a ledger per process, each would send its request.
            options = BatchOptions(out_dir=tmp_path / "out", backend="llm", workers=1, recycle=1, store=False, timeout=60)
            summary = run_batch([folder], options)
        finally:
            get_settings.cache_clear()
        assert server.calls == 1
    assert LEDGER_ENV not in __import__("os").environ
    ledger = costs.LEDGER.spending(settings(llm_cost_ledger=tmp_path / "out" / LEDGER_FILE))
    assert ledger.responses == server.calls and ledger.spent == pytest.approx(server.calls * one_answer)
    records = [json.loads(line) for line in (tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    capped = [r for r in records if any("cost cap" in f["message"] for f in r["findings"] if f["kind"] == "llm_failed")]
    assert len(records) == 3 and len(capped) == 2
    assert summary["this_run"]["cost"] == pytest.approx(server.calls * one_answer)
