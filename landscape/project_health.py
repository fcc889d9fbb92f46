"""Health of each project per month: archived, dormant, slowing, active (or unknown).

The rules and thresholds are defined once, in config/metrics.toml `[health]` (read by
`landscape.metrics.health_rules`);
`compute_health(con, month)` writes one row per project into `project_health` with the
signal that decided it, the facts it rests on (JSON: version, dates, months, drops) and the
response it came from, so the report and the dashboard can say *why* a project is dormant,
not just that it is, in the reader's language (`report.health_words`).

Known limit: a repository's last push is its `pushed_at` as of the latest fetch (items keep
the current value only). When that push is after the month, the month's own last push is not
known: the facts say only that the repository was pushed after the month (`push_after`), never
a date past the month's end, and the project counts as active (so recomputing an old month may
call it active on a later push). A repository whose push is not known at all (no `pushed_at`),
like a project with no repository among its members (a crate alone), is not a repository
without pushes: with no push known and no release within the dormant
window, the rule's "no release and no push" cannot be told, and the project is rated unknown
with the signal `PUSHES_UNKNOWN` and the release it does know (never dormant).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from core.months import Month, shift_month
from landscape.metrics import HealthRules, health_rules
from warehouse.transaction import transaction

# The signal of a project rated unknown because no release falls in the dormant window and its
# repository's pushes are not known (readers word it as such: report/health_words.py, and
# the report lists it with care, report/data.py).
PUSHES_UNKNOWN = "no_release_push_unknown"

# Per project: archived flag of its primary repo, last release and push before the month's
# end, whether a repo was pushed at or after it (its push in the month is then unknown), and
# its 90-day downloads (sum over crate members) in each of the last N+1 months.
_FACTS_SQL = """
WITH mem AS (
    SELECT m.project_id, m.item_id, i.kind, i.archived, i.updated_at, i.source_url
    FROM project_members m JOIN items i USING (item_id)
), repo AS (
    SELECT p.project_id,
           bool_or(m.archived) FILTER (WHERE m.item_id = p.primary_repo) AS archived,
           any_value(m.source_url) FILTER (WHERE m.item_id = p.primary_repo) AS repo_url,
           max(m.updated_at) FILTER (WHERE m.kind = 'repo' AND m.updated_at < $end)
               AS last_push,
           coalesce(bool_or(m.updated_at >= $end) FILTER (WHERE m.kind = 'repo'), false)
               AS push_after,
           -- no repository among the members: its pushes are not known either
           coalesce(bool_or(m.updated_at IS NULL) FILTER (WHERE m.kind = 'repo'), true)
               AS push_unknown,
           arg_max(m.source_url, m.updated_at) FILTER (WHERE m.kind = 'repo') AS push_url
    FROM projects p LEFT JOIN mem m USING (project_id)
    GROUP BY p.project_id
), rel AS (
    SELECT m.project_id, max(r.published_at) AS last_release,
           arg_max(r.version, r.published_at) AS last_version,
           arg_max(r.source_url, r.published_at) AS release_url
    FROM mem m JOIN releases r USING (item_id)
    WHERE r.published_at < $end AND NOT coalesce(r.yanked, false)
    GROUP BY m.project_id
), dl_item AS (
    SELECT item_id, period, arg_max(value, observed_at) AS v,
           arg_max(source_url, observed_at) AS u
    FROM observations
    WHERE metric = 'downloads_recent' AND period BETWEEN $lo AND $month
      AND item_id IN (SELECT item_id FROM mem WHERE kind = 'crate')
    GROUP BY item_id, period
), dl AS (
    SELECT project_id, list(struct_pack(p := period, v := v) ORDER BY period) AS series,
           min(u) AS dl_url
    FROM (SELECT m.project_id, d.period, sum(d.v) AS v, min(d.u) AS u
          FROM mem m JOIN dl_item d USING (item_id) GROUP BY m.project_id, d.period)
    GROUP BY project_id
)
SELECT p.project_id, repo.archived, repo.repo_url, repo.last_push, repo.push_after,
       repo.push_unknown, repo.push_url,
       rel.last_release, rel.last_version, rel.release_url, dl.series, dl.dl_url
FROM projects p
LEFT JOIN repo USING (project_id) LEFT JOIN rel USING (project_id) LEFT JOIN dl USING (project_id)
"""


def _falling(series: list[dict] | None, month: str, rules: HealthRules) -> list[float] | None:
    """The month-over-month drops (%) if downloads fell beyond noise N months running."""
    values = {s["p"]: s["v"] for s in series or []}
    months = [shift_month(month, -k) for k in range(rules.slowing_months, -1, -1)]
    if any(values.get(m) is None for m in months) or values[months[0]] < rules.downloads_floor:
        return None
    drops = [(values[b] - values[a]) / values[a] * 100 for a, b in zip(months, months[1:], strict=False)
             if values[a]]
    if len(drops) == rules.slowing_months and all(d < -rules.slowing_min_drop_pct for d in drops):
        return drops
    return None


def _day(t: datetime | None) -> str | None:
    return f"{t:%Y-%m-%d}" if t is not None else None


def _judge(row: tuple, month: str, end: datetime, cutoff: datetime, rules: HealthRules
           ) -> tuple[str, str, dict[str, Any], str | None]:
    """(status, signal, facts, evidence_url) of one project's facts. The facts are the values
    the signal rests on (version, dates within the month, months, drops), not words: readers
    word them in their language (`report.health_words`)."""
    (_, archived, repo_url, last_push, push_after, push_unknown, push_url, last_release,
     last_version, release_url, series, dl_url) = row
    if archived:
        return "archived", "repo_archived", {}, repo_url
    # a push after the month counts as activity up to its end (module docstring: known limit)
    pushed = end if push_after else last_push
    last = max((t for t in (pushed, last_release) if t is not None), default=None)
    if last is None and not series:
        return "unknown", "no_data", {}, None
    when = {"version": last_version if last_release else None, "release": _day(last_release),
            "push": _day(last_push)}
    if push_after:
        when["push_after"] = True
    if push_unknown and last is not None and last < cutoff:
        # a repository's push not known is not "no push": dormant cannot be told
        return ("unknown", PUSHES_UNKNOWN, {**when, "months": rules.dormant_months},
                release_url or repo_url)
    if last is not None and last < cutoff:
        url = release_url if last == last_release else push_url
        return "dormant", "no_release_no_push", {**when, "months": rules.dormant_months}, url
    drops = _falling(series, month, rules)
    if drops:
        return ("slowing", "downloads_falling",
                {"months": rules.slowing_months, "drops": [round(d, 1) for d in drops]}, dl_url)
    url = (release_url if last is not None and last == last_release else push_url) or dl_url
    return "active", "recent_activity", when, url


def dormant_cutoff(month: str, rules: HealthRules) -> datetime:
    """The start of the window a release or push must fall in for a project not to be
    dormant in `month`: the first day of the `dormant_months`-th month back, inclusive."""
    return datetime.fromisoformat(
        f"{shift_month(month, 1 - rules.dormant_months)}-01").replace(tzinfo=UTC)


def compute_health(con: duckdb.DuckDBPyConnection, month: str,
                   rules: HealthRules | None = None) -> dict[str, int]:
    """Write `project_health` for `month` (replacing that month's rows); counts per status."""
    month = Month.parse(month)
    rules = rules or health_rules()
    end = datetime.fromisoformat(f"{shift_month(month, 1)}-01").replace(tzinfo=UTC)
    cutoff = dormant_cutoff(month, rules)
    params = {"end": end, "month": month, "lo": shift_month(month, -rules.slowing_months)}
    rows = con.execute(_FACTS_SQL, params).fetchall()
    now = datetime.now(UTC)
    out = [(r[0], month, status, signal, json.dumps(facts), url, now)
           for r in rows for status, signal, facts, url in [_judge(r, month, end, cutoff, rules)]]
    with transaction(con):
        con.execute("DELETE FROM project_health WHERE month = ?", [month])
        if out:  # one Arrow batch: executemany is ~100x slower in DuckDB
            cols = ["project_id", "month", "status", "signal", "facts", "evidence_url",
                    "computed_at"]
            batch = pa.Table.from_pylist([dict(zip(cols, r, strict=True)) for r in out])
            con.register("_pj_health", batch)
            try:
                names = ", ".join(cols)  # by name: a later migration appended `facts`
                con.execute(f"INSERT INTO project_health ({names}) SELECT {names} FROM _pj_health")
            finally:
                con.unregister("_pj_health")
    counts: dict[str, int] = {}
    for r in out:
        counts[r[2]] = counts.get(r[2], 0) + 1
    return counts
