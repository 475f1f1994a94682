"""structlog JSON logs on stdout (a console renderer on a TTY).

Standard-library loggers (aiokafka, uvicorn) go through the same processors, and
repeated library warnings are summarised: a broker outage makes aiokafka log a
connection error for every retry, thousands a minute, which drowns the signal.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import structlog

_SUMMARY_INTERVAL_S = 10.0


class RepeatSummariser(logging.Filter):
    """Lets the first record of each (logger, template) through per interval, then counts.

    At the next allowed record the number suppressed is attached, so an operator
    still sees how many there were, at a few lines a second at most.
    """

    def __init__(
        self, interval_s: float = _SUMMARY_INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._clock = clock  # injectable: tests step time instead of racing it
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.name.startswith("dyad"):
            return True
        key = (record.name, str(record.msg)[:80])
        now = self._clock()
        with self._lock:
            last, suppressed = self._seen.get(key, (0.0, 0))
            if now - last < self.interval_s:
                self._seen[key] = (last, suppressed + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > 1000:
                self._seen.clear()
        if suppressed:
            record.suppressed_repeats = suppressed
        return True


def _add_suppressed(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    record = event_dict.get("_record")
    if record is not None and getattr(record, "suppressed_repeats", 0):
        event_dict["suppressed_repeats"] = record.suppressed_repeats
    return event_dict


def configure(level: str = "INFO", json: bool | None = None) -> None:
    if json is None:
        json = not sys.stdout.isatty()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, _add_suppressed],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatSummariser())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Access logs of health probes every few seconds are noise.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(max(logging.getLevelName(level.upper()), logging.INFO))


def get_logger(name: str = "dyad") -> Any:
    return structlog.get_logger(name)
