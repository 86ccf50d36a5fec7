"""Roles of API tokens (SPEC API-2), ordered by what they may do.

    admin (3)       everything, including managing tokens
    operator (2)    trading operations: halt, resume, submit, cancel
    viewer (1)      read-only
    compliance (1)  read-only, like viewer; a separate name so audits can tell them apart

A role allows an action when its rank is at least the rank the action requires.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    COMPLIANCE = "compliance"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, required: Role) -> bool:
        """True when this role may do what ``required`` may do."""
        return self.rank >= required.rank


_RANKS = {Role.VIEWER: 1, Role.COMPLIANCE: 1, Role.OPERATOR: 2, Role.ADMIN: 3}
