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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

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


@dataclass(slots=True)
class Tally:
    """What the lexicon found for one sector in one article."""

    score: float = 0.0  # weighted by part, repetition decay and list damping
    parts: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # title, lead, body
    sentences: int = 0
    focus: int = 0
    best: float = 0.0
    terms: int = 0  # distinct matched texts


def features(tallies: Mapping[int, Tally]) -> dict[int, list[float]]:
    """The feature vector of every candidate sector of one article."""
    top = max(t.score for t in tallies.values()) or 1.0
    top_title = max(t.parts[0] for t in tallies.values()) or 1.0
    top_lead = max(t.parts[1] for t in tallies.values()) or 1.0
    top_focus = max(t.focus for t in tallies.values()) or 1
    candidates = math.log1p(len(tallies))
    article = math.log1p(sum(t.focus for t in tallies.values()))
    log1p = math.log1p
    return {
        sector: [
            log1p(t.parts[0]),
            log1p(t.parts[1]),
            log1p(t.parts[2]),
            t.score / top,
            1.0 if t.score >= top else 0.0,
            log1p(t.sentences),
            log1p(t.terms),
            min(t.best, 6.0) / 6.0,
            t.parts[0] / top_title,
            t.parts[1] / top_lead,
            log1p(t.focus),
            t.focus / top_focus,
            candidates,
            article,
        ]
        for sector, t in tallies.items()
    }


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
    # Both models' weights side by side (features x 2): one product per article.
    matrix: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        both = np.array([self.include.weights, self.primary.weights], dtype=np.float64).T
        object.__setattr__(self, "matrix", both)

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
        feats = features(tallies)
        z: list[list[float]] = np.dot(list(feats.values()), self.matrix).tolist()
        bias, inc_prior = self.include.bias, self.include.prior
        pri_bias, pri_prior = self.primary.bias, self.primary.prior
        probs: dict[int, float] = {}
        best, primary = -math.inf, -1
        for s, (zi, zp) in zip(feats, z, strict=True):
            probs[s] = _sigmoid(zi + bias + inc_prior[s])
            zp += pri_bias + pri_prior[s]
            if zp > best or (zp == best and s < primary):
                best, primary = zp, s
        kept = {s: p for s, p in probs.items() if p >= self.threshold or s == primary}
        return kept, primary
