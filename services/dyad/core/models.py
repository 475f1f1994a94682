"""Message shapes: the single source of the JSON Schemas in schemas/.

Every model is frozen; the pipeline builds them once and adapters only serialise
them. Field names follow the outside contract (CONTRACT.md); additions are
optional fields so that older consumers keep working.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

MAX_ID_CHARS = 512
"""Publisher ids longer than this are refused: they are never real ids."""


class _Frozen(BaseModel):
    # Consumers must tolerate added fields (the contract may be extended), so no
    # additionalProperties: false in the published schemas.
    model_config = ConfigDict(frozen=True, extra="ignore")


class RawArticle(BaseModel):
    """An input value as scrapers publish it. Unknown fields are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="publisher's stable id")
    title: str = Field(description="headline; may be empty")
    body: str = Field(description="plain-text body")
    url: str | None = Field(default=None, max_length=8192)
    source: str | None = Field(default=None, max_length=1024, description="outlet name")
    published_at: str | None = Field(default=None, max_length=64, description="RFC 3339")
    language: str | None = Field(default=None, max_length=35, description="BCP 47 tag")
    fetched_at: str | None = Field(default=None, max_length=64)
    metadata: dict[str, object] | None = Field(default=None, description="passed through")


class ArticleRef(_Frozen):
    id: str
    url: str | None = None
    source: str | None = None
    title: str
    published_at: str | None = None
    language: str | None = None


DedupStatus = Literal["unique", "exact", "near"]


class Coverage(_Frozen):
    """How widely the story has been carried so far (GDELT's NumSources, per story)."""

    articles: int = Field(ge=1, description="articles in the cluster so far, this one included")
    sources: int = Field(ge=1, description="distinct outlets in the cluster so far")


class DedupInfo(_Frozen):
    status: DedupStatus
    duplicate_of: str | None = Field(description="first-seen article id of the story, or null")
    similarity: float | None = Field(ge=0.0, le=1.0)
    cluster_id: str = Field(description="stable id of the story")
    revision_of: str | None = Field(
        default=None,
        description="set when this article revises an earlier one with the same id or url",
    )
    coverage: Coverage


class Evidence(_Frozen):
    text: str = Field(description="the matched text as it stands in the article")
    where: Literal["title", "lead", "body"]


class CountryMention(_Frozen):
    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    name: str
    score: float = Field(ge=0.0)
    mentions: int = Field(ge=0)
    evidence: list[Evidence] = Field(default_factory=list)


class Pair(_Frozen):
    countries: tuple[str, str] = Field(description="two alpha-2 codes, sorted")
    score: float = Field(ge=0.0, le=1.0, description="confidence that this is the story's pair")


class SectorScore(_Frozen):
    id: str
    score: float = Field(ge=0.0)
    evidence: list[str] = Field(default_factory=list, description="matched terms, bounded")


class EnrichedEvent(_Frozen):
    schema_version: str = SCHEMA_VERSION
    event_id: str = Field(description="deterministic: the same input always yields the same id")
    article: ArticleRef
    dedup: DedupInfo
    countries: list[CountryMention]
    pair: Pair | None
    sectors: list[SectorScore]
    primary_sector: str | None
    classifier_version: str
    processed_at: str = Field(description="RFC 3339, UTC")


class SourceRef(_Frozen):
    topic: str
    partition: int
    offset: int


class ErrorInfo(_Frozen):
    type: str = Field(description="machine-readable reason, e.g. invalid_json, too_large")
    message: str


class DeadLetter(_Frozen):
    schema_version: str = SCHEMA_VERSION
    error: ErrorInfo
    source: SourceRef
    raw: str | None = Field(
        description="the original value: UTF-8 text or base64; null for a tombstone"
    )
    raw_encoding: Literal["utf-8", "base64"] = "utf-8"
    raw_truncated: bool = False
    raw_size: int = Field(ge=0, description="size of the whole original value in bytes")
    raw_sha256: str | None = Field(default=None, description="sha256 of the whole original value")
    key: str | None = Field(default=None, description="the input message key, if any (as text)")
    received_at: str = Field(description="RFC 3339, UTC")
