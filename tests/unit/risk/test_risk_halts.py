"""Loss limits (RSK-1): a 3% daily loss halts entries until the next UTC day, a 15%
drawdown halts them until an operator resumes; exits are never refused; the operator can
halt and resume by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import Side, SignalAction
from ai_trader.domain.events import OrderDenied, TradingHalted, TradingResumed
from ai_trader.domain.orders import Order
from ai_trader.portfolio import Portfolio
from ai_trader.risk import DAY_NS, RiskConfig, RiskEngine, Sizing
from ai_trader.testing import BASE_TS, MINUTE_NS, make_fill, make_signal

DAY0 = BASE_TS  # 2024-01-01T00:00Z, the start of a UTC day
DAY1, DAY2, DAY3 = DAY0 + DAY_NS, DAY0 + 2 * DAY_NS, DAY0 + 3 * DAY_NS
ID = ClientOrderId("R-1")


def risk_engine(config: RiskConfig | None = None, portfolio: Portfolio | None = None) -> RiskEngine:
    return RiskEngine(
        config or RiskConfig(),
        Sizing.parse("fixed:1"),
        portfolio or Portfolio(Decimal(10_000)),
        0.0,
    )


def enter(engine: RiskEngine, ts: int = DAY0) -> Order | OrderDenied | None:
    return engine.evaluate(make_signal(SignalAction.ENTER_LONG, ts_event=ts), ID)


def test_equity_within_the_limits_changes_nothing() -> None:
    engine = risk_engine()

    assert engine.on_equity(DAY0 + MINUTE_NS, 9_800.0) is None  # -2% today
    assert engine.halt is None
    assert isinstance(enter(engine), Order)


def test_three_percent_daily_loss_halts_entries_until_the_next_utc_day() -> None:
    engine = risk_engine()

    event = engine.on_equity(DAY0 + 5 * MINUTE_NS, 9_700.0)

    assert isinstance(event, TradingHalted)
    assert event.until_ns == DAY1
    assert event.reason == (
        "max_daily_loss: loss today 3.00% reached the 3.00% limit; "
        "entries halted until 2024-01-02T00:00Z"
    )
    denial = enter(engine)
    assert isinstance(denial, OrderDenied)
    assert denial.reason == event.reason


def test_further_losses_on_a_halted_day_publish_no_second_halt() -> None:
    engine = risk_engine()
    engine.on_equity(DAY0 + MINUTE_NS, 9_600.0)

    assert engine.on_equity(DAY0 + 2 * MINUTE_NS, 9_550.0) is None


def test_daily_halt_lifts_on_the_first_bar_of_the_next_utc_day() -> None:
    engine = risk_engine()
    engine.on_equity(DAY0 + MINUTE_NS, 9_600.0)
    assert engine.on_equity(DAY1 - 1, 9_600.0) is None

    event = engine.on_equity(DAY1, 9_600.0)

    assert isinstance(event, TradingResumed)
    assert event.ts_event == DAY1
    assert engine.halt is None
    assert isinstance(enter(engine, DAY1), Order)


def test_the_new_days_loss_is_measured_from_the_previous_days_last_equity() -> None:
    engine = risk_engine()
    engine.on_equity(DAY0 + MINUTE_NS, 9_600.0)  # halted on day 0
    engine.on_equity(DAY1, 9_600.0)  # resumed; day 1 starts from 9_600

    assert engine.on_equity(DAY1 + MINUTE_NS, 9_320.0) is None  # -2.92% today
    event = engine.on_equity(DAY1 + 2 * MINUTE_NS, 9_300.0)  # -3.13% today

    assert isinstance(event, TradingHalted)
    assert event.until_ns == DAY2


def test_exits_are_never_denied_while_halted() -> None:
    portfolio = Portfolio(Decimal(10_000))
    portfolio.apply_fill(make_fill(Side.BUY, 2, 100))
    engine = risk_engine(portfolio=portfolio)
    engine.on_equity(DAY0 + MINUTE_NS, 9_000.0)

    decision = engine.evaluate(make_signal(SignalAction.EXIT), ID)

    assert isinstance(decision, Order)
    assert decision.reduce_only


def test_fifteen_percent_drawdown_halts_until_an_operator_resumes() -> None:
    engine = risk_engine()
    engine.on_equity(DAY0 + MINUTE_NS, 12_000.0)  # the peak

    event = engine.on_equity(DAY1 + MINUTE_NS, 10_100.0)  # 15.83% below the peak

    assert isinstance(event, TradingHalted)
    assert event.until_ns is None
    assert event.reason == (
        "max_drawdown: drawdown 15.83% reached the 15.00% limit; "
        "entries halted until an operator resumes"
    )
    assert engine.on_equity(DAY2, 13_000.0) is None
    assert engine.on_equity(DAY3, 13_500.0) is None
    assert isinstance(enter(engine, DAY3), OrderDenied)


def test_drawdown_breach_on_a_daily_halted_day_escalates_to_a_permanent_halt() -> None:
    engine = risk_engine()
    engine.on_equity(DAY0 + MINUTE_NS, 9_700.0)  # daily halt

    event = engine.on_equity(DAY0 + 2 * MINUTE_NS, 8_400.0)  # 16% below the start

    assert isinstance(event, TradingHalted)
    assert event.until_ns is None
    assert event.reason.startswith("max_drawdown")
    assert engine.on_equity(DAY1, 8_400.0) is None  # no resume on the next day
    assert isinstance(enter(engine, DAY1), OrderDenied)


def test_daily_loss_does_not_shorten_a_drawdown_halt() -> None:
    engine = risk_engine()
    engine.on_equity(DAY0 + MINUTE_NS, 8_400.0)  # drawdown halt

    assert engine.on_equity(DAY1 + MINUTE_NS, 8_000.0) is None
    assert engine.on_equity(DAY2, 8_000.0) is None
    assert engine.halt is not None
    assert engine.halt.until_ns is None


def test_operator_halt_denies_entries_with_the_operators_reason() -> None:
    engine = risk_engine()

    event = engine.halt_entries("operator: news event", DAY0)

    assert event == TradingHalted("operator: news event", DAY0, None)
    denial = enter(engine)
    assert isinstance(denial, OrderDenied)
    assert denial.reason == "operator: news event"
    assert engine.on_equity(DAY1, 10_000.0) is None  # does not lift by itself


def test_operator_resume_allows_entries_again() -> None:
    engine = risk_engine()
    engine.halt_entries("operator", DAY0)

    event = engine.resume("operator: all clear", DAY0 + MINUTE_NS)

    assert event == TradingResumed("operator: all clear", DAY0 + MINUTE_NS)
    assert isinstance(enter(engine), Order)


def test_operator_halt_with_an_end_lifts_at_that_time() -> None:
    engine = risk_engine()
    engine.halt_entries("maintenance", DAY0, until_ns=DAY0 + 10 * MINUTE_NS)

    assert engine.on_equity(DAY0 + 9 * MINUTE_NS, 10_000.0) is None
    assert isinstance(engine.on_equity(DAY0 + 10 * MINUTE_NS, 10_000.0), TradingResumed)


@pytest.mark.parametrize("limit", [0.03, 0.05, 0.15])
def test_a_daily_loss_of_exactly_the_limit_halts(limit: float) -> None:
    engine = risk_engine(RiskConfig(max_daily_loss=limit, max_drawdown=0.5))

    event = engine.on_equity(DAY0 + MINUTE_NS, 10_000.0 * (1 - limit))

    assert isinstance(event, TradingHalted)


def test_a_daily_loss_of_exactly_ten_percent_halts_at_a_ten_percent_limit() -> None:
    engine = risk_engine(RiskConfig(max_daily_loss=0.10, max_drawdown=0.5))

    event = engine.on_equity(DAY0 + MINUTE_NS, 9_000.0)

    assert isinstance(event, TradingHalted)
