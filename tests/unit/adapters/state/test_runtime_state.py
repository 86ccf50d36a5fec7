"""RuntimeState: defaults when absent, validation messages naming what is allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ai_trader.adapters.state import FileStateStore, RuntimeState, keys
from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.domain.enums import Mode


@pytest.fixture
def store(tmp_path: Path) -> FileStateStore:
    return FileStateStore(tmp_path / "bot_state.json")


@pytest.fixture
def state(store: FileStateStore) -> RuntimeState:
    return RuntimeState(store)


def test_keys_are_the_runbook_names() -> None:
    assert keys.ALL_KEYS == (
        "mode",
        "mode:active_color",
        "risk:capital_effective",
        "risk:stats",
        "pnl:net:today",
        "portfolio_positions",
        "policy:last_update_ts",
        "policy:allowed_influence_pct",
    )


def test_empty_store_gives_the_safe_defaults(state: RuntimeState) -> None:
    assert state.mode is Mode.PAPER
    assert state.active_color == "blue"
    assert state.capital_effective == 0.0
    assert state.risk_stats == {}
    assert state.pnl_net_today == Decimal(0)
    assert state.positions == {}
    assert state.policy_last_update is None
    assert state.policy_allowed_influence_pct == 0.0


def test_mode_accepts_its_string_value(state: RuntimeState, store: FileStateStore) -> None:
    state.mode = "halt"  # type: ignore[assignment]
    assert store.get("mode") == "halt"


def test_unknown_mode_is_refused_naming_the_allowed_values(state: RuntimeState) -> None:
    with pytest.raises(ConfigurationError, match="allowed values: auto, manual, paper, halt"):
        state.mode = "fast"  # type: ignore[assignment]


def test_unknown_stored_mode_raises_data_error_naming_the_allowed_values(
    state: RuntimeState, store: FileStateStore
) -> None:
    store.set("mode", "fast")
    with pytest.raises(DataError, match=r"'fast'; allowed values: auto, manual, paper, halt"):
        _ = state.mode


def test_unknown_colour_is_refused(state: RuntimeState, store: FileStateStore) -> None:
    with pytest.raises(ConfigurationError, match="allowed values: blue, green"):
        state.active_color = "red"  # type: ignore[assignment]
    store.set("mode:active_color", "red")
    with pytest.raises(DataError, match="allowed values: blue, green"):
        _ = state.active_color


@pytest.mark.parametrize("value", [-0.01, 1.01, float("nan"), float("inf")])
def test_capital_effective_outside_zero_to_one_is_refused(
    state: RuntimeState, value: float
) -> None:
    with pytest.raises(ConfigurationError, match="capital_effective must be from 0 to 1"):
        state.capital_effective = value


def test_capital_effective_refuses_bools_and_strings(state: RuntimeState) -> None:
    for value in (True, "0.5"):
        with pytest.raises(ConfigurationError, match="must be a number from 0 to 1"):
            state.capital_effective = value  # type: ignore[assignment]


def test_capital_effective_is_stored_as_a_plain_number(
    state: RuntimeState, store: FileStateStore
) -> None:
    state.capital_effective = 0.35
    assert store.get("risk:capital_effective") == "0.35"


def test_stored_capital_effective_out_of_range_raises_data_error(
    state: RuntimeState, store: FileStateStore
) -> None:
    store.set("risk:capital_effective", "1.5")
    with pytest.raises(DataError, match="'risk:capital_effective' is unusable"):
        _ = state.capital_effective
    store.set("risk:capital_effective", "lots")
    with pytest.raises(DataError, match="expected a number"):
        _ = state.capital_effective


@pytest.mark.parametrize("value", [-1.0, 100.5])
def test_policy_influence_outside_zero_to_hundred_is_refused(
    state: RuntimeState, value: float
) -> None:
    with pytest.raises(ConfigurationError, match="from 0 to 100"):
        state.policy_allowed_influence_pct = value


def test_pnl_is_kept_exactly_as_a_decimal(state: RuntimeState, store: FileStateStore) -> None:
    state.pnl_net_today = Decimal("0.1") + Decimal("0.2")
    assert store.get("pnl:net:today") == "0.3"
    assert state.pnl_net_today == Decimal("0.3")


def test_pnl_refuses_floats_and_non_finite_values(state: RuntimeState) -> None:
    with pytest.raises(ConfigurationError, match="must be a Decimal"):
        state.pnl_net_today = 0.1  # type: ignore[assignment]
    with pytest.raises(ConfigurationError, match="must be finite"):
        state.pnl_net_today = Decimal("NaN")


def test_positions_are_stored_as_json_of_quantity_strings(
    state: RuntimeState, store: FileStateStore
) -> None:
    state.positions = {"ETH/USDT": Decimal("-2.50"), "BTC/USDT": Decimal("0.5")}
    assert store.get("portfolio_positions") == '{"BTC/USDT": "0.5", "ETH/USDT": "-2.50"}'


def test_positions_refuse_an_empty_symbol(state: RuntimeState) -> None:
    with pytest.raises(ConfigurationError, match="symbol must be a non-empty string"):
        state.positions = {"": Decimal(1)}


def test_stored_positions_that_are_not_an_object_raise_data_error(
    state: RuntimeState, store: FileStateStore
) -> None:
    store.set("portfolio_positions", "[1, 2]")
    with pytest.raises(DataError, match="'portfolio_positions' is unusable"):
        _ = state.positions
    store.set("portfolio_positions", '{"BTC/USDT": "many"}')
    with pytest.raises(DataError, match="decimal number"):
        _ = state.positions


def test_policy_last_update_is_stored_as_unix_seconds_and_read_back_in_utc(
    state: RuntimeState, store: FileStateStore
) -> None:
    paris = timezone(timedelta(hours=1))
    state.policy_last_update = datetime(2026, 1, 12, 10, 0, tzinfo=paris)
    assert store.get("policy:last_update_ts") == "1768208400.0"
    assert state.policy_last_update == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    assert state.policy_last_update.tzinfo is UTC


def test_policy_last_update_refuses_a_naive_datetime(state: RuntimeState) -> None:
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        state.policy_last_update = datetime(2026, 1, 12, 9, 0)  # naive on purpose


def test_stored_policy_timestamp_that_is_not_a_number_raises_data_error(
    state: RuntimeState, store: FileStateStore
) -> None:
    store.set("policy:last_update_ts", "yesterday")
    with pytest.raises(DataError, match="expected Unix seconds"):
        _ = state.policy_last_update


def test_risk_stats_replace_the_whole_hash(state: RuntimeState) -> None:
    state.risk_stats = {"drawdown": "0.01", "var": "3"}
    state.risk_stats = {"drawdown": "0.02"}
    assert state.risk_stats == {"drawdown": "0.02"}
