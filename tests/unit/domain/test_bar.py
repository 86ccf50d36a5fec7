"""Bars: ``Bar.create`` and ``BarSeries`` refuse malformed data with a message naming the
problem (and, for a series, the first offending row)."""

from __future__ import annotations

import numpy as np
import pytest

from ai_trader.core.errors import DataError
from ai_trader.domain.bar import Bar, BarSeries
from ai_trader.testing import BASE_TS, bar_ts, make_bar, make_series


def test_create_builds_a_valid_bar() -> None:
    bar = Bar.create("BTC/USD", 5, 100.0, 110.0, 90.0, 105.0, 3.0)

    assert bar == Bar("BTC/USD", 5, 100.0, 110.0, 90.0, 105.0, 3.0)


def test_bar_timestamp_is_its_close_time_as_utc_datetime() -> None:
    bar = make_bar(ts_event=BASE_TS)

    assert bar.timestamp.isoformat() == "2024-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ((100.0, 110.0, 90.0, float("nan"), 1.0), "NaN or infinite"),
        ((100.0, float("inf"), 90.0, 100.0, 1.0), "NaN or infinite"),
        ((100.0, 110.0, 90.0, 100.0, float("nan")), "NaN or infinite"),
        ((100.0, 90.0, 110.0, 100.0, 1.0), "high 90.0 < low 110.0"),
        ((120.0, 110.0, 90.0, 100.0, 1.0), r"open/close outside \[low, high\]"),
        ((100.0, 110.0, 90.0, 80.0, 1.0), r"open/close outside \[low, high\]"),
        ((0.0, 1.0, 0.0, 1.0, 1.0), "prices must be positive"),
        ((-1.0, 1.0, -2.0, 0.5, 1.0), "prices must be positive"),
        ((100.0, 110.0, 90.0, 100.0, -0.5), "negative volume -0.5"),
    ],
)
def test_create_refuses_a_malformed_bar(
    prices: tuple[float, float, float, float, float], message: str
) -> None:
    with pytest.raises(DataError, match=message) as caught:
        Bar.create("BTC/USD", 7, *prices)

    assert str(caught.value).startswith("BTC/USD bar at 7:")


def test_create_accepts_zero_volume_and_a_flat_bar() -> None:
    bar = Bar.create("X", 1, 5.0, 5.0, 5.0, 5.0, 0.0)

    assert bar.volume == 0.0


def test_make_series_builds_validated_read_only_columns() -> None:
    series = make_series([10.0, 11.0, 12.0])

    assert len(series) == 3
    assert series.close.tolist() == [10.0, 11.0, 12.0]
    assert series.open.tolist() == [10.0, 10.0, 11.0]
    with pytest.raises(ValueError, match="read-only"):
        series.close[0] = 1.0


def test_series_bar_and_iter_bars_agree() -> None:
    series = make_series([10.0, 11.0, 12.0], wick=0.5)

    bars = list(series.iter_bars())

    assert bars == [series.bar(i) for i in range(3)]
    assert bars[1] == Bar(series.symbol, bar_ts(1), 10.0, 11.5, 9.5, 11.0, 1_000.0)
    assert all(isinstance(b.ts_event, int) for b in bars)


def test_series_slice_keeps_the_rows_asked_for() -> None:
    series = make_series([10.0, 11.0, 12.0, 13.0])

    part = series.slice(1, 3)

    assert part.close.tolist() == [11.0, 12.0]
    assert part.ts_event.tolist() == [bar_ts(1), bar_ts(2)]


def columns(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "symbol": "X",
        "ts_event": np.array([1, 2, 3], dtype=np.int64),
        "open": np.array([10.0, 10.0, 10.0]),
        "high": np.array([11.0, 11.0, 11.0]),
        "low": np.array([9.0, 9.0, 9.0]),
        "close": np.array([10.0, 10.0, 10.0]),
        "volume": np.array([1.0, 1.0, 1.0]),
    }
    base.update(overrides)
    return base


def test_series_of_valid_columns_is_built() -> None:
    assert len(BarSeries(**columns())) == 3  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"symbol": ""}, "needs a symbol"),
        ({"ts_event": np.array([1.0, 2.0, 3.0])}, "1-D int64 array of epoch nanoseconds"),
        ({"close": np.array([10.0, 10.0])}, "column 'close' has 2 rows, expected 3"),
        ({"high": np.array([11.0, np.nan, 11.0])}, r"column 'high' has NaN .* \(first at row 1\)"),
        ({"volume": np.array([1.0, 1.0, np.inf])}, r"column 'volume' .* row 2"),
        ({"high": np.array([11.0, 11.0, 8.0])}, r"high < low at row 2 \(1 row affected\)"),
        ({"open": np.array([12.0, 12.0, 10.0])}, r"open outside \[low, high\] at row 0 \(2 rows"),
        ({"close": np.array([10.0, 8.5, 10.0])}, r"close outside \[low, high\] at row 1"),
        (
            {
                "low": np.array([9.0, 0.0, 9.0]),
                "open": np.array([10.0, 1.0, 10.0]),
                "close": np.array([10.0, 1.0, 10.0]),
            },
            "non-positive price at row 1",
        ),
        ({"volume": np.array([1.0, -1.0, 1.0])}, "negative volume at row 1"),
        ({"ts_event": np.array([1, 1, 3], dtype=np.int64)}, "duplicate timestamp at row 1"),
        ({"ts_event": np.array([1, 3, 2], dtype=np.int64)}, "not sorted ascending at row 2"),
    ],
)
def test_series_names_the_first_bad_row(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(DataError, match=message):
        BarSeries(**columns(**overrides))  # type: ignore[arg-type]


def test_empty_series_is_allowed() -> None:
    empty = np.zeros(0)

    series = BarSeries("X", np.zeros(0, dtype=np.int64), empty, empty, empty, empty, empty)

    assert len(series) == 0
    assert list(series.iter_bars()) == []
