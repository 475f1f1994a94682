"""Country recognition: traps, morphology, links, salience, the gazetteer and the seeds.

Every article here is written for the test; the seed check reads the shared seeds
file when it is present.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pycountry
import pytest

from dyad.core import scan_copy
from dyad.core.countries import METHOD_VERSION, CountryRecognizer, CountryResult, Gazetteer
from dyad.core.latin_scan import configs
from dyad.core.matching import MAX_SUFFIX, START, _run_end, find
from dyad.core.pipeline import Pipeline
from dyad.core.scan_copy import PROBES
from dyad.core.text import make_document, mark_breaks, scan_form

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "seeds.jsonl"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def rec(gazetteer: Gazetteer) -> CountryRecognizer:
    return CountryRecognizer(gazetteer)


def run(rec: CountryRecognizer, title: str, body: str = "") -> CountryResult:
    return rec.recognise(make_document(title, body))


def codes(result: CountryResult) -> set[str]:
    return {c.code for c in result.countries}


def pair(result: CountryResult) -> tuple[str, str] | None:
    return result.pair.countries if result.pair else None


# --- ambiguous words -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "absent"),
    [
        ("Turkey prices soar before the holiday", "Farmers sold every turkey they had.", "TR"),
        ("Roast Turkey recipes for a family dinner", "Stuff the bird and roast it.", "TR"),
        ("Jordan Peterson to speak in London", "Jordan said he would discuss his book.", "JO"),
        ("Michael Jordan buys a new team", "The former player spoke to reporters.", "JO"),
        ("Georgia voters head to the polls", "Atlanta suburbs saw long queues.", "GE"),
        ("Chad Smith joins the band on tour", "Chad Smith played drums all night.", "TD"),
        ("Guinea pig breeders meet", "A guinea pig show drew hundreds of visitors.", "GN"),
        ("Boats on the Niger River", "Fishermen on the Niger River report low water.", "NE"),
        ("Auction of fine china", "The fine china set sold for a record price.", "CN"),
        ("Let us talk about trade", "Tell us what you think about tariffs.", "US"),
        ("Tankers cross the Persian Gulf", "Shipping in the Persian Gulf rose.", "IR"),
        ("Storm over the Indian Ocean", "The cyclone crossed the Indian Ocean.", "IN"),
        ("Latin American leaders meet", "South American ministers discussed trade.", "US"),
        ("Chile pepper harvest in New Mexico", "Growers say the chile crop is small.", "CL"),
    ],
)
def test_ambiguous_words_are_not_countries_without_context(
    rec: CountryRecognizer, title: str, body: str, absent: str
) -> None:
    assert absent not in codes(run(rec, title, body))


@pytest.mark.parametrize(
    ("title", "body", "present"),
    [
        ("Turkey and Syria reopen a border crossing", "Officials met in Ankara.", "TR"),
        ("Jordan's foreign minister visits Baghdad", "He met Iraqi officials.", "JO"),
        ("Georgia signs a transit deal with Azerbaijan", "Tbilisi will host talks.", "GE"),
        ("Refugees cross into Chad", "Aid groups in Chad asked for help.", "TD"),
        ("Niger's junta meets Malian officials", "Officials in Niamey confirmed it.", "NE"),
        ("China and Russia hold naval drills", "Beijing said the drills were routine.", "CN"),
    ],
)
def test_ambiguous_words_count_when_context_says_so(
    rec: CountryRecognizer, title: str, body: str, present: str
) -> None:
    assert present in codes(run(rec, title, body))


def test_georgia_the_us_state_counts_for_the_united_states(rec: CountryRecognizer) -> None:
    result = run(
        rec,
        "Mexican firms open plants in Atlanta, Georgia",
        "Mexican exporters met buyers in Georgia and Texas on Monday.",
    )
    assert pair(result) == ("MX", "US")


# --- matching details ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Iran-Syria trade council meets", ("IR", "SY")),
        ("Syrian-Jordanian border reopens", ("JO", "SY")),
        ("Tehran-Damascus ties deepen", ("IR", "SY")),
        ("Iran's and Iraq's ministers talk", ("IQ", "IR")),
        ("U.S. and Mexican officials discuss tariffs", ("MX", "US")),
        ("The Kremlin hosts the Knesset speaker", ("IL", "RU")),
        ("The Islamic Republic denounces the Zionist regime", ("IL", "IR")),
        ("SANA: Damascus welcomes IRNA delegation", ("IR", "SY")),
    ],
)
def test_english_forms(rec: CountryRecognizer, title: str, expected: tuple[str, str]) -> None:
    assert pair(run(rec, title)) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # Arabic: attached prefixes, ي/ی and ك/ک variants, tatweel, diacritics.
        ("وزير الخارجية الإيراني يزور دمشق والتقى نظيره السوري", ("IR", "SY")),
        ("اتفاق بين ايـــران وسوريا للتعاون", ("IR", "SY")),
        ("إِيرَان تُرسِل وفداً إلى العراق", ("IQ", "IR")),
        ("دعم للعراق من الجمهورية الإسلامية", ("IQ", "IR")),
        ("الوفد الأردني بالسورية بحث الربط الكهربائي مع الجانب السوري", ("JO", "SY")),
        # Persian: ی/ک letters, ZWNJ, demonyms.
        ("دیدار وزیر امور خارجه ایران با همتای سوری در دمشق", ("IR", "SY")),
        ("سفر هیئت عراقی به تهران برای گفت\u200cوگو", ("IQ", "IR")),
        ("روابط ايران و سوريه در حوزه انرژی", ("IR", "SY")),
        # Russian: case endings and adjectives.
        ("Министр иностранных дел Ирана прибыл в Сирию", ("IR", "SY")),
        ("Иранская делегация провела переговоры с сирийской стороной", ("IR", "SY")),
        ("Кремль и Пекин договорились о поставках газа", ("CN", "RU")),
        # Turkish: apostrophe suffixes and -li demonyms.
        ("İran'ın Dışişleri Bakanı Suriyeli mevkidaşıyla görüştü", ("IR", "SY")),
        ("Iraklı heyet Ankara'da temaslarda bulundu", ("IQ", "TR")),
        # French and Spanish: gendered and plural demonyms.
        ("La délégation iranienne reçue par les autorités syriennes", ("IR", "SY")),
        ("Los ministros iraníes y sirios firmaron un acuerdo", ("IR", "SY")),
        # Chinese: no word boundaries.
        ("伊朗和叙利亚签署贸易协议", ("IR", "SY")),
    ],
)
def test_other_languages(rec: CountryRecognizer, title: str, expected: tuple[str, str]) -> None:
    assert pair(run(rec, title)) == expected


def test_persian_word_is_not_arabic_prefix_plus_name(rec: CountryRecognizer) -> None:
    # "بیابان" (desert) must not read as ب + یابان (Japan in Arabic).
    result = run(rec, "گرد و غبار بیابان\u200cهای عراق", "ریزگردها از بیابان\u200cهای عراق آمد.")
    assert "JP" not in codes(result)


def test_arabic_word_that_contains_a_name_is_not_a_mention(rec: CountryRecognizer) -> None:
    # "مصرف" (bank) starts like "مصر" (Egypt); "قطره" is not Qatar.
    assert "EG" not in codes(run(rec, "المصرف المركزي يرفع الفائدة", "قرار المصرف جاء أمس."))


def test_acronym_needs_capitals_and_names_need_capital_initial(rec: CountryRecognizer) -> None:
    assert "US" in codes(run(rec, "US imposes new tariffs"))
    assert codes(run(rec, "us and them", "turkey, jordan and chad are words.")) == set()


def test_ending_run_matches_the_character_rule() -> None:
    # The ending after an alias is the run of str.isalnum characters (digits of any script
    # included, "_" and marks not), at most one past the longest ending; the matcher finds
    # it with a slice test or a regular expression, which must agree with the rule.
    rng = random.Random(11)
    alphabet = (
        "aZ9_ -'.\u0661\u0663\u00b2\u0301\u064b\u0627\u0644\u0418\u4e2d\u00e9\u0130\u2160%\u060c"
    )
    for _ in range(3000):
        folded = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        end = rng.randint(0, len(folded))
        limit = min(len(folded), end + MAX_SUFFIX + 1)
        stop = end
        while stop < limit and folded[stop].isalnum():
            stop += 1
        assert _run_end(folded, end, limit) == stop, (folded, end)


def test_matches_are_plain_tuples_in_text_order(gazetteer: Gazetteer) -> None:
    text = "Iran, Syria and the US; ایران و سوریه; Иран и Сирия; 伊朗"
    found = find(gazetteer.index, text)
    starts = [m[START] for m in found.matches]
    assert starts == sorted(starts) and len(found.matches) >= 7
    for start, end, alias, prefix in found.matches:
        assert text[start:end] and alias.code in {"IR", "SY", "US"} and prefix == ""


def test_rust_latin_pass_gives_the_automaton_output(gazetteer: Gazetteer) -> None:
    # The Latin pass runs in Rust unless the text holds a "config" (core.latin_scan): on
    # text made of keys, their beginnings, configs and filler, both passes must give the
    # same hits, and only a text with a config may be handed back to pyahocorasick.
    automaton = gazetteer.index.automata["latn"]
    latin = gazetteer.index.latin
    assert latin is not None
    keys = list(automaton.keys())
    found = configs(set(keys))
    filler = [" ", "  ", " the", " and", "s", "ian", " new", " of", "x", "'s", " 12", "é", "ı"]
    rng = random.Random(5)
    compared = handed_back = 0
    for _ in range(4000):
        pieces = []
        for _ in range(rng.randint(1, 8)):
            roll = rng.random()
            piece = rng.choice(found if roll < 0.15 else keys if roll < 0.6 else filler)
            pieces.append(piece[: rng.randint(1, len(piece))] if rng.random() < 0.2 else piece)
        text = "".join(pieces)
        hits = latin.hits(text)
        if hits is None:
            handed_back += 1
            assert any(c in text for c in found), text
            continue
        compared += 1
        assert hits == list(automaton.iter_long(text)), text
    assert compared > 1500 and handed_back > 100
    # Long texts go to pyahocorasick, which does not hold every match at once.
    assert latin.hits(" iran" * 20_000) is None
    assert latin.hits(" iran" * 2_000) == list(automaton.iter_long(" iran" * 2_000))


def test_scan_copy_shortcuts_match_the_plain_tests() -> None:
    # core.scan_copy lists the ASCII characters of an Arabic-script text and reads the
    # UTF-16 high bytes to skip presence tests: the result must be the plain one.
    rng = random.Random(3)
    pool = (
        "ایرانسوریهالکپچژگ ٠١٢"  # Arabic and Persian letters, Arabic-Indic digits
        + "abcIeaiont 0.!?\n-('\"/[],:;*|«“„—–‘’»”•·"  # Latin, separators, breaks
        + "оеанИ的国中のに\u2014\u00e9\ud83d\U0001f600\x00\t"  # other scripts, astral
    )
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        plain = (
            ["latn"]
            if text.isascii()
            else [script for script, probe in PROBES.items() if any(ch in text for ch in probe)]
        )
        assert scan_copy.scripts(text) == plain, text
        breaks = mark_breaks(text)
        expected = (breaks, " " + scan_form(breaks))
        assert scan_copy.forms(text, True) == expected, text
        assert scan_copy.forms(text, False) == expected, text


# --- salience, pair and evidence -------------------------------------------------------


def test_passing_third_country_does_not_displace_the_pair(rec: CountryRecognizer) -> None:
    body = (
        "Iranian and Syrian officials signed a memorandum on electricity in Damascus.\n"
        "US sanctions have slowed payments, and US sanctions were discussed again.\n"
        "The US Treasury has warned banks. US sanctions, officials said, hurt both.\n"
        "Tehran will send engineers to Syria next month."
    )
    result = run(rec, "Iran and Syria sign power deal", body)
    assert pair(result) == ("IR", "SY")


def test_actors_outrank_passing_mentions(rec: CountryRecognizer) -> None:
    body = (
        "The Iraqi foreign minister met his Jordanian counterpart in Amman on Monday.\n"
        "They discussed a pipeline; Russian and Chinese firms and Chinese banks were "
        "mentioned as possible lenders, and China was named again."
    )
    assert pair(run(rec, "Ministers discuss a pipeline", body)) == ("IQ", "JO")


def test_event_lists_every_country_with_score_mentions_and_evidence(
    rec: CountryRecognizer,
) -> None:
    result = run(rec, "Iran and Syria sign a deal", "Officials in Damascus and Tehran welcomed it.")
    by_code = {c.code: c for c in result.countries}
    assert set(by_code) == {"IR", "SY"}
    iran = by_code["IR"]
    assert iran.mentions == 2 and iran.score > 0
    assert {(e.text, e.where) for e in iran.evidence} == {("Iran", "title"), ("Tehran", "lead")}
    assert result.pair is not None and 0.0 <= result.pair.score <= 1.0


def test_single_country_has_no_pair_and_weak_second_lowers_confidence(
    rec: CountryRecognizer,
) -> None:
    assert run(rec, "Iran raises fuel prices", "Iranian drivers queued in Tehran.").pair is None
    strong = run(rec, "Iran and Syria sign a deal", "Iranian and Syrian ministers met.").pair
    weak = run(
        rec,
        "Iran raises exports",
        "Iranian firms sold more. Iranian output rose. Syria buys some. Syrian buyers pay late.",
    ).pair
    assert strong and weak and weak.score < strong.score
    # One plain mention in the body is passing: visitors, a buyer among others.
    single = run(
        rec, "Iran raises exports", "Iranian firms sold more. Iranian output rose. Syria buys some."
    )
    assert [c.code for c in single.countries] == ["IR", "SY"] and single.pair is None


def test_boilerplate_mentions_do_not_count(rec: CountryRecognizer) -> None:
    body = (
        "Iranian and Syrian ministers agreed on a new credit line in Damascus on Sunday.\n"
        "The deal covers fuel and wheat deliveries over two years.\n"
        "Related articles\n"
        "- Japan and Korea sign a fisheries pact\n"
        "- Brazil raises soybean exports to China\n"
        "- Egypt and Sudan discuss the Nile dam"
    )
    result = run(rec, "Credit line agreed", body)
    assert codes(result) == {"IR", "SY"}


def test_province_names_only_confirm_a_country_named_otherwise(rec: CountryRecognizer) -> None:
    # "Neuquén" is an Argentine province: it adds to Argentina once Argentina is named,
    # but a province alone never brings a country in.
    alone = run(rec, "Wind farm opens in Neuquén", "The Neuquén plant has 40 turbines.")
    assert "AR" not in codes(alone)
    named = run(
        rec,
        "Chinese firm opens wind farm in Argentina",
        "The Neuquén plant, built by a Chinese company, supplies Argentine towns.",
    )
    assert pair(named) == ("AR", "CN")


def test_a_place_name_shared_by_two_countries_follows_the_article(
    rec: CountryRecognizer,
) -> None:
    # القنيطرة is Quneitra (Syria) and Kenitra (Morocco).
    morocco = run(rec, "مصنع جديد في القنيطرة", "افتتح المغرب مصنعاً في القنيطرة قرب الرباط.")
    assert "MA" in codes(morocco) and "SY" not in codes(morocco)


def test_lower_case_alias_of_one_language_counts_in_that_language(
    rec: CountryRecognizer,
) -> None:
    spanish = run(
        rec,
        "Una empresa china invierte en el norte de Chile",
        "La empresa construirá una planta de litio en la región, con una inversión de "
        "200 millones de dólares, según el acuerdo firmado con los gremios del sector.",
    )
    assert pair(spanish) == ("CL", "CN")


def test_one_mention_in_a_list_does_not_outweigh_the_story(rec: CountryRecognizer) -> None:
    body = (
        "Iranian engineers reached the Syrian city of Homs to repair the cement plant.\n"
        "The Syrian side will pay part of the cost in local products.\n"
        "The ministry is looking for partners, foremost among them Tehran and Moscow."
    )
    assert pair(run(rec, "Iranian firms to rebuild a cement plant", body)) == ("IR", "SY")


def test_two_countries_phrase_keeps_a_weak_second_country(rec: CountryRecognizer) -> None:
    result = run(
        rec,
        "Satellite operators sign capacity deal",
        "Azerbaijan's operator will share capacity with Turkish broadcasters; "
        "the two countries will link their ground stations.",
    )
    assert pair(result) == ("AZ", "TR")


# --- the gazetteer ---------------------------------------------------------------------


def test_every_iso_country_has_names_in_the_languages_we_read() -> None:
    data = json.loads((Gazetteer.load.__defaults__[0] / "countries.json").read_text("utf-8"))  # type: ignore[index]
    iso = {c.alpha_2 for c in pycountry.countries}
    assert set(data["countries"]) == iso
    for code in ("IR", "SY", "US", "TD", "NE"):
        names = data["countries"][code]["aliases"]["name"]
        assert all(names.get(lang) for lang in ("en", "ar", "fa", "fr", "ru", "tr", "es", "zh"))


def test_operator_file_adds_aliases_and_changes_the_version(tmp_path: Path) -> None:
    extra = tmp_path / "aliases_local.json"
    extra.write_text(
        json.dumps({"version": "7", "countries": {"SY": {"city": {"en": ["Kessab Town"]}}}}),
        "utf-8",
    )
    base = Gazetteer.load()
    custom = Gazetteer.load(extra=[extra])
    assert custom.version != base.version and "aliases_local-7" in custom.version
    result = CountryRecognizer(custom).recognise(make_document("Fire near Kessab Town", ""))
    assert codes(result) == {"SY"}


def test_classifier_version_names_the_gazetteer_and_the_recognition_method() -> None:
    version = Pipeline.default().classifier_version
    assert f".g-{Gazetteer.load().version}-m{METHOD_VERSION}.t-" in version


# --- the seeds -------------------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds folder absent")
def test_seed_articles_are_all_iran_syria(rec: CountryRecognizer) -> None:
    for line in SEEDS.read_text("utf-8").splitlines():
        article = json.loads(line)
        result = run(rec, article["title"], article["body"])
        assert pair(result) == ("IR", "SY"), article["id"]


def test_persian_monday_is_not_dushanbe_without_tajikistan() -> None:
    # In Persian the capital of Tajikistan is spelled like "Monday" (دوشنبه).
    from dyad.core.countries import CountryRecognizer, Gazetteer
    from dyad.core.text import make_document

    recogniser = CountryRecognizer(Gazetteer.load())
    weekday = "روز دوشنبه وزیر امور خارجه ایران در دمشق با همتای سوری خود دیدار کرد."
    codes = {c.code for c in recogniser.recognise(make_document("", weekday)).countries}
    assert "TJ" not in codes
    capital = "رئیس جمهور تاجیکستان در دوشنبه با هیئت ایرانی دیدار کرد."
    result = recogniser.recognise(make_document("", capital))
    tj = next(c for c in result.countries if c.code == "TJ")
    assert tj.mentions == 2
