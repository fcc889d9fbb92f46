"""Plain-text summaries the CLI prints at the end of a run.

"No new items", "source failed" and "zero" read differently: a failed source shows `—`
(unknown) instead of 0, and an unchanged one says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from flows.collect import SourceOutcome

_COLUMNS = ("source", "status", "seen", "new", "updated", "obs", "requests", "304", "errors")


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [list(map(str, header))] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_outcomes(outcomes: Sequence[SourceOutcome]) -> str:
    rows = [
        (o.source, o.status, o.items_seen, o.items_new, o.items_updated, o.observations,
         o.requests, o.not_modified, o.errors)
        for o in outcomes
    ]
    text = _table(rows, _COLUMNS)
    problems = [f"  {o.source}: {o.error}" for o in outcomes if o.error]
    if problems:
        text += "\nerrors:\n" + "\n".join(problems)
    return text


def one_line(summary: Any) -> str:
    parts = [f"{o.source}={o.status}" for o in summary.sources]
    return f"   {summary.month}: {summary.status} ({', '.join(parts)})"


def format_classification(c: dict[str, Any]) -> str:
    if c.get("skipped") and not c.get("classified"):
        return "classification: nothing new, skipped"
    text = (f"classification: {c.get('classified', 0)} item(s) classified, "
            f"{c.get('embedded', 0)} embedded, {c.get('needs_review', 0)} to review, "
            f"{c.get('emerging_topics', 0)} emerging topic(s) (model {c.get('model', '?')}, "
            f"index of {c.get('index_size', '?')} labelled items)")
    if c.get("placed_by_project"):
        text += (f"\n  {c['placed_by_project']} unsure item(s) not to review: members of a "
                 "watched project, in its category")
    reasons = c.get("review_reasons") or {}
    if reasons:
        text += "\n  to review because: " + ", ".join(
            f"{k.replace('_', ' ')} {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]))
    by = c.get("by_category") or {}
    if by:
        text += "\n  by category: " + ", ".join(f"{k} {v}" for k, v in by.items())
    return text


def format_summary(summary: Any) -> str:
    lines = [f"Run {summary.run_id} for {summary.month}: {summary.status}", "",
             format_outcomes(summary.sources), ""]
    p = getattr(summary, "projects", None)
    if p:
        lines.append(f"projects: {p['projects']} ({p['watched']} watched), {p['members']} "
                     f"members, {p['relations']} relations, {p['needs_review']} link(s) to "
                     f"review, {p['proposals']} proposed merge(s)")
    if summary.classify:
        lines.append(format_classification(summary.classify))
    if summary.report:
        r = summary.report
        for key in ("zh", "en"):
            if r.get(key):
                lines.append(f"draft report ({key}): {r[key]}")
        if r.get("revision") is not None:
            lines.append(f"draft revision: {r['revision']}")
    for note in summary.notes:
        lines.append(f"note: {note}")
    lines.append(f"warehouse: {summary.warehouse}")
    return "\n".join(lines)


def format_status(con: duckdb.DuckDBPyConnection) -> str:
    """Each month's current run, the latest attempts (with their errors), and the sources of
    the latest attempt."""
    runs = con.execute(
        "SELECT run_id, month, flow, mode, status, started_at, finished_at, "
        "left(coalesce(error, ''), 80) FROM v_run_history ORDER BY started_at DESC LIMIT 12"
    ).fetchall()
    if not runs:
        return "no runs yet (try `panorama demo`)"
    months = con.execute("SELECT month, run_id, status FROM v_month_run "
                         "ORDER BY month DESC LIMIT 12").fetchall()
    out = ["months (the run that speaks for each):",
           _table(months, ("month", "run", "status")), "", "attempts:",
           _table(runs, ("run", "month", "flow", "mode", "status", "started", "finished",
                         "error"))]
    latest = runs[0][0]
    rows = con.execute(
        "SELECT source, status, items_seen, items_new, items_updated, observations, requests,"
        " not_modified, errors FROM source_status WHERE run_id = ? ORDER BY source",
        [latest],
    ).fetchall()
    out += ["", f"sources of run {latest}:", _table(rows, _COLUMNS)]
    return "\n".join(out)
