"""Auto-healing snapshots (SPEC EXE-5).

When the executor fails, the service writes what it needs to bring it back —
``state/auto_heal/trading_executor.json``: the execution mode, the venue, the testnet flag,
the configuration without secrets, the error and the time — then rebuilds the executor from
it (recovery runs again before any order) and swaps it in. A snapshot left by a process that
died is replayed on the next start. ``ai-trader heal list|clear|replay`` manage them.

Snapshots never hold secrets: the configuration is stored redacted (``Settings.redacted``)
and keys are read again from the environment or the encrypted secrets file when replayed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.core.files import write_atomically

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path("state") / "auto_heal"
TRADING_EXECUTOR = "trading_executor"
COMPONENTS = (TRADING_EXECUTOR,)
SECRET_MARKERS = ("key", "secret", "token", "password", "passphrase")


@dataclass(frozen=True, slots=True)
class HealSnapshot:
    component: str
    exec_mode: str
    dry_run: bool
    venue: str
    testnet: bool
    config: dict[str, Any]
    error_type: str
    error_message: str
    created_at: str
    heals: int = 0
    replayed_at: str | None = None
    history: list[dict[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        state = f"replayed {self.replayed_at}" if self.replayed_at else "pending"
        return (
            f"{self.component}: {self.venue} ({self.exec_mode}, dry run {self.dry_run}), "
            f"{self.error_type}: {self.error_message} at {self.created_at}, {state}"
        )


class AutoHealStore:
    def __init__(self, directory: Path = DEFAULT_DIRECTORY) -> None:
        self.directory = directory

    def path(self, component: str) -> Path:
        _check_component(component)
        return self.directory / f"{component}.json"

    def record_failure(
        self,
        component: str,
        error: BaseException,
        *,
        exec_mode: str,
        dry_run: bool,
        venue: str,
        testnet: bool,
        config: Mapping[str, Any],
    ) -> HealSnapshot:
        """Write (or update) the snapshot for ``component`` after ``error``."""
        previous = self.get(component)
        now = datetime.now(UTC).isoformat()
        history = list(previous.history) if previous else []
        history.append({"at": now, "error": f"{type(error).__name__}: {error}"})
        snapshot = HealSnapshot(
            component=component,
            exec_mode=exec_mode,
            dry_run=dry_run,
            venue=venue,
            testnet=testnet,
            config=_without_secrets(config),
            error_type=type(error).__name__,
            error_message=str(error)[:500],
            created_at=now,
            heals=(previous.heals if previous else 0),
            history=history[-20:],
        )
        self._write(snapshot)
        logger.error("auto-heal: %s failed (%s); snapshot written", component, error)
        return snapshot

    def mark_replayed(self, component: str) -> HealSnapshot:
        snapshot = self.require(component)
        done = HealSnapshot(
            **{
                **asdict(snapshot),
                "heals": snapshot.heals + 1,
                "replayed_at": datetime.now(UTC).isoformat(),
            }
        )
        self._write(done)
        return done

    def get(self, component: str) -> HealSnapshot | None:
        path = self.path(component)
        if not path.exists():
            return None
        try:
            return HealSnapshot(**json.loads(path.read_text("utf-8")))
        except (ValueError, TypeError) as exc:
            raise DataError(f"auto-heal snapshot {path} is unreadable: {exc}") from None

    def require(self, component: str) -> HealSnapshot:
        snapshot = self.get(component)
        if snapshot is None:
            raise ConfigurationError(f"no auto-heal snapshot for {component} in {self.directory}")
        return snapshot

    def pending(self, component: str) -> HealSnapshot | None:
        snapshot = self.get(component)
        return snapshot if snapshot is not None and snapshot.replayed_at is None else None

    def list(self) -> list[HealSnapshot]:
        return [s for c in COMPONENTS if (s := self.get(c)) is not None]

    def clear(self, component: str | None = None) -> int:
        components = [component] if component else list(COMPONENTS)
        removed = 0
        for name in components:
            path = self.path(name)
            if path.exists():
                path.unlink()
                removed += 1
        return removed

    def _write(self, snapshot: HealSnapshot) -> None:
        text = json.dumps(asdict(snapshot), indent=2, sort_keys=True) + "\n"
        write_atomically(self.path(snapshot.component), text.encode("utf-8"), 0o600)


def _check_component(component: str) -> None:
    if component not in COMPONENTS:
        raise ConfigurationError(f"unknown component {component!r}; known: {', '.join(COMPONENTS)}")


def _without_secrets(config: Mapping[str, Any]) -> dict[str, Any]:
    """Drop anything named like a secret, whatever the caller already redacted."""
    return {
        key: value
        for key, value in config.items()
        if not any(marker in key.lower() for marker in SECRET_MARKERS)
    }
