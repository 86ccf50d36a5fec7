"""The optional ``ibkr`` extra (ib_async), imported only when it is needed."""

from __future__ import annotations

import importlib
from types import ModuleType

from ai_trader.adapters.ibkr.constants import EXTRA_MISSING
from ai_trader.core.errors import ConfigurationError


def require_ib_async() -> ModuleType:
    """The ``ib_async`` module; ``ConfigurationError`` when the extra is not installed."""
    try:
        return importlib.import_module("ib_async")
    except ImportError:
        raise ConfigurationError(EXTRA_MISSING) from None
