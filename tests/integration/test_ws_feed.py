"""The websocket candle feed (ccxt pro) against a local server speaking Binance's kline
stream: the forming candle's updates are not bars, a candle becomes a bar once the next one
starts, stamped at its close, in order, once."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from ai_trader.adapters.data.ws_feed import WebsocketCandleFeed, open_ws_exchange
from tests.contract.binance_server import BinanceState, serve_binance

pytestmark = pytest.mark.integration

MINUTE_MS = 60_000
T0 = 1_767_225_600_000


def kline_message(open_ms: int, close: float, final: bool) -> dict[str, Any]:
    return {
        "e": "kline",
        "E": open_ms + 1_000,
        "s": "BTCUSDT",
        "k": {
            "t": open_ms,
            "T": open_ms + MINUTE_MS - 1,
            "s": "BTCUSDT",
            "i": "1m",
            "f": 1,
            "L": 2,
            "o": "42000.00",
            "c": f"{close:.2f}",
            "h": "42100.00",
            "l": "41900.00",
            "v": "12.5",
            "n": 10,
            "x": final,
            "q": "525000.0",
            "V": "6.0",
            "Q": "252000.0",
            "B": "0",
        },
    }


STREAM = [
    kline_message(T0, 42010.0, False),
    kline_message(T0, 42020.0, False),
    kline_message(T0, 42030.0, True),
    kline_message(T0 + MINUTE_MS, 42040.0, False),
    kline_message(T0 + MINUTE_MS, 42050.0, True),
    kline_message(T0 + 2 * MINUTE_MS, 42060.0, False),
]


@pytest.fixture
def stream_url() -> Iterator[str]:
    ready = threading.Event()
    address: dict[str, str] = {}
    stop: dict[str, asyncio.Future[None]] = {}

    async def handler(connection: ServerConnection) -> None:
        request = json.loads(await connection.recv())
        await connection.send(json.dumps({"result": None, "id": request["id"]}))
        for message in STREAM:
            await connection.send(json.dumps(message))
            await asyncio.sleep(0.02)
        await connection.wait_closed()

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            address["url"] = f"ws://127.0.0.1:{port}"
            stop["future"] = asyncio.get_running_loop().create_future()
            ready.set()
            await stop["future"]

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield address["url"]
    finally:
        loop.call_soon_threadsafe(stop["future"].set_result, None)
        thread.join(5)
        loop.close()


def test_ws_feed_when_candles_stream_then_each_closed_candle_once_at_its_close(
    stream_url: str,
) -> None:
    state = BinanceState(Decimal("42000"), {"USDT": Decimal("1000")})
    with serve_binance(state) as rest_url:
        exchange = open_ws_exchange("binance", rest_url, stream_url)
        stop = threading.Event()
        feed = WebsocketCandleFeed(exchange, "BTC/USDT", "1m", stop, max_bars=2)

        bars = list(feed)
        feed.join()

    assert [b.ts_event for b in bars] == [
        (T0 + MINUTE_MS) * 1_000_000,
        (T0 + 2 * MINUTE_MS) * 1_000_000,
    ]
    assert [b.close for b in bars] == [42030.0, 42050.0]
