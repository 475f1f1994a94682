"""Shared test helpers. Integration fixtures (real broker, redis, stunnel) live in
tests/integration/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_SEEDS = ROOT.parent / "shared" / "seeds" / "seeds.jsonl"


@pytest.fixture(scope="session")
def pipeline():  # type: ignore[no-untyped-def]
    from dyad.core.pipeline import Pipeline

    return Pipeline.default()
