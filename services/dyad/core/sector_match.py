"""Finding taxonomy terms in an article: one automaton pass, whole words, sentence by sentence.

The parts (headline, lead, body) are folded to lower case with punctuation
turned into spaces (plain `str.replace`, far cheaper than a regex substitution)
and sentence ends turned into a newline token, then joined, so that every key
can demand a word start (its leading space) and no phrase runs across two
sentences. This is the hot path: tuples, no per-match objects.
"""

from __future__ import annotations

import re

from dyad.core.sector_lexicon import ANY_BYTES, Taxonomy
from dyad.core.sector_model import BEST, FOCUS, SENTENCES, Tally, new_tally

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

Evidence = dict[int, list[tuple[float, bytes]]]  # sector -> (-weight, first match, UTF-8)
_PART_BREAK = " . \x01 "  # between headline, lead and body: ends a sentence, marks the part


def prepare(text: str) -> bytes:
    """Lower-cased, punctuation-free UTF-8 with a newline at sentence ends, padded with spaces."""
    t = text if _CASELESS.search(text, 0, 64) else text.lower()
    if not t.isascii():
        if "\u0307" in t:  # Turkish dotted capital I lowers to i + combining dot
            t = t.replace("i\u0307", "i")
        if "ё" in t:
            t = t.replace("ё", "е")
        for ch, by in _WIDE.items():
            if ch in t:
                t = t.replace(ch, by)
    return b" " + t.encode().translate(_ASCII_TABLE) + b" \n "


def tally(
    taxonomy: Taxonomy, parts: tuple[str, ...], decay: list[float], list_size: int, full: float
) -> tuple[dict[int, Tally], Evidence]:
    """Per-sector tallies of one article and, per sector, its terms' first matched texts.

    A term's gain is its weight x decay[n] for its n-th repeat x list damping
    (a sentence naming more than `list_size` sectors is an enumeration). One
    loop over the automaton's matches; a sentence is settled when the next starts.
    """
    t = prepare(_PART_BREAK.join(parts))
    first_break = t.find(b"\x01")
    bounds = [first_break, t.find(b"\x01", first_break + 1), len(t)]
    seen: dict[str, int] = {}
    seen_get = seen.get
    first: Evidence = {}
    # Per sentence, its part and sector -> weight; settled after the loop, where
    # every name is a fast local (a closure would turn them into cell lookups).
    sentences: list[tuple[int, dict[int, float]]] = []
    local: dict[int, float] = {}
    local_get = local.get
    part = 0
    steps = len(decay)
    next_break = t.find(b"\n")
    find = t.find
    senses = taxonomy.senses
    # Leftmost-longest matches: a phrase hides the words inside it ("power plant"
    # over "power"), a neutral span ("trade union") hides them and counts nothing.
    # Every key starts with its word's leading space, so `start` is that space.
    for key, start, end in taxonomy.matcher.find_matches_as_indexes(t):
        entries = senses[key]
        if not entries:  # neutral: nothing to count, the sentence settles later
            continue
        # No key holds a newline, so a match is past a sentence end when it starts past it.
        if start > next_break:  # a new sentence: settle the last one
            if local:
                sentences.append((part, local))
                local = {}
                local_get = local.get
            next_break = find(b"\n", start)
            if next_break < 0:
                next_break = len(t)
            while bounds[part] <= start:
                part += 1
        after = t[end]
        if after == 32 or after == 10:  # the word ends with the key
            stop = end
            suffix = b""
        else:
            stop = find(b" ", end)
            cut = find(b"\n", end, stop)
            if cut >= 0:
                stop = cut
            suffix = t[end:stop]
        for sector, weight, term, endings in entries:
            if endings is not ANY_BYTES and suffix not in endings:
                continue
            n = seen_get(term, 0)
            seen[term] = n + 1
            if n == 0:
                hits = first.get(sector)
                if hits is None:
                    hits = first[sector] = []
                hits.append((-weight, t[start + 1 : stop]))
            if n < steps:
                local[sector] = local_get(sector, 0.0) + weight * decay[n]
    if local:
        sentences.append((part, local))
    return _settle(sentences, list_size, full), first


def _settle(
    sentences: list[tuple[int, dict[int, float]]], list_size: int, full: float
) -> dict[int, Tally]:
    """Sum the sentences into per-sector tallies, damping enumerations."""
    tallies: dict[int, Tally] = {}
    get = tallies.get
    for part, local in sentences:
        n = len(local)
        damp = 1.0 if n <= list_size else list_size / n
        # The sentence is about the sector that carries the most weight there.
        top = max(local.values()) if n > 1 else 0.0
        for sector, raw in local.items():
            weight = raw * damp
            t = get(sector)
            if t is None:
                t = tallies[sector] = new_tally()
            t[part] += weight
            if weight > t[BEST]:
                t[BEST] = weight
            if weight >= full:
                t[SENTENCES] += 1.0
                if raw >= top:
                    t[FOCUS] += 1.0
    return tallies
