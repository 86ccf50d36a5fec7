"""Runtime state (SPEC STO-2): the runbook's keys in Redis or in an atomic JSON file.

``open_state_store(redis_url, state_file)`` picks the adapter: Redis when a URL is
given, else the JSON file (``data/bot_state.json`` by convention).
:class:`RuntimeState` reads and writes the keys with their types.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ai_trader.adapters.state import keys
from ai_trader.adapters.state.file_store import FileStateStore, Recover
from ai_trader.adapters.state.redis_store import RedisStateStore, mask_url
from ai_trader.adapters.state.runtime_state import Color, RuntimeState
from ai_trader.core.errors import ConfigurationError, StateStoreUnavailableError
from ai_trader.ports.state_store import StateStore

__all__ = [
    "REDIS_SCHEMES",
    "Color",
    "FileStateStore",
    "Recover",
    "RedisStateStore",
    "RuntimeState",
    "StateStoreUnavailableError",
    "keys",
    "open_state_store",
]

REDIS_SCHEMES = ("redis", "rediss", "unix")


def open_state_store(redis_url: str | None, state_file: Path) -> StateStore:
    """Redis at ``redis_url`` if one is given (not ``None`` or blank), else ``state_file``.

    Raises :class:`ConfigurationError` for a URL whose scheme is not one of
    ``redis://``, ``rediss://`` or ``unix://``, or for a Redis server that cannot be
    reached.
    """
    if redis_url is None or not redis_url.strip():
        return FileStateStore(state_file)
    scheme = urlsplit(redis_url.strip()).scheme.lower()
    if scheme not in REDIS_SCHEMES:
        allowed = ", ".join(f"{name}://" for name in REDIS_SCHEMES)
        raise ConfigurationError(
            f"unsupported state store URL {mask_url(redis_url)}: "
            f"scheme {scheme + '://' if scheme else '(none)'} is not one of {allowed}"
        )
    return RedisStateStore(redis_url.strip())
