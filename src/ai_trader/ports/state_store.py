"""Runtime state port (mode, risk stats, heartbeats), keyed by the runbook's key names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable


@runtime_checkable
class StateStore(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def get_hash(self, key: str) -> Mapping[str, str]: ...

    def set_hash(self, key: str, values: Mapping[str, str]) -> None: ...

    def set_many(self, values: Mapping[str, str | Mapping[str, str]]) -> None:
        """Write several keys at once (a mapping value replaces a hash): one atomic write
        of the file, one MULTI/EXEC in Redis."""
        ...
