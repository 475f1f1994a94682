"""Snapshot of text preparation and country recognition, to prove a change keeps output.

Dumps, for every article of the labeled corpus, the dedup corpus and the shared seeds
(as given and cut to 4 KB like the benchmark), plus seeded random mutations of them
and random strings of tricky characters: the Document (title, lead, body, removed),
the full CountryResult, and normalise/fold/scan_form/strip_accents of the fuzz
strings; also a digest of the matching index. Compare two snapshots with --compare.

    python tools/country_snapshot.py OUT.json
    python tools/country_snapshot.py NEW.json --compare OLD.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dyad.core.countries import CountryRecognizer, Gazetteer
from dyad.core.text import fold, make_document, normalise, scan_form, strip_accents

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds" / "seeds.jsonl"
SIZE = 4096
# Characters the text code treats specially, and some it should leave alone.
TRICKY = (
    "aAeEiI\u0130\u0131oOuU\u00e7\u015f\u011f\u00e9\u00c0\u00f1 \u0651\u0652\u064b\u064e\u0640"
    "\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\u0300\u0301\u0483\u0591"
    "\u064a\u0649\u0643\u06cc\u06a9\u0623\u0625\u0622\u0671\u0629\u0647\u0627\u0648\u0628"
    "\u0644\u0633\u0631\u0646\u062a\u067e\u0686\u0698\u06af \u0451\u0401\u0435\u0438\u0440"
    "\u4e2d\u56fd\u4f0a\u6717 \u2019\u2018\u02bc\u201c\u201d\u00ab\u00bb\u201e\u2014\u2013"
    "-/()[],.:;!?\u061f|\u2022\u00b7* \t\r\n\f\v\u00a0\u1680\u2000\u200a\u200b\u2028"
    "\u2029\u202f\u205f\u3000\x00\x07\x1f\x7f\x85\x9f\ufb01\ufdf2\u2460\u216b\u338f"
    "\uff71\uff21\uff10\u00bd"
)


def articles() -> Iterator[tuple[str, str, str]]:
    """(id, title, body) of every corpus article, as given and cut to 4 KB."""
    files = sorted((ROOT / "tests/data/labeled").glob("*.jsonl"))
    files += sorted((ROOT / "tests/data/dedup").rglob("*.jsonl"))
    if SEEDS.exists():
        files.append(SEEDS)
    for path in files:
        for n, line in enumerate(path.read_text("utf-8").splitlines()):
            row = json.loads(line)
            title, body = row.get("title") or "", row.get("body") or ""
            key = f"{path.name}:{n}:{row.get('id')}"
            yield key, title, body
            if body:
                yield key + ":4k", title, _fit(body)


def _fit(text: str) -> str:
    while len(text) < SIZE:
        text = f"{text}\n{text}"
    return text[:SIZE]


def mutate(text: str, rng: random.Random) -> str:
    """Insert tricky characters and flip case here and there."""
    chars = list(text)
    for _ in range(max(1, len(chars) // 40)):
        at = rng.randrange(len(chars) + 1)
        chars.insert(at, rng.choice(TRICKY))
    for _ in range(max(1, len(chars) // 80)):
        at = rng.randrange(len(chars))
        chars[at] = chars[at].swapcase()
    return "".join(chars)


WORDS = (
    "Iran", "Syria", "\u0633\u0648\u0631\u064a\u0627", "\u0627\u06cc\u0631\u0627\u0646",
    "Turkey", "Georgia", "\u0418\u0440\u0430\u043d\u0430", "US", "the", "and", "Latest news",
    "Share", "Jordan", "Chad", "S\u00fcriye", "Iranian", "Tehran", " ", ". ", "\n",
)  # fmt: skip


def fuzz_strings(rng: random.Random, count: int) -> Iterator[str]:
    """Random runs of tricky characters and words the recogniser knows."""
    for _ in range(count):
        size = rng.randint(0, 80)
        yield "".join(rng.choice(WORDS if rng.random() < 0.3 else TRICKY) for _ in range(size))


def result_json(recognizer: CountryRecognizer, title: str, body: str) -> dict[str, Any]:
    doc = make_document(title, body)
    result = recognizer.recognise(doc)
    return {
        "doc": [doc.title, doc.lead, doc.body, doc.removed],
        "countries": [c.model_dump() for c in result.countries],
        "pair": result.pair.model_dump() if result.pair else None,
    }


def canon(value: object) -> object:
    """A form whose repr does not depend on set order or hash seed."""
    if isinstance(value, (set, frozenset)):
        return sorted(repr(canon(v)) for v in value)
    if isinstance(value, (tuple, list)):
        return [canon(v) for v in value]
    if hasattr(value, "__slots__") and not isinstance(value, str):
        return [type(value).__name__] + [canon(getattr(value, f)) for f in value.__slots__]
    return value


def index_digest(gazetteer: Gazetteer) -> dict[str, str]:
    out = {}
    for script, automaton in sorted(gazetteer.index.automata.items()):
        h = hashlib.sha256()
        for key, value in sorted(automaton.items()):
            h.update(repr((key, canon(value))).encode())
        out[script] = h.hexdigest()
    return out


def snapshot() -> dict[str, Any]:
    gazetteer = Gazetteer.load()
    recognizer = CountryRecognizer(gazetteer)
    rng = random.Random(4)  # noqa: S311 (reproducible test input)
    out: dict[str, Any] = {
        "gazetteer": [gazetteer.size, gazetteer.version, index_digest(gazetteer)],
        "articles": {},
        "strings": [],
    }
    for key, title, body in articles():
        out["articles"][key] = result_json(recognizer, title, body)
        if body and not key.endswith(":4k"):
            mutated = mutate(body, rng)
            out["articles"][key + ":mut"] = result_json(recognizer, mutate(title, rng), mutated)
    for n, text in enumerate(fuzz_strings(rng, 3000)):
        out["strings"].append([normalise(text), fold(text), scan_form(text), strip_accents(text)])
        if n % 10 == 0:
            out["articles"][f"fuzz:{n}"] = result_json(recognizer, text[:20], text)
    return out


def compare(new: dict[str, Any], old: dict[str, Any]) -> int:
    bad = 0
    if new["gazetteer"] != old["gazetteer"]:
        print("gazetteer differs:", old["gazetteer"], new["gazetteer"])
        bad += 1
    for key in sorted(old["articles"].keys() | new["articles"].keys()):
        if old["articles"].get(key) != new["articles"].get(key):
            bad += 1
            if bad <= 10:
                print("differs:", key)
    for n, (a, b) in enumerate(zip(old["strings"], new["strings"], strict=True)):
        if a != b:
            bad += 1
            if bad <= 10:
                print("string differs:", n, a, b)
    print(f"{len(new['articles'])} articles, {len(new['strings'])} strings, {bad} differences")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    data = json.loads(json.dumps(snapshot()))  # tuples as lists, as read back
    args.out.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), "utf-8")
    if args.compare:
        sys.exit(compare(data, json.loads(args.compare.read_text("utf-8"))))


if __name__ == "__main__":
    main()
