"""One contract, two adapters: every StateStore behaves the same on file and on Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ai_trader.adapters.state import FileStateStore, RedisStateStore, RuntimeState
from ai_trader.domain.enums import Mode
from ai_trader.ports.state_store import StateStore

pytestmark = pytest.mark.integration

Opener = Callable[[], StateStore]


@pytest.fixture(params=["file", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens a new store on the same backing state each time it is called."""
    opened: list[RedisStateStore] = []
    if request.param == "file":
        yield lambda: FileStateStore(tmp_path / "data" / "bot_state.json")
        return
    url: str = request.getfixturevalue("redis_url")

    def open_redis() -> StateStore:
        store = RedisStateStore(url)
        opened.append(store)
        return store

    yield open_redis
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Opener) -> StateStore:
    return open_store()


def test_store_satisfies_the_state_store_protocol(store: StateStore) -> None:
    assert isinstance(store, StateStore)


def test_get_absent_key_returns_none(store: StateStore) -> None:
    assert store.get("mode") is None


def test_set_then_get_returns_the_value(store: StateStore) -> None:
    store.set("mode", "halt")
    assert store.get("mode") == "halt"


def test_set_twice_keeps_the_last_value(store: StateStore) -> None:
    store.set("mode", "paper")
    store.set("mode", "auto")
    assert store.get("mode") == "auto"


def test_keys_are_independent(store: StateStore) -> None:
    store.set("mode", "halt")
    store.set("mode:active_color", "green")
    assert (store.get("mode"), store.get("mode:active_color")) == ("halt", "green")


def test_delete_removes_the_value(store: StateStore) -> None:
    store.set("pnl:net:today", "12.5")
    store.delete("pnl:net:today")
    assert store.get("pnl:net:today") is None


def test_delete_absent_key_is_a_no_op(store: StateStore) -> None:
    store.delete("never:set")
    assert store.get("never:set") is None


def test_empty_and_unicode_values_round_trip(store: StateStore) -> None:
    store.set("empty", "")
    store.set("note", 'düşük — 低 "quoted" \n newline')
    assert store.get("empty") == ""
    assert store.get("note") == 'düşük — 低 "quoted" \n newline'


def test_get_hash_of_absent_key_is_empty(store: StateStore) -> None:
    assert dict(store.get_hash("risk:stats")) == {}


def test_set_hash_then_get_hash_returns_all_fields(store: StateStore) -> None:
    store.set_hash("risk:stats", {"drawdown": "0.012", "var_95": "1500"})
    assert dict(store.get_hash("risk:stats")) == {"drawdown": "0.012", "var_95": "1500"}


def test_set_hash_replaces_the_whole_hash(store: StateStore) -> None:
    store.set_hash("risk:stats", {"drawdown": "0.012", "stale": "1"})
    store.set_hash("risk:stats", {"drawdown": "0.020"})
    assert dict(store.get_hash("risk:stats")) == {"drawdown": "0.020"}


def test_set_hash_with_no_fields_removes_the_hash(store: StateStore) -> None:
    store.set_hash("risk:stats", {"drawdown": "0.012"})
    store.set_hash("risk:stats", {})
    assert dict(store.get_hash("risk:stats")) == {}


def test_delete_removes_a_hash(store: StateStore) -> None:
    store.set_hash("risk:stats", {"drawdown": "0.012"})
    store.delete("risk:stats")
    assert dict(store.get_hash("risk:stats")) == {}


def test_non_string_value_is_rejected_and_nothing_is_stored(store: StateStore) -> None:
    with pytest.raises(TypeError, match="must be a string"):
        store.set("risk:capital_effective", 0.5)  # type: ignore[arg-type]
    assert store.get("risk:capital_effective") is None


def test_non_string_hash_value_is_rejected_and_old_hash_kept(store: StateStore) -> None:
    store.set_hash("risk:stats", {"drawdown": "0.012"})
    with pytest.raises(TypeError, match="must be a string"):
        store.set_hash("risk:stats", {"drawdown": 0.02})  # type: ignore[dict-item]
    assert dict(store.get_hash("risk:stats")) == {"drawdown": "0.012"}


def test_values_survive_reopening_the_store(open_store: Opener) -> None:
    first = open_store()
    first.set("mode", "halt")
    first.set_hash("risk:stats", {"drawdown": "0.03"})
    second = open_store()
    assert second.get("mode") == "halt"
    assert dict(second.get_hash("risk:stats")) == {"drawdown": "0.03"}


def test_a_second_store_sees_writes_of_the_first(open_store: Opener) -> None:
    reader, writer = open_store(), open_store()
    assert reader.get("mode") is None
    writer.set("mode", "halt")
    assert reader.get("mode") == "halt"


def test_runtime_state_round_trips_every_key(store: StateStore) -> None:
    state = RuntimeState(store)
    heartbeat = datetime(2026, 1, 12, 9, 30, 15, 250000, tzinfo=UTC)
    state.mode = Mode.HALT
    state.active_color = "green"
    state.capital_effective = 0.35
    state.risk_stats = {"drawdown": "0.012"}
    state.pnl_net_today = Decimal("-123.45")
    state.positions = {"BTC/USDT": Decimal("0.5"), "ETH/USDT": Decimal("-2")}
    state.policy_last_update = heartbeat
    state.policy_allowed_influence_pct = 12.5

    again = RuntimeState(store)
    assert again.mode is Mode.HALT
    assert again.active_color == "green"
    assert again.capital_effective == 0.35
    assert again.risk_stats == {"drawdown": "0.012"}
    assert again.pnl_net_today == Decimal("-123.45")
    assert again.positions == {"BTC/USDT": Decimal("0.5"), "ETH/USDT": Decimal("-2")}
    assert again.policy_last_update == heartbeat
    assert again.policy_allowed_influence_pct == 12.5


def test_set_many_writes_strings_and_hashes_together(store: StateStore) -> None:
    store.set("mode", "paper")
    store.set_hash("risk:stats", {"old": "1"})

    store.set_many({"mode": "halt", "pnl:net:today": "-12.5", "risk:stats": {"drawdown": "0.1"}})

    assert store.get("mode") == "halt"
    assert store.get("pnl:net:today") == "-12.5"
    assert dict(store.get_hash("risk:stats")) == {"drawdown": "0.1"}


def test_set_many_when_a_value_is_bad_then_nothing_is_written(store: StateStore) -> None:
    store.set("mode", "paper")

    with pytest.raises(TypeError):
        store.set_many({"mode": "halt", "risk:stats": {"drawdown": 0.1}})  # type: ignore[dict-item]

    assert store.get("mode") == "paper"


def test_set_many_seen_by_a_second_store_on_the_same_backend(open_store: Opener) -> None:
    writer, reader = open_store(), open_store()

    writer.set_many({"mode": "manual", "risk:stats": {"halted": "0"}})

    assert reader.get("mode") == "manual"
    assert dict(reader.get_hash("risk:stats")) == {"halted": "0"}
