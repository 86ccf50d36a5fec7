"""A Binance spot API on 127.0.0.1 that answers from recorded responses.

The responses are the JSON files under ``fixtures/binance/`` (Binance's documented shapes);
the server keeps a tiny in-memory venue so the contract behaviours hold: a market order fills
at ``price``, a limit order fills if marketable and otherwise stays open, cancel works, a
duplicate ``newClientOrderId`` is refused with Binance's ``-2010 Duplicate order sent.``
Commissions are charged in the quote asset at ``fee_rate``.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.integration.recorded.binance_server import kline

FIXTURES = Path(__file__).parent / "fixtures" / "binance"
KLINE_INTERVAL_MS = {"1m": 60_000, "5m": 300_000, "1h": 3_600_000}
SYMBOL_IDS = {"BTCUSDT": ("BTC", "USDT")}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _text(value: Decimal) -> str:
    return f"{value:.8f}"


@dataclass
class _Order:
    order_id: int
    client_order_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal
    stop_price: Decimal
    time_ms: int
    status: str = "NEW"
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    fills: list[dict[str, Any]] = field(default_factory=list)


class BinanceState:
    """The fake venue behind the server; tests move ``price`` and ``now_ms``."""

    def __init__(self, price: Decimal, balances: dict[str, Decimal]) -> None:
        self.lock = threading.Lock()
        self.price = price
        self.now_ms = 1_767_225_600_000
        self.fee_rate = Decimal("0.001")
        self.balances = dict(balances)
        self.orders: dict[int, _Order] = {}
        self.trades: list[dict[str, Any]] = []
        self.enable_withdrawals = False
        self.stall_next_order_seconds = 0.0  # accept the next order, then answer too late
        self.requests: list[tuple[str, str]] = []
        self._next_id = 1000

    # -- requests -------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        self.requests.append((method, path))
        routes = {
            ("GET", "/api/v3/exchangeInfo"): lambda: (200, fixture("exchange_info")),
            ("GET", "/api/v3/time"): lambda: (200, {"serverTime": self.now_ms}),
            ("POST", "/api/v3/order"): lambda: self._create(params),
            ("GET", "/api/v3/order"): lambda: self._query(params),
            ("DELETE", "/api/v3/order"): lambda: self._cancel(params),
            ("GET", "/api/v3/openOrders"): lambda: self._open_orders(params),
            ("GET", "/api/v3/myTrades"): lambda: self._my_trades(params),
            ("GET", "/api/v3/account"): self._account,
            ("GET", "/sapi/v1/account/apiRestrictions"): self._restrictions,
            ("GET", "/api/v3/klines"): lambda: self._klines(params),
        }
        route = routes.get((method, path))
        if route is None:
            return 404, {"code": -1000, "msg": f"no recorded response for {method} {path}"}
        with self.lock:
            return route()

    def _klines(self, params: dict[str, str]) -> tuple[int, Any]:
        """Candles that closed by ``now_ms`` (Binance's 12-field arrays), from startTime."""
        interval = KLINE_INTERVAL_MS[params["interval"]]
        limit = min(int(params.get("limit", 500)), 1000)
        end = self.now_ms // interval * interval  # the open of the candle still forming
        start = int(params.get("startTime", end - limit * interval))
        first = -(-start // interval) * interval
        opens = range(first, end, interval)
        return 200, [kline(open_ms, interval) for open_ms in list(opens)[:limit]]

    def _create(self, params: dict[str, str]) -> tuple[int, Any]:
        client_id = params.get("newClientOrderId") or f"auto-{self._next_id}"
        if any(o.client_order_id == client_id for o in self.orders.values()):
            return 400, fixture("error_duplicate_order")
        self._next_id += 1
        order = _Order(
            order_id=self._next_id,
            client_order_id=client_id,
            symbol=params["symbol"],
            side=params["side"],
            order_type=params["type"],
            quantity=Decimal(params["quantity"]),
            price=Decimal(params.get("price", "0")),
            stop_price=Decimal(params.get("stopPrice", "0")),
            time_ms=self.now_ms,
        )
        base, quote = SYMBOL_IDS[order.symbol]
        if order.side == "SELL" and self.balances.get(base, Decimal(0)) < order.quantity:
            return 400, fixture("error_insufficient_balance")
        cost = order.quantity * self.price * (1 + self.fee_rate)
        if order.side == "BUY" and self.balances.get(quote, Decimal(0)) < cost:
            return 400, fixture("error_insufficient_balance")
        self.orders[order.order_id] = order
        if self._marketable(order):
            self._fill(order, maker=False)
        response = fixture("order_full")
        response.update(self._order_fields(order))
        response.update(transactTime=self.now_ms, workingTime=self.now_ms)
        response["fills"] = copy.deepcopy(order.fills)
        return 200, response

    def _marketable(self, order: _Order) -> bool:
        if order.order_type == "MARKET":
            return True
        if order.order_type == "LIMIT":
            return order.price >= self.price if order.side == "BUY" else order.price <= self.price
        return False  # stops wait for a trigger this fake never sees

    def _fill(self, order: _Order, *, maker: bool) -> None:
        base, quote = SYMBOL_IDS[order.symbol]
        quantity, price = order.quantity, self.price
        commission = (quantity * price * self.fee_rate).quantize(Decimal("0.00000001"))
        sign = 1 if order.side == "BUY" else -1
        self.balances[base] = self.balances.get(base, Decimal(0)) + sign * quantity
        self.balances[quote] = self.balances.get(quote, Decimal(0)) - sign * quantity * price
        self.balances[quote] -= commission
        trade_id = len(self.trades) + 5000
        order.status, order.executed, order.quote = "FILLED", quantity, quantity * price
        order.fills.append(
            {
                "price": _text(price),
                "qty": _text(quantity),
                "commission": _text(commission),
                "commissionAsset": quote,
                "tradeId": trade_id,
            }
        )
        trade = fixture("my_trade")
        trade.update(
            symbol=order.symbol,
            id=trade_id,
            orderId=order.order_id,
            price=_text(price),
            qty=_text(quantity),
            quoteQty=_text(quantity * price),
            commission=_text(commission),
            commissionAsset=quote,
            time=self.now_ms,
            isBuyer=order.side == "BUY",
            isMaker=maker,
        )
        self.trades.append(trade)

    def _order_fields(self, order: _Order) -> dict[str, Any]:
        return {
            "symbol": order.symbol,
            "orderId": order.order_id,
            "clientOrderId": order.client_order_id,
            "price": _text(order.price),
            "origQty": _text(order.quantity),
            "executedQty": _text(order.executed),
            "cummulativeQuoteQty": _text(order.quote),
            "status": order.status,
            "type": order.order_type,
            "side": order.side,
        }

    def _find(self, params: dict[str, str]) -> _Order | None:
        client_id = params.get("origClientOrderId")
        for order in self.orders.values():
            if order.symbol != params.get("symbol"):
                continue
            if client_id is not None and order.client_order_id == client_id:
                return order
            if client_id is None and str(order.order_id) == params.get("orderId"):
                return order
        return None

    def _query(self, params: dict[str, str]) -> tuple[int, Any]:
        order = self._find(params)
        if order is None:
            return 400, fixture("error_order_does_not_exist")
        response = fixture("order_query")
        response.update(self._order_fields(order))
        response.update(
            stopPrice=_text(order.stop_price),
            time=order.time_ms,
            updateTime=self.now_ms,
            workingTime=order.time_ms,
            isWorking=order.status in ("NEW", "PARTIALLY_FILLED"),
        )
        return 200, response

    def _cancel(self, params: dict[str, str]) -> tuple[int, Any]:
        order = self._find(params)
        if order is None or order.status not in ("NEW", "PARTIALLY_FILLED"):
            return 400, fixture("error_unknown_order")
        order.status = "CANCELED"
        response = fixture("order_cancel")
        response.update(self._order_fields(order))
        response.update(
            origClientOrderId=order.client_order_id,
            clientOrderId=f"cancel-{order.order_id}",
            transactTime=self.now_ms,
        )
        return 200, response

    def _open_orders(self, params: dict[str, str]) -> tuple[int, Any]:
        result = []
        for order in self.orders.values():
            if order.status == "NEW" and order.symbol == params.get("symbol", order.symbol):
                _, response = self._query({"symbol": order.symbol, "orderId": str(order.order_id)})
                result.append(response)
        return 200, result

    def _my_trades(self, params: dict[str, str]) -> tuple[int, Any]:
        start = int(params.get("startTime", "0"))
        trades = [
            t
            for t in self.trades
            if t["symbol"] == params["symbol"]
            and t["time"] >= start
            and str(t["orderId"]) == params.get("orderId", str(t["orderId"]))
        ]
        return 200, copy.deepcopy(trades)

    def _account(self) -> tuple[int, Any]:
        account = fixture("account")
        account["updateTime"] = self.now_ms
        account["balances"] = [
            {"asset": asset, "free": _text(amount), "locked": _text(Decimal(0))}
            for asset, amount in sorted(self.balances.items())
        ]
        return 200, account

    def _restrictions(self) -> tuple[int, Any]:
        restrictions = fixture("api_restrictions")
        restrictions["enableWithdrawals"] = self.enable_withdrawals
        return 200, restrictions


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            params.update(parse_qsl(self.rfile.read(length).decode()))
        state = self.server.state
        status, body = state.handle(self.command, url.path, params)
        if self.command == "POST" and url.path == "/api/v3/order" and status == 200:
            stall, state.stall_next_order_seconds = state.stall_next_order_seconds, 0.0
            time.sleep(stall)  # the order is on the book; the answer comes too late
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    do_GET = do_POST = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: BinanceState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def serve_binance(state: BinanceState) -> Iterator[str]:
    """Run the fake on 127.0.0.1; yields its base URL ``http://127.0.0.1:<port>``."""
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def point_at(exchange: Any, base_url: str) -> None:
    """Send every Binance API of ``exchange`` to the fake server, keeping the paths."""
    for key, url in list(exchange.urls["api"].items()):
        exchange.urls["api"][key] = base_url + urlsplit(url).path
