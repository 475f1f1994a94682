"""Regenerates services/dyad/data/gazetteer/countries.json from pycountry, CLDR (Babel)
and the system time-zone table.

The generated file holds every ISO 3166-1 country with:
- its names in the languages dyad reads (CLDR), plus pycountry's English variants;
- forms derived from those names by regular morphology: Arabic and Persian nisba
  demonyms (سوريا -> سوري, ایران -> ایرانی), Turkish -li demonyms (Suriye -> Suriyeli),
  Russian stems that take case endings (Сирия -> Сири-), Arabic names without the
  article (العراق -> عراق) so that attached prefixes (للعراق) still match;
- the exemplar cities of its time zones, localised by CLDR, and its top-level
  ISO 3166-2 subdivisions (provinces, governorates, states) as "region" aliases,
  which only confirm a country the article names otherwise.

Hand-written aliases (English demonyms and capitals, institutions, leaders, idioms,
irregular demonyms) live in aliases_*.json next to it and are merged at load time.

    python tools/build_gazetteer.py
"""

from __future__ import annotations

import json
from pathlib import Path

import babel
import pycountry
from babel import Locale

LANGS = ["en", "ar", "fa", "fr", "ru", "tr", "es", "zh", "de"]
OUT = Path(__file__).resolve().parents[1] / "services/dyad/data/gazetteer/countries.json"
RULES = OUT.with_name("rules.json")
# Words that veto an ambiguous alias ("Savannah" for Georgia) must stay context words.
VETO = {
    w.lower()
    for spec in json.loads(RULES.read_text("utf-8"))["ambiguous"].values()
    for w in spec.get("veto", ())
}
ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
# Countries with many zones list minor towns; keep the first few only.
MAX_ZONES = 3
# Exemplar cities that are mostly something else in news text.
CITY_STOP = {
    "Darwin", "Adelaide", "Perth", "Regina", "Chihuahua", "Hamilton", "Kingston", "Victoria",
    "Nome", "Phoenix", "Cordoba", "Merida", "Jersey", "Guernsey", "Isle of Man", "Casey",
    "Davis", "Mawson", "Palmer", "Vostok", "Troll", "Center", "Knox", "Marengo", "Monaco",
    "Singapore", "Gibraltar", "Macau", "Hong Kong", "Bermuda", "Kuwait", "Qatar", "Bahrain",
    "Djibouti", "Luxembourg", "Panama", "Guatemala", "Belize", "Vatican", "San Marino",
    "Male", "Stanley", "Douglas", "Sofia", "Asmara", "Lima", "Santiago", "Georgetown",
}  # fmt: skip


def _zones() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for line in ZONE_TAB.read_text("utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _, tz = line.split("\t")[:3]
        if tz.count("/") == 1:
            zones.setdefault(code, []).append(tz)
    return {code: tzs[:MAX_ZONES] for code, tzs in zones.items()}


def _arabic_nisba(name: str) -> str | None:
    """سوريا -> سوري, العراق -> عراقي, السعودية -> سعودي, فرنسا -> فرنسي."""
    if " " in name:
        return None
    stem = name[2:] if name.startswith("ال") else name
    for ending in ("يا", "ا", "ة"):
        if stem.endswith(ending) and len(stem) - len(ending) >= 2:
            return stem[: -len(ending)] + "ي"
    return stem + "ي"


def _persian_nisba(name: str) -> str | None:
    """سوریه -> سوری, ایران -> ایرانی, آمریکا -> آمریکایی."""
    if " " in name:
        return None
    if name.endswith("یه"):
        return name[:-1]
    if name.endswith("ه"):
        return name[:-1] + "ی"
    if name.endswith(("ا", "و")):
        return name + "یی"
    return name + "ی"


def _turkish_li(name: str) -> str | None:
    """Suriye -> Suriyeli, İran -> İranlı, Irak -> Iraklı (vowel harmony)."""
    if " " in name:
        return None
    last = next((ch for ch in reversed(name.lower()) if ch in "aeıioöuü"), "e")
    return name + {"a": "lı", "ı": "lı", "e": "li", "i": "li", "o": "lu", "u": "lu"}.get(last, "lü")


def _russian_stem(name: str) -> str:
    """Сирия -> Сири, Россия -> Росси, Китай -> Кита, Иран -> Иран (endings by rule)."""
    if " " in name or "-" in name or name.isupper():
        return name
    if name.endswith(("ия", "а", "я", "й", "ь")):
        return name[:-1]
    return name


def _derived(lang: str, names: list[str]) -> tuple[list[str], list[str]]:
    """Extra name forms and demonyms derived from CLDR names by regular morphology."""
    extra: list[str] = []
    demonyms: list[str] = []
    for name in names:
        if lang == "ar":
            if name.startswith("ال") and " " not in name:
                extra.append(name[2:])
            demonyms.append(_arabic_nisba(name) or "")
        elif lang == "fa":
            demonyms.append(_persian_nisba(name) or "")
        elif lang == "tr":
            demonyms.append(_turkish_li(name) or "")
        elif lang == "ru":
            extra.append(_russian_stem(name))
    return sorted(set(extra) - set(names) - {""}), sorted(set(demonyms) - {""})


def _cities(zones: list[str], locales: dict[str, Locale]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tz in zones:
        en = tz.split("/")[1].replace("_", " ")
        if en in CITY_STOP:
            continue
        found.setdefault("en", []).append(en)
        for lang, loc in locales.items():
            city = loc.time_zones.get(tz, {}).get("city")
            if city and city != en:
                found.setdefault(lang, []).append(city)
    return {lang: sorted(set(v)) for lang, v in found.items()}


# Subdivision names made of these words alone say nothing about a country.
GENERIC = {
    "central", "eastern", "western", "northern", "southern", "north", "south", "east", "west",
    "capital", "centre", "center", "coast", "coastal", "lakes", "upper", "lower", "islands",
    "island", "sud", "nord", "est", "ouest", "centro", "norte", "sur", "oeste", "littoral",
    "plateau", "region", "province", "district", "city", "federal", "distrito", "north-east",
    "north-west", "south-east", "south-west", "northeast", "northwest", "southeast",
    "southwest", "mountain", "highlands", "river", "valley", "grand", "great", "new", "saint",
    "san", "santa", "la", "el", "al", "de", "del", "of", "the", "and",
}  # fmt: skip
# Names of seas, rivers and lakes are mostly the water, not the province.
WATER = ("sea", "river", "nile", "lake", "gulf", "bay", "paraná", "parana", "amazonas", "ocean")
SUFFIXES = (" Sheng", " Shi", " Zizhiqu", " Province", " Governorate", " Region", " District")


def _subdivisions(country_names: set[str]) -> dict[str, list[str]]:
    """Top-level ISO 3166-2 subdivisions (provinces, governorates, states) by country."""
    found: dict[str, list[str]] = {}
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None or "," in sub.name or "'" in sub.name:
            continue
        name = sub.name.split(" (")[0].split(" [")[0]
        for suffix in SUFFIXES:
            name = name.removesuffix(suffix)
        words = name.lower().replace("-", " ").split()
        if len(name) <= 4 or all(w in GENERIC for w in words) or name in country_names:
            continue
        if any(w in WATER for w in words) or name.lower() in VETO:
            continue
        found.setdefault(sub.country_code, []).append(name)
    return {code: sorted(set(names)) for code, names in found.items()}


def _entry(c: object, locales: dict[str, Locale], zones: list[str]) -> dict[str, object]:
    code = c.alpha_2  # type: ignore[attr-defined]
    names: dict[str, list[str]] = {}
    demonyms: dict[str, list[str]] = {}
    for lang, loc in locales.items():
        found = {loc.territories.get(code)}
        if lang == "en":
            found |= {getattr(c, a, None) for a in ("name", "official_name", "common_name")}
        base = sorted(n for n in found if n)
        extra, dems = _derived(lang, base)
        names[lang] = base + extra
        if dems:
            demonyms[lang] = dems
    aliases: dict[str, object] = {"name": names, "demonym": demonyms}
    cities = _cities(zones, locales)
    if cities:
        aliases["city"] = cities
    return {"alpha3": c.alpha_3, "name": c.name, "aliases": aliases}  # type: ignore[attr-defined]


def main() -> None:
    locales = {lang: Locale.parse(lang) for lang in LANGS}
    zones = _zones()
    countries = {
        c.alpha_2: _entry(c, locales, zones.get(c.alpha_2, []))
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    }
    names = {n for loc in locales.values() for n in loc.territories.values()}
    for code, subdivisions in _subdivisions(names).items():
        aliases = countries[code]["aliases"]
        aliases["region"] = {"*": subdivisions}  # type: ignore[index]
    doc = {
        "version": f"2-babel{babel.__version__}",
        "source": "ISO 3166-1 via pycountry; names and cities from CLDR via Babel; "
        "demonyms and stems derived by rule (tools/build_gazetteer.py)",
        "countries": countries,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {len(countries)} countries to {OUT.name}")


if __name__ == "__main__":
    main()
