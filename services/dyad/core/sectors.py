"""Sector classification: lexicon tallies, a small trained decision, matched terms as evidence.

For each sector the lexicon pass (sector_match) yields its matched terms; a
term's gain is
    weight x repetition decay (the n-th repeat counts decay**(n-1))
           x list damping (a sentence naming many sectors, "industry, energy,
             trade, transport ...", is an enumeration, not a discussion),
summed per part (headline, lead, body) and, weighted by part, into a score.
The decision (sector_model) turns those tallies into P(substantively
discussed) per sector and picks the primary sector; its weights and threshold
were fitted on the dev split of the labeled corpus (docs/sectors.md). Without a
model file, a plain rule on the score stands in (share of the top score).
"""

from __future__ import annotations

from dataclasses import dataclass

from dyad.core.models import SectorScore
from dyad.core.sector_lexicon import Taxonomy
from dyad.core.sector_match import Evidence, tally
from dyad.core.sector_model import SCORE, TERMS, SectorModel, Tally
from dyad.core.text import Document

__all__ = ["SectorClassifier", "SectorResult", "Taxonomy"]

PARTS = ("title", "lead", "body")
MAX_EVIDENCE = 8
DECAY_STEPS = 12  # the 12th repeat of a term adds nothing


@dataclass(frozen=True, slots=True)
class SectorResult:
    sectors: list[SectorScore]
    primary: str | None


class SectorClassifier:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        p = taxonomy.params
        self.part_weight = [float(p["part_weight"][part]) for part in PARTS]
        decay = float(p["repeat_decay"])
        self.decay = [decay**n for n in range(DECAY_STEPS)]
        self.list_size = int(p["list_size"])
        self.full_term = float(p["full_term"])
        self.min_share = float(p["min_share"])
        self.min_score = float(p["min_score"])
        self.model = SectorModel.from_json(taxonomy.model, taxonomy.ids) if taxonomy.model else None

    def classify(self, doc: Document) -> SectorResult:
        tallies, evidence = self.tallies(doc)
        return self.decide(tallies, evidence)

    def tallies(self, doc: Document) -> tuple[dict[int, Tally], Evidence]:
        """Per-sector lexicon tallies of one article, and per term its first matched text."""
        tallies, evidence = tally(
            self.taxonomy,
            (doc.title, doc.lead, doc.body),
            self.decay,
            self.list_size,
            self.full_term,
        )
        w0, w1, w2 = self.part_weight
        for t in tallies.values():
            t[SCORE] = t[0] * w0 + t[1] * w1 + t[2] * w2
        for sector, hits in evidence.items():
            found = tallies.get(sector)
            if found is not None:
                found[TERMS] = len(hits)
        return tallies, evidence

    def decide(self, tallies: dict[int, Tally], evidence: Evidence) -> SectorResult:
        """Which sectors the article discusses, with P(discussed) as score, and its primary."""
        tallies = self.candidates(tallies)
        if self.model is not None:
            kept, primary = self.model.decide(tallies)
        else:
            kept, primary = self._rule(tallies)
        # Evidence: the matched texts, the heaviest terms first.
        ranked = sorted(kept.items(), key=lambda kv: (kv[0] != primary, -kv[1], kv[0]))
        sectors = [
            SectorScore(
                id=self.taxonomy.ids[sector],
                score=round(p, 3),
                evidence=[
                    surface.decode()
                    for _, surface in sorted(evidence.get(sector, ()))[:MAX_EVIDENCE]
                ],
            )
            for sector, p in ranked
        ]
        return SectorResult(sectors, self.taxonomy.ids[primary] if primary is not None else None)

    def candidates(self, tallies: dict[int, Tally]) -> dict[int, Tally]:
        """Sectors with less than `min_score` (one clear term) never count: not even weighed."""
        floor = self.min_score
        return {s: t for s, t in tallies.items() if t[SCORE] >= floor}

    def _rule(self, tallies: dict[int, Tally]) -> tuple[dict[int, float], int | None]:
        if not tallies:
            return {}, None
        top = max(t[SCORE] for t in tallies.values())
        kept = {s: t[SCORE] / top for s, t in tallies.items() if t[SCORE] >= self.min_share * top}
        return kept, max(kept, key=lambda s: (kept[s], -s))
