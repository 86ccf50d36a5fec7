"""The body limit refuses a declared or a streamed oversize body with 413 before the
handler sees it; request ids are taken from a sane client header or generated."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import CollectorRegistry

from ai_trader.observability.metrics import TradingMetrics
from ai_trader.service.middleware import BodySizeLimitMiddleware, RequestContextMiddleware


async def echo_length(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def call(app: Any, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> list[Any]:
    sent: list[Any] = []
    queue = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> Any:
        return queue.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent


def test_body_limit_when_declared_length_too_big_then_413_without_reading() -> None:
    app = BodySizeLimitMiddleware(echo_length, max_bytes=10)

    sent = call(app, [b"x" * 5], [(b"content-length", b"11")])

    assert sent[0]["status"] == 413
    assert b"larger than 10 bytes" in sent[1]["body"]


def test_body_limit_when_streamed_chunks_exceed_then_413() -> None:
    app = BodySizeLimitMiddleware(echo_length, max_bytes=10)

    sent = call(app, [b"x" * 6, b"x" * 6], [])

    assert sent[0]["status"] == 413


def test_body_limit_when_within_then_handler_answers() -> None:
    app = BodySizeLimitMiddleware(echo_length, max_bytes=10)

    sent = call(app, [b"x" * 4, b"x" * 6], [])

    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"10"


def test_request_id_when_header_sane_then_echoed_else_generated() -> None:
    app = RequestContextMiddleware(echo_length, TradingMetrics(CollectorRegistry()))

    given = call(app, [b""], [(b"x-request-id", b"trace-42")])
    weird = call(app, [b""], [(b"x-request-id", b"bad id with spaces")])

    assert (b"x-request-id", b"trace-42") in given[0]["headers"]
    generated = dict(weird[0]["headers"])[b"x-request-id"]
    assert generated != b"bad id with spaces"
    assert len(generated) == 32
