"""Line-shape boilerplate detection (see core.text for the overview).

Prose ends in a full stop; headlines, menus, share rows and crumbs do not. So:
- a line that is a block heading ("Latest news", "اقرأ أيضاً:", "Lire aussi") is
  dropped with every non-prose line after it, up to the next paragraph of prose;
- a run of three or more non-prose lines is a list of headlines or a menu;
- non-prose lines after the last paragraph are dropped when there are several
  or one of them is chrome;
- crumbs ("News / Syria"), share rows and licence lines go one by one;
- in a long line, a glued block heading after a sentence end cuts the rest of
  the line ("...he added. You might also like Latest news Headline Headline").
Every step is a constant number of passes over the lines: linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import ahocorasick
import ahocorasick_rs

from dyad.core.text import scan_form

_SENTENCE_END = (".", "!", "?", "؟", "。", "！", "？", ":")
_PROSE_END = _SENTENCE_END[:-1]  # a colon ends no paragraph
_TRAILERS = " \"'»”)]*"
_PUNCT = " :：-–—•|>»›·*#.()[]0123456789"
_CRUMB_SEPARATORS = (" / ", " > ", " » ", " | ", " › ", " // ")
_WORD_RE = re.compile(r"[^\s|•·/,]+")
MIN_RUN = 3
TAIL_LINES = 3
MAX_HEADING_WORDS = 5
SHORT_LINE = 120


@dataclass(frozen=True)
class Markers:
    """Marker phrases, folded (data/gazetteer/boilerplate.json)."""

    block: frozenset[str]  # block headings, word by word, punctuation aside
    share: frozenset[str]  # share-button words and phrases
    licence: tuple[str, ...]  # longest first
    glued: tuple[str, ...]  # headings found glued inside a long line, longest first

    @cached_property
    def automaton(self) -> ahocorasick.Automaton:
        """Every licence and glued phrase, found in one pass over a line: value (phrase,
        is a licence phrase, is a glued heading)."""
        automaton = ahocorasick.Automaton()
        for phrase in {*self.licence, *self.glued}:
            automaton.add_word(phrase, (phrase, phrase in self.licence, phrase in self.glued))
        automaton.make_automaton()
        return automaton

    @cached_property
    def finder(self) -> ahocorasick_rs.BytesAhoCorasick:
        """The same phrases over UTF-8 bytes, only to tell whether a line holds any: a few
        times faster than `automaton` on the (usual) line that holds none. A byte match of
        a phrase is a match of its characters (UTF-8 is self-synchronising)."""
        phrases = sorted({*self.licence, *self.glued})
        return ahocorasick_rs.BytesAhoCorasick([p.encode() for p in phrases])


def clean_lines(lines: list[str], keys: list[str], markers: Markers) -> list[str]:
    """The lines of prose; `keys` are the lines folded (core.text.fold), offset for offset."""
    return [line for line, _ in clean_pairs(lines, keys, markers)]


def clean_pairs(lines: list[str], keys: list[str], markers: Markers) -> list[tuple[str, str]]:
    """clean_lines, each kept line with its folded form (cut like the line)."""
    tail = len(lines) - lines.count("") - TAIL_LINES  # in non-empty lines
    kept: list[tuple[str, str, bool]] = []
    in_block = False
    i = -1  # index among the non-empty lines
    for line, folded in zip(lines, keys, strict=True):
        if not line:
            continue
        i += 1
        prose = is_prose(line)
        if prose:
            in_block = False
            if len(line) > SHORT_LINE and i < tail:  # a paragraph: no chrome, no footer
                kept.append((line, folded, True))
                continue
        elif in_block:
            continue
        key = folded.strip(_PUNCT)
        if not prose and _starts_block(key, markers.block):
            in_block = True
            continue
        if _is_chrome(line, key, prose, markers.share):
            continue
        # Footers glue themselves to the last lines; short lines may be licence lines.
        if i >= tail or len(line) < SHORT_LINE:
            cut = _cut_glued(line, folded, markers)
            if cut != line:
                line, folded, prose = cut, folded[: len(cut)], is_prose(cut)
        if line:
            kept.append((line, folded, prose))
    return _drop_runs(kept)


def is_prose(line: str) -> bool:
    """A paragraph of running text: it ends like a sentence, not with an ellipsis."""
    end = line.rstrip(_TRAILERS)
    if not end or end.endswith(("...", "…")):
        return False
    return end.endswith(_PROSE_END) and len(line) >= 25


def _starts_block(key: str, headings: frozenset[str]) -> bool:
    """The line is a block heading, alone or followed by a non-prose rest ("Lire aussi :
    <headline>", "Tags: Iran, Syria")."""
    words = scan_form(key).split(maxsplit=MAX_HEADING_WORDS)
    return any(" ".join(words[:k]) in headings for k in range(1, len(words) + 1))


def _is_chrome(line: str, key: str, prose: bool, share: frozenset[str]) -> bool:
    if not prose and len(line) < 120 and any(sep in line for sep in _CRUMB_SEPARATORS):
        return True
    if len(line) > SHORT_LINE:
        return False
    # A line of share words only: most lines fail on their first word.
    first = _WORD_RE.search(key)
    if first is None:
        return False
    if key in share:
        return True
    return first[0] in share and all(w in share for w in _WORD_RE.findall(key))


def _cut_glued(line: str, key: str, markers: Markers) -> str:
    """Cut a licence sentence, or a glued headline block, off the end of a line.

    A licence phrase cuts from the start of its sentence: the earliest phrase cuts most.
    A glued heading counts at its first place only, where it must follow a sentence."""
    if not markers.finder.find_matches_as_indexes(key.encode("utf-8", "surrogatepass")):
        return line.rstrip()  # no phrase: what the cut below gives then
    licence = len(line)  # earliest start of a licence phrase
    glued: dict[str, int] = {}  # heading -> its first place
    for last, (phrase, is_licence, is_glued) in markers.automaton.iter(key):
        at = last - len(phrase) + 1
        licence = min(licence, at) if is_licence else licence
        if is_glued and phrase not in glued:
            glued[phrase] = at
    cut = _sentence_start(line, licence) if licence < len(line) else len(line)
    if len(line) < 200:
        return line[:cut].rstrip()
    for at in glued.values():
        if at > 0 and _after_sentence(line, at) and not is_prose(line[at:]):
            cut = min(cut, at)
    return line[:cut].rstrip()


def _sentence_start(line: str, at: int) -> int:
    """Start of the sentence holding position `at` (after the last '. ' before it)."""
    best = 0
    for end in (". ", "! ", "? ", "؟ ", '." ', ".” "):
        k = line.rfind(end, 0, at)
        if k >= 0:
            best = max(best, k + len(end))
    return best


def _after_sentence(line: str, at: int) -> bool:
    before = line[:at].rstrip()
    return before.endswith(_SENTENCE_END) or before.rstrip(_TRAILERS).endswith(_SENTENCE_END)


def _drop_runs(lines: list[tuple[str, str, bool]]) -> list[tuple[str, str]]:
    """Drop runs of MIN_RUN+ non-prose lines, and non-prose lines trailing the last prose."""
    if all(prose for _, _, prose in lines):  # the usual article: nothing to drop
        return [(line, key) for line, key, _ in lines]
    last_prose = max((i for i, (_, _, p) in enumerate(lines) if p), default=-1)
    kept: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []  # the non-prose lines since the last prose line
    for i, (line, key, prose) in enumerate(lines):
        if not prose:
            run.append((line, key))
            continue
        if run:
            _end_run(kept, run, i - len(run), last_prose)
            run = []
        kept.append((line, key))
    if run:
        _end_run(kept, run, len(lines) - len(run), last_prose)
    return kept


def _end_run(
    kept: list[tuple[str, str]], run: list[tuple[str, str]], start: int, last_prose: int
) -> None:
    trailing = start > last_prose >= 0 and len(run) >= 2
    if not (len(run) >= MIN_RUN or trailing):
        kept.extend(run)
