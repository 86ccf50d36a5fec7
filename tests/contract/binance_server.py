"""A Binance spot and USDⓈ-M futures API on 127.0.0.1 that answers from recorded responses.

The responses are the JSON files under ``fixtures/binance/`` (Binance's documented shapes);
the server keeps a tiny in-memory venue so the contract behaviours hold: a market order fills
at ``price``, a limit order fills if marketable and otherwise stays open, cancel works, a
duplicate ``newClientOrderId`` is refused with Binance's ``-2010 Duplicate order sent.``
Commissions are charged in the quote asset at ``fee_rate``.

Futures (``/fapi/``): a separate wallet (``futures_wallet``, the margin asset USDT) and one
signed position per symbol (one-way mode: long +, short −). Selling what is not held opens a
short; a ``reduceOnly`` order that would grow the position is refused (``-2022``); closing
books the realized PnL into the wallet; margin is checked at ``leverage``.
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
ORDER_PATHS = ("/api/v3/order", "/fapi/v1/order")


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
    futures: bool = False
    reduce_only: bool = False
    status: str = "NEW"
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    fills: list[dict[str, Any]] = field(default_factory=list)


class BinanceState:
    """The fake venue behind the server; tests move ``price`` and ``now_ms``."""

    def __init__(
        self,
        price: Decimal,
        balances: dict[str, Decimal],
        futures_wallet: dict[str, Decimal] | None = None,
    ) -> None:
        self.lock = threading.Lock()
        self.price = price
        self.now_ms = 1_767_225_600_000
        self.fee_rate = Decimal("0.001")
        self.balances = dict(balances)
        self.orders: dict[int, _Order] = {}
        self.trades: list[dict[str, Any]] = []
        self.enable_withdrawals = False
        self.stall_next_order_seconds = 0.0  # accept the next order, then answer too late
        self.corrupt_candle_opens: set[int] = set()  # candles served with high < low
        self.requests: list[tuple[str, str]] = []
        self.params: list[tuple[str, str, dict[str, str]]] = []
        self._next_id = 1000
        # futures: the USDⓈ-M wallet, signed positions and their entry prices
        self.futures_wallet = dict(futures_wallet or {})
        self.positions: dict[str, Decimal] = {}
        self.entry_prices: dict[str, Decimal] = {}
        self.futures_trades: list[dict[str, Any]] = []
        self.leverage = Decimal(20)

    # -- requests -------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        self.requests.append((method, path))
        self.params.append((method, path, dict(params)))
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
            ("GET", "/fapi/v1/klines"): lambda: self._klines(params),
            ("GET", "/fapi/v1/exchangeInfo"): lambda: (200, fixture("futures_exchange_info")),
            ("GET", "/fapi/v1/time"): lambda: (200, {"serverTime": self.now_ms}),
            ("POST", "/fapi/v1/order"): lambda: self._futures_create(params),
            ("GET", "/fapi/v1/order"): lambda: self._futures_query(params),
            ("DELETE", "/fapi/v1/order"): lambda: self._futures_cancel(params),
            ("GET", "/fapi/v1/openOrders"): lambda: self._futures_open_orders(params),
            ("GET", "/fapi/v1/userTrades"): lambda: self._futures_user_trades(params),
            ("GET", "/fapi/v1/leverageBracket"): lambda: (200, fixture("futures_leverage_bracket")),
            ("GET", "/fapi/v3/positionRisk"): lambda: self._position_risk(params),
            ("GET", "/fapi/v2/positionRisk"): lambda: self._position_risk(params),
            ("GET", "/fapi/v3/account"): self._futures_account,
            ("GET", "/fapi/v2/account"): self._futures_account,
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
        candles = [kline(open_ms, interval) for open_ms in list(opens)[:limit]]
        for candle in candles:
            if candle[0] in self.corrupt_candle_opens:
                candle[2], candle[3] = candle[3], candle[2]  # a bad print: high below low
        return 200, candles

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

    def _find(self, params: dict[str, str], *, futures: bool = False) -> _Order | None:
        client_id = params.get("origClientOrderId")
        for order in self.orders.values():
            if order.symbol != params.get("symbol") or order.futures != futures:
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
            if order.futures:
                continue
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

    # -- USDⓈ-M futures -------------------------------------------------------------------

    def _futures_create(self, params: dict[str, str]) -> tuple[int, Any]:
        client_id = params.get("newClientOrderId") or f"auto-{self._next_id}"
        if any(o.client_order_id == client_id for o in self.orders.values() if o.futures):
            return 400, fixture("futures_error_duplicate_order")
        order = _Order(
            order_id=self._next_id + 1,
            client_order_id=client_id,
            symbol=params["symbol"],
            side=params["side"],
            order_type=params["type"],
            quantity=Decimal(params["quantity"]),
            price=Decimal(params.get("price", "0")),
            stop_price=Decimal(params.get("stopPrice", "0")),
            time_ms=self.now_ms,
            futures=True,
            reduce_only=params.get("reduceOnly", "false").lower() == "true",
        )
        held = self.positions.get(order.symbol, Decimal(0))
        sign = 1 if order.side == "BUY" else -1
        if order.reduce_only and (held == 0 or (held > 0) == (sign > 0)):
            return 400, fixture("futures_error_reduce_only")
        if not order.reduce_only:
            margin = order.quantity * self.price / self.leverage
            if self._available() < margin:
                return 400, fixture("futures_error_insufficient_margin")
        self._next_id += 1
        self.orders[order.order_id] = order
        if self._marketable(order):
            self._futures_fill(order, maker=False)
        response = fixture("futures_order")
        response.update(self._futures_fields(order))
        return 200, response

    def _available(self) -> Decimal:
        used = sum(
            (abs(amount) * self.price / self.leverage for amount in self.positions.values()),
            Decimal(0),
        )
        return self.futures_wallet.get("USDT", Decimal(0)) - used

    def _futures_fill(self, order: _Order, *, maker: bool) -> None:
        _, quote = SYMBOL_IDS[order.symbol]
        price, sign = self.price, 1 if order.side == "BUY" else -1
        held = self.positions.get(order.symbol, Decimal(0))
        quantity = min(order.quantity, abs(held)) if order.reduce_only else order.quantity
        closing = min(quantity, abs(held)) if held and (held > 0) != (sign > 0) else Decimal(0)
        entry = self.entry_prices.get(order.symbol, price)
        realized = closing * (price - entry) * (1 if held > 0 else -1)
        after = held + sign * quantity
        if after == 0:
            self.entry_prices.pop(order.symbol, None)
        elif held == 0 or (held > 0) != (after > 0):
            self.entry_prices[order.symbol] = price  # opened, or flipped through zero
        elif abs(after) > abs(held):
            self.entry_prices[order.symbol] = (abs(held) * entry + quantity * price) / abs(after)
        self.positions[order.symbol] = after
        commission = (quantity * price * self.fee_rate).quantize(Decimal("0.00000001"))
        self.futures_wallet[quote] = (
            self.futures_wallet.get(quote, Decimal(0)) + realized - commission
        )
        order.status, order.executed, order.quote = "FILLED", quantity, quantity * price
        trade = fixture("futures_user_trade")
        trade.update(
            buyer=order.side == "BUY",
            commission=_text(commission),
            commissionAsset=quote,
            id=len(self.futures_trades) + 9000,
            maker=maker,
            orderId=order.order_id,
            price=_text(price),
            qty=_text(quantity),
            quoteQty=_text(quantity * price),
            realizedPnl=_text(realized),
            side=order.side,
            symbol=order.symbol,
            time=self.now_ms,
        )
        self.futures_trades.append(trade)

    def _futures_fields(self, order: _Order) -> dict[str, Any]:
        avg = order.quote / order.executed if order.executed else Decimal(0)
        return {
            "clientOrderId": order.client_order_id,
            "cumQty": _text(order.executed),
            "cumQuote": _text(order.quote),
            "executedQty": _text(order.executed),
            "orderId": order.order_id,
            "avgPrice": _text(avg),
            "origQty": _text(order.quantity),
            "price": _text(order.price),
            "reduceOnly": order.reduce_only,
            "side": order.side,
            "status": order.status,
            "stopPrice": _text(order.stop_price),
            "symbol": order.symbol,
            "type": order.order_type,
            "origType": order.order_type,
            "updateTime": self.now_ms,
        }

    def _futures_query(self, params: dict[str, str]) -> tuple[int, Any]:
        order = self._find(params, futures=True)
        if order is None:
            return 400, fixture("error_order_does_not_exist")
        response = fixture("futures_order")
        response.update(self._futures_fields(order), time=order.time_ms)
        return 200, response

    def _futures_cancel(self, params: dict[str, str]) -> tuple[int, Any]:
        order = self._find(params, futures=True)
        if order is None or order.status not in ("NEW", "PARTIALLY_FILLED"):
            return 400, fixture("error_unknown_order")
        order.status = "CANCELED"
        response = fixture("futures_order")
        response.update(self._futures_fields(order))
        return 200, response

    def _futures_open_orders(self, params: dict[str, str]) -> tuple[int, Any]:
        result = []
        for order in self.orders.values():
            if not order.futures or order.status != "NEW":
                continue
            if order.symbol == params.get("symbol", order.symbol):
                response = fixture("futures_order")
                response.update(self._futures_fields(order), time=order.time_ms)
                result.append(response)
        return 200, result

    def _futures_user_trades(self, params: dict[str, str]) -> tuple[int, Any]:
        start = int(params.get("startTime", "0"))
        trades = [
            t
            for t in self.futures_trades
            if t["symbol"] == params["symbol"]
            and t["time"] >= start
            and str(t["orderId"]) == params.get("orderId", str(t["orderId"]))
        ]
        return 200, copy.deepcopy(trades)

    def _position_risk(self, params: dict[str, str]) -> tuple[int, Any]:
        """Position information V3: the symbols with a position (or the one asked for)."""
        result = []
        for symbol in sorted(SYMBOL_IDS):
            amount = self.positions.get(symbol, Decimal(0))
            if params.get("symbol", symbol) != symbol or (amount == 0 and "symbol" not in params):
                continue
            entry = self.entry_prices.get(symbol, Decimal(0))
            notional = amount * self.price
            margin = abs(notional) / self.leverage
            position = fixture("futures_position_risk")
            position.update(
                symbol=symbol,
                positionAmt=_text(amount),
                entryPrice=_text(entry),
                breakEvenPrice=_text(entry),
                markPrice=_text(self.price),
                unRealizedProfit=_text(amount * (self.price - entry)),
                notional=_text(notional),
                initialMargin=_text(margin),
                positionInitialMargin=_text(margin),
                maintMargin=_text(abs(notional) * Decimal("0.004")),
                updateTime=self.now_ms,
            )
            result.append(position)
        return 200, result

    def _futures_account(self) -> tuple[int, Any]:
        account = fixture("futures_account")
        unrealized = sum(
            (
                amount * (self.price - self.entry_prices.get(symbol, self.price))
                for symbol, amount in self.positions.items()
            ),
            Decimal(0),
        )
        wallet = self.futures_wallet.get("USDT", Decimal(0))
        available = self._available() + unrealized
        used = wallet - self._available()
        asset = fixture("futures_account_asset")
        asset.update(
            asset="USDT",
            walletBalance=_text(wallet),
            unrealizedProfit=_text(unrealized),
            marginBalance=_text(wallet + unrealized),
            initialMargin=_text(used),
            positionInitialMargin=_text(used),
            crossWalletBalance=_text(wallet),
            crossUnPnl=_text(unrealized),
            availableBalance=_text(available),
            maxWithdrawAmount=_text(available),
            updateTime=self.now_ms,
        )
        totals = {
            "totalInitialMargin": used,
            "totalWalletBalance": wallet,
            "totalUnrealizedProfit": unrealized,
            "totalMarginBalance": wallet + unrealized,
            "totalPositionInitialMargin": used,
            "totalCrossWalletBalance": wallet,
            "totalCrossUnPnl": unrealized,
            "availableBalance": available,
            "maxWithdrawAmount": available,
        }
        account.update({key: _text(value) for key, value in totals.items()})
        account["assets"] = [asset] if "USDT" in self.futures_wallet else []
        account["positions"] = [
            {
                "symbol": symbol,
                "positionSide": "BOTH",
                "positionAmt": _text(amount),
                "unrealizedProfit": _text(Decimal(0)),
                "isolatedMargin": "0",
                "notional": _text(amount * self.price),
                "isolatedWallet": "0",
                "initialMargin": _text(abs(amount) * self.price / self.leverage),
                "maintMargin": "0",
                "updateTime": self.now_ms,
            }
            for symbol, amount in sorted(self.positions.items())
            if amount
        ]
        return 200, account


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
        if self.command == "POST" and url.path in ORDER_PATHS and status == 200:
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
