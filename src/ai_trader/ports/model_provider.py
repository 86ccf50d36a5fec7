"""Model port: anything that turns features into a probability of an up move."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class ModelProvider(Protocol):
    @property
    def version(self) -> str: ...

    def predict_up_probability(self, features: Sequence[float]) -> float: ...
