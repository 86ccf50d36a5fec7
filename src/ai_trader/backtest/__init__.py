"""Backtest runner (ENG-6)."""

from ai_trader.backtest.runner import run_backtest

__all__ = ["run_backtest"]
