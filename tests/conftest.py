"""Real services for integration and acceptance tests: PostgreSQL and Redis on 127.0.0.1.

A missing service skips the test on a developer machine and FAILS it under ``CI=true``:
CI must never pass by not testing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis

POSTGRES_ADMIN_URL = os.environ.get(
    "AI_TRADER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("AI_TRADER_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _unavailable(service: str, error: Exception) -> None:
    message = f"{service} is not reachable ({error})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}: CI requires it", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards (SQLAlchemy URL)."""
    name = f"ai_trader_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL", exc)
        raise
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
            yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Redis database 15, emptied before and after the test."""
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as exc:
        _unavailable("Redis", exc)
        raise
    try:
        yield REDIS_TEST_URL
    finally:
        client.flushdb()
        client.close()
