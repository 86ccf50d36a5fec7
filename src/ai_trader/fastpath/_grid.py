"""Parameter grids: ranges and lists in, the valid combinations out.

``parse_grid({"fast": "5:50:5", "slow": "20:200:10"})`` is the cartesian product of
``fast`` in 5, 10, ..., 50 and ``slow`` in 20, 30, ..., 200, without the combinations the
strategy refuses as a whole (here fast >= slow); ``dropped`` says how many those were.
A value outside a parameter's own range is an error, not a drop.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import overload

from ai_trader.core.errors import ConfigurationError
from ai_trader.fastpath._inputs import ParamSet, ParamValue
from ai_trader.strategies.params import ParameterSpec, describe_parameters
from ai_trader.strategies.registry import STRATEGIES, build_params, strategy_class

MAX_COMBINATIONS = 1_000_000
GridInput = Mapping[str, str | ParamValue | Sequence[ParamValue]]
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


class ParameterGrid(Sequence[ParamSet]):
    """The valid combinations of a grid, in product order (the last name varies fastest)."""

    def __init__(self, strategy: str, combinations: Sequence[ParamSet], dropped: int) -> None:
        self.strategy = strategy
        self.combinations: tuple[ParamSet, ...] = tuple(combinations)
        self.dropped = dropped

    def __len__(self) -> int:
        return len(self.combinations)

    @overload
    def __getitem__(self, index: int) -> ParamSet: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ParamSet]: ...
    def __getitem__(self, index: int | slice) -> ParamSet | Sequence[ParamSet]:
        return self.combinations[index]

    def __iter__(self) -> Iterator[ParamSet]:
        return iter(self.combinations)

    def __repr__(self) -> str:
        return f"ParameterGrid({self.strategy!r}, {len(self)} combinations, {self.dropped} dropped)"


def parse_grid(ranges: GridInput, strategy: str | None = None) -> ParameterGrid:
    """Expand ``start:stop:step`` (inclusive), ``a,b,c`` lists, single values or sequences.

    Without ``strategy`` the strategy is the one built-in whose parameters include every
    name given.
    """
    name = strategy if strategy is not None else _infer_strategy(ranges)
    axes = _axes(name, ranges)
    total = math.prod(len(values) for values in axes.values())
    if total > MAX_COMBINATIONS:
        raise ConfigurationError(
            f"the grid has {total:,} combinations; at most {MAX_COMBINATIONS:,} are allowed "
            "(use coarser steps or split the sweep)"
        )
    kept: list[ParamSet] = []
    for chosen in itertools.product(*axes.values()):
        combination = dict(zip(axes, chosen, strict=True))
        try:
            build_params(name, combination)
        except ConfigurationError:
            continue  # every value is within its own range: the strategy refuses the mix
        kept.append(combination)
    return ParameterGrid(name, kept, total - len(kept))


def _axes(strategy: str, ranges: GridInput) -> dict[str, list[ParamValue]]:
    specs = {s.name: s for s in describe_parameters(strategy_class(strategy).params_type)}
    axes: dict[str, list[ParamValue]] = {}
    for parameter, raw in ranges.items():
        if parameter not in specs:
            build_params(strategy, {parameter: 0})  # raises, with a "did you mean" hint
        axes[parameter] = _axis(strategy, specs[parameter], raw)
    return axes


def _infer_strategy(ranges: GridInput) -> str:
    names = set(ranges)
    matches = [
        strategy
        for strategy, cls in STRATEGIES.items()
        if names <= {spec.name for spec in describe_parameters(cls.params_type)}
    ]
    if len(matches) != 1:
        raise ConfigurationError(
            f"cannot tell the strategy from the parameters {sorted(names)}: pass strategy= "
            f"(one of {', '.join(STRATEGIES)})"
        )
    return matches[0]


def _axis(strategy: str, spec: ParameterSpec, raw: object) -> list[ParamValue]:
    values: list[ParamValue]
    if isinstance(raw, str):
        text = raw.strip()
        values = _range(spec, text) if ":" in text else [_scalar(spec, p) for p in text.split(",")]
    elif isinstance(raw, Sequence):
        values = [_scalar(spec, item) for item in raw]
    else:
        values = [_scalar(spec, raw)]
    if not values:
        raise ConfigurationError(f"{strategy}: parameter {spec.name!r} has no values")
    for value in values:
        if not _within(spec, value):
            build_params(strategy, {spec.name: value})  # raises the range message
    return list(dict.fromkeys(values))  # duplicates once, first occurrence kept


def _range(spec: ParameterSpec, text: str) -> list[ParamValue]:
    parts = text.split(":")
    if spec.type_name == "bool" or len(parts) not in (2, 3):
        raise ConfigurationError(_range_help(spec, text))
    try:
        start, stop, step = (Decimal(p) for p in [*parts, "1"][:3])
    except InvalidOperation:
        raise ConfigurationError(_range_help(spec, text)) from None
    if step <= 0 or start > stop:
        raise ConfigurationError(_range_help(spec, text))
    count = int((stop - start) / step) + 1
    if count > MAX_COMBINATIONS:
        raise ConfigurationError(f"{spec.name}: range {text!r} has {count:,} values; too many")
    return [_scalar(spec, str(start + step * i)) for i in range(count)]


def _range_help(spec: ParameterSpec, text: str) -> str:
    return (
        f"parameter {spec.name!r}: {text!r} is not a range; write start:stop:step with "
        "start <= stop and step > 0 (stop included), e.g. 5:50:5, or a list such as 5,10,20"
        + (" (a true/false parameter takes a list: true,false)" if spec.type_name == "bool" else "")
    )


def _scalar(spec: ParameterSpec, raw: object) -> ParamValue:
    text = str(raw).strip()
    try:
        if spec.type_name == "bool":
            return _boolean(raw, text)
        if spec.type_name == "int":
            number = Decimal(text)
            if number != number.to_integral_value():
                raise ValueError(text)
            return int(number)
        return float(Decimal(text))
    except (ValueError, InvalidOperation):
        raise ConfigurationError(
            f"parameter {spec.name!r} must be {spec.allowed}, got {text!r}"
        ) from None


def _boolean(raw: object, text: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(text)


def _within(spec: ParameterSpec, value: ParamValue) -> bool:
    if isinstance(value, (bool, str)):
        return True
    return (spec.low is None or value >= spec.low) and (spec.high is None or value <= spec.high)
