"""Run the service: consume raw articles, dedup, classify, publish; serve HTTP.

Configuration comes from the environment (KAFKA_BOOTSTRAP_SERVERS, DYAD_*; see README).

example:
  KAFKA_BOOTSTRAP_SERVERS=localhost:9092 dyad run
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import ValidationError

from dyad.adapters.kafka import ConfigError
from dyad.config import Settings
from dyad.logging import configure, get_logger


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bootstrap-servers", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    p.add_argument("--http-port", type=int, help="overrides DYAD_HTTP_PORT")
    p.add_argument("--http-host", help="overrides DYAD_HTTP_HOST")


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        k: v
        for k, v in {
            "bootstrap_servers": getattr(args, "bootstrap_servers", None),
            "http_port": getattr(args, "http_port", None),
            "http_host": getattr(args, "http_host", None),
        }.items()
        if v is not None
    }
    return Settings(**overrides)


def install_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # not on every platform; asyncio's loop works too
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(args: argparse.Namespace) -> int:
    try:
        settings = settings_from(args)
    except ValidationError as e:
        print(f"dyad: invalid configuration:\n{e}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    from dyad.service import serve  # heavy imports after the configuration is known good

    install_uvloop()
    try:
        asyncio.run(serve(settings))
    except ConfigError as e:
        get_logger("dyad").error("refusing to start", reason=str(e))
        print(f"dyad: {e}", file=sys.stderr)
        return 2
    return 0
