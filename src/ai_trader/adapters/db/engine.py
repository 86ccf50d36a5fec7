"""``create_database_engine``: SQLite (the default, at a path the caller gives) or PostgreSQL.

SQLite connections run in WAL mode with ``synchronous=FULL`` (an acknowledged commit
survives a power cut), foreign keys on and a busy timeout. Any URL or connection problem
becomes a one-line ``ConfigurationError`` with the password masked.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from ai_trader.core.errors import ConfigurationError

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
SQLITE_BUSY_TIMEOUT_MS = 5_000
POSTGRES_CONNECT_TIMEOUT_S = 5
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
)


def resolve_database_url(url: str | None, default_path: Path) -> URL:
    """The URL to use: ``url`` if given (``postgresql://`` means psycopg 3), else SQLite at
    ``default_path``."""
    if url is None or not url.strip():
        return URL.create("sqlite", database=str(default_path))
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise ConfigurationError(
            "the database URL is not a URL (expected SCHEME://…, not echoed: it may hold a "
            f"password); allowed schemes: {', '.join(ALLOWED_SCHEMES)}"
        ) from None
    if parsed.drivername not in ALLOWED_SCHEMES:
        raise ConfigurationError(
            f"database URL scheme {parsed.drivername!r} is not supported; "
            f"allowed schemes: {', '.join(ALLOWED_SCHEMES)}"
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def mask_url(url: URL) -> str:
    """The URL as text with its password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def create_database_engine(
    url: str | None, default_path: Path, *, check_connection: bool = True
) -> Engine:
    """An engine for ``url`` (or SQLite at ``default_path``), connected once to fail early."""
    resolved = resolve_database_url(url, default_path)
    if resolved.get_backend_name() == "sqlite":
        engine = _sqlite_engine(resolved)
    else:
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in resolved.query:
            connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
        engine = create_engine(resolved, connect_args=connect_args, pool_pre_ping=True)
    if check_connection:
        check_database(engine)
    logger.info("database: %s", mask_url(resolved))
    return engine


def check_database(engine: Engine) -> None:
    """Connect once; an unreachable database is a ``ConfigurationError`` in one line."""
    try:
        with engine.connect():
            pass
    except (DBAPIError, SQLAlchemyError) as exc:
        engine.dispose()
        raise ConfigurationError(
            f"cannot connect to database {mask_url(engine.url)}: {describe_error(exc, engine.url)}"
        ) from None


def describe_error(exc: BaseException, url: URL) -> str:
    """The first line of a driver error, without the password."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    text = lines[0] if lines else type(cause).__name__
    password = url.password
    if password:
        text = text.replace(str(password), "***")
    return text


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the database directory {path.parent}: {exc.strerror or exc}"
            ) from None
    engine = create_engine(url)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()
