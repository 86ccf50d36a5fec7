"""Typed decorators around numba's ``njit`` (numba ships no type stubs).

Kernels keep their Python annotations, which numba ignores and mypy checks, so the rest
of the package calls them as ordinary typed functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from numba import njit

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])


def kernel(function: FunctionT) -> FunctionT:
    """Compile ``function`` in nopython mode, cached on disk between processes."""
    return cast(FunctionT, njit(cache=True)(function))


def parallel_kernel(function: FunctionT) -> FunctionT:
    """Like ``kernel``, with ``prange`` loops spread over the CPU cores."""
    return cast(FunctionT, njit(cache=True, parallel=True)(function))
