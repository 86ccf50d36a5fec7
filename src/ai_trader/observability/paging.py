"""Paging webhooks (SPEC OPS-3): a JSON POST per page, retried with exponential backoff on a
worker thread so the trading loop never waits for the network.

``Pager.page(severity, payload)`` only enqueues (a full queue drops the page and says so).
Each delivery outcome is logged, counted in ``ai_trader_paging_deliveries_total`` and, when
``outcomes_path`` is given, appended to it as a JSON line.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

logger = logging.getLogger(__name__)

SEVERITY_RANK = {"warning": 1, "critical": 2}
QUEUE_SIZE = 1000


class _RetryableError(Exception):
    """A delivery that may succeed when tried again (network error, 429 or 5xx)."""


@dataclass(frozen=True, slots=True)
class PagingConfig:
    enabled: bool
    webhook_url: str | None
    min_severity: str = "critical"
    attempts: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class Delivery:
    delivered: bool
    attempts: int
    status_code: int | None
    error: str | None


class Pager:
    def __init__(
        self,
        config: PagingConfig,
        *,
        on_outcome: Callable[[bool], None] | None = None,
        outcomes_path: Path | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._config = config
        self._on_outcome = on_outcome
        self._outcomes_path = outcomes_path
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(QUEUE_SIZE)
        self._client = httpx.Client(timeout=config.timeout_seconds, transport=transport)
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self._config.enabled and self._config.webhook_url is not None

    def wants(self, severity: str) -> bool:
        minimum = SEVERITY_RANK[self._config.min_severity]
        return self.enabled and SEVERITY_RANK.get(severity, 0) >= minimum

    def page(self, severity: str, payload: dict[str, Any]) -> bool:
        """Queue a page when paging is on and ``severity`` reaches the minimum; never blocks."""
        if not self.wants(severity):
            return False
        self._start()
        try:
            self._queue.put_nowait({"severity": severity, **payload})
        except queue.Full:
            logger.error("paging queue full: page dropped: %s", payload.get("title"))
            return False
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (up to ``timeout``), then stop the worker."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
        self._client.close()

    def deliver(self, body: dict[str, Any]) -> Delivery:
        """POST ``body`` with retries; the outcome, never an exception."""
        url = self._config.webhook_url
        if url is None:
            return Delivery(False, 0, None, "no webhook URL")
        retrying = Retrying(
            stop=stop_after_attempt(self._config.attempts),
            wait=wait_exponential(
                multiplier=self._config.backoff_seconds, max=self._config.max_backoff_seconds
            ),
            retry=retry_if_exception_type(_RetryableError),
            reraise=False,
        )
        status: int | None = None
        try:
            for attempt in retrying:
                with attempt:
                    status = self._post(url, body)
        except RetryError as exc:
            error = exc.last_attempt.exception()
            return Delivery(False, exc.last_attempt.attempt_number, status, str(error))
        except httpx.HTTPStatusError as exc:  # 4xx: the receiver refused it, do not retry
            return Delivery(False, 1, exc.response.status_code, str(exc))
        attempts = retrying.statistics.get("attempt_number", 1)
        return Delivery(True, attempts, status, None)

    def _post(self, url: str, body: dict[str, Any]) -> int:
        try:
            response = self._client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise _RetryableError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetryableError(f"HTTP {response.status_code}")
        response.raise_for_status()
        return response.status_code

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="pager", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            body = self._queue.get()
            if body is None:
                return
            outcome = self.deliver(body)
            self._record(body, outcome)

    def _record(self, body: dict[str, Any], outcome: Delivery) -> None:
        title = body.get("title")
        if outcome.delivered:
            logger.info("page delivered after %d attempt(s): %s", outcome.attempts, title)
        else:
            logger.error(
                "PAGE NOT DELIVERED after %d attempt(s): %s (%s)",
                outcome.attempts,
                title,
                outcome.error,
            )
        if self._on_outcome is not None:
            self._on_outcome(outcome.delivered)
        if self._outcomes_path is not None:
            line = {
                "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
                "event_type": "page_delivered" if outcome.delivered else "page_failed",
                "incident_id": body.get("incident_id"),
                "severity": body.get("severity"),
                "attempts": outcome.attempts,
                "status_code": outcome.status_code,
                "error": outcome.error,
            }
            self._outcomes_path.parent.mkdir(parents=True, exist_ok=True)
            with self._outcomes_path.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(line) + "\n")
