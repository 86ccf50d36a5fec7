"""Bearer API tokens (SPEC API-2): issued once, stored hashed, with a role, revocable.

A token is ``ait_`` followed by 43 URL-safe characters (32 random bytes). The database
keeps only its SHA-256 (hex) and its first 12 characters, so a stolen database cannot be
replayed against the API. ``verify`` is on every request's path: a token that cannot be
ours is refused without touching the database, any other costs one SELECT on the unique
hash, plus an UPDATE of ``last_used_at`` at most once a minute per token.

``rotate`` replaces the secret in place: the old token stops working at once while the
name, role and audit trail stay; ``created_at`` becomes the new secret's issue time.
Revoked tokens are kept (``revoked_at`` set), so a name is never reused.
"""

from __future__ import annotations

import builtins
import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ai_trader.adapters.db.models import ApiTokenRow
from ai_trader.core.errors import ConfigurationError, InvariantViolation
from ai_trader.domain.roles import Role

if TYPE_CHECKING:
    _TokenRow: TypeAlias = Row[int, str, str, str, datetime, datetime | None, datetime | None]

logger = logging.getLogger(__name__)

TOKEN_SCHEME = "ait_"
TOKEN_BYTES = 32
PREFIX_LENGTH = 12
MAX_TOKEN_LENGTH = 128
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
KNOWN_NAMES_SHOWN = 20

_COLUMNS = (
    ApiTokenRow.id,
    ApiTokenRow.name,
    ApiTokenRow.role,
    ApiTokenRow.token_prefix,
    ApiTokenRow.created_at,
    ApiTokenRow.last_used_at,
    ApiTokenRow.revoked_at,
)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown about a token: never the token, never its hash."""

    name: str
    role: Role
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as issued: ``token`` is the only copy of the secret (kept out of ``repr``)."""

    token: str = field(repr=False)
    info: TokenInfo


def _wall_clock() -> datetime:
    return datetime.now(tz=UTC)


def hash_token(token: str) -> str:
    """The hex SHA-256 the database stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokenStore:
    """API tokens in the ``api_tokens`` table of a migrated database."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] = _wall_clock) -> None:
        self._engine = engine
        self._now = now

    def create(self, name: str, role: Role) -> IssuedToken:
        """Issue a token named ``name``; the returned plaintext is never available again."""
        _check_name(name)
        role = Role(role)
        token, now = _new_token(), self._now()
        values = {"name": name, "role": role.value, "created_at": now, **_secret(token)}
        try:
            with self._engine.begin() as connection:
                _refuse_taken_name(connection, name)
                connection.execute(insert(ApiTokenRow).values(values))
        except IntegrityError:  # a concurrent create took the name first
            raise ConfigurationError(f"API token name {name!r} is already taken") from None
        info = TokenInfo(name, role, token[:PREFIX_LENGTH], now, None, None)
        return IssuedToken(token, info)

    def verify(self, token: str) -> TokenInfo | None:
        """The token's details if it is a live token, else None (unknown or revoked)."""
        if not token.startswith(TOKEN_SCHEME) or len(token) > MAX_TOKEN_LENGTH:
            return None
        query = select(*_COLUMNS).where(ApiTokenRow.token_hash == hash_token(token))
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
            if row is None or row.revoked_at is not None:
                return None
            info = _info(row)
            now = self._now()
            stale = info.last_used_at is None or now - info.last_used_at >= LAST_USED_RESOLUTION
            if stale and _touch(connection, row.id, now):
                info = replace(info, last_used_at=now)
        return info

    def list(self) -> builtins.list[TokenInfo]:
        """Every token, revoked ones included, by name."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(*_COLUMNS).order_by(ApiTokenRow.name))
            return [_info(row) for row in rows]

    def revoke(self, name: str) -> TokenInfo:
        """Stop ``name`` working from now on; revoking a revoked token changes nothing."""
        with self._engine.begin() as connection:
            row = _find(connection, name)
            if row.revoked_at is not None:
                return _info(row)
            now = self._now()
            statement = update(ApiTokenRow).where(ApiTokenRow.id == row.id)
            connection.execute(statement.values(revoked_at=now))
        return replace(_info(row), revoked_at=now)

    def rotate(self, name: str) -> IssuedToken:
        """A new secret for ``name`` (same role); the old token stops working at once."""
        token, now = _new_token(), self._now()
        with self._engine.begin() as connection:
            row = _find(connection, name)
            if row.revoked_at is not None:
                raise ConfigurationError(
                    f"API token {name!r} is revoked and cannot be rotated; "
                    "create a new token under another name"
                )
            statement = update(ApiTokenRow).where(ApiTokenRow.id == row.id)
            connection.execute(
                statement.values(created_at=now, last_used_at=None, **_secret(token))
            )
        info = replace(_info(row), prefix=token[:PREFIX_LENGTH], created_at=now, last_used_at=None)
        return IssuedToken(token, info)


def _touch(connection: Connection, token_id: int, now: datetime) -> bool:
    """Record a use; best effort, since a busy database must not refuse a valid token."""
    stale = now - LAST_USED_RESOLUTION
    statement = (
        update(ApiTokenRow)
        .where(ApiTokenRow.id == token_id)
        .where(ApiTokenRow.last_used_at.is_(None) | (ApiTokenRow.last_used_at <= stale))
        .values(last_used_at=now)
    )
    try:
        connection.execute(statement)
        connection.commit()
    except SQLAlchemyError as exc:
        connection.rollback()
        logger.warning("API token last_used_at not updated: %s", type(exc).__name__)
        return False
    return True


def _refuse_taken_name(connection: Connection, name: str) -> None:
    query = select(ApiTokenRow.revoked_at).where(ApiTokenRow.name == name)
    existing = connection.execute(query).one_or_none()
    if existing is None:
        return
    why = " by a revoked token (names are never reused)" if existing.revoked_at else ""
    raise ConfigurationError(f"API token name {name!r} is already taken{why}")


def _find(connection: Connection, name: str) -> _TokenRow:
    row = connection.execute(select(*_COLUMNS).where(ApiTokenRow.name == name)).one_or_none()
    if row is not None:
        return row
    names = builtins.list(connection.scalars(select(ApiTokenRow.name).order_by(ApiTokenRow.name)))
    raise ConfigurationError(f"unknown API token {name!r}; {_describe_names(names)}")


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise ConfigurationError(
            f"API token name {name[:80]!r} is invalid: use 1 to 64 letters, digits, '_', '.' or '-'"
        )


def _describe_names(names: builtins.list[str]) -> str:
    if not names:
        return "there are no API tokens yet"
    shown = ", ".join(names[:KNOWN_NAMES_SHOWN])
    more = len(names) - KNOWN_NAMES_SHOWN
    return f"known tokens: {shown}" + (f" and {more} more" if more > 0 else "")


def _new_token() -> str:
    return TOKEN_SCHEME + secrets.token_urlsafe(TOKEN_BYTES)


def _secret(token: str) -> dict[str, str]:
    return {"token_hash": hash_token(token), "token_prefix": token[:PREFIX_LENGTH]}


def _info(row: _TokenRow) -> TokenInfo:
    try:
        role = Role(row.role)
    except ValueError:
        raise InvariantViolation(
            f"API token {row.name!r} has role {row.role!r}, which is not one of {', '.join(Role)}"
        ) from None
    return TokenInfo(
        name=row.name,
        role=role,
        prefix=row.token_prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
