"""Billing periods: the end of `count` intervals from a start, calendar months and years as billing APIs count them."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

DAY = 86_400
# 9999-12-31T23:59:59Z: requests may ask for absurd interval counts; their periods end at the last
# instant every date library can print, instead of crashing the double.
LATEST = 253_402_300_799


def period_end(start: int, interval: str, count: int) -> int:
    """Unix seconds `count` days, weeks, months or years after `start` (month ends clamp: Jan 31 + 1 month = Feb 28)."""
    count = int(count)  # JSON may spell an integer 12.0
    if interval in ("day", "week"):
        return min(start + DAY * count * (7 if interval == "week" else 1), LATEST)
    begin = datetime.fromtimestamp(start, tz=UTC)
    months = count * (12 if interval == "year" else 1)
    year, month = divmod(begin.month - 1 + months, 12)
    if begin.year + year > 9999:
        return LATEST
    day = min(begin.day, calendar.monthrange(begin.year + year, month + 1)[1])
    return int(begin.replace(year=begin.year + year, month=month + 1, day=day).timestamp())
