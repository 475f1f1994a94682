"""Article ids as bytes in one numpy buffer, freed oldest first.

Python strings cost about 80 bytes each; a million ids in a byte arena cost
their length plus 10 bytes. Ids are written at increasing virtual offsets and
freed in the same order (the index is a ring), so compaction is one move of the
live bytes to the front of the buffer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class IdArena:
    def __init__(self, slots: int, avg_bytes: int = 32) -> None:
        self.buf: npt.NDArray[np.uint8] = np.zeros(max(4096, slots * avg_bytes), dtype=np.uint8)
        self.off = np.zeros(slots, dtype=np.int64)  # virtual offset of each slot's id
        self.length = np.zeros(slots, dtype=np.uint16)
        self.base = 0  # virtual offset of buf[0]
        self.end = 0  # virtual offset of the next write
        self.views()

    def views(self) -> None:
        """Memoryviews for cheap element access (again after the arrays are replaced)."""
        self.buf_mv = self.buf.data.cast("B")
        self.off_mv = self.off.data.cast("B").cast("q")
        self.length_mv = self.length.data.cast("B").cast("H")

    def put(self, slot: int, text: str, oldest_live: int) -> None:
        """Store `text` for `slot`; `oldest_live` is the first virtual offset still needed."""
        data = text.encode("utf-8", "surrogatepass")
        if self.end + len(data) - self.base > self.buf.size:
            self._compact(oldest_live, len(data))
        start = self.end - self.base
        self.buf_mv[start : start + len(data)] = data
        self.off_mv[slot] = self.end
        self.length_mv[slot] = len(data)
        self.end += len(data)

    def get(self, slot: int) -> str:
        start = self.off_mv[slot] - self.base
        return str(self.buf_mv[start : start + self.length_mv[slot]], "utf-8", "surrogatepass")

    def _compact(self, oldest_live: int, need: int) -> None:
        oldest_live = min(max(oldest_live, self.base), self.end)
        live = self.end - oldest_live
        size = self.buf.size
        while live + need > size // 2:
            size *= 2
        buf = self.buf if size == self.buf.size else np.zeros(size, dtype=np.uint8)
        buf[:live] = self.buf[oldest_live - self.base : self.end - self.base]
        self.buf, self.base = buf, oldest_live
        self.buf_mv = self.buf.data.cast("B")
