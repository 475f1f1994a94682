"""Progress for the batch commands: a rich bar with rate on a terminal, plain periodic
lines otherwise (logs, CI, pipes), and one summary line at the end. All on stderr,
so stdout stays data."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text


class _Rate(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} {self.unit}/s")


class Reporter:
    """`with Reporter("publish", total, "msg") as r: r.advance(n)`; `r.summary(text)`."""

    def __init__(
        self,
        label: str,
        total: int | None,
        unit: str,
        stream: TextIO | None = None,
        interval_s: float = 5.0,
        tty: bool | None = None,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self.tty = self.stream.isatty() if tty is None else tty
        self.done = 0
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar: Progress | None = None
        self._task = None

    def __enter__(self) -> Reporter:
        if self.tty:
            console = Console(file=self.stream)
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn(self.label),
                BarColumn(),
                MofNCompleteColumn(),
                _Rate(self.unit),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    @property
    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-6)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval_s:
            self._last_line = now
            of = f"/{self.total}" if self.total is not None else ""
            pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
            print(
                f"{self.label}: {self.done}{of}{pct} {self.unit}, {self.rate:,.0f} {self.unit}/s",
                file=self.stream,
                flush=True,
            )

    def write(self, line: bytes) -> None:
        """A data line for stderr (dead letters) that must not tear the bar."""
        if self._bar is not None:
            self._bar.console.out(line.decode("utf-8", "replace"), highlight=False)
            return
        buffer = getattr(self.stream, "buffer", None)
        if buffer is None:
            self.stream.write(line.decode("utf-8", "replace") + "\n")
            return
        self.stream.flush()
        buffer.write(line + b"\n")
        buffer.flush()

    def summary(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        print(
            f"{text} in {elapsed:.1f}s ({self.rate:,.0f} {self.unit}/s)",
            file=self.stream,
            flush=True,
        )
