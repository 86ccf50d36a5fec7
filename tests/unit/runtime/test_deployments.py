"""Blue/green deployments (SPEC RSK-4): validated configurations, an audited switch and
an instant rollback, on a file state store and a real SQLite audit table."""

from __future__ import annotations

from collections.abc import Iterator
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
from ai_trader.adapters.state import FileStateStore, RuntimeState
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import ConfigurationError
from ai_trader.runtime.deployments import Deployments
from ai_trader.runtime.spec import build_spec

BLUE = """\
[strategy]
name = "sma_cross"
risk_per_trade = 0.005

[strategy.params]
fast = 10
slow = 30
"""
GREEN = """\
[strategy]
name = "rsi_reversion"
risk_per_trade = 0.01
"""


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
def config_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "deployments"
    directory.mkdir()
    (directory / "blue.toml").write_text(BLUE, encoding="utf-8")
    (directory / "green.toml").write_text(GREEN, encoding="utf-8")
    return directory


@pytest.fixture
def clock() -> TestClock:
    return TestClock(1_704_164_645_000_000_000)


@pytest.fixture
def deployments(
    state: RuntimeState, audit: Repository[AuditEventRow], config_dir: Path, clock: TestClock
) -> Deployments:
    return Deployments(state, audit, config_dir, clock)


def test_active_when_never_set_is_blue(deployments: Deployments) -> None:
    assert deployments.active() == "blue"


def test_load_reads_strategy_params_and_risk_per_trade(deployments: Deployments) -> None:
    config = deployments.load("blue")

    assert config.strategy.name == "sma_cross"
    assert config.strategy.params == {"fast": 10, "slow": 30}
    assert config.strategy.risk_per_trade == 0.005


def test_switch_activates_the_colour_and_audits_it(
    deployments: Deployments, state: RuntimeState, audit: Repository[AuditEventRow]
) -> None:
    switch = deployments.switch("green", "alice", "canary of rsi_reversion")

    assert (switch.from_color, switch.to_color, switch.changed) == ("blue", "green", True)
    assert switch.config.strategy.name == "rsi_reversion"
    assert state.active_color == "green"
    (row,) = audit.list_recent()
    assert (row.action, row.actor, row.reason) == (
        "canary_switch",
        "alice",
        "canary of rsi_reversion",
    )
    assert row.payload == {"from": "blue", "to": "green"}


def test_switch_to_the_active_colour_changes_and_records_nothing(
    deployments: Deployments, audit: Repository[AuditEventRow]
) -> None:
    switch = deployments.switch("blue", "alice", "again")

    assert (switch.from_color, switch.to_color, switch.changed) == ("blue", "blue", False)
    assert audit.count() == 0


def test_rollback_returns_to_the_other_colour_and_audits_it(
    deployments: Deployments,
    state: RuntimeState,
    audit: Repository[AuditEventRow],
    clock: TestClock,
) -> None:
    deployments.switch("green", "alice", "canary")
    clock.advance(NANOS_PER_SECOND)

    switch = deployments.rollback("bob", "canary lost money")

    assert (switch.from_color, switch.to_color) == ("green", "blue")
    assert state.active_color == "blue"
    newest = audit.list_recent(1)[0]
    assert (newest.action, newest.actor, newest.payload) == (
        "canary_rollback",
        "bob",
        {"from": "green", "to": "blue"},
    )


def test_switch_to_an_invalid_config_names_the_colour_and_problem(
    deployments: Deployments, config_dir: Path, state: RuntimeState
) -> None:
    (config_dir / "green.toml").write_text('[strategy]\nname = "sma_cros"\n', encoding="utf-8")

    with pytest.raises(ConfigurationError, match=r"deployment green .*unknown strategy 'sma_cros'"):
        deployments.switch("green", "alice", "try")

    assert state.active_color == "blue"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[strategy]\nname = "sma_cross"\n[strategy.params]\nfast = 40\nslow = 30\n', "fast"),
        ('[strategy]\nname = "sma_cross"\nrisk_per_trade = 0.5\n', "risk_per_trade"),
        ('[strategy]\nname = "sma_cross"\nleverage = 3\n', "leverage"),
        ('[strategy]\nname = "sma_cross"\n[risk]\nmax = 1\n', "risk"),
        ("[strategy\n", "invalid TOML"),
        ("", "strategy"),
    ],
)
def test_load_when_config_invalid_then_configuration_error(
    deployments: Deployments, config_dir: Path, text: str, problem: str
) -> None:
    (config_dir / "green.toml").write_text(text, encoding="utf-8")

    with pytest.raises(ConfigurationError, match="deployment green") as raised:
        deployments.load("green")

    assert problem in str(raised.value)


def test_rollback_onto_a_missing_config_is_refused(
    deployments: Deployments, config_dir: Path, audit: Repository[AuditEventRow]
) -> None:
    (config_dir / "green.toml").unlink()

    with pytest.raises(ConfigurationError, match=r"deployment green .*does not exist"):
        deployments.rollback("bob", "quick")

    assert audit.count() == 0


@pytest.mark.parametrize(("actor", "reason"), [("", "r"), ("alice", " ")])
def test_switch_without_actor_or_reason_is_refused(
    deployments: Deployments, actor: str, reason: str
) -> None:
    with pytest.raises(ConfigurationError, match=r"needs an actor|needs a reason"):
        deployments.switch("green", actor, reason)


def test_switch_to_an_unknown_colour_is_refused(deployments: Deployments) -> None:
    with pytest.raises(ConfigurationError, match="unknown colour 'red'"):
        deployments.switch("red", "alice", "r")  # type: ignore[arg-type]


def test_describe_shows_both_configs_and_the_active_one(
    deployments: Deployments, config_dir: Path
) -> None:
    (config_dir / "green.toml").write_text("[strategy]\n", encoding="utf-8")

    blue, green = deployments.describe()

    assert (blue.color, blue.active, blue.problem) == ("blue", True, None)
    assert blue.config is not None
    assert blue.path == config_dir / "blue.toml"
    assert (green.color, green.active, green.config) == ("green", False, None)
    assert green.problem is not None
    assert "strategy.name" in green.problem


def test_apply_to_puts_the_strategy_and_risk_per_trade_into_a_session_spec(
    deployments: Deployments,
) -> None:
    base = build_spec(cash=Decimal(25_000), strategy="breakout")

    spec = deployments.load("blue").apply_to(base)

    assert (spec.strategy, spec.params, spec.sizing) == (
        "sma_cross",
        {"fast": 10, "slow": 30},
        "risk:0.005",
    )
    assert spec.cash == Decimal(25_000)
