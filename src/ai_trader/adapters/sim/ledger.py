"""The simulated venue's own durable state (SPEC STO-4): a venue keeps its books whatever
happens to the engine that trades on it.

``VenueLedger`` is one SQLite file (WAL, ``synchronous=FULL``) with

* ``inputs`` — every request the venue processed (submit, cancel, bar), in order, with the
  venue time it happened at; replaying them into a fresh ``SimulatedVenue`` rebuilds its
  books exactly (the venue is deterministic);
* ``submit_attempts`` — every submit call, duplicates included, so a resend is visible;
* ``orders`` and ``fills`` — the venue's view of each order (venue id, status, remaining)
  and every execution, for reconciliation and for the people reading the file.

``PersistentSimulatedVenue`` commits each step (the input and everything it caused) in one
transaction *before* it reports the step's events to the engine: what the engine was told
is always on the venue's disk, and a step that did not commit never happened.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ai_trader.adapters.sim.config import SimulatedVenueConfig
from ai_trader.adapters.sim.venue import SimulatedVenue
from ai_trader.core.clock import Clock
from ai_trader.core.errors import InvariantViolation
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.domain.bar import Bar
from ai_trader.domain.enums import LiquiditySide, OrderType, Side
from ai_trader.domain.events import Event, OrderFilled
from ai_trader.domain.fills import Fill
from ai_trader.domain.orders import Bracket, Order
from ai_trader.domain.venue_state import VenueOrderState, report_client_order_id
from ai_trader.ports.executor import ReportHandler

__all__ = [
    "PersistentSimulatedVenue",
    "VenueLedger",
    "VenueOrderState",  # re-exported: it lives in ai_trader.domain.venue_state
    "fill_from_json",
    "fill_to_json",
    "order_from_json",
    "order_to_json",
]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inputs (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind TEXT NOT NULL, ts_ns INTEGER NOT NULL, payload TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS submit_attempts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " client_order_id TEXT NOT NULL, ts_ns INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orders (client_order_id TEXT PRIMARY KEY,"
    " venue_order_id TEXT, status TEXT NOT NULL, remaining TEXT, reason TEXT NOT NULL,"
    " payload TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS fills (venue TEXT NOT NULL, venue_order_id TEXT NOT NULL,"
    " trade_id TEXT NOT NULL, client_order_id TEXT NOT NULL, payload TEXT NOT NULL,"
    " PRIMARY KEY (venue, venue_order_id, trade_id))",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


class VenueLedger:
    """The venue's SQLite file. Opened once per process; ``close()`` when done."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # one connection, used by whichever thread holds the engine (callers serialise)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self._db.execute(statement)

    def close(self) -> None:
        self._db.close()

    def inputs(self) -> list[tuple[str, int, str]]:
        query = "SELECT kind, ts_ns, payload FROM inputs ORDER BY seq"
        return [(str(k), int(t), str(p)) for k, t, p in self._db.execute(query)]

    def submit_attempts(self) -> list[tuple[str, int]]:
        query = "SELECT client_order_id, ts_ns FROM submit_attempts ORDER BY id"
        return [(str(c), int(t)) for c, t in self._db.execute(query)]

    def fills(self) -> list[Fill]:
        rows = self._db.execute("SELECT payload FROM fills ORDER BY rowid")
        return [fill_from_json(str(payload)) for (payload,) in rows]

    def last_bar_ts(self) -> int | None:
        value = self.meta("last_bar_ts")
        return None if value is None else int(value)

    def recent_bars(self, symbol: str, limit: int) -> list[Bar]:
        """The last ``limit`` bars of ``symbol`` the venue traded, oldest first."""
        if limit <= 0:
            return []
        query = "SELECT payload FROM inputs WHERE kind = 'bar' ORDER BY seq DESC"
        bars: list[Bar] = []
        for (payload,) in self._db.execute(query):
            bar = Bar(*json.loads(payload))
            if bar.symbol == symbol:
                bars.append(bar)
                if len(bars) == limit:
                    break
        bars.reverse()
        return bars

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def integrity_check(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def commit_step(
        self,
        kind: str,
        ts_ns: int,
        payload: str,
        states: Iterable[VenueOrderState],
        fills: Iterable[Fill],
    ) -> None:
        """Write one step — its input and everything it changed — in one transaction."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO inputs (kind, ts_ns, payload) VALUES (?, ?, ?)", (kind, ts_ns, payload)
            )
            if kind == "submit":
                client_order_id = json.loads(payload)["client_order_id"]
                db.execute(
                    "INSERT INTO submit_attempts (client_order_id, ts_ns) VALUES (?, ?)",
                    (client_order_id, ts_ns),
                )
            if kind == "bar":
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_bar_ts', ?)",
                    (str(ts_ns),),
                )
            for state in states:
                db.execute(
                    "INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        state.order.client_order_id,
                        state.venue_order_id,
                        state.status.value,
                        None if state.remaining is None else str(state.remaining),
                        state.reason,
                        order_to_json(state.order),
                    ),
                )
            for fill in fills:
                db.execute(
                    "INSERT INTO fills VALUES (?, ?, ?, ?, ?)",
                    (
                        fill.venue,
                        fill.venue_order_id,
                        fill.trade_id,
                        fill.client_order_id,
                        fill_to_json(fill),
                    ),
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


class _ReplayClock(Clock):
    """The shared clock, except while a recorded step is replayed at its recorded time."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.fixed_ns: int | None = None

    def timestamp_ns(self) -> int:
        return self._clock.timestamp_ns() if self.fixed_ns is None else self.fixed_ns


class PersistentSimulatedVenue:
    """A ``SimulatedVenue`` whose every step is committed to a ``VenueLedger`` first."""

    def __init__(self, config: SimulatedVenueConfig, clock: Clock, ledger: VenueLedger) -> None:
        self._clock = _ReplayClock(clock)
        self._inner = SimulatedVenue(config, self._clock)
        self._inner.connect(self._collect)
        self._ledger = ledger
        self._handler: ReportHandler | None = None
        self._events: list[Event] = []
        self._fills: list[Fill] = []
        self.last_input_ts: int | None = None
        self.needs_every_bar = self._inner.needs_every_bar
        self.working_orders = 0
        self._restore()

    # -- Executor port ------------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._inner.venue

    @property
    def ledger(self) -> VenueLedger:
        return self._ledger

    def connect(self, handler: ReportHandler) -> None:
        self._handler = handler

    def submit(self, order: Order) -> None:
        self._step("submit", order_to_json(order), lambda: self._inner.submit(order))

    def cancel(self, client_order_id: ClientOrderId) -> None:
        payload = json.dumps({"client_order_id": client_order_id})
        self._step("cancel", payload, lambda: self._inner.cancel(client_order_id))

    def process_bar(self, bar: Bar) -> None:
        self._clock.fixed_ns = bar.ts_event  # fills happen at the bar's time
        try:
            self._step("bar", json.dumps(list(bar)), lambda: self._inner.process_bar(bar))
        finally:
            self._clock.fixed_ns = None

    def query_order(self, client_order_id: ClientOrderId) -> Order | None:
        return self._inner.query_order(client_order_id)

    def open_orders(self) -> Sequence[Order]:
        return self._inner.open_orders()

    def fills(self) -> Sequence[Fill]:
        return tuple(self._fills)

    def positions(self) -> Mapping[str, Decimal]:
        return self._inner.positions()

    def order_state(self, client_order_id: ClientOrderId) -> VenueOrderState | None:
        return self._inner.order_state(client_order_id)

    def fills_since(self, ts_ns: int) -> Sequence[Fill]:
        return self._inner.fills_since(ts_ns)

    def balances(self) -> Mapping[str, Decimal]:
        return self._inner.balances()

    # -- reconciliation -----------------------------------------------------------------

    def order_states(self) -> list[VenueOrderState]:
        return self._inner.order_states()

    def catch_up(self, bars: Iterable[Bar]) -> int:
        """Trade the bars that elapsed while no engine was connected; bars at or before the
        last recorded step are skipped. Returns how many bars were processed."""
        count = 0
        for bar in bars:
            if self.last_input_ts is None or bar.ts_event > self.last_input_ts:
                self.process_bar(bar)
                count += 1
        return count

    # -- internals ----------------------------------------------------------------------

    def _step(self, kind: str, payload: str, action: Callable[[], None]) -> None:
        ts_ns = self._clock.timestamp_ns()
        self._events = []
        # the whole step happens at one instant, the one recorded, or a replay at the
        # recorded time would stamp its fills differently
        freeze = self._clock.fixed_ns is None
        if freeze:
            self._clock.fixed_ns = ts_ns
        try:
            action()
        finally:
            if freeze:
                self._clock.fixed_ns = None
        events, self._events = self._events, []
        changed = {self._apply(event) for event in events} - {None}
        states = [
            state
            for cid in changed
            if cid is not None and (state := self._inner.order_state(cid)) is not None
        ]
        fills = [e.fill for e in events if isinstance(e, OrderFilled)]
        self._ledger.commit_step(kind, ts_ns, payload, states, fills)
        self.last_input_ts = ts_ns
        self.working_orders = self._inner.working_orders
        if self._handler is not None:
            for event in events:
                self._handler(event)

    def _collect(self, event: Event) -> None:
        self._events.append(event)

    def _apply(self, event: Event) -> ClientOrderId | None:
        """Keep the fill; the inner venue keeps the order states. Returns the order id."""
        if isinstance(event, OrderFilled):
            self._fills.append(event.fill)
        return report_client_order_id(event)

    def _restore(self) -> None:
        """Replay the recorded steps at their recorded times, reporting nothing."""
        for kind, ts_ns, payload in self._ledger.inputs():
            self._clock.fixed_ns = ts_ns
            self._events = []
            if kind == "submit":
                self._inner.submit(order_from_json(payload))
            elif kind == "cancel":
                self._inner.cancel(ClientOrderId(json.loads(payload)["client_order_id"]))
            else:
                self._inner.process_bar(Bar(*json.loads(payload)))
            for event in self._events:
                self._apply(event)
            self.last_input_ts = ts_ns
        self._clock.fixed_ns = None
        self._events = []
        self.working_orders = self._inner.working_orders
        if self._fills != self._ledger.fills():
            raise InvariantViolation(
                "venue ledger replay does not reproduce its recorded fills: the ledger is "
                "corrupt or the matching rules changed"
            )


# -- serialization ------------------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def order_to_json(order: Order) -> str:
    bracket = order.bracket
    return json.dumps(
        {
            "client_order_id": order.client_order_id,
            "symbol": order.symbol,
            "side": order.side.value,
            "order_type": order.order_type.value,
            "quantity": str(order.quantity),
            "ts_init": order.ts_init,
            "price": _text(order.price),
            "quote_quantity": _text(order.quote_quantity),
            "reduce_only": order.reduce_only,
            "bracket": None
            if bracket is None
            else [_text(bracket.stop_distance), _text(bracket.take_profit_distance)],
            "parent_id": order.parent_id,
            "oco_id": order.oco_id,
            "tag": order.tag,
        }
    )


def order_from_json(text: str) -> Order:
    data = json.loads(text)
    bracket = data["bracket"]
    return Order(
        client_order_id=ClientOrderId(data["client_order_id"]),
        symbol=data["symbol"],
        side=Side(data["side"]),
        order_type=OrderType(data["order_type"]),
        quantity=Decimal(data["quantity"]),
        ts_init=int(data["ts_init"]),
        price=_decimal(data["price"]),
        quote_quantity=_decimal(data["quote_quantity"]),
        reduce_only=bool(data["reduce_only"]),
        bracket=None if bracket is None else Bracket(_decimal(bracket[0]), _decimal(bracket[1])),
        parent_id=None if data["parent_id"] is None else ClientOrderId(data["parent_id"]),
        oco_id=None if data["oco_id"] is None else ClientOrderId(data["oco_id"]),
        tag=data["tag"],
    )


def fill_to_json(fill: Fill) -> str:
    return json.dumps(
        {
            "client_order_id": fill.client_order_id,
            "venue_order_id": fill.venue_order_id,
            "trade_id": fill.trade_id,
            "venue": fill.venue,
            "symbol": fill.symbol,
            "side": fill.side.value,
            "quantity": str(fill.quantity),
            "price": str(fill.price),
            "fee": str(fill.fee),
            "liquidity": fill.liquidity.value,
            "ts_event": fill.ts_event,
        }
    )


def fill_from_json(text: str) -> Fill:
    data = json.loads(text)
    return Fill(
        client_order_id=ClientOrderId(data["client_order_id"]),
        venue_order_id=VenueOrderId(data["venue_order_id"]),
        trade_id=TradeId(data["trade_id"]),
        venue=data["venue"],
        symbol=data["symbol"],
        side=Side(data["side"]),
        quantity=Decimal(data["quantity"]),
        price=Decimal(data["price"]),
        fee=Decimal(data["fee"]),
        liquidity=LiquiditySide(data["liquidity"]),
        ts_event=int(data["ts_event"]),
    )
