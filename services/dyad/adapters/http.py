"""FastAPI app: health, stats, metrics. It only reads what the runner counts.

The runner is started and stopped in the app's lifespan, so the process is one
service: HTTP stays up while the consumer drains on shutdown.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dyad.config import Settings
from dyad.stats import Stats

MAX_POLL_AGE_S = 60.0

RunnerFactory = Callable[[], Awaitable[None]]


def _authorised(request: Request, settings: Settings) -> bool:
    if settings.http_token is None:
        return True
    header = request.headers.get("authorization", "")
    expected = f"Bearer {settings.http_token.get_secret_value()}"
    return hmac.compare_digest(header.encode(), expected.encode())


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

    return app
