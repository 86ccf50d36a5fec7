"""ai-trader: an AI trading system with operations built in.

One engine runs backtests, paper trading and (later) live trading; only the clock, the
market data feed and the executor differ.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
