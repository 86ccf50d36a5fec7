"""The risk engine: sizes entries, enforces limits, and halts new entries on breaches.

Refusals are ``OrderDenied`` events, never exceptions. Exits are never refused: a halt
stops new risk, not the way out of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from ai_trader.core.ids import ClientOrderId
from ai_trader.core.money import ONE, ZERO, to_decimal
from ai_trader.domain.commands import OPERATOR, OpenPosition
from ai_trader.domain.enums import OrderType, Side, SignalAction
from ai_trader.domain.events import Event, OrderDenied, TradingHalted, TradingResumed
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.orders import Bracket, Order
from ai_trader.domain.signals import Signal
from ai_trader.portfolio.portfolio import Portfolio
from ai_trader.risk.config import RiskConfig, Sizing, SizingKind
from ai_trader.risk.limits import Halt, LimitsSnapshot, LossLimits

TOLERANCE = Decimal("1e-9")


def escalates(current: Halt, breach: Halt) -> bool:
    """A drawdown halt (until an operator resumes) replaces a daily one, not the reverse."""
    return current.until_ns is not None and breach.until_ns is None


class RiskEngine:
    def __init__(
        self,
        config: RiskConfig,
        sizing: Sizing,
        portfolio: Portfolio,
        fee_rate: float,
        instruments: Mapping[str, Instrument] | None = None,
    ) -> None:
        self.config = config
        self.sizing = sizing
        self._portfolio = portfolio
        self._fee_rate = to_decimal(fee_rate)
        self._instruments = dict(instruments or {})
        self._limits = LossLimits(config, float(portfolio.starting_cash))
        self.halt: Halt | None = None
        self.capital_fraction = ONE
        """Capital staging (RSK-3): entries are sized and limited on this share of equity."""

    # -- halts --------------------------------------------------------------------------

    @property
    def check_limits(self) -> Callable[[int, float], Halt | None]:
        """The per-bar limit check; when it returns a breach, or while halted, the engine
        calls ``on_limit_check`` with the result."""
        return self._limits.update

    def on_equity(self, ts_event: int, equity: float) -> Event | None:
        """Feed the latest equity; returns a ``TradingHalted``/``TradingResumed`` on change."""
        return self.on_limit_check(ts_event, self._limits.update(ts_event, equity))

    def on_limit_check(self, ts_event: int, breach: Halt | None) -> Event | None:
        halt = self.halt
        if breach is None and halt is None:
            return None
        event: Event | None = None
        if halt is not None and halt.until_ns is not None and ts_event >= halt.until_ns:
            event = TradingResumed(f"halt expired ({halt.reason.split(':')[0]})", ts_event)
            self.halt = halt = None
        if breach is not None and (halt is None or escalates(halt, breach)):
            self.halt = breach
            return TradingHalted(breach.reason, ts_event, breach.until_ns)
        return event

    def halt_entries(
        self, reason: str, ts_event: int, until_ns: int | None = None
    ) -> TradingHalted:
        """Operator halt (kill switch): refuse entries until resumed or ``until_ns``."""
        self.halt = Halt(reason, until_ns)
        return TradingHalted(reason, ts_event, until_ns)

    def resume(self, reason: str, ts_event: int) -> TradingResumed:
        """Operator resume: entries allowed again, drawdown measured from here."""
        self.halt = None
        self._limits.rebase()
        return TradingResumed(reason, ts_event)

    def limits_snapshot(self) -> LimitsSnapshot:
        return self._limits.snapshot()

    def restore(self, limits: LimitsSnapshot, halt: Halt | None) -> None:
        """Resume after a restart with the limits' marks and the halt that was in force."""
        self._limits.restore(limits)
        self.halt = halt

    # -- orders -------------------------------------------------------------------------

    def evaluate(self, signal: Signal, order_id: ClientOrderId) -> Order | OrderDenied | None:
        """Turn a signal into an order, a denial, or nothing (an exit while flat)."""
        if signal.action is SignalAction.EXIT:
            return self._exit_order(signal, order_id)
        side = Side.BUY if signal.action is SignalAction.ENTER_LONG else Side.SELL
        if self.halt is not None:
            return self._deny(signal, order_id, side, self.halt.reason)
        return self._entry_order(signal, order_id, side)

    def _exit_order(self, signal: Signal, order_id: ClientOrderId) -> Order | None:
        return self.exit_order(signal.symbol, order_id, signal.ts_event, signal.strategy)

    def exit_order(self, symbol: str, order_id: ClientOrderId, ts: int, tag: str) -> Order | None:
        """A reduce-only market order that flattens ``symbol``; None when already flat."""
        position = self._portfolio.position(symbol).quantity
        if position == 0:
            return None
        return Order(
            client_order_id=order_id,
            symbol=symbol,
            side=Side.SELL if position > 0 else Side.BUY,
            order_type=OrderType.MARKET,
            quantity=abs(position),
            ts_init=ts,
            reduce_only=True,
            tag=tag,
        )

    def evaluate_open(
        self, request: OpenPosition, last_price: Decimal, order_id: ClientOrderId, ts: int
    ) -> Order | OrderDenied:
        """An operator's entry, through the same halts and checks as a strategy's.
        Raises ValueError for a stop or take-profit on the wrong side of the entry."""
        side = request.side
        entry = request.limit_price if request.limit_price is not None else last_price
        stop, take = request.bracket_distances(entry)
        if self.halt is not None:
            return self._denial(request.symbol, side, order_id, ts, self.halt.reason)
        equity = self._portfolio.equity() * self.capital_fraction
        cash = self._portfolio.cash
        if request.quantity is not None:
            quantity = request.quantity
        else:
            assert request.risk_fraction is not None
            quantity = request.risk_fraction * equity / (stop or entry)
            if side is Side.BUY:
                quantity = min(quantity, cash / (entry * (ONE + self._fee_rate)))
        instrument = self._instrument(request.symbol)
        quantity = instrument.floor_quantity(quantity)
        position = self._portfolio.position(request.symbol).quantity
        reason = self._check_entry(request.symbol, side, quantity, entry, cash, equity, position)
        if reason:
            return self._denial(request.symbol, side, order_id, ts, reason)
        return Order(
            client_order_id=order_id,
            symbol=request.symbol,
            side=side,
            order_type=request.order_type,
            quantity=quantity,
            ts_init=ts,
            price=instrument.round_price(request.limit_price) if request.limit_price else None,
            bracket=Bracket(stop, take) if stop is not None or take is not None else None,
            tag=OPERATOR,
        )

    def _entry_order(
        self, signal: Signal, order_id: ClientOrderId, side: Side
    ) -> Order | OrderDenied:
        price = to_decimal(signal.reference_price)
        cash = self._portfolio.cash
        position = self._portfolio.position(signal.symbol).quantity
        if position != 0 and (position > 0) != (side is Side.BUY):
            # a reversal: the strategy's exit of this position goes first, so size and check
            # the entry against the cash and position that exit leaves behind
            cash += position * price - abs(position) * price * self._fee_rate
            position = ZERO
        equity = self._portfolio.equity() * self.capital_fraction
        if self.capital_fraction < ONE:  # staged: only the staged share may be spent
            cash = min(cash, equity)
        quote: Decimal | None = None
        if self.sizing.kind is SizingKind.ALL_IN and side is Side.BUY:
            quote = self._instrument(signal.symbol).floor_quote(cash)
            quantity = quote / (price * (ONE + self._fee_rate))
        else:
            quantity = self._units(signal, price, equity, cash, side)
        quantity = self._instrument(signal.symbol).floor_quantity(quantity)
        reason = self._check_entry(signal.symbol, side, quantity, price, cash, equity, position)
        if reason:
            return self._deny(signal, order_id, side, reason)
        bracket = None
        if signal.stop_distance is not None or signal.take_profit_distance is not None:
            bracket = Bracket(signal.stop_distance, signal.take_profit_distance)
        return Order(
            client_order_id=order_id,
            symbol=signal.symbol,
            side=side,
            order_type=OrderType.MARKET,
            quantity=quantity,
            ts_init=signal.ts_event,
            quote_quantity=quote,
            bracket=bracket,
            tag=signal.strategy,
        )

    def _units(
        self, signal: Signal, price: Decimal, equity: Decimal, cash: Decimal, side: Side
    ) -> Decimal:
        sizing = self.sizing
        if sizing.kind is SizingKind.FIXED:
            assert sizing.value is not None
            return sizing.value
        if sizing.kind is SizingKind.ALL_IN:  # a short: sell what the equity covers, fees included
            return equity / (price * (ONE + self._fee_rate))
        assert sizing.value is not None
        per_unit_risk = signal.stop_distance or price
        units = sizing.value * equity / per_unit_risk
        if side is Side.BUY:
            units = min(units, cash / (price * (ONE + self._fee_rate)))
        return units

    def _check_entry(
        self,
        symbol: str,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        cash: Decimal,
        equity: Decimal,
        position: Decimal,
    ) -> str:
        instrument = self._instrument(symbol)
        if quantity <= 0 or quantity < instrument.min_quantity:
            return f"size: entry rounds to {quantity} units, below the minimum tradable size"
        cost = quantity * price * (ONE + self._fee_rate)
        if side is Side.BUY and cost > cash * (ONE + TOLERANCE):
            return f"insufficient_cash: entry needs {cost:.2f}, cash is {cash:.2f}"
        projected = abs(position + (quantity if side is Side.BUY else -quantity))
        limit_units = self.config.max_position_units
        if limit_units is not None and projected > limit_units:
            return f"max_position: {projected} units would exceed the {limit_units} unit limit"
        limit_value = to_decimal(self.config.max_position_fraction) * equity
        if projected * price > limit_value * (ONE + TOLERANCE):
            return (
                f"max_position: position value {projected * price:.2f} would exceed "
                f"{self.config.max_position_fraction:.0%} of equity ({limit_value:.2f})"
            )
        return ""

    def _deny(
        self, signal: Signal, order_id: ClientOrderId, side: Side, reason: str
    ) -> OrderDenied:
        return OrderDenied(order_id, signal.symbol, side, reason, signal.ts_event)

    @staticmethod
    def _denial(
        symbol: str, side: Side, order_id: ClientOrderId, ts: int, reason: str
    ) -> OrderDenied:
        return OrderDenied(order_id, symbol, side, reason, ts)

    def _instrument(self, symbol: str) -> Instrument:
        instrument = self._instruments.get(symbol)
        if instrument is None:
            instrument = self._instruments[symbol] = Instrument(symbol)
        return instrument


__all__ = ["RiskEngine"]
