"""`pipeline extract --store` and `pipeline review ...` on one SQLite store, end to end."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline.cli import app
from tests.test_review_store import CULTURE, FOREST

runner = CliRunner()


def test_extract_store_then_review_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_DB_URL", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "forest.txt").write_text(FOREST, encoding="utf-8")
    (docs / "culture.txt").write_text(CULTURE, encoding="utf-8")
    result = runner.invoke(app, ["extract", "--store", "-q", "--out", str(tmp_path / "out"), str(docs)])
    assert result.exit_code == 1, result.output  # forest's misprinted rate is an error finding

    listed = runner.invoke(app, ["review", "list", "--status", "all", "--json"])
    rows = {r["doc_id"]: r for r in map(json.loads, listed.stdout.splitlines())}
    assert set(rows) == {"forest", "culture"}
    forest = rows["forest"]
    assert forest["status"] == "queued" and forest["priority"] == 100

    edited = runner.invoke(app, ["review", "set", str(forest["id"]), "evaluation.score", "93", "-r", "lin", "--reason", "misread"])
    assert edited.exit_code == 0, edited.output
    assert "92.0 -> 93" in edited.stdout
    stale = runner.invoke(app, ["review", "approve", str(forest["id"]), "-r", "wu", "--version", str(forest["version"])])
    assert stale.exit_code == 1 and "changed since you opened it" in stale.output and "lin" in stale.output
    assert runner.invoke(app, ["review", "approve", str(forest["id"]), "-r", "wu"]).exit_code == 0

    shown = runner.invoke(app, ["review", "show", str(forest["id"])])
    assert "evaluation.score = 93" in shown.stdout and "machine 92.0" in shown.stdout
    assert "lin set evaluation.score" in shown.stdout and "wu approved" in shown.stdout

    # A second run over the same documents keeps the correction.
    runner.invoke(app, ["extract", "--store", "-q", "--out", str(tmp_path / "out"), str(docs)])
    again = runner.invoke(app, ["review", "show", str(forest["id"])])
    assert "evaluation.score = 93" in again.stdout and "status=approved" in again.stdout

    exported = runner.invoke(app, ["review", "export", "--out", str(tmp_path / "a.jsonl")])
    assert exported.exit_code == 0
    (record,) = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["evaluation"]["score"] == 93
    gold = runner.invoke(app, ["review", "gold", "--out", str(tmp_path / "gold")])
    assert gold.exit_code == 0 and json.loads((tmp_path / "gold" / "forest.json").read_text(encoding="utf-8"))["evaluation"]["score"] == 93
    assert runner.invoke(app, ["review", "show", "999"]).exit_code == 2


def test_serve_refuses_a_public_address_without_the_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_DB_URL", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    refused = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and "--allow-public" in refused.output
    assert not (tmp_path / "r.sqlite3").exists()  # refused before anything was opened
