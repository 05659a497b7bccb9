"""Which days of a run get daily ML outputs, and on which days a weekly model is considered."""

import datetime as dt

from orchestration.run_day import last_days, training_days

MONDAY = 0


def _days(first: str, n: int) -> list[dt.date]:
    start = dt.date.fromisoformat(first)
    return [start + dt.timedelta(days=i) for i in range(n)]


def test_a_long_backfill_scores_its_last_days_and_a_short_one_every_day():
    year = _days("2026-01-01", 365)
    assert last_days(year, 7) == year[-7:]
    assert last_days(year[:3], 7) == year[:3]
    assert last_days(year, 0) == year


def test_training_starts_on_the_retraining_day_before_the_first_scored_day():
    window = _days("2026-01-01", 365)  # 2026-12-25 is a Friday, 2026-12-21 the Monday before
    days = training_days(window, last_days(window, 7), MONDAY)
    assert days[0] == dt.date(2026, 12, 21) and days[-1] == window[-1]
    assert days[0].weekday() == MONDAY


def test_training_never_reaches_before_the_window_and_needs_scored_days():
    window = _days("2026-01-01", 3)  # a Thursday to a Saturday
    assert training_days(window, window, MONDAY) == window
    assert training_days(window, [], MONDAY) == []
