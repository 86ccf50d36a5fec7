"""Identifiers: client order ids are a deterministic per-run sequence; run ids sort by time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ai_trader.core.ids import ClientOrderIdGenerator, new_run_id


def test_client_order_ids_count_up_from_one() -> None:
    ids = ClientOrderIdGenerator("run7")

    assert [ids.next_id() for _ in range(3)] == ["run7-1", "run7-2", "run7-3"]
    assert ids.sequence == 3


def test_sequence_is_zero_before_the_first_id() -> None:
    assert ClientOrderIdGenerator("run7").sequence == 0


def test_client_order_ids_continue_from_a_restored_sequence() -> None:
    ids = ClientOrderIdGenerator("run7", start=41)

    assert ids.next_id() == "run7-42"


def test_two_generators_with_the_same_prefix_give_the_same_ids() -> None:
    first, second = ClientOrderIdGenerator("r"), ClientOrderIdGenerator("r")

    assert [first.next_id() for _ in range(5)] == [second.next_id() for _ in range(5)]


@pytest.mark.parametrize("prefix", ["", " ", "run 7", "run\t7", "run7\n"])
def test_prefix_that_is_empty_or_has_whitespace_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="non-empty without spaces"):
        ClientOrderIdGenerator(prefix)


def test_run_id_is_the_utc_time_and_the_given_suffix() -> None:
    moment = datetime(2026, 11, 21, 2, 30, tzinfo=UTC)

    assert new_run_id(moment, suffix="3fa9c2") == "20261121T023000Z-3fa9c2"


def test_run_id_converts_the_moment_to_utc() -> None:
    in_new_york = datetime(2026, 11, 20, 21, 30, tzinfo=timezone(timedelta(hours=-5)))

    assert new_run_id(in_new_york, suffix="x") == "20261121T023000Z-x"


def test_run_id_without_suffix_gets_six_random_hex_digits() -> None:
    run_id = new_run_id(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

    assert re.fullmatch(r"20260102T030405Z-[0-9a-f]{6}", run_id)


def test_run_ids_of_the_same_second_differ_by_their_random_suffix() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)

    assert len({new_run_id(moment) for _ in range(20)}) > 1


def test_run_ids_sort_by_time() -> None:
    earlier = new_run_id(datetime(2026, 1, 1, 9, 0, tzinfo=UTC), suffix="ffffff")
    later = new_run_id(datetime(2026, 1, 1, 10, 0, tzinfo=UTC), suffix="000000")

    assert sorted([later, earlier]) == [earlier, later]
