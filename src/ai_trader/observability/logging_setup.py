"""Process logging: rotating files, optional JSON lines and a request id on every record.

Only entry points (the service, the CLI) call ``configure_logging``; library code logs
through ``logging.getLogger(__name__)`` and never installs handlers.

Files under ``log_dir``:

    app.log                  every record at ``level`` and above, 10 MB × 5 rotations
    error_logs/errors.log    ERROR and above only, 10 MB × 5 rotations

Secrets: nothing here masks them, by design. Secrets are held in ``SecretStr`` settings and
never passed to a logger; the effective config is logged with secrets masked. A redacting
filter would hide the mistake instead of preventing it.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from ai_trader.core.errors import ConfigurationError

request_id_var: ContextVar[str | None] = ContextVar("ai_trader_request_id", default=None)

MAX_BYTES = 10 * 1024 * 1024
BACKUP_COUNT = 5
APP_LOG = "app.log"
ERROR_LOG = Path("error_logs") / "errors.log"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_HANDLER_PREFIX = "ai_trader.observability."


def new_request_id() -> str:
    """A fresh request (correlation) id: 32 hex digits."""
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current ``request_id_var`` on each record as ``request_id`` ("-" if unset)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        record.request_id = "-" if request_id is None else request_id
        return True


def _utc_iso(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="microseconds")


class UtcTextFormatter(logging.Formatter):
    """The text format, with UTC ISO timestamps."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - overrides logging.Formatter
        return _utc_iso(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, str] = {
            "ts": _utc_iso(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None and request_id != "-":
            document["request_id"] = request_id
        if record.exc_info:
            document["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            document["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(document, ensure_ascii=False)


def _level(level: str) -> int:
    levels = logging.getLevelNamesMapping()
    name = level.strip().upper()
    if name not in levels or name == "NOTSET":
        allowed = ", ".join(n for n in levels if n not in ("NOTSET", "WARN", "FATAL"))
        raise ConfigurationError(f"unknown log level {level!r}; allowed: {allowed}")
    return levels[name]


def _file_handler(path: Path, level: int) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setLevel(level)
    return handler


def remove_installed_handlers() -> None:
    """Detach and close the handlers ``configure_logging`` put on the root logger."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if (handler.get_name() or "").startswith(_HANDLER_PREFIX):
            root.removeHandler(handler)
            handler.close()


def configure_logging(
    log_dir: Path, level: str = "INFO", json_format: bool = False, console: bool = True
) -> None:
    """Install the root logger's handlers; calling again replaces the ones it installed."""
    root_level = _level(level)
    app_file = _file_handler(log_dir / APP_LOG, logging.NOTSET)
    try:
        error_file = _file_handler(log_dir / ERROR_LOG, logging.ERROR)
    except OSError:
        app_file.close()
        raise
    handlers = {"app_file": app_file, "error_file": error_file}
    if console:
        handlers["console"] = logging.StreamHandler(
            sys.stdout
        )  # stderr is kept for the one-line error
    formatter: logging.Formatter = JsonFormatter() if json_format else UtcTextFormatter()
    remove_installed_handlers()
    root = logging.getLogger()
    root.setLevel(root_level)
    request_ids = RequestIdFilter()
    for name, handler in handlers.items():
        handler.set_name(_HANDLER_PREFIX + name)
        handler.addFilter(request_ids)
        handler.setFormatter(formatter)
        root.addHandler(handler)
