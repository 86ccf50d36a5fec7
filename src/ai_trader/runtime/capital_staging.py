"""Capital staging (SPEC RSK-3): trade 10, 20, 30, 50, 70 or 100 % of the capital.

``risk:capital_effective`` holds the fraction in use (0..1). A change is requested with
who approved it and why, and is refused:

- for a stage that is not one of :data:`STAGES` (``ConfigurationError``), or without an
  approver or a reason (``ConfigurationError``);
- while the SLO tier is ``C`` (``StagingRefusedError``): staging is disabled then, in
  either direction — to cut risk at once, halt trading (``ai-trader mode halt``);
- going up more than one stage at a time (``StagingRefusedError``): 10 → 20 → 30, never
  10 → 30. Going down by any amount is allowed.

A change writes an ``audit_events`` row (action ``capital_stage_change``, payload
``{"from", "to", "slo_tier"}`` in percent) first, then the fraction and its approval
(``risk:capital_stage``, a hash) in one state-store write. Should the state write fail, a
``capital_stage_change_failed`` row follows, so the audit trail never claims a change that
did not happen without saying so.

    AiTraderError
    ├── ConfigurationError      bad stage, missing approver or reason, unknown SLO tier
    └── StagingRefusedError     well-formed but not allowed now (tier C, too big a step up)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from ai_trader.adapters.db.models import AuditEventRow
from ai_trader.adapters.db.repositories import Repository
from ai_trader.adapters.state import RuntimeState, keys
from ai_trader.core.clock import Clock
from ai_trader.core.errors import AiTraderError, ConfigurationError

logger = logging.getLogger(__name__)

STAGES: Final[tuple[int, ...]] = (10, 20, 30, 50, 70, 100)
"""The allowed stages, percent of capital."""

STAGE_KEY: Final = "risk:capital_stage"
"""Hash beside ``risk:capital_effective``: ``fraction``, ``approved_by``, ``approved_at``
(ISO 8601 UTC) and ``reason`` of the change that set it."""

ACTION: Final = "capital_stage_change"
FAILED_ACTION: Final = "capital_stage_change_failed"
SLO_TIERS: Final = ("A", "B", "C")
LIVE_DEFAULT_FRACTION: Final = Decimal("0.1")
PAPER_DEFAULT_FRACTION: Final = Decimal(1)
_HUNDRED = Decimal(100)
_ALLOWED = ", ".join(str(stage) for stage in STAGES)


class StagingRefusedError(AiTraderError):
    """The stage change is well formed but not allowed now; the message says why."""


@dataclass(frozen=True, slots=True)
class StageView:
    """The capital in use. ``approved_*`` and ``reason`` are ``None`` when the fraction
    was never set through staging (the default) or was set by hand since."""

    fraction: Decimal
    approved_by: str | None
    approved_at: datetime | None
    reason: str | None
    is_default: bool = False

    @property
    def percent(self) -> Decimal:
        return (self.fraction * _HUNDRED).normalize()


@dataclass(frozen=True, slots=True)
class StageChange:
    """One recorded change, from the audit trail."""

    from_percent: Decimal
    to_percent: Decimal
    approved_by: str
    approved_at: datetime
    reason: str
    slo_tier: str


class CapitalStaging:
    """Reads and changes the capital stage; see the module docstring for the rules."""

    def __init__(
        self,
        state: RuntimeState,
        audit: Repository[AuditEventRow],
        clock: Clock,
        *,
        default_fraction: Decimal = LIVE_DEFAULT_FRACTION,
    ) -> None:
        default = Decimal(default_fraction)
        if not (default.is_finite() and 0 <= default <= 1):
            raise ConfigurationError(
                f"default_fraction must be from 0 to 1, got {default_fraction!r}"
            )
        self._state = state
        self._audit = audit
        self._clock = clock
        self._default = default

    def current(self) -> StageView:
        if self._state.store.get(keys.CAPITAL_EFFECTIVE) is None:
            return StageView(self._default, None, None, None, is_default=True)
        fraction = Decimal(repr(self._state.capital_effective))
        approval = self._state.store.get_hash(STAGE_KEY)
        if not approval or _fraction(approval.get("fraction")) != fraction:
            return StageView(fraction, None, None, None)
        return StageView(
            fraction,
            approval.get("approved_by"),
            _parse_time(approval.get("approved_at")),
            approval.get("reason"),
        )

    def request(
        self, stage_percent: int, approved_by: str, reason: str, slo_tier: str
    ) -> StageView:
        """Move to ``stage_percent`` or raise; see the module docstring."""
        target = _check_request(stage_percent, approved_by, reason, slo_tier)
        before = self.current()
        _check_allowed(before.percent, target, slo_tier)
        now = self._clock.utc_now()
        payload: dict[str, object] = {
            "from": _number(before.percent),
            "to": target,
            "slo_tier": slo_tier,
        }
        self._audit.add(_row(now, approved_by.strip(), ACTION, reason.strip(), payload))
        fraction = Decimal(target) / _HUNDRED
        try:
            self._state.store.set_many(
                {
                    keys.CAPITAL_EFFECTIVE: repr(float(fraction)),
                    STAGE_KEY: {
                        "fraction": str(fraction),
                        "approved_by": approved_by.strip(),
                        "approved_at": now.isoformat(timespec="microseconds"),
                        "reason": reason.strip(),
                    },
                }
            )
        except Exception as exc:
            self._record_failure(approved_by.strip(), payload, exc)
            raise
        logger.warning(
            "capital stage %s%% → %d%% approved by %s (SLO tier %s): %s",
            _number(before.percent),
            target,
            approved_by.strip(),
            slo_tier,
            reason.strip(),
        )
        return self.current()

    def history(self, limit: int = 10) -> list[StageChange]:
        """The newest ``limit`` stage changes, newest first."""
        if limit < 1:
            raise ConfigurationError(f"limit must be at least 1, got {limit}")
        window = limit * 4
        while True:
            rows = self._audit.list_recent(window)
            changes = [_change(row) for row in rows if row.action == ACTION]
            if len(changes) >= limit or len(rows) < window:
                return changes[:limit]
            window *= 4

    def effective_capital(self, total_capital: Decimal) -> Decimal:
        """The part of ``total_capital`` the current stage allows."""
        return Decimal(total_capital) * self.current().fraction

    def _record_failure(self, actor: str, payload: dict[str, object], error: Exception) -> None:
        logger.error("capital stage change not applied: %s", error)
        try:
            row = _row(self._clock.utc_now(), actor, FAILED_ACTION, str(error), payload)
            self._audit.add(row)
        except Exception:
            logger.exception("could not record the failed capital stage change")


def next_stage_up(percent: Decimal) -> int | None:
    """The one stage a request may go up to from ``percent``; ``None`` at 100 %."""
    return next((stage for stage in STAGES if stage > percent), None)


def _check_request(stage_percent: int, approved_by: str, reason: str, slo_tier: str) -> int:
    if isinstance(stage_percent, bool) or stage_percent not in STAGES:
        raise ConfigurationError(
            f"capital stage {stage_percent!r}% is not allowed; stages: {_ALLOWED} (percent)"
        )
    if not approved_by or not approved_by.strip():
        raise ConfigurationError("a capital stage change needs an approver (approved_by)")
    if not reason or not reason.strip():
        raise ConfigurationError("a capital stage change needs a reason")
    if slo_tier not in SLO_TIERS:
        raise ConfigurationError(f"unknown SLO tier {slo_tier!r}; allowed: A, B, C")
    return int(stage_percent)


def _check_allowed(current: Decimal, target: int, slo_tier: str) -> None:
    if slo_tier == "C":
        raise StagingRefusedError(
            "capital staging is disabled while the SLO tier is C; restore the SLOs first "
            "(to cut risk now, halt trading: ai-trader mode halt)"
        )
    step = next_stage_up(current)
    if target > current and step is not None and target > step:
        raise StagingRefusedError(
            f"capital may go up one stage at a time: from {_number(current)}% the next "
            f"stage is {step}%, not {target}% (going down is always allowed)"
        )


def _row(
    now: datetime, actor: str, action: str, reason: str, payload: dict[str, object]
) -> AuditEventRow:
    return AuditEventRow(timestamp=now, actor=actor, action=action, reason=reason, payload=payload)


def _change(row: AuditEventRow) -> StageChange:
    payload = row.payload
    return StageChange(
        from_percent=Decimal(str(payload.get("from"))),
        to_percent=Decimal(str(payload.get("to"))),
        approved_by=row.actor,
        approved_at=row.timestamp,
        reason=row.reason,
        slo_tier=str(payload.get("slo_tier")),
    )


def _number(percent: Decimal) -> int | str:
    """A percent for JSON and messages: an int when whole, else its decimal string."""
    return int(percent) if percent == percent.to_integral_value() else str(percent)


def _fraction(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text is not None else None
    except ArithmeticError:
        return None


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
