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
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from dyad.core.gazetteer import DATA_DIR, Alias, Gazetteer
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
PARTS = ("title", "lead", "body")
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
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CountryResult:
    countries: list[CountryMention]
    pair: Pair | None


class CountryRecognizer:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def recognise(self, doc: Document) -> CountryResult:
        text = f"{doc.title}\n{doc.lead}\n{doc.body}"
        bounds = (len(doc.title), len(doc.title) + 1 + len(doc.lead))
        found = find(self.gazetteer, text)
        mentions = resolve(found, text, self.gazetteer.rules)
        parts = [PARTS[bisect_right(bounds, m.start)] for m in mentions]
        tallies = self._tally(text, mentions, parts)
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
        return CountryResult(countries, self._pair(text, found.folded, mentions, parts, ranked))

    def _tally(self, text: str, mentions: list[Mention], parts: list[str]) -> dict[str, _Tally]:
        tallies: dict[str, _Tally] = {}
        for m, part in zip(mentions, parts, strict=True):
            t = tallies.setdefault(m.code, _Tally())
            t.score += PART_WEIGHT[part] * KIND_WEIGHT.get(m.kind, 0.5) * m.role
            t.mentions += 1
            if len(t.evidence) < MAX_EVIDENCE:
                t.evidence.append(Evidence(text=text[m.start : m.end], where=part))  # type: ignore[arg-type]
        return tallies

    def _pair(
        self,
        text: str,
        folded: str,
        mentions: list[Mention],
        parts: list[str],
        ranked: list[tuple[str, _Tally]],
    ) -> Pair | None:
        if len(ranked) < 2:
            return None
        if ranked[1][1].score < MIN_SECOND_SCORE and not _says_pair(folded, self.gazetteer):
            return None
        bonus = _links(folded, mentions, parts, self.gazetteer)
        for key, value in _cooccurrences(text, mentions, parts).items():
            bonus[key] += COOCCURRENCE_WEIGHT * value
        top = ranked[:CANDIDATES]
        scored = sorted(
            (
                (a[1].score + b[1].score + bonus.get(tuple(sorted((a[0], b[0]))), 0.0), a[0], b[0])
                for a, b in combinations(top, 2)
            ),
            key=lambda s: (-s[0], min(s[1], s[2]), max(s[1], s[2])),
        )
        best = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        margin = (best[0] - runner_up) / (best[0] + runner_up) if best[0] > 0 else 0.0
        weakest = min(tallies_score(ranked, best[1]), tallies_score(ranked, best[2]))
        confidence = margin * min(1.0, weakest / FULL_SUPPORT)
        codes = sorted((best[1], best[2]))
        return Pair(countries=(codes[0], codes[1]), score=round(min(1.0, confidence), 3))


def _says_pair(folded: str, gazetteer: Gazetteer) -> bool:
    """'the two countries', 'البلدين', 'iki ülke': the story is about a pair."""
    return any(p in folded for p in gazetteer.rules.pair_phrases)


def tallies_score(ranked: list[tuple[str, _Tally]], code: str) -> float:
    return next(t.score for c, t in ranked if c == code)


def _links(
    folded: str, mentions: list[Mention], parts: list[str], gazetteer: Gazetteer
) -> defaultdict[tuple[str, ...], float]:
    links: defaultdict[tuple[str, ...], float] = defaultdict(float)
    for i in range(1, len(mentions)):
        a, b = mentions[i - 1], mentions[i]
        if a.code != b.code and parts[i - 1] == parts[i]:
            if connected(folded, a, b, gazetteer.rules):
                links[tuple(sorted((a.code, b.code)))] += LINK_WEIGHT * PART_WEIGHT[parts[i]]
    return links


def _cooccurrences(
    text: str, mentions: list[Mention], parts: list[str]
) -> dict[tuple[str, ...], float]:
    ends = [m.start() for m in _SENTENCE_END.finditer(text)]
    by_sentence: dict[int, tuple[set[str], str]] = {}
    for m, part in zip(mentions, parts, strict=True):
        codes, _ = by_sentence.setdefault(bisect_right(ends, m.start), (set(), part))
        codes.add(m.code)
    shared: dict[tuple[str, ...], float] = defaultdict(float)
    for codes, part in by_sentence.values():
        for pair in combinations(sorted(codes), 2):
            shared[pair] += PART_WEIGHT[part]
    return shared
