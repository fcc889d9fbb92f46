"""The CSV side of a report: every table and chart's data under `data/`, plus `sources.csv`.

Each figure becomes two or three columns: the value, the footnote key of its source (resolved
by sources.csv to URL + fetch time) and, when carried forward, the month it comes from. Rows
that are not footnoted in the Markdown (the full landscape, the trend series) carry their own
`source_url` and `fetched_at` columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import fields
from datetime import datetime
from typing import Any

from report.csv_cells import guard
from report.data import ReportData
from report.provenance import Figure
from report.rows import EntityRow, MoverRow

Table = tuple[list[str], list[list[Any]]]


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value


def _fig(name: str, f: Figure) -> dict[str, Any]:
    return {name: f.value, f"{name}_src": f.ref, f"{name}_carried_from": f.carried_from}


_ENTITY_FIGURES = ("downloads_90d", "downloads_90d_pct", "downloads_month", "downloads_mom_pct",
                   "stars", "stars_delta", "release_version", "release_date")
# `name_zh`: the name the zh report prints (ReportData.names_zh, else the entity), which the
# charts rebuilt from these files alone label their zh version with
ENTITY_COLUMNS = ["entity", "name_zh", "item_id", "category",
                  *[f"{n}{suffix}" for n in _ENTITY_FIGURES
                    for suffix in ("", "_src", "_carried_from")]]
MOVER_COLUMNS = ["direction", "entity", "name_zh", "item_id", "category",
                 *[f"{f.name}{suffix}" for f in fields(MoverRow) if f.type == "Figure"
                   for suffix in ("", "_src", "_carried_from")]]


def _entity(r: EntityRow, names_zh: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"entity": r.entity, "name_zh": names_zh.get(r.entity, r.entity),
                           "item_id": r.item_id, "category": r.category}
    for name in _ENTITY_FIGURES:
        row.update(_fig(name, getattr(r, name)))
    return row


def _mover(direction: str, r: MoverRow, names_zh: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"direction": direction, "entity": r.entity,
                           "name_zh": names_zh.get(r.entity, r.entity), "item_id": r.item_id,
                           "category": r.category}
    for name in ("now", "prev", "pct", "rank", "rank_change"):
        row.update(_fig(name, getattr(r, name)))
    return row


def _column(values: list[Any]) -> list[Any]:
    """`_cell` over one column, skipped when the column holds no datetime and no None
    (the landscape has tens of thousands of rows: work per column, not per cell)."""
    types = set(map(type, values))
    if any(issubclass(t, datetime) for t in types):
        return [_cell(v) for v in values]
    if type(None) in types:
        return ["" if v is None else v for v in values]
    return values


def _table(rows: list[dict[str, Any]], header: list[str] | None = None) -> Table:
    cols = header or (list(rows[0]) if rows else [])
    columns = [_column([r.get(c) for r in rows]) for c in cols]
    return cols, [list(row) for row in zip(*columns, strict=True)] if cols else [[] for _ in rows]


def report_tables(d: ReportData) -> dict[str, Table]:
    """Every table the report shows (and the charts draw), as CSV-ready rows."""
    # Long on purpose: one entry per file under data/, each its rows beside its header, so
    # this is the table of contents of the report's CSV files. Split up, a column list
    # would sit away from the rows that fill it.
    ent_cols = ENTITY_COLUMNS
    zh = d.names_zh
    tools = [{**_entity(t, zh), "cat_rank": i + 1} for s in d.categories.values()
             for i, t in enumerate(s.tools)]
    new = [_entity(t, zh) for s in d.categories.values() for t in s.new]
    mover_cols = MOVER_COLUMNS
    movers = {key: [_mover(direction, r, zh) for direction in ("up", "down")
                    for r in d.movers[f"{key}_{direction}"]] for key in ("dl", "st")}
    tables: dict[str, Table] = {
        # what the charts print in their "as of" caption (they are rebuilt from data/ alone)
        "meta": (["month", "data_as_of", "run_id"],
                 [[d.month, _cell(d.data_as_of), d.run_id or ""]]),
        "frameworks": _table([_entity(r, zh) for r in d.frameworks], ent_cols),
        "tools": _table(tools, [*ent_cols, "cat_rank"]),
        "new_items": _table(new, ent_cols),
        "movers_dl": _table(movers["dl"], mover_cols),
        "movers_st": _table(movers["st"], mover_cols),
        "releases": _table([{"entity": r.entity, "name_zh": zh.get(r.entity, r.entity),
                             "item_id": r.item_id, "category": r.category,
                             **_fig("version", r.version), **_fig("published_at", r.date),
                             "level": r.level, "infrastructure": r.infrastructure,
                             "notes": r.notes, "notes_url": r.notes_url, "url": r.url}
                            for r in d.all_releases],
                           ["entity", "name_zh", "item_id", "category", "version", "version_src",
                            "version_carried_from", "published_at", "published_at_src",
                            "published_at_carried_from", "level", "infrastructure", "notes",
                            "notes_url", "url"]),
        "pending": _table([{**_entity(r, zh), "confidence": r.confidence,
                            "needs_review": r.needs_review, "created_month": r.created_month}
                           for r in d.pending]
                          + [{"entity": p.title, "item_id": p.item_id, "category": p.category,
                              "created_month": d.month} for p in d.pending_papers],
                          [*ENTITY_COLUMNS, "confidence", "needs_review", "created_month"]),
        "breakthroughs": _table([{"title": r.title, "kind": r.kind, "detail": r.detail,
                                  "url": r.url, **_fig("detected_at", r.detected)}
                                 for r in d.breakthroughs],
                                ["title", "kind", "detail", "url", "detected_at",
                                 "detected_at_src", "detected_at_carried_from"]),
        "papers": _table([{"item_id": p.item_id, "arxiv_id": p.arxiv_id, "title": p.title,
                           "category": p.category, "url": p.url, **_fig("published_at", p.date)}
                          for s in d.categories.values() for p in s.papers],
                         ["item_id", "arxiv_id", "title", "category", "url", "published_at",
                          "published_at_src", "published_at_carried_from"]),
        "category_counts": _table([{"category": s.category.id, "name_zh": s.category.name_zh,
                                    "name_en": s.category.name_en, "total": s.total.value,
                                    "new": s.new_count.value, "pending": s.pending.value,
                                    "pending_new": s.pending_new.value}
                                   for s in d.categories.values()],
                                  ["category", "name_zh", "name_en", "total", "new", "pending",
                                   "pending_new"]),
        "emerging_topics": _table([{"name": e.name, "terms": e.terms, "size": e.size.value,
                                    "examples": "; ".join(t for t, _ in e.examples)}
                                   for e in d.emerging],
                                  ["name", "terms", "size", "examples"]),
        "claims": _table([{"id": c.id, "seed_section": c.section, "status": c.status,
                           "editor_verdict": c.editor_verdict,
                           "evidence_en": c.evidence("en"), "evidence_zh": c.evidence("zh"),
                           "claim_src": c.claim_ref, "evidence_src": c.evidence_ref}
                          for c in d.claims],
                         ["id", "seed_section", "status", "editor_verdict", "evidence_en",
                          "evidence_zh", "claim_src", "evidence_src"]),
        "run_health": _table([{"source": h.source, "status": h.status,
                               "items_seen": h.items_seen.value, "items_new": h.items_new.value,
                               "requests": h.requests.value, "errors": h.errors.value,
                               "error": h.error, "finished_at": h.finished_at,
                               "error_kinds": " ".join(
                                   f"{k.kind}:{k.status}" if k.status else k.kind
                                   for k in h.error_kinds),
                               "last_ok_month": h.last_ok_month, "carried_age": h.carried_age,
                               "last_complete_month": h.last_complete_month,
                               "src": h.ref} for h in d.health],
                             ["source", "status", "items_seen", "items_new", "requests",
                              "errors", "error", "error_kinds", "finished_at", "last_ok_month",
                              "carried_age", "last_complete_month", "src"]),
        # The landscape's rank is its rank within its category (`cat_rank`): published
        # months are diffed on it ("moved").
        "landscape": _table([{**r, "rank": r.get("rank", r.get("cat_rank"))}
                             for r in d.landscape],
                            ["entity", "item_id", "category", "rank", "downloads_90d",
                             "downloads_period", "downloads_source_url", "downloads_fetched_at",
                             "stars", "stars_period", "stars_source_url", "stars_fetched_at"]),
        "framework_trend": _table([{**r, "name_zh": zh.get(r["entity"], r["entity"])}
                                   for r in d.trend],
                                  ["entity", "name_zh", "period", "value", "source_url",
                                   "fetched_at"]),
        "changes": _table([{"kind": c.kind, "entity": c.entity, "item_id": c.item_id,
                            "category": c.category, "old_category": c.old_category,
                            "rank": c.rank, "old_rank": c.old_rank, "against": d.diff.against}
                           for c in d.diff.changes],
                          ["kind", "entity", "item_id", "category", "old_category", "rank",
                           "old_rank", "against"]),
    }
    return tables


def sources_table(d: ReportData) -> Table:
    return (["key", "label", "url", "fetched_at"],
            [[s.key, s.label, s.url, _cell(s.fetched_at)] for s in d.sources])


# A line of a column's text that starts like a formula (a cheap C-level pre-check).
_FORMULA_LINE = re.compile(r"^[=+\-@]", re.MULTILINE)


def _guard_column(values: tuple[Any, ...]) -> tuple[Any, ...] | list[Any]:
    """The formula guard over one column; a column without text, or whose text has no line
    starting like a formula, is returned as it is without looking at each cell."""
    types = set(map(type, values))
    if not any(issubclass(t, str) for t in types):
        return values
    texts = values if types == {str} else [v for v in values if isinstance(v, str)]
    if not _FORMULA_LINE.search("\n".join(texts)):
        return values
    return [guard(c) for c in values]


def to_csv(table: Table) -> str:
    """CSV text; cells that a spreadsheet would run as a formula are prefixed with a quote."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header, rows = table
    writer.writerow(header)
    if rows and len({len(r) for r in rows}) == 1 and rows[0]:
        columns = [_guard_column(col) for col in zip(*rows, strict=True)]
        writer.writerows(zip(*columns, strict=True))
    else:
        for row in rows:
            writer.writerow([guard(c) for c in row])
    return buf.getvalue()
