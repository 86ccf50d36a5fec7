"""Shared pieces of the runners: engine assembly, run results and result files."""

from ai_trader.runtime.assembly import TradingSession, assemble_session
from ai_trader.runtime.result import RunResult, summarize
from ai_trader.runtime.results import stats_document, write_results
from ai_trader.runtime.spec import SessionSpec

__all__ = [
    "RunResult",
    "SessionSpec",
    "TradingSession",
    "assemble_session",
    "stats_document",
    "summarize",
    "write_results",
]
