"""Normalisation and boilerplate stripping (core.text, core.boilerplate).

All article text here is written for the test.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dyad.core.text import _CHAR_FOLD, _markers, fold, make_document, normalise

PROSE = (
    "The two ministers agreed to open a joint trade office in the capital next spring.\n"
    "Officials said customs procedures would be simplified for small exporters."
)


def kept(body: str, title: str = "") -> str:
    doc = make_document(title, body)
    return f"{doc.lead}\n{doc.body}"


# --- normalisation ---------------------------------------------------------------------


def test_normalise_folds_arabic_script_variants_and_drops_marks() -> None:
    assert normalise("إِيرَانُ") == "إیران"  # marks gone, ي -> ی
    assert normalise("ســوريا") == "سوریا"  # tatweel gone, ي -> ی
    assert normalise("كرمانشاه") == "کرمانشاه"
    assert normalise("گفت\u200cوگو") == "گفت وگو"  # ZWNJ keeps the morphemes apart
    assert normalise("  a\u00a0 b\t c ") == "a b c"
    assert normalise("\u201cquoted\u201d \u2018x\u2019") == "\"quoted\" 'x'"


@given(st.text(max_size=300))
def test_normalise_is_deterministic_and_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(text) == once
    assert normalise(once) == once


# The rule normalise() implements, written plainly (three passes): the fast version
# must give the same text, since dedup fingerprints depend on it.
_MARKS = re.compile(
    "[\u0640\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u0300-\u036f\u0483-\u0489"
    "\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff]"
)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BLANKS = re.compile("[ \t\r\f\v\u00a0\u1680\u2000-\u200c\u2028\u2029\u202f\u205f\u3000]+")


def _reference_normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for src, dst in _CHAR_FOLD:
        text = text.replace(src, dst)
    text = _CONTROLS.sub(" ", _MARKS.sub("", text))
    return _BLANKS.sub(" ", text).strip()


_TRICKY = st.sampled_from(
    list("aZ .\n\t\r\x0b\x0c\x00\x1f\x7f\x85\x9f\u00a0\u2003\u200b\u200c\u200d\u200e")
    + list("\u202a\u2066\ufeff\u0301\u064b\u0640\u0670\u2028\u3000\u1680\u064a\u0643\u2019")
    + ["ي", "سوريا", "Ирана", "İ", "ﬁ"]
)


@given(st.lists(_TRICKY, max_size=60).map("".join) | st.text(max_size=200))
def test_normalise_matches_the_plain_rule(text: str) -> None:
    assert normalise(text) == _reference_normalise(text)


def test_normalise_examples_match_the_plain_rule() -> None:
    for text in [
        "a \u064e b",
        "a\u064eb",
        "a\u200c\u064e b",
        " \x0b\t x \u0640 ",
        "x\u00a0\u00a0y\n z ",
    ]:
        assert normalise(text) == _reference_normalise(text)


@given(st.text(max_size=300))
def test_fold_keeps_every_offset(text: str) -> None:
    assert len(fold(text)) == len(text)


# Lines, sentence ends, chrome and a glued footer, so that lines are dropped and cut.
_DOC_PIECES = st.lists(
    st.sampled_from(
        ["\n", ". ", "Iran", "ΟΔΟΣ", "Σ", "İ", "ß", "Ё", "إ", "ة", "\u064e", " ", "a", "Share",
         "Latest news", "All rights reserved", "Related articles\n", "word " * 30]
    )
    | st.text(max_size=5),
    max_size=60,
)  # fmt: skip


@given(_DOC_PIECES, st.text(max_size=20))
def test_document_folded_is_the_fold_of_its_text(pieces: list[str], title: str) -> None:
    # Document.folded is assembled from lines folded for the boilerplate pass; it must
    # be exactly what folding title, lead and body would give.
    doc = make_document(title, "".join(pieces))
    assert doc.folded == fold(doc.text)


# --- boilerplate -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "chrome",
    [
        "Related articles\n- Ghana and Togo sign a power deal\n- Peru opens a copper mine",
        "You might also like\nLatest news\nGhana Signs Power Deal Peru Opens Copper Mine "
        "Chile Raises Rates Kenya Buys Wheat",
        "اقرأ أيضاً:\nالأردن ولبنان يبحثان الربط الكهربائي\nقطر تطلق منصة للدفع",
        "اخبار مرتبط\nافزایش صادرات فرش به آلمان\nنشست وزیران نفت در وین",
        "Lire aussi : Le Maroc et l'Espagne signent un accord de pêche",
        "Читайте также\nКитай увеличил закупки зерна\nИндия запустила спутник",
        "İlgili Haberler\nMısır ile Sudan arasında su görüşmesi\nKatar yeni havalimanı açtı",
        "Noticias relacionadas\nPerú y Chile firman un acuerdo\nMéxico exporta más acero",
        "SHARE THIS ARTICLE\nFacebook  X  Telegram  WhatsApp  Email",
        "شارك الخبر: فيسبوك | تويتر | واتساب",
        "© 2024 Example Agency. All rights reserved.",
        "جميع الحقوق محفوظة لوكالة الأنباء 2024",
        "Chile Raises Rates\nKenya Buys Wheat\nPeru Opens Copper Mine\nGhana Signs Power Deal",
    ],
)
def test_trailing_chrome_is_removed_in_every_language(chrome: str) -> None:
    assert kept(f"{PROSE}\n{chrome}").split() == PROSE.split()


def test_crumbs_at_the_top_are_removed() -> None:
    for crumb in ("Home / World / Middle East", "الرئيسية / اقتصاد / محليات", "News  »  Asia"):
        assert kept(f"{crumb}\n{PROSE}").split() == PROSE.split()


def test_footer_glued_to_a_one_line_body_is_cut() -> None:
    body = (
        "The two ministers agreed to open a joint trade office in the capital next spring. "
        "Officials said customs procedures would be simplified for small exporters. "
        "Latest news Kenya Buys Wheat From Ukraine Peru Opens Copper Mine Chile Raises Rates"
    )
    text = kept(body)
    assert "Kenya" not in text and "small exporters." in text


def test_licence_sentence_glued_to_the_last_paragraph_is_cut() -> None:
    body = (
        PROSE.replace("\n", " ")
        + " All content by Example Agency is licensed under a Creative Commons licence."
    )
    text = kept(body)
    assert "licensed" not in text and "small exporters." in text


def test_block_in_the_middle_stops_at_the_next_paragraph() -> None:
    body = (
        "The two ministers agreed to open a joint trade office in the capital next spring.\n"
        "Read also: Peru opens a new copper mine\n"
        "Officials said customs procedures would be simplified for small exporters."
    )
    text = kept(body)
    assert "Peru" not in text and "small exporters." in text


def test_prose_that_starts_like_a_marker_is_kept() -> None:
    body = (
        "Latest news from the talks suggests the two sides are close to a deal on tariffs.\n"
        "شارك الوزير في الاجتماع الذي عقد في العاصمة لبحث التعاون الاقتصادي بين البلدين.\n" + PROSE
    )
    text = kept(body)
    assert "Latest news from the talks" in text and "شارک الوزیر" in text


def test_removed_counts_the_dropped_characters() -> None:
    doc = make_document("", f"{PROSE}\nRelated articles\n- Ghana and Togo sign a power deal")
    assert doc.removed == len("Related articles") + len("- Ghana and Togo sign a power deal")


_PHRASES = sorted({*_markers().licence, *_markers().glued})


@given(st.lists(st.sampled_from(_PHRASES) | st.text(max_size=8), max_size=8))
def test_the_byte_prefilter_finds_a_phrase_exactly_when_the_automaton_does(
    pieces: list[str],
) -> None:
    # _cut_glued returns a line at once when the byte finder sees no phrase in it.
    key = "".join(pieces)
    markers = _markers()
    found = bool(markers.finder.find_matches_as_indexes(key.encode("utf-8", "surrogatepass")))
    assert found == any(True for _ in markers.automaton.iter(key))
