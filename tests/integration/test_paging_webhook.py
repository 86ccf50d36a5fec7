"""Pages reach a real webhook receiver on 127.0.0.1: retried on 5xx and network errors, not on
4xx, never blocking the caller, each outcome recorded."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ai_trader.observability.paging import Pager, PagingConfig


class Receiver:
    """A webhook receiver answering with the queued status codes (then 200)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.bodies.append(body)
                    receiver.received.set()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def make_pager(url: str | None, tmp_path: Path, outcomes: list[bool], **kw: Any) -> Pager:
    config = PagingConfig(
        enabled=True,
        webhook_url=url,
        backoff_seconds=0.01,
        max_backoff_seconds=0.05,
        attempts=kw.pop("attempts", 4),
        min_severity=kw.pop("min_severity", "critical"),
    )
    return Pager(config, on_outcome=outcomes.append, outcomes_path=tmp_path / "pages.jsonl")


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_critical_incident_is_posted_as_json(receiver: Receiver, tmp_path: Path) -> None:
    outcomes: list[bool] = []
    pager = make_pager(receiver.url, tmp_path, outcomes)

    assert pager.page("critical", {"incident_id": "INC-0001", "title": "reconciliation"})
    pager.close()

    assert receiver.bodies == [
        {"severity": "critical", "incident_id": "INC-0001", "title": "reconciliation"}
    ]
    assert outcomes == [True]
    assert read(tmp_path / "pages.jsonl")[0]["event_type"] == "page_delivered"


def test_server_errors_are_retried_with_backoff(receiver: Receiver, tmp_path: Path) -> None:
    receiver.statuses = [500, 503, 429]
    outcomes: list[bool] = []
    pager = make_pager(receiver.url, tmp_path, outcomes)

    pager.page("critical", {"title": "x"})
    pager.close()

    assert len(receiver.bodies) == 1
    assert read(tmp_path / "pages.jsonl")[0]["attempts"] == 4
    assert outcomes == [True]


def test_a_refusal_is_not_retried(receiver: Receiver, tmp_path: Path) -> None:
    receiver.statuses = [403, 200]
    outcomes: list[bool] = []
    pager = make_pager(receiver.url, tmp_path, outcomes)

    pager.page("critical", {"title": "x"})
    pager.close()

    assert receiver.bodies == []
    event = read(tmp_path / "pages.jsonl")[0]
    assert (event["event_type"], event["attempts"], event["status_code"]) == (
        "page_failed",
        1,
        403,
    )
    assert outcomes == [False]


def test_an_unreachable_receiver_fails_after_every_attempt(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcomes: list[bool] = []
    pager = make_pager(f"http://127.0.0.1:{port}/hook", tmp_path, outcomes, attempts=3)

    pager.page("critical", {"title": "x"})
    pager.close()

    event = read(tmp_path / "pages.jsonl")[0]
    assert event["event_type"] == "page_failed"
    assert event["attempts"] == 3
    assert "ConnectError" in event["error"]
    assert outcomes == [False]


def test_paging_never_blocks_the_caller(receiver: Receiver, tmp_path: Path) -> None:
    receiver.delay = 0.2
    pager = make_pager(receiver.url, tmp_path, [])

    started = time.perf_counter()
    for number in range(5):
        pager.page("critical", {"title": f"page {number}"})
    queued_in = time.perf_counter() - started
    assert receiver.received.wait(5)
    pager.close(timeout=10)

    assert queued_in < 0.15  # five pages queued while the receiver takes 0.2 s each
    assert [body["title"] for body in receiver.bodies] == [f"page {n}" for n in range(5)]


def test_severity_below_the_minimum_is_not_paged(receiver: Receiver, tmp_path: Path) -> None:
    critical_only = make_pager(receiver.url, tmp_path, [])
    with_warnings = make_pager(receiver.url, tmp_path, [], min_severity="warning")

    assert not critical_only.page("warning", {"title": "stale"})
    assert with_warnings.page("warning", {"title": "stale"})
    critical_only.close()
    with_warnings.close()

    assert [body["title"] for body in receiver.bodies] == ["stale"]


def test_disabled_paging_sends_nothing(receiver: Receiver) -> None:
    pager = Pager(PagingConfig(enabled=False, webhook_url=receiver.url))

    assert not pager.page("critical", {"title": "x"})
    pager.close()
    assert receiver.bodies == []
