"""Countries of an article, their salience, and the story's pair (the dyad).

Matching (core.matching) finds every alias in one pass; core.salience keeps the
mentions that count and weighs their role. Here each country gets a score (where a
mention stands: title > lead > body; what kind of alias it is; its role), and each
candidate pair gets the two scores plus what joins the two countries in the text:
explicit links ("Iran and Syria", "Tehran-Damascus") and sentences they share. The
pair's confidence is its margin over the best other pair.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from dyad.core.aliases import Alias
from dyad.core.gazetteer import DATA_DIR, Gazetteer
from dyad.core.matching import find
from dyad.core.models import CountryMention, Evidence, Pair
from dyad.core.salience import Mention, connected, resolve
from dyad.core.text import Document

__all__ = ["DATA_DIR", "Alias", "CountryRecognizer", "CountryResult", "Gazetteer"]

KIND_WEIGHT = {
    "name": 1.0,
    "official": 1.0,
    "demonym": 0.8,
    "capital": 0.8,
    "city": 0.35,
    "institution": 0.7,
    "leader": 0.8,
    "idiom": 0.9,
}
PART_WEIGHT = {"title": 3.0, "lead": 2.0, "body": 1.0}
LINK_WEIGHT = 2.0
COOCCURRENCE_WEIGHT = 0.5
CANDIDATES = 6
# A second country seen only in passing ("US sanctions", a city) makes no pair.
MIN_SECOND_SCORE = 1.0
# Second-country score at which its evidence no longer limits the confidence.
FULL_SUPPORT = 4.0
MAX_EVIDENCE = 5
_SENTENCE_END = re.compile(r"[.!?؟。\n]")


@dataclass(slots=True)
class _Tally:
    score: float = 0.0
    mentions: int = 0
    evidence: list[tuple[str, str]] = field(default_factory=list)  # distinct (text, where)


@dataclass(frozen=True, slots=True)
class CountryResult:
    countries: list[CountryMention]
    pair: Pair | None


class CountryRecognizer:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def recognise(self, doc: Document) -> CountryResult:
        text = f"{doc.title}\n{doc.lead}\n{doc.body}"
        found = find(self.gazetteer.index, text)
        mentions = resolve(found, text, self.gazetteer.rules)
        title_end, lead_end = len(doc.title), len(doc.title) + 1 + len(doc.lead)
        parts = [
            "title" if m.start < title_end else "lead" if m.start < lead_end else "body"
            for m in mentions
        ]
        tallies = _tally(text, mentions, parts)
        ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].score, kv[0]))
        countries = [
            CountryMention(
                code=code,
                name=self.gazetteer.names.get(code, code),
                score=round(t.score, 3),
                mentions=t.mentions,
                evidence=[Evidence(text=x, where=w) for x, w in t.evidence],  # type: ignore[arg-type]
            )
            for code, t in ranked
        ]
        pair = None
        if len(ranked) >= 2 and (
            ranked[1][1].score >= MIN_SECOND_SCORE or _says_pair(found.folded, self.gazetteer)
        ):
            bonus = _bonus(found.folded, mentions, parts, self.gazetteer)
            pair = _best_pair(ranked, bonus)
        return CountryResult(countries, pair)


def _tally(text: str, mentions: list[Mention], parts: list[str]) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = {}
    for m, part in zip(mentions, parts, strict=True):
        t = tallies.get(m.code)
        if t is None:
            t = tallies[m.code] = _Tally()
        t.score += PART_WEIGHT[part] * KIND_WEIGHT[m.kind] * m.role
        t.mentions += 1
        if len(t.evidence) < MAX_EVIDENCE:
            item = (text[m.start : m.end], part)
            if item not in t.evidence:
                t.evidence.append(item)
    return tallies


def _bonus(
    folded: str, mentions: list[Mention], parts: list[str], gazetteer: Gazetteer
) -> dict[tuple[str, str], float]:
    """What joins two countries: explicit links, and neighbouring mentions in one sentence."""
    bonus: dict[tuple[str, str], float] = defaultdict(float)
    for i in range(1, len(mentions)):
        a, b = mentions[i - 1], mentions[i]
        if a.code == b.code or parts[i - 1] != parts[i]:
            continue
        key = (a.code, b.code) if a.code < b.code else (b.code, a.code)
        weight = PART_WEIGHT[parts[i]]
        if connected(folded, a, b, gazetteer.rules):
            bonus[key] += LINK_WEIGHT * weight
        elif _SENTENCE_END.search(folded, a.end, b.start) is None:
            bonus[key] += COOCCURRENCE_WEIGHT * weight
    return bonus


def _best_pair(ranked: list[tuple[str, _Tally]], bonus: dict[tuple[str, str], float]) -> Pair:
    """The pair with the highest joint score; confidence is its margin over the next one,
    damped when its weaker country has little evidence."""
    scored = []
    for (ca, a), (cb, b) in combinations(ranked[:CANDIDATES], 2):
        key = (ca, cb) if ca < cb else (cb, ca)
        scored.append((a.score + b.score + bonus.get(key, 0.0), key, min(a.score, b.score)))
    scored.sort(key=lambda s: (-s[0], s[1]))
    total, codes, weakest = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    margin = (total - runner_up) / (total + runner_up) if total > 0 else 0.0
    confidence = max(0.0, min(1.0, margin * min(1.0, weakest / FULL_SUPPORT)))
    return Pair(countries=codes, score=round(confidence, 3))


def _says_pair(folded: str, gazetteer: Gazetteer) -> bool:
    """'the two countries', 'البلدين', 'iki ülke': the story is about a pair."""
    return any(p in folded for p in gazetteer.rules.pair_phrases)
