"""Capital staging (SPEC RSK-3): allowed stages, approvals, the SLO tier C refusal and
the one-step-up rule, on a file state store and a real SQLite audit table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ai_trader.adapters.db import (
    AuditEventRow,
    Repository,
    create_database_engine,
    upgrade_database,
)
from ai_trader.adapters.state import FileStateStore, RuntimeState, keys
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import ConfigurationError, StateStoreUnavailableError
from ai_trader.ports.state_store import StateStore
from ai_trader.runtime.capital_staging import (
    PAPER_DEFAULT_FRACTION,
    STAGE_KEY,
    CapitalStaging,
    StagingRefusedError,
    next_stage_up,
)

START_NS = 1_704_164_645_000_000_000  # 2024-01-02T03:04:05Z


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(None, tmp_path / "trading_bot.db")
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def audit(database: Engine) -> Repository[AuditEventRow]:
    return Repository(database, AuditEventRow)


@pytest.fixture
def state(tmp_path: Path) -> RuntimeState:
    return RuntimeState(FileStateStore(tmp_path / "data" / "bot_state.json"))


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START_NS)


@pytest.fixture
def staging(
    state: RuntimeState, audit: Repository[AuditEventRow], clock: TestClock
) -> CapitalStaging:
    return CapitalStaging(state, audit, clock)


def climb(staging: CapitalStaging, clock: TestClock, *stages: int) -> None:
    for stage in stages:
        clock.advance(NANOS_PER_SECOND)
        staging.request(stage, "alice", f"to {stage}", "A")


# -- reading ---------------------------------------------------------------------------


def test_current_when_never_set_then_live_default_ten_percent(staging: CapitalStaging) -> None:
    view = staging.current()

    assert (view.percent, view.fraction, view.is_default) == (10, Decimal("0.1"), True)
    assert (view.approved_by, view.approved_at, view.reason) == (None, None, None)


def test_current_when_never_set_for_paper_then_hundred_percent(
    state: RuntimeState, audit: Repository[AuditEventRow], clock: TestClock
) -> None:
    staging = CapitalStaging(state, audit, clock, default_fraction=PAPER_DEFAULT_FRACTION)

    assert staging.current().percent == 100


def test_current_when_fraction_set_by_hand_then_no_approval(
    staging: CapitalStaging, state: RuntimeState, clock: TestClock
) -> None:
    climb(staging, clock, 20)
    state.capital_effective = 0.15

    view = staging.current()

    assert (view.percent, view.approved_by, view.is_default) == (15, None, False)


def test_default_fraction_outside_zero_to_one_is_refused(
    state: RuntimeState, audit: Repository[AuditEventRow], clock: TestClock
) -> None:
    with pytest.raises(ConfigurationError, match="default_fraction must be from 0 to 1"):
        CapitalStaging(state, audit, clock, default_fraction=Decimal("1.5"))


# -- changing --------------------------------------------------------------------------


def test_request_one_step_up_writes_state_and_audit(
    staging: CapitalStaging,
    state: RuntimeState,
    audit: Repository[AuditEventRow],
) -> None:
    view = staging.request(20, "alice", "two clean weeks", "A")

    assert (view.percent, view.approved_by, view.reason) == (20, "alice", "two clean weeks")
    assert view.approved_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert state.capital_effective == 0.2
    assert state.store.get_hash(STAGE_KEY)["approved_by"] == "alice"
    (row,) = audit.list_recent()
    assert (row.action, row.actor, row.reason) == (
        "capital_stage_change",
        "alice",
        "two clean weeks",
    )
    assert row.payload == {"from": 10, "to": 20, "slo_tier": "A"}


def test_request_more_than_one_stage_up_is_refused(
    staging: CapitalStaging, audit: Repository[AuditEventRow]
) -> None:
    with pytest.raises(StagingRefusedError, match="from 10% the next stage is 20%, not 30%"):
        staging.request(30, "alice", "hurry", "A")

    assert staging.current().percent == 10
    assert audit.count() == 0


def test_request_down_by_several_stages_is_allowed(
    staging: CapitalStaging, clock: TestClock
) -> None:
    climb(staging, clock, 20, 30, 50)

    view = staging.request(10, "bob", "drawdown", "B")

    assert view.percent == 10


def test_request_while_slo_tier_c_is_refused_in_either_direction(
    staging: CapitalStaging, clock: TestClock, audit: Repository[AuditEventRow]
) -> None:
    climb(staging, clock, 20)

    with pytest.raises(StagingRefusedError, match="disabled while the SLO tier is C"):
        staging.request(30, "alice", "more", "C")
    with pytest.raises(StagingRefusedError, match="ai-trader mode halt"):
        staging.request(10, "alice", "less", "C")

    assert staging.current().percent == 20
    assert audit.count() == 1


@pytest.mark.parametrize("stage", [0, 15, 40, 110, -10])
def test_request_for_an_unlisted_stage_names_the_allowed_stages(
    staging: CapitalStaging, stage: int
) -> None:
    with pytest.raises(ConfigurationError, match=r"stages: 10, 20, 30, 50, 70, 100"):
        staging.request(stage, "alice", "why not", "A")


@pytest.mark.parametrize(
    ("approved_by", "reason", "message"),
    [("", "r", "approver"), ("  ", "r", "approver"), ("alice", "", "reason")],
)
def test_request_without_approver_or_reason_is_refused(
    staging: CapitalStaging, approved_by: str, reason: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        staging.request(20, approved_by, reason, "A")


def test_request_with_unknown_slo_tier_is_refused(staging: CapitalStaging) -> None:
    with pytest.raises(ConfigurationError, match="unknown SLO tier 'D'"):
        staging.request(20, "alice", "r", "D")


def test_request_from_a_hand_set_fraction_goes_to_the_next_stage_only(
    staging: CapitalStaging, state: RuntimeState
) -> None:
    state.capital_effective = 0.25

    with pytest.raises(StagingRefusedError, match="next stage is 30%"):
        staging.request(50, "alice", "r", "A")
    assert staging.request(30, "alice", "r", "A").percent == 30


def test_next_stage_up_walks_the_stages() -> None:
    steps = [next_stage_up(Decimal(p)) for p in (0, 10, 20, 30, 50, 70, 100)]

    assert steps == [10, 20, 30, 50, 70, 100, None]


# -- history and capital -----------------------------------------------------------------


def test_history_lists_stage_changes_newest_first_and_skips_other_audit_rows(
    staging: CapitalStaging, clock: TestClock, audit: Repository[AuditEventRow]
) -> None:
    climb(staging, clock, 20, 30)
    for _ in range(10):
        clock.advance(NANOS_PER_SECOND)
        audit.add(
            AuditEventRow(
                timestamp=clock.utc_now(), actor="engine", action="trading_halted", payload={}
            )
        )

    history = staging.history(limit=5)

    assert [(c.from_percent, c.to_percent) for c in history] == [(20, 30), (10, 20)]
    assert (history[0].approved_by, history[0].reason, history[0].slo_tier) == (
        "alice",
        "to 30",
        "A",
    )


def test_effective_capital_is_the_stage_fraction_of_the_total(
    staging: CapitalStaging, clock: TestClock
) -> None:
    climb(staging, clock, 20, 30)

    assert staging.effective_capital(Decimal("25000")) == Decimal("7500")


class UnwritableStore:
    """Reads from a real store; every write fails as an unreachable Redis would."""

    def __init__(self, inner: StateStore) -> None:
        self._inner = inner

    def get(self, key: str) -> str | None:
        return self._inner.get(key)

    def get_hash(self, key: str) -> Mapping[str, str]:
        return self._inner.get_hash(key)

    def set(self, key: str, value: str) -> None:
        raise StateStoreUnavailableError("state store is down")

    def delete(self, key: str) -> None:
        raise StateStoreUnavailableError("state store is down")

    def set_hash(self, key: str, values: Mapping[str, str]) -> None:
        raise StateStoreUnavailableError("state store is down")

    def set_many(self, values: Mapping[str, str | Mapping[str, str]]) -> None:
        raise StateStoreUnavailableError("state store is down")


def test_failed_state_write_is_recorded_in_the_audit_trail(
    state: RuntimeState, audit: Repository[AuditEventRow], clock: TestClock
) -> None:
    staging = CapitalStaging(RuntimeState(UnwritableStore(state.store)), audit, clock)

    with pytest.raises(StateStoreUnavailableError):
        staging.request(20, "alice", "r", "A")

    assert sorted(row.action for row in audit.list_recent()) == [
        "capital_stage_change",
        "capital_stage_change_failed",
    ]
    assert state.store.get(keys.CAPITAL_EFFECTIVE) is None
