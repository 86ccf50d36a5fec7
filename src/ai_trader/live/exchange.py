"""Trading a real exchange through ccxt (SPEC EXE-2), durable like paper trading.

The live gate: orders reach the exchange only with ``EXEC_MODE=live`` **and**
``DRY_RUN=0``; otherwise the same adapter runs in dry run — orders are validated and
logged, never sent. Keys come from ``EXCHANGE_API_KEY``/``EXCHANGE_API_SECRET`` or the
encrypted secrets file (``<exchange>.api_key``/``<exchange>.api_secret``); a key that can
withdraw is refused where the exchange reports it.

On :meth:`ExchangeSession.open`: the exchange's markets are loaded, the last closed candles
warm the strategies up, ``recover()`` reconciles the journal with the exchange by client
order id (fails closed), the engine gets its positions and working orders back. Then the
feed polls for closed candles and, every ``poll_seconds``, the working orders for fills.

Positions on a spot exchange are balances, and the account may hold assets this system
never traded; positions are therefore compared as *changes since a baseline* — the balances
minus the journal's positions when the account was first seen, kept in the state store
(``account:baseline:<exchange>``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import ccxt
from pydantic import BaseModel, ConfigDict, Field

from ai_trader.adapters.ccxt import CcxtExecutor, check_key_permissions
from ai_trader.adapters.data.candles import RejectedCandle
from ai_trader.adapters.data.download import open_exchange
from ai_trader.adapters.data.exchange_feed import ExchangePollingFeed
from ai_trader.adapters.data.ws_feed import WebsocketCandleFeed, open_ws_exchange
from ai_trader.config import SecretStore, Settings
from ai_trader.core.clock import LiveClock
from ai_trader.core.errors import AiTraderError, ConfigurationError
from ai_trader.core.ids import ClientOrderId, ClientOrderIdGenerator
from ai_trader.domain.fills import Fill
from ai_trader.domain.instrument import Instrument
from ai_trader.domain.venue_state import VenueOrderState, base_and_quote
from ai_trader.engine.engine import EventListener
from ai_trader.live.session import DurableSession, LockedFeed, resume_runtime_state
from ai_trader.ports.market_data import MarketDataFeed
from ai_trader.resilience import DEFAULT_BUDGETS, BreakerRegistry, RateGate, ResilientExecutor
from ai_trader.runtime.assembly import TradingSession, build_engine
from ai_trader.runtime.recovery import RecoveryReport, recover
from ai_trader.runtime.resume import rebuild_portfolio, restore_working_orders
from ai_trader.runtime.spec import SessionSpec
from ai_trader.runtime.storage import Storage

logger = logging.getLogger(__name__)

SECRETS_FILE = "secrets.enc"
BASELINE_KEY = "account:baseline:{venue}"


class ExchangeConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    exchange: str = Field(min_length=1)
    symbol: str = Field(min_length=3)
    timeframe: str = "1m"
    poll_seconds: float = Field(5.0, gt=0)
    warmup_bars: int = Field(200, ge=0, le=1000)
    max_bars: int | None = Field(None, ge=1)
    api_url: str | None = None
    testnet: bool = False
    status_every_bars: int = Field(60, ge=1)
    snapshot_every_bars: int = Field(60, ge=1)


@dataclass(frozen=True, slots=True)
class LiveGate:
    """Whether orders are really sent, and why."""

    send_orders: bool
    label: str

    @classmethod
    def of(cls, settings: Settings) -> LiveGate:
        if settings.exec_mode == "live" and not settings.dry_run:
            return cls(True, "LIVE — REAL ORDERS (EXEC_MODE=live, DRY_RUN=0)")
        return cls(
            False,
            f"DRY RUN — orders logged, never sent (EXEC_MODE={settings.exec_mode}, "
            f"DRY_RUN={int(settings.dry_run)})",
        )


def exchange_client(settings: Settings, config: ExchangeConfig, gate: LiveGate) -> ccxt.Exchange:
    """The ccxt client with keys (when there are any); refuses a key that can withdraw and
    live trading without keys."""
    exchange = open_exchange(config.exchange, config.api_url, futures=":" in config.symbol)
    if config.testnet:
        exchange.set_sandbox_mode(True)
    key, secret = _credentials(settings, config.exchange)
    if key and secret:
        exchange.apiKey, exchange.secret = key, secret
        check_key_permissions(exchange)
    elif gate.send_orders:
        raise ConfigurationError(
            f"live trading on {config.exchange} needs API keys: set EXCHANGE_API_KEY and "
            f"EXCHANGE_API_SECRET or 'ai-trader secrets set {config.exchange}.api_key'"
        )
    return exchange


def _credentials(settings: Settings, exchange: str) -> tuple[str | None, str | None]:
    if settings.exchange_api_key and settings.exchange_api_secret:
        return (
            settings.exchange_api_key.get_secret_value(),
            settings.exchange_api_secret.get_secret_value(),
        )
    path = Path(settings.data_dir) / SECRETS_FILE
    if settings.fernet_key is None or not path.exists():
        return None, None
    store = SecretStore(path, settings.fernet_key)
    names = set(store.names())
    if {f"{exchange}.api_key", f"{exchange}.api_secret"} <= names:
        return store.get(f"{exchange}.api_key"), store.get(f"{exchange}.api_secret")
    return None, None


class ReconcilableExchange:
    """The exchange as recovery and reconciliation see it: orders by client id, fills,
    and positions as balance changes since the baseline. Without keys (a dry run on public
    market data) there is no account to look at: only the orders decided here (dry run,
    refused before sending) exist, no fill and no position."""

    def __init__(
        self,
        executor: CcxtExecutor,
        baseline: Mapping[str, Decimal],
        symbols: Sequence[str],
        *,
        account_access: bool = True,
    ) -> None:
        self._executor = executor
        self._baseline = dict(baseline)
        self._bases = {base_and_quote(symbol)[0]: symbol for symbol in symbols}
        self._account = account_access
        self._futures = any(":" in symbol for symbol in symbols)

    @property
    def venue(self) -> str:
        return self._executor.venue

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        if not self._account:
            return self._executor.local_state(client_order_id)
        return self._executor.order_state(client_order_id)

    def order_states(self) -> list[VenueOrderState]:
        if not self._account:
            return []
        orders = self._executor.open_orders()
        states = (self._executor.order_state(order.client_order_id) for order in orders)
        return [state for state in states if state is not None]

    def fills(self) -> Sequence[Fill]:
        return self._executor.fills() if self._account else ()

    def positions(self) -> Mapping[str, Decimal]:
        if not self._account:
            return {}
        if self._futures:  # the exchange keeps signed positions itself
            return {s: q for s, q in self._executor.positions().items() if q != 0}
        balances = self._executor.balances()
        result = {}
        for base, symbol in self._bases.items():
            change = balances.get(base, Decimal(0)) - self._baseline.get(base, Decimal(0))
            if change != 0:
                result[symbol] = change
        return result


def _instruments(executor: CcxtExecutor, symbol: str) -> dict[str, Instrument]:
    """The exchange's tick, lot and minimum size, so risk sizes orders the venue accepts
    exactly as sent (an order rounded by the adapter would never look fully filled)."""
    instrument = executor.instrument(symbol)
    return {symbol: instrument} if instrument is not None else {}


class ExchangeSession(DurableSession):
    def __init__(
        self,
        spec: SessionSpec,
        config: ExchangeConfig,
        settings: Settings,
        *,
        run_id: str,
        stop_event: threading.Event,
        storage: Storage,
        breakers: BreakerRegistry,
        rate_gate: RateGate,
        listeners: tuple[EventListener, ...] = (),
        engine_lock: threading.RLock | None = None,
        on_rejected_candle: RejectedCandle | None = None,
    ) -> None:
        super().__init__(
            spec,
            config,
            run_id=run_id,
            stop_event=stop_event,
            storage=storage,
            listeners=listeners,
            engine_lock=engine_lock,
        )
        self.exchange_config = config
        self.settings = settings
        self.gate = LiveGate.of(settings)
        self._breakers = breakers
        self._rate_gate = rate_gate
        self._on_rejected = on_rejected_candle
        self._executor: CcxtExecutor | None = None
        self._venue: ReconcilableExchange | None = None
        self._last_poll = 0.0

    @property
    def venue(self) -> ReconcilableExchange:
        if self._venue is None:
            raise RuntimeError("the exchange session is not open")
        return self._venue

    def open(self) -> RecoveryReport:
        config, storage, clock = self.exchange_config, self.storage, self._clock
        logger.warning("EXECUTION: %s on %s", self.gate.label, config.exchange)
        exchange = exchange_client(self.settings, config, self.gate)
        exchange.load_markets()
        if config.symbol not in exchange.markets:
            raise ConfigurationError(f"{config.exchange} has no market {config.symbol!r}")
        self._executor = executor = CcxtExecutor(
            exchange,
            venue=str(exchange.id),
            clock=clock,
            dry_run=not self.gate.send_orders,
            symbols=[config.symbol],
        )
        provider = str(exchange.id) if str(exchange.id) in DEFAULT_BUDGETS else "ccxt"
        resilient = ResilientExecutor(executor, self._breakers, self._rate_gate, provider)
        account = bool(exchange.apiKey)
        self._venue = venue = ReconcilableExchange(
            executor,
            self._baseline(executor) if account and ":" not in config.symbol else {},
            [config.symbol],
            account_access=account,
        )
        feed_source = ExchangePollingFeed(
            exchange, config.symbol, config.timeframe, LiveClock(), self._stop_event,
            poll_seconds=config.poll_seconds, max_bars=config.max_bars,
            on_rejected=self._on_rejected,
        )  # fmt: skip
        history = feed_source.closed_bars(limit=config.warmup_bars + 1)
        self.recovery = recovery = recover(
            storage.journal, venue, database=storage.database, prefix=self.run_id,
            ts_event=clock.timestamp_ns(),
        ).require_ok()  # fmt: skip
        feed: MarketDataFeed = feed_source
        if self.settings.use_nownodes:
            feed = WebsocketCandleFeed(
                open_ws_exchange(config.exchange, config.api_url, self.settings.exchange_ws_url),
                config.symbol,
                config.timeframe,
                self._stop_event,
                after_ts_ns=history[-1].ts_event if history else None,
                max_bars=config.max_bars,
                on_rejected=self._on_rejected,
            )
            logger.info("market data: websocket (USE_NOWNODES=1)")
        if self._lock is not None:
            feed = LockedFeed(feed, self._lock)
        engine = build_engine(
            self.spec,
            clock=clock,
            feed=feed,
            executor=resilient,
            order_ids=ClientOrderIdGenerator(self.run_id, recovery.next_sequence),
            portfolio=rebuild_portfolio(self.spec.cash, recovery.fills),
            journal=storage.journal,
            instruments=_instruments(executor, config.symbol),
        )
        restore_working_orders(engine, recovery)
        last_close = history[-1].close if history else None
        resume_runtime_state(engine, storage, config.symbol, last_close)
        self._session = TradingSession(self.run_id, self.spec, engine, resilient)
        self._wire(engine)
        engine.warm_up(history)
        if self._publisher is not None:
            self._publisher.publish()
        self.resumed = bool(recovery.fills)
        return recovery

    def on_tick(self) -> None:
        """Poll the working orders for fills and closes, every ``poll_seconds``."""
        if self._executor is None or self._session is None:
            return
        now = time.monotonic()
        if now - self._last_poll < self.exchange_config.poll_seconds:
            return
        self._last_poll = now
        for record in self.engine.orders.open_records():
            try:
                self._executor.poll_order(record.order.client_order_id)
            except AiTraderError as exc:
                logger.warning("polling %s failed: %s", record.order.client_order_id, exc)
                return

    def _baseline(self, executor: CcxtExecutor) -> dict[str, Decimal]:
        """The balances that are not this system's positions, fixed when first seen."""
        key = BASELINE_KEY.format(venue=executor.venue)
        stored = self.storage.state.store.get_hash(key)
        if stored:
            return {asset: Decimal(amount) for asset, amount in stored.items()}
        balances = executor.balances()
        journaled = self.storage.journal.positions_from_fills()
        baseline = dict(balances)
        for symbol, position in journaled.items():
            base = base_and_quote(symbol)[0]
            baseline[base] = baseline.get(base, Decimal(0)) - position.quantity
        self.storage.state.store.set_hash(key, {a: str(q) for a, q in baseline.items()})
        logger.info("account baseline for %s recorded: %s", executor.venue, baseline)
        return baseline
