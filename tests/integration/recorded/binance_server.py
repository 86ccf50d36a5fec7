"""A local stand-in for Binance's public REST API on 127.0.0.1: recorded responses in the
exchange's real format (exchangeInfo, klines, time). Klines are generated for any range from
a seeded walk, so a download can be checked bar by bar; ``fail_next`` makes the next N
kline requests answer 503 to test retries."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

EXCHANGE_INFO: dict[str, Any] = {
    "timezone": "UTC",
    "serverTime": 1732147200000,
    "rateLimits": [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    ],
    "exchangeFilters": [],
    "symbols": [
        {
            "symbol": "BTCUSDT",
            "status": "TRADING",
            "baseAsset": "BTC",
            "baseAssetPrecision": 8,
            "quoteAsset": "USDT",
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8,
            "quoteCommissionPrecision": 8,
            "orderTypes": [
                "LIMIT",
                "LIMIT_MAKER",
                "MARKET",
                "STOP_LOSS_LIMIT",
                "TAKE_PROFIT_LIMIT",
            ],
            "icebergAllowed": True,
            "ocoAllowed": True,
            "otoAllowed": True,
            "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": True,
            "cancelReplaceAllowed": True,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": True,
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": "0.01000000",
                    "maxPrice": "1000000.00000000",
                    "tickSize": "0.01000000",
                },
                {
                    "filterType": "LOT_SIZE",
                    "minQty": "0.00001000",
                    "maxQty": "9000.00000000",
                    "stepSize": "0.00001000",
                },
                {
                    "filterType": "NOTIONAL",
                    "minNotional": "5.00000000",
                    "applyMinToMarket": True,
                    "maxNotional": "9000000.00000000",
                    "applyMaxToMarket": False,
                    "avgPriceMins": 5,
                },
                {
                    "filterType": "MARKET_LOT_SIZE",
                    "minQty": "0.00000000",
                    "maxQty": "83.01376208",
                    "stepSize": "0.00000000",
                },
            ],
            "permissions": [],
            "permissionSets": [["SPOT", "MARGIN"]],
            "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
        }
    ],
}
INTERVAL_MS = {"1m": 60_000, "1h": 3_600_000, "1d": 86_400_000}
HISTORY_START_MS = 1_704_067_200_000  # 2024-01-01T00:00Z: nothing older exists


def kline(open_ms: int, interval_ms: int) -> list[Any]:
    """A deterministic candle for ``open_ms`` (Binance's 12-field kline array)."""
    step = open_ms // interval_ms
    price = 40_000 + 2_000 * math.sin(step / 50) + (step % 7) * 3
    return [
        open_ms,
        f"{price:.2f}",
        f"{price + 25:.2f}",
        f"{price - 25:.2f}",
        f"{price + 5:.2f}",
        f"{10 + step % 13:.5f}",
        open_ms + interval_ms - 1,
        f"{(10 + step % 13) * price:.8f}",
        100 + step % 50,
        "5.00000",
        f"{5 * price:.8f}",
        "0",
    ]


class RecordedBinance:
    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.fail_next = 0
        self.kline_requests: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RecordedBinance:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def klines(self, query: dict[str, str]) -> list[list[Any]]:
        interval = INTERVAL_MS[query["interval"]]
        limit = min(int(query.get("limit", 500)), 1000)
        start = max(int(query.get("startTime", HISTORY_START_MS)), HISTORY_START_MS)
        first = -(-start // interval) * interval
        rows = []
        open_ms = first
        while len(rows) < limit and open_ms + interval <= self.now_ms:
            rows.append(kline(open_ms, interval))
            open_ms += interval
        return rows

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/api/v3/exchangeInfo":
                    self._send(200, EXCHANGE_INFO)
                elif parts.path == "/api/v3/time":
                    self._send(200, {"serverTime": server.now_ms})
                elif parts.path == "/api/v3/klines":
                    server.kline_requests.append(query)
                    if server.fail_next > 0:
                        server.fail_next -= 1
                        self._send(
                            503,
                            {
                                "code": -1001,
                                "msg": "Internal error; unable to process your request. "
                                "Please try again.",
                            },
                        )
                        return
                    self._send(200, server.klines(query))
                else:
                    self._send(404, {"code": -1100, "msg": f"unknown path {parts.path}"})

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
