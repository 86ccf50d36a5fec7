"""Bearer-token authentication with roles (SPEC API-2).

Tokens are checked against the hashed token table (``ai-trader token create``) and, when
``API_TOKEN`` is set, against that one bootstrap admin token. A verified token is cached
for ``CACHE_SECONDS`` so the hot path does not query the database on every request: a
revoked token stops working within that time.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

from ai_trader.adapters.db.tokens import TokenStore, hash_token
from ai_trader.domain.roles import Role

CACHE_SECONDS = 5.0
BOOTSTRAP_NAME = "API_TOKEN"


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role


class Authenticator:
    def __init__(
        self,
        tokens: TokenStore | None,
        bootstrap_token: SecretStr | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = tokens
        self._bootstrap = bootstrap_token.get_secret_value() if bootstrap_token else None
        self._monotonic = monotonic
        self._cache: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    @property
    def has_credentials(self) -> bool:
        """True when at least one token can authenticate (bootstrap or an active stored one)."""
        if self._bootstrap:
            return True
        return self._tokens is not None and any(not t.revoked for t in self._tokens.list())

    def authenticate(self, token: str) -> Principal | None:
        if self._bootstrap and hmac.compare_digest(token, self._bootstrap):
            return Principal(BOOTSTRAP_NAME, Role.ADMIN)
        key = hash_token(token)
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached[1] < CACHE_SECONDS:
                return cached[0]
        principal = None
        if self._tokens is not None:
            info = self._tokens.verify(token)
            if info is not None:
                principal = Principal(info.name, info.role)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (principal, now)
        return principal
