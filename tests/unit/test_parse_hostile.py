"""Hostile input: parsing and normalisation turn any bytes into an article or a rejection."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dyad.core.dedup import MemoryDedupIndex
from dyad.core.models import RawArticle
from dyad.core.parse import Rejected, parse_article, parse_slow
from dyad.core.pipeline import InputRecord, Pipeline
from dyad.core.text import make_document, normalise


def _doc(**fields: object) -> bytes:
    return orjson.dumps({"id": "x1", "title": "t", "body": "b", **fields})


HOSTILE: list[tuple[bytes | None, str | None]] = [
    (None, "tombstone"),
    (b"", "empty"),
    (b" \n\t", "empty"),
    (b"{not json", "invalid_json"),
    (b"\xff\xfe\x00garbage", "invalid_utf8"),
    (b'{"id": "a\xc3", "title": "", "body": ""}', "invalid_utf8"),
    (b"\x00\x00\x00\x00", "invalid_json"),
    (b'{"id": "a\x01", "title": "", "body": ""}', "invalid_json"),  # raw control byte
    (b"[" * 10_000 + b"]" * 10_000, "invalid_json"),
    (b'{"id":"a","title":"","body":"","metadata":' + b"[" * 10_000 + b"]" * 10_000 + b"}", None),
    (b'{"id": "a", "title": "t", "body": "b", "metadata": {"n": NaN}}', "invalid_json"),
    (b'{"id": "a", "title": "t", "body": "b", "n": ' + b"9" * 10_000 + b"}", "invalid_json"),
    (b'{"id": "a", "id": "b", "title": "t", "body": "b"}', "duplicate_key"),
    (b'{"id": "a", "title": "t", "body": "b", "metadata": {"k": 1, "k": 2}}', "duplicate_key"),
    (b'{"id": 1, "title": "t", "body": "b"}', "invalid_field"),
    (b'{"id": "a", "title": null, "body": "b"}', "invalid_field"),
    (b'{"id": "", "title": "t", "body": "b"}', "invalid_field"),
    (b'{"title": "t", "body": "b"}', "missing_field"),
    (b'"just a string"', "not_an_object"),
    (b"[1, 2]", "not_an_object"),
    (b"null", "not_an_object"),
    (_doc(id="x" * 100_000), "invalid_field"),
    (b'{"id": "a", "title": "t", "body": "\\ud800"}', "invalid_json"),  # lone surrogate
]


@pytest.mark.parametrize(("value", "reason"), HOSTILE)
def test_hostile_values_are_rejected_with_a_reason(value: bytes | None, reason: str | None) -> None:
    out = parse_article(value)
    assert isinstance(out, Rejected)
    assert out.message
    if reason is not None:
        assert out.reason == reason


def test_bom_nul_rtl_html_sql_are_articles_and_normalise() -> None:
    body = "Iran\u202e and Syria\x00 <script>alert(1)</script> '; DROP TABLE articles;--"
    out = parse_article(b"\xef\xbb\xbf" + _doc(body=body))
    assert isinstance(out, RawArticle)
    doc = make_document(out.title, out.body)
    assert "\u202e" not in doc.full and "\x00" not in doc.full
    assert "DROP TABLE" in doc.full


def test_oversized_value_is_rejected_before_parsing() -> None:
    out = parse_article(b"{" + b" " * 2_000_000 + b"}", max_bytes=1_048_576)
    assert isinstance(out, Rejected) and out.reason == "too_large"


def test_oversized_dead_letter_is_truncated_and_hashed(pipeline: Pipeline) -> None:
    value = _doc(body="é" * 4_000_000)
    out = pipeline.process_batch([InputRecord(value)], MemoryDedupIndex(max_entries=1000), now=0.0)[
        0
    ]
    dl = out.dead_letter
    assert dl is not None and dl.error.type == "too_large"
    assert dl.raw_truncated and dl.raw_size == len(value) and dl.raw_sha256
    assert len(out.value) < 1_048_576


# -- property-based: any bytes in, never an exception out --------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
ARTICLEISH = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=40), "title": st.text(), "body": st.text()},
    optional={"url": JSONISH, "source": JSONISH, "language": JSONISH, "metadata": JSONISH},
)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_an_article_or_a_rejection(value: bytes) -> None:
    assert isinstance(parse_article(value), RawArticle | Rejected)


@settings(max_examples=300, deadline=None)
@given(JSONISH)
def test_any_json_gives_an_article_or_a_rejection(data: object) -> None:
    assert isinstance(parse_article(json.dumps(data).encode()), RawArticle | Rejected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLEISH)
def test_articles_go_through_the_whole_pipeline(
    pipeline: Pipeline, data: dict[str, object]
) -> None:
    value = json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")
    outs = pipeline.process_batch([InputRecord(value)], MemoryDedupIndex(max_entries=1000), now=0.0)
    assert len(outs) == 1
    orjson.loads(outs[0].value)  # every output is valid JSON


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_normalise_never_raises_and_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    make_document(text, text)


# -- the fast path agrees with the slow one ------------------------------------------------

_KEYS = st.sampled_from(["id", "title", "body", "url", "source", "metadata", "language", "x:y"])
_SCALARS = st.none() | st.booleans() | st.integers() | st.text(alphabet=': a"\\é\u0645')
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.lists(st.tuples(_KEYS, inner), max_size=3),
    max_leaves=8,
)


def _write(value: object, spaced: bool, escaped: bool) -> str:
    """JSON text written by hand, so that an object may repeat a key (a list of pairs)."""
    if isinstance(value, list) and value and all(isinstance(p, tuple) for p in value):
        sep = " : " if spaced else ":"
        items = (f"{_write(k, spaced, escaped)}{sep}{_write(v, spaced, escaped)}" for k, v in value)
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_write(v, spaced, escaped) for v in value) + "]"
    text = json.dumps(value, ensure_ascii=escaped)
    return text.replace(":", "\\u003a") if escaped and isinstance(value, str) else text


@st.composite
def _objects(draw: st.DrawFn) -> bytes:
    pairs = [("id", draw(st.text(min_size=1, max_size=5))), ("title", "t: x"), ("body", "b")]
    pairs += draw(st.lists(st.tuples(_KEYS, _VALUES), max_size=4))
    pairs = draw(st.permutations(pairs))
    text = _write(pairs, draw(st.booleans()), draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


def _same(a: RawArticle | Rejected, b: RawArticle | Rejected) -> bool:
    if isinstance(a, RawArticle) and isinstance(b, RawArticle):
        return a == b and a.model_fields_set == b.model_fields_set
    return a == b


@settings(max_examples=600, deadline=None)
@given(_objects())
def test_fast_path_agrees_with_the_full_checks(value: bytes) -> None:
    assert _same(parse_article(value), parse_slow(value))


@pytest.mark.parametrize(("value", "reason"), HOSTILE)
def test_fast_path_agrees_on_hostile_values(value: bytes | None, reason: str | None) -> None:
    assert _same(parse_article(value), parse_slow(value))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b'{"id": "a", "title": "t", "body": "b", "id": "a"}', "duplicate_key"),  # same value
        (b'{"id": "a", "title": "t", "body": "b", "\\u0069d": "c"}', "duplicate_key"),  # escaped
        (b'{"id": "a", "title": "t\\u003a", "body": "b", "id": "c"}', "duplicate_key"),
        (b'{"id": "a", "title": "t", "body": "b", "metadata": {"k": [{"k": 1}], "k": 2}}',
         "duplicate_key"),
        (b'{"id": "a", "title": "t", "body": "b", "metadata": {"k": [{"j": 1, "j": 2}]}}',
         "duplicate_key"),
        (b'{"id" : "a:b", "title":"t" ,"body" :"b", "url":"https://x.example/a?b=c:d"}', None),
        (b'{"id": "a", "title": "t\\u003a", "body": "b", "metadata": {"k": {"k": ":"}}}', None),
    ],
)  # fmt: skip
def test_repeated_keys_are_found_wherever_they_hide(value: bytes, reason: str | None) -> None:
    fast = parse_article(value)
    assert _same(fast, parse_slow(value))
    if reason is None:
        assert isinstance(fast, RawArticle)
    else:
        assert isinstance(fast, Rejected) and fast.reason == reason
