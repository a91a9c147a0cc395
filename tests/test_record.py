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
