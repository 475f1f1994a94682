"""Find every alias in a text: one automaton pass, then O(1) checks per hit.

A hit counts at word boundaries only, with three exceptions that real text needs:
Arabic-script prefixes glued before it (و ال ب ل ک: "والسورية"), endings allowed by
the rules after it (Russian cases "Ирана", Turkish "İranlı", Arabic "السوريين",
English plurals "Syrians"), and Chinese, which has no spaces at all. Case rules
come from how the alias is written: "US" only in capitals, "Chad" capitalised,
"iranien" in any case. No regular expression ever runs over the input text.

Speed: every key starts with a space and the scanned text has its punctuation
turned into spaces, so the automaton leaves its root only at word starts (its root
has one child instead of hundreds). Arabic keys are stored once per allowed prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import ahocorasick

from dyad.core import scan_copy
from dyad.core.aliases import Alias
from dyad.core.latin_scan import RustScan
from dyad.core.text import fold, scan_form, strip_accents

MAX_SUFFIX = 7
_PERSIAN_LETTERS = "پچژگ"


# Letters from most to least common in running text, per script.
_FREQUENT = (
    " etaoinsrhldcumfpgwybvkxjqzéèàüöçşığ"
    + "ایلنمورهبتدعفسقکحجشصطزخثذضغظپچژگئ"
    + ("оеаинтсрвлкмдпуяызьбгчйхжшюцщэф")
)
_RANK = {ch: i for i, ch in enumerate(_FREQUENT)}


def _frequency_order(keys: Iterable[str]) -> list[str]:
    """Keys sorted by their letters' ranks (rarer letters after, by code point)."""
    rank = dict(_RANK)
    for ch in set().union(*keys) - rank.keys():
        rank[ch] = 1000 + ord(ch)
    return sorted(keys, key=lambda key: list(map(rank.__getitem__, key)))


# str.isalnum for one character is exactly [^\W_] (checked on every code point).
_RUN = re.compile(r"[^\W_]*").match

# A match is a plain tuple (a NamedTuple costs a second allocation per hit, the hot path):
# (start, end, alias, prefix): end is after any allowed ending; prefix holds the
# Arabic-script letters glued before the alias ("وال"), or "".
Match = tuple[int, int, Alias, str]
START: Final = 0
END: Final = 1
ALIAS: Final = 2
PREFIX: Final = 3


@dataclass(frozen=True, slots=True)
class Found:
    folded: str  # the text folded, offset for offset
    breaks: str  # folded with ".", "!" and "?" as newlines (text.mark_breaks)
    scan: str  # " " + folded with separators as spaces: scan[i + 1] is folded[i]
    matches: list[Match]
    vetoes: set[str]


class Index:
    """One automaton per script (a small root fan-out is what makes the scan fast);
    space-led keys for spaced scripts, bare keys for Chinese and Japanese."""

    def __init__(
        self,
        table: dict[str, tuple[Alias, ...]],
        prefixes: frozenset[str],
        veto_words: Iterable[str],
    ) -> None:
        staged: dict[str, dict[str, tuple[int, int, tuple[Alias, ...]]]] = {
            s: {} for s in ("latn", "arab", "cyrl", "han")
        }
        for key, aliases in table.items():
            script = aliases[0].script
            if script == "han":
                staged[script][key] = (len(key), 0, aliases)
                continue
            body = scan_form(key)
            staged[script][" " + body] = (len(body) + 1, 0, aliases)
            for p in prefixes if script == "arab" else ():
                staged[script].setdefault(f" {p}{body}", (len(body) + len(p) + 1, len(p), aliases))
        for word in veto_words:
            staged["latn"].setdefault(" " + scan_form(word), (len(word) + 1, 0, ()))
        self.automata: dict[str, ahocorasick.Automaton] = {}
        for script, keys in staged.items():
            automaton = ahocorasick.Automaton()
            # A trie node finds its child by a linear scan in insertion order: inserting keys
            # with common letters first makes the usual lookups short.
            for key in _frequency_order(keys):
                length, pre, aliases = keys[key]
                case = aliases[0].case if aliases else ""  # the first alias's, for the fast path
                automaton.add_word(key, (length, pre, aliases, _shorter(keys, key, pre), case))
            if keys:
                automaton.make_automaton()
                self.automata[script] = automaton
        latin = self.automata.get("latn")
        self.latin = RustScan(latin) if latin is not None else None

    def scripts(self, folded: str) -> list[str]:
        """The automata worth running on this text (cheap presence tests)."""
        return [s for s in scan_copy.scripts(folded) if s in self.automata]


def _shorter(
    keys: dict[str, tuple[int, int, tuple[Alias, ...]]], key: str, pre: int
) -> tuple[tuple[int, tuple[Alias, ...]], ...]:
    """Shorter keys that start like `key` (same prefix), longest first: what to try when
    `key` matched but failed on what follows it."""
    found = []
    for k in range(len(key) - 1, pre + 1, -1):
        other = keys.get(key[:k])
        if other is not None and other[2] and other[1] == pre:
            found.append((k, other[2]))
    return tuple(found)


def find(index: Index, text: str, folded: str = "") -> Found:
    """Every alias in `text`; `folded` is fold(text) when the caller has it already."""
    if len(folded) != len(text):
        folded = fold(text)
    scripts = index.scripts(folded)
    breaks, scan = scan_copy.forms(folded, "arab" in scripts)
    # Persian glues no prefixes ("بیابان" is not ب + یابان): Persian letters switch them off.
    persian = not folded.isascii() and any(ch in folded for ch in _PERSIAN_LETTERS)
    matches: list[Match] = []
    vetoes: set[str] = set()
    for script in scripts:
        automaton = index.automata[script]
        if script == "han":
            matches.extend(_find_cjk(automaton, folded))
            continue
        hits = index.latin.hits(scan) if script == "latn" and index.latin else None
        if hits is None:
            hits = automaton.iter_long(scan)
        _find_spaced(hits, text, folded, scan, persian, matches, vetoes)
    if len(scripts) > 1:
        matches.sort()
    return Found(folded, breaks, scan, matches, vetoes)


def _find_spaced(
    hits: Iterable[tuple[int, Any]],  # (last character, payload), as iter_long gives them
    text: str,
    folded: str,
    scan: str,
    persian: bool,
    matches: list[Match],
    vetoes: set[str],
) -> None:
    n = len(folded)
    append = matches.append
    for last, (length, pre, aliases, shorter, case) in hits:
        start = last - length + 1  # index in `folded` of the word (prefix included)
        if not aliases:  # a context word that vetoes an ambiguous alias ("Atlanta")
            vetoes.add(folded[start:last])
            continue
        # No ending after the alias: the text ends, or a separator (a space in `scan`,
        # where scan[last + 1] is folded[last]) or another non-alphanumeric follows.
        if last == n or scan[last + 1] == " " or not folded[last].isalnum():
            if not pre:
                # Fast path, most hits: a whole word, no prefix, no ending: only case to
                # check, and most often the first alias fits.
                if case == "any" or (
                    text[start].isupper() if case == "title" else text[start:last].isupper()
                ):
                    append((start, last, aliases[0], ""))
                else:
                    _find_cased(text, folded, start, last, aliases, shorter, matches)
                continue
            if persian:
                continue
            if case == "any":  # a prefixed whole word ("والسوریه"): no case, no ending
                append((start + pre, last, aliases[0], folded[start : start + pre]))
                continue
        elif pre and persian:
            continue
        match = _fit(text, folded, start + pre, last, aliases, folded[start : start + pre], n)
        if match is not None:
            append(match)
        elif shorter:
            _find_shorter(text, folded, start, pre, shorter, matches)


def _find_cased(
    text: str,
    folded: str,
    start: int,
    last: int,
    aliases: tuple[Alias, ...],
    shorter: tuple[tuple[int, tuple[Alias, ...]], ...],
    matches: list[Match],
) -> None:
    """A whole word whose first alias wants another case: the first alias that fits,
    else a shorter key at the same place."""
    for alias in aliases[1:]:
        if alias.case == "any" or (
            text[start].isupper() if alias.case == "title" else text[start:last].isupper()
        ):
            matches.append((start, last, alias, ""))
            return
    if shorter:
        _find_shorter(text, folded, start, 0, shorter, matches)


def _find_shorter(
    text: str,
    folded: str,
    start: int,
    pre: int,
    shorter: tuple[tuple[int, tuple[Alias, ...]], ...],
    matches: list[Match],
) -> None:
    """The longest key failed on what follows it ("الإيرانية" is not "ایرانی" + "ه" for a
    name): a shorter key at the same place may still fit ("ایران" + "یه")."""
    prefix = folded[start : start + pre]
    for k, aliases in shorter:
        match = _fit(text, folded, start + pre, start + k - 1, aliases, prefix, len(folded))
        if match is not None:
            matches.append(match)
            return


def _find_cjk(automaton: ahocorasick.Automaton, folded: str) -> list[Match]:
    return [
        (last - length + 1, last + 1, aliases[0], "")
        for last, (length, _, aliases, _, _) in automaton.iter_long(folded)
    ]


@lru_cache(maxsize=4096)
def _plain(suffix: str) -> str:
    return strip_accents(suffix)  # endings repeat across articles: "'s", "ын", "ların"


def _run_end(folded: str, end: int, limit: int) -> int:
    """Where the alphanumeric run from folded[end] stops, at `limit` at the latest."""
    run = folded[end:limit]
    if run.isalnum() or not run:
        return limit
    return _RUN(folded, end, limit).end()  # type: ignore[union-attr]


def _fit(
    text: str, folded: str, start: int, end: int, aliases: tuple[Alias, ...], prefix: str, n: int
) -> Match | None:
    # The alphanumeric run after the alias, at most one past MAX_SUFFIX long.
    stop = _run_end(folded, end, min(n, end + MAX_SUFFIX + 1))
    if stop - end > MAX_SUFFIX:
        return None
    suffix = folded[end:stop]
    segment = text[start:end]
    for alias in aliases:
        if alias.case != "any" and not (
            segment.isupper() if alias.case == "upper" else segment[:1].isupper()
        ):
            continue
        if suffix and suffix not in alias.suffixes and _plain(suffix) not in alias.suffixes:
            continue
        return (start, stop, alias, prefix)
    return None
