"""Regenerates services/dyad/data/gazetteer/countries.json from pycountry and CLDR (Babel).

The generated file holds every ISO 3166-1 country with its names in the languages
dyad reads. Hand-written aliases (demonyms, capitals, institutions, idioms) live
in the other files of that folder and are merged at load time.

    python tools/build_gazetteer.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pycountry
from babel import Locale

LANGS = ["en", "ar", "fa", "fr", "ru", "tr", "es", "zh", "de"]
OUT = Path(__file__).resolve().parents[1] / "services/dyad/data/gazetteer/countries.json"


def main() -> None:
    locales = {lang: Locale.parse(lang) for lang in LANGS}
    countries: dict[str, dict[str, object]] = {}
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        names: dict[str, list[str]] = {}
        for lang, loc in locales.items():
            found = {loc.territories.get(c.alpha_2)}
            if lang == "en":
                found |= {
                    c.name,
                    getattr(c, "official_name", None),
                    getattr(c, "common_name", None),
                }
            names[lang] = sorted(n for n in found if n)
        countries[c.alpha_2] = {"alpha3": c.alpha_3, "name": c.name, "names": names}
    doc = {
        "version": f"pycountry-{getattr(pycountry, '__version__', 'x')}",
        "source": "ISO 3166-1 via pycountry; names from CLDR via Babel",
        "countries": countries,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {len(countries)} countries to {OUT}")


if __name__ == "__main__":
    main()
