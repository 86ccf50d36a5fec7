"""One API token suite (SPEC API-2), run against SQLite (a file) and real PostgreSQL."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, inspect, select

from ai_trader.adapters.db import (
    ApiTokenRow,
    IssuedToken,
    TokenInfo,
    TokenStore,
    create_database_engine,
    upgrade_database,
)
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock, datetime_to_ns
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.roles import Role

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    engine = create_database_engine(url, tmp_path / "data" / "trading_bot.db")
    upgrade_database(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> TestClock:
    return TestClock(datetime_to_ns(START))


@pytest.fixture
def store(engine: Engine, clock: TestClock) -> TokenStore:
    return TokenStore(engine, now=clock.utc_now)


def advance_seconds(clock: TestClock, seconds: int) -> None:
    clock.advance(seconds * NANOS_PER_SECOND)


def stored_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(ApiTokenRow.__table__)).mappings()
        return [dict(row) for row in rows]


def count_statements(engine: Engine) -> list[str]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    return statements


# -- create and verify ----------------------------------------------------------------


def test_created_token_verifies_with_its_name_and_role(store: TokenStore) -> None:
    issued = store.create("grafana", Role.VIEWER)

    info = store.verify(issued.token)

    assert issued.token.startswith("ait_")
    assert len(issued.token) == 4 + 43
    assert info is not None
    assert (info.name, info.role, info.prefix) == ("grafana", Role.VIEWER, issued.token[:12])
    assert info.created_at == START
    assert info.revoked_at is None


def test_only_the_sha256_and_the_prefix_of_the_token_are_stored(
    store: TokenStore, engine: Engine
) -> None:
    issued = store.create("ops-bot", Role.OPERATOR)

    (row,) = stored_rows(engine)

    assert row["token_hash"] == hashlib.sha256(issued.token.encode()).hexdigest()
    assert row["token_prefix"] == issued.token[:12]
    assert issued.token not in [str(value) for value in row.values()]


def test_issued_token_repr_does_not_show_the_secret(store: TokenStore) -> None:
    issued = store.create("ci", Role.VIEWER)

    assert issued.token not in repr(issued)


@pytest.mark.parametrize(
    "wrong",
    ["", "ait_", "not-a-token", "Bearer ait_x", "ait_" + "A" * 43, "ait_" + "x" * 500],
)
def test_wrong_token_does_not_verify(store: TokenStore, wrong: str) -> None:
    store.create("grafana", Role.VIEWER)

    assert store.verify(wrong) is None


def test_token_altered_by_one_character_does_not_verify(store: TokenStore) -> None:
    token = store.create("grafana", Role.VIEWER).token
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert store.verify(altered) is None
    assert store.verify(token + "x") is None
    assert store.verify(token[:-1]) is None


def test_verify_records_last_use_at_most_once_a_minute(store: TokenStore, clock: TestClock) -> None:
    token = store.create("grafana", Role.VIEWER).token

    first = store.verify(token)
    advance_seconds(clock, 30)
    second = store.verify(token)
    advance_seconds(clock, 31)
    third = store.verify(token)

    assert first is not None
    assert second is not None
    assert third is not None
    assert first.last_used_at == START
    assert second.last_used_at == START
    assert third.last_used_at == clock.utc_now()
    assert [info.last_used_at for info in store.list()] == [clock.utc_now()]


def test_verify_of_a_recently_used_token_is_one_select(store: TokenStore, engine: Engine) -> None:
    token = store.create("grafana", Role.VIEWER).token
    store.verify(token)
    statements = count_statements(engine)

    assert store.verify(token) is not None

    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("SELECT")


def test_token_hash_is_looked_up_through_a_unique_index(engine: Engine) -> None:
    uniques = inspect(engine).get_unique_constraints("api_tokens")

    assert {tuple(unique["column_names"]) for unique in uniques} == {("name",), ("token_hash",)}


# -- names ----------------------------------------------------------------------------


def test_duplicate_name_is_refused_in_one_line(store: TokenStore) -> None:
    store.create("grafana", Role.VIEWER)

    with pytest.raises(ConfigurationError, match="'grafana' is already taken") as error:
        store.create("grafana", Role.ADMIN)

    assert "\n" not in str(error.value)
    assert [info.role for info in store.list()] == [Role.VIEWER]


def test_name_of_a_revoked_token_is_not_reused(store: TokenStore) -> None:
    store.create("grafana", Role.VIEWER)
    store.revoke("grafana")

    with pytest.raises(ConfigurationError, match="revoked token"):
        store.create("grafana", Role.VIEWER)


@pytest.mark.parametrize("name", ["", "has space", "slash/name", "ü", "a" * 65, "x\ny"])
def test_invalid_name_is_refused_naming_what_is_allowed(store: TokenStore, name: str) -> None:
    with pytest.raises(ConfigurationError, match="letters, digits") as error:
        store.create(name, Role.VIEWER)

    assert "\n" not in str(error.value)
    assert store.list() == []


def test_longest_allowed_name_is_accepted(store: TokenStore) -> None:
    name = "A-z_0.9" + "x" * 57

    store.create(name, Role.ADMIN)

    assert [info.name for info in store.list()] == [name]


# -- list, revoke, rotate -------------------------------------------------------------


def test_list_shows_every_token_by_name_without_secrets(store: TokenStore) -> None:
    issued = [store.create(name, role) for name, role in (("b", Role.ADMIN), ("a", Role.VIEWER))]
    store.revoke("b")

    listed = store.list()

    assert [(info.name, info.role, info.revoked) for info in listed] == [
        ("a", Role.VIEWER, False),
        ("b", Role.ADMIN, True),
    ]
    assert set(asdict(listed[0])) == {
        "name",
        "role",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    shown = repr(listed)
    for token in issued:
        assert token.token not in shown
        assert hashlib.sha256(token.token.encode()).hexdigest() not in shown


def test_revoked_token_no_longer_verifies(store: TokenStore, clock: TestClock) -> None:
    token = store.create("grafana", Role.VIEWER).token
    advance_seconds(clock, 5)

    revoked = store.revoke("grafana")

    assert revoked.revoked_at == clock.utc_now()
    assert store.verify(token) is None
    assert store.revoke("grafana") == revoked  # revoking again changes nothing


def test_revoking_an_unknown_name_names_the_known_tokens(store: TokenStore) -> None:
    store.create("grafana", Role.VIEWER)
    store.create("ops", Role.OPERATOR)

    with pytest.raises(ConfigurationError, match="'nope'; known tokens: grafana, ops"):
        store.revoke("nope")


def test_revoking_when_there_are_no_tokens_says_so(store: TokenStore) -> None:
    with pytest.raises(ConfigurationError, match="no API tokens yet"):
        store.revoke("nope")


def test_rotate_replaces_the_secret_and_keeps_name_and_role(
    store: TokenStore, clock: TestClock
) -> None:
    old = store.create("ops", Role.OPERATOR)
    store.verify(old.token)
    advance_seconds(clock, 3600)

    new = store.rotate("ops")

    assert new.token != old.token
    assert store.verify(old.token) is None
    info = store.verify(new.token)
    assert info is not None
    assert (info.name, info.role, info.prefix) == ("ops", Role.OPERATOR, new.token[:12])
    assert new.info.created_at == clock.utc_now()
    assert new.info.last_used_at is None
    assert len(store.list()) == 1


def test_rotating_a_revoked_or_unknown_token_is_refused(store: TokenStore) -> None:
    store.create("ops", Role.OPERATOR)
    store.revoke("ops")

    with pytest.raises(ConfigurationError, match="revoked and cannot be rotated"):
        store.rotate("ops")
    with pytest.raises(ConfigurationError, match="unknown API token 'other'"):
        store.rotate("other")


def test_database_at_the_first_revision_is_upgraded_to_hold_tokens(tmp_path: Path) -> None:
    engine = create_database_engine(None, tmp_path / "old.db")
    try:
        upgrade_database(engine, "0001")
        assert "api_tokens" not in inspect(engine).get_table_names()

        upgrade_database(engine)

        assert TokenStore(engine).list() == []
    finally:
        engine.dispose()


# -- property -------------------------------------------------------------------------

_names = (f"token-{number}" for number in itertools.count())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(role=st.sampled_from(list(Role)), data=st.data())
def test_issued_token_verifies_to_its_role_and_any_other_string_does_not(
    store: TokenStore, role: Role, data: st.DataObject
) -> None:
    issued: IssuedToken = store.create(next(_names), role)
    other = data.draw(
        st.one_of(
            st.text(),
            st.text().map(lambda text: "ait_" + text),
            st.integers(0, len(issued.token) - 1).map(lambda cut: issued.token[:cut]),
            st.text(min_size=1).map(lambda text: issued.token + text),
        ).filter(lambda text: text != issued.token)
    )

    info: TokenInfo | None = store.verify(issued.token)

    assert info is not None
    assert info.role is role
    assert store.verify(other) is None
