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
from dyad.core.sector_match import Match, find, prepare
from dyad.core.sector_model import SectorModel, Tally
from dyad.core.text import Document

__all__ = ["SectorClassifier", "SectorResult", "Taxonomy"]

PARTS = ("title", "lead", "body")
MAX_EVIDENCE = 8


@dataclass(frozen=True, slots=True)
class SectorResult:
    sectors: list[SectorScore]
    primary: str | None


class SectorClassifier:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        p = taxonomy.params
        self.part_weight = [float(p["part_weight"][part]) for part in PARTS]
        self.decay = float(p["repeat_decay"])
        self.list_size = int(p["list_size"])
        self.full_term = float(p["full_term"])
        self.min_share = float(p["min_share"])
        self.model = SectorModel.from_json(taxonomy.model, taxonomy.ids) if taxonomy.model else None

    def classify(self, doc: Document) -> SectorResult:
        return self.decide(self.tallies(doc))

    def tallies(self, doc: Document) -> dict[int, Tally]:
        """Per-sector lexicon tallies of one article (also read by the training tool)."""
        tallies: dict[int, Tally] = {}
        seen: dict[str, int] = {}
        for i, part in enumerate(PARTS):
            text = getattr(doc, part)
            if text:
                for matches in _by_sentence(find(self.taxonomy, prepare(text))):
                    self._sentence(matches, i, tallies, seen)
        return tallies

    def _sentence(
        self, matches: list[Match], part: int, tallies: dict[int, Tally], seen: dict[str, int]
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
                tally = tallies[e.sector] = Tally()
            tally.score += gain * pw
            tally.parts[part] += gain
            tally.evidence[m.surface] = tally.evidence.get(m.surface, 0.0) + gain * pw
        lead_weight = max(local.values())
        for sector, weight in local.items():
            tally = tallies[sector]
            tally.best = max(tally.best, weight)
            if weight >= self.full_term:
                tally.sentences += 1
                # The sentence is about this sector: it carries the most weight there.
                tally.focus += weight >= lead_weight

    def decide(self, tallies: dict[int, Tally]) -> SectorResult:
        """Which sectors the article discusses, with P(discussed) as score, and its primary."""
        if self.model is not None:
            kept, primary = self.model.decide(tallies)
        else:
            kept, primary = self._rule(tallies)
        ranked = sorted(kept.items(), key=lambda kv: (kv[0] != primary, -kv[1], kv[0]))
        sectors = [self._score(sector, p, tallies[sector]) for sector, p in ranked]
        return SectorResult(sectors, self.taxonomy.ids[primary] if primary is not None else None)

    def _rule(self, tallies: dict[int, Tally]) -> tuple[dict[int, float], int | None]:
        if not tallies:
            return {}, None
        top = max(t.score for t in tallies.values())
        kept = {s: t.score / top for s, t in tallies.items() if t.score >= self.min_share * top}
        return kept, max(kept, key=lambda s: (kept[s], -s))

    def _score(self, sector: int, p: float, tally: Tally) -> SectorScore:
        terms = sorted(tally.evidence.items(), key=lambda kv: (-kv[1], kv[0]))
        return SectorScore(
            id=self.taxonomy.ids[sector],
            score=round(p, 3),
            evidence=[term for term, _ in terms[:MAX_EVIDENCE]],
        )


def _by_sentence(matches: list[Match]) -> list[list[Match]]:
    """Matches split by sentence, in order."""
    groups: list[list[Match]] = []
    current = -1
    for m in matches:
        if m.sentence != current:
            groups.append([])
            current = m.sentence
        groups[-1].append(m)
    return groups
