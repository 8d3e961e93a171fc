"""The ``outbox`` user property: row ids one by one or in runs, and a hub that refuses what is not that."""

from __future__ import annotations

import pytest

from camsight.transport import batch


@pytest.mark.parametrize(
    "ids",
    [[5], [5, 6], [5, 6, 7], [9, 1, 2, 3, 4, 8], list(range(100, 200)) + [7, 3], [3, 2, 1]],
)
def test_ids_read_back_in_their_order_with_or_without_runs(ids: list[int]) -> None:
    assert batch.parse_ids(batch.ids_property(ids)) == ids
    assert batch.parse_ids(batch.ids_property(ids, ranges=True)) == ids


def test_runs_make_the_property_short() -> None:
    ids = list(range(1000, 1100))
    assert batch.ids_property(ids, ranges=True) == "1000-1099"
    assert len(batch.ids_property(ids)) == 499


@pytest.mark.parametrize(
    "value",
    [
        *("", ",", "1,", "-3", "3-", "1--2", "a", "1-b", "1.5", "9-3", "0-999999999", "1-1000,2000-3000", " 1", "1,-2"),
        *("¹", "1-²"),  # digits to str.isdigit(), not to int()
    ],
)
def test_a_malformed_or_huge_property_is_refused(value: str) -> None:
    assert batch.parse_ids(value) is None
