"""The composition root for `dyad run`: settings -> pipeline, store, stats, runner, HTTP."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from dyad.adapters.dedup_store import make_store
from dyad.adapters.http import create_app
from dyad.adapters.kafka import ConfigError, bootstrap_servers, security_kwargs
from dyad.config import Settings
from dyad.core.countries import Gazetteer
from dyad.core.pipeline import Pipeline
from dyad.core.sectors import Taxonomy
from dyad.logging import get_logger
from dyad.runner import Runner
from dyad.stats import Stats

log = get_logger("dyad.service")


def build_pipeline(settings: Settings) -> Pipeline:
    return Pipeline(
        Gazetteer.load(extra=settings.extra_gazetteers),
        Taxonomy.load(extra=settings.extra_taxonomies),
        settings.max_message_bytes,
    )


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: dyad drains first, then exits 0."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def validate(settings: Settings) -> None:
    bootstrap_servers(settings)
    if settings.dedup_backend == "redis" and not settings.redis_url:
        raise ConfigError("DYAD_DEDUP_BACKEND=redis needs DYAD_REDIS_URL")
    security_kwargs(settings)  # loads TLS files and checks SASL settings now, not later


class Service:
    """The wired service: pipeline, store, stats, runner and the HTTP server."""

    def __init__(self, settings: Settings) -> None:
        validate(settings)
        self.settings = settings
        self.pipeline = build_pipeline(settings)
        self.store = make_store(settings)
        self.stats = Stats(dedup_stats=self.store.stats)
        self.runner = Runner(settings, self.pipeline, self.store, self.stats)
        self.app = create_app(
            settings, self.stats, run=self.runner.run, stop=self.runner.request_stop
        )
        config = uvicorn.Config(
            self.app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,
            lifespan="on",
            loop="none",
        )
        self.server = _Server(config)

    def stop(self) -> None:
        self.runner.request_stop()
        self.server.should_exit = True

    async def serve(self) -> None:
        """Runs until SIGTERM/SIGINT or stop(): drains the batch in flight, then returns."""
        loop = asyncio.get_running_loop()

        def on_signal(sig: signal.Signals) -> None:
            log.info("signal received", signal=sig.name)
            self.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)
        log.info(
            "starting",
            classifier_version=self.pipeline.classifier_version,
            settings=self.settings.public(),
        )
        try:
            await self.server.serve()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)


async def serve(settings: Settings) -> None:
    await Service(settings).serve()
