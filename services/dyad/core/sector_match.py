"""Finding taxonomy terms in an article: one automaton pass, whole words, sentence by sentence.

The parts (headline, lead, body) are folded to lower case with punctuation
turned into spaces (plain `str.replace`, far cheaper than a regex substitution)
and sentence ends turned into a newline token, then joined, so that every key
can demand a word start (its leading space) and no phrase runs across two
sentences. This is the hot path: tuples, no per-match objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dyad.core.sector_lexicon import ANY, NEUTRAL, Entry, Taxonomy

# One C-level pass on UTF-8 bytes: sentence ends become a newline token, line
# breaks and other ASCII punctuation a space (a multi-character pattern would
# cost a scan of the whole text each). The few non-ASCII marks go by
# single-character str.replace, only when present.
_ASCII_ENDS = b".!?;"
_ASCII_PUNCT = b"\n\r\t,:\"'()[]{}<>/\\|*%&+=#@$-_~^`"
_ASCII_TABLE = bytes.maketrans(
    _ASCII_ENDS + _ASCII_PUNCT, b"\n" * len(_ASCII_ENDS) + b" " * len(_ASCII_PUNCT)
)
_WIDE = {"؟": " \n ", "؛": " \n ", "…": " \n ", "。": " \n "} | dict.fromkeys("،«»–—„‚•·‹›", " ")
# Arabic-script text has no letter case: lower() is skipped for it.
_CASELESS = re.compile("[\u0600-\u06ff]")

Hit = tuple[int, int, Entry]  # start, stop (end of the word), entry
_PART_BREAK = " . \x01 "  # between headline, lead and body: ends a sentence, marks the part


def prepare(text: str) -> str:
    """Lower-cased, punctuation-free text with a newline at sentence ends, padded with spaces."""
    t = text if _CASELESS.search(text, 0, 64) else text.lower()
    if not t.isascii():
        if "\u0307" in t:  # Turkish dotted capital I lowers to i + combining dot
            t = t.replace("i\u0307", "i")
        if "ё" in t:
            t = t.replace("ё", "е")
        for ch, by in _WIDE.items():
            if ch in t:
                t = t.replace(ch, by)
    return f" {t.encode().translate(_ASCII_TABLE).decode()} \n "


def sentences(taxonomy: Taxonomy, parts: tuple[str, ...]) -> Iterator[tuple[int, str, list[Hit]]]:
    """(part index, joined text, accepted hits) for every sentence with a term in it."""
    t = prepare(_PART_BREAK.join(parts))
    bounds = [t.find("\x01"), t.find("\x01", t.find("\x01") + 1), len(t)]
    found: list[Hit] = []
    part, covered = 0, False
    next_break = t.find("\n")
    for end, (length, entries, covers) in taxonomy.automaton.iter(t):
        start = end - length + 1
        if start > next_break:  # a new sentence: hand over the last one
            if found:
                yield part, t, _uncovered(found) if covered else found
                found, covered = [], False
            while 0 <= next_break < start:
                next_break = t.find("\n", next_break + 1)
            while 0 <= bounds[part] <= start:
                part += 1
        stop = end + 1
        if t[stop] == " " or t[stop] == "\n":  # the word ends with the key: every sense fits
            for entry in entries:
                found.append((start, stop, entry))
            covered = covered or covers
            continue
        stop = t.find(" ", stop)
        cut = t.find("\n", end + 1, stop)
        if cut >= 0:
            stop = cut
        suffix = t[end + 1 : stop]
        for entry in entries:
            if entry.endings is ANY or suffix in entry.endings:
                found.append((start, stop, entry))
                covered = covered or entry.covers
    if found:
        yield part, t, _uncovered(found) if covered else found


def _uncovered(hits: list[Hit]) -> list[Hit]:
    """Drop terms inside a longer phrase or inside a neutral span ('trade union'), and neutrals."""
    for c in [h for h in hits if h[2].covers]:
        c_start, c_stop, c_entry = c
        neutral = c_entry.sector == NEUTRAL
        hits = [
            h
            for h in hits
            if h is c
            or h[0] < c_start
            or h[1] > c_stop
            or not (neutral or c_stop - c_start > h[1] - h[0])
        ]
    return [h for h in hits if h[2].sector != NEUTRAL]
