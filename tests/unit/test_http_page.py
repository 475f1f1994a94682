"""The live page, /api/live and token handling, on the FastAPI app without a broker."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from dyad.adapters.http import create_app
from dyad.config import Settings
from dyad.core.dedup import MemoryDedupIndex
from dyad.core.pipeline import InputRecord, Pipeline
from dyad.service import build_pipeline
from dyad.stats import Stats

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret"  # noqa: S105 - a test token
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _values() -> list[bytes]:
    lines = (ROOT / "seeds" / "seeds.jsonl").read_bytes().splitlines()
    evil = {
        "id": "evil-1",
        "title": f"Iran and Syria sign an oil deal {EVIL}",
        "body": "Iran and Syria signed an agreement on oil and gas pipelines and electricity "
        "exports in Damascus on Monday, officials of both energy ministries said.",
        "source": f"outlet {EVIL}",
    }
    return [*lines, orjson.dumps(evil), orjson.dumps({**evil, "id": "evil-2"}), b"{broken"]


@functools.cache
def shared_pipeline() -> Pipeline:
    """One pipeline for every test module of this suite that needs one (it takes seconds)."""
    return build_pipeline(Settings())


@pytest.fixture(scope="module")
def stats() -> Stats:
    settings = Settings()
    pipeline = shared_pipeline()
    index = MemoryDedupIndex(settings.dedup_window_s, settings.dedup_max_entries)
    records = [
        InputRecord(v, None, "in", 0, i, int(time.time() * 1000)) for i, v in enumerate(_values())
    ]
    st = Stats()
    st.record_outputs(pipeline.process_batch(records, index, time.time()), time.time())
    st.set_lag({0: 3, 1: 0})
    return st


def client(stats: Stats, **settings: Any) -> httpx.AsyncClient:
    # httpx over ASGI (starlette's TestClient warns about its httpx dependency)
    app = create_app(Settings(**settings), stats)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dyad")


async def test_page_renders_pairs_sectors_evidence_and_escapes(stats: Stats) -> None:
    r = await client(stats).get("/")
    assert r.status_code == 200
    html = r.text
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert" in html
    assert "IR-SY" in html
    for sector in stats.sectors:
        if sector != "none":
            assert f"<th>{sector}</th>" in html
    # The page lists the latest events (newest first): the newest with evidence is shown.
    ev = next(e for e in reversed(stats.recent) if e["sectors"] and e["sectors"][0]["evidence"])
    assert ev["sectors"][0]["evidence"][0] in html
    assert "default-src 'none'" in r.headers["content-security-policy"]
    # the only script is our own file: no inline script anywhere
    assert html.count("<script") == 1 and 'src="static/live.js"' in html


async def test_api_live_view_has_every_section(stats: Stats) -> None:
    view = (await client(stats).get("/api/live")).json()
    assert {"IR-SY"} <= {row["pair"] for row in view["heatmap"]["rows"]}
    assert dict(view["dead_by_reason"]) == dict(stats.dead_reasons) and view["dead_recent"]
    assert dict(view["duplicates_by_kind"]).get("exact", 0) >= 1
    evil = next(c for c in view["clusters"] if c["title"].endswith(EVIL))
    assert evil["coverage"] == {"articles": 2, "sources": 1}
    assert view["charts"]["lag_now"] == "3" and view["charts"]["lag_points"]
    first = view["events"][0]
    assert {"countries", "sectors", "coverage", "status", "time"} <= first.keys()


async def test_static_files_are_served(stats: Stats) -> None:
    c = client(stats)
    for path in ("static/live.js", "static/live.css", "static/favicon.svg"):
        assert (await c.get(f"/{path}")).status_code == 200


async def test_token_guards_page_and_login_sets_a_cookie(stats: Stats) -> None:
    c = client(stats, http_token=TOKEN)
    r = await c.get("/")
    assert r.status_code == 401 and 'name="token"' in r.text and "IR-SY" not in r.text
    assert (await c.get("/api/live")).status_code == 401
    assert (await c.post("/login", content=b"token=wrong")).status_code == 401
    assert (await c.get("/health/live")).status_code == 200
    assert (await c.get("/static/live.js")).status_code == 200
    ok = await c.post("/login", content=b"token=s3cret", follow_redirects=False)
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"]
    assert "s3cret" not in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert (await c.get("/")).status_code == 200
    assert (await c.get("/api/live")).status_code == 200
    bearer = client(stats, http_token=TOKEN)
    assert (
        await bearer.get("/api/live", headers={"Authorization": f"Bearer {TOKEN}"})
    ).status_code == 200
