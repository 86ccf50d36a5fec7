"""The runbook's runtime-state key names, kept exactly so ``redis-cli get mode`` works."""

from __future__ import annotations

from typing import Final

MODE: Final = "mode"
"""Trading mode: ``auto``, ``manual``, ``paper`` or ``halt`` (string)."""

ACTIVE_COLOR: Final = "mode:active_color"
"""Live deployment colour: ``blue`` or ``green`` (string)."""

CAPITAL_EFFECTIVE: Final = "risk:capital_effective"
"""Fraction of capital in use, 0..1 (decimal string)."""

RISK_STATS: Final = "risk:stats"
"""Risk statistics such as ``drawdown`` (hash of strings)."""

PNL_NET_TODAY: Final = "pnl:net:today"
"""Net P&L of the UTC day (decimal string)."""

PORTFOLIO_POSITIONS: Final = "portfolio_positions"
"""Open positions: JSON object of symbol → quantity string."""

POLICY_LAST_UPDATE_TS: Final = "policy:last_update_ts"
"""RL policy heartbeat: Unix seconds (``date -d @$(redis-cli get policy:last_update_ts)``)."""

POLICY_ALLOWED_INFLUENCE_PCT: Final = "policy:allowed_influence_pct"
"""RL policy influence allowed, 0..100 percent (decimal string)."""

ALL_KEYS: Final = (
    MODE,
    ACTIVE_COLOR,
    CAPITAL_EFFECTIVE,
    RISK_STATS,
    PNL_NET_TODAY,
    PORTFOLIO_POSITIONS,
    POLICY_LAST_UPDATE_TS,
    POLICY_ALLOWED_INFLUENCE_PCT,
)
