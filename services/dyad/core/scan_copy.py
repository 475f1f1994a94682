"""Which automata a text needs, and its scan copy: shortcuts for Arabic-script text.

`str.find` of one character in a text stored two bytes a character runs memchr on the
character's low byte and checks every candidate. In Arabic-script text most ASCII
punctuation (`(` 0x28 like ب, `-` 0x2D like ح, `/` 0x2F like د, `'` 0x27 like ا) and
several Cyrillic and CJK probe letters share their low byte with common letters, so
each of the forty-odd presence tests of the probes, `text.mark_breaks` and
`text.scan_form` costs a crawl of false candidates (25 µs per 4 KB article in all).
For such text: the ASCII characters present are listed by one encoding pass, and the
high bytes of the UTF-16 units tell at once that no Cyrillic or CJK letter is there.
Both give exactly what the plain tests give (tests/unit/test_countries.py).
"""

from __future__ import annotations

from dyad.core.text import SENTENCE_BREAKS, SEPARATORS, mark_breaks, scan_form

# A text holds a script if it holds one of its commonest letters.
PROBES = {"latn": "eaiont", "arab": "اله", "cyrl": "оеан", "han": "的国是在中和与了人年日のはに"}
# UTF-16 high bytes of ASCII and Latin-1 (0) and of the Arabic block (6).
_ARABIC_BLOCKS = b"\x00\x06"
_BREAKS = tuple((ch, ch.encode()) for ch in SENTENCE_BREAKS)
_NARROW = tuple(
    (ch, ch.encode()) for ch in SEPARATORS if ch.isascii() and ch not in SENTENCE_BREAKS
)
_WIDE = tuple(ch for ch in SEPARATORS if not ch.isascii())


def scripts(folded: str) -> list[str]:
    """The scripts whose probe letters the text holds, in PROBES order."""
    if folded.isascii():
        return ["latn"]
    found = [s for s in ("latn", "arab") if any(ch in folded for ch in PROBES[s])]
    if "arab" in found and not _other_blocks(folded):
        return found
    return found + [s for s in ("cyrl", "han") if any(ch in folded for ch in PROBES[s])]


def _other_blocks(folded: str) -> bytes:
    """The UTF-16 high bytes of the text other than ASCII/Latin-1 and Arabic ones."""
    return folded.encode("utf-16-be", "surrogatepass")[::2].translate(None, _ARABIC_BLOCKS)


def forms(folded: str, arabic: bool) -> tuple[str, str]:
    """(mark_breaks(folded), " " + scan_form(of that)); `arabic`: the text holds Arabic
    letters, where listing its ASCII characters first pays."""
    if not arabic:
        breaks = mark_breaks(folded)
        return breaks, " " + scan_form(breaks)
    present = folded.encode("ascii", "ignore")  # the ASCII characters, in one pass
    breaks = folded
    for ch, code in _BREAKS:
        if code in present:
            breaks = breaks.replace(ch, "\n")
    scan = breaks
    for ch, code in _NARROW:  # "\n" among them: the breaks just made count as present
        if code in present or (ch == "\n" and breaks is not folded):
            scan = scan.replace(ch, " ")
    for ch in _WIDE:
        if ch in scan:
            scan = scan.replace(ch, " ")
    return breaks, " " + scan
