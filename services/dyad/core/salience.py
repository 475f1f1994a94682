"""From matches to countries in context: ambiguity, roles, links between countries.

- An ambiguous alias ("Jordan", "Turkey", "Georgia", "Chad") counts only when the
  context says so: another unambiguous alias of the same country in the article,
  a place-like word before it ("in Jordan"), an actor word next to it ("Jordan's
  foreign minister"), or a link to another country ("Syria and Jordan"); never
  when a word next to it says otherwise ("Jordan River", "Turkey sandwich").
- A mention next to an actor word ("the Syrian president", "وزير الخارجية الإيراني")
  weighs more; one next to a passing word ("US sanctions", "US-led") weighs less.
- Two mentions joined by a connector ("Iran and Syria", "Iran-Syria", "Tehran-
  Damascus", "إيران وسوريا") link the two countries: links decide the pair.
- Each country's score sums its mentions: where (title > lead > body) x kind of
  alias x role; `weigh` does it all in one pass over the matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import filterfalse
from operator import attrgetter, itemgetter

from dyad.core.aliases import Ambiguity, Rules
from dyad.core.matching import ALIAS, END, PREFIX, START, Found, Match
from dyad.core.models import Evidence

ACTOR_WEIGHT = 1.5
PASSING_WEIGHT = 0.35
WINDOW = 32
CONTEXT_MENTIONS = 4
HYPHENS = frozenset({"-", "–", "‑", "/", "-to-"})
KIND_WEIGHT = {
    "name": 1.0,
    "official": 1.0,
    "demonym": 0.8,
    "capital": 0.8,
    "city": 0.35,
    "region": 0.35,
    "institution": 0.7,
    "leader": 0.8,
    "idiom": 0.9,
}
PART_WEIGHT = {"title": 3.0, "lead": 2.0, "body": 1.0}
LINK_WEIGHT = 2.0
COOCCURRENCE_WEIGHT = 0.5
MAX_EVIDENCE = 5
# Mentions further apart than this are not taken to share a sentence.
MAX_SENTENCE_GAP = 250
MAX_LINK_GAP = 12  # a connector is short ("and", " و ", "-to-")
_OTHER_END = re.compile("[؟。]")  # sentence ends other than found.breaks' newlines
# C-level getters: the codes of the unambiguous matches without a Python loop.
_ALIAS, _CODE, _AMBIGUITY = itemgetter(2), attrgetter("code"), attrgetter("ambiguity")


@dataclass(slots=True)
class Tally:
    """One country's salience in one article."""

    score: float = 0.0
    mentions: int = 0
    evidence: list[tuple[str, str]] = field(default_factory=list)  # distinct (text, where)
    read: int = 0  # mentions whose context was read
    roles: float = 0.0  # sum of their role weights
    mean: float = 0.0  # roles / read once CONTEXT_MENTIONS were read, else 0


# Part weight x kind weight, per part: the same product the score needs first.
# Per part: its name, part weight x kind weight, and the bonus of a link and of a
# neighbouring mention there (the same products as before, computed once).
_PART_KINDS = tuple(
    (
        part,
        {kind: pw * kw for kind, kw in KIND_WEIGHT.items()},
        LINK_WEIGHT * pw,
        COOCCURRENCE_WEIGHT * pw,
    )
    for part, pw in PART_WEIGHT.items()
)


def weigh(
    found: Found, text: str, bounds: tuple[int, int], rules: Rules
) -> tuple[dict[str, Tally], dict[tuple[str, str], float]]:
    """One pass over the matches: which count, with what weight, and what joins two
    countries (explicit links, and neighbouring mentions in one sentence).

    Context is read for the first CONTEXT_MENTIONS mentions of a country only: later
    ones of an already well-attested country take its mean role.
    """
    matches = found.matches
    supported: set[str] | None = None  # countries named unambiguously, when first needed
    tallies: dict[str, Tally] = {}
    bonus: dict[tuple[str, str], float] = {}
    folded, breaks, scan = found.folded, found.breaks, found.scan
    actor, passing = rules.actor, rules.passing
    other_ends = "؟" in folded or "。" in folded
    # Matches come sorted by start: the part only moves forward.
    limits = iter((bounds[1], len(text) + 1))
    part_end = bounds[0]
    parts = iter(_PART_KINDS)
    part, weights, link, nearby = next(parts)
    last_end = -1  # end of the previous mention that counted
    last_code = last_part = ""
    get = tallies.get
    i = -1
    for start, end, alias, prefix in matches:
        i += 1
        while start >= part_end:
            part, weights, link, nearby = next(parts)
            part_end = next(limits)
        code = alias.code
        t = get(code)
        if t is None or not t.mean or alias.ambiguity is not None:
            if alias.ambiguity is None:
                role = _role(scan, start - len(prefix), end, actor, passing)
            else:
                if supported is None:
                    supported = set(map(_CODE, filterfalse(_AMBIGUITY, map(_ALIAS, matches))))
                resolved = _read(found, i, alias.ambiguity, supported, text, rules)
                if resolved is None:
                    continue
                code, role = resolved
                t = get(code)
            if t is None:
                t = tallies[code] = Tally()
            t.read += 1
            t.roles += role
            if t.read >= CONTEXT_MENTIONS:
                t.mean = t.roles / t.read
        else:
            role = t.mean
        t.score += weights[alias.kind] * role
        t.mentions += 1
        seen = t.evidence
        if len(seen) < MAX_EVIDENCE:
            item = (text[start:end], part)
            if item not in seen:
                seen.append(item)
        # Neighbouring mentions of two countries in one part: a link, or one sentence.
        if code != last_code and part is last_part and start - last_end <= MAX_SENTENCE_GAP:
            if start - last_end <= MAX_LINK_GAP and _connects(
                folded, last_end, start, prefix, rules
            ):
                add = link
            elif breaks.find("\n", last_end, start) < 0 and not (
                other_ends and _OTHER_END.search(folded, last_end, start)
            ):
                add = nearby
            else:
                add = 0.0
            if add:
                key = (last_code, code) if last_code < code else (code, last_code)
                bonus[key] = bonus.get(key, 0.0) + add
        last_end, last_code, last_part = end, code, part
    return tallies, bonus


def _read(
    found: Found, i: int, amb: Ambiguity, supported: set[str], text: str, rules: Rules
) -> tuple[str, float] | None:
    """Read an ambiguous mention's context: its country (None if it does not count) and
    role. The words around it are cut once for every test."""
    start, end, alias, prefix = found.matches[i]
    scan = found.scan
    at = start - len(prefix)
    # The last three words: as split()[-3:], without splitting the whole window.
    before = scan[at - WINDOW if at > WINDOW else 0 : at + 1].rsplit(None, 3)[-3:]
    after = _words_after(scan, end)
    prev = before[-1] if before and not scan[at].isalnum() else ""
    nxt = after[0] if after else ""
    code = _disambiguate(found, i, amb, supported, text, rules, (prev, nxt, before, after))
    if code is None:
        return None
    if prev in rules.actor or nxt in rules.actor:
        return code, ACTOR_WEIGHT
    if nxt in rules.passing or prev in rules.passing:
        return code, PASSING_WEIGHT
    return code, 1.0


_EVIDENCE: dict[tuple[str, str], Evidence] = {}
_EVIDENCE_CACHE = 8192


def evidence(item: tuple[str, str]) -> Evidence:
    """The Evidence of a tally's (text, where) item. Evidence is immutable and repeats
    across articles ("Syria", body): build it once (a dict keyed by the item itself is
    cheaper than an lru_cache here)."""
    found = _EVIDENCE.get(item)
    if found is None:
        if len(_EVIDENCE) >= _EVIDENCE_CACHE:
            _EVIDENCE.clear()
        found = _EVIDENCE[item] = Evidence(text=item[0], where=item[1])  # type: ignore[arg-type]
    return found


def _disambiguate(
    found: Found,
    i: int,
    amb: Ambiguity,
    supported: set[str],
    text: str,
    rules: Rules,
    words: tuple[str, str, list[str], list[str]],
) -> str | None:
    """The country an ambiguous mention names, or None; `words` are the word before it,
    the word after it, and up to three words on each side."""
    m = found.matches[i]
    prev, nxt, before, after = words
    code = m[ALIAS].code
    if amb.codes:
        code = amb.codes[0]
        for c in amb.codes:
            if c in supported:
                code = c
                break
    if amb.not_prev and _ends_with(before, amb.not_prev):
        return None
    if amb.not_next and _starts_with(after, amb.not_next):
        return None
    if amb.person and _looks_like_person(found, i, text, rules, nxt):
        return None
    if code in supported:
        return code
    if amb.confirm_only:
        return None
    if amb.veto and found.vetoes:
        return amb.otherwise
    if amb.support_free or prev in rules.location_prev or _in_own_language(found, m, rules):
        return code
    if prev in rules.actor or nxt in rules.actor or _linked(found, i, rules):
        return code
    return None


def _in_own_language(found: Found, m: Match, rules: Rules) -> bool:
    """A lower-case alias of one language ("china" in Spanish) in a text of that language."""
    markers = rules.languages.get(m[ALIAS].lang, ())
    return sum(w in found.folded for w in markers) >= 2


def _looks_like_person(found: Found, i: int, text: str, rules: Rules, nxt: str) -> bool:
    """'Jordan Peterson', 'Chad Smith': a capitalised word follows that is no cue."""
    end = found.matches[i][END]
    k = end
    while k < len(text) and text[k] == " ":
        k += 1
    if k == end or k >= len(text) or not text[k].isupper() or nxt in rules.actor:
        return False
    return not any(o[START] == k for o in found.matches)


def _linked(found: Found, i: int, rules: Rules) -> bool:
    ms = found.matches
    left = i > 0 and connected(found.folded, ms[i - 1], ms[i], rules)
    return left or (i + 1 < len(ms) and connected(found.folded, ms[i], ms[i + 1], rules))


def connected(folded: str, a: Match, b: Match, rules: Rules) -> bool:
    """True when only a connector stands between two mentions ("Iran and Syria")."""
    return b[START] - a[END] <= MAX_LINK_GAP and _connects(
        folded, a[END], b[START], b[PREFIX], rules
    )


def _connects(folded: str, end: int, start: int, prefix: str, rules: Rules) -> bool:
    raw = folded[end:start]
    if raw in HYPHENS:  # a compound ("Iran-Syria"), not a dash between clauses (" - ")
        return True
    between = raw.strip()
    if between == "":
        return start > end and prefix.startswith("و")
    return between in rules.connectors


def _role(scan: str, at: int, end: int, actor: frozenset[str], passing: frozenset[str]) -> float:
    """The role of an unambiguous mention from the words around it: the one before
    scan[at] (as _prev_word) and the one after folded[:end] (as _next_word)."""
    # Positional split arguments: keywords cost more than the split itself here.
    if scan[at].isalnum():
        prev = ""
    else:
        words = scan[at - WINDOW if at > WINDOW else 0 : at + 1].rsplit(None, 1)
        prev = words[-1] if words else ""
    if prev in actor:
        return ACTOR_WEIGHT
    words = scan[end + 1 : end + WINDOW].split(None, 2)
    if not words:
        nxt = ""
    elif words[0] == "s" and scan[end + 1] == " ":  # "Iran's minister"
        nxt = words[1] if len(words) > 1 else ""
    else:
        nxt = words[0]
    if nxt in actor:
        return ACTOR_WEIGHT
    return PASSING_WEIGHT if nxt in passing or prev in passing else 1.0


def _prev_word(scan: str, start: int) -> str:
    """The word before folded[start:] (scan is offset by one and has no punctuation)."""
    if scan[start].isalnum():
        return ""
    words = scan[max(0, start - WINDOW) : start + 1].rsplit(maxsplit=1)
    return words[-1] if words else ""


def _next_word(scan: str, end: int) -> str:
    """The word after folded[:end], skipping an English possessive ("Iran's minister")."""
    words = scan[end + 1 : end + WINDOW].split(maxsplit=2)
    if words and words[0] == "s" and scan[end + 1] == " ":
        words = words[1:]
    return words[0] if words else ""


def _words_after(scan: str, end: int) -> list[str]:
    words = scan[end + 1 : end + WINDOW].split(None, 3)[:3]
    return words[1:] if words and words[0] == "s" and scan[end + 1] == " " else words


def _ends_with(words: list[str], phrases: frozenset[str]) -> bool:
    """The last one, two or three of (at most three) words make a phrase."""
    n = len(words)
    return bool(
        (n and words[-1] in phrases)
        or (n > 1 and f"{words[-2]} {words[-1]}" in phrases)
        or (n > 2 and " ".join(words[-3:]) in phrases)
    )


def _starts_with(words: list[str], phrases: frozenset[str]) -> bool:
    """The first one, two or three of (at most three) words make a phrase."""
    n = len(words)
    return bool(
        (n and words[0] in phrases)
        or (n > 1 and f"{words[0]} {words[1]}" in phrases)
        or (n > 2 and " ".join(words[:3]) in phrases)
    )
