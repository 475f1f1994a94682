"""The decision over lexicon tallies: a small linear model trained offline.

The lexicon says which terms of which sector an article uses, where, and how
often; these twelve language-independent features of each candidate sector feed
two linear models whose weights ship in data/taxonomy/model.json
(tools/train_sectors.py fits them on the dev split of the labeled corpus):
  * `include`: logistic, P(sector is substantively discussed);
  * `primary`: conditional logit across the article's candidates.
Evidence stays the matched terms: the model only weighs them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import mul
from typing import Any

FEATURES = (
    "title",  # log1p of term weight in the headline
    "lead",  # log1p of term weight in the lead
    "body",  # log1p of term weight in the body
    "share",  # weighted score / the article's top score
    "is_top",  # 1 for the article's top-scoring sector
    "sentences",  # log1p of sentences carrying at least one full term
    "terms",  # log1p of distinct matched terms
    "best",  # most weight in one sentence, capped at 6, over 6
    "title_share",  # headline weight / the article's top headline weight
    "lead_share",  # lead weight / the article's top lead weight
    "focus",  # log1p of sentences where this sector carries the most weight
    "focus_share",  # those sentences / the article's most for one sector
    "candidates",  # log1p of the article's candidate sectors
    "article",  # log1p of the article's sentences about some sector
)


# One sector's tally in one article. A plain list, not an object: the lexicon
# pass makes about ten per article and an object's construction costs more than
# the arithmetic. Slots, by index:
TITLE, LEAD, BODY = 0, 1, 2  # term weight in the headline, the lead, the body
BEST = 3  # most weight in one sentence
SENTENCES = 4  # sentences carrying at least one full term
FOCUS = 5  # sentences where this sector carries the most weight
TERMS = 6  # distinct matched terms
SCORE = 7  # weighted by part, repetition decay and list damping
Tally = list[float]


def new_tally() -> Tally:
    return [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def features(tallies: Mapping[int, Tally]) -> dict[int, list[float]]:
    """The feature vector of every candidate sector of one article (FEATURES, in order)."""
    own, shared = _split_features(tallies)
    return {sector: [*values, *shared] for sector, values in own.items()}


def _split_features(
    tallies: Mapping[int, Tally],
) -> tuple[dict[int, tuple[float, ...]], tuple[float, float]]:
    """Each sector's own features, and the article's (the last two of FEATURES)."""
    values = tallies.values()
    top = max(t[SCORE] for t in values) or 1.0
    top_title = max(t[TITLE] for t in values) or 1.0
    top_lead = max(t[LEAD] for t in values) or 1.0
    top_focus = max(t[FOCUS] for t in values) or 1.0
    log1p = math.log1p
    own: dict[int, tuple[float, ...]] = {
        sector: (
            log1p(t[TITLE]),
            log1p(t[LEAD]),
            log1p(t[BODY]),
            t[SCORE] / top,
            1.0 if t[SCORE] >= top else 0.0,
            log1p(t[SENTENCES]),
            log1p(t[TERMS]),
            min(t[BEST], 6.0) / 6.0,
            t[TITLE] / top_title,
            t[LEAD] / top_lead,
            log1p(t[FOCUS]),
            t[FOCUS] / top_focus,
        )
        for sector, t in tallies.items()
    }
    return own, (log1p(len(tallies)), log1p(sum(t[FOCUS] for t in values)))


@dataclass(frozen=True, slots=True)
class Linear:
    """w.x + b + a per-sector prior (how readily annotators count that sector)."""

    weights: tuple[float, ...]
    bias: float = 0.0
    prior: tuple[float, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], ids: Sequence[str]) -> Linear:
        prior = doc.get("prior", {})
        return cls(
            tuple(float(w) for w in doc["weights"]),
            float(doc.get("bias", 0.0)),
            tuple(float(prior.get(sid, 0.0)) for sid in ids),
        )


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


@dataclass(frozen=True, slots=True)
class SectorModel:
    include: Linear
    primary: Linear
    threshold: float
    version: str

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], ids: Sequence[str]) -> SectorModel:
        if tuple(doc["features"]) != FEATURES:
            raise ValueError("sector model was trained on other features: retrain it")
        return cls(
            include=Linear.from_json(doc["include"], ids),
            primary=Linear.from_json(doc["primary"], ids),
            threshold=float(doc["threshold"]),
            version=str(doc.get("version", "0")),
        )

    def decide(self, tallies: Mapping[int, Tally]) -> tuple[dict[int, float], int | None]:
        """P(included) per kept sector, and the primary sector (always kept)."""
        if not tallies:
            return {}, None
        own, shared = _split_features(tallies)
        inc, pri = self.include, self.primary
        # A handful of candidates: plain dot products beat building numpy arrays.
        n = len(shared)
        w_inc, w_pri = inc.weights[:-n], pri.weights[:-n]
        base_inc = sum(map(mul, shared, inc.weights[-n:]), inc.bias)
        base_pri = sum(map(mul, shared, pri.weights[-n:]), pri.bias)
        inc_prior, pri_prior = inc.prior, pri.prior
        threshold = self.threshold
        kept: dict[int, float] = {}
        best, primary = -math.inf, -1
        for s, f in own.items():
            p = _sigmoid(sum(map(mul, f, w_inc), base_inc) + inc_prior[s])
            if p >= threshold:
                kept[s] = p
            zp = sum(map(mul, f, w_pri), base_pri) + pri_prior[s]
            if zp > best or (zp == best and s < primary):
                best, primary, p_primary = zp, s, p
        kept[primary] = p_primary
        return kept, primary
