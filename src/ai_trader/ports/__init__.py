"""Layer 3: the ports (``Protocol``s) the kernel talks to; adapters implement them."""

from ai_trader.ports.executor import BarDrivenExecutor, Executor, ReportHandler
from ai_trader.ports.journal import Journal
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.ports.model_provider import ModelProvider
from ai_trader.ports.state_store import StateStore

__all__ = [
    "BarDrivenExecutor",
    "Executor",
    "Journal",
    "MarketDataFeed",
    "ModelProvider",
    "ReportHandler",
    "StateStore",
]
