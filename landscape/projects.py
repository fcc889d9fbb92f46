"""Entity resolution: which crates, repositories, papers and posts are one project.

`resolve_projects(con)` rewrites the project tables (warehouse/schema_projects.py) from the
warehouse and the watchlist, strongest evidence first (landscape/project_evidence.py):

1. the watchlist: each [[watch]] entry is a project; its crates and repos are members, its
   `primary_crate` / `primary_repo` are where its headline figures come from, and its
   `upstream` repositories are relations, never members;
2. a person's review decisions (accept / split / upstream; project_link_decisions) — they are
   read every run, so they stick;
3. fields: a crate's `repository` / `homepage` naming a member repository, a repository's
   homepage naming a member crate, a crate and a member repo sharing a project website;
4. monorepos: crates in no project that share a repository form a (discovered) project with
   that repository;
5. URLs in paper abstracts, feed entries and release notes (mentions; a paper or post naming
   exactly one project is its member; a release-notes link is uncertain and waits for review).

Name similarity alone never merges: a same-named item (a discovered crate `biome` beside the
watched Biome) only becomes a proposal in `project_link_proposals`. Relations besides the
watchlist's upstream (binding_of, fork_of, successor_of) come from
landscape/project_relations.py. Everything is set-based SQL over temp tables, so the whole
registry resolves in seconds (bench/bench_projects.py).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from connectors.watchlist import WatchItem, Watchlist, load_watchlist
from landscape.project_evidence import REVIEW_BELOW, repo_id_sql, site_key_sql, text_refs_sql
from landscape.project_relations import INSERT_RELATIONS, RELATION_STEPS
from warehouse.transaction import transaction

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ResolveSummary:
    projects: int
    watched: int
    members: int
    relations: int
    mentions: int
    proposals: int
    needs_review: int
    seconds: float


def slug(name: str) -> str:
    """'llama.cpp bindings' -> 'llama-cpp-bindings' (the watched project's id suffix)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def watched_project_id(item: WatchItem) -> str:
    return f"project:{slug(item.name)}"


def _crate_role(name: str, primary: str | None) -> str:
    if name == primary:
        return "primary_crate"
    # FFI crates (`*-sys`) are the binding layer of the project, not a feature crate
    return "binding" if re.search(r"[-_]sys([-_]\d+)?$", name) else "sub_crate"


def _watchlist_ref(path: Path | None) -> str:
    """'config/watchlist.toml' for the project's own file; another file by its full path;
    'watchlist' for one built in memory."""
    if path is None:
        return "watchlist"
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def _watch_tables(wl: Watchlist) -> dict[str, pa.Table]:
    """The watchlist as three small Arrow tables: projects, member links, upstreams. A
    member's evidence names the file it was read from (a run's `--watchlist` too)."""
    source = _watchlist_ref(wl.path)
    projects, links, upstream = [], [], []
    for it in wl.items:
        pid = watched_project_id(it)
        ref = f"{source}#{it.name}"
        p_crate = it.primary_crate or (it.crates[0] if it.crates else None)
        p_repo = it.primary_repo or (it.repos[0] if it.repos else None)
        projects.append({
            "project_id": pid, "name_en": it.name, "name_zh": it.name_zh or it.name,
            "category": it.category, "note": it.note,
            "primary_crate": f"crate:{p_crate.lower()}" if p_crate else None,
            "primary_repo": f"repo:{p_repo.lower()}" if p_repo else None})
        for c in it.crates:
            links.append({"item_id": f"crate:{c.lower()}", "project_id": pid,
                          "role": _crate_role(c, p_crate), "evidence_url": ref})
        for r in it.repos:
            links.append({"item_id": f"repo:{r.lower()}", "project_id": pid,
                          "role": "primary_repo" if r == p_repo else "member",
                          "evidence_url": ref})
        for r in it.upstream:
            upstream.append({"project_id": pid, "item_id": f"repo:{r.lower()}",
                             "evidence_url": ref})
    s = pa.string()
    return {
        "_pj_wproj": pa.Table.from_pylist(projects, schema=pa.schema(
            [(c, s) for c in ("project_id", "name_en", "name_zh", "category", "note",
                              "primary_crate", "primary_repo")])),
        "_pj_wlink": pa.Table.from_pylist(links, schema=pa.schema(
            [(c, s) for c in ("item_id", "project_id", "role", "evidence_url")])),
        "_pj_wup": pa.Table.from_pylist(upstream, schema=pa.schema(
            [(c, s) for c in ("project_id", "item_id", "evidence_url")])),
    }


# Normalised name for proposals: lower case, runs of non-alphanumerics -> '-'.
_NORM = "trim(regexp_replace(lower({x}), '[^a-z0-9]+', '-', 'g'), '-')"
# A crate id with '_' folded to '-' (crates.io treats them as one name).
_FOLD = "replace({x}, '_', '-')"

# The steps, in order; each is one statement. `_pj_best(table)` keeps per item the strongest
# link (confidence, then evidence rank, then project id), dropping split (item, project) pairs.
_BEST = """
CREATE OR REPLACE TEMP TABLE {out} AS
SELECT * FROM {src} c
WHERE NOT EXISTS (SELECT 1 FROM _pj_dec d WHERE d.item_id = c.item_id
                  AND d.project_id = c.project_id AND d.decision IN ('split', 'upstream'))
QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY confidence DESC, rank, project_id) = 1
"""

_STEPS: list[str] = [
    # latest decision per (item, project)
    """CREATE OR REPLACE TEMP TABLE _pj_dec AS
       SELECT * FROM project_link_decisions
       QUALIFY row_number() OVER (PARTITION BY item_id, project_id
                                  ORDER BY decided_at DESC, decision_id DESC) = 1""",
    # crates and repos with the keys evidence is matched on
    f"""CREATE OR REPLACE TEMP TABLE _pj_items AS
        SELECT item_id, kind, name, source_url, {_FOLD.format(x='item_id')} AS fold_id,
               {repo_id_sql('repository')} AS repo_ref,
               {repo_id_sql('homepage')} AS home_repo_ref,
               {site_key_sql('homepage')} AS site
        FROM items WHERE kind IN ('crate', 'repo')""",
    # 1-2: the watchlist and accepted reviews
    """CREATE OR REPLACE TEMP TABLE _pj_c1 AS
        SELECT item_id, project_id, role, 'watchlist' AS evidence, evidence_url,
               1.0 AS confidence, 1 AS rank FROM _pj_wlink
        UNION ALL
        SELECT d.item_id, d.project_id, 'member', 'review', 'review:' || d.decision_id, 1.0, 0
        FROM _pj_dec d WHERE d.decision = 'accept'""",
    _BEST.format(out="_pj_m1", src="_pj_c1"),
    # 3: fields of crates/repos not yet placed that point at a member (never an upstream)
    """CREATE OR REPLACE TEMP TABLE _pj_c2 AS
        WITH free AS (SELECT * FROM _pj_items WHERE item_id NOT IN (SELECT item_id FROM _pj_m1)),
        mem AS (SELECT m.item_id, m.project_id, i.kind, i.repo_ref, i.site, i.fold_id
                FROM _pj_m1 m JOIN _pj_items i USING (item_id)),
        ups AS (SELECT item_id FROM _pj_wup UNION SELECT item_id FROM _pj_dec
                WHERE decision = 'upstream')
        SELECT f.item_id, m.project_id,
               CASE WHEN regexp_matches(f.name, '[-_]sys([-_][0-9]+)?$') THEN 'binding' ELSE 'sub_crate' END
                   AS role,
               'crates.io repository field' AS evidence, f.source_url AS evidence_url,
               0.9 AS confidence, 2 AS rank
        FROM free f JOIN mem m ON m.kind = 'repo' AND m.item_id = f.repo_ref
        WHERE f.kind = 'crate'
        UNION ALL
        SELECT f.item_id, m.project_id, 'sub_crate', 'crates.io homepage field', f.source_url,
               0.8, 3
        FROM free f JOIN mem m ON m.kind = 'repo' AND m.item_id = f.home_repo_ref
        WHERE f.kind = 'crate'
        UNION ALL
        -- a member crate's repository field names a repo in no project: the project's repo
        SELECT f.item_id, m.project_id, 'member', 'crates.io repository field', s.source_url,
               0.9, 2
        FROM free f JOIN mem m ON m.kind = 'crate' AND m.repo_ref = f.item_id
        JOIN _pj_items s ON s.item_id = m.item_id
        WHERE f.kind = 'repo' AND f.item_id NOT IN (SELECT item_id FROM ups)
        UNION ALL
        SELECT c.item_id, m.project_id, 'sub_crate', 'repository homepage', r.source_url, 0.8, 3
        FROM _pj_items r JOIN mem m ON m.item_id = r.item_id AND m.kind = 'repo'
        JOIN items ri ON ri.item_id = r.item_id
        JOIN free c ON c.kind = 'crate' AND c.fold_id = 'crate:' || replace(lower(
            regexp_extract(ri.homepage, '(?:crates\\.io/crates|docs\\.rs|lib\\.rs/crates)/([A-Za-z0-9_-]+)', 1)),
            '_', '-')
        WHERE regexp_matches(ri.homepage, '(crates\\.io/crates|docs\\.rs|lib\\.rs/crates)/[A-Za-z]')
        UNION ALL
        SELECT f.item_id, m.project_id,
               CASE WHEN f.kind = 'crate' THEN 'sub_crate' ELSE 'member' END,
               'same homepage', f.source_url, 0.7, 4
        FROM free f JOIN mem m ON m.site = f.site AND m.item_id <> f.item_id
        WHERE f.item_id NOT IN (SELECT item_id FROM ups)""",
    "CREATE OR REPLACE TEMP TABLE _pj_c12 AS SELECT * FROM _pj_c1 UNION ALL SELECT * FROM _pj_c2",
    _BEST.format(out="_pj_m2", src="_pj_c12"),
    # 4: monorepos — free crates sharing a repository (or with that repo in the warehouse)
    """CREATE OR REPLACE TEMP TABLE _pj_groups AS
       WITH free AS (
           SELECT * FROM _pj_items i
           WHERE i.kind = 'crate' AND i.repo_ref IS NOT NULL
             AND i.item_id NOT IN (SELECT item_id FROM _pj_m2)
             AND NOT EXISTS (SELECT 1 FROM _pj_dec d WHERE d.item_id = i.item_id
                             AND d.project_id = 'project:' || substr(i.repo_ref, 6)
                             AND d.decision IN ('split', 'upstream'))),
       g AS (SELECT repo_ref, count(*) AS n FROM free GROUP BY repo_ref),
       r AS (SELECT item_id FROM _pj_items WHERE kind = 'repo'
             AND item_id NOT IN (SELECT item_id FROM _pj_m2))
       SELECT f.*, 'project:' || substr(f.repo_ref, 6) AS project_id, g.n,
              row_number() OVER (PARTITION BY f.repo_ref ORDER BY
                  (split_part(f.name, '/', 1) = split_part(f.repo_ref, '/', 2))::INT DESC,
                  length(f.name), f.name) AS pos,
              f.repo_ref IN (SELECT item_id FROM r) AS repo_known
       FROM free f JOIN g USING (repo_ref)
       WHERE g.n >= 2 OR f.repo_ref IN (SELECT item_id FROM r)""",
    """CREATE OR REPLACE TEMP TABLE _pj_c3 AS
       SELECT item_id, project_id,
              CASE WHEN pos = 1 THEN 'primary_crate'
                   WHEN regexp_matches(name, '[-_]sys([-_][0-9]+)?$') THEN 'binding' ELSE 'sub_crate' END AS role,
              CASE WHEN n >= 2 THEN 'monorepo (shared repository field)'
                   ELSE 'crates.io repository field' END AS evidence,
              source_url AS evidence_url, 0.9 AS confidence, 5 AS rank
       FROM _pj_groups
       UNION ALL
       SELECT any_value(repo_ref), project_id, 'primary_repo', 'crates.io repository field',
              any_value(source_url) FILTER (WHERE pos = 1), 0.9, 5
       FROM _pj_groups WHERE repo_known GROUP BY project_id""",
    "CREATE OR REPLACE TEMP TABLE _pj_c123 AS SELECT * FROM _pj_m2 UNION ALL SELECT * FROM _pj_c3",
    _BEST.format(out="_pj_m3", src="_pj_c123"),
    # 5: URLs in papers, posts and release notes -> the projects they name
    """CREATE OR REPLACE TEMP TABLE _pj_keys AS
       SELECT replace(item_id, '_', '-') AS fold_id, project_id FROM _pj_m3""",
    f"""CREATE OR REPLACE TEMP TABLE _pj_refs AS
        SELECT DISTINCT r.item_id, k.project_id, r.kind, r.evidence, r.evidence_url, r.matched
        FROM (
            SELECT *, 'paper' AS kind, 'paper abstract URL' AS evidence FROM ({text_refs_sql(
                'papers', 'paper_id', "coalesce(abstract, '') || ' ' || coalesce(comment, '')",
                'source_url')})
            UNION ALL
            SELECT *, 'post', 'feed entry link' FROM ({text_refs_sql(
                'posts', 'post_id', "coalesce(link, '') || ' ' || coalesce(summary, '')",
                'source_url')})
            UNION ALL
            SELECT *, 'release', 'release notes link' FROM ({text_refs_sql(
                'releases', 'item_id', "coalesce(notes, '')", 'source_url')})
        ) r
        JOIN _pj_keys k ON k.fold_id = replace(r.ref_id, '_', '-')
        WHERE r.item_id NOT IN (SELECT item_id FROM _pj_m3)""",
    """CREATE OR REPLACE TEMP TABLE _pj_c4 AS
       SELECT item_id, project_id, kind AS role, evidence, any_value(evidence_url) AS evidence_url,
              0.8 AS confidence, 6 AS rank
       FROM _pj_refs WHERE kind IN ('paper', 'post')
       GROUP BY item_id, project_id, kind, evidence
       QUALIFY count(*) OVER (PARTITION BY item_id) = 1
       UNION ALL
       SELECT p.post_id, k.project_id, 'post', 'feed release_of', p.source_url, 0.95, 6
       FROM posts p JOIN _pj_keys k ON k.fold_id = replace(p.release_of, '_', '-')
       UNION ALL
       SELECT item_id, any_value(project_id), 'member', 'release notes link',
              any_value(evidence_url), 0.6, 7
       FROM (SELECT DISTINCT item_id, project_id, evidence_url FROM _pj_refs
             WHERE kind = 'release')
       GROUP BY item_id HAVING count(DISTINCT project_id) = 1""",
    "CREATE OR REPLACE TEMP TABLE _pj_c1234 AS SELECT * FROM _pj_m3 UNION ALL SELECT * FROM _pj_c4",
    _BEST.format(out="_pj_final", src="_pj_c1234"),
]


def _proposals_sql() -> str:
    """Same-name items in no project -> proposals for review (never members)."""
    norm_item = _NORM.format(x="CASE WHEN i.kind = 'repo' THEN split_part(i.name, '/', 2) "
                               "ELSE i.name END")
    return f"""
    CREATE OR REPLACE TEMP TABLE _pj_prop AS
    WITH keys AS (
        SELECT project_id, {_NORM.format(x='name_en')} AS k FROM _pj_wproj
        UNION
        SELECT m.project_id, {_NORM.format(x="CASE WHEN i.kind = 'repo' THEN "
                                             "split_part(i.name, '/', 2) ELSE i.name END")}
        FROM _pj_final m JOIN items i USING (item_id)
        WHERE m.role IN ('primary_crate', 'primary_repo')
          AND m.project_id IN (SELECT project_id FROM _pj_wproj)
    )
    SELECT i.item_id, k.project_id, 'same name' AS reason, i.source_url AS evidence_url,
           0.3 AS confidence
    FROM items i JOIN keys k ON k.k = {norm_item}
    WHERE i.kind IN ('crate', 'repo')
      AND i.item_id NOT IN (SELECT item_id FROM _pj_final)
      AND NOT EXISTS (SELECT 1 FROM _pj_dec d WHERE d.item_id = i.item_id
                      AND d.project_id = k.project_id)
      -- a declared upstream shares its name with its bindings by design
      AND NOT EXISTS (SELECT 1 FROM _pj_wup u WHERE u.item_id = i.item_id
                      AND u.project_id = k.project_id)
    QUALIFY row_number() OVER (PARTITION BY i.item_id, k.project_id) = 1
    """


_WATCH_STORE = {"_pj_wproj": "project_watch_entries", "_pj_wlink": "project_watch_links",
                "_pj_wup": "project_watch_upstreams"}


def _load_watch_tables(con: duckdb.DuckDBPyConnection, watchlist: Watchlist | None) -> str:
    """Create the watchlist's temp tables (`_watch_tables`) from `watchlist`, else from the
    warehouse's stored copy, else from config/watchlist.toml; return the source's path."""
    stored = con.execute("SELECT path FROM project_watch_source LIMIT 1").fetchall()
    if watchlist is None and stored:
        for temp, table in _WATCH_STORE.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS SELECT * FROM {table}")
        return str(stored[0][0])
    wl = watchlist or load_watchlist()
    for name, table in _watch_tables(wl).items():
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")
    return str(wl.path or "")


_WRITE: list[str] = [
    *(f"DELETE FROM {table}" for table in _WATCH_STORE.values()),
    *(f"INSERT INTO {table} SELECT * FROM {temp}" for temp, table in _WATCH_STORE.items()),
    "DELETE FROM project_watch_source",
    "INSERT INTO project_watch_source VALUES ($source, $now)",
    "DELETE FROM projects", "DELETE FROM project_members", "DELETE FROM project_relations",
    "DELETE FROM project_mentions", "DELETE FROM project_link_proposals",
    """INSERT INTO projects
       SELECT project_id, name_en, name_zh, category, TRUE, 'watchlist', primary_crate,
              primary_repo, note, $run, $now FROM _pj_wproj
       UNION ALL
       -- a discovered project is named after its primary crate (else its repository)
       SELECT project_id, name, name, NULL, FALSE, 'repository', crate, repo, NULL, $run, $now
       FROM (SELECT project_id,
                    any_value(item_id) FILTER (WHERE role = 'primary_crate') AS crate,
                    any_value(item_id) FILTER (WHERE role = 'primary_repo') AS repo,
                    coalesce(substr(crate, 7), substr(repo, 6), substr(project_id, 9)) AS name
             FROM _pj_final WHERE project_id NOT IN (SELECT project_id FROM _pj_wproj)
             GROUP BY project_id)""",
    """INSERT INTO project_members
       SELECT f.item_id, f.project_id, f.role, f.evidence, f.evidence_url, f.confidence,
              f.confidence < $below AND f.evidence <> 'review', $now
       FROM _pj_final f WHERE f.item_id IN (SELECT item_id FROM items)""",
    """INSERT INTO project_relations
       SELECT DISTINCT u.project_id, coalesce(f.project_id, u.item_id), 'upstream', u.evidence,
              u.evidence_url, 1.0
       FROM (SELECT project_id, item_id, 'watchlist' AS evidence, evidence_url FROM _pj_wup
             UNION ALL
             SELECT project_id, item_id, 'review', 'review:' || decision_id FROM _pj_dec
             WHERE decision = 'upstream') u
       LEFT JOIN _pj_final f ON f.item_id = u.item_id
       WHERE coalesce(f.project_id, u.item_id) <> u.project_id
       QUALIFY row_number() OVER (PARTITION BY u.project_id, coalesce(f.project_id, u.item_id)
                                  ORDER BY u.evidence DESC) = 1""",
    INSERT_RELATIONS,
    """INSERT INTO project_mentions
       SELECT project_id, item_id, any_value(kind), any_value(evidence),
              any_value(evidence_url), min(matched)
       FROM _pj_refs WHERE kind IN ('paper', 'post') GROUP BY project_id, item_id""",
    "INSERT INTO project_link_proposals SELECT * FROM _pj_prop",
]


def resolve_projects(con: duckdb.DuckDBPyConnection, watchlist: Watchlist | None = None,
                     run_id: str | None = None) -> ResolveSummary:
    """Rewrite projects, members, relations, mentions and proposals from the evidence.

    Args:
        con: a writable, migrated warehouse connection.
        watchlist: the watchlist; None = the one the projects were last resolved from (kept
            in the warehouse, `project_watch_*`), or config/watchlist.toml if none was yet.
        run_id: the run doing it (stamped on `projects.resolved_run`).

    Returns:
        Counts of what was written, and the wall time.
    """
    started = time.perf_counter()
    source = _load_watch_tables(con, watchlist)
    try:
        for stmt in (*_STEPS, *RELATION_STEPS):
            con.execute(stmt)
        con.execute(_proposals_sql())
        params = {"run": run_id, "now": datetime.now(UTC), "below": REVIEW_BELOW,
                  "source": source}
        with transaction(con):
            for stmt in _WRITE:
                con.execute(stmt, {k: v for k, v in params.items() if f"${k}" in stmt})
        counts = con.execute("""
            SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM projects WHERE watched),
                   (SELECT count(*) FROM project_members),
                   (SELECT count(*) FROM project_relations),
                   (SELECT count(*) FROM project_mentions),
                   (SELECT count(*) FROM project_link_proposals),
                   (SELECT count(*) FROM project_members WHERE needs_review)""").fetchone()
    finally:
        for name in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary "
                                "AND table_name LIKE '\\_pj\\_%' ESCAPE '\\'").fetchall():
            con.execute(f"DROP TABLE IF EXISTS {name[0]}")
    return ResolveSummary(*[int(c) for c in counts], seconds=time.perf_counter() - started)
