"""The `Month` type: a calendar month as ``YYYY-MM``, validated once, shifted by arithmetic.

A `Month` *is* a `str` (so it goes into SQL parameters, paths and templates unchanged), but it
can only be made through `Month.parse`, which checks the whole text (no trailing newline), the
format and a sane range. Every month arithmetic in the project goes through here.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date, datetime

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
# Nothing before crates.io/GitHub/arXiv-era data makes sense for this landscape, and a year far
# ahead is a typo that would otherwise become "the latest month" forever.
MIN_YEAR = 2000
MAX_YEAR = 2100


class Month(str):
    """A validated ``YYYY-MM``."""

    __slots__ = ()

    @classmethod
    def parse(cls, text: object) -> Month:
        """Validate `text` as a month.

        Raises:
            ValueError: not exactly ``YYYY-MM`` or outside MIN_YEAR..MAX_YEAR.
        """
        if isinstance(text, Month):
            return text
        if not isinstance(text, str) or not (m := _MONTH.fullmatch(text)):
            raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
        if not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
            raise ValueError(f"month {text} is outside {MIN_YEAR}..{MAX_YEAR}")
        return str.__new__(cls, text)

    @classmethod
    def of(cls, moment: datetime | date) -> Month:
        """The month a date (or UTC instant) falls in."""
        if isinstance(moment, datetime) and moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return str.__new__(cls, f"{moment.year:04d}-{moment.month:02d}")

    @classmethod
    def current(cls, now: datetime | None = None) -> Month:
        """The month of `now` (default: the wall clock, UTC)."""
        return cls.of(now or datetime.now(UTC))

    @property
    def year(self) -> int:
        return int(self[:4])

    @property
    def number(self) -> int:
        """1..12."""
        return int(self[5:7])

    def shift(self, delta: int) -> Month:
        """The month `delta` months later (negative: earlier)."""
        idx = self.year * 12 + (self.number - 1) + delta
        return str.__new__(Month, f"{idx // 12:04d}-{idx % 12 + 1:02d}")

    def previous(self) -> Month:
        return self.shift(-1)

    def months_since(self, earlier: str) -> int:
        """Whole months from `earlier` to this month."""
        other = Month.parse(earlier)
        return (self.year - other.year) * 12 + (self.number - other.number)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the month as tz-aware UTC datetimes."""
        start = datetime(self.year, self.number, 1, tzinfo=UTC)
        nxt = self.shift(1)
        return start, datetime(nxt.year, nxt.number, 1, tzinfo=UTC)


def item_month_sql(alias: str = "i") -> str:
    """SQL for the month an item (a row of `items` as `alias`) belongs to: created at its
    source, or first seen when the source gives no date."""
    return f"strftime(coalesce({alias}.created_at, {alias}.first_seen_at), '%Y-%m')"


def as_of_sql(alias: str = "i") -> str:
    """SQL condition (one `?` parameter, a month) for "in the landscape as of that month": the
    item's month is that month or earlier — what that month's report saw. Search's `month`
    filter (`panorama search --month`, the dashboard's Search page, its keyword fallback) means
    this, everywhere."""
    return f"{item_month_sql(alias)} <= ?"


def is_month(text: object) -> bool:
    """True when `text` parses as a `Month`."""
    try:
        Month.parse(text)
    except ValueError:
        return False
    return True


def shift_month(month: str, delta: int) -> Month:
    """`month` shifted by `delta` months (a convenience over `Month.parse(...).shift`)."""
    return Month.parse(month).shift(delta)


def months_between(earlier: str, later: str) -> int:
    """Whole months from `earlier` to `later`."""
    return Month.parse(later).months_since(earlier)


def month_arg(value: str) -> Month:
    """argparse `type=`: a valid `Month`, or a one-line usage error (exit 2)."""
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
