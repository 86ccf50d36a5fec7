"""A :class:`~ai_trader.ports.state_store.StateStore` on Redis (redis-py).

Keys are stored as given (no prefix by default), so the runbook's ``redis-cli get mode``
and ``redis-cli hgetall risk:stats`` show the live values. A ``prefix`` can separate
several bots sharing one Redis database.

Errors:

* a bad URL or an unreachable server when the store is opened →
  :class:`~ai_trader.core.errors.ConfigurationError` (fail at start), URL password masked;
* Redis failing later (connection lost, timeout) → :class:`StateStoreUnavailableError`,
  a direct child of ``AiTraderError``: a state store outage is not a venue error, and
  the caller decides whether to retry, fall back or halt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis

from ai_trader.adapters.state._values import check_hash, check_key, check_value
from ai_trader.core.errors import ConfigurationError, StateStoreUnavailableError

_T = TypeVar("_T")

CONNECT_TIMEOUT_SECONDS = 3.0
OPERATION_TIMEOUT_SECONDS = 5.0


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    if not password:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class RedisStateStore:
    """Runtime state in Redis; plain string keys and hashes under the runbook's names."""

    def __init__(self, url: str, prefix: str = "") -> None:
        self._prefix = prefix
        self._masked_url = mask_url(url)
        try:
            self._client: redis.Redis = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                socket_timeout=OPERATION_TIMEOUT_SECONDS,
            )
        except ValueError as exc:
            raise ConfigurationError(f"invalid Redis URL {self._masked_url}: {exc}") from exc
        try:
            self._client.ping()
        except redis.RedisError as exc:
            self._client.close()
            raise ConfigurationError(f"cannot reach Redis at {self._masked_url}: {exc}") from exc

    @property
    def prefix(self) -> str:
        return self._prefix

    def close(self) -> None:
        """Release the connection pool. The store must not be used afterwards."""
        self._client.close()

    # -- the StateStore port ----------------------------------------------------------

    def get(self, key: str) -> str | None:
        value: Any = self._call(self._client.get, self._key(key))
        return None if value is None else str(value)

    def set(self, key: str, value: str) -> None:
        self._call(self._client.set, self._key(key), check_value(key, value))

    def delete(self, key: str) -> None:
        self._call(self._client.delete, self._key(key))

    def get_hash(self, key: str) -> Mapping[str, str]:
        values: Any = self._call(self._client.hgetall, self._key(key))
        return {str(field): str(value) for field, value in values.items()}

    def set_hash(self, key: str, values: Mapping[str, str]) -> None:
        """Replace the whole hash in one MULTI/EXEC: readers never see a mix."""
        name = self._key(key)
        checked: dict[Any, Any] = check_hash(key, values)  # redis-py's Mapping key is invariant
        pipeline = self._client.pipeline(transaction=True)
        pipeline.delete(name)
        if checked:
            pipeline.hset(name, mapping=checked)
        self._call(pipeline.execute)

    def set_many(self, values: Mapping[str, str | Mapping[str, str]]) -> None:
        pipeline = self._client.pipeline(transaction=True)
        for key, value in values.items():
            name = self._key(key)
            if isinstance(value, str):
                pipeline.set(name, check_value(key, value))
            else:
                checked: dict[Any, Any] = check_hash(key, value)
                pipeline.delete(name)
                if checked:
                    pipeline.hset(name, mapping=checked)
        self._call(pipeline.execute)

    # -- helpers ----------------------------------------------------------------------

    def _key(self, key: str) -> str:
        return self._prefix + check_key(key)

    def _call(self, operation: Callable[..., _T], *arguments: object) -> _T:
        try:
            return operation(*arguments)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StateStoreUnavailableError(
                f"Redis at {self._masked_url} is unavailable: {exc}"
            ) from exc
