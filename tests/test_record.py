"""The record contract: schema file in sync with the models, gold and outputs validate."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import GOLD_DIR, PROJECT_ROOT, seed_paths
from pipeline.extract.rules import extract_rules
from pipeline.ingest import load
from pipeline.record import ExtractedRecord, Record, json_schema

SCHEMA_PATH = PROJECT_ROOT / "schemas" / "record.schema.json"


def test_schema_file_is_generated_from_the_models():
    on_disk = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert on_disk == json_schema(), "schemas/record.schema.json is stale: run `pipeline schema`"
    assert on_disk["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_gold_record_fits_the_plain_record_model():
    for path in sorted(GOLD_DIR.glob("*.json")) + sorted((PROJECT_ROOT / "eval" / "gold").glob("*.json")):
        gold = {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}
        record = Record.model_validate(gold)
        assert record.doc_id == path.stem


@pytest.mark.parametrize("seed", seed_paths(), ids=lambda p: p.stem[:3])
def test_extracted_records_validate_against_the_schema(seed):
    record = extract_rules(load(seed))
    document = json.loads(record.to_json())
    jsonschema.Draft202012Validator(json_schema()).validate(document)
    # The top level is exactly the gold format plus evidence, candidates, findings and meta.
    assert set(document) == set(Record.model_fields) | {"evidence", "candidates", "findings", "meta"}
    assert set(record.plain()) == set(Record.model_fields)


def test_schema_rejects_a_record_with_a_wrong_type():
    bad = ExtractedRecord(doc_id="x").model_dump(mode="json")
    bad["budget"]["actual"] = "3286.80万元"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json_schema())


def test_field_paths_are_derived_from_the_models():
    from pipeline.record import LIST_FIELDS, RECORD_FIELDS, VALUE_PATHS

    paths = [f.path for f in RECORD_FIELDS]
    assert paths[:5] == ["doc_id", "department", "fiscal_year", "report_type", "subject"]
    assert "budget.three_public.actual" in VALUE_PATHS and "doc_id" not in VALUE_PATHS
    assert {f.path: f.shape for f in RECORD_FIELDS if f.shape != "scalar"} == {
        "indicators": "list", "projects": "list", "problems": "text", "improvements": "text"}
    assert LIST_FIELDS["indicators"].item_fields == ("level1", "level2", "target", "actual")
    assert LIST_FIELDS["projects"].item_fields == ("budget", "actual", "execution_rate")


def test_get_and_set_a_value_by_its_field_path():
    from pipeline.record import Record, get_path, set_path

    plain = Record(doc_id="x", projects=[{"name": "河道保洁", "budget": 12.5}]).model_dump(mode="json")
    assert get_path(plain, "projects[0].budget") == 12.5
    assert get_path(plain, "projects[3].budget") is None and get_path(plain, "budget.nowhere") is None
    set_path(plain, "budget.basic.actual", 8.0)
    set_path(plain, "projects[0].name", "河道保洁经费")
    record = Record.model_validate(plain)
    assert record.budget.basic.actual == 8.0 and record.projects[0].name == "河道保洁经费"
