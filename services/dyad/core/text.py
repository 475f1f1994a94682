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

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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
_DROP_RE = re.compile(
    "[\u0640\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u0300-\u036f\u0483-\u0489"
    "\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff]"
)
# ZWNJ separates Persian morphemes ("بی‌توجهی"): a space keeps the word apart.
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u1680\u2000-\u200c\u2028\u2029\u202f\u205f\u3000]+")
# Characters that end a word; in the scanned copy they all become spaces.
SEPARATORS = "\n-('\"/«“„—–‘’[],.:;!?»”)*|•·"
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def normalise(text: str) -> str:
    """NFKC, folded Arabic-script variants, no marks or controls, plain quotes, one space.

    Deterministic and linear (a few C-level passes): dedup fingerprints rely on it.
    """
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _DROP_RE.sub("", _replace_all(text, _CHAR_FOLD))
    text = _CONTROL_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


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
    for ch in SEPARATORS:
        if ch in folded:
            folded = folded.replace(ch, " ")
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

    @property
    def full(self) -> str:
        return "\n".join(p for p in (self.title, self.lead, self.body) if p)


def make_document(title: str, body: str) -> Document:
    lines = [normalise(line) for line in body.split("\n")]
    kept = strip_boilerplate(lines)
    removed = sum(map(len, lines)) - sum(map(len, kept))
    lead, rest = _split_lead("\n".join(kept))
    return Document(title=normalise(title), lead=lead, body=rest, removed=removed)


def _split_lead(body: str) -> tuple[str, str]:
    """The lead is the first paragraph, or the first two sentences of a one-block body."""
    first, _, rest = body.partition("\n")
    if rest and len(first) >= 60:
        return first, rest
    sentences = re.split(r"(?<=[.!?؟])\s+", body, maxsplit=2)
    if len(sentences) <= 2:
        return body, ""
    return " ".join(sentences[:2]), sentences[2]


def strip_boilerplate(lines: list[str]) -> list[str]:
    """The lines of prose, without chrome; each line already normalised."""
    from dyad.core.boilerplate import clean_lines  # local: boilerplate needs fold() from here

    return clean_lines(lines, _markers())


@cache
def _markers() -> dict[str, tuple[str, ...]]:
    doc = json.loads(BOILERPLATE_FILE.read_text("utf-8"))
    return {
        kind: tuple(sorted({fold(normalise(p)) for p in doc[kind]}, key=len, reverse=True))
        for kind in ("block", "glued", "share", "licence")
    }
