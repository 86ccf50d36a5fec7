"""The public names of ``ai_trader.adapters.db`` are pinned."""

from __future__ import annotations

import ai_trader.adapters.db as db


def test_db_package_exports_exactly_its_public_api() -> None:
    assert sorted(db.__all__) == sorted(
        [
            "ALLOWED_SCHEMES",
            "SQLITE_PRAGMAS",
            "TABLE_NAMES",
            "ApiTokenRow",
            "AuditEventRow",
            "Base",
            "FillRow",
            "IssuedToken",
            "OptimizationRunRow",
            "OrderRow",
            "ParameterChangeRow",
            "PerformanceMetricRow",
            "PositionRepository",
            "PositionRow",
            "Repositories",
            "Repository",
            "SqlJournal",
            "TokenInfo",
            "TokenStore",
            "TradeRow",
            "create_database_engine",
            "current_revision",
            "head_revision",
            "mask_url",
            "resolve_database_url",
            "upgrade_database",
        ]
    )
    assert all(hasattr(db, name) for name in db.__all__)


def test_table_names_cover_the_runbook_tables_and_api_tokens() -> None:
    assert set(db.TABLE_NAMES) == {
        "api_tokens",
        "audit_events",
        "fills",
        "optimization_runs",
        "orders",
        "parameter_history",
        "performance_metrics",
        "positions",
        "trades",
    }
