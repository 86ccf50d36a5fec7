"""Atomic file replacement: a reader sees the old file or the new one, never half of one,
and after a power loss the new one is there only if the call returned."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (file mode ``mode`` if given)."""
    with _replacing(path, "wb", mode) as stream:
        stream.write(data)


def write_text_atomically(path: Path, write: Callable[[IO[str]], object]) -> None:
    """Replace ``path`` with what ``write`` writes to a text stream (``newline=""``)."""
    with _replacing(path, "w", None) as stream:
        write(stream)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def _replacing(path: Path, open_mode: str, mode: int | None) -> Iterator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        newline = "" if "b" not in open_mode else None
        with os.fdopen(handle, open_mode, newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)
