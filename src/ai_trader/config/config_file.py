"""The TOML config file: read with ``tomllib``, written atomically by a small serializer.

The file is a flat table of setting names; the one nested table is ``[strategy_params]``.
TOML has no null: ``None`` values are left out (the setting keeps its default). A
``Decimal`` is written as a TOML number when that is exact, else as a string.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from ai_trader.core import files
from ai_trader.core.errors import ConfigurationError

DEFAULT_HEADER = (
    "ai-trader settings. Every key, its environment variable and allowed values:\n"
    "docs/reference/configuration.md. Environment variables override this file."
)
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # used with fullmatch: "$" would accept "a\n"
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
SHORT_ESCAPES["\r"] = "\\r"

Scalar = str | int | float | bool | Decimal | Path


def read_config(path: Path) -> dict[str, object]:
    """The file's table; a missing, unreadable or invalid file is a ``ConfigurationError``."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigurationError(
            f"config file {path}: not found (create one with 'ai-trader init')"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"config file {path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigurationError(f"config file {path}: cannot read it ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {path}: invalid TOML: {exc}") from None


def write_config(path: Path, values: Mapping[str, object], header: str = DEFAULT_HEADER) -> None:
    """Write ``values`` as TOML to ``path`` atomically, below a ``#`` header comment."""
    write_atomically(path, render_config(values, header).encode("utf-8"))


def render_config(values: Mapping[str, object], header: str = DEFAULT_HEADER) -> str:
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines.append("")
    tables: list[tuple[str, Mapping[str, object]]] = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{_key(key)} = {_value(key, value)}")
    for name, table in tables:
        lines.extend(["", f"[{_key(name)}]"])
        for key, value in table.items():
            if isinstance(value, Mapping | list | tuple):
                raise ConfigurationError(f"cannot write {name}.{key}: only scalars go in a table")
            if value is not None:
                lines.append(f"{_key(key)} = {_value(f'{name}.{key}', value)}")
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data``, private to its owner by default; see
    :func:`ai_trader.core.files.write_atomically`."""
    files.write_atomically(path, data, mode)


def _key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else _string(key)


def _value(key: str, value: object) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(key, item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, str | Path):
        return _string(str(value))
    raise ConfigurationError(
        f"cannot write {key}: a {type(value).__name__} has no TOML form "
        "(allowed: str, int, float, bool, Decimal, Path, lists of those, one table of scalars)"
    )


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    return text if any(mark in text for mark in ".en") else f"{text}.0"


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        return _string(str(value))
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value, "f")
    return text if Decimal(repr(float(text))) == value else _string(text)


def _string(text: str) -> str:
    escaped = "".join(
        SHORT_ESCAPES.get(char) or (f"\\u{ord(char):04x}" if _is_control(char) else char)
        for char in text
    )
    return f'"{escaped}"'


def _is_control(char: str) -> bool:
    return ord(char) < 0x20 or ord(char) == 0x7F
