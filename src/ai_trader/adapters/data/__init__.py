"""Market data adapters: bar files (CSV, Parquet), the synthetic market and bar feeds."""

from ai_trader.adapters.data.feeds import (
    MAX_BARS_IN_MEMORY,
    BarSeriesFeed,
    BoundedBarWindow,
    LivePacedFeed,
)
from ai_trader.adapters.data.files import ALLOWED_EXTENSIONS, REQUIRED_COLUMNS, load_bars, save_bars
from ai_trader.adapters.data.synthetic import (
    DEFAULT_REGIMES,
    MarketRegime,
    SyntheticBarStream,
    SyntheticMarketConfig,
    generate_bars,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "DEFAULT_REGIMES",
    "MAX_BARS_IN_MEMORY",
    "REQUIRED_COLUMNS",
    "BarSeriesFeed",
    "BoundedBarWindow",
    "LivePacedFeed",
    "MarketRegime",
    "SyntheticBarStream",
    "SyntheticMarketConfig",
    "generate_bars",
    "load_bars",
    "save_bars",
]
