"""Sector scoring from the taxonomy lexicon, with the matched terms as evidence."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from dyad.core.models import SectorScore
from dyad.core.text import Document, normalise

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "taxonomy"
PART_WEIGHT = {"title": 3.0, "lead": 2.0, "body": 1.0}
THRESHOLD = 2.0
MAX_EVIDENCE = 8


@dataclass(frozen=True, slots=True)
class SectorResult:
    sectors: list[SectorScore]
    primary: str | None


class Taxonomy:
    def __init__(self, terms: dict[str, dict[str, float]], version: str) -> None:
        self.ids = list(terms)
        self.version = version
        self._automaton = ahocorasick.Automaton()
        for sector, words in terms.items():
            for word, weight in words.items():
                key = normalise(word).lower()
                hits = self._automaton.get(key, ())
                self._automaton.add_word(
                    key, (len(key), (*hits[1], (sector, weight)) if hits else ((sector, weight),))
                )
        self._automaton.make_automaton()

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, extra: Iterable[Path] = ()) -> Taxonomy:
        doc = json.loads((data_dir / "sectors.json").read_text("utf-8"))
        terms = {sid: dict(s["terms"]) for sid, s in doc["sectors"].items()}
        versions = [str(doc["version"])]
        for path in extra:
            more = json.loads(path.read_text("utf-8"))
            versions.append(f"{path.stem}-{more.get('version', '0')}")
            for sid, words in more["sectors"].items():
                terms.setdefault(sid, {}).update(words.get("terms", words))
        return cls(terms, "+".join(versions))

    def find(self, text: str) -> Iterable[tuple[str, float, str]]:
        lowered = text.lower()
        for end, (length, hits) in self._automaton.iter_long(lowered):
            start = end - length + 1
            if start > 0 and lowered[start - 1].isalnum():
                continue
            if end + 1 < len(lowered) and lowered[end + 1].isalnum():
                continue
            for sector, weight in hits:
                yield sector, weight, text[start : end + 1]


class SectorClassifier:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def classify(self, doc: Document) -> SectorResult:
        scores: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        for part in ("title", "lead", "body"):
            for sector, weight, matched in self.taxonomy.find(getattr(doc, part)):
                scores[sector] = scores.get(sector, 0.0) + weight * PART_WEIGHT[part]
                ev = evidence.setdefault(sector, [])
                term = matched.lower()
                if term not in ev and len(ev) < MAX_EVIDENCE:
                    ev.append(term)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        sectors = [
            SectorScore(id=sid, score=round(score, 3), evidence=evidence[sid])
            for sid, score in ranked
            if score >= THRESHOLD
        ]
        return SectorResult(sectors, sectors[0].id if sectors else None)
