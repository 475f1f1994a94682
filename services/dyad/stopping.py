"""Stopping on time: the drain deadline after SIGTERM, and waits that respect it.

SIGTERM -> exit 0 within 10 s: the batch in flight gets DRAIN_GRACE_S to be acked
and committed, closing the clients gets what is left of STOP_BUDGET_S. Sends,
commits and connects can each wait for the broker up to the request timeout (40 s
by default), so every wait of the loop goes through `StopClock.until_stop`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from dyad.logging import get_logger

log = get_logger("dyad.runner")

DRAIN_GRACE_S = 6.0
STOP_BUDGET_S = 8.5
POLL_S = 0.25
T = TypeVar("T")


class Abandoned(Exception):
    """The stop's drain time ran out: the batch in flight is given up without a commit."""


def backoff(attempt: int, base: float = 0.2, cap: float = 10.0) -> float:
    """Exponential backoff with full jitter."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 - jitter, not crypto


class StopClock:
    """Whether a stop was asked for, and how long the drain may still take."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.deadline: float | None = None

    def request(self) -> bool:
        """Starts the drain clock; False if a stop was already under way."""
        if self.requested.is_set():
            return False
        self.deadline = time.monotonic() + DRAIN_GRACE_S
        self.requested.set()
        return True

    def give_up(self, grace: bool = True) -> bool:
        if self.deadline is None:
            return False
        return not grace or time.monotonic() > self.deadline

    async def until_stop(self, aw: Awaitable[T], grace: bool = True) -> T:
        """Awaits `aw`, but raises Abandoned once a stop's drain time is over."""
        task = asyncio.ensure_future(aw)
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_S)
            if done:
                return task.result()
            if self.give_up(grace):
                task.cancel()
                raise Abandoned

    async def sleep(self, seconds: float) -> None:
        """Sleeps, but wakes up at once when a stop is asked for."""
        try:
            await asyncio.wait_for(self.requested.wait(), seconds)
        except TimeoutError:
            pass

    def close_budget(self) -> float:
        """Seconds that closing the clients may take: what is left of the stop budget."""
        if self.deadline is None:
            return 10.0
        end = self.deadline - DRAIN_GRACE_S + STOP_BUDGET_S
        return max(0.5, end - time.monotonic())


async def quiet_stop(seconds: float, *clients: Any) -> None:
    for client in clients:
        if client is None:
            continue
        try:
            await asyncio.wait_for(client.stop(), seconds)
        except Exception as e:  # noqa: BLE001 - closing is best effort
            log.debug("close failed", error=str(e) or type(e).__name__)
