"""Alias records and the matching rules, as read from the gazetteer data files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dyad.core.text import fold, normalise, scan_form

KINDS = (
    "name", "official", "demonym", "capital", "city", "region", "institution", "leader", "idiom"
)  # fmt: skip


def script_of(text: str) -> str:
    for ch in text:
        if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff":
            return "arab"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrl"
        if "\u4e00" <= ch <= "\u9fff" or "\u3040" <= ch <= "\u30ff":
            return "han"
    return "latn"


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """How an ambiguous alias is resolved (see rules.json, "ambiguous")."""

    not_prev: frozenset[str] = frozenset()  # phrases of 1-3 words, folded, no punctuation
    not_next: frozenset[str] = frozenset()
    veto: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    person: bool = False
    support_free: bool = False
    otherwise: str | None = None  # the country meant when context refuses this one
    confirm_only: bool = False  # counts only for a country the article names otherwise


@dataclass(frozen=True, slots=True)
class Alias:
    code: str
    kind: str
    text: str
    lang: str = "*"
    case: str = "any"  # "upper": acronym, "title": capital initial, "any"
    script: str = "latn"
    suffixes: frozenset[str] = frozenset()
    ambiguity: Ambiguity | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    prefixes: dict[str, frozenset[str]]
    suffixes: dict[str, frozenset[str]]
    ambiguous: dict[str, Ambiguity]
    actor: frozenset[str]
    passing: frozenset[str]
    location_prev: frozenset[str]
    connectors: frozenset[str]
    between: frozenset[str]
    pair_phrases: tuple[str, ...] = ()
    languages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    veto_words: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, doc: dict[str, Any]) -> Rules:
        def words(xs: Iterable[str]) -> frozenset[str]:
            return frozenset(fold(normalise(x)) for x in xs)

        amb = {normalise(k): _ambiguity(v) for k, v in doc.get("ambiguous", {}).items()}
        cues = doc.get("cues", {})
        return cls(
            prefixes={k: words(v) for k, v in doc.get("prefixes", {}).items()},
            suffixes={k: words(v) for k, v in doc.get("suffixes", {}).items()},
            ambiguous=amb,
            actor=words(cues.get("actor", ())),
            passing=words(cues.get("passing", ())),
            location_prev=words(cues.get("location_prev", ())),
            connectors=words(cues.get("connectors", ())),
            between=words(cues.get("between", ())),
            pair_phrases=tuple(words(cues.get("pair_phrases", ()))),
            languages={k: tuple(v) for k, v in doc.get("languages", {}).items()},
            veto_words=frozenset(fold(w) for a in amb.values() for w in a.veto),
        )


def _ambiguity(spec: dict[str, Any]) -> Ambiguity:
    return Ambiguity(
        not_prev=frozenset(_phrase(x) for x in spec.get("not_prev", ())),
        not_next=frozenset(_phrase(x) for x in spec.get("not_next", ())),
        veto=tuple(spec.get("veto", ())),
        codes=tuple(spec.get("codes", ())),
        person=bool(spec.get("person", False)),
        support_free=bool(spec.get("support_free", False)),
        otherwise=spec.get("otherwise"),
        confirm_only=bool(spec.get("confirm_only", False)),
    )


def _phrase(text: str) -> str:
    """A context phrase as the matcher sees words: folded, punctuation as spaces."""
    return " ".join(scan_form(fold(normalise(text))).split())


def case_of(text: str) -> str:
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return "upper"
    if letters and text[0].isupper():
        return "title"
    return "any"
