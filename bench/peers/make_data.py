"""Write the peer benchmark data files into bench/peers/data/.

- ``synthetic_100k.parquet`` and ``synthetic_1m.parquet``: seeded 1-minute OHLCV random
  walks (log-price AR(1) pulled weakly towards 100, Markov volatility regimes, fat-tailed
  returns, small open gaps, wicks beyond the body, volume tied to volatility). Prices are
  left at full float precision: no tick rounding, so two SMAs practically never tie and
  every library takes the same decisions despite summing in different orders.
- ``real_eurusd_1h.parquet``: the hourly EUR/USD sample that backtesting.py ships
  (``backtesting.test.EURUSD``, 5,000 bars, 2017-04 to 2018-02), timestamps taken as UTC.

Format: ``timestamp`` int64 ns since the epoch (UTC, bar open time), then ``open, high,
low, close, volume`` as float64.

Run with the peers venv: ``bench/peers/.venv/bin/python bench/peers/make_data.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.signal import lfilter

DATA_DIR = Path(__file__).resolve().parent / "data"
START = pd.Timestamp("2024-01-01", tz="UTC")
MINUTE_NS = 60_000_000_000

# Per-minute volatility of each regime, its mean duration in bars, and the transition
# weights between regimes (a regime never transitions into itself).
REGIME_VOLS = np.array([0.0003, 0.0007, 0.0018])
REGIME_MEAN_BARS = np.array([2_000.0, 1_200.0, 300.0])
REGIME_NEXT = np.array([[0.0, 0.8, 0.2], [0.7, 0.0, 0.3], [0.3, 0.7, 0.0]])
MEAN_REVERSION = 1e-5  # pull of the log price towards log(100) per bar
STUDENT_DF = 4.0


def regime_volatility(n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-bar volatility from a semi-Markov chain of regimes with geometric durations."""
    vols = np.empty(n)
    i, regime = 0, 1
    while i < n:
        length = int(rng.geometric(1.0 / REGIME_MEAN_BARS[regime]))
        vols[i : i + length] = REGIME_VOLS[regime]
        i += length
        regime = int(rng.choice(3, p=REGIME_NEXT[regime]))
    return vols


def synthetic_bars(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    vol = regime_volatility(n, rng)
    # Student-t innovations scaled to unit variance, times the regime volatility.
    shocks = rng.standard_t(STUDENT_DF, n) * np.sqrt((STUDENT_DF - 2.0) / STUDENT_DF) * vol
    # AR(1) deviation of the log price from log(100): d[t] = (1 - k) d[t-1] + shock[t].
    deviation = lfilter([1.0], [1.0, -(1.0 - MEAN_REVERSION)], shocks)
    close = 100.0 * np.exp(deviation)
    previous_close = np.concatenate(([100.0], close[:-1]))
    open_ = previous_close * np.exp(rng.normal(0.0, 0.1, n) * vol)
    body_high = np.maximum(open_, close)
    body_low = np.minimum(open_, close)
    high = body_high * np.exp(np.abs(rng.normal(0.0, 0.6, n)) * vol)
    low = body_low * np.exp(-np.abs(rng.normal(0.0, 0.6, n)) * vol)
    volume = np.exp(rng.normal(np.log(1_000.0), 0.5, n)) * (vol / REGIME_VOLS[1])
    timestamp = START.value + np.arange(n, dtype=np.int64) * MINUTE_NS
    return pd.DataFrame(
        {
            "timestamp": timestamp,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": volume,
        }
    )


def eurusd_bars() -> pd.DataFrame:
    from backtesting.test import EURUSD

    index = pd.DatetimeIndex(EURUSD.index).tz_localize("UTC")
    return pd.DataFrame(
        {
            "timestamp": index.as_unit("ns").asi8,
            "open": EURUSD["Open"].to_numpy(np.float64),
            "high": EURUSD["High"].to_numpy(np.float64),
            "low": EURUSD["Low"].to_numpy(np.float64),
            "close": EURUSD["Close"].to_numpy(np.float64),
            "volume": EURUSD["Volume"].to_numpy(np.float64),
        }
    )


def check(bars: pd.DataFrame) -> None:
    body_high = np.maximum(bars["open"], bars["close"])
    body_low = np.minimum(bars["open"], bars["close"])
    problems = {
        "high below open/close": (bars["high"] < body_high).any(),
        "low above open/close": (bars["low"] > body_low).any(),
        "non-positive low": (bars["low"] <= 0).any(),
        "non-positive volume": (bars["volume"] <= 0).any(),
        "timestamps not increasing": (np.diff(bars["timestamp"].to_numpy()) <= 0).any(),
    }
    failed = [name for name, bad in problems.items() if bad]
    if failed:
        raise ValueError(f"bad bars: {', '.join(failed)}")


def write(bars: pd.DataFrame, path: Path) -> None:
    check(bars)
    schema = pa.schema(
        [("timestamp", pa.int64())]
        + [(name, pa.float64()) for name in ("open", "high", "low", "close", "volume")]
    )
    pq.write_table(pa.Table.from_pandas(bars, schema=schema, preserve_index=False), path)
    close = bars["close"]
    print(
        f"{path.name}: {len(bars):,} bars, close {close.min():.4f}..{close.max():.4f}, "
        f"last {close.iloc[-1]:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write(synthetic_bars(100_000, args.seed), args.out / "synthetic_100k.parquet")
    write(synthetic_bars(1_000_000, args.seed), args.out / "synthetic_1m.parquet")
    write(eurusd_bars(), args.out / "real_eurusd_1h.parquet")


if __name__ == "__main__":
    main()
