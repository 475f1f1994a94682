"""The duplicate rule and the decision record, shared by every dedup backend.

The rule is written in integers (bins that agree, shingle counts) so that the
in-process index and the Redis script (Lua doubles) take the same decision on
the same input, bit for bit. Thresholds were chosen by measurement on the
labelled corpus in tests/data/dedup/ (see docs/dedup.md):

* near by resemblance: at least `NEAR_MATCHES` of the `NUM_PERM` MinHash bins
  agree (estimated Jaccard of the word-shingle sets >= NEAR_MATCHES / NUM_PERM);
* veto: when each text holds at least `NUMBER_VETO` numbers the other lacks
  (other dates, amounts, percentages), the two are different stories written
  from one template (monthly trade figures, a second ministerial visit), however
  alike their words;
* near by containment (a short version inside a long one): the estimated share
  of the shorter text's shingles found in the longer one is at least
  `CONTAIN_PCT` percent, the shorter text has at least `CONTAIN_MIN_SHINGLES`
  shingles, and the bins agree at least `CONTAIN_MIN_MATCHES` times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dyad.core.dedup_sig import NUM_PERM
from dyad.core.models import DedupStatus

NEAR_MATCHES = 15
CONTAIN_PCT = 70
CONTAIN_MIN_SHINGLES = 15
CONTAIN_MIN_MATCHES = 8
NUMBER_VETO = 2
MIN_MATCHES = min(NEAR_MATCHES, CONTAIN_MIN_MATCHES)  # no rule accepts fewer

STATUS_CODES: dict[DedupStatus, int] = {"unique": 0, "exact": 1, "near": 2}
STATUS_NAMES: tuple[DedupStatus, ...] = ("unique", "exact", "near")


@dataclass(frozen=True, slots=True)
class Decision:
    status: DedupStatus
    duplicate_of: str | None
    similarity: float | None
    cluster_id: str
    revision_of: str | None
    articles: int
    sources: int


def contained(matches: int, na: int, nb: int) -> bool:
    """Is the shorter text (mostly) inside the longer one?

    With j = m / P the Jaccard estimate, |A & B| ~ j / (1 + j) * (|A| + |B|); the
    test `|A & B| >= pct% of min(|A|, |B|)` is cross-multiplied to stay exact.
    """
    short = min(na, nb)
    if short < CONTAIN_MIN_SHINGLES or matches < CONTAIN_MIN_MATCHES:
        return False
    return matches * (na + nb) * 100 >= CONTAIN_PCT * (NUM_PERM + matches) * short


def numbers_differ(a: int, b: int) -> bool:
    """Does each side hold NUMBER_VETO or more numbers (mask bits) the other lacks?"""
    return (a & ~b).bit_count() >= NUMBER_VETO and (b & ~a).bit_count() >= NUMBER_VETO


def is_near(matches: int, na: int, nb: int, numbers_a: int = 0, numbers_b: int = 0) -> bool:
    if numbers_differ(numbers_a, numbers_b):
        return False
    return matches >= NEAR_MATCHES or contained(matches, na, nb)


def near_mask(
    matches: npt.NDArray[np.int64],
    na: int,
    nb: npt.NDArray[np.int64],
    numbers_a: int,
    numbers_b: npt.NDArray[np.uint64],
) -> npt.NDArray[np.bool_]:
    """`is_near` over arrays of candidates (the same integer arithmetic)."""
    a = np.uint64(numbers_a)
    vetoed = (np.bitwise_count(a & ~numbers_b) >= NUMBER_VETO) & (
        np.bitwise_count(numbers_b & ~a) >= NUMBER_VETO
    )
    short = np.minimum(nb, na)
    contain = (
        (short >= CONTAIN_MIN_SHINGLES)
        & (matches >= CONTAIN_MIN_MATCHES)
        & (matches * (na + nb) * 100 >= CONTAIN_PCT * (NUM_PERM + matches) * short)
    )
    result: npt.NDArray[np.bool_] = ~vetoed & ((matches >= NEAR_MATCHES) | contain)
    return result


def similarity(matches: int, na: int, nb: int) -> float:
    """The reported similarity: the resemblance, or the containment when only that matched."""
    j = matches / NUM_PERM
    if matches >= NEAR_MATCHES:
        return round(j, 4)
    short = max(1, min(na, nb))
    return round(min(1.0, j / (1.0 + j) * (na + nb) / short), 4)


def cluster_id_of(key: int) -> str:
    return f"c-{key:016x}"
