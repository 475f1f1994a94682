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
"""

from __future__ import annotations

from typing import NamedTuple

from dyad.core.aliases import Ambiguity, Rules
from dyad.core.matching import Found, Match

ACTOR_WEIGHT = 1.5
PASSING_WEIGHT = 0.35
WINDOW = 32
CONTEXT_MENTIONS = 4
HYPHENS = frozenset({"-", "–", "‑", "/", "-to-"})


class Mention(NamedTuple):
    code: str
    start: int
    end: int
    kind: str
    role: float  # ACTOR_WEIGHT, PASSING_WEIGHT or 1.0
    prefix: str = ""


def resolve(found: Found, text: str, rules: Rules) -> list[Mention]:
    """The matches that count as countries, each with its code and role weight.

    Context is read for the first CONTEXT_MENTIONS mentions of a country only: later
    ones of an already well-attested country change nothing but its count.
    """
    supported = {m.alias.code for m in found.matches if m.alias.ambiguity is None}
    seen: dict[str, list[float]] = {}  # code -> [mentions read in context, sum of roles]
    mentions: list[Mention] = []
    scan = found.scan
    actor, passing = rules.actor, rules.passing
    for i, m in enumerate(found.matches):
        code = m.alias.code
        amb = m.alias.ambiguity
        tally = seen.get(code)
        if amb is None and tally is not None and tally[0] >= CONTEXT_MENTIONS:
            # Enough context read for this country: later mentions take its mean role.
            role = tally[1] / tally[0]
            mentions.append(Mention(code, m.start, m.end, m.alias.kind, role, m.prefix))
            continue
        prev, nxt = _prev_word(scan, m.start - len(m.prefix)), _next_word(scan, m.end)
        if amb is not None:
            resolved = _disambiguate(found, i, amb, supported, text, rules, prev, nxt)
            if resolved is None:
                continue
            code = resolved
        role = 1.0
        if prev in actor or nxt in actor:
            role = ACTOR_WEIGHT
        elif nxt in passing or prev in passing:
            role = PASSING_WEIGHT
        tally = seen.setdefault(code, [0.0, 0.0])
        tally[0] += 1
        tally[1] += role
        mentions.append(Mention(code, m.start, m.end, m.alias.kind, role, m.prefix))
    return mentions


def _disambiguate(
    found: Found,
    i: int,
    amb: Ambiguity,
    supported: set[str],
    text: str,
    rules: Rules,
    prev: str,
    nxt: str,
) -> str | None:
    m = found.matches[i]
    code = next((c for c in amb.codes if c in supported), amb.codes[0] if amb.codes else None)
    code = code or m.alias.code
    if amb.not_prev and _ends_with(
        _words_before(found.scan, m.start - len(m.prefix)), amb.not_prev
    ):
        return None
    if amb.not_next and _starts_with(_words_after(found.scan, m.end), amb.not_next):
        return None
    if amb.person and _looks_like_person(found, i, text, rules, nxt):
        return None
    if code in supported:
        return code
    if amb.veto and found.vetoes:
        return None
    if amb.support_free or prev in rules.location_prev or _in_own_language(found, m, rules):
        return code
    if prev in rules.actor or nxt in rules.actor or _linked(found, i, rules):
        return code
    return None


def _in_own_language(found: Found, m: Match, rules: Rules) -> bool:
    """A lower-case alias of one language ("china" in Spanish) in a text of that language."""
    markers = rules.languages.get(m.alias.lang, ())
    return sum(w in found.folded for w in markers) >= 2


def _looks_like_person(found: Found, i: int, text: str, rules: Rules, nxt: str) -> bool:
    """'Jordan Peterson', 'Chad Smith': a capitalised word follows that is no cue."""
    m = found.matches[i]
    k = m.end
    while k < len(text) and text[k] == " ":
        k += 1
    if k == m.end or k >= len(text) or not text[k].isupper() or nxt in rules.actor:
        return False
    return not any(o.start == k for o in found.matches)


def _linked(found: Found, i: int, rules: Rules) -> bool:
    ms = found.matches
    left = i > 0 and connected(found.folded, ms[i - 1], ms[i], rules)
    return left or (i + 1 < len(ms) and connected(found.folded, ms[i], ms[i + 1], rules))


def connected(folded: str, a: Match | Mention, b: Match | Mention, rules: Rules) -> bool:
    """True when only a connector stands between two mentions ("Iran and Syria")."""
    gap = b.start - a.end
    if gap > 12:
        return False
    raw = folded[a.end : b.start]
    if raw in HYPHENS:  # a compound ("Iran-Syria"), not a dash between clauses (" - ")
        return True
    between = raw.strip()
    if between == "":
        return gap > 0 and b.prefix.startswith("و")
    return between in rules.connectors


def _prev_word(scan: str, start: int) -> str:
    """The word before folded[start:] (scan is offset by one and has no punctuation)."""
    words = scan[max(0, start - WINDOW) : start + 1].split()
    return words[-1] if words and not scan[start].isalnum() else ""


def _next_word(scan: str, end: int) -> str:
    """The word after folded[:end], skipping an English possessive ("Iran's minister")."""
    words = scan[end + 1 : end + WINDOW].split(maxsplit=2)
    if words and words[0] == "s" and scan[end + 1] == " ":
        words = words[1:]
    return words[0] if words else ""


def _words_before(scan: str, start: int) -> list[str]:
    return scan[max(0, start - WINDOW) : start + 1].split()[-3:]


def _words_after(scan: str, end: int) -> list[str]:
    words = scan[end + 1 : end + WINDOW].split(maxsplit=3)[:3]
    return words[1:] if words and words[0] == "s" and scan[end + 1] == " " else words


def _ends_with(words: list[str], phrases: frozenset[str]) -> bool:
    return any(" ".join(words[-k:]) in phrases for k in range(1, len(words) + 1))


def _starts_with(words: list[str], phrases: frozenset[str]) -> bool:
    return any(" ".join(words[:k]) in phrases for k in range(1, len(words) + 1))
