"""Text normalisation and boilerplate stripping, shared by dedup and the classifiers.

A `Document` holds the article cut into the parts the classifiers weigh
differently (title, lead, body), with site chrome removed: related-headline
blocks ("Latest news", "اقرأ أيضاً", "Читайте также"...), runs of headline-like
lines, share-button rows, licence footers and navigation crumbs. The method is
general: line shape (prose ends in a full stop, headlines do not), runs of such
lines, and marker phrases in every language we read (data/gazetteer/boilerplate.json),
also found inside a long line when scrapers glue the footer to the last paragraph.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dyad.core.boilerplate import Markers

BOILERPLATE_FILE = Path(__file__).resolve().parents[1] / "data" / "gazetteer" / "boilerplate.json"

# Arabic-script variants folded to one form, so that "ي/ی" and "ك/ک" match alike; curly
# quotes made plain. Pairs of single characters: str.replace is far faster than translate.
_CHAR_FOLD = (
    ("\u064a", "\u06cc"),  # ARABIC YEH -> FARSI YEH
    ("\u0649", "\u06cc"),  # ALEF MAKSURA -> FARSI YEH
    ("\u0643", "\u06a9"),  # ARABIC KAF -> KEHEH
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u02bc", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
)
# For matching only: hamza seats, teh marbuta and yo folded too (one char for one char).
_MATCH_FOLD = (
    ("\u0623", "\u0627"),  # أ -> ا
    ("\u0625", "\u0627"),  # إ -> ا
    ("\u0622", "\u0627"),  # آ -> ا
    ("\u0671", "\u0627"),  # ٱ -> ا
    ("\u0629", "\u0647"),  # ة -> ه
    ("\u0451", "\u0435"),  # ё -> е
    *_CHAR_FOLD[:3],
)
# Removed outright: tatweel, joiners and bidi controls, BOM, harakat and other marks.
_DROP = (
    "\u0640\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u0300-\u036f\u0483-\u0489"
    "\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff"
)
_DROP_RE = re.compile(f"[{_DROP}]")
# Blanks other than the plain space (ZWNJ separates Persian morphemes: "بی‌توجهی", so a
# space keeps the word apart) and control characters: each run of them, with the
# spaces after it, becomes one space; the newline stays.
_BLANK = "\t\r\f\v\u00a0\u1680\u2000-\u200c\u2028\u2029\u202f\u205f\u3000"
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SPECIAL_RE = re.compile(f"[{_DROP}{_BLANK}{_CONTROL}][ {_DROP}{_BLANK}{_CONTROL}]*")
_DROP_CHARS = "".join(ch for ch in map(chr, range(0x10000)) if _DROP_RE.match(ch))
_ASCII_CONTROL = "\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_ASCII_SPECIAL_RE = re.compile(f"[{_ASCII_CONTROL}][ {_ASCII_CONTROL}]*")
_SPACES_RE = re.compile("  +")
# Bytes of an ASCII text that need no care (printable characters and the newline).
_ASCII_PLAIN = bytes([10, *range(32, 127)])
# Characters that end a word; in the scanned copy they all become spaces.
SEPARATORS = "\n-('\"/«“„—–‘’[],.:;!?»”)*|•·"


def normalise(text: str) -> str:
    """NFKC, folded Arabic-script variants, no marks or controls, plain quotes, one space.

    Deterministic and linear (a few C-level passes): dedup fingerprints rely on it.
    A run of blanks, controls and marks becomes one space, or nothing when it holds
    marks only; one regular-expression pass finds them all, and most texts need no
    more than that (plain ASCII needs less).
    """
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        if text.encode().translate(None, _ASCII_PLAIN):
            text = _ASCII_SPECIAL_RE.sub(" ", text)
    else:
        text = _replace_all(text, _CHAR_FOLD)
        if "\u200c" in text:  # Persian has many: a blank like any other, but cheaper here
            text = text.replace("\u200c", " ")
        text = _SPECIAL_RE.sub(_special, text)
    if "  " in text:
        text = _SPACES_RE.sub(" ", text)
    return text.strip()


def _special(match: re.Match[str]) -> str:
    # Marks alone vanish; a run holding a blank or a control is one space.
    return " " if match[0].strip(_DROP_CHARS) else ""


def fold(text: str) -> str:
    """Lower case and unified Arabic-script letters, one output character per input one."""
    folded = text.replace("İ", "i").lower()
    if len(folded) != len(text):  # a rare letter whose lower case is longer
        folded = "".join(ch.lower()[:1] or ch for ch in text.replace("İ", "i"))
    if not folded.isascii():
        folded = _replace_all(folded, _MATCH_FOLD)
    return folded


def _replace_all(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for src, dst in pairs:
        if src in text:
            text = text.replace(src, dst)
    return text


def scan_form(folded: str) -> str:
    """Word separators as spaces, offset for offset: the text the automaton scans."""
    if folded.isascii():  # one C-level pass over the bytes
        return folded.encode().translate(_ASCII_SCAN).decode()
    for ch in SEPARATORS:
        if ch in folded:
            folded = folded.replace(ch, " ")
    return folded


_ASCII_SEPARATORS = bytes(c for c in range(128) if chr(c) in SEPARATORS)
_ASCII_SCAN = bytes.maketrans(_ASCII_SEPARATORS, b" " * len(_ASCII_SEPARATORS))
# Sentence ends that are also separators: marked as newlines before the scan form is
# made (which turns them into spaces all the same), so one str.find tells whether two
# offsets share a sentence. The other sentence ends ("؟", "。") are no separators.
SENTENCE_BREAKS = ".!?"


def mark_breaks(folded: str) -> str:
    """folded with '.', '!' and '?' as newlines, offset for offset."""
    for ch in SENTENCE_BREAKS:
        if ch in folded:
            folded = folded.replace(ch, "\n")
    return folded


def strip_accents(text: str) -> str:
    """é -> e, ş -> s, ı -> i: the spelling scrapers and keyboards often fall back to."""
    decomposed = unicodedata.normalize("NFD", text.replace("ı", "i"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Document:
    """Normalised article text in weighted parts; boilerplate is already gone."""

    title: str
    lead: str
    body: str
    removed: int = 0  # characters dropped as boilerplate
    # fold(f"{title}\n{lead}\n{body}"), made from the lines folded for the boilerplate
    # pass ("" when not given: readers fold the text then).
    folded: str = ""

    @property
    def full(self) -> str:
        return "\n".join(p for p in (self.title, self.lead, self.body) if p)

    @property
    def text(self) -> str:
        """Title, lead and body, one per line (empty parts too): `folded`'s offsets."""
        return f"{self.title}\n{self.lead}\n{self.body}"


def make_document(title: str, body: str) -> Document:
    # One normalisation pass and one fold for the whole body (newlines survive both).
    from dyad.core.boilerplate import clean_pairs  # local: boilerplate needs text helpers

    # Lower case looks at no context across a line break: folding the text at once gives
    # every line folded (fold keeps every offset).
    text = normalise(body)
    lines = [line.strip() for line in text.split("\n")]
    keys = [key.strip() for key in fold(text).split("\n")]
    kept = clean_pairs(lines, keys, _markers())
    kept_lines, kept_keys = [line for line, _ in kept], [key for _, key in kept]
    removed = sum(map(len, lines)) - sum(map(len, kept_lines))
    title = normalise(title)
    lead, rest, folded_lead, folded_rest = _split_lead("\n".join(kept_lines), "\n".join(kept_keys))
    if "\u03a3" in text or "\u03a3" in title:
        # Lower-case sigma depends on the next letter, which a cut line may have lost.
        folded = fold(f"{title}\n{lead}\n{rest}")
    else:
        folded = f"{fold(title)}\n{folded_lead}\n{folded_rest}"
    return Document(title=title, lead=lead, body=rest, removed=removed, folded=folded)


_LEAD_BREAK = re.compile(r"(?<=[.!?؟])\s+")


def _split_lead(body: str, folded: str) -> tuple[str, str, str, str]:
    """The lead is the first paragraph, or the first two sentences of a one-block body;
    then the rest; then both cut the same way from `folded` (body folded)."""
    first, _, rest = body.partition("\n")
    if rest and len(first) >= 60:
        return first, rest, folded[: len(first)], folded[len(first) + 1 :]
    breaks = list(itertools.islice(_LEAD_BREAK.finditer(body), 2))
    if len(breaks) < 2:
        return body, "", folded, ""
    (s1, e1), (s2, e2) = breaks[0].span(), breaks[1].span()
    return (
        f"{body[:s1]} {body[e1:s2]}",
        body[e2:],
        f"{folded[:s1]} {folded[e1:s2]}",
        folded[e2:],
    )


def strip_boilerplate(lines: list[str], keys: list[str] | None = None) -> list[str]:
    """The lines of prose, without chrome; each line already normalised, `keys` folded."""
    from dyad.core.boilerplate import clean_lines  # local: boilerplate needs text helpers

    keys = [fold(line) for line in lines] if keys is None else keys
    return clean_lines(lines, keys, _markers())


@cache
def _markers() -> Markers:
    from dyad.core.boilerplate import Markers

    doc = json.loads(BOILERPLATE_FILE.read_text("utf-8"))

    def phrases(kind: str) -> tuple[str, ...]:
        return tuple(sorted({fold(normalise(p)) for p in doc[kind]}, key=len, reverse=True))

    return Markers(
        # Block headings are compared word by word, punctuation aside.
        block=frozenset(" ".join(scan_form(fold(normalise(p))).split()) for p in doc["block"]),
        share=frozenset(phrases("share")),
        licence=phrases("licence"),
        glued=phrases("glued"),
    )
