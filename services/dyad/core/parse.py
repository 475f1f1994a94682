"""bytes -> RawArticle | Rejected. Never raises on bad input: bad input is a value.

Two paths that give the same answer. The fast one covers the usual value:
orjson reads the bytes (it refuses invalid UTF-8 and everything that is not
JSON, so no separate decoding), repeated keys are ruled out by counting colons
instead of a second parse, and pydantic validates. Anything it is not sure of
(an error of any kind, a colon written as an escape, many nested containers)
goes to the slow path, the complete checks that also explain the rejection.
tests/unit/test_parse_hostile.py checks that both paths agree on hostile input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from dyad.core.models import RawArticle

DEFAULT_MAX_BYTES = 1_048_576


@dataclass(frozen=True, slots=True)
class Rejected:
    """Why an input value cannot become an article (the dead letter's error)."""

    reason: str
    message: str


# -- the slow path: every check, with the reason -----------------------------------------


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors(include_url=False, include_input=False)[:5]:
        loc = ".".join(str(x) for x in e["loc"]) or "value"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def _validation_reason(err: ValidationError) -> str:
    kinds = {e["type"] for e in err.errors(include_url=False, include_input=False)}
    return "missing_field" if kinds == {"missing"} else "invalid_field"


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> None:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKeyError(key)
        seen.add(key)


def _duplicate_key(text: str) -> Rejected | None:
    """orjson keeps the last of two equal keys, other parsers the first: refuse the ambiguity.

    A second, C-speed pass of the standard parser that only compares keys (numbers
    are not even converted); orjson has already refused what is not JSON.
    """
    try:
        json.loads(text, object_pairs_hook=_unique_pairs, parse_int=len, parse_float=len)
    except _DuplicateKeyError as e:
        return Rejected("duplicate_key", f"key {e.key[:80]!r} appears twice in one object")
    except RecursionError:
        return Rejected("invalid_json", "value is nested too deeply")
    except ValueError as e:
        return Rejected("invalid_json", f"value is not JSON: {e}"[:500])
    return None


def parse_slow(value: bytes | None, max_bytes: int = DEFAULT_MAX_BYTES) -> RawArticle | Rejected:
    """Every check in turn; the reference that the fast path must agree with."""
    if value is None:
        return Rejected("tombstone", "null value (tombstone): nothing to classify")
    if len(value) > max_bytes:
        return Rejected("too_large", f"value is {len(value)} bytes, the limit is {max_bytes}")
    if not value.strip():
        return Rejected("empty", "empty value")
    if value.startswith(b"\xef\xbb\xbf"):
        # A UTF-8 byte order mark is legal in text files and harmless here.
        value = value[3:]
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as e:
        return Rejected("invalid_utf8", f"value is not UTF-8: {e.reason} at byte {e.start}")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        return Rejected("invalid_json", f"value is not JSON: {e}"[:500])
    if not isinstance(data, dict):
        return Rejected("not_an_object", f"value is a JSON {type(data).__name__}, not an object")
    if (ambiguous := _duplicate_key(text)) is not None:
        return ambiguous
    try:
        return RawArticle.model_validate(data)
    except ValidationError as e:
        return Rejected(_validation_reason(e), _describe(e)[:500])


# -- the fast path ------------------------------------------------------------------------

_WALK_LIMIT = 64  # containers walked for the key count; beyond, the slow path decides
_COLON_ESCAPE = re.compile(rb"\\u003[aA]")


def _keys_unique(value: bytes, data: dict[str, Any]) -> bool:
    """True when no object in `value` repeats a key (False: not sure, ask the slow path).

    Outside strings, JSON has one colon per object member, so the colons of the
    text minus those inside strings count the members as written; the parsed
    objects hold fewer exactly when a key repeats. A colon inside a string is
    either itself (counted in the decoded string too) or the escape \\u003a, which
    is not: a text with that escape goes to the slow path.
    """
    members, inside = len(data), 0
    nested: list[Any] = []
    for key, item in data.items():
        inside += key.count(":")
        kind = type(item)
        if kind is str:
            if ":" in item:  # a C-speed search; most bodies hold no colon
                inside += item.count(":")
        elif kind is dict or kind is list:
            nested.append(item)
    if nested:
        counts = _walk(nested)
        if counts is None:
            return False
        members, inside = members + counts[0], inside + counts[1]
    return value.count(b":") - inside == members and _COLON_ESCAPE.search(value) is None


def _walk(todo: list[Any]) -> tuple[int, int] | None:
    """(members, colons in strings) of nested containers; None when there are too many."""
    members = inside = 0
    for node in todo:
        if len(todo) > _WALK_LIMIT:
            return None
        if type(node) is dict:
            members += len(node)
            inside += sum(key.count(":") for key in node)
            items = node.values()
        else:
            items = node
        for item in items:
            kind = type(item)
            if kind is str:
                inside += item.count(":")
            elif kind is dict or kind is list:
                todo.append(item)
    return members, inside


def parse_article(value: bytes | None, max_bytes: int = DEFAULT_MAX_BYTES) -> RawArticle | Rejected:
    if value is not None and len(value) <= max_bytes:
        try:
            data = orjson.loads(value)
        except orjson.JSONDecodeError:
            data = None
        if type(data) is dict and _keys_unique(value, data):
            try:
                return RawArticle.model_validate(data)
            except ValidationError:
                pass  # the slow path explains it
    return parse_slow(value, max_bytes)
