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
from dyad.core.sector_match import Hit, sentences
from dyad.core.sector_model import SectorModel, Tally
from dyad.core.text import Document

__all__ = ["SectorClassifier", "SectorResult", "Taxonomy"]

PARTS = ("title", "lead", "body")
MAX_EVIDENCE = 8
DECAY_STEPS = 12  # the 12th repeat of a term adds nothing
Evidence = dict[tuple[int, str], float]  # (sector, matched text) -> weight


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
        self.model = SectorModel.from_json(taxonomy.model, taxonomy.ids) if taxonomy.model else None

    def classify(self, doc: Document) -> SectorResult:
        tallies, evidence = self.tallies(doc)
        return self.decide(tallies, evidence)

    def tallies(self, doc: Document) -> tuple[dict[int, Tally], Evidence]:
        """Per-sector lexicon tallies of one article, and the weight of each matched text."""
        tallies: dict[int, Tally] = {}
        evidence: Evidence = {}
        seen: dict[str, int] = {}
        for part, text, hits in sentences(self.taxonomy, (doc.title, doc.lead, doc.body)):
            self._sentence(part, text, hits, tallies, evidence, seen)
        pw = self.part_weight
        for tally in tallies.values():
            p = tally.parts
            tally.score = p[0] * pw[0] + p[1] * pw[1] + p[2] * pw[2]
        for sector, _ in evidence:
            tallies[sector].terms += 1
        return tallies, evidence

    def _sentence(
        self,
        part: int,
        text: str,
        hits: list[Hit],
        tallies: dict[int, Tally],
        evidence: Evidence,
        seen: dict[str, int],
    ) -> None:
        if not hits:  # a sentence whose only match was a neutral span
            return
        count = len({h[2].sector for h in hits})
        damp = 1.0 if count <= self.list_size else self.list_size / count
        decay = self.decay
        pw = self.part_weight[part]
        local: dict[int, float] = {}
        for start, stop, (sector, weight, term, _, _) in hits:
            n = seen.get(term, 0)
            seen[term] = n + 1
            gain = weight * damp * decay[n] if n < DECAY_STEPS else 0.0
            local[sector] = local.get(sector, 0.0) + gain
            key = (sector, text[start + 1 : stop])
            evidence[key] = evidence.get(key, 0.0) + gain * pw
        top = max(local.values())
        for sector, weight in local.items():
            tally = tallies.get(sector)
            if tally is None:
                tally = tallies[sector] = Tally()
            tally.parts[part] += weight
            if weight > tally.best:
                tally.best = weight
            if weight >= self.full_term:
                tally.sentences += 1
                # The sentence is about this sector: it carries the most weight there.
                tally.focus += weight >= top

    def decide(self, tallies: dict[int, Tally], evidence: Evidence) -> SectorResult:
        """Which sectors the article discusses, with P(discussed) as score, and its primary."""
        if self.model is not None:
            kept, primary = self.model.decide(tallies)
        else:
            kept, primary = self._rule(tallies)
        terms: dict[int, list[tuple[float, str]]] = {s: [] for s in kept}
        for (sector, surface), weight in evidence.items():
            if sector in terms:
                terms[sector].append((-weight, surface))
        ranked = sorted(kept.items(), key=lambda kv: (kv[0] != primary, -kv[1], kv[0]))
        sectors = [
            SectorScore(
                id=self.taxonomy.ids[sector],
                score=round(p, 3),
                evidence=[surface for _, surface in sorted(terms[sector])[:MAX_EVIDENCE]],
            )
            for sector, p in ranked
        ]
        return SectorResult(sectors, self.taxonomy.ids[primary] if primary is not None else None)

    def _rule(self, tallies: dict[int, Tally]) -> tuple[dict[int, float], int | None]:
        if not tallies:
            return {}, None
        top = max(t.score for t in tallies.values())
        kept = {s: t.score / top for s, t in tallies.items() if t.score >= self.min_share * top}
        return kept, max(kept, key=lambda s: (kept[s], -s))
