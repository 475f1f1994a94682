"""The sector taxonomy as data: ids, labels, weighted terms in many languages, morphology.

Every term becomes one or more Aho-Corasick keys that start at a word boundary
(a leading space). The end of a key is left open: the rest of the word is
checked against the endings the term allows, so Russian and Turkish
inflections, Persian plurals and Arabic suffixes match without a key per form
and without a regex on the input. Arabic attached prefixes (و ف ب ل ك ال ...)
are expanded into keys, because they sit before the stem.

Term syntax in the data files: `word` (the word and its plain form only),
`stem*` (stem plus the language's endings), `stem+` (stem plus any ending, for
unambiguous stems), `word=` (exactly the word, even where the language adds
endings by default, as Arabic and Persian do). In a phrase, each word carries
its own mark.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick_rs

from dyad.core.text import normalise

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "taxonomy"
METHOD_VERSION = "5"
"""Bump whenever matching or scoring changes in code; data changes move the hash."""

NEUTRAL = -1
ANY: frozenset[str] = frozenset({"\x00any"})
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
MARKS = "*+="


class Entry(NamedTuple):
    """One sense of a key: the sector it points to (or NEUTRAL) and the endings it allows."""

    sector: int
    weight: float
    term: str
    endings: frozenset[str]


# What the matcher keeps per sense: endings as UTF-8 (the text is matched as bytes).
Sense = tuple[int, float, str, frozenset[bytes]]
ANY_BYTES: frozenset[bytes] = frozenset({b"\x00any"})


@dataclass(frozen=True, slots=True)
class Sector:
    id: str
    label: str
    definition: str


def _fold(text: str) -> str:
    """The same folding the classifier applies to its input (see sector_match.prepare)."""
    return normalise(text).lower().replace("ё", "е").replace("i̇", "i")


class Morphology:
    """Per-language endings and attached prefixes, from the taxonomy file."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.endings: dict[str, frozenset[str]] = {}
        self.prefixes: dict[str, tuple[str, ...]] = {}
        self.auto: dict[str, frozenset[str]] = {}
        for lang, conf in spec.items():
            ends = set(conf.get("endings", []))
            for combo in conf.get("ending_chains", []):
                ends.update("".join(p) for p in itertools.product(*combo))
            self.endings[lang] = frozenset(_fold(e) for e in ends | {""})
            self.prefixes[lang] = tuple(_fold(p) for p in conf.get("prefixes", []))
            auto = conf.get("auto_endings", [])
            self.auto[lang] = frozenset(_fold(e) for e in [*auto, ""])

    def expand(self, term: str, lang: str) -> tuple[list[str], frozenset[str]]:
        """Keys (leading space, open end) and the endings allowed after the last word."""
        words = term.split()
        heads: list[list[str]] = []
        endings: frozenset[str] = frozenset({""})
        for i, word in enumerate(words):
            mark = word[-1] if word[-1] in MARKS else ""
            stem = _fold(word.rstrip(MARKS))
            if i == len(words) - 1:
                endings = self._endings_for(mark, lang)
                heads.append(_stems(stem, lang))
            elif mark:
                # A non-final word marked '+' takes the language's endings, not any tail.
                ends = self.endings.get(lang, frozenset({""})) if mark == "+" else None
                spread = ends if ends is not None else self._endings_for(mark, lang)
                heads.append([v + e for v in _alef(stem, lang) for e in spread])
            else:
                heads.append(_alef(stem, lang))  # unmarked inner words stand as written
        heads[0] = [p + h for p in ("", *self.prefixes.get(lang, ())) for h in heads[0]]
        keys = {" " + " ".join(combo) for combo in itertools.product(*heads)}
        return sorted(keys), endings

    def _endings_for(self, mark: str, lang: str) -> frozenset[str]:
        if mark == "+":
            return ANY
        if mark == "*":
            return self.endings.get(lang, frozenset({""}))
        if mark == "=":
            return frozenset({""})
        return self.auto.get(lang, frozenset({""}))


def _alef(stem: str, lang: str) -> list[str]:
    """Arabic is often written without hamza on alef: أ إ آ -> ا."""
    if lang != "ar":
        return [stem]
    bare = stem.translate(_ALEF)
    return [stem] if bare == stem else [stem, bare]


def _stems(stem: str, lang: str) -> list[str]:
    """Final-word variants: bare alef, and ta marbuta before a suffix (ة -> ت, ه)."""
    if lang != "ar":
        return [stem]
    variants = set(_alef(stem, lang))
    for v in list(variants):
        if v.endswith("ة"):
            variants.update({v[:-1] + "ت", v[:-1] + "ه"})
    return sorted(variants)


def _digest(blobs: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for blob in blobs:
        h.update(hashlib.sha256(blob).digest())
    return h.hexdigest()[:10]


class Taxonomy:
    """Sectors, their terms and the automaton over every term key."""

    def __init__(
        self,
        sectors: list[Sector],
        terms: Mapping[str, Mapping[str, Mapping[str, float]]],
        neutral: Mapping[str, Iterable[str]],
        morphology: Morphology,
        params: Mapping[str, Any],
        version: str,
        model: Mapping[str, Any] | None = None,
    ) -> None:
        self.sectors = sectors
        self.model = model
        self.ids = [s.id for s in sectors]
        self.params = dict(params)
        self.version = version
        index = {sid: i for i, sid in enumerate(self.ids)}
        table: dict[str, list[Entry]] = {}
        for lang, by_sector in terms.items():
            for sid, words in by_sector.items():
                for term, weight in words.items():
                    if weight > 0:
                        _add(table, morphology, lang, term, index[sid], weight)
        for lang, phrases in neutral.items():
            for phrase in phrases:
                _add(table, morphology, lang, phrase, NEUTRAL, 0.0)
        self.keys = len(table)
        # senses[i]: what key i means; a neutral key ("trade union", Arabic "بطاقة"
        # card) means nothing, but as the longest match it hides the words inside it.
        # One Sense per Entry, shared by all its keys (the endings sets are large).
        sense: dict[Entry, Sense] = {}
        as_bytes: dict[frozenset[str], frozenset[bytes]] = {ANY: ANY_BYTES}
        for entries in table.values():
            for e in entries:
                if e not in sense:
                    if e.endings not in as_bytes:
                        as_bytes[e.endings] = frozenset(x.encode() for x in e.endings)
                    sense[e] = (e.sector, e.weight, e.term, as_bytes[e.endings])
        shared: dict[tuple[Sense, ...], tuple[Sense, ...]] = {}
        self.senses: list[tuple[Sense, ...]] = [
            ()
            if any(e.sector == NEUTRAL for e in entries)
            else shared.setdefault(senses := tuple(sense[e] for e in entries), senses)
            for entries in table.values()
        ]
        # Leftmost-longest over UTF-8 bytes: a phrase hides the words inside it.
        self.matcher = ahocorasick_rs.BytesAhoCorasick(
            [key.encode() for key in table], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        )

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, extra: Iterable[Path] = ()) -> Taxonomy:
        """The shipped taxonomy, then operators' files in order (later terms override)."""
        main_path = data_dir / "sectors.json"
        spec = json.loads(main_path.read_text("utf-8"))
        paths = [data_dir / "terms" / f"{lang}.json" for lang in spec["languages"]]
        paths += [Path(p) for p in extra]
        terms: dict[str, dict[str, dict[str, float]]] = {}
        neutral: dict[str, list[str]] = {}
        sectors = [Sector(sid, s["label"], s["definition"]) for sid, s in spec["sectors"].items()]
        known = {s.id for s in sectors}
        blobs = [main_path.read_bytes()]
        for path in paths:
            blob = path.read_bytes()
            blobs.append(blob)
            _merge(json.loads(blob), terms, neutral, known, path.name)
        model_path = data_dir / "model.json"
        model = None
        if model_path.exists():
            blobs.append(model_path.read_bytes())
            model = json.loads(blobs[-1])
        version = f"{spec['version']}-m{METHOD_VERSION}-{_digest(blobs)}"
        morphology = Morphology(spec["morphology"])
        return cls(sectors, terms, neutral, morphology, spec["params"], version, model)


def _merge(
    doc: Mapping[str, Any],
    terms: dict[str, dict[str, dict[str, float]]],
    neutral: dict[str, list[str]],
    known: set[str],
    name: str,
) -> None:
    """Fold one term file in. Shape: {language, sectors: {id: {term: weight}}, neutral: [...]}."""
    lang = str(doc.get("language", "en"))
    for sid, words in doc.get("sectors", {}).items():
        if sid not in known:
            raise ValueError(f"{name}: unknown sector id {sid!r}")
        words = words.get("terms", words)
        terms.setdefault(lang, {}).setdefault(sid, {}).update(
            {str(t): float(w) for t, w in words.items()}
        )
    neutral.setdefault(lang, []).extend(str(p) for p in doc.get("neutral", []))


def _add(
    table: dict[str, list[Entry]],
    morphology: Morphology,
    lang: str,
    term: str,
    sector: int,
    weight: float,
) -> None:
    keys, endings = morphology.expand(term, lang)
    canonical = term.replace("*", "").replace("+", "")
    entry = Entry(sector, weight, canonical, endings)
    # Arabic ة turns into ت only before a suffix (زيارته): the bare ت form is
    # another word, often Persian (زیارت pilgrimage, not زيارة visit).
    suffixed = entry
    if lang == "ar" and term.rstrip(MARKS).endswith("ة") and endings is not ANY:
        suffixed = Entry(sector, weight, canonical, endings - {""})
    for key in keys:
        sense = suffixed if key.endswith("ت") and suffixed is not entry else entry
        bucket = table.setdefault(key, [])
        # One sense per sector and key: a later file overrides an earlier weight.
        bucket[:] = [e for e in bucket if e.sector != sector or e.endings != sense.endings]
        bucket.append(sense)
