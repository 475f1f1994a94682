"""Sector classification: traps, morphology in seven languages, evidence, versioning, seeds.

Every article here is written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dyad.core.sector_lexicon import METHOD_VERSION
from dyad.core.sectors import MAX_EVIDENCE, SectorClassifier, SectorResult, Taxonomy
from dyad.core.text import make_document

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "seeds.jsonl"
SEED_PRIMARY = {
    "seed-000": "trade",
    "seed-001": "diplomacy",
    "seed-002": "telecom",
    "seed-003": "sanctions",
    "seed-004": "diplomacy",
}


@pytest.fixture(scope="module")
def clf() -> SectorClassifier:
    return SectorClassifier(Taxonomy.load())


def run(clf: SectorClassifier, title: str, body: str) -> SectorResult:
    return clf.classify(make_document(title, body))


def ids(result: SectorResult) -> set[str]:
    return {s.id for s in result.sectors}


# --- phrases and contextual traps -------------------------------------------------

TRADE_UNION = (
    "The country's largest trade union called a general strike on Monday over pension cuts. "
    "Union leaders said teachers, nurses and bus drivers would stay at home. "
    "The trade union federation said the government had ignored its demands for months, "
    "and that talks with the labour ministry had broken down."
)


def test_trade_union_is_not_trade(clf: SectorClassifier) -> None:
    result = run(clf, "Unions call general strike over pensions", TRADE_UNION)
    assert "trade" not in ids(result)


def test_port_inside_other_words_is_not_transport(clf: SectorClassifier) -> None:
    body = (
        "The minister presented a report on the passport office and pledged support for "
        "the new sports programme. The report said the passport backlog had fallen. "
        "Opposition deputies said the support was important but came too late."
    )
    result = run(clf, "Minister presents report", body)
    assert "transport" not in ids(result)


def test_sanctioned_rally_is_not_sanctions(clf: SectorClassifier) -> None:
    body = (
        "Thousands joined a sanctioned rally in the capital on Saturday, the first officially "
        "sanctioned protest since the election. Police said the sanctioned march passed "
        "peacefully and organisers thanked the city council for its cooperation."
    )
    assert "sanctions" not in ids(run(clf, "Opposition holds sanctioned rally", body))


def test_oil_painting_and_political_power_are_not_energy(clf: SectorClassifier) -> None:
    body = (
        "The national museum opened an exhibition of oil paintings by the country's modern "
        "masters. Curators said the oil paintings had been restored over three years. "
        "The culture minister, who came to power last year, said the show would travel to "
        "three neighbouring capitals and draw visitors and tourists."
    )
    result = run(clf, "Museum shows restored oil paintings", body)
    assert "energy" not in ids(result)
    assert result.primary == "tourism"


def test_west_bank_is_not_finance(clf: SectorClassifier) -> None:
    body = (
        "Aid agencies delivered food parcels and tents to families displaced in the West Bank "
        "after the floods. The Red Crescent said relief convoys reached four villages, and "
        "that humanitarian needs were growing as refugees returned to damaged homes."
    )
    doc = make_document("Relief reaches flooded West Bank villages", body)
    tallies, _ = clf.tallies(doc)
    assert clf.taxonomy.ids.index("finance") not in tallies  # "bank" never matched
    assert clf.classify(doc).primary == "humanitarian"


@pytest.mark.parametrize(
    ("title", "body", "sector"),
    [
        (
            "Tehran opens credit line for Damascus",
            "Iran opened a new credit line of one billion dollars for Syria, the central bank "
            "said. The credit line will finance imports of fuel and medicine, and repayments "
            "will be made through a joint bank in local currencies.",
            "finance",
        ),
        (
            "Russian firm to build power plant in Syria",
            "A Russian company will build a gas-fired power plant near Homs that will add 500 "
            "megawatts to the national grid. The power plant is part of a plan to end daily "
            "electricity cuts, the electricity minister said.",
            "energy",
        ),
        (
            "Iran and Syria to cooperate in space technology",
            "The two countries agreed to cooperate in space technology, including satellite "
            "imagery and a ground station near Damascus. Space technology will help monitor "
            "crops and water resources, the communications minister said, adding that the "
            "satellites would also carry internet and mobile network traffic.",
            "telecom",
        ),
    ],
)
def test_phrases_make_their_sector(
    clf: SectorClassifier, title: str, body: str, sector: str
) -> None:
    result = run(clf, title, body)
    assert result.primary == sector
    assert sector in ids(result)


def test_a_passing_word_does_not_make_a_sector(clf: SectorClassifier) -> None:
    body = (
        "Iran and Iraq signed an agreement to double the number of direct flights between "
        "Tehran and Baghdad and to open a rail link through Shalamcheh. The transport "
        "ministers said freight trains would carry containers to Basra port, and that new "
        "airline routes would serve pilgrims and business travellers. "
        "Officials said the railway would be finished in two years. "
        "The ministers met on the sidelines of a conference that also touched on oil."
    )
    result = run(clf, "Iran and Iraq expand rail and air links", body)
    assert result.primary == "transport"
    assert "energy" not in ids(result)


def test_an_enumeration_of_fields_is_not_a_discussion_of_each(clf: SectorClassifier) -> None:
    body = (
        "The Syrian and Iranian foreign ministers met in Damascus to discuss regional "
        "developments and the political process. The ministers stressed cooperation in "
        "ports, agriculture, energy, health, industry, communications, transport, investment "
        "and trade. The visiting minister conveyed an invitation to the president for an "
        "official visit, and both sides praised the strategic relations between the two "
        "countries and their coordination at the United Nations."
    )
    result = run(clf, "Foreign ministers meet in Damascus", body)
    assert result.primary == "diplomacy"
    assert ids(result) & {"agriculture", "health", "telecom", "industry"} == set()


# --- languages and morphology -----------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "sector"),
    [
        (  # Arabic: attached و ب ل + ال, plural and adjective suffixes
            "سوريا وإيران تبحثان زيادة التبادل التجاري",
            "بحث وزير الاقتصاد مع وفد غرفة التجارة المشتركة زيادة الصادرات السورية وتخفيض "
            "الرسوم الجمركية. وقال إن والتجارة بين البلدين ستتضاعف، وإن المعارض التجارية "
            "ستقام بالتناوب، مشيراً إلى أن للتجار دوراً في تطوير الواردات.",
            "trade",
        ),
        (  # Persian: plural after ZWNJ and attached, ezafe
            "تحریم‌ها مانع همکاری نمی‌شود",
            "سخنگوی وزارت خارجه گفت تحریم‌های یکجانبه آمریکا مانع همکاری دو کشور نخواهد شد. "
            "او افزود تحریمها غیرقانونی است و فشار حداکثری شکست خورده است. "
            "به گفته او، لغو تحریم‌ها شرط هر مذاکره‌ای است.",
            "sanctions",
        ),
        (  # Russian: case endings and adjectives
            "Россия и Иран расширяют нефтяное сотрудничество",
            "Министры обсудили поставки нефти и строительство нефтепровода. Российские "
            "компании увеличат добычу нефти на иранских месторождениях, а также построят "
            "нефтеперерабатывающий завод. Экспорт нефтепродуктов вырастет.",
            "energy",
        ),
        (  # Turkish: suffix chains after stems and after apostrophes
            "Türkiye'nin Irak'a ihracatı rekor kırdı",
            "Ticaret Bakanlığı verilerine göre Türkiye'nin Irak'a ihracatı yüzde 20 arttı. "
            "İhracatçılar gümrük kapılarındaki yoğunluğun azaldığını belirtti. "
            "İki ülke arasındaki ticaret hacminin 30 milyar dolara çıkması hedefleniyor.",
            "trade",
        ),
        (  # French: elision and plural
            "L'Algérie et l'Italie signent un accord gazier",
            "L'Algérie augmentera ses livraisons de gaz naturel vers l'Italie grâce à un "
            "nouveau gazoduc. Les deux pays étudieront aussi l'exportation d'électricité "
            "et d'hydrogène, a indiqué le ministre de l'Énergie.",
            "energy",
        ),
        (  # Spanish: plural and gender endings
            "México y Guatemala refuerzan la cooperación sanitaria",
            "Los ministros de Salud acordaron ampliar la vacunación en la frontera y enviar "
            "médicos a los hospitales rurales. La campaña de vacunas contra el sarampión "
            "llegará a miles de pacientes, según la Organización Mundial de la Salud.",
            "health",
        ),
    ],
)
def test_languages_and_morphology(
    clf: SectorClassifier, title: str, body: str, sector: str
) -> None:
    result = run(clf, title, body)
    assert result.primary == sector, result


def test_arabic_card_is_not_energy(clf: SectorClassifier) -> None:
    body = (
        "أصدرت وزارة الداخلية بطاقة الهوية الجديدة للمواطنين. وقالت الوزارة إن البطاقة "
        "تحمل شريحة إلكترونية، وإن بطاقات الإقامة ستصدر بالطريقة نفسها."
    )
    assert "energy" not in ids(run(clf, "بطاقة هوية جديدة", body))


# --- evidence, scores, empty input ------------------------------------------------


def test_evidence_is_the_matched_text_and_bounded(clf: SectorClassifier) -> None:
    body = " ".join(
        f"Exports of {good} rose and imports of machinery fell, the chamber of commerce said."
        for good in ("wheat", "steel", "cars", "textiles", "dates", "cement", "copper")
    )
    result = run(clf, "Trade surplus widens as exports climb", body)
    trade = next(s for s in result.sectors if s.id == "trade")
    assert 0.0 < trade.score <= 1.0
    assert 1 <= len(trade.evidence) <= MAX_EVIDENCE
    assert "exports" in trade.evidence
    for term in trade.evidence:
        assert term in ("trade surplus widens as exports climb " + body).lower()


def test_nothing_to_say(clf: SectorClassifier) -> None:
    assert run(clf, "", "") == SectorResult([], None)
    assert run(clf, "Weather", "It was sunny in the morning and cloudy later.").primary is None


def test_primary_comes_first_and_is_kept(clf: SectorClassifier) -> None:
    body = (
        "The central bank raised interest rates to fight inflation, and commercial banks "
        "said loans would cost more. The currency rose against the dollar. "
        "Exporters said a stronger currency would hurt their sales abroad."
    )
    result = run(clf, "Central bank raises rates", body)
    assert result.primary == "finance"
    assert result.sectors[0].id == "finance"


# --- data, versions, operators' files ---------------------------------------------


def test_version_changes_with_data_and_method(tmp_path: Path) -> None:
    base = Taxonomy.load()
    assert f"-m{METHOD_VERSION}-" in base.version
    extra = tmp_path / "ops.json"
    extra.write_text(json.dumps({"language": "en", "sectors": {"trade": {"souk": 3}}}))
    assert Taxonomy.load(extra=[extra]).version != base.version
    assert Taxonomy.load().version == base.version


def test_operators_add_and_remove_terms(tmp_path: Path) -> None:
    body = (
        "Merchants at the souk said the souk reopened after repairs. "
        "The souk draws buyers from across the region, the souk committee said."
    )
    assert run(SectorClassifier(Taxonomy.load()), "Old souk reopens", body).primary is None
    extra = tmp_path / "ops.json"
    extra.write_text(json.dumps({"language": "en", "sectors": {"trade": {"souk*": 3}}}))
    added = SectorClassifier(Taxonomy.load(extra=[extra]))
    assert run(added, "Old souk reopens", body).primary == "trade"
    extra.write_text(json.dumps({"language": "en", "sectors": {"trade": {"souk*": 0}}}))
    removed = SectorClassifier(Taxonomy.load(extra=[extra]))
    assert run(removed, "Old souk reopens", body).primary is None


def test_unknown_sector_in_operator_file_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "bad.json"
    extra.write_text(json.dumps({"language": "en", "sectors": {"mining": {"ore": 2}}}))
    with pytest.raises(ValueError, match="unknown sector"):
        Taxonomy.load(extra=[extra])


def test_taxonomy_has_the_sixteen_sectors_in_seven_languages() -> None:
    taxonomy = Taxonomy.load()
    assert len(taxonomy.ids) == 16
    spec = json.loads((Path(taxonomy_dir()) / "sectors.json").read_text("utf-8"))
    for lang in ("en", "ar", "fa", "fr", "ru", "tr", "es"):
        terms = json.loads((Path(taxonomy_dir()) / "terms" / f"{lang}.json").read_text("utf-8"))
        assert set(terms["sectors"]) == set(spec["sectors"]), lang
        assert all(len(words) >= 10 for words in terms["sectors"].values()), lang


def taxonomy_dir() -> str:
    from dyad.core.sector_lexicon import DATA_DIR

    return str(DATA_DIR)


# --- the seed articles ------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.exists(), reason="shared seed articles not present")
def test_seed_primary_sectors(clf: SectorClassifier) -> None:
    got = {}
    for line in SEEDS.read_text("utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            got[raw["id"]] = run(clf, raw.get("title") or "", raw["body"]).primary
    assert got == SEED_PRIMARY
