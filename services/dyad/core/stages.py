"""A batch going through the analysis stage by stage (Pipeline.analyse_batch).

Running one stage over every record before the next keeps each stage's code and
tables in the CPU caches (the stages' automata and numpy's tables evict each
other when records go through them one at a time), and lets a stage work on
the whole batch at once (the fingerprints, core/dedup_batch.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from dyad.core.parse import Rejected

if TYPE_CHECKING:
    from dyad.core.pipeline import InputRecord

T = TypeVar("T")
OnError = Callable[["InputRecord", Exception], Rejected]


class StageRun:
    """A batch going through the stages: each stage maps the records still in it (by
    position), and a record rejected or failing at a stage leaves with its rejection."""

    def __init__(self, records: Sequence[InputRecord], failed: OnError | None) -> None:
        self.records = records
        self.failed = failed
        self.todo = range(len(records))
        self.rejected: dict[int, Rejected] = {}

    def each(self, step: Callable[[int], T | Rejected], todo: Iterable[int]) -> dict[int, T]:
        out: dict[int, T] = {}
        for i in todo:
            try:
                value = step(i)
            except Exception as e:  # noqa: BLE001 - the per-message error boundary
                if self.failed is None:
                    raise
                value = self.failed(self.records[i], e)
            if isinstance(value, Rejected):
                self.rejected[i] = value
            else:
                out[i] = value
        return out

    def results(self, done: dict[int, T]) -> list[T | Rejected]:
        return [done[i] if i in done else self.rejected[i] for i in self.todo]
