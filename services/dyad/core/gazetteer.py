"""The gazetteer: every alias of every country, and the rules that say when one matches.

Data lives in services/dyad/data/gazetteer/: countries.json (generated from
pycountry and CLDR by tools/build_gazetteer.py), aliases_*.json (hand-written) and
rules.json (prefixes, endings, ambiguous aliases, context cues). Operators add their
own alias files with `Gazetteer.load(extra=[...])` (setting DYAD_GAZETTEER_FILES).

Matching runs one Aho-Corasick automaton over a case- and script-folded copy of the
text that keeps every offset, so evidence is cut from the text as it stands.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from dyad.core.text import fold, normalise, strip_accents

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteer"
KINDS = ("name", "official", "demonym", "capital", "city", "institution", "leader", "idiom")
MAX_SUFFIX = 7
MAX_PREFIX = 3


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

    not_prev: tuple[str, ...] = ()
    not_next: tuple[str, ...] = ()
    veto: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    person: bool = False
    support_free: bool = False


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
            veto_words=frozenset(fold(w) for a in amb.values() for w in a.veto),
        )


def _ambiguity(spec: dict[str, Any]) -> Ambiguity:
    return Ambiguity(
        not_prev=tuple(fold(x) for x in spec.get("not_prev", ())),
        not_next=tuple(fold(x) for x in spec.get("not_next", ())),
        veto=tuple(spec.get("veto", ())),
        codes=tuple(spec.get("codes", ())),
        person=bool(spec.get("person", False)),
        support_free=bool(spec.get("support_free", False)),
    )


def _case_of(text: str) -> str:
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return "upper"
    if letters and text[0].isupper():
        return "title"
    return "any"


def _iter_entries(doc: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(code, kind, lang, text) from an alias file: kind -> [texts] or kind -> lang -> [texts]."""
    for code, entry in doc["countries"].items():
        kinds = entry.get("aliases", entry)
        for kind, value in kinds.items():
            if kind not in KINDS:
                continue
            by_lang = value if isinstance(value, dict) else {"*": value}
            for lang, texts in by_lang.items():
                for text in texts:
                    yield code, kind, lang, text


class Gazetteer:
    """Aliases of every country in one automaton, plus the matching rules."""

    def __init__(
        self, names: dict[str, str], aliases: Iterable[Alias], rules: Rules, version: str
    ) -> None:
        self.names = names
        self.rules = rules
        self.version = version
        self.automaton = ahocorasick.Automaton()
        table: dict[str, list[Alias]] = {}
        for alias in aliases:
            for key in _keys(alias):
                if len(key) >= 2 or alias.script == "han":
                    table.setdefault(key, []).append(alias)
        for word in rules.veto_words:
            table.setdefault(word, [])
        for key, found in table.items():
            # Stricter case rules first: "US" (acronym) is tried before "us" would be.
            ranked = sorted(set(found), key=_priority)
            self.automaton.add_word(key, (len(key), tuple(ranked)))
        self.automaton.make_automaton()
        self.size = len(table)

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, extra: Iterable[Path] = ()) -> Gazetteer:
        rules_doc = json.loads((data_dir / "rules.json").read_text("utf-8"))
        rules = Rules.parse(rules_doc)
        generated = json.loads((data_dir / "countries.json").read_text("utf-8"))
        names = {code: entry["name"] for code, entry in generated["countries"].items()}
        versions = [f"countries-{generated['version']}", f"rules-{rules_doc.get('version', '0')}"]
        aliases = [_alias(*e, rules) for e in _iter_entries(generated)]
        for path in sorted(data_dir.glob("aliases*.json")) + [Path(p) for p in extra]:
            doc = json.loads(path.read_text("utf-8"))
            versions.append(f"{path.stem}-{doc.get('version', '0')}")
            aliases.extend(_alias(*e, rules) for e in _iter_entries(doc))
        return cls(names, aliases, rules, "+".join(versions))


def _priority(alias: Alias) -> tuple[int, int, str, str]:
    strict = {"upper": 0, "title": 1, "any": 2}[alias.case]
    return (strict, KINDS.index(alias.kind), alias.code, alias.text)


def _keys(alias: Alias) -> set[str]:
    key = fold(normalise(alias.text))
    return {key, strip_accents(key)} if alias.script == "latn" else {key}


def _alias(code: str, kind: str, lang: str, text: str, rules: Rules) -> Alias:
    text = normalise(text)
    script = script_of(text)
    suffixes = rules.suffixes.get(script, frozenset())
    suffixes |= rules.suffixes.get(lang, frozenset())
    suffixes |= rules.suffixes.get(f"{lang}:{kind}", frozenset())
    suffixes |= rules.suffixes.get(f"{script}:{kind}", frozenset())
    return Alias(
        code=code,
        kind=kind,
        text=text,
        lang=lang,
        case=_case_of(text),
        script=script,
        suffixes=frozenset(strip_accents(s) for s in suffixes) | suffixes,
        ambiguity=rules.ambiguous.get(text),
    )
