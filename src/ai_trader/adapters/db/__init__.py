"""SQL storage (SPEC STO-1): SQLite by default, PostgreSQL (TimescaleDB when available).

``create_database_engine`` → ``upgrade_database`` → ``SqlJournal`` and ``Repositories``;
``TokenStore`` keeps the API's bearer tokens (SPEC API-2).
"""

from ai_trader.adapters.db.engine import (
    ALLOWED_SCHEMES,
    SQLITE_PRAGMAS,
    create_database_engine,
    mask_url,
    resolve_database_url,
)
from ai_trader.adapters.db.journal import SqlJournal
from ai_trader.adapters.db.migrations import current_revision, head_revision, upgrade_database
from ai_trader.adapters.db.models import (
    TABLE_NAMES,
    ApiTokenRow,
    AuditEventRow,
    Base,
    FillRow,
    OptimizationRunRow,
    OrderRow,
    ParameterChangeRow,
    PerformanceMetricRow,
    PositionRow,
    TradeRow,
)
from ai_trader.adapters.db.repositories import PositionRepository, Repositories, Repository
from ai_trader.adapters.db.tokens import IssuedToken, TokenInfo, TokenStore

__all__ = [
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
