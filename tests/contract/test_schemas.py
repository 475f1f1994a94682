"""schemas/ is generated from dyad.core.models; outputs validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import orjson
import pytest
from tools.gen_schemas import render

from dyad.core.dedup import MemoryDedupIndex
from dyad.core.pipeline import InputRecord, Pipeline
from tests.conftest import ROOT, SHARED_SEEDS

SCHEMA_DIR = ROOT / "schemas"


def _load(name: str) -> dict[str, object]:
    return json.loads((SCHEMA_DIR / name).read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(render()))
def test_schema_files_match_models(name: str) -> None:
    path = SCHEMA_DIR / name
    assert path.exists(), f"{name} missing: run python tools/gen_schemas.py"
    assert path.read_text("utf-8") == render()[name], (
        f"schemas/{name} drifted from dyad.core.models: run python tools/gen_schemas.py"
    )


def _corpus_lines() -> list[bytes]:
    lines = (ROOT / "seeds" / "seeds.jsonl").read_bytes().splitlines()
    if SHARED_SEEDS.exists():
        lines += SHARED_SEEDS.read_bytes().splitlines()
    return [line for line in lines if line.strip()]


def test_outputs_validate_against_schemas(pipeline: Pipeline) -> None:
    event_schema = _load("enriched-event.v1.json")
    dead_schema = _load("dead-letter.v1.json")
    raw_schema = _load("raw-article.v1.json")
    records = [InputRecord(v, offset=i) for i, v in enumerate(_corpus_lines())]
    records.append(InputRecord(b"\xff" * 70_000, offset=10_000))  # base64, truncated
    records.append(InputRecord(None, key=b"k", offset=10_001))  # tombstone
    outputs = pipeline.process_batch(records, MemoryDedupIndex(), now=1_700_000_000.0)
    kinds = {o.kind for o in outputs}
    assert {"event", "dead_letter"} <= kinds
    for out in outputs:
        doc = orjson.loads(out.value)
        if out.kind == "dead_letter":
            jsonschema.validate(doc, dead_schema)
        else:
            jsonschema.validate(doc, event_schema)
            raw = orjson.loads(out.record.value or b"null")
            jsonschema.validate(raw, raw_schema)


def test_event_schema_rejects_a_wrong_shape() -> None:
    schema = _load("enriched-event.v1.json")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"event_id": 1}, schema)


def test_schema_version_is_in_every_file_name() -> None:
    names = {p.name for p in Path(SCHEMA_DIR).glob("*.json")}
    assert names == set(render())
