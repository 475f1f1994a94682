"""Sector scoring from the taxonomy lexicon, with the matched terms as evidence.

Score of a sector = sum over its matched terms of
    weight x part weight (headline > lead > body)
           x repetition decay (the n-th repeat of a term counts decay**(n-1))
           x list damping (a sentence naming many sectors, "industry, energy,
             trade, transport ...", is an enumeration, not a discussion).
A sector is reported only when it is substantively discussed: its terms carry
at least `min_sentence` in one sentence (or any weight in the headline), its
score passes `min_score`, and it reaches `min_share` of the top score. The
primary sector is the highest score. Parameters live in the taxonomy file and
were chosen on the dev split of the labeled corpus (docs/sectors.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dyad.core.models import SectorScore
from dyad.core.sector_lexicon import Taxonomy
from dyad.core.sector_match import Match, find, prepare
from dyad.core.text import Document

__all__ = ["SectorClassifier", "SectorResult", "Taxonomy"]

PARTS = ("title", "lead", "body")
MAX_EVIDENCE = 8


@dataclass(frozen=True, slots=True)
class SectorResult:
    sectors: list[SectorScore]
    primary: str | None


@dataclass(slots=True)
class _Tally:
    score: float = 0.0
    best: float = 0.0  # the most weight it had in one sentence (inf: in the headline)
    evidence: dict[str, float] = field(default_factory=dict)


class SectorClassifier:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        p = taxonomy.params
        self.part_weight = {part: float(p["part_weight"][part]) for part in PARTS}
        self.decay = float(p["repeat_decay"])
        self.list_size = int(p["list_size"])
        self.min_sentence = float(p["min_sentence"])
        self.min_score = float(p["min_score"])
        self.min_share = float(p["min_share"])
        self.scale = float(p["score_scale"])

    def raw_scores(self, doc: Document) -> dict[int, _Tally]:
        """Per-sector tallies before thresholds (also used by the tuning tool)."""
        tallies: dict[int, _Tally] = {}
        seen: dict[str, int] = {}
        for part in PARTS:
            text = getattr(doc, part)
            if text:
                by_sentence = _group(find(self.taxonomy, prepare(text)))
                for matches in by_sentence:
                    self._sentence(matches, part, tallies, seen)
        return tallies

    def _sentence(
        self, matches: list[Match], part: str, tallies: dict[int, _Tally], seen: dict[str, int]
    ) -> None:
        sectors = {m.entry.sector for m in matches}
        damp = 1.0 if len(sectors) <= self.list_size else self.list_size / len(sectors)
        pw = self.part_weight[part]
        local: dict[int, float] = {}
        for m in matches:
            e = m.entry
            n = seen.get(e.term, 0)
            seen[e.term] = n + 1
            gain = e.weight * damp * self.decay**n
            local[e.sector] = local.get(e.sector, 0.0) + gain
            tally = tallies.get(e.sector)
            if tally is None:
                tally = tallies[e.sector] = _Tally()
            tally.score += gain * pw
            tally.evidence[m.surface] = tally.evidence.get(m.surface, 0.0) + gain * pw
        for sector, weight in local.items():
            tally = tallies[sector]
            tally.best = max(tally.best, math.inf if part == "title" else weight)

    def classify(self, doc: Document) -> SectorResult:
        return self.decide(self.raw_scores(doc))

    def decide(self, tallies: dict[int, _Tally]) -> SectorResult:
        """Thresholds and primary choice over the tallies of one article."""
        if not tallies:
            return SectorResult([], None)
        top = max(t.score for t in tallies.values())
        ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].score, kv[0]))
        kept = [
            (sector, t)
            for sector, t in ranked
            if t.best >= self.min_sentence
            and t.score >= self.min_score
            and t.score >= self.min_share * top
        ]
        sectors = [self._score(sector, t) for sector, t in kept]
        return SectorResult(sectors, sectors[0].id if sectors else None)

    def _score(self, sector: int, tally: _Tally) -> SectorScore:
        terms = sorted(tally.evidence.items(), key=lambda kv: (-kv[1], kv[0]))
        return SectorScore(
            id=self.taxonomy.ids[sector],
            score=round(1.0 - math.exp(-tally.score / self.scale), 3),
            evidence=[term for term, _ in terms[:MAX_EVIDENCE]],
        )


def _group(matches: list[Match]) -> list[list[Match]]:
    """Matches split by sentence, in order."""
    groups: list[list[Match]] = []
    current = -1
    for m in matches:
        if m.sentence != current:
            groups.append([])
            current = m.sentence
        groups[-1].append(m)
    return groups
