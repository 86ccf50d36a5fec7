"""Bar files: loading CSV/Parquet, every bad-file case, saving and round trips."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no type hints
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from ai_trader.adapters.data import generate_bars, load_bars, save_bars
from ai_trader.adapters.data.synthetic import SyntheticMarketConfig
from ai_trader.core.clock import datetime_to_ns
from ai_trader.core.errors import DataError
from ai_trader.domain.bar import BarSeries

HEADER = "timestamp,open,high,low,close,volume"
T0 = datetime_to_ns(datetime(2024, 1, 1, tzinfo=UTC))
MINUTE = 60 * 10**9


def write_csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def good_rows(count: int = 3) -> list[str]:
    return [f"2024-01-01T00:0{i}:00Z,100,101,99,100.5,10" for i in range(count)]


def series_equal(left: BarSeries, right: BarSeries) -> bool:
    columns = ("ts_event", "open", "high", "low", "close", "volume")
    same = all(np.array_equal(getattr(left, c), getattr(right, c)) for c in columns)
    return same and left.symbol == right.symbol


def test_load_csv_when_valid_then_columns_and_symbol_from_stem(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "2024-01-01T00:01:00Z,100,102,99,101,5.5", name="btc_usd.csv")

    series = load_bars(path)

    assert series.symbol == "BTC_USD"
    assert series.ts_event.tolist() == [T0 + MINUTE]
    assert series.bar(0)[2:] == (100.0, 102.0, 99.0, 101.0, 5.5)


def test_load_csv_when_symbol_given_then_it_wins_over_stem(tmp_path: Path) -> None:
    assert load_bars(write_csv(tmp_path, *good_rows()), symbol="ETH/USD").symbol == "ETH/USD"


def test_load_csv_when_column_names_mixed_case_and_extra_then_loaded(tmp_path: Path) -> None:
    header = "Note,TimeStamp,OPEN,High,low,Close,VOLUME"
    path = write_csv(tmp_path, "x,2024-01-01T00:00:00Z,1,2,0.5,1.5,3", header=header)

    series = load_bars(path)

    assert series.close.tolist() == [1.5]
    assert series.volume.tolist() == [3.0]


def test_load_csv_when_column_missing_then_error_names_it(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "2024-01-01T00:00:00Z,1,2,0.5,1.5", header="timestamp,open,high,low,close"
    )

    with pytest.raises(DataError) as caught:
        load_bars(path)

    assert str(caught.value) == (
        "bars.csv: missing column(s) 'volume'; required: timestamp, open, high, low, close, volume"
    )


def test_load_csv_when_several_columns_missing_then_all_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "2024-01-01T00:00:00Z,1,2", header="time,open,high")

    with pytest.raises(DataError, match=r"^bars.csv: missing column\(s\) 'timestamp', 'low', "):
        load_bars(path)


def test_load_csv_when_column_repeated_in_other_case_then_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "2024-01-01T00:00:00Z,1,2,0.5,1.5,3,1", header=HEADER + ",Close")

    with pytest.raises(DataError, match=r"^bars.csv: column 'close' appears more than once"):
        load_bars(path)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            ["2024-01-01T00:01:00Z,1,2,0.5,1.5,3", "2024-01-01T00:00:00Z,1,2,0.5,1.5,3"],
            "timestamps not sorted ascending at row 2",
        ),
        ([*good_rows(2), "2024-01-01T00:01:00Z,1,2,0.5,1.5,3"], "duplicate timestamp at row 3"),
        (
            [*good_rows(2), "2024-01-01T00:05:00Z,1,2,0.5,,3"],
            "'close' has NaN or infinite values (first at row 3)",
        ),
        (
            [*good_rows(1), "2024-01-01T00:05:00Z,1,2,0.5,NaN,3"],
            "'close' has NaN or infinite values (first at row 2)",
        ),
        ([*good_rows(3), "2024-01-01T00:05:00Z,1,0.4,0.5,0.45,3"], "high < low at row 4"),
        (["2024-01-01T00:05:00Z,3,2,0.5,1.5,3"], "open outside [low, high] at row 1"),
        (["2024-01-01T00:05:00Z,1,2,0.5,2.5,3"], "close outside [low, high] at row 1"),
        (["2024-01-01T00:05:00Z,0,0,0,0,3"], "non-positive price at row 1"),
        ([*good_rows(2), "2024-01-01T00:05:00Z,1,2,0.5,1.5,-1"], "negative volume at row 3"),
    ],
    ids=[
        "unsorted",
        "duplicate",
        "empty-cell",
        "nan",
        "high-below-low",
        "open-outside",
        "close-outside",
        "non-positive",
        "negative-volume",
    ],
)
def test_load_csv_when_rows_invalid_then_error_names_file_problem_and_row(
    tmp_path: Path, rows: list[str], problem: str
) -> None:
    with pytest.raises(DataError) as caught:
        load_bars(write_csv(tmp_path, *rows))

    message = str(caught.value)
    assert message.startswith("bars.csv: ")
    assert problem in message


def test_load_csv_when_price_not_numeric_then_error_names_column_row_and_value(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path, *good_rows(2), "2024-01-01T00:05:00Z,1,2,0.5,abc,3")

    with pytest.raises(DataError) as caught:
        load_bars(path)

    assert str(caught.value) == "bars.csv: column 'close' has a non-numeric value 'abc' at row 3"


def test_load_csv_when_file_empty_then_error(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_bytes(b"")

    with pytest.raises(DataError, match=r"^bars.csv: file is empty$"):
        load_bars(path)


def test_load_csv_when_only_header_then_error_says_no_rows(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^bars.csv: file has no data rows$"):
        load_bars(write_csv(tmp_path))


def test_load_when_extension_unknown_then_error_lists_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bars.json"
    path.write_text("{}")

    with pytest.raises(DataError) as caught:
        load_bars(path)

    assert str(caught.value) == (
        "bars.json: unknown bar file type '.json'; allowed: .csv, .parquet, .pq"
    )


def test_load_when_file_missing_then_error_names_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    with pytest.raises(DataError, match=r"^no such file: .*nowhere\.csv$"):
        load_bars(path)


def test_load_csv_when_timestamp_unparseable_then_error_names_value_and_row(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path, *good_rows(1), "yesterday,1,2,0.5,1.5,3")

    with pytest.raises(DataError, match=r"^bars.csv: timestamp 'yesterday' at row 2 is not ISO"):
        load_bars(path)


def test_load_csv_when_timestamp_missing_then_error_names_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, *good_rows(2), ",1,2,0.5,1.5,3")

    with pytest.raises(DataError, match=r"^bars.csv: missing timestamp at row 3$"):
        load_bars(path)


def test_load_csv_when_iso_offsets_then_converted_to_utc(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "2024-01-01T02:00:00+02:00,1,2,0.5,1.5,3",
        "2023-12-31T19:01:00-05:00,1,2,0.5,1.5,3",
        "2024-01-01T00:02:00.5Z,1,2,0.5,1.5,3",
    )

    series = load_bars(path)

    assert series.ts_event.tolist() == [T0, T0 + MINUTE, T0 + 2 * MINUTE + 500_000_000]


def test_load_csv_when_naive_and_aware_timestamps_mixed_then_naive_means_utc(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path, "2024-01-01 00:00:00,1,2,0.5,1.5,3", "2024-01-01T01:01:00+01:00,1,2,0.5,1.5,3"
    )

    assert load_bars(path).ts_event.tolist() == [T0, T0 + MINUTE]


def test_load_csv_when_dates_only_then_midnight_utc(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "2024-01-01,1,2,0.5,1.5,3", "2024-01-02,1,2,0.5,1.5,3")

    assert load_bars(path).ts_event.tolist() == [T0, T0 + 1440 * MINUTE]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("1704067200", "1704067260"),
        ("1704067200000", "1704067260000"),
        ("1704067200000000", "1704067260000000"),
        ("1704067200000000000", "1704067260000000000"),
    ],
    ids=["seconds", "milliseconds", "microseconds", "nanoseconds"],
)
def test_load_csv_when_epoch_numbers_then_unit_detected_from_magnitude(
    tmp_path: Path, first: str, second: str
) -> None:
    path = write_csv(tmp_path, f"{first},1,2,0.5,1.5,3", f"{second},1,2,0.5,1.5,3")

    assert load_bars(path).ts_event.tolist() == [T0, T0 + MINUTE]


def test_load_csv_when_fractional_epoch_seconds_then_rounded_to_microsecond(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path, "1704067200.123,1,2,0.5,1.5,3", "1704067260.5,1,2,0.5,1.5,3")

    assert load_bars(path).ts_event.tolist() == [T0 + 123_000_000, T0 + MINUTE + 500_000_000]


def test_load_csv_when_epoch_units_mixed_then_error_names_both(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "1704067200,1,2,0.5,1.5,3", "1704067260000,1,2,0.5,1.5,3")

    with pytest.raises(DataError) as caught:
        load_bars(path)

    assert str(caught.value) == (
        "bars.csv: column 'timestamp' mixes epoch units: row 1 looks like seconds, "
        "row 2 like milliseconds"
    )


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Paris"])
def test_load_parquet_when_pandas_datetime_column_then_utc_nanoseconds(
    tmp_path: Path, tz: str | None
) -> None:
    stamps = pd.date_range("2024-01-01", periods=2, freq="min", tz=tz)
    frame = pd.DataFrame(
        {
            "Timestamp": stamps,
            "Open": [1.0, 1.0],
            "High": [2.0, 2.0],
            "Low": [0.5, 0.5],
            "Close": [1.5, 1.5],
            "Volume": [3, 4],
            "ignored": ["a", "b"],
        }
    )
    path = tmp_path / "bars.pq"
    frame.to_parquet(path)

    series = load_bars(path)

    offset = 0 if tz != "Europe/Paris" else -3600 * 10**9
    assert series.ts_event.tolist() == [T0 + offset, T0 + offset + MINUTE]
    assert series.volume.tolist() == [3.0, 4.0]


def test_load_parquet_when_int_epoch_without_metadata_then_unit_detected(tmp_path: Path) -> None:
    table = pa.table(
        {
            "timestamp": [1704067200000, 1704067260000],
            "open": [1.0, 1.0],
            "high": [2.0, 2.0],
            "low": [0.5, 0.5],
            "close": [1.5, 1.5],
            "volume": [3.0, 3.0],
        }
    )
    path = tmp_path / "bars.parquet"
    pq.write_table(table, path)

    assert load_bars(path).ts_event.tolist() == [T0, T0 + MINUTE]


def test_load_parquet_when_column_missing_then_error_names_it(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    pq.write_table(pa.table({"timestamp": [1], "open": [1.0]}), path)

    with pytest.raises(DataError, match=r"^bars.parquet: missing column\(s\) 'high', 'low'"):
        load_bars(path)


def test_load_parquet_when_file_corrupt_then_error(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    path.write_bytes(b"not a parquet file at all")

    with pytest.raises(DataError, match=r"^bars.parquet: cannot read Parquet"):
        load_bars(path)


def test_load_parquet_when_file_empty_then_error(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    path.write_bytes(b"")

    with pytest.raises(DataError, match=r"^bars.parquet: file is empty$"):
        load_bars(path)


def synthetic(n_bars: int = 500) -> BarSeries:
    return generate_bars(SyntheticMarketConfig(symbol="SYN"), n_bars, seed=11)


@pytest.mark.parametrize("name", ["bars.parquet", "bars.pq", "BARS.PARQUET"])
def test_save_parquet_then_load_round_trip_is_exact(tmp_path: Path, name: str) -> None:
    original = synthetic()
    early = BarSeries(
        "SYN",
        original.ts_event - T0 + 7,
        original.open,
        original.high,
        original.low,
        original.close,
        original.volume,
    )  # 1970: ns below 1e17
    for series in (original, early):
        save_bars(series, tmp_path / name)

        assert series_equal(load_bars(tmp_path / name, symbol="SYN"), series)


def test_save_csv_then_load_round_trip_within_1e_12(tmp_path: Path) -> None:
    base = synthetic()
    odd_times = base.ts_event + np.arange(len(base), dtype=np.int64) * 1_001  # ns precision
    series = BarSeries("SYN", odd_times, base.open, base.high, base.low, base.close, base.volume)
    path = tmp_path / "bars.csv"

    save_bars(series, path)
    loaded = load_bars(path, symbol="SYN")

    assert np.array_equal(loaded.ts_event, series.ts_event)
    for column in ("open", "high", "low", "close", "volume"):
        np.testing.assert_allclose(getattr(loaded, column), getattr(series, column), rtol=1e-12)


def test_save_csv_when_whole_seconds_then_iso_utc_text(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"

    save_bars(synthetic(2), path)

    lines = path.read_text().splitlines()
    assert lines[1].startswith("2024-01-01T00:01:00Z,100,")
    assert lines[2].startswith("2024-01-01T00:02:00Z,")


def test_save_when_target_exists_then_replaced_and_no_temporary_left(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    path.write_bytes(b"old")

    save_bars(synthetic(3), path)

    assert len(load_bars(path)) == 3
    assert os.listdir(tmp_path) == ["bars.parquet"]


def test_save_when_extension_unknown_then_error_and_nothing_written(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^bars.txt: unknown bar file type '.txt'; allowed: "):
        save_bars(synthetic(3), tmp_path / "bars.txt")

    assert os.listdir(tmp_path) == []


def test_data_format_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Path(__file__).parents[4] / "docs" / "reference" / "data-format.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(), flags=re.DOTALL)
    monkeypatch.chdir(tmp_path)

    assert blocks
    for block in blocks:
        exec(compile(block, str(doc), "exec"), {})
