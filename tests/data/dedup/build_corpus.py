"""Build corpus.jsonl, the labelled dedup corpus, from the stories we wrote.

Each story (stories_*.json) is one group: its original plus four variants made
the way outlets re-publish a wire story (verbatim copy, new headline, dateline,
a sentence dropped or added, light rewording, the outlet's footer and
related-headline block, a short version, or several at once); every other
story also has a two-sentence brief. Hard negatives
(hard_negatives.json) are different stories written from one template; each is
its own group. Rewrites (rewrites.json) retell a story in other words, by hand.
Deterministic: run it again and the file is the same.

    python tests/data/dedup/build_corpus.py
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
VARIANTS = ["copy", "headline", "dateline", "drop", "add", "reword", "footer", "short", "combo"]
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _load(name: str) -> list[dict]:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def _body(sentences: list[str]) -> str:
    paras = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    return "\n".join(paras)


def _reword(text: str, mapping: dict[str, str]) -> str:
    for old, new in mapping.items():
        text = re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", new, text)
    return text


def _variant(story: dict, kind: str, res: dict, k: int) -> tuple[str, str, str | None]:
    """(title, body, footer) of one variant."""
    s = list(story["sentences"])
    title = story["title"]
    footer = None
    outlet = res["outlets"][k % len(res["outlets"])]
    if kind == "headline":
        title = f"{story['place'].title()}: {title.split(' ', 1)[1]}"
    if kind in ("dateline", "combo"):
        s[0] = f"{story['place']} ({outlet}) - {s[0]}"
    if kind in ("drop", "combo"):
        del s[len(s) // 2]
    if kind == "add":
        s.insert(len(s) - 1, res["added"][k % len(res["added"])])
    if kind in ("footer", "combo"):
        footer = res["footers"][k % len(res["footers"])]
    if kind == "short":
        s = s[:3]
    if kind == "brief":  # the two-sentence version some outlets run
        s = s[:2]
    body = _body(s)
    if kind in ("reword", "combo"):
        body = _reword(body, res["reword"])
    return title, body, footer


def _article(group: str, k: int, kind: str, title: str, body: str, lang: str, outlet: str,
             when: datetime, template: str | None) -> dict:  # fmt: skip
    slug = re.sub(r"\W+", "-", outlet.lower()).strip("-") or "outlet"
    return {
        "id": f"{group}-{k}",
        "group": group,
        "variant": kind,
        "template": template,
        "title": title,
        "body": body,
        "source": outlet,
        "url": f"https://{slug}.example/news/{group}-{k}",
        "published_at": when.isoformat().replace("+00:00", "Z"),
        "language": lang,
    }


def build() -> list[dict]:
    outlets = _load("outlets.json")
    stories = _load("stories_en.json") + _load("stories_intl.json")
    out: list[dict] = []
    for i, story in enumerate(stories):
        res = outlets[story["lang"]]
        start = T0 + timedelta(hours=2 * i)
        kinds = ["original"] + [VARIANTS[(i * 4 + j) % len(VARIANTS)] for j in range(4)]
        kinds += ["brief"] if i % 2 else []
        for k, kind in enumerate(kinds):
            outlet = res["outlets"][(i + k) % len(res["outlets"])]
            title, body, footer = _variant(story, kind, res, i + k)
            if footer:
                body = f"{body}\n{footer}"
            when = start + timedelta(minutes=37 * k)
            out.append(_article(story["group"], k, kind, title, body, story["lang"], outlet,
                                when, None))  # fmt: skip
    for i, rw in enumerate(_load("rewrites.json")):
        # hand-written rewrites: the same story retold by another outlet
        res = outlets[rw["lang"]]
        first = next(a for a in out if a["group"] == rw["group"])
        when = datetime.fromisoformat(first["published_at"].replace("Z", "+00:00"))
        outlet = res["outlets"][(i + 1) % len(res["outlets"])]
        out.append(_article(rw["group"], 9, "rewrite", rw["title"], _body(rw["sentences"]),
                            rw["lang"], outlet, when + timedelta(hours=5), None))  # fmt: skip
    for i, story in enumerate(_load("hard_negatives.json")):
        res = outlets[story["lang"]]
        # the twins of a template are a week apart (6 days: inside the 7-day window)
        start = T0 + timedelta(days=6 * (i % 2), hours=3 * (i // 2))
        kinds = ["original"] + (["footer" if i % 4 == 0 else "reword"] if i % 2 == 0 else [])
        for k, kind in enumerate(kinds):
            outlet = res["outlets"][(i + k) % len(res["outlets"])]
            title, body, footer = _variant(story, kind, res, i + k)
            if footer:
                body = f"{body}\n{footer}"
            out.append(_article(story["group"], k, kind, title, body, story["lang"], outlet,
                                start + timedelta(minutes=41 * k), story["template"]))  # fmt: skip
    return out


def main() -> None:
    articles = build()
    with (HERE / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    groups = {a["group"] for a in articles}
    print(f"{len(articles)} articles in {len(groups)} groups")


if __name__ == "__main__":
    main()
