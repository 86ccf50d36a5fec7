"""The trading engine (ENG-2): strategy → risk → execution → portfolio.

Backtest, paper and live differ only in the injected clock, feed and executor. Each bar:

1. the clock moves to the bar's time (a ``TestClock``; a ``LiveClock`` moves by itself);
2. a bar-driven venue matches working orders against the bar (fills are booked at once);
3. the portfolio marks the bar's close, the equity point is recorded, and the risk engine
   sees the equity (a loss limit may halt entries here);
4. the symbol's strategies see the bar and may emit signals; risk turns each signal into
   an order or an ``OrderDenied``; orders go to the executor.

So a signal on bar t's close trades at bar t+1's open in a backtest.

An order enters the engine's book only once its intent is durable in the journal. A
strategy's order is never the reason a strategy is detached: a journal that refuses the
intent (``JournalUnavailableError``: nothing was sent) is published as an ``OrderDenied``
with the journal's reason; a submit the executor refused before sending
(``OrderNotSentError``) closes the order as ``rejected`` ("not sent: ..."); a submit whose
outcome is unknown (``TransientVenueError``) leaves it ``pending_submit`` for
reconciliation. An operator's order raises these errors to the caller.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence

from ai_trader.core.clock import Clock, TestClock
from ai_trader.core.errors import (
    InvariantViolation,
    JournalUnavailableError,
    OrderNotSentError,
    TransientVenueError,
)
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.domain.bar import Bar
from ai_trader.domain.commands import OPERATOR, CancelOrder, Command, OpenPosition, SubmitOrder
from ai_trader.domain.enums import OrderStatus, SignalAction
from ai_trader.domain.events import (
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    SignalGenerated,
    TradingHalted,
    TradingResumed,
)
from ai_trader.domain.orders import Order
from ai_trader.domain.signals import Signal
from ai_trader.engine.order_book import OrderBook
from ai_trader.portfolio.portfolio import Portfolio
from ai_trader.ports.executor import BarDrivenExecutor, Executor
from ai_trader.ports.journal import Journal
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.risk.engine import RiskEngine
from ai_trader.strategies.base import Strategy
from ai_trader.strategies.params import StrategyParams

logger = logging.getLogger(__name__)

NOT_SENT_PREFIX = "not sent"
"""The reason of an order closed because the executor refused it before sending."""

EventListener = Callable[[Event], None]
ProgressCallback = Callable[[int], None]


class TradingEngine:
    def __init__(
        self,
        *,
        clock: Clock,
        feed: MarketDataFeed,
        executor: Executor,
        portfolio: Portfolio,
        risk: RiskEngine,
        strategies: Sequence[Strategy[StrategyParams]],
        order_ids: ClientOrderIdGenerator,
        journal: Journal | None = None,
    ) -> None:
        self.clock = clock
        self.feed = feed
        self.executor = executor
        self.portfolio = portfolio
        self.risk = risk
        self.orders = OrderBook()
        self.journal = journal
        self._order_ids = order_ids
        self._strategies: dict[str, list[Strategy[StrategyParams]]] = {}
        self._listeners: list[EventListener] = []
        self._bar_listeners: list[Callable[[Bar], None]] = []
        self._stopped = False
        self._warming_up = False
        self.strategy_orders_enabled = True
        """False in manual mode: strategies' signals are published, not traded."""
        self.bars_processed = 0
        for strategy in strategies:
            strategy.attach(self)
            self._strategies.setdefault(strategy.symbol, []).append(strategy)
        executor.connect(self.process)

    @property
    def strategies(self) -> list[Strategy[StrategyParams]]:
        return [s for group in self._strategies.values() for s in group]

    # -- wiring -------------------------------------------------------------------------

    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def subscribe_bars(self, listener: Callable[[Bar], None]) -> None:
        self._bar_listeners.append(listener)

    def stop(self) -> None:
        """Finish the current bar and return from ``run``."""
        self._stopped = True

    # -- the loop -----------------------------------------------------------------------

    def run(  # noqa: C901 - the per-bar loop stays in one frame: a call per step costs 5 %
        self, on_progress: ProgressCallback | None = None, every: int = 10_000
    ) -> int:
        """Consume the feed until it ends or ``stop()``; returns the number of bars."""
        set_time = self.clock.set_time if isinstance(self.clock, TestClock) else None
        executor = self.executor
        venue = executor if isinstance(executor, BarDrivenExecutor) else None
        every_bar = venue is not None and venue.needs_every_bar
        mark = self.portfolio.mark
        record_time, record_equity = self.portfolio.equity_curve.appenders()
        risk = self.risk
        check_limits = risk.check_limits
        strategies = self._strategies
        bar_listeners = self._bar_listeners
        count = self.bars_processed
        for bar in self.feed:
            ts = bar.ts_event
            if set_time is not None:
                set_time(ts)
            if venue is not None and (every_bar or venue.working_orders):
                venue.process_bar(bar)
            equity = mark(bar.symbol, bar.close)
            record_time(ts)
            record_equity(equity)
            breach = check_limits(ts, equity)
            if breach is not None or risk.halt is not None:
                change = risk.on_limit_check(ts, breach)
                if change is not None:
                    self._record(change)
            for strategy in strategies.get(bar.symbol, ()):
                try:
                    strategy.on_bar(bar)
                except InvariantViolation:
                    raise
                except Exception:
                    self._detach(strategy, bar)
            for listener in bar_listeners:
                listener(bar)
            count += 1
            if on_progress is not None and count % every == 0:
                on_progress(count)
            if self._stopped:
                break
        self.bars_processed = count
        return count

    def warm_up(self, bars: Iterable[Bar]) -> int:
        """Feed history to the strategies only, so their indicators are ready when live
        bars arrive; signals during warm-up are dropped, nothing is traded or recorded."""
        self._warming_up = True
        count = 0
        try:
            for bar in bars:
                for strategy in self._strategies.get(bar.symbol, ()):
                    strategy.on_bar(bar)
                count += 1
        finally:
            self._warming_up = False
        return count

    def _detach(self, strategy: Strategy[StrategyParams], bar: Bar) -> None:
        """Isolate a strategy that raised: log it, stop calling it, keep the rest running."""
        logger.exception("strategy %s failed on %s; it is detached", strategy.name, bar)
        group = self._strategies[strategy.symbol]
        self._strategies[strategy.symbol] = [s for s in group if s is not strategy]

    # -- StrategyContext ----------------------------------------------------------------

    def position_quantity(self, symbol: str) -> float:
        return self.portfolio.position_quantity(symbol)

    def has_working_entry(self, symbol: str) -> bool:
        return self.orders.has_working_entry(symbol)

    def emit(self, signal: Signal) -> None:
        if self._warming_up:
            return
        if self._listeners:
            self._publish(SignalGenerated(signal))
        if not self.strategy_orders_enabled:
            return
        if signal.action is SignalAction.EXIT:
            self._cancel_open_orders(signal.symbol)
        decision = self.risk.evaluate(signal, self._order_ids.next_id())
        if decision is None:
            return
        if isinstance(decision, OrderDenied):
            self._deny(decision)
            return
        try:
            self.execute(SubmitOrder(decision))
        except JournalUnavailableError as exc:
            self._journal_refused(decision, exc)
        except TransientVenueError as exc:
            self._submit_failed(decision, exc)

    def _deny(self, denial: OrderDenied) -> None:
        try:
            self._record(denial)
        except JournalUnavailableError as exc:
            logger.error("denial %s not journaled: %s", denial.client_order_id, exc)
            self._publish(denial)

    def _journal_refused(self, order: Order, exc: JournalUnavailableError) -> None:
        """A strategy's order the journal could not record. A refused intent: nothing
        was sent or booked, so it is denied with the journal's reason (published only:
        the journal cannot take it). A later write: the order is pending, see below."""
        cid = order.client_order_id
        if self.orders.get(cid) is not None:
            logger.error("order %s: %s; left pending for reconciliation", cid, exc)
            return
        logger.error("order %s not sent: %s", cid, exc)
        ts = self.clock.timestamp_ns()
        self._publish(OrderDenied(cid, order.symbol, order.side, str(exc), ts, order))

    def _submit_failed(self, order: Order, exc: TransientVenueError) -> None:
        # the intent is journaled; an order known not to be sent is closed already; any
        # other outcome is unknown and is resolved by asking the venue for the client id
        # (reconciliation, recovery) — never by resending, and never by detaching the
        # strategy that asked
        if isinstance(exc, OrderNotSentError):
            logger.error("order %s not sent (%s); closed as rejected", order.client_order_id, exc)
            return
        logger.error(
            "order %s: outcome unknown (%s); left pending for reconciliation",
            order.client_order_id,
            exc,
        )

    def _cancel_open_orders(self, symbol: str, reason: str = "strategy exit") -> int:
        """Before going flat: cancel what could still add to or close the position (the
        rest of a partly filled entry, bracket exits), so the exit order is the last word."""
        canceled = 0
        for record in self.orders.open_records():
            if record.order.symbol == symbol:
                self.execute(CancelOrder(record.order.client_order_id, symbol, reason))
                canceled += 1
        return canceled

    # -- operator actions (API, CLI, chat) ----------------------------------------------

    def open_position(self, request: OpenPosition) -> Order | OrderDenied:
        """An operator's entry at the last price (market) or a limit; risk decides.
        Raises ``InvariantViolation`` before any price is known for the symbol and
        ``ValueError`` for a stop or take-profit on the wrong side of the entry."""
        last = self.portfolio.mark_price(request.symbol)
        ts = self.clock.timestamp_ns()
        decision = self.risk.evaluate_open(request, last, self._order_ids.next_id(), ts)
        if isinstance(decision, OrderDenied):
            self._record(decision)
        else:
            self.execute(SubmitOrder(decision))
        return decision

    def close_position(self, symbol: str, reason: str) -> Order | None:
        """Cancel the symbol's working orders and flatten it with a reduce-only market
        order; None when it was flat."""
        self._cancel_open_orders(symbol, reason)
        order = self.risk.exit_order(
            symbol, self._order_ids.next_id(), self.clock.timestamp_ns(), OPERATOR
        )
        if order is not None:
            self.execute(SubmitOrder(order))
        return order

    def close_all(self, reason: str) -> list[Order]:
        """Flatten every open position (and cancel the working orders of those symbols)."""
        symbols = {p.symbol for p in self.portfolio.open_positions()}
        exits = [self.close_position(symbol, reason) for symbol in sorted(symbols)]
        return [order for order in exits if order is not None]

    def halt_entries(self, reason: str, until_ns: int | None = None) -> TradingHalted:
        """Kill switch: refuse new entries (exits still work) until resumed or ``until_ns``."""
        event = self.risk.halt_entries(reason, self.clock.timestamp_ns(), until_ns)
        self._record(event)
        return event

    def resume_entries(self, reason: str) -> TradingResumed:
        event = self.risk.resume(reason, self.clock.timestamp_ns())
        self._record(event)
        return event

    def cancel_all(self, reason: str) -> int:
        """Cancel every working order; returns how many cancels were sent."""
        symbols = {record.order.symbol for record in self.orders.open_records()}
        return sum(self._cancel_open_orders(symbol, reason) for symbol in sorted(symbols))

    # -- commands and events ------------------------------------------------------------

    def execute(self, command: Command) -> None:
        """Submit or cancel. A submit is journaled before the book or the venue sees it;
        raises ``JournalUnavailableError`` (nothing sent, nothing booked) when the journal
        refuses the intent, and what the executor raised otherwise."""
        if not isinstance(command, SubmitOrder):
            self.executor.cancel(command.client_order_id)
            return
        order = command.order
        if self.orders.get(order.client_order_id) is not None:
            raise InvariantViolation(f"client order id {order.client_order_id} used twice")
        journal = self.journal
        if journal is not None:
            journal.record_intent(order)  # written ahead: committed before the venue sees it
        self.orders.add(order)
        self._record(OrderSubmitted(order, self.clock.timestamp_ns()))
        failure: Exception | None = None
        # what the venue answers at once is committed at once
        with journal.batch() if journal is not None else contextlib.nullcontext():
            try:
                self.executor.submit(order)
            except OrderNotSentError as exc:  # certainly not at the venue: close it
                reason = f"{NOT_SENT_PREFIX}: {exc}"
                self.process(OrderRejected(order, reason, self.clock.timestamp_ns()))
                failure = exc
            except Exception as exc:  # the reports that did arrive are facts: keep them
                failure = exc
        if failure is not None:
            raise failure

    def process(self, event: Event) -> None:
        """Handle a report from the executor."""
        if isinstance(event, OrderFilled):
            record = self.orders.filled(event.fill, event.remaining)
            if record is None:
                logger.warning("duplicate fill %s ignored", event.fill.trade_id)
                return
            self.portfolio.apply_fill(event.fill)
            self._record(event)
            tag = record.order.tag
            for strategy in self._strategies.get(event.fill.symbol, ()):
                if strategy.name == tag:
                    strategy.on_fill(event.fill)
            return
        if isinstance(event, OrderAccepted):
            self.orders.accepted(event.order, event.venue_order_id)
        elif isinstance(event, OrderCanceled):
            self.orders.closed(event.client_order_id, OrderStatus.CANCELED, event.reason)
        elif isinstance(event, OrderRejected):
            self.orders.closed(event.order.client_order_id, OrderStatus.REJECTED, event.reason)
        self._record(event)

    def _record(self, event: Event) -> None:
        if self.journal is not None:
            self.journal.record_event(event)
        self._publish(event)

    def _publish(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)
