"""The month's releases: one row per distinct (project, version), ranked by significance.

A project publishes the same version several times over (each crate of a workspace on
crates.io, and a GitHub release whose tag spells it `v0.18.2`, `axum-v0.8.7`,
`@biomejs/biome@2.2.3`), so the rows are grouped on the version the tag names. Ranking:
major/minor releases before patches, landscape categories before infrastructure
(config/report.toml [releases].infrastructure: a tokio patch must not push a burn release out),
then the project's downloads, then date. Pre-releases count (ort has shipped its 2.0 line as
release candidates for years; one source may flag a version as pre-release and another not)
and rank after patches, as level "pre". The month's count is every distinct release; the
table lists each project once, with its most significant release (`per_project`). Notes are
the first sentence of the release notes, or "—" when the source gave none (a crates.io
version has no notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from report.provenance import Figure, SourceRegistry
from warehouse.views_projects import project_releases_sql

# A cheap superset of "published in $month" that the scan filters on before it computes the
# period (strftime, in the session's time zone) of every release of the warehouse: the day
# before the month to 32 days after its first day, wider than any time zone's offset.
_NEAR_MONTH = ("r.published_at >= ($month || '-01')::DATE - INTERVAL 1 DAY "
               "AND r.published_at < ($month || '-01')::DATE + INTERVAL 32 DAY")

# The month's releases: each version of a project once (project_releases_sql keeps the best
# source; the GitHub notes serve a crates.io release without any), deduplicated over the
# releases of the projects that released in the month only (their other months included: a
# version whose best source falls in another month counts there), not over every release of
# the warehouse. Pre-releases count (ranked last below). Only published (trusted) projects
# are listed, so the releases are read for `_rep_items` (which holds each of their items),
# not for every in-scope item.
RELEASES_SQL = f"""
SELECT r.* REPLACE (coalesce(r.notes, r.any_notes) AS notes),
       e.entity, e.category, e.score_dl, e.score_st
FROM ({project_releases_sql(
    "v_report_releases r JOIN _rep_items s USING (item_id) WHERE s.pid IN ("
    "SELECT s.pid FROM v_report_releases r JOIN _rep_items s USING (item_id) "
    f"WHERE r.period = $month AND {_NEAR_MONTH})", "s.pid", "s.entity", "s.project_role")}) r
JOIN _rep_entity e ON e.pid = r.project_id
WHERE r.is_best AND r.period = $month AND e.trusted
  AND e.category IS NOT NULL AND e.category NOT IN ('out_of_scope', 'uncategorized')
ORDER BY e.score_dl DESC, e.score_st DESC, r.published_at DESC, r.release_id
"""

# The version a tag names: digits and dots at the end of the tag, after a prefix such as
# `v`, `tokio-`, `axum-v`, `rs-` or `@scope/name@`; build tags like `b6901` keep their text.
_VERSION = re.compile(r"(\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.\-]+)?)$")
_PREFIX_END = re.compile(r"(^|[^0-9A-Za-z])v?$")
# Boilerplate that opens GitHub's generated notes and says nothing about the release.
_BOILERPLATE = re.compile(r"^\s*(#+\s*)?(what'?s changed|changelog|release notes|changes)\s*:?\s*",
                          re.IGNORECASE)
_MD_NOISE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>|[*_`>]+|^#+\s*", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s|[\n\r]")
NOTE_MAX = 140

MAJOR, MINOR, PATCH, PRE, OTHER = "major", "minor", "patch", "pre", "other"


@dataclass(frozen=True)
class ReleaseRow:
    entity: str
    item_id: str
    category: str
    version: Figure  # the version as the source spells it (tag or crate version)
    date: Figure
    url: str | None
    notes: str  # first sentence of the notes, or "—"
    level: str  # major | minor | patch | pre | other
    infrastructure: bool
    notes_url: str | None = None  # where the notes are (a crates.io row's GitHub release)
    # the crate the version belongs to when it is not the project's main one: tracing's
    # "0.5.0" is tracing-subscriber's, and printed bare it would read as tracing's own
    member: str | None = None


def normalize_version(tag: str) -> str:
    """'axum-v0.8.7' -> '0.8.7'; 'b6901' -> 'b6901' (nothing to normalise)."""
    tag = tag.strip()
    m = _VERSION.search(tag)
    if m and _PREFIX_END.search(tag[: m.start()]):
        return m.group(1)
    return tag


def display_version(version: str) -> str:
    """The version as the report prints it: a tag's `v` dropped ('v2.0.0-rc.14' ->
    '2.0.0-rc.14'), so that one release reads the same whether crates.io or a GitHub tag
    speaks for it (ort's 2.0.0-rc.14 was printed both ways in one report). A longer prefix
    stays: it names a member ('tokio-macros-2.5.0', 'rust-v0.13.5', '@biomejs/biome@2.2.3'),
    and the bare number would read as the project's own version."""
    version = version.strip()
    return version[1:] if re.fullmatch(r"[vV]\d.*", version) else version


def level(version: str) -> str:
    """major (x.0.0, x ≥ 1), minor (0.y.0 or x.y.0: new features), patch, pre (a pre-release:
    x.y.z-rc.1), or other (build numbers)."""
    m = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\+.*)?", version)
    if not m:
        return PRE if re.fullmatch(r"\d+\.\d+(?:\.\d+)?-[0-9A-Za-z.\-]+(?:\+.*)?", version) else OTHER
    major, minor, patch = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if patch:
        return PATCH
    if major >= 1 and minor == 0:
        return MAJOR
    return MINOR


def first_sentence(notes: str | None) -> str:
    """The first sentence of release notes as plain text, at most NOTE_MAX characters."""
    text = _LINK.sub(r"\1", notes or "")
    text = _BOILERPLATE.sub("", text.strip())
    text = _MD_NOISE.sub("", text)
    lines = [ln.strip(" -•\t") for ln in text.splitlines()]
    text = "\n".join(ln for ln in lines if ln)
    first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip() if text.strip() else ""
    if len(first) > NOTE_MAX:
        first = first[: NOTE_MAX - 1].rstrip() + "…"
    return first or "—"


_ORDER = {MAJOR: 0, MINOR: 1, PATCH: 2, PRE: 3, OTHER: 4}


def _notes_url(row: dict[str, Any]) -> str | None:
    """A crates.io release has no notes of its own: they come from the project's GitHub
    release of the same version (v_project_releases' `second_url`)."""
    if str(row.get("item_id", "")).startswith("crate:") and row.get("second_url"):
        return row["second_url"]
    return row.get("url")


def distinct_releases(rows: list[dict[str, Any]], reg: SourceRegistry,
                      infrastructure: tuple[str, ...]) -> list[ReleaseRow]:
    """Group release rows (RELEASES_SQL) on (entity, version) and rank them.

    Within a group the row with notes (a GitHub release) speaks for it, else the latest
    fetched; the project's score (`score_dl`, `score_st`) breaks ties between projects."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:  # v_project_releases' version_key when the query provides it
        key = r.get("version_key") or normalize_version(r["version"])
        groups.setdefault((r["entity"], key), []).append(r)
    ranked = []
    for (entity, version), members in groups.items():
        best = min(members, key=lambda r: (not (r.get("notes") or "").strip(),
                                           str(r.get("release_id") or "")))
        lvl = level(version)
        infra = best["category"] in infrastructure
        key = (_ORDER[lvl] > 1, infra, _ORDER[lvl], -(best.get("score_dl") or -1),
               -(best.get("score_st") or -1), -best["published_at"].timestamp(), entity, version)
        row = ReleaseRow(
            entity, best["item_id"], best["category"],
            reg.figure(display_version(best["version"]), best["source_url"], best["fetched_at"]),
            reg.figure(best["published_at"], best["source_url"], best["fetched_at"]),
            best.get("url"), first_sentence(best.get("notes")), lvl, infra,
            _notes_url(best), _member_crate(members))
        ranked.append((key, row))
    return [row for _, row in sorted(ranked, key=lambda x: x[0])]


def _member_crate(rows: list[dict[str, Any]]) -> str | None:
    """The name of the crate a release group's version belongs to, if that crate is not the
    project's main one (a sub-crate's or binding's own version); None when the main crate, a
    lone item or the main repository (whose tag names the project) released it too."""
    crates = [r for r in rows if str(r["item_id"]).startswith("crate:")]
    if not crates or any(r.get("role") in ("primary_crate", "primary_repo", "self")
                         for r in rows):
        return None
    return min(str(r["item_id"]) for r in crates).split(":", 1)[1]


def per_project(releases: list[ReleaseRow]) -> list[ReleaseRow]:
    """The table's rows: each project once, with its most significant release (the ranked
    list's first of that project), in the same order."""
    seen: set[str] = set()
    return [r for r in releases if not (r.entity in seen or seen.add(r.entity))]
