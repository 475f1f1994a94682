"""Writes the JSON Schemas in schemas/ from the pydantic models in dyad.core.models.

The models are the single source of the message shapes; tests/contract fails when
the files drift from them. Run after changing a model:

    python tools/gen_schemas.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services"))

from dyad.core.models import SCHEMA_VERSION, DeadLetter, EnrichedEvent, RawArticle  # noqa: E402

MAJOR = SCHEMA_VERSION.split(".")[0]
SCHEMAS = {
    f"raw-article.v{MAJOR}.json": (RawArticle, "validation", "A raw article (input value)"),
    f"enriched-event.v{MAJOR}.json": (EnrichedEvent, "serialization", "An enriched event"),
    f"dead-letter.v{MAJOR}.json": (DeadLetter, "serialization", "A dead letter"),
}


def render() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, (model, mode, title) in SCHEMAS.items():
        schema: dict[str, Any] = model.model_json_schema(mode=mode)  # type: ignore[arg-type]
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://dyad.example/schemas/{name}",
            "description": f"{title}, schema version {SCHEMA_VERSION}. Generated from "
            f"dyad.core.models.{model.__name__}; do not edit by hand.",
            **{k: v for k, v in schema.items() if k != "description"},
        }
        out[name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    return out


def main() -> None:
    target = ROOT / "schemas"
    target.mkdir(exist_ok=True)
    for name, text in render().items():
        (target / name).write_text(text, "utf-8")
        print(f"wrote schemas/{name}")


if __name__ == "__main__":
    main()
