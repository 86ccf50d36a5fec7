"""Metrics, SLOs and logging setup (SPEC OPS-1, OPS-2). Imports only core and domain."""

from ai_trader.observability.logging_setup import (
    configure_logging,
    new_request_id,
    request_id_var,
)
from ai_trader.observability.metrics import TradingMetrics
from ai_trader.observability.slo import SloReport, SloStatus, SloTracker

__all__ = [
    "SloReport",
    "SloStatus",
    "SloTracker",
    "TradingMetrics",
    "configure_logging",
    "new_request_id",
    "request_id_var",
]
