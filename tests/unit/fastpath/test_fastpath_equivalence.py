"""Property: for random parameters, markets, sizing, costs and limits, the fast path trades
exactly as the engine (``run_backtest``'s assembly) does.

Quantities are equal to the lot for fixed sizing, within one lot of 1e-8 for all_in and
risk sizing (float64 against Decimal division); prices are equal, or within 1e-9 relative
where slippage or bracket prices are rounded to the tick; money within 1e-6 relative.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.fastpath.engine_comparison import compare

from ai_trader.adapters.data import SyntheticMarketConfig, generate_bars
from ai_trader.risk.config import RiskConfig
from ai_trader.runtime import SessionSpec

EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

markets = st.tuples(
    st.integers(0, 2**32 - 1),
    st.integers(2_000, 5_000),
    st.sampled_from([100.0, 100.0, 1.0, 25_000.0]),  # start price: ticks matter near 1
    st.sampled_from([60, 60, 3_600, 86_400]),  # bar interval: halts end at UTC midnight
)

risk_configs = st.builds(
    RiskConfig,
    max_daily_loss=st.sampled_from([0.005, 0.02, 0.03, 0.2]),
    max_drawdown=st.sampled_from([0.03, 0.15, 1.0]),
    max_position_fraction=st.sampled_from([0.5, 1.0, 3.0]),
    max_position_units=st.sampled_from([None, Decimal("12.5"), Decimal(900)]),
)

sessions = st.builds(
    SessionSpec,
    cash=st.sampled_from([Decimal(100_000), Decimal("2500.75")]),
    commission=st.sampled_from([0.0, 0.0005, 0.001, 0.004]),
    slippage_bps=st.sampled_from([0.0, 0.0, 1.0, 4.5, 20.0, 1000.0]),  # 10 %: many ties
    sizing=st.sampled_from(
        ["all_in", "all_in", "fixed:1", "fixed:7.5", "fixed:0.12345678", "risk:0.02", "risk:1"]
    ),
    risk=risk_configs,
)

sma_params = st.integers(2, 30).flatmap(
    lambda fast: st.fixed_dictionaries(
        {"fast": st.just(fast), "slow": st.integers(fast + 1, 90), "allow_short": st.booleans()}
    )
)
rsi_params = st.fixed_dictionaries(
    {
        "period": st.integers(2, 30),
        "oversold": st.floats(15.0, 45.0),
        "exit_level": st.floats(50.0, 85.0),
    }
)
breakout_params = st.fixed_dictionaries(
    {
        "lookback": st.integers(2, 60),
        "atr_period": st.integers(2, 30),
        "atr_multiplier": st.floats(1.0, 4.0),
        "risk_reward": st.floats(1.5, 4.0),
    }
)


Market = tuple[int, int, float, int]


def check(strategy: str, params: dict[str, Any], market: Market, spec: SessionSpec) -> None:
    seed, bars, start_price, interval = market
    config = SyntheticMarketConfig(start_price=start_price, bar_interval_seconds=interval)
    compare(strategy, generate_bars(config, bars, seed), params, spec)


@EXAMPLES
@given(params=sma_params, market=markets, spec=sessions)
def test_sma_cross_when_random_setup_then_fast_path_trades_equal_engine(
    params: dict[str, Any], market: Market, spec: SessionSpec
) -> None:
    check("sma_cross", params, market, spec)


@EXAMPLES
@given(params=rsi_params, market=markets, spec=sessions)
def test_rsi_reversion_when_random_setup_then_fast_path_trades_equal_engine(
    params: dict[str, Any], market: Market, spec: SessionSpec
) -> None:
    check("rsi_reversion", params, market, spec)


@EXAMPLES
@given(params=breakout_params, market=markets, spec=sessions)
def test_breakout_when_random_setup_then_fast_path_trades_equal_engine(
    params: dict[str, Any], market: Market, spec: SessionSpec
) -> None:
    check("breakout", params, market, spec)


def test_loss_limits_when_high_commission_and_tight_limits_then_same_halts_and_trades() -> None:
    series = generate_bars(SyntheticMarketConfig(), 5_000, 11)
    spec = SessionSpec(commission=0.01, risk=RiskConfig(max_daily_loss=0.01, max_drawdown=0.5))

    fast, engine = compare("sma_cross", series, {"fast": 3, "slow": 9}, spec)

    assert fast.stats["halts"] == engine.halts >= 3  # daily halts, each expiring at midnight
    assert fast.stats["denied_entries"] == engine.denied > 0
    assert fast.stats["trades"] > 0  # trading resumed after the halts


def test_drawdown_limit_when_reached_then_no_entry_afterwards_in_either() -> None:
    series = generate_bars(SyntheticMarketConfig(), 5_000, 5)
    spec = SessionSpec(commission=0.005, risk=RiskConfig(max_daily_loss=1.0, max_drawdown=0.05))

    fast, engine = compare("breakout", series, {"lookback": 10, "atr_period": 5}, spec)

    assert fast.stats["halts"] == engine.halts == 1  # until an operator resumes
    assert engine.result.session.engine.risk.halt is not None
    halted_at = fast.trades.exit_bar.max()
    assert (fast.trades.entry_bar <= halted_at).all()
