"""Pair accuracy on the labeled corpus (tests/data/labeled/*.jsonl), per language and split.

Each line is one article in the input shape with `split` ("dev" or "test") and
`labels.pair` (two ISO codes, or null when the story has no pair). Rules are tuned
on "dev" only; "test" is printed apart. Every language with at least MIN_ARTICLES
articles must reach TARGET.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from dyad.core.countries import CountryRecognizer, Gazetteer
from dyad.core.text import make_document

LABELED = Path(__file__).resolve().parents[1] / "data" / "labeled"
TARGET = 0.95
MIN_ARTICLES = 10


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted(LABELED.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["_lang"] = path.stem
                rows.append(row)
    return rows


def _expected(row: dict[str, object]) -> tuple[str, ...] | None:
    labels = row.get("labels")
    pair = labels.get("pair") if isinstance(labels, dict) else None
    return tuple(sorted(pair)) if pair else None


def accuracy(recognizer: CountryRecognizer) -> dict[tuple[str, str], tuple[int, int]]:
    """(language, split) -> (right, total)."""
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in _rows():
        doc = make_document(str(row.get("title") or ""), str(row.get("body") or ""))
        pair = recognizer.recognise(doc).pair
        got = tuple(pair.countries) if pair else None
        cell = tally[(str(row["_lang"]), str(row.get("split", "dev")))]
        cell[0] += got == _expected(row)
        cell[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(tally.items())}


@pytest.mark.skipif(not any(LABELED.glob("*.jsonl")), reason="no labeled corpus yet")
def test_pair_accuracy_per_language(recognizer: CountryRecognizer) -> None:
    figures = accuracy(recognizer)
    per_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (lang, split), (right, total) in figures.items():
        print(f"pair accuracy {lang:>3} {split:<4} {right:>4}/{total:<4} = {right / total:.3f}")
        per_language[lang][0] += right
        per_language[lang][1] += total
    failing = []
    for lang, (right, total) in sorted(per_language.items()):
        print(f"pair accuracy {lang:>3} all  {right:>4}/{total:<4} = {right / total:.3f}")
        if total >= MIN_ARTICLES and right / total < TARGET:
            failing.append(f"{lang} {right / total:.3f}")
    assert not failing, f"below {TARGET}: {', '.join(failing)}"


@pytest.fixture(scope="module")
def recognizer() -> CountryRecognizer:
    return CountryRecognizer(Gazetteer.load())
