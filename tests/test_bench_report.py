"""The benchmark report's figures (benchmarks/run.py): the floor of days without own
supervisor is a whole number of days, in the table and in the verdict alike."""

from __future__ import annotations

import pytest

from benchmarks.run import _fewest, _floor


@pytest.mark.parametrize(("bound", "fewest", "shown"), [
    (1223.02, 1224, "1,224 (proven bound 1,223.02)"),  # was shown as 1,223.0 beside a verdict of 1224
    (9.0, 9, "9 (proven bound 9.00)"),
    (9.0000001, 9, "9 (proven bound 9.00)"),  # solver noise does not add a day
    (237.9, 238, "238 (proven bound 237.90)"),
])
def test_the_floor_is_whole_days(bound, fewest, shown):
    assert _fewest(bound) == fewest
    assert _floor(bound) == shown


def test_no_floor():
    assert _floor(None) == "-"
