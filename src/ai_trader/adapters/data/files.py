"""Bar files: load and save OHLCV bars as CSV or Parquet.

The format is described in ``docs/reference/data-format.md``. In short: the columns
``timestamp, open, high, low, close, volume`` (names case-insensitive, extra columns ignored);
timestamps as ISO-8601 text (naive means UTC), epoch numbers (unit detected from magnitude) or
Parquet datetimes. Every problem raises ``DataError`` with a message that starts with the file
name and, for a bad value, gives the data row (1-based, the row after the header is row 1).

Parsing is vectorized (pyarrow, pandas for the rare fallbacks): no Python code runs per row.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ai_trader.core.errors import DataError
from ai_trader.domain.bar import BarSeries, FloatArray, IntArray

REQUIRED_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
VALUE_COLUMNS = REQUIRED_COLUMNS[1:]
CSV_EXTENSIONS = (".csv",)
PARQUET_EXTENSIONS = (".parquet", ".pq")
ALLOWED_EXTENSIONS = CSV_EXTENSIONS + PARQUET_EXTENSIONS

# Epoch unit detection: |value| below 1e11 is seconds, below 1e14 milliseconds, below 1e17
# microseconds, else nanoseconds. Unambiguous for instants from 1973-03-03 to 5138-11-16.
_EPOCH_BOUNDS = np.array([1e11, 1e14, 1e17])
_EPOCH_UNIT_NAMES = ("seconds", "milliseconds", "microseconds", "nanoseconds")
_EPOCH_UNIT_NANOS = (10**9, 10**6, 1000, 1)
_UNIT_METADATA_KEY = b"unit"  # Parquet field metadata written by ``save_bars``
_UNIT_NANOS = {b"s": 10**9, b"ms": 10**6, b"us": 10**3, b"ns": 1}
_ISO_UNITS = (("s", 10**9), ("ms", 10**6), ("us", 1000))
_ROW = re.compile(r"\brow (\d+)")


def load_bars(path: Path, symbol: str | None = None) -> BarSeries:
    """Read a CSV or Parquet bar file into a validated ``BarSeries``.

    ``symbol`` defaults to the file stem upper-cased (``btc_usd.csv`` -> ``BTC_USD``).
    """
    path = Path(path)
    _check_extension(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    name = path.name
    if path.stat().st_size == 0:
        raise DataError(f"{name}: file is empty")
    table = (_read_csv if path.suffix.lower() in CSV_EXTENSIONS else _read_parquet)(path)
    if table.num_rows == 0:
        raise DataError(f"{name}: file has no data rows")
    actual = _pick_names(table.column_names, name)
    unit = _unit_hint(table.schema.field(actual["timestamp"]))
    timestamps = _timestamps_ns(table.column(actual["timestamp"]), unit, name)
    values = {key: _floats(table.column(actual[key]), key, name) for key in VALUE_COLUMNS}
    try:
        return BarSeries(symbol or path.stem.upper(), timestamps, **values)
    except DataError as exc:
        raise DataError(f"{name}: {_one_based_rows(str(exc))}") from exc


def save_bars(series: BarSeries, path: Path) -> None:
    """Write ``series`` as CSV (ISO-8601 UTC) or Parquet (int64 ns), atomically (``os.replace``)."""
    path = Path(path)
    _check_extension(path)
    if path.suffix.lower() in CSV_EXTENSIONS:
        table = _table(series, pa.array(_iso_strings(series.ts_event), pa.string()))
        options = pa_csv.WriteOptions(quoting_style="none")  # no value can hold a comma
        _write_atomically(path, lambda target: pa_csv.write_csv(table, target, options))
    else:
        table = _table(series, pa.array(series.ts_event, pa.int64()))
        _write_atomically(path, lambda target: pq.write_table(table, target))


def _check_extension(path: Path) -> None:
    if path.suffix.lower() not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(ALLOWED_EXTENSIONS)
        raise DataError(f"{path.name}: unknown bar file type {path.suffix!r}; allowed: {allowed}")


def _read_csv(path: Path) -> pa.Table:
    try:
        return pa_csv.read_csv(path)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            raise DataError(f"{path.name}: file is empty") from exc
        raise DataError(f"{path.name}: cannot parse CSV: {exc}") from exc


def _read_parquet(path: Path) -> pa.Table:
    try:
        schema = pq.read_schema(path)
        wanted = list(_pick_names(schema.names, path.name).values())
        return pq.read_table(path, columns=wanted)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path.name}: cannot read Parquet: {exc}") from exc


def _pick_names(names: list[str], file_name: str) -> dict[str, str]:
    """Map each required column to the file's spelling of it (case-insensitive)."""
    found: dict[str, list[str]] = {}
    for actual in names:
        found.setdefault(actual.strip().lower(), []).append(actual)
    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    if missing:
        listed = ", ".join(repr(column) for column in missing)
        raise DataError(
            f"{file_name}: missing column(s) {listed}; required: {', '.join(REQUIRED_COLUMNS)}"
        )
    for column in REQUIRED_COLUMNS:
        if len(found[column]) > 1:
            raise DataError(
                f"{file_name}: column {column!r} appears more than once ({found[column]}); "
                "column names are case-insensitive"
            )
    return {column: found[column][0] for column in REQUIRED_COLUMNS}


def _unit_hint(field: pa.Field) -> int | None:
    metadata = field.metadata or {}
    return _UNIT_NANOS.get(metadata.get(_UNIT_METADATA_KEY, b""))


def _timestamps_ns(column: pa.ChunkedArray, unit_nanos: int | None, name: str) -> IntArray:
    if column.null_count:
        row = int(np.argmax(pc.is_null(column).to_numpy())) + 1
        raise DataError(f"{name}: missing timestamp at row {row}")
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        try:
            nanos = column.cast(pa.timestamp("ns")).cast(pa.int64())
        except pa.ArrowInvalid as exc:
            raise DataError(f"{name}: timestamp out of range (1677..2262): {exc}") from exc
        return np.asarray(nanos.to_numpy(), dtype=np.int64)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return _epoch_to_ns(column.to_numpy(), unit_nanos, name)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _iso_to_ns(column.to_pandas(), name)
    raise DataError(
        f"{name}: column 'timestamp' has type {kind}; expected ISO-8601 text, "
        "epoch numbers or datetimes"
    )


def _epoch_to_ns(values: np.ndarray, unit_nanos: int | None, name: str) -> IntArray:
    """Epoch numbers to nanoseconds; the unit comes from Parquet metadata or the magnitude."""
    numbers = values.astype(np.float64, copy=False)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if bad.size:
        raise DataError(f"{name}: invalid timestamp {numbers[bad[0]]} at row {bad[0] + 1}")
    if unit_nanos is None:
        unit_nanos = _detect_epoch_unit(np.abs(numbers), name)
    if np.abs(numbers).max() >= 2**63 / unit_nanos:
        raise DataError(f"{name}: epoch timestamp out of range (after 2262-04-11)")
    if np.issubdtype(values.dtype, np.integer):
        return values.astype(np.int64) * unit_nanos
    # A float64 epoch holds about a quarter of a microsecond at today's dates: round to 1 us.
    step = min(unit_nanos, 1000)
    whole = np.floor(numbers)
    fraction = np.round((numbers - whole) * (unit_nanos // step)).astype(np.int64) * step
    return whole.astype(np.int64) * unit_nanos + fraction


def _detect_epoch_unit(magnitude: FloatArray, name: str) -> int:
    codes = np.searchsorted(_EPOCH_BOUNDS, magnitude, side="right")
    other = np.flatnonzero(codes != codes[0])
    if other.size:
        first, row = _EPOCH_UNIT_NAMES[codes[0]], int(other[0])
        raise DataError(
            f"{name}: column 'timestamp' mixes epoch units: row 1 looks like {first}, "
            f"row {row + 1} like {_EPOCH_UNIT_NAMES[codes[row]]}"
        )
    return _EPOCH_UNIT_NANOS[codes[0]]


def _iso_to_ns(text: pd.Series, name: str) -> IntArray:
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataError(
            f"{name}: timestamp {text.iloc[row]!r} at row {row + 1} is not ISO-8601 "
            "(e.g. 2024-01-01T00:00:00Z) or is out of range"
        )
    return np.asarray(pd.DatetimeIndex(parsed).as_unit("ns").asi8, dtype=np.int64)


def _floats(column: pa.ChunkedArray, column_name: str, name: str) -> FloatArray:
    kind = column.type
    numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal, pa.types.is_null)
    if any(is_kind(kind) for is_kind in numeric):
        return np.asarray(column.cast(pa.float64()).to_numpy(), dtype=np.float64)
    text = column.cast(pa.string()).to_pandas()
    numbers = pd.to_numeric(text, errors="coerce")
    bad = np.flatnonzero((numbers.isna() & text.notna()).to_numpy())
    if bad.size:
        row = int(bad[0])
        raise DataError(
            f"{name}: column {column_name!r} has a non-numeric value {text.iloc[row]!r} "
            f"at row {row + 1}"
        )
    return np.asarray(numbers.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _one_based_rows(message: str) -> str:
    """``BarSeries`` counts rows from 0; files count data rows from 1."""
    return _ROW.sub(lambda match: f"row {int(match.group(1)) + 1}", message)


def _iso_strings(ts_event: IntArray) -> npt.NDArray[np.str_]:
    """ISO-8601 UTC text at the coarsest unit that keeps every timestamp exact."""
    exact = (unit for unit, nanos in _ISO_UNITS if not np.any(ts_event % nanos))
    moments = ts_event.view(np.dtype("datetime64[ns]")).astype(f"datetime64[{next(exact, 'ns')}]")
    return np.datetime_as_string(moments, timezone="UTC")


def _table(series: BarSeries, timestamps: pa.Array) -> pa.Table:
    field = pa.field("timestamp", timestamps.type, metadata={_UNIT_METADATA_KEY: b"ns"})
    columns = [timestamps] + [pa.array(getattr(series, column)) for column in VALUE_COLUMNS]
    fields = [field] + [pa.field(column, pa.float64()) for column in VALUE_COLUMNS]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _write_atomically(path: Path, write: Callable[[str], None]) -> None:
    """Write to a temporary file beside ``path``, fsync it, then ``os.replace`` it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; data files are meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
