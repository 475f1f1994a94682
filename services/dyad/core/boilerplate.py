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

from dyad.core.text import fold

_SENTENCE_END = (".", "!", "?", "؟", "。", "！", "？", ":")
_TRAILERS = " \"'»”)]*"
_PUNCT = " :：-–—•|>»›·*#.()[]0123456789"
_CRUMB_SEPARATORS = (" / ", " > ", " » ", " | ", " › ", " // ")
_WORD_RE = re.compile(r"[^\s|•·/,]+")
MIN_RUN = 3


def clean_lines(lines: list[str], markers: dict[str, tuple[str, ...]]) -> list[str]:
    kept: list[str] = []
    in_block = False
    for line in lines:
        if not line:
            continue
        key = fold(line).strip(_PUNCT)
        prose = is_prose(line)
        if in_block and not prose:
            continue
        in_block = False
        if not prose and _starts_block(key, markers["block"]):
            in_block = True
            continue
        if _is_chrome(line, key, prose, markers):
            continue
        line = _cut_glued(line, markers)
        if line:
            kept.append(line)
    return _drop_runs(kept)


def is_prose(line: str) -> bool:
    """A paragraph of running text: it ends like a sentence, not with an ellipsis."""
    end = line.rstrip(_TRAILERS)
    if not end or end.endswith(("...", "…")):
        return False
    return end.endswith(_SENTENCE_END[:-1]) and len(line) >= 25


def _starts_block(key: str, headings: tuple[str, ...]) -> bool:
    for heading in headings:
        if key == heading:
            return True
        if key.startswith(heading) and not key[len(heading)].isalnum():
            return True  # "Lire aussi : <headline>", "Tags: Iran, Syria"
    return False


def _is_chrome(line: str, key: str, prose: bool, markers: dict[str, tuple[str, ...]]) -> bool:
    if not prose and len(line) < 120 and any(sep in line for sep in _CRUMB_SEPARATORS):
        return True
    words = _WORD_RE.findall(key)
    share = markers["share"]
    return bool(words) and (key in share or all(w in share for w in words))


def _cut_glued(line: str, markers: dict[str, tuple[str, ...]]) -> str:
    """Cut a licence sentence, or a glued headline block, off the end of a line."""
    key = fold(line)
    cut = len(line)
    for phrase in markers["licence"]:
        at = key.find(phrase)
        if at >= 0:
            cut = min(cut, _sentence_start(line, at))
    if len(line) < 200:
        return line[:cut].rstrip()
    for heading in markers["glued"]:
        at = key.find(heading)
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


def _drop_runs(lines: list[str]) -> list[str]:
    """Drop runs of MIN_RUN+ non-prose lines, and non-prose lines trailing the last prose."""
    prose = [is_prose(line) for line in lines]
    last_prose = max((i for i, p in enumerate(prose) if p), default=-1)
    kept: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and not prose[j]:
            j += 1
        run = j - i
        trailing = i > last_prose >= 0 and run >= 2
        if run and (run >= MIN_RUN or trailing):
            i = j
            continue
        kept.extend(lines[i : max(j, i + 1)])
        i = max(j, i + 1)
    return kept
