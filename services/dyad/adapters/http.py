"""FastAPI app: health, stats, metrics and the live page. It only reads what the runner counts.

The runner is started and stopped in the app's lifespan, so the process is one
service: HTTP stays up while the consumer drains on shutdown.

With DYAD_HTTP_TOKEN set, everything but /health/* and /static needs the token:
as `Authorization: Bearer` (curl, Prometheus) or, for a browser, as a session
cookie that POST /login sets after the token was typed into the page's form.
The cookie holds an HMAC of the token, never the token itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dyad.adapters.live_view import live_view
from dyad.config import Settings
from dyad.stats import Stats

MAX_POLL_AGE_S = 60.0
SESSION_COOKIE = "dyad_session"
HERE = Path(__file__).resolve().parent
# Scripts, styles and images from this origin only: article text can never run.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

RunnerFactory = Callable[[], Awaitable[None]]
_templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)


def _session_value(token: str) -> str:
    return hmac.new(token.encode(), b"dyad live page session", hashlib.sha256).hexdigest()


def _authorised(request: Request, settings: Settings) -> bool:
    if settings.http_token is None:
        return True
    token = settings.http_token.get_secret_value()
    header = request.headers.get("authorization", "")
    if hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), _session_value(token).encode())


def _html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = _templates.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


def create_app(
    settings: Settings,
    stats: Stats,
    run: RunnerFactory | None = None,
    stop: Callable[[], None] | None = None,
) -> FastAPI:
    """`run` is the runner's coroutine function, `stop` asks it to drain and return."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(run(), name="dyad-runner") if run else None
        app.state.runner_task = task
        try:
            yield
        finally:
            if task is not None:
                if stop is not None:
                    stop()
                await asyncio.gather(task, return_exceptions=True)

    app = FastAPI(
        title="dyad",
        summary="Streaming news dedup and country-pair/sector classification",
        lifespan=lifespan,
    )

    def readiness() -> tuple[bool, str]:
        task = getattr(app.state, "runner_task", None)
        if task is not None and task.done():
            return False, "the consumer loop has exited"
        ready, reason = stats.health.readiness(MAX_POLL_AGE_S)
        stats.refresh_gauges(ready)
        return ready, reason

    def guarded(request: Request) -> Response | None:
        if _authorised(request, settings):
            return None
        return JSONResponse(
            {"detail": "a bearer token is required"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        ok, reason = readiness()
        return JSONResponse({"ready": ok, "reason": reason}, status_code=200 if ok else 503)

    @app.get("/stats", response_model=None)
    async def stats_view(request: Request) -> Response | dict[str, Any]:
        if (denied := guarded(request)) is not None:
            return denied
        ok, reason = readiness()
        return stats.snapshot(ok, reason)

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        if (denied := guarded(request)) is not None:
            return denied
        readiness()
        return Response(generate_latest(stats.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    _add_page(app, settings, stats, readiness, guarded)
    return app


def _add_page(
    app: FastAPI,
    settings: Settings,
    stats: Stats,
    readiness: Callable[[], tuple[bool, str]],
    guarded: Callable[[Request], Response | None],
) -> None:
    """GET / (the live page), GET /api/live (its data), POST /login (token -> cookie)."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        if not _authorised(request, settings):
            return _html("login.html", 401, failed=False)
        return _html("live.html", view=live_view(stats, *readiness()))

    @app.get("/api/live", response_model=None)
    async def live_data(request: Request) -> Response | dict[str, Any]:
        if (denied := guarded(request)) is not None:
            return denied
        return live_view(stats, *readiness())

    @app.post("/login", response_model=None)
    async def login(request: Request) -> Response:
        if settings.http_token is None:
            return RedirectResponse("./", status_code=303)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = (form.get("token") or [""])[0]
        token = settings.http_token.get_secret_value()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return _html("login.html", 401, failed=True)
        resp = RedirectResponse("./", status_code=303)
        https = request.url.scheme == "https" or (
            request.headers.get("x-forwarded-proto", "") == "https"
        )
        resp.set_cookie(
            SESSION_COOKIE,
            _session_value(token),
            httponly=True,
            samesite="strict",
            secure=https,
            max_age=12 * 3600,
        )
        return resp
