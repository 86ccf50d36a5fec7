"""Trading modes and the kill switch (SPEC RSK-2).

``auto`` and ``paper`` trade the strategies' signals (on the paper venue while
``EXEC_MODE=paper``); ``manual`` publishes the strategies' signals but trades only what an
operator sends; ``halt`` refuses every new entry — exits, stops and take-profits still
work — with a ``halt_reason`` and, optionally, a time it ends (``trading_halted_until``).

The mode lives in the state store, so another process can change it (``redis-cli set mode
halt``); :meth:`ModeController.sync` picks the change up (the service calls it every loop
tick and every bar). Leaving ``halt`` is an operator resume: entries are allowed again and
the drawdown is measured from the current equity. A halt that reaches its end time resumes
by itself and the mode goes back to what it was before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ai_trader.adapters.state import RuntimeState
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.enums import Mode
from ai_trader.domain.events import Event, TradingResumed
from ai_trader.engine.engine import TradingEngine

logger = logging.getLogger(__name__)

EXTERNAL_HALT_REASON = "mode set to halt in the state store"


@dataclass(frozen=True, slots=True)
class ModeChange:
    mode: Mode
    previous: Mode
    reason: str
    actor: str
    at: datetime


class ModeController:
    """Applies the stored mode to the engine. Call with the engine lock held."""

    def __init__(self, state: RuntimeState, engine: TradingEngine, normal: Mode) -> None:
        self._state = state
        self._engine = engine
        self._normal = normal
        self._resume_to = normal
        self.current = state.mode
        self.last_change: ModeChange | None = None
        self._apply(self.current, self._initial_reason(), actor="startup")

    def _initial_reason(self) -> str:
        halt = self._engine.risk.halt
        return halt.reason if halt is not None else EXTERNAL_HALT_REASON

    # -- reading and changing ---------------------------------------------------------

    def sync(self) -> ModeChange | None:
        """Apply a mode another process wrote to the store; None when unchanged."""
        stored = self._state.mode
        if stored is self.current:
            return None
        return self._apply(stored, EXTERNAL_HALT_REASON, actor="state store")

    def set(
        self, mode: Mode, *, reason: str, actor: str, until: datetime | None = None
    ) -> ModeChange:
        """Change the mode: stored first (so every process sees it), then applied."""
        if until is not None and mode is not Mode.HALT:
            raise ConfigurationError("until applies to the halt mode only")
        now = self._engine.clock.timestamp_ns()
        until_ns = None
        if until is not None:
            if until.tzinfo is None:
                raise ConfigurationError("until must carry a time zone (e.g. 2026-11-21T18:00Z)")
            until_ns = int(until.timestamp() * 1_000_000_000)
            if until_ns <= now:
                raise ConfigurationError(f"until {until.isoformat()} is not in the future")
        self._state.mode = mode
        return self._apply(mode, reason or f"set by {actor}", actor=actor, until_ns=until_ns)

    def on_event(self, event: Event) -> None:
        """A timed halt that ended resumes trading in the mode from before the halt."""
        if isinstance(event, TradingResumed) and self.current is Mode.HALT:
            self._state.mode = self._resume_to
            self._apply(self._resume_to, event.reason, actor="halt expiry")

    # -- internals --------------------------------------------------------------------

    def _apply(
        self, mode: Mode, reason: str, *, actor: str, until_ns: int | None = None
    ) -> ModeChange:
        engine = self._engine
        previous = self.current
        operator = actor not in ("startup", "state store")
        if mode is Mode.HALT:
            if previous is not Mode.HALT:
                self._resume_to = previous
            if engine.risk.halt is None or operator or until_ns is not None:
                engine.halt_entries(reason, until_ns)
            engine.strategy_orders_enabled = True  # strategies may still exit
        else:
            # Current first: the TradingResumed this emits is a chosen exit from the halt,
            # not a timed halt ending (on_event would put the pre-halt mode back).
            self.current = mode
            if (previous is Mode.HALT or operator) and engine.risk.halt is not None:
                engine.resume_entries(f"mode {mode.value} ({actor})")
            engine.strategy_orders_enabled = mode is not Mode.MANUAL
        self.current = mode
        change = ModeChange(
            mode, previous, reason, actor, ns_to_datetime(engine.clock.timestamp_ns())
        )
        if mode is not previous or actor != "startup":
            self.last_change = change
            logger.warning(
                "mode %s → %s by %s%s",
                previous.value,
                mode.value,
                actor,
                f": {reason}" if mode is Mode.HALT else "",
            )
        return change
