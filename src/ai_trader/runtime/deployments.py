"""Blue/green (canary) strategy deployments (SPEC RSK-4).

Two named configurations, ``config_dir/blue.toml`` and ``config_dir/green.toml``, each
holding one strategy section::

    [strategy]
    name = "sma_cross"
    risk_per_trade = 0.005      # 0.001 .. 0.05, as the setting of the same name

    [strategy.params]
    fast = 10
    slow = 30

``mode:active_color`` says which one trades (``blue`` when never set). ``switch(to, …)``
activates a colour and ``rollback(…)`` goes back to the other one at once; both are
refused (``ConfigurationError`` naming the colour and the problem) when the colour's file
is missing or invalid — unknown keys, a strategy that does not exist, a bad parameter —
so an invalid configuration can never become active. Each change writes an
``audit_events`` row first (action ``canary_switch`` or ``canary_rollback``, payload
``{"from", "to"}``), then the colour. Switching to the colour already active changes and
records nothing (``Switch.changed`` is false).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ai_trader.adapters.db.models import AuditEventRow
from ai_trader.adapters.db.repositories import Repository
from ai_trader.adapters.state import Color, RuntimeState
from ai_trader.adapters.state.runtime_state import COLORS
from ai_trader.config.config_file import read_config
from ai_trader.core.clock import Clock
from ai_trader.core.errors import ConfigurationError
from ai_trader.runtime.spec import SessionSpec, build_spec, describe_validation_error

logger = logging.getLogger(__name__)

SWITCH_ACTION: Final = "canary_switch"
ROLLBACK_ACTION: Final = "canary_rollback"


class StrategySection(BaseModel):
    """The ``[strategy]`` table of a deployment file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    risk_per_trade: float = Field(0.01, ge=0.001, le=0.05)


class DeploymentConfig(BaseModel):
    """One colour's file: a strategy section and nothing else."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: StrategySection

    def apply_to(self, spec: SessionSpec) -> SessionSpec:
        """``spec`` trading this deployment's strategy, parameters and per-trade risk."""
        values = spec.model_dump(exclude={"strategy", "params", "sizing"})
        return build_spec(
            **values,
            strategy=self.strategy.name,
            params=dict(self.strategy.params),
            sizing=f"risk:{self.strategy.risk_per_trade}",
        )


@dataclass(frozen=True, slots=True)
class Switch:
    """A change of the active colour (``changed`` false: it was active already)."""

    from_color: Color
    to_color: Color
    actor: str
    reason: str
    at: datetime
    config: DeploymentConfig
    changed: bool = True


@dataclass(frozen=True, slots=True)
class ColorDescription:
    """One colour: its file, whether it is active, its configuration or its problem."""

    color: Color
    path: Path
    active: bool
    config: DeploymentConfig | None
    problem: str | None


class Deployments:
    """The two colours and the switch between them; see the module docstring."""

    def __init__(
        self,
        state: RuntimeState,
        audit: Repository[AuditEventRow],
        config_dir: Path,
        clock: Clock,
    ) -> None:
        self._state = state
        self._audit = audit
        self._config_dir = Path(config_dir)
        self._clock = clock

    def path(self, color: Color) -> Path:
        return self._config_dir / f"{_check_color(color)}.toml"

    def load(self, color: Color) -> DeploymentConfig:
        """The colour's validated configuration, or ``ConfigurationError`` saying why not."""
        path = self.path(color)
        if not path.is_file():
            raise _invalid(color, path, "the file does not exist")
        try:
            config = DeploymentConfig.model_validate(read_config(path))
        except ValidationError as exc:
            raise _invalid(color, path, describe_validation_error(exc)) from None
        except ConfigurationError as exc:
            problem = str(exc).removeprefix(f"config file {path}: ")
            raise _invalid(color, path, problem) from None
        section = config.strategy
        try:
            spec = build_spec(
                strategy=section.name,
                params=dict(section.params),
                sizing=f"risk:{section.risk_per_trade}",
            )
            spec.validate_strategy()
        except ConfigurationError as exc:
            raise _invalid(color, path, str(exc)) from None
        return config

    def active(self) -> Color:
        return self._state.active_color

    def active_config(self) -> DeploymentConfig:
        return self.load(self.active())

    def switch(self, to: Color, actor: str, reason: str) -> Switch:
        """Activate ``to`` after checking its configuration; audited."""
        return self._change(_check_color(to), actor, reason, SWITCH_ACTION)

    def rollback(self, actor: str, reason: str) -> Switch:
        """Go back to the other colour at once (its configuration is checked too)."""
        return self._change(_other(self.active()), actor, reason, ROLLBACK_ACTION)

    def describe(self) -> tuple[ColorDescription, ...]:
        active = self.active()
        described = []
        for color in COLORS:
            config: DeploymentConfig | None = None
            problem: str | None = None
            try:
                config = self.load(color)
            except ConfigurationError as exc:
                problem = str(exc)
            described.append(
                ColorDescription(color, self.path(color), color == active, config, problem)
            )
        return tuple(described)

    def _change(self, to: Color, actor: str, reason: str, action: str) -> Switch:
        actor, reason = _required(actor, "an actor"), _required(reason, "a reason")
        config = self.load(to)
        before = self.active()
        now = self._clock.utc_now()
        if before == to:
            logger.info("deployment %s is already active; nothing to switch", to)
            return Switch(before, to, actor, reason, now, config, changed=False)
        self._audit.add(
            AuditEventRow(
                timestamp=now,
                actor=actor,
                action=action,
                reason=reason,
                payload={"from": before, "to": to},
            )
        )
        self._state.active_color = to
        logger.warning(
            "deployment %s → %s (%s, strategy %s) by %s: %s",
            before,
            to,
            action,
            config.strategy.name,
            actor,
            reason,
        )
        return Switch(before, to, actor, reason, now, config)


def _check_color(color: object) -> Color:
    for known in COLORS:
        if color == known:
            return known
    raise ConfigurationError(f"unknown colour {color!r}; allowed values: blue, green")


def _other(color: Color) -> Color:
    return "green" if color == "blue" else "blue"


def _required(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ConfigurationError(f"a deployment switch needs {what}")
    return value.strip()


def _invalid(color: Color, path: Path, problem: str) -> ConfigurationError:
    return ConfigurationError(f"deployment {color} ({path}) cannot be activated: {problem}")
