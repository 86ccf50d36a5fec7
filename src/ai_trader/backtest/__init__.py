"""Backtest runner (ENG-6) and its result files."""

from ai_trader.backtest.results import stats_document, write_results
from ai_trader.backtest.runner import BacktestResult, run_backtest

__all__ = ["BacktestResult", "run_backtest", "stats_document", "write_results"]
