"""Find every alias in a text: one automaton pass, then O(1) checks per hit.

A hit counts at word boundaries only, with three exceptions that real text needs:
Arabic-script prefixes glued before it (و ال ب ل ک: "والسورية"), endings allowed by
the rules after it (Russian cases "Ирана", Turkish "İranlı", Arabic "السوريين",
English plurals "Syrians"), and Chinese, which has no spaces at all. Case rules
come from how the alias is written: "US" only in capitals, "Chad" capitalised,
"iranien" in any case. No regular expression ever runs over the input text.
"""

from __future__ import annotations

from dataclasses import dataclass

from dyad.core.gazetteer import MAX_PREFIX, MAX_SUFFIX, Alias, Gazetteer
from dyad.core.text import fold, strip_accents


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int  # after any allowed ending
    alias: Alias
    prefix: str  # Arabic-script letters glued before the alias ("وال"), or ""


@dataclass(frozen=True, slots=True)
class Found:
    folded: str
    matches: list[Match]
    vetoes: set[str]


def find(gazetteer: Gazetteer, text: str) -> Found:
    folded = fold(text)
    # Persian glues no prefixes ("بیابان" is not ب + یابان): Persian letters switch them off.
    persian = any(ch in folded for ch in "پچژگ")
    prefixes = frozenset() if persian else gazetteer.rules.prefixes.get("arab", frozenset())
    automaton = gazetteer.automaton
    matches: list[Match] = []
    vetoes: set[str] = set()
    for last, (length, aliases) in automaton.iter_long(folded):
        start, end = last - length + 1, last + 1
        if not aliases:  # a context word that vetoes an ambiguous alias ("Atlanta")
            if _free(folded, start, end):
                vetoes.add(folded[start:end])
            continue
        match = _fit(text, folded, start, end, aliases, prefixes)
        # The longest key failed on what follows it ("الإيرانية" is not "ایرانی" + "ه"
        # for a name): a shorter key at the same place may still fit ("ایران" + "یه").
        k = length - 1
        while match is None and k >= 2:
            shorter = automaton.get(folded[start : start + k], None)
            if shorter is not None and shorter[1]:
                match = _fit(text, folded, start, start + k, shorter[1], prefixes)
            k -= 1
        if match is not None:
            matches.append(match)
    return Found(folded, matches, vetoes)


def _fit(
    text: str,
    folded: str,
    start: int,
    end: int,
    aliases: tuple[Alias, ...],
    prefixes: frozenset[str],
) -> Match | None:
    script = aliases[0].script
    if script == "han":
        return Match(start, end, aliases[0], "")
    prefix = ""
    if start > 0 and folded[start - 1].isalnum():
        if script != "arab" or (prefix := _prefix(folded, start, prefixes)) == "":
            return None
    stop = end
    if end < len(folded) and folded[end].isalnum():
        stop = _word_end(folded, end)
        if stop - end > MAX_SUFFIX:
            return None
    alias = _first_fit(aliases, text[start:end], folded[end:stop])
    return None if alias is None else Match(start, stop, alias, prefix)


def _first_fit(aliases: tuple[Alias, ...], segment: str, suffix: str) -> Alias | None:
    for alias in aliases:
        if alias.case == "upper" and not segment.isupper():
            continue
        if alias.case == "title" and not segment[:1].isupper():
            continue
        if suffix and suffix not in alias.suffixes and strip_accents(suffix) not in alias.suffixes:
            continue
        return alias
    return None


def _free(folded: str, start: int, end: int) -> bool:
    left = start == 0 or not folded[start - 1].isalnum()
    return left and (end == len(folded) or not folded[end].isalnum())


def _prefix(folded: str, start: int, prefixes: frozenset[str]) -> str:
    """The glued prefix before `start` if it is an allowed one, else ""."""
    k = start
    while k > 0 and start - k <= MAX_PREFIX and folded[k - 1].isalnum():
        k -= 1
    if k > 0 and folded[k - 1].isalnum():
        return ""
    glued = folded[k:start]
    return glued if glued in prefixes else ""


def _word_end(folded: str, end: int) -> int:
    stop = end
    limit = min(len(folded), end + MAX_SUFFIX + 1)
    while stop < limit and folded[stop].isalnum():
        stop += 1
    return stop
