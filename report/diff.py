"""What changed between two revisions of the report, by meaning: the semantic diff.

`semantic_diff` (`panorama diff`, the dashboard's Report page) compares two revision folders
— two months, or two revisions of one month — by meaning: figures that moved beyond the
thresholds of config/metrics.toml, rows added or removed per table, category changes, health
changes, claim verdict flips, new errata (claims the evidence now contradicts) and corrections
published since; then the text diff of the rest.
report/diff_format.py prints it; the landscape membership diff of the report's section 9 is
report/landscape_diff.py.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from connectors.error_kinds import ErrorKind, error_kinds
from landscape.metrics import MetricDef, load_metrics
from report.csv_cells import printed_name, read_rows
from report.diff_words import key_value, row_label, side_label
from report.guard import contradicted_claims, read_table
from report.landscape_diff import previous_published
from report.queries import relation_exists
from report.render import load_labels
from report.status import neutral
from report.store import Revision, publication, publication_events, revisions
from warehouse import db

# Both sides are revision folders (what was, or would be, published), read from the report's
# own CSVs: a published side is what readers saw.

# Key columns of each table's rows (rows added/removed are matched on these); a table not named
# here is keyed on its first identifying column. Series and the landscape diff itself are not
# compared row by row.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "tools": ("category", "entity"), "movers_dl": ("direction", "entity"),
    "movers_st": ("direction", "entity"), "releases": ("item_id", "version"),
    "papers": ("arxiv_id",), "breakthroughs": ("kind", "title"), "emerging_topics": ("name",),
    "claims": ("id",), "category_counts": ("category",), "run_health": ("source",),
}
SKIP_TABLES = ("framework_trend", "changes", "meta")
ID_COLUMNS = ("project_id", "entity", "item_id", "id", "name", "title")
NAME_COLUMNS = ("project_name", "entity", "name", "title", "id", "item_id", "source")
# Landscape figures compared for "moved" (metric ids of config/metrics.toml), and the metric
# whose noise floor applies to each (the 90-day figure is the month's downloads_recent).
FIGURES = ("downloads_90d", "stars")
FLOOR_OF = {"downloads_90d": "downloads_recent", "stars": "stars"}


class DiffError(LookupError):
    """The diff cannot be made as asked (no report, revision missing, month unpublished).

    `reason` names its wording (labels diff_error_<reason>, filled with `facts`), so the CLI
    and the dashboard say it in the reader's language (`text(lang)`); str() is the English."""

    def __init__(self, reason: str, **facts: Any) -> None:
        self.reason, self.facts = reason, facts
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return load_labels()[lang][f"diff_error_{self.reason}"].format(**self.facts)


@dataclass(frozen=True)
class Side:
    month: str
    revision: int
    status: str  # 'draft' | 'published' | 'superseded'
    folder: Path
    since: datetime  # when this side was published (or rendered): corrections after it are new

    def label_in(self, lang: str) -> str:
        """"2025-12 r1 (draft)" in `lang` (report/diff_words.py)."""
        return side_label(self.month, self.revision, self.status, lang)


@dataclass(frozen=True)
class FigureMove:
    subject: str  # project / entry name, or a category id (`of` = 'category')
    metric: str
    old: float | None
    new: float | None
    of: str = ""  # what `subject` names besides an entry: 'category' (report/diff_words.py)

    @property
    def pct(self) -> float | None:
        if self.old in (None, 0) or self.new is None:
            return None
        return (self.new - self.old) / abs(self.old) * 100


@dataclass(frozen=True)
class ValueChange:
    subject: str
    old: str | None
    new: str | None
    # a source's change: the failure its new status records (none for ok); readers word it
    failure: tuple[ErrorKind, ...] = ()
    # a source that failed in both and differently: the failure it recorded before
    was: tuple[ErrorKind, ...] = ()
    of: str = ""  # what `subject` names besides an entry: 'source' | 'project'


@dataclass(frozen=True)
class Correction:
    month: str
    revision: int
    supersedes: int | None
    published_at: datetime
    reason: str | None


@dataclass
class SemanticDiff:
    """What changed between two revisions of the report, by meaning, then by text."""

    old: Side | None  # None: no earlier published month to compare with
    new: Side
    same_month: bool = False
    unit: str = "entry"  # 'project' once the landscape is grouped by project
    figures: list[FigureMove] = field(default_factory=list)
    rows: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # added, removed
    categories: list[ValueChange] = field(default_factory=list)
    health: list[ValueChange] = field(default_factory=list)  # project health, source status
    verdicts: list[ValueChange] = field(default_factory=list)
    errata: list[str] = field(default_factory=list)  # claims newly contradicting the seed
    corrections: list[Correction] = field(default_factory=list)  # published since `old`
    text: list[str] = field(default_factory=list)  # unified diff of what the above leaves out
    prose_only: bool = False  # `text` leaves out table rows and footnotes
    thresholds: dict[str, float] = field(default_factory=dict)
    lang: str = "en"  # the language its labels and text diff are worded in


def _tables(folder: Path) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    out = {}
    for path in sorted((folder / "data").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
        out[path.stem] = (header, read_rows(path))
    return out


def _key_cols(name: str, header: list[str]) -> tuple[str, ...]:
    if name in TABLE_KEYS:
        return TABLE_KEYS[name]
    return next(((c,) for c in ID_COLUMNS if c in header), tuple(header[:1]))


def _name(row: dict[str, str], lang: str = "en") -> str:
    return printed_name(row, lang, NAME_COLUMNS)


def _label(row: dict[str, str], key_cols: tuple[str, ...], lang: str = "en") -> str:
    """A row's name, with the rest of its key when the name alone does not identify it
    (a mover 'burn (down)' / 'burn（下降）', a release 'burn (0.19.0)'), in `lang`."""
    name = _name(row, lang)
    # the other language's name is not the rest of the key
    names = {name, *(_name(row, other) for other in ("en", "zh"))}
    rest = [key_value(c, row[c], lang) for c in key_cols
            if row.get(c) and row[c] not in names and not c.endswith("_id")]
    return row_label(name, rest, lang)


def _keyed(name: str, header: list[str], rows: list[dict[str, str]]) -> dict[tuple, dict]:
    cols = _key_cols(name, header)
    return {tuple(r.get(c, "") for c in cols): r for r in rows}


def _num(value: str | None) -> float | None:
    return float(value) if value and re.fullmatch(r"-?\d+(\.\d+)?(e[-+]?\d+)?", value) else None


def _moved(old: dict[tuple, dict], new: dict[tuple, dict], thresholds: dict[str, float],
           floors: dict[str, float]) -> list[FigureMove]:
    out = []
    for key in sorted(old.keys() & new.keys()):
        for metric in FIGURES:
            a, b = _num(old[key].get(metric)), _num(new[key].get(metric))
            if a == b or (a is None and b is None):
                continue
            move = FigureMove(_name(new[key]), metric, a, b)
            floor = floors.get(FLOOR_OF[metric], 0)
            if max(a or 0, b or 0) < floor:
                continue
            if move.pct is not None and abs(move.pct) < thresholds.get(metric, 0):
                continue
            out.append(move)
    return sorted(out, key=lambda m: (m.metric, -abs(m.pct or 0), m.subject))


def _changed(old: dict[tuple, dict], new: dict[tuple, dict], col: str) -> list[ValueChange]:
    return [ValueChange(_name(new[k]), old[k].get(col) or None, new[k].get(col) or None)
            for k in sorted(old.keys() & new.keys())
            if col in old[k] and col in new[k] and old[k][col] != new[k][col]]


def text_diff(old: Side, new: Side, lang: str = "en", *, prose_only: bool = False) -> list[str]:
    """Unified diff of the two Markdown files, status blocks left out (they always differ).

    `prose_only` leaves out table rows and footnote definitions too: the semantic part has
    already said what changed in the tables, and between two months nearly every row does.
    """
    def lines(side: Side) -> list[str]:
        text = neutral((side.folder / f"landscape.{lang}.md").read_text("utf-8")).splitlines()
        if prose_only:
            text = [x for x in text if not x.startswith("|") and not _FOOTNOTE_DEF.match(x)]
        return text

    return list(difflib.unified_diff(lines(old), lines(new), fromfile=old.label_in(lang),
                                     tofile=new.label_in(lang), lineterm="", n=0))


_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]: ")


def _health(a: dict[str, tuple[list[str], list[dict[str, str]]]],
            b: dict[str, tuple[list[str], list[dict[str, str]]]]) -> list[ValueChange]:
    """Project health (a `health` column, once projects carry one) and source status."""
    out: list[ValueChange] = []
    for name in ("projects", "landscape"):
        if name in a and name in b and "health" in b[name][0]:
            out += _changed(_keyed(name, *a[name]), _keyed(name, *b[name]), "health")
            break
    return out + _source_changes(_keyed("run_health", *a.get("run_health", ([], []))),
                                 _keyed("run_health", *b.get("run_health", ([], []))))


def _source_changes(old: dict[tuple, dict], new: dict[tuple, dict]) -> list[ValueChange]:
    """Sources whose status changed, or that failed in both with a different kind of failure
    (partial → partial, but a timeout where it was a 404): what failed, read from the raw
    `error` (older CSVs have no `error_kinds` column)."""
    out = []
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key].get("status") or None, new[key].get("status") or None
        now = tuple(error_kinds(new[key].get("error")))
        before = tuple(error_kinds(old[key].get("error")))
        if a != b:
            out.append(ValueChange(_name(new[key]), a, b, now, of="source"))
        elif b not in (None, "ok") and set(now) != set(before):
            out.append(ValueChange(_name(new[key]), a, b, now, before, of="source"))
    return out


def _verdicts(tables: dict[str, tuple[list[str], list[dict[str, str]]]]) -> dict[tuple, dict]:
    """Claims keyed by id with their verdict: an editor's, when the editor decided."""
    rows = tables.get("claims", ([], []))[1]
    return {(r["id"],): {**r, "verdict": (r.get("editor_verdict") or "editor")
                         if r.get("status") == "editor" else r.get("status")} for r in rows}


def project_health_changes(con: duckdb.DuckDBPyConnection, old: Side,
                           new: Side) -> list[ValueChange]:
    """Projects (of the entries either side prints) whose health differs between the two
    months (table `project_health` of the projects area, one status per project and month)."""
    if old.month == new.month or not relation_exists(con, "project_health") \
            or not relation_exists(con, "v_item_project"):
        return []
    items = sorted({r["item_id"] for side in (old, new)
                    for r in read_table(side.folder, "landscape") if r.get("item_id")})
    rows = con.execute("""
        WITH p AS (SELECT DISTINCT project_id, project_name FROM v_item_project
                   WHERE item_id IN (SELECT unnest($items)))
        SELECT p.project_name, a.status, b.status
        FROM p JOIN project_health a ON a.project_id = p.project_id AND a.month = $old
               JOIN project_health b ON b.project_id = p.project_id AND b.month = $new
        WHERE a.status <> b.status ORDER BY 1""",
        {"items": items or [""], "old": old.month, "new": new.month}).fetchall()
    return [ValueChange(name, a, b, of="project") for name, a, b in rows]


def compare(old: Side | None, new: Side, *, metrics: list[MetricDef],
            corrections: list[Correction] = (), lang: str = "en", full_text: bool = False,
            project_health: list[ValueChange] = ()) -> SemanticDiff:
    """The semantic diff of two revision folders (`old` None: nothing to compare with)."""
    same = old is not None and old.month == new.month
    # Between two revisions of one month every change is a correction worth seeing.
    thresholds = {} if same else {m.id: m.diff_threshold_pct for m in metrics
                                  if m.diff_threshold_pct is not None}
    floors = {} if same else {m.id: m.noise_floor for m in metrics if m.noise_floor}
    d = SemanticDiff(old, new, same_month=same, thresholds=thresholds, lang=lang)
    if old is None:
        return d
    a, b = _tables(old.folder), _tables(new.folder)
    d.unit = "project" if "project_id" in b.get("landscape", ([], []))[0] else "entry"
    for name in sorted((a.keys() | b.keys()) - set(SKIP_TABLES)):
        ka, kb = _keyed(name, *a.get(name, ([], []))), _keyed(name, *b.get(name, ([], [])))
        cols = _key_cols(name, (b.get(name) or a[name])[0])
        added = [_label(kb[k], cols, lang) for k in kb if k not in ka]
        removed = [_label(ka[k], cols, lang) for k in ka if k not in kb]
        if added or removed:
            d.rows[name] = (added, removed)
    la, lb = (_keyed("landscape", *t.get("landscape", ([], []))) for t in (a, b))
    d.figures = _moved(la, lb, thresholds, floors)
    ca, cb = (_keyed("category_counts", *t.get("category_counts", ([], []))) for t in (a, b))
    for key in sorted(ca.keys() & cb.keys()):
        for col in ("total", "new"):
            x, y = _num(ca[key].get(col)), _num(cb[key].get(col))
            if x != y:
                d.figures.append(FigureMove(key[0], f"category_{col}", x, y, of="category"))
    d.categories = _changed(la, lb, "category")
    d.health = list(project_health) + _health(a, b)
    d.verdicts = _changed(*(_verdicts(t) for t in (a, b)), "verdict")
    before = set(contradicted_claims(old.folder))
    d.errata = [c for c in contradicted_claims(new.folder) if c not in before]
    d.corrections = list(corrections)
    d.prose_only = not same and not full_text
    d.text = text_diff(old, new, lang, prose_only=d.prose_only)
    return d


def _side(con: duckdb.DuckDBPyConnection, rev: Revision) -> Side:
    event = next((e for e in publication_events(con, rev.month)
                  if e.revision == rev.revision), None)
    return Side(rev.month, rev.revision, rev.status, db.reports_dir() / rev.path,
                event.published_at if event else rev.created_at)


def resolve_sides(con: duckdb.DuckDBPyConnection, month: str, against: str | None = None,
                  revision: int | None = None) -> tuple[Side | None, Side]:
    """(old, new): `month`'s latest revision against its revision `revision`, or against the
    published revision of `against` (default: the previous published month)."""
    revs = revisions(con, month)
    if not revs:
        raise DiffError("no_report", month=month)
    new = _side(con, revs[-1])
    if revision is not None:
        if against:
            raise DiffError("both")
        base = next((r for r in revs if r.revision == revision), None)
        if base is None or base.revision == new.revision:
            if not any(r.revision < new.revision for r in revs):
                raise DiffError("only_revision", month=month, latest=new.revision)
            raise DiffError("no_revision", month=month, revision=revision,
                            latest=new.revision)
        return _side(con, base), new
    against = against or previous_published(con, month)
    if against is None:
        return None, new
    pub = publication(con, against)
    if pub is None:
        raise DiffError("unpublished", month=against)
    rev = next(r for r in revisions(con, against) if r.revision == pub.revision)
    return _side(con, rev), new


def semantic_diff(month: str, *, against: str | None = None, revision: int | None = None,
                  lang: str = "en", full_text: bool = False) -> SemanticDiff:
    """What changed in `month`'s latest revision: against the previous published month,
    another published month (`against`) or an earlier revision of itself (`revision`).

    Raises DiffError when the month has no report, the revision does not exist, or `against`
    is not published. Opens the warehouse read-only (the dashboard calls it while runs write).
    """
    with db.connect(read_only=True) as con:
        old, new = resolve_sides(con, month, against, revision)
        corrections = [Correction(e.month, e.revision, e.supersedes, e.published_at, e.reason)
                       for e in publication_events(con) if e.kind == "correction" and old
                       and e.published_at > old.since and e.month <= new.month]
        health = project_health_changes(con, old, new) if old else []
    return compare(old, new, metrics=load_metrics(), corrections=corrections, lang=lang,
                   full_text=full_text, project_health=health)
