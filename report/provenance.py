"""Provenance of report figures: every figure points at a source row (URL + fetch time).

The report prints each figure with a footnote marker (`[^s3]`); the footnote resolves to a row
of the sources table, which is also written as `sources.csv`. Figures taken from an earlier
month because this month had none are "carried forward" and carry their age.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.months import months_between


@dataclass(frozen=True)
class Source:
    """One source row: where a figure was read and when."""

    key: str  # 's1', 's2', ... (footnote label)
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


@dataclass
class SourceRegistry:
    """Hands out one footnote key per distinct (url, fetched_at), in first-use order."""

    _keys: dict[tuple[str, datetime | None], str] = field(default_factory=dict)
    _rows: list[Source] = field(default_factory=list)

    def ref(self, url: str | None, fetched_at: datetime | None, label: str | None = None) -> str:
        if not url:
            # A figure without a URL must not be printed as sourced; callers pass NO_DATA instead.
            raise ValueError("a figure needs a source URL")
        key = (url, fetched_at)
        if key not in self._keys:
            source = Source(f"s{len(self._rows) + 1}", url, fetched_at, label or label_for(url))
            self._keys[key] = source.key
            self._rows.append(source)
        return self._keys[key]

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
        return list(self._rows)

    def resolve(self, key: str) -> Source:
        for row in self._rows:
            if row.key == key:
                return row
        raise KeyError(key)
