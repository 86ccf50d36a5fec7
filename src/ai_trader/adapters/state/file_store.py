"""A :class:`~ai_trader.ports.state_store.StateStore` kept in one JSON file.

The file (``data/bot_state.json`` by convention; the caller chooses) holds one JSON object:
a string value per plain key, a JSON object of strings per hash key::

    {"mode": "paper", "risk:stats": {"drawdown": "0.012"}}

Every write is atomic: the new content goes to a temporary file in the same directory,
which is flushed and ``fsync``-ed, then ``os.replace``-d over the old file, then the
directory is ``fsync``-ed. A reader sees the old file or the new one, never half of one.

A corrupt or unreadable file found when reading is moved aside to ``<name>.corrupt``
(``<name>.corrupt.<UTC timestamp>`` if that exists), reported by a logging warning and by
:attr:`FileStateStore.recovered_from_corruption`, and the store starts empty or from what
the ``on_corrupt`` callable returns. It does not raise.

Threads may share one store (a lock serialises operations). Several processes may read
the file (reads notice a file replaced by someone else), but only one should write it:
for several writing processes use Redis.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from ai_trader.adapters.state._values import check_hash, check_key, check_value
from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.core.files import write_atomically

logger = logging.getLogger(__name__)

Recover = Callable[[Path], Mapping[str, object]]
"""Called with the moved-aside corrupt file; returns the state to start from."""

_Entry = str | dict[str, str]
_FileId = tuple[int, int, int]


def _parse(document: object, origin: str) -> dict[str, _Entry]:
    """Check the shape of a decoded state document; raise :class:`DataError` if wrong."""
    if not isinstance(document, Mapping):
        raise DataError(f"{origin}: the state must be a JSON object, got {type(document).__name__}")
    state: dict[str, _Entry] = {}
    for key, value in document.items():
        if not isinstance(key, str):
            raise DataError(f"{origin}: key {key!r} is not a string")
        if isinstance(value, str):
            state[key] = value
        elif isinstance(value, Mapping) and all(
            isinstance(f, str) and isinstance(v, str) for f, v in value.items()
        ):
            state[key] = dict(value)
        else:
            raise DataError(f"{origin}: value of {key!r} must be a string or an object of strings")
    return state


class FileStateStore:
    """Runtime state in a JSON file, written atomically; see the module docstring."""

    def __init__(self, path: Path, *, on_corrupt: Recover | None = None) -> None:
        self._path = Path(path)
        self._on_corrupt = on_corrupt
        self._lock = threading.RLock()
        self._state: dict[str, _Entry] = {}
        self._file_id: _FileId | None = None
        self.recovered_from_corruption: Path | None = None
        """Where a corrupt state file was moved to, or ``None`` if none was found."""
        with self._lock:
            self._refresh()

    @property
    def path(self) -> Path:
        return self._path

    # -- the StateStore port ----------------------------------------------------------

    def get(self, key: str) -> str | None:
        check_key(key)
        with self._lock:
            self._refresh()
            value = self._state.get(key)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        check_key(key)
        self._update(key, check_value(key, value))

    def delete(self, key: str) -> None:
        check_key(key)
        self._update(key, None)

    def get_hash(self, key: str) -> Mapping[str, str]:
        check_key(key)
        with self._lock:
            self._refresh()
            value = self._state.get(key)
        return dict(value) if isinstance(value, dict) else {}

    def set_hash(self, key: str, values: Mapping[str, str]) -> None:
        check_key(key)
        checked = check_hash(key, values)
        self._update(key, checked or None)

    def set_many(self, values: Mapping[str, str | Mapping[str, str]]) -> None:
        checked: dict[str, _Entry | None] = {}
        for key, value in values.items():
            check_key(key)
            if isinstance(value, str):
                checked[key] = check_value(key, value)
            else:
                checked[key] = check_hash(key, value) or None
        with self._lock:
            self._refresh()
            state = dict(self._state)
            for key, entry in checked.items():
                if entry is None:
                    state.pop(key, None)
                else:
                    state[key] = entry
            self._write(state)
            self._state = state

    # -- writing ----------------------------------------------------------------------

    def _update(self, key: str, value: _Entry | None) -> None:
        with self._lock:
            self._refresh()
            state = dict(self._state)
            if value is None:
                if key not in state:
                    return
                del state[key]
            else:
                state[key] = value
            self._write(state)
            self._state = state

    def _write(self, state: Mapping[str, _Entry]) -> None:
        """Replace the file with ``state`` atomically; the old file survives any failure."""
        content = json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        write_atomically(self._path, content.encode("utf-8"))
        self._file_id = self._identify()

    # -- reading ----------------------------------------------------------------------

    def _identify(self) -> _FileId | None:
        try:
            status = self._path.stat()
        except FileNotFoundError:
            return None
        return (status.st_ino, status.st_mtime_ns, status.st_size)

    def _refresh(self) -> None:
        """Reload the file if it changed since this store last read or wrote it."""
        file_id = self._identify()
        if file_id is None:
            self._state, self._file_id = {}, None
            return
        if file_id == self._file_id:
            return
        try:
            text = self._path.read_text(encoding="utf-8")
            self._state = _parse(json.loads(text), str(self._path))
            self._file_id = file_id
        except (OSError, ValueError, DataError) as exc:
            self._recover(exc)

    def _recover(self, error: Exception) -> None:
        aside = self._move_aside()
        state: dict[str, _Entry] = {}
        if self._on_corrupt is not None:
            state = _parse(self._on_corrupt(aside), f"state recovered from {aside}")
        logger.warning(
            "State file %s is corrupt or unreadable (%s); moved it to %s and started %s",
            self._path,
            error,
            aside,
            "from the recovered state" if self._on_corrupt is not None else "empty",
        )
        self.recovered_from_corruption = aside
        self._write(state)
        self._state = state

    def _move_aside(self) -> Path:
        aside = self._path.with_name(f"{self._path.name}.corrupt")
        if aside.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            aside = self._path.with_name(f"{self._path.name}.corrupt.{stamp}")
        try:
            os.replace(self._path, aside)
        except OSError as exc:
            raise ConfigurationError(
                f"state file {self._path} is corrupt and could not be moved to {aside}: {exc}"
            ) from exc
        return aside
