"""Text normalisation and boilerplate stripping, shared by dedup and the classifiers.

A `Document` holds the article cut into the parts the classifiers weigh
differently (title, lead, body), with boilerplate blocks (related-headline
lists, "Latest news", share buttons, licence footers, navigation crumbs) removed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Arabic-script variants folded to one form, so that "ي/ی" and "ك/ک" match alike.
_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
        "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
        "\u0640": None,  # TATWEEL
        "\u200c": " ",  # ZWNJ separates Persian morphemes: treat as a space
        "\u200d": None,
        "\u200e": None,
        "\u200f": None,
        "\u202a": None,
        "\u202b": None,
        "\u202c": None,
        "\u202d": None,
        "\u202e": None,
        "\u2066": None,
        "\u2067": None,
        "\u2068": None,
        "\u2069": None,
        "\ufeff": None,
    }
)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u3000]+")


def _strip_marks(text: str) -> str:
    # Arabic harakat and other combining marks carry no meaning for matching.
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """NFKC, folded Arabic-script variants, no combining marks, plain quotes, one space."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_ARABIC_FOLD).translate(_QUOTES)
    text = _strip_marks(text)
    text = "".join(ch if ch in "\n\t" or ch.isprintable() else " " for ch in text)
    return _SPACE_RE.sub(" ", text).strip()


_BOILERPLATE_MARKERS = re.compile(
    r"^\s*(you might also like|latest news|related (news|articles|stories)|read more|more stories|"
    r"share this article|share this|follow us|most (read|popular)|tags?:|see also|"
    r"all content by .{0,60} is licensed|"
    r"اقرأ أيضا|اقرأ أيضاً|أخبار ذات صلة|آخر الأخبار|شارك|اخبار مرتبط|مطالب مرتبط|بیشتر بخوانید|"
    r"lire aussi|à lire aussi|читайте также|ayrıca bakınız|ilgili haberler|lea también|"
    r"noticias relacionadas)\b",
    re.IGNORECASE,
)
_CRUMB_RE = re.compile(r"^[^.!?]{0,80}(\s[/>»|]\s[^.!?]{0,80}){1,}$")
_LICENCE_RE = re.compile(
    r"(all content by .{0,80}? is licensed under .{0,120}?license\.?|all rights reserved\.?|"
    r"creative commons attribution[^.]{0,80}\.?)",
    re.IGNORECASE,
)


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


def strip_boilerplate(body: str) -> tuple[str, int]:
    """Drop boilerplate blocks: everything after a block marker, crumbs and licence lines."""
    kept: list[str] = []
    removed = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if _BOILERPLATE_MARKERS.match(stripped):
            # Everything from a "Latest news" / "You might also like" marker on is site chrome.
            removed += sum(len(x) for x in body.split("\n")) - sum(len(x) for x in kept)
            break
        if len(stripped) < 120 and _CRUMB_RE.match(stripped):
            removed += len(stripped)
            continue
        cleaned = _LICENCE_RE.sub("", stripped).strip()
        removed += len(stripped) - len(cleaned)
        if cleaned:
            kept.append(cleaned)
    return "\n".join(kept), removed


def _split_lead(body: str) -> tuple[str, str]:
    """The lead is the first paragraph, or the first two sentences of a one-block body."""
    first, _, rest = body.partition("\n")
    if rest and len(first) >= 60:
        return first, rest
    sentences = re.split(r"(?<=[.!?؟])\s+", body, maxsplit=2)
    if len(sentences) <= 2:
        return body, ""
    lead = " ".join(sentences[:2])
    return lead, sentences[2]


def make_document(title: str, body: str) -> Document:
    norm_lines = "\n".join(normalise(line) for line in body.split("\n"))
    cleaned, removed = strip_boilerplate(norm_lines)
    lead, rest = _split_lead(cleaned)
    return Document(title=normalise(title), lead=lead, body=rest, removed=removed)
