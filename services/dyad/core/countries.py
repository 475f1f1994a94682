"""Countries from a gazetteer, their salience, and the story's pair.

One Aho-Corasick automaton over every alias (names, demonyms, capitals,
institutions, idioms) finds all mentions in linear time; a mention counts only
at word boundaries. Salience weighs where a mention stands (title > lead > body)
and what kind of alias it is; the pair is the two most salient countries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from dyad.core.models import CountryMention, Evidence, Pair
from dyad.core.text import Document, normalise

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteer"

KIND_WEIGHT = {
    "name": 1.0,
    "official": 1.0,
    "demonym": 0.8,
    "capital": 0.7,
    "institution": 0.8,
    "idiom": 0.9,
    "leader": 0.9,
}
PART_WEIGHT = {"title": 3.0, "lead": 2.0, "body": 1.0}
MAX_EVIDENCE = 5


@dataclass(frozen=True, slots=True)
class Alias:
    code: str
    kind: str
    text: str


@dataclass(slots=True)
class _Tally:
    score: float = 0.0
    mentions: int = 0
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CountryResult:
    countries: list[CountryMention]
    pair: Pair | None


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class Gazetteer:
    def __init__(self, names: dict[str, str], aliases: Iterable[Alias], version: str) -> None:
        self.names = names
        self.version = version
        self._automaton = ahocorasick.Automaton()
        for alias in aliases:
            key = normalise(alias.text).lower()
            if len(key) < 2:
                continue
            existing = self._automaton.get(key, None)
            if existing is None:
                self._automaton.add_word(key, (len(key), alias))
        self._automaton.make_automaton()

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, extra: Iterable[Path] = ()) -> Gazetteer:
        generated = json.loads((data_dir / "countries.json").read_text("utf-8"))
        names: dict[str, str] = {}
        aliases: list[Alias] = []
        for code, entry in generated["countries"].items():
            names[code] = entry["name"]
            for texts in entry["names"].values():
                aliases.extend(Alias(code, "name", t) for t in texts)
        versions = [generated["version"]]
        for path in sorted(data_dir.glob("aliases*.json")) + list(extra):
            doc = json.loads(path.read_text("utf-8"))
            versions.append(f"{path.stem}-{doc.get('version', '0')}")
            for code, kinds in doc["countries"].items():
                for kind, texts in kinds.items():
                    aliases.extend(Alias(code, kind, t) for t in texts)
        return cls(names, aliases, "+".join(versions))

    def find(self, text: str) -> Iterable[tuple[int, int, Alias]]:
        lowered = text.lower()
        for end, (length, alias) in self._automaton.iter_long(lowered):
            start = end - length + 1
            if start > 0 and _is_word_char(lowered[start - 1]):
                continue
            if end + 1 < len(lowered) and _is_word_char(lowered[end + 1]):
                # Allow an English possessive ("Iran's") and nothing else glued on.
                continue
            yield start, end + 1, alias


class CountryRecognizer:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def recognise(self, doc: Document) -> CountryResult:
        tallies: dict[str, _Tally] = {}
        for part in ("title", "lead", "body"):
            text = getattr(doc, part)
            for start, end, alias in self.gazetteer.find(text):
                tally = tallies.setdefault(alias.code, _Tally())
                tally.score += PART_WEIGHT[part] * KIND_WEIGHT.get(alias.kind, 0.5)
                tally.mentions += 1
                if len(tally.evidence) < MAX_EVIDENCE:
                    tally.evidence.append(Evidence(text=text[start:end], where=part))
        ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].score, kv[0]))
        countries = [
            CountryMention(
                code=code,
                name=self.gazetteer.names.get(code, code),
                score=round(t.score, 3),
                mentions=t.mentions,
                evidence=t.evidence,
            )
            for code, t in ranked
        ]
        return CountryResult(countries, _pair(ranked))


def _pair(ranked: list[tuple[str, _Tally]]) -> Pair | None:
    if len(ranked) < 2:
        return None
    total = sum(t.score for _, t in ranked)
    top = ranked[0][1].score + ranked[1][1].score
    codes = sorted((ranked[0][0], ranked[1][0]))
    return Pair(countries=(codes[0], codes[1]), score=round(top / total, 3) if total else 0.0)
