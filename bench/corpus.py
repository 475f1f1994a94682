"""The benchmark corpus: ~4 KB wire-style articles in seven languages, deterministic by seed.

Articles are built from the word lists in bench/data/vocab.json: a dateline,
templated sentences about a pair of countries and a sector, and filler
sentences; some are exact copies under another id and outlet, some are near
copies (a few words changed, a paragraph dropped, a footer added), and a few
lines are malformed (bad JSON, bad UTF-8, missing fields, not an object).
Every benchmark uses this corpus, so their figures are comparable.

    python bench/corpus.py -n 1000 --seed 1 -o corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

VOCAB_PATH = Path(__file__).resolve().parent / "data" / "vocab.json"
LANG_WEIGHTS = {"en": 4, "fr": 1, "es": 1, "ru": 1, "tr": 1, "ar": 2, "fa": 2}
_EPOCH = datetime(2024, 3, 1, tzinfo=UTC)
_MALFORMED = (
    b'{"id": "broken-1", "title": "cut short", "body": "the value ends',
    b'{"id": "bad-utf8", "title": "\xff\xfe", "body": "x"}',
    b'{"id": "no-body", "title": "a title and nothing else"}',
    b'["an", "array", "not", "an", "object"]',
    b"   ",
    b'{"id": 42, "title": "numeric id", "body": "ids are strings"}',
)


@dataclass(frozen=True, slots=True)
class Item:
    value: bytes
    kind: str  # unique | exact | near | malformed
    original: int | None = None  # index of the article this one copies
    pair: tuple[str, str] | None = None
    lang: str | None = None


class _Lang:
    def __init__(self, code: str, data: dict[str, Any]) -> None:
        self.code = code
        self.names: dict[str, str] = data["names"]
        self.demonyms: dict[str, str] = data["demonyms"]
        self.capitals: dict[str, str] = data["capitals"]
        self.sectors: dict[str, list[str]] = data["sectors"]
        self.templates: list[str] = data["templates"]
        self.titles: list[str] = data["titles"]
        self.days: list[str] = data["days"]
        self.filler: list[str] = data["filler"]


class Generator:
    """Streams `Item`s; the same seed always yields the same sequence."""

    def __init__(
        self,
        seed: int = 1,
        size: int = 4096,
        exact_rate: float = 0.05,
        near_rate: float = 0.05,
        malformed_rate: float = 0.005,
    ) -> None:
        vocab = json.loads(VOCAB_PATH.read_text("utf-8"))
        self.rng = random.Random(seed)
        self.seed = seed
        self.size = size
        self.rates = (exact_rate, near_rate, malformed_rate)
        self.countries: list[str] = vocab["countries"]
        self.sources: list[str] = vocab["sources"]
        self.boilerplate: list[str] = vocab["boilerplate"]
        self.langs = {code: _Lang(code, d) for code, d in vocab["languages"].items()}
        self._lang_codes = list(LANG_WEIGHTS)
        self._lang_weights = list(LANG_WEIGHTS.values())
        self._recent: deque[tuple[int, dict[str, Any], tuple[str, str]]] = deque(maxlen=500)

    def __iter__(self) -> Iterator[Item]:
        i = 0
        while True:
            yield self.item(i)
            i += 1

    def take(self, n: int) -> list[Item]:
        return [self.item(i) for i in range(n)]

    def item(self, i: int) -> Item:
        r = self.rng.random()
        exact, near, malformed = self.rates
        if r < malformed:
            return Item(self.rng.choice(_MALFORMED), "malformed")
        if self._recent and r < malformed + exact:
            return self._copy(i, near=False)
        if self._recent and r < malformed + exact + near:
            return self._copy(i, near=True)
        art, pair = self._article(i)
        self._recent.append((i, art, pair))
        return Item(orjson.dumps(art), "unique", None, pair, art["language"])

    # -- building blocks ---------------------------------------------------------------

    def _article(self, i: int) -> tuple[dict[str, Any], tuple[str, str]]:
        rng = self.rng
        lang = self.langs[rng.choices(self._lang_codes, self._lang_weights)[0]]
        a, b = rng.sample(self.countries, 2)
        sector, sector2 = rng.sample(list(lang.sectors), 2)
        slots = self._slots(lang, a, b, sector, sector2)
        title = rng.choice(lang.titles).format_map(slots)
        source = rng.choice(self.sources)
        dateline = f"{lang.capitals[rng.choice((a, b))]} ({source}) - "
        body = self._body(lang, slots, dateline, a, b, sector)
        published = _EPOCH + timedelta(seconds=7 * i)
        art = {
            "id": f"bench-{self.seed}-{i}",
            "title": title,
            "body": body,
            "url": f"https://news.example/{lang.code}/{self.seed}/{i}",
            "source": source,
            "published_at": published.isoformat().replace("+00:00", "Z"),
            "language": lang.code,
        }
        return art, (min(a, b), max(a, b))

    def _slots(self, lang: _Lang, a: str, b: str, sector: str, sector2: str) -> dict[str, str]:
        rng = self.rng
        return {
            "A": lang.names[a],
            "B": lang.names[b],
            "DA": lang.demonyms[a],
            "DB": lang.demonyms[b],
            "CA": lang.capitals[a].title(),
            "CB": lang.capitals[b].title(),
            "S": rng.choice(lang.sectors[sector]),
            "S2": rng.choice(lang.sectors[sector2]),
            "N": str(rng.randint(2, 900)),
            "DAY": rng.choice(lang.days),
        }

    def _body(
        self, lang: _Lang, slots: dict[str, str], dateline: str, a: str, b: str, sector: str
    ) -> str:
        rng = self.rng
        paragraphs = [dateline + rng.choice(lang.templates).format_map(slots)]
        size = len(paragraphs[0].encode())
        budget = self.size - 540  # the other fields and the JSON around the body
        while size < budget:
            sentences = []
            for _ in range(rng.randint(3, 5)):
                if rng.random() < 0.3:
                    sentences.append(self._templated(lang, a, b, sector))
                else:
                    sentences.append(self._filler(lang, sector))
            para = " ".join(sentences)
            paragraphs.append(para)
            size += len(para.encode()) + 1
        return "\n".join(paragraphs)

    def _templated(self, lang: _Lang, a: str, b: str, sector: str) -> str:
        rng = self.rng
        if rng.random() < 0.15:  # a third country passes through the story
            b = rng.choice([c for c in self.countries if c not in (a, b)])
        other = rng.choice([s for s in lang.sectors if s != sector])
        return rng.choice(lang.templates).format_map(self._slots(lang, a, b, sector, other))

    def _filler(self, lang: _Lang, sector: str) -> str:
        rng = self.rng
        words = rng.choices(lang.filler, k=rng.randint(9, 22))
        if rng.random() < 0.4:
            words.insert(rng.randrange(len(words)), rng.choice(lang.sectors[sector]))
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words) + "."

    def _copy(self, i: int, near: bool) -> Item:
        rng = self.rng
        orig_i, orig, pair = rng.choice(self._recent)
        art = dict(orig)
        art["id"] = f"bench-{self.seed}-{i}"
        art["source"] = rng.choice([s for s in self.sources if s != orig["source"]])
        art["url"] = f"https://news.example/{orig['language']}/{self.seed}/{i}"
        if not near:
            return Item(orjson.dumps(art), "exact", orig_i, pair, art["language"])
        art["body"] = self._mutate(art["body"], self.langs[art["language"]])
        return Item(orjson.dumps(art), "near", orig_i, pair, art["language"])

    def _mutate(self, body: str, lang: _Lang) -> str:
        """An editor's touch: a few words changed, maybe the last paragraph gone, a footer."""
        rng = self.rng
        paragraphs = body.split("\n")
        if len(paragraphs) > 4 and rng.random() < 0.5:
            paragraphs.pop()
        words = "\n".join(paragraphs).split(" ")
        for _ in range(max(1, len(words) // 80)):
            words[rng.randrange(len(words))] = rng.choice(lang.filler)
        return " ".join(words) + "\n" + rng.choice(self.boilerplate)


def generate(n: int, seed: int = 1, **kw: Any) -> list[Item]:
    return Generator(seed, **kw).take(n)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", type=int, default=1000, help="number of lines")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", help="JSON Lines file (default: stdout)")
    args = p.parse_args(argv)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        for item in generate(args.n, args.seed):
            out.write(item.value.replace(b"\n", b" ") + b"\n")
    finally:
        if args.output:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
