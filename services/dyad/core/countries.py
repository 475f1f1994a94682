"""Countries of an article, their salience, and the story's pair (the dyad).

Matching (core.matching) finds every alias in one pass; core.salience keeps the
mentions that count and gives each country a score (where a mention stands: title >
lead > body; what kind of alias it is; its role) and each pair of countries a bonus
for what joins them in the text (explicit links such as "Iran and Syria" or
"Tehran-Damascus", neighbouring mentions in one sentence). Here each candidate pair
gets the two scores plus its bonus; the pair's confidence is its margin over the
best other pair, damped when its weaker country has little evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from dyad.core.aliases import Alias
from dyad.core.gazetteer import DATA_DIR, Gazetteer
from dyad.core.matching import find
from dyad.core.models import CountryMention, Pair
from dyad.core.salience import Tally, evidence, weigh
from dyad.core.text import Document

__all__ = ["DATA_DIR", "Alias", "CountryRecognizer", "CountryResult", "Gazetteer"]

METHOD_VERSION = "2"
"""Bump whenever recognition changes its output in code (2: the second country of a pair
needs more than one plain body mention); data changes move the gazetteer's version."""
CANDIDATES = 6
# A second country seen only in passing ("US sanctions", a city) makes no pair; nor
# does one plain mention in the body (a name weighs 1.0 there, a demonym 0.8), as
# "South Korean visitors" in a story about one country. A lead mention (1.6 for a
# demonym) or one as an actor (1.5) does.
MIN_SECOND_SCORE = 1.2
# Second-country score at which its evidence no longer limits the confidence.
FULL_SUPPORT = 4.0


@dataclass(frozen=True, slots=True)
class CountryResult:
    countries: list[CountryMention]
    pair: Pair | None


class CountryRecognizer:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def recognise(self, doc: Document) -> CountryResult:
        text = doc.text
        found = find(self.gazetteer.index, text, doc.folded)
        bounds = (len(doc.title), len(doc.title) + 1 + len(doc.lead))
        tallies, bonus = weigh(found, text, bounds, self.gazetteer.rules)
        ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].score, kv[0]))
        countries = [
            CountryMention(
                code=code,
                name=self.gazetteer.names.get(code, code),
                score=round(t.score, 3),
                mentions=t.mentions,
                evidence=list(map(evidence, t.evidence)),
            )
            for code, t in ranked
        ]
        pair = None
        if len(ranked) >= 2 and (
            ranked[1][1].score >= MIN_SECOND_SCORE or _says_pair(found.folded, self.gazetteer)
        ):
            pair = _best_pair(ranked, bonus)
        return CountryResult(countries, pair)


def _best_pair(ranked: list[tuple[str, Tally]], bonus: dict[tuple[str, str], float]) -> Pair:
    """The pair with the highest joint score; confidence is its margin over the next pair,
    damped when its weaker country has little evidence."""
    top = ranked[:CANDIDATES]
    scored = []
    for (ca, a), (cb, b) in combinations(top, 2):
        key = (ca, cb) if ca < cb else (cb, ca)
        sa, sb = a.score, b.score
        weaker = sa if sa < sb else sb
        # What joins the two can at most double the weaker one: a single mention in a list
        # ("partners such as Tehran and Moscow") does not make a pair by itself.
        joined = bonus.get(key, 0.0)
        scored.append((sa + sb + (joined if joined < weaker else weaker), key, weaker))
    if len(scored) > 1:
        scored.sort(key=_pair_order)
    total, codes, weakest = scored[0]
    if len(scored) == 1:
        margin = 1.0
    else:
        runner_up, other, _ = scored[1]
        # Two pairs that share a country differ only by the other one: measure the margin
        # on what differs, so a dominant shared country does not hide a clear choice.
        # Two different pairs share at most one country.
        shared = codes[0] if codes[0] in other else codes[1] if codes[1] in other else None
        common = next(t.score for c, t in top if c == shared) if shared else 0.0
        margin = (total - runner_up) / max(total - common, 1e-9)
    confidence = max(0.0, min(1.0, margin * min(1.0, weakest / FULL_SUPPORT)))
    return Pair(countries=codes, score=round(confidence, 3))


def _pair_order(scored: tuple[float, tuple[str, str], float]) -> tuple[float, tuple[str, str]]:
    return -scored[0], scored[1]


def _says_pair(folded: str, gazetteer: Gazetteer) -> bool:
    """'the two countries', 'البلدين', 'iki ülke': the story is about a pair."""
    return any(p in folded for p in gazetteer.rules.pair_phrases)
