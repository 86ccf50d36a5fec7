"""Strategy parameters: declared with their allowed ranges, validated when built.

Each strategy has a frozen pydantic model; ``parse_params`` turns user text
(``--param fast=10``) into it and words every failure as "what was wrong, what is allowed".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from ai_trader.core.errors import ConfigurationError


class StrategyParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


ParamsT = TypeVar("ParamsT", bound=StrategyParams)


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """One declared parameter: its type, default and inclusive range (None = unbounded)."""

    name: str
    type_name: str
    default: Any
    low: float | None
    high: float | None
    description: str

    @property
    def allowed(self) -> str:
        if self.type_name == "bool":
            return "true or false"
        kind = "an integer" if self.type_name == "int" else "a number"
        if self.low is not None and self.high is not None:
            return f"{kind} in [{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"{kind} >= {self.low:g}"
        if self.high is not None:
            return f"{kind} <= {self.high:g}"
        return kind


def describe_parameters(model: type[StrategyParams]) -> list[ParameterSpec]:
    return [_spec(name, field) for name, field in model.model_fields.items()]


def _spec(name: str, field: FieldInfo) -> ParameterSpec:
    low: float | None = None
    high: float | None = None
    for constraint in field.metadata:
        low = getattr(constraint, "ge", low)
        high = getattr(constraint, "le", high)
    annotation = field.annotation
    type_name = getattr(annotation, "__name__", str(annotation))
    return ParameterSpec(name, type_name, field.default, low, high, field.description or "")


def parse_params(
    strategy: str, model: type[ParamsT], raw: Mapping[str, object] | None = None
) -> ParamsT:
    """Build ``model`` from ``raw``; unknown names get a "did you mean" hint."""
    raw = dict(raw or {})
    specs = {spec.name: spec for spec in describe_parameters(model)}
    for name in raw:
        if name not in specs:
            raise ConfigurationError(_unknown_message(strategy, name, list(specs)))
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigurationError(_validation_message(strategy, exc, specs, raw)) from None


def _unknown_message(strategy: str, name: str, known: list[str]) -> str:
    hint = difflib.get_close_matches(name, known, n=1)
    did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
    return (
        f"{strategy}: unknown parameter {name!r}{did_you_mean} "
        f"(parameters: {', '.join(known) or 'none'})"
    )


def _validation_message(
    strategy: str,
    exc: ValidationError,
    specs: Mapping[str, ParameterSpec],
    raw: Mapping[str, object],
) -> str:
    error = exc.errors()[0]
    location = error["loc"]
    name = str(location[0]) if location else ""
    if name in specs:
        spec = specs[name]
        return f"{strategy}: parameter {name!r} must be {spec.allowed}, got {raw.get(name)!r}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{strategy}: {message}"
