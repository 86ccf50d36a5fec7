"""Identifiers. Client order ids are deterministic per run so that a replay of the same
run produces the same ids, and unique across runs because they carry the run id."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import NewType

ClientOrderId = NewType("ClientOrderId", str)
VenueOrderId = NewType("VenueOrderId", str)
TradeId = NewType("TradeId", str)


def new_run_id(now: datetime | None = None, suffix: str | None = None) -> str:
    """A sortable, unique run id such as ``20261121T023000Z-3fa9c2``."""
    moment = (now or datetime.now(tz=UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{suffix or secrets.token_hex(3)}"


class ClientOrderIdGenerator:
    """Hands out ``<prefix>-<sequence>`` ids; the sequence can be restored after a restart."""

    def __init__(self, prefix: str, start: int = 0) -> None:
        if not prefix or any(ch.isspace() for ch in prefix):
            raise ValueError(f"client order id prefix must be non-empty without spaces: {prefix!r}")
        self._prefix = prefix
        self._sequence = start

    @property
    def sequence(self) -> int:
        return self._sequence

    def next_id(self) -> ClientOrderId:
        self._sequence += 1
        return ClientOrderId(f"{self._prefix}-{self._sequence}")
