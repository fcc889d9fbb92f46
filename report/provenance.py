"""Provenance of report figures: every figure points at a source row (URL + fetch time).

The report prints each figure with a footnote marker (`[^s48213377]`); the footnote resolves to
a row of the sources table, which is also written as `sources.csv`. Figures taken from an
earlier month because this month had none are "carried forward" and carry their age.

Footnote keys are derived from what the source row *is* — its label (crates.io, GitHub, …),
its URL (which names the project or item and the endpoint, hence the metric) and the month it
was fetched in — never from the order in which the report happened to cite it. Two revisions
of a month, or two months, therefore differ only where their content differs: a row entering
a table no longer renumbers every footnote after it. The sources list is sorted by label, URL
and fetch time for the same reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.months import months_between


@dataclass(frozen=True)
class Source:
    """One source row: where a figure was read and when."""

    key: str  # 's' + 8 digits derived from the row's identity (footnote label)
    url: str  # the API URL, or a `data/...csv` path for figures derived from many rows
    fetched_at: datetime | None
    label: str  # what it is, e.g. 'crates.io', 'GitHub', 'derived', 'run record'


@dataclass(frozen=True)
class Figure:
    """A value shown in the report, with the source it came from.

    `carried_from` is the month the value belongs to when it is older than the report month;
    `age_months` is then how many months old it is.
    """

    value: Any
    ref: str | None
    carried_from: str | None = None
    age_months: int = 0

    @property
    def missing(self) -> bool:
        return self.value is None


NO_DATA = Figure(None, None)


def label_for(url: str) -> str:
    """A short human label for a source URL (never derived from query strings or tokens)."""
    if url.startswith("https://crates.io") or url.startswith("https://static.crates.io"):
        return "crates.io"
    if url.startswith("https://api.github.com") or url.startswith("https://github.com"):
        return "GitHub"
    if "arxiv.org" in url:
        return "arXiv"
    if url.startswith("data/"):
        return "derived"
    if url.startswith("run:"):
        return "run record"
    if url.startswith("seed:"):
        return "seed report"
    return "feed"


# Footnote keys are 's' + this many decimal digits of a hash: with a few thousand sources in a
# report a collision is unlikely (and resolved below), and the keys stay short in table cells.
KEY_DIGITS = 8


def _digest(*parts: str) -> str:
    h = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return f"s{int(h, 16) % 10 ** KEY_DIGITS:0{KEY_DIGITS}d}"


def _fetch_month(at: datetime | None) -> str:
    return at.strftime("%Y-%m") if at else ""


def stable_key(url: str, fetched_at: datetime | None, label: str) -> str:
    """The footnote key of a source row: a hash of its label, URL and month of fetch.

    A re-fetch later in the same month keeps the key (the footnote's fetch time changes, the
    references in the tables do not); a fetch in another month is another source.
    """
    return _digest(label, url, _fetch_month(fetched_at))


@dataclass
class SourceRegistry:
    """Hands out one footnote key per distinct (url, fetched_at), stable across renders."""

    _keys: dict[tuple[str, datetime | None], str] = field(default_factory=dict)
    _rows: dict[str, Source] = field(default_factory=dict)

    def ref(self, url: str | None, fetched_at: datetime | None, label: str | None = None) -> str:
        if not url:
            # A figure without a URL must not be printed as sourced; callers pass NO_DATA instead.
            raise ValueError("a figure needs a source URL")
        ident = (url, fetched_at)
        if ident not in self._keys:
            label = label or label_for(url)
            key = stable_key(url, fetched_at, label)
            # Two fetches of one URL in one month (a breakthrough check and the monthly run),
            # or a hash collision: the exact fetch time then tells the rows apart.
            salt = 0
            while key in self._rows:
                salt += 1
                stamp = fetched_at.isoformat() if fetched_at else ""
                key = _digest(label, url, stamp, str(salt))
            self._keys[ident] = key
            self._rows[key] = Source(key, url, fetched_at, label)
        return self._keys[ident]

    def figure(
        self,
        value: Any,
        url: str | None,
        fetched_at: datetime | None,
        *,
        period: str | None = None,
        month: str | None = None,
        label: str | None = None,
    ) -> Figure:
        """A sourced figure; carried forward when `period` is older than the report `month`."""
        if value is None or not url:
            return NO_DATA
        carried = period if period and month and period < month else None
        age = months_between(carried, month) if carried and month else 0
        return Figure(value, self.ref(url, fetched_at, label), carried, age)

    @property
    def rows(self) -> list[Source]:
        """Every cited source, in an order that does not depend on citation order."""
        return sorted(self._rows.values(), key=lambda r: (
            r.label, r.url, r.fetched_at.timestamp() if r.fetched_at else float("-inf"), r.key))

    def resolve(self, key: str) -> Source:
        return self._rows[key]
