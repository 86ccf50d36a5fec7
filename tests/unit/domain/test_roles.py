"""Roles rank viewer = compliance < operator < admin."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_trader.domain.roles import Role

roles = st.sampled_from(list(Role))


def test_roles_have_the_documented_values_and_ranks() -> None:
    assert {role.value: role.rank for role in Role} == {
        "viewer": 1,
        "compliance": 1,
        "operator": 2,
        "admin": 3,
    }


@pytest.mark.parametrize(
    ("role", "required", "allowed"),
    [
        (Role.ADMIN, Role.OPERATOR, True),
        (Role.ADMIN, Role.VIEWER, True),
        (Role.OPERATOR, Role.VIEWER, True),
        (Role.OPERATOR, Role.ADMIN, False),
        (Role.VIEWER, Role.OPERATOR, False),
        (Role.COMPLIANCE, Role.VIEWER, True),
        (Role.COMPLIANCE, Role.OPERATOR, False),
        (Role.COMPLIANCE, Role.ADMIN, False),
    ],
)
def test_role_allows_when_its_rank_reaches_the_required_rank(
    role: Role, required: Role, allowed: bool
) -> None:
    assert role.allows(required) is allowed


def test_role_is_parsed_from_its_value() -> None:
    assert Role("compliance") is Role.COMPLIANCE
    with pytest.raises(ValueError, match="superuser"):
        Role("superuser")


@given(roles)
def test_every_role_allows_itself_and_viewer_reads(role: Role) -> None:
    assert role.allows(role)
    assert role.allows(Role.VIEWER)


@given(roles, roles, roles)
def test_allows_is_transitive(first: Role, second: Role, third: Role) -> None:
    if first.allows(second) and second.allows(third):
        assert first.allows(third)
