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
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from dyad.core.aliases import KINDS, Alias, Ambiguity, Rules, case_of, script_of
from dyad.core.matching import Index
from dyad.core.text import fold, normalise, strip_accents

__all__ = ["DATA_DIR", "Alias", "Gazetteer", "Rules"]

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteer"
CONFIRM_ONLY = Ambiguity(confirm_only=True)


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
    """Aliases of every country in one matching index, plus the matching rules."""

    def __init__(
        self, names: dict[str, str], aliases: Iterable[Alias], rules: Rules, version: str
    ) -> None:
        self.names = names
        self.rules = rules
        self.version = version
        table: dict[str, list[Alias]] = {}
        for alias in aliases:
            for key in _keys(alias):
                if len(key) >= 2 or alias.script == "han":
                    table.setdefault(key, []).append(alias)
        # Stricter case rules first: "US" (acronym) is tried before "us" would be.
        ranked = {key: _shared(sorted(set(found), key=_priority)) for key, found in table.items()}
        self.index = Index(ranked, rules.prefixes.get("arab", frozenset()), rules.veto_words)
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


def _shared(aliases: list[Alias]) -> tuple[Alias, ...]:
    """A key that names places in several countries (القنيطرة: Quneitra in Syria and
    Kenitra in Morocco) is resolved like an ambiguous alias: the country the rest of
    the article supports, else the first."""
    codes = tuple(dict.fromkeys(a.code for a in aliases))
    if len(codes) == 1 or any(a.ambiguity for a in aliases):
        return tuple(aliases)
    shared = Ambiguity(codes=codes, support_free=True)
    return tuple(replace(a, ambiguity=shared) for a in aliases)


def _priority(alias: Alias) -> tuple[int, int, str, str, str, tuple[str, ...]]:
    # Total order: the same text in two languages must not be ordered by the hash seed.
    strict = {"upper": 0, "title": 1, "any": 2}[alias.case]
    kind = KINDS.index(alias.kind)
    return (strict, kind, alias.code, alias.text, alias.lang, _sorted(alias.suffixes))


@cache
def _sorted(suffixes: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(suffixes))  # a few distinct sets, shared by thousands of aliases


@cache
def _with_plain(suffixes: frozenset[str]) -> frozenset[str]:
    """The endings, plus each without its accents."""
    return frozenset(strip_accents(s) for s in suffixes) | suffixes


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
        case=case_of(text),
        script=script,
        suffixes=_with_plain(suffixes),
        # A province name only confirms a country the article names otherwise.
        ambiguity=rules.ambiguous.get(text) or (CONFIRM_ONLY if kind == "region" else None),
    )
