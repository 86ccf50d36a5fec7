"""Shared assembly of the engine for the runners (backtest, paper; live later)."""

from ai_trader.runtime.assembly import TradingSession, assemble_session
from ai_trader.runtime.spec import SessionSpec

__all__ = ["SessionSpec", "TradingSession", "assemble_session"]
