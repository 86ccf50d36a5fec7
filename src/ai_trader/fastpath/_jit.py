"""Typed decorators around numba's ``njit`` (numba ships no type stubs).

Kernels keep their Python annotations, which numba ignores and mypy checks, so the rest
of the package calls them as ordinary typed functions. Everything is cached on disk.

- ``kernel``: a small helper of the bar loop, inlined into its callers at numba's level
  (LLVM does not inline across separately compiled numba functions; the loop is about a
  third faster with its per-bar helpers inlined).
- ``outer_kernel``: compiled on its own: an entry point from Python, a unit of work of a
  parallel loop, or a helper that runs rarely (a fill, a signal). Calls into it cost a
  function call, plus a reference-count round trip for every array argument.
- ``parallel_kernel``: an entry point whose ``prange`` loops spread over the CPU cores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from numba import njit

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])
PACKAGE = Path(__file__).resolve().parent


def kernel(function: FunctionT) -> FunctionT:
    return cast(FunctionT, njit(cache=True, inline="always")(function))


def outer_kernel(function: FunctionT) -> FunctionT:
    return cast(FunctionT, njit(cache=True)(function))


def parallel_kernel(function: FunctionT) -> FunctionT:
    return cast(FunctionT, njit(cache=True, parallel=True)(function))


SOURCES_STAMP = "fastpath-sources.sha256"


def sources_fingerprint() -> str:
    """A digest of every fast-path source file."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def drop_stale_cache(compiled: Callable[..., Any]) -> None:
    """Delete cached kernels compiled from other versions of the fast-path sources.

    numba checks only the source file of a cached function, not the files of the functions
    it calls; the kernels inline helpers from several modules, so after an edit of one of
    those the cache would keep serving the old code. A fingerprint of all the sources,
    kept beside the cache, decides. ``compiled`` is any kernel (they share the directory).
    """
    directory = Path(getattr(compiled, "stats").cache_path)  # noqa: B009 - numba, untyped
    stamp = directory / SOURCES_STAMP
    fingerprint = sources_fingerprint()
    if stamp.is_file() and stamp.read_text() == fingerprint:
        return
    modules = tuple(f"{path.stem}." for path in PACKAGE.glob("*.py"))
    for cached in directory.glob("*.nb[ic]"):
        if cached.name.startswith(modules):
            cached.unlink(missing_ok=True)
    stamp.write_text(fingerprint)
