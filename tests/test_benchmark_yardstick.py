"""The machine's speed on fixed work, recorded with each benchmark run."""

import time

from benchmarks.yardstick import _median_s, yardstick


def test_a_timing_is_the_median_of_three():
    sleeps = iter([0.3, 0.01, 0.1])
    assert 0.1 <= _median_s(lambda: time.sleep(next(sleeps))) < 0.3


def test_both_parts_of_the_machine_are_timed():
    speed = yardstick()
    assert set(speed) == {"duckdb_s", "python_s"}
    assert all(0 < seconds < 60 for seconds in speed.values())
