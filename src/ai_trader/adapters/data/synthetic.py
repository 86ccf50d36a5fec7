"""A seeded synthetic market: a regime-switching random walk of OHLCV bars.

The market is in one of several regimes (bull, bear, sideways, high volatility ...), each with
its own drift and volatility of the log return per bar. Before every bar the regime switches
with probability ``regime_switch_probability`` to one of the *other* regimes, chosen uniformly
(a Markov chain); the run starts in the first regime. Per bar:

    close  = open * exp(drift + volatility * z)              z ~ N(0, 1)
    open   = previous close (the first open is ``start_price``)
    high   = max(open, close) * exp(volatility * |N(0, 1)| / 2)
    low    = min(open, close) * exp(-volatility * |N(0, 1)| / 2)
    volume = volume_base * (volatility / mean volatility) * (0.5 + |z|) * LogNormal(0, 0.25)

so prices stay positive, ``low <= open, close <= high`` holds exactly, and volume rises with
the regime's volatility and the size of the move. ``ts_event`` is the bar's close time:
``start + (i + 1) * bar_interval_seconds``.

The same ``seed`` gives identical arrays (numpy ``Generator(PCG64(seed))``).
``generate_bars`` draws a whole path at once (vectorized); ``SyntheticBarStream`` continues the
same process one bar at a time for paper trading, deterministically for a given seed, though
not bit-identical to the vectorized path (the random numbers are drawn in another order).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ai_trader.core.clock import datetime_to_ns
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.bar import Bar, BarSeries, FloatArray, IntArray

_WICK_SCALE = 0.5
_VOLUME_NOISE = 0.25


class MarketRegime(BaseModel):
    """One state of the market: drift and volatility of the log return per bar."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    drift: float = Field(ge=-0.1, le=0.1)
    volatility: float = Field(gt=0.0, le=0.5)


DEFAULT_REGIMES = (
    MarketRegime(name="bull", drift=5e-5, volatility=1e-3),
    MarketRegime(name="bear", drift=-5e-5, volatility=1.5e-3),
    MarketRegime(name="sideways", drift=0.0, volatility=6e-4),
    MarketRegime(name="high_volatility", drift=0.0, volatility=4e-3),
)


class SyntheticMarketConfig(BaseModel):
    """Parameters of the synthetic market; the defaults suit one-minute crypto-like bars."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: str = Field(default="SYN/USD", min_length=1)
    start_price: float = Field(default=100.0, gt=0.0)
    bar_interval_seconds: int = Field(default=60, gt=0)
    start: datetime = datetime(2024, 1, 1, tzinfo=UTC)
    regimes: tuple[MarketRegime, ...] = Field(default=DEFAULT_REGIMES, min_length=1)
    regime_switch_probability: float = Field(default=0.001, ge=0.0, le=1.0)
    volume_base: float = Field(default=1_000.0, gt=0.0)

    @field_validator("start")
    @classmethod
    def _start_is_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("start must be timezone-aware, e.g. 2024-01-01T00:00:00Z")
        return value.astimezone(UTC)

    @field_validator("regimes")
    @classmethod
    def _regime_names_unique(cls, value: tuple[MarketRegime, ...]) -> tuple[MarketRegime, ...]:
        names = [regime.name for regime in value]
        if len(set(names)) != len(names):
            raise ValueError(f"regime names must be unique, got {names}")
        return value

    @property
    def start_ns(self) -> int:
        return datetime_to_ns(self.start)

    @property
    def bar_interval_ns(self) -> int:
        return self.bar_interval_seconds * 1_000_000_000


class _Path(NamedTuple):
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    last_regime: int


class _Process:
    """The per-bar arithmetic shared by the vectorized generator and the stream."""

    def __init__(self, config: SyntheticMarketConfig) -> None:
        self.drifts = np.array([regime.drift for regime in config.regimes])
        self.volatilities = np.array([regime.volatility for regime in config.regimes])
        self.volume_scale = config.volume_base / float(self.volatilities.mean())
        self.switch_probability = config.regime_switch_probability

    def regimes(self, rng: np.random.Generator, n: int, current: int) -> IntArray:
        """Regime of each of the next ``n`` bars; a switch always moves to another regime."""
        count = self.drifts.shape[0]
        switches = rng.random(n) < self.switch_probability
        if count == 1:
            return np.zeros(n, dtype=np.int64)
        steps = rng.integers(1, count, size=n) * switches
        return np.asarray((current + np.cumsum(steps)) % count, dtype=np.int64)

    def path(self, rng: np.random.Generator, n: int, regime: int, price: float) -> _Path:
        regimes = self.regimes(rng, n, regime)
        drift, volatility = self.drifts[regimes], self.volatilities[regimes]
        shocks = rng.standard_normal((4, n))
        close = price * np.exp(np.cumsum(drift + volatility * shocks[0]))
        open_ = np.empty(n)
        open_[:1] = price
        open_[1:] = close[:-1]
        high = np.maximum(open_, close) * np.exp(volatility * _WICK_SCALE * np.abs(shocks[1]))
        low = np.minimum(open_, close) * np.exp(-volatility * _WICK_SCALE * np.abs(shocks[2]))
        activity = (volatility * self.volume_scale) * (0.5 + np.abs(shocks[0]))
        volume = activity * np.exp(_VOLUME_NOISE * shocks[3])
        last = int(regimes[-1]) if n else regime
        return _Path(open_, high, low, close, volume, last)


def generate_bars(config: SyntheticMarketConfig, n_bars: int, seed: int) -> BarSeries:
    """Generate ``n_bars`` bars of the synthetic market; the same seed gives the same bars."""
    if n_bars < 0:
        raise ConfigurationError(f"n_bars must be >= 0, got {n_bars}")
    rng = np.random.Generator(np.random.PCG64(seed))
    path = _Process(config).path(rng, n_bars, 0, config.start_price)
    steps = np.arange(1, n_bars + 1, dtype=np.int64)
    ts_event = config.start_ns + steps * config.bar_interval_ns
    return BarSeries(
        config.symbol, ts_event, path.open, path.high, path.low, path.close, path.volume
    )


class SyntheticBarStream:
    """The synthetic market one bar at a time, for paper trading against the wall clock."""

    def __init__(self, config: SyntheticMarketConfig, seed: int) -> None:
        self._config = config
        self._process = _Process(config)
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._regime = 0
        self._price = config.start_price
        self._last_ts: int | None = None

    @property
    def symbol(self) -> str:
        return self._config.symbol

    @property
    def regime(self) -> str:
        """Name of the regime the last bar was drawn in (the first regime before any bar)."""
        return self._config.regimes[self._regime].name

    def next_bar(self, ts_event: int) -> Bar:
        """The next bar, closing at ``ts_event`` (epoch ns, later than the previous bar's)."""
        if self._last_ts is not None and ts_event <= self._last_ts:
            raise ConfigurationError(
                f"ts_event {ts_event} must be after the previous bar's {self._last_ts}"
            )
        path = self._process.path(self._rng, 1, self._regime, self._price)
        self._regime, self._price, self._last_ts = path.last_regime, float(path.close[0]), ts_event
        return Bar.create(
            self.symbol,
            ts_event,
            float(path.open[0]),
            float(path.high[0]),
            float(path.low[0]),
            float(path.close[0]),
            float(path.volume[0]),
        )
