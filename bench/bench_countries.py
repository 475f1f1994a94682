"""Country recognition cost per 4 KB article.

Builds 4 KB articles from the labeled corpus (tests/data/labeled/*.jsonl, bodies
repeated or cut to 4096 UTF-8 bytes, as bench_sectors.py and the benchmark corpus
measure them; `--chars` cuts to 4096 characters instead, the measure before 23 Nov
2026, which makes an Arabic, Persian or Russian article 7-8 KB) or, without a
corpus, from generated text in several languages. Then times
`CountryRecognizer.recognise` alone (the document is prepared beforehand),
`make_document` alone (normalisation and boilerplate, which every article goes
through before dedup, countries and sectors) and both together. Recognition is also
split into its stages: the automaton passes alone, `find` (those passes, the scan
copy and the per-hit checks), `weigh` and the rest (ranking, the result objects, the
pair). Figures are CPU time of this process per article, best of N rounds.

    python bench/bench_countries.py [--rounds 5] [--chars]

Targets: at most 100 µs per 4 KB article for recognition, 50 µs for make_document.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import defaultdict
from pathlib import Path

from dyad.core.countries import CountryRecognizer, Gazetteer
from dyad.core.matching import Found, find
from dyad.core.salience import weigh
from dyad.core.text import Document, make_document

ROOT = Path(__file__).resolve().parents[1]
SIZE = 4096
TARGET_US = 100.0
DOCUMENT_TARGET_US = 50.0
FILLER = {
    "en": "Officials from Iran and Syria met in Damascus to discuss trade, energy and "
    "transport links, while the US sanctions were mentioned in passing. ",
    "ar": "بحث وزير الاقتصاد السوري مع الوفد الإيراني في دمشق تعزيز التعاون بين البلدين. ",
    "fa": "وزیر امور خارجه ایران در دمشق با همتای سوری خود دیدار و گفت‌وگو کرد. ",
    "ru": "Министр иностранных дел России провёл в Москве переговоры с иранским коллегой. ",
}


def _fit(text: str, chars: bool = False) -> str:
    """The text repeated or cut to 4096 UTF-8 bytes (or characters)."""
    if not text:
        return text
    size = len if chars else (lambda t: len(t.encode("utf-8")))
    while size(text) < SIZE:
        text = f"{text}\n{text}"
    return text[:SIZE] if chars else text.encode("utf-8")[:SIZE].decode("utf-8", "ignore")


def load_articles(chars: bool = False) -> list[tuple[str, str, str]]:
    """(language, title, 4 KB body)."""
    rows: list[tuple[str, str, str]] = []
    for path in sorted((ROOT / "tests/data/labeled").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            rows.append((path.stem, row.get("title") or "", _fit(row.get("body") or "", chars)))
    if not rows:
        rng = random.Random(7)
        for lang, sentence in FILLER.items():
            for _ in range(25):
                words = (sentence * 40).split(" ")
                rng.shuffle(words)
                rows.append((lang, sentence[:60], _fit(" ".join(words), chars)))
    return rows


def per_article_us(fn: object, items: list[object], rounds: int) -> float:
    # CPU time of this process, best round: robust when other work shares the machine.
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for item in items:
            fn(item)  # type: ignore[operator]
        best = min(best, (time.process_time() - t0) / len(items))
    return best * 1e6


def stages(gazetteer: Gazetteer, docs: list[Document], rounds: int) -> dict[str, float]:
    """µs per article of the automaton pass alone, of find and of weigh."""
    index = gazetteer.index
    found = [(find(index, d.text, d.folded), d) for d in docs]

    def scan(item: tuple[Found, Document]) -> None:
        f = item[0]
        for script in index.scripts(f.folded):
            if script == "latn" and index.latin and index.latin.hits(f.scan) is not None:
                continue  # the Rust pass (core.latin_scan), as find runs it
            list(index.automata[script].iter_long(f.folded if script == "han" else f.scan))

    def weigh_one(item: tuple[Found, Document]) -> None:
        f, d = item
        weigh(f, d.text, (len(d.title), len(d.title) + 1 + len(d.lead)), gazetteer.rules)

    return {
        "automaton passes": per_article_us(scan, list(found), rounds),
        "find": per_article_us(lambda d: find(index, d.text, d.folded), list(docs), rounds),
        "weigh": per_article_us(weigh_one, list(found), rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chars", action="store_true", help="4096 characters, not bytes")
    args = parser.parse_args()
    t0 = time.perf_counter()
    gazetteer = Gazetteer.load()
    load_ms = (time.perf_counter() - t0) * 1e3
    recognizer = CountryRecognizer(gazetteer)
    articles = load_articles(args.chars)
    docs = [make_document(title, body) for _, title, body in articles]
    by_lang: dict[str, list[Document]] = defaultdict(list)
    for (lang, _, _), doc in zip(articles, docs, strict=True):
        by_lang[lang].append(doc)
    print(f"gazetteer: {gazetteer.size} keys, loaded in {load_ms:.0f} ms ({gazetteer.version})")
    print(
        f"articles: {len(docs)} x {SIZE} {'characters' if args.chars else 'UTF-8 bytes'} "
        f"(mean characters kept after boilerplate: "
        f"{statistics.mean(len(d.full) for d in docs):.0f})"
    )
    for lang, group in sorted(by_lang.items()):
        us = per_article_us(recognizer.recognise, list(group), args.rounds)
        print(f"  recognise  {lang:>3}: {us:7.1f} µs/article ({len(group)} articles)")
    overall = per_article_us(recognizer.recognise, list(docs), args.rounds)
    prepare = per_article_us(lambda a: make_document(a[1], a[2]), list(articles), args.rounds)
    full = per_article_us(
        lambda a: recognizer.recognise(make_document(a[1], a[2])), list(articles), args.rounds
    )
    verdict = "OK" if overall <= TARGET_US else "OVER TARGET"
    print(
        f"recognise (all): {overall:.1f} µs per 4 KB article  [target {TARGET_US:.0f}: {verdict}]"
    )
    verdict = "OK" if prepare <= DOCUMENT_TARGET_US else "OVER TARGET"
    print(
        f"make_document (all): {prepare:.1f} µs per 4 KB article  "
        f"[target {DOCUMENT_TARGET_US:.0f}: {verdict}]"
    )
    print(f"make_document + recognise: {full:.1f} µs per 4 KB article")
    split = stages(gazetteer, docs, args.rounds)
    split["rest"] = overall - split["find"] - split["weigh"]
    print("recognise stages: " + ", ".join(f"{k} {v:.1f}" for k, v in split.items()) + " µs")


if __name__ == "__main__":
    main()
