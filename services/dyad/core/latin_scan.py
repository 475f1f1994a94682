"""The Latin automaton's pass in Rust (ahocorasick-rs), with pyahocorasick's exact output.

pyahocorasick's `iter_long` walks one key's path as far as the text follows it and
keeps the longest key on that path; a key that ends inside the path but starts later
(" island" inside " faroe islands") is noticed in one case only, and then it can hide
or replace the match leftmost-longest would give. Every such case needs the walk to
stand on a "config": a trie node that is no key and has a proper suffix, from a word
start, that is a key (" faroe island"). With no config in the text, `iter_long`
returns exactly the leftmost-longest matches. So the Rust automaton holds the keys
and the configs, leftmost-longest: when no config comes out, its key matches are
pyahocorasick's (a config that another match hides is harmless: that match wins in
both); when one does, the text goes back to pyahocorasick (no article of the corpus
does). docs/countries.md has the argument; a unit test compares both on random text.

The Rust pass costs 22 to 30 µs per 4 KB of Latin text where pyahocorasick takes 34 to
39, and 12 instead of 29 over a Russian text with some Latin words. On Arabic and
Cyrillic text it is slower (the offsets are counted in characters), so those
automata stay in pyahocorasick.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import ahocorasick
import ahocorasick_rs

_PATTERN = itemgetter(0)
# Longer texts go to pyahocorasick, which yields its matches one by one: the Rust pass
# returns them all at once, and a megabyte of country names (bench_hostile) then makes
# hundreds of thousands of tuples live together, which the garbage collector walks
# again and again (twice the time of the pyahocorasick pass).
MAX_TEXT = 50_000


def configs(keys: set[str]) -> list[str]:
    """Trie nodes (proper prefixes of keys) that are no key and end with a key that
    starts at one of their inner spaces."""
    found = set()
    for key in keys:
        for p in range(1, len(key)):
            if key[p] != " ":
                continue
            for end in range(p + 2, len(key)):
                if key[p:end] in keys and key[:end] not in keys:
                    found.add(key[:end])
    return sorted(found)


class RustScan:
    """`hits(scan)` gives what `automaton.iter_long(scan)` would, or None when the text
    holds a config (then run the automaton)."""

    def __init__(self, automaton: ahocorasick.Automaton) -> None:
        items = list(automaton.items())
        keys = [key for key, _ in items]
        self.payloads: tuple[Any, ...] = tuple(value for _, value in items)
        self.keys = len(keys)
        patterns = keys + configs(set(keys))
        # The contiguous NFA: as fast as the DFA here for a tenth of its memory (3 MB).
        kind = ahocorasick_rs.MatchKind.LeftmostLongest
        nfa = ahocorasick_rs.Implementation.ContiguousNFA
        self.text = ahocorasick_rs.AhoCorasick(patterns, matchkind=kind, implementation=nfa)
        # ASCII text is searched as bytes: no offsets to convert.
        self.ascii = ahocorasick_rs.BytesAhoCorasick(
            [p.encode() for p in patterns], matchkind=kind, implementation=nfa
        )

    def hits(self, scan: str) -> list[tuple[int, Any]] | None:
        """(index of the last character, payload) of every match, as iter_long gives."""
        if len(scan) > MAX_TEXT:
            return None
        if scan.isascii():
            found = self.ascii.find_matches_as_indexes(scan.encode())
        else:
            found = self.text.find_matches_as_indexes(scan)
        if found and max(map(_PATTERN, found)) >= self.keys:
            return None
        payloads = self.payloads
        return [(end - 1, payloads[k]) for k, _, end in found]
