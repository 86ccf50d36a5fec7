"""The services the integration suite needs answer on 127.0.0.1 (fails under CI if not)."""

from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def test_postgresql_answers_a_query(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_redis_stores_and_returns_a_value(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("mode", "halt")
        assert client.get("mode") == b"halt"
    finally:
        client.close()
