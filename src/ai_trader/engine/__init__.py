"""The engine (ENG-2): one loop for backtest, paper and live."""

from ai_trader.engine.engine import EventListener, ProgressCallback, TradingEngine
from ai_trader.engine.order_book import OrderBook, OrderRecord

__all__ = ["EventListener", "OrderBook", "OrderRecord", "ProgressCallback", "TradingEngine"]
