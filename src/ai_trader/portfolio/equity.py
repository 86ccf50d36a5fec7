"""The equity curve: one point per bar, in compact arrays (16 bytes a point)."""

from __future__ import annotations

from array import array
from collections.abc import Callable

import numpy as np
import numpy.typing as npt


class EquityCurve:
    __slots__ = ("_equity", "_timestamps")

    def __init__(self) -> None:
        self._timestamps: array[int] = array("q")
        self._equity: array[float] = array("d")

    def __len__(self) -> int:
        return len(self._equity)

    def appenders(self) -> tuple[Callable[[int], None], Callable[[float], None]]:
        """The two append functions, for a hot loop that records a point per bar."""
        return self._timestamps.append, self._equity.append

    def record(self, ts_event: int, equity: float) -> None:
        self._timestamps.append(ts_event)
        self._equity.append(equity)

    @property
    def timestamps(self) -> npt.NDArray[np.int64]:
        return np.frombuffer(self._timestamps, dtype=np.int64) if self._timestamps else _EMPTY_I

    @property
    def values(self) -> npt.NDArray[np.float64]:
        return np.frombuffer(self._equity, dtype=np.float64) if self._equity else _EMPTY_F

    @property
    def last(self) -> float | None:
        return self._equity[-1] if self._equity else None


_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)
