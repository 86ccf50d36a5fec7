"""RedisStateStore specifics: runbook key names as redis-cli sees them, errors, prefix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from ai_trader.adapters.state import (
    RedisStateStore,
    RuntimeState,
    open_state_store,
)
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.enums import Mode

pytestmark = pytest.mark.integration


@pytest.fixture
def plain_client(redis_url: str) -> Iterator[redis.Redis]:
    """A bare redis-py client, as ``redis-cli`` would look at the database."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def store(redis_url: str) -> Iterator[RedisStateStore]:
    opened = RedisStateStore(redis_url)
    yield opened
    opened.close()


def test_mode_written_through_the_store_is_visible_to_redis_cli_as_mode(
    store: RedisStateStore, plain_client: redis.Redis
) -> None:
    RuntimeState(store).mode = Mode.HALT
    assert plain_client.get("mode") == "halt"


def test_risk_stats_is_a_real_redis_hash_under_its_runbook_name(
    store: RedisStateStore, plain_client: redis.Redis
) -> None:
    RuntimeState(store).risk_stats = {"drawdown": "0.012"}
    assert plain_client.type("risk:stats") == "hash"
    assert plain_client.hget("risk:stats", "drawdown") == "0.012"


def test_mode_set_by_redis_cli_is_read_by_runtime_state(
    store: RedisStateStore, plain_client: redis.Redis
) -> None:
    plain_client.set("mode", "halt")  # redis-cli set mode halt: the runbook's emergency stop
    assert RuntimeState(store).mode is Mode.HALT


def test_prefix_is_prepended_to_every_key(redis_url: str, plain_client: redis.Redis) -> None:
    prefixed = RedisStateStore(redis_url, prefix="bot-a:")
    try:
        prefixed.set("mode", "auto")
        prefixed.set_hash("risk:stats", {"drawdown": "0"})
    finally:
        prefixed.close()
    assert plain_client.get("bot-a:mode") == "auto"
    assert plain_client.hgetall("bot-a:risk:stats") == {"drawdown": "0"}
    assert plain_client.get("mode") is None


def test_unreachable_server_is_a_configuration_error_with_the_password_masked() -> None:
    with pytest.raises(ConfigurationError, match="cannot reach Redis") as caught:
        RedisStateStore("redis://:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in str(caught.value)
    assert "redis://:***@127.0.0.1:1/0" in str(caught.value)


def test_open_state_store_with_a_url_opens_redis(redis_url: str, tmp_path: Path) -> None:
    store = open_state_store(redis_url, tmp_path / "bot_state.json")
    assert isinstance(store, RedisStateStore)
    store.close()
    assert not (tmp_path / "bot_state.json").exists()
