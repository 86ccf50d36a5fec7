"""Invariants of whole runs on random synthetic markets with random strategy parameters,
sizing and costs: value is conserved net of fees, no fill appears without an order, the
same seed gives the same trades, one equity point per bar, and fees add up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ai_trader.adapters.data import SyntheticMarketConfig, generate_bars
from ai_trader.core.money import ZERO
from ai_trader.domain.bar import BarSeries
from ai_trader.domain.events import OrderSubmitted
from ai_trader.strategies import create_strategy
from ai_trader.testing import EngineHarness, build_engine

TOLERANCE = Decimal("1e-9")


@dataclass(frozen=True)
class Scenario:
    seed: int
    bars: int
    strategy: str
    params: Mapping[str, object]
    sizing: str
    commission: float
    slippage_bps: float
    max_volume_share: float | None

    def series(self) -> BarSeries:
        config = SyntheticMarketConfig(bar_interval_seconds=3_600, regime_switch_probability=0.05)
        return generate_bars(config, self.bars, self.seed)

    def run(self) -> EngineHarness:
        series = self.series()
        harness = build_engine(
            series,
            strategies=[create_strategy(self.strategy, series.symbol, self.params)],
            cash=100_000,
            fee=self.commission,
            slippage_bps=self.slippage_bps,
            max_volume_share=self.max_volume_share,
            sizing=self.sizing,
        )
        harness.run()
        return harness


@st.composite
def sma_params(draw: st.DrawFn) -> dict[str, object]:
    fast = draw(st.integers(2, 12))
    return {
        "fast": fast,
        "slow": draw(st.integers(fast + 1, 40)),
        "allow_short": draw(st.booleans()),
    }


@st.composite
def rsi_params(draw: st.DrawFn) -> dict[str, object]:
    oversold = draw(st.floats(10.0, 45.0))
    return {
        "period": draw(st.integers(2, 20)),
        "oversold": oversold,
        "exit_level": draw(st.floats(oversold + 1.0, 90.0)),
    }


breakout_params = st.fixed_dictionaries(
    {
        "lookback": st.integers(2, 40),
        "atr_period": st.integers(2, 20),
        "atr_multiplier": st.floats(1.0, 4.0),
        "risk_reward": st.floats(1.5, 4.0),
    }
)

strategies_and_params = st.one_of(
    st.tuples(st.just("sma_cross"), sma_params()),
    st.tuples(st.just("rsi_reversion"), rsi_params()),
    st.tuples(st.just("breakout"), breakout_params),
)

sizings = st.one_of(
    st.just("all_in"),
    st.decimals("0.01", "500", places=2).map(lambda n: f"fixed:{n}"),
    st.decimals("0.001", "1", places=3).map(lambda f: f"risk:{f}"),
)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    name, params = draw(strategies_and_params)
    return Scenario(
        seed=draw(st.integers(0, 2**32 - 1)),
        bars=draw(st.integers(50, 400)),
        strategy=name,
        params=params,
        sizing=draw(sizings),
        commission=draw(st.sampled_from([0.0, 0.0005, 0.001, 0.0075])),
        slippage_bps=draw(st.sampled_from([0.0, 1.0, 5.0, 25.0])),
        max_volume_share=draw(st.sampled_from([None, None, 0.01, 0.1, 1.0])),
    )


property_settings = settings(max_examples=100, deadline=None)


@property_settings
@given(scenarios())
def test_value_is_conserved_net_of_fees(scenario: Scenario) -> None:
    harness = scenario.run()
    portfolio = harness.portfolio
    fills = harness.fills()

    # cash moves by the traded notional and the fees (Decimal, summed in another order)
    expected_cash = portfolio.starting_cash - sum(
        (f.signed_quantity * f.price + f.fee for f in fills), ZERO
    )
    assert abs(portfolio.cash - expected_cash) <= TOLERANCE
    # cash + positions at their marks == start + realized (gross) − fees + unrealized
    positions = [portfolio.position(symbol) for symbol in {f.symbol for f in fills}]
    realized_gross = sum((p.realized_pnl for p in positions), ZERO)
    left = portfolio.cash + portfolio.positions_value()
    right = (
        portfolio.starting_cash + realized_gross - portfolio.fees_paid + portfolio.unrealized_pnl()
    )
    assert abs(left - right) <= TOLERANCE
    assert abs(portfolio.equity() - right) <= TOLERANCE


@property_settings
@given(scenarios())
def test_engine_and_venue_agree_on_positions_fills_and_working_orders(
    scenario: Scenario,
) -> None:
    harness = scenario.run()

    booked: dict[str, Decimal] = {}
    for fill in harness.fills():
        booked[fill.symbol] = booked.get(fill.symbol, ZERO) + fill.signed_quantity
    held = {p.symbol: p.quantity for p in harness.portfolio.open_positions()}
    assert held == {s: q for s, q in booked.items() if q != 0}
    assert held == dict(harness.venue.positions())
    assert list(harness.venue.fills()) == harness.fills()
    engine_open = {r.order.client_order_id for r in harness.engine.orders.open_records()}
    assert engine_open == {o.client_order_id for o in harness.venue.open_orders()}


@property_settings
@given(scenarios())
def test_no_fill_without_an_order(scenario: Scenario) -> None:
    harness = scenario.run()

    submitted = {e.order.client_order_id for e in harness.recorder.of_type(OrderSubmitted)}
    for fill in harness.fills():
        record = harness.engine.orders.get(fill.client_order_id)
        assert record is not None, f"fill {fill.trade_id} for an order the engine never saw"
        sent_or_child = fill.client_order_id in submitted or record.order.parent_id in submitted
        assert sent_or_child, f"fill {fill.trade_id}: {fill.client_order_id} was never submitted"
        assert fill in record.fills


@property_settings
@given(scenarios())
def test_fees_paid_equal_the_sum_of_fill_fees(scenario: Scenario) -> None:
    harness = scenario.run()

    assert harness.portfolio.fees_paid == sum((f.fee for f in harness.fills()), ZERO)
    assert all(f.fee >= 0 for f in harness.fills())


@property_settings
@given(scenarios())
def test_equity_curve_has_one_point_per_bar(scenario: Scenario) -> None:
    harness = scenario.run()

    curve = harness.portfolio.equity_curve
    assert len(curve) == scenario.bars == harness.engine.bars_processed
    assert curve.timestamps.tolist() == scenario.series().ts_event.tolist()


@settings(max_examples=25, deadline=None)
@given(scenarios())
def test_same_seed_and_data_give_the_same_fills_and_trades(scenario: Scenario) -> None:
    first, second = scenario.run(), scenario.run()

    assert first.fills() == second.fills()
    assert first.portfolio.trades.closed == second.portfolio.trades.closed
    assert first.portfolio.equity_curve.values.tolist() == (
        second.portfolio.equity_curve.values.tolist()
    )
    assert [type(e) for e in first.events] == [type(e) for e in second.events]
