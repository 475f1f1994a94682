"""Finding taxonomy terms in text: one automaton pass, whole words, sentence by sentence.

The input is folded to lower case with punctuation turned into spaces (plain
`str.replace`, far cheaper than a regex substitution) and sentence ends turned
into a newline token, so that every key can demand a word start (its leading
space) and no phrase runs across two sentences.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from dyad.core.sector_lexicon import ANY, NEUTRAL, Entry, Taxonomy

_SENTENCE_ENDS = (". ", "! ", "? ", "؟ ", "; ", "؛ ", "…")
_PUNCT = tuple(".,:!?;()[]{}\"'«»“”„‘’<>،؛؟-–—/\\|*•·…%&+=#@$")


@dataclass(frozen=True, slots=True)
class Match:
    sentence: int
    start: int
    stop: int
    entry: Entry
    surface: str


def prepare(text: str) -> str:
    """Lower-cased, punctuation-free text with ' \\n ' at sentence ends, padded with spaces."""
    t = text.lower()
    if "\u0307" in t:  # Turkish dotted capital I lowers to i + combining dot
        t = t.replace("i\u0307", "i")
    if "ё" in t:
        t = t.replace("ё", "е")
    t = t.replace("\n", " \n ")
    for end in _SENTENCE_ENDS:
        if end in t:
            t = t.replace(end, " \n ")
    for ch in _PUNCT:
        if ch in t:
            t = t.replace(ch, " ")
    return f" {t} "


def _sentence_starts(t: str) -> list[int]:
    starts = []
    pos = t.find("\n")
    while pos >= 0:
        starts.append(pos)
        pos = t.find("\n", pos + 1)
    return starts


def find(taxonomy: Taxonomy, t: str) -> list[Match]:
    """Every accepted term occurrence in prepared text `t`, minus those inside a longer phrase."""
    breaks = _sentence_starts(t)
    found: list[Match] = []
    covering: list[Match] = []
    for end, (length, entries) in taxonomy.automaton.iter(t):
        start = end - length + 1
        stop = end + 1
        if t[stop] != " " and t[stop] != "\n":
            stop = t.find(" ", stop)
        suffix = t[end + 1 : stop]
        for entry in entries:
            if entry.endings is ANY or suffix in entry.endings:
                m = Match(bisect_right(breaks, start), start, stop, entry, t[start + 1 : stop])
                found.append(m)
                if entry.words > 1 or entry.sector == NEUTRAL:
                    covering.append(m)
    if covering:
        found = [m for m in found if not _covered(m, covering)]
    return [m for m in found if m.entry.sector != NEUTRAL]


def _covered(m: Match, covering: list[Match]) -> bool:
    """Inside a longer phrase, or inside (or equal to) a neutral span such as 'trade union'."""
    for c in covering:
        if c is m or c.start > m.start or c.stop < m.stop:
            continue
        if c.entry.sector == NEUTRAL or c.stop - c.start > m.stop - m.start:
            return True
    return False
