"""What counts as evidence that two items are one project, as SQL over the warehouse.

Each evidence source is one SELECT producing candidate member links
`(item_id, project_id, role, evidence, evidence_url, confidence)` or mentions. They are plain
set-based SQL so resolution over the whole registry (200k crates) is a few hash joins, not a
Python loop. Strongest first (landscape/projects.py ranks them by `confidence`):

| evidence                      | confidence | what it is                                           |
|-------------------------------|-----------:|------------------------------------------------------|
| review (accept)               | 1.00 | a person said so (project_link_decisions)                   |
| watchlist                     | 1.00 | config/watchlist.toml lists the crate/repo under the entry  |
| crates.io repository field    | 0.90 | the crate's `repository` is a project member's repository   |
| crates.io homepage field      | 0.80 | the crate's `homepage` is a GitHub URL of a member repo     |
| repository homepage           | 0.80 | the repo's homepage is the crate's crates.io/docs.rs page   |
| same homepage                 | 0.70 | crate and member repo name the same website (uncertain)     |
| paper abstract URL            | 0.80 | a paper's abstract/comment links one project's repo/crate   |
| feed entry link / release_of  | 0.95/0.80 | a release post of a member / a post linking one project |
| release notes link            | 0.60 | a release of the item links one project (uncertain: review) |

Name similarity is NOT evidence: it only proposes a merge for review (`NAME_PROPOSALS_SQL`).
"""

from __future__ import annotations

# Links below this confidence are merged but wait for a person (`needs_review`).
REVIEW_BELOW = 0.75

# A GitHub repository URL -> 'repo:owner/name' (lower case, '.git' and sub-paths dropped).
# DuckDB regexp: RE2 syntax.
_GH = r"(?i)^\s*(?:git\+)?(?:https?://|ssh://git@|git://)?(?:www\.)?github\.com[/:]([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?(?:[/#?].*)?\s*$"
# Every GitHub repo URL inside free text (abstracts, notes, summaries).
_GH_IN_TEXT = r"(?i)github\.com/([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9._-]{1,100})"
# Every crates.io / docs.rs / lib.rs crate URL inside free text.
_CRATE_IN_TEXT = r"(?i)(?:crates\.io/crates|docs\.rs|lib\.rs/crates)/([A-Za-z][A-Za-z0-9_-]{0,63})"
# Hosts whose URLs say nothing about a project (a homepage equal to one of them is no evidence).
GENERIC_HOSTS = ("github.com", "crates.io", "docs.rs", "lib.rs", "gitlab.com", "example.com")


def repo_id_sql(column: str) -> str:
    """SQL: the 'repo:owner/name' a URL column points at, else NULL."""
    return (f"CASE WHEN regexp_matches({column}, '{_GH}') THEN 'repo:' || lower("
            f"regexp_extract({column}, '{_GH}', 1) || '/' || "
            f"regexp_replace(regexp_extract({column}, '{_GH}', 2), '\\.git$', '')) END")


def site_key_sql(column: str) -> str:
    """SQL: a homepage normalised to host + path (no scheme, www, trailing slash), or NULL for
    empty values and generic hosts."""
    key = (f"rtrim(lower(regexp_replace(regexp_replace({column}, '^\\s*https?://', ''), "
           f"'^www\\.', '')), '/')")
    generic = " OR ".join(f"{key} = '{h}' OR {key} LIKE '{h}/%'" for h in GENERIC_HOSTS)
    return f"CASE WHEN {column} IS NULL OR {key} = '' OR {generic} THEN NULL ELSE {key} END"


def text_refs_sql(table: str, id_col: str, text_expr: str, url_col: str) -> str:
    """SQL: every (item_id, ref_id, matched, evidence_url) a text column links to, where ref_id
    is 'repo:owner/name' or 'crate:name' (lower case; compare crates with '_' folded to '-')."""
    gh_hit = f"regexp_extract_all({text_expr}, '{_GH_IN_TEXT}', 0)"
    cr_hit = f"regexp_extract_all({text_expr}, '{_CRATE_IN_TEXT}', 0)"
    return f"""
        SELECT item_id, 'repo:' || lower(regexp_extract(hit, '{_GH_IN_TEXT}', 1) || '/' ||
                   regexp_replace(regexp_extract(hit, '{_GH_IN_TEXT}', 2),
                                  '(\\.git)?[.,;:)]*$', '')) AS ref_id,
               hit AS matched, evidence_url
        FROM (SELECT {id_col} AS item_id, {url_col} AS evidence_url, unnest({gh_hit}) AS hit
              FROM {table} WHERE {text_expr} ILIKE '%github.com/%')
        UNION ALL
        SELECT item_id, 'crate:' || lower(regexp_extract(hit, '{_CRATE_IN_TEXT}', 1)), hit,
               evidence_url
        FROM (SELECT {id_col} AS item_id, {url_col} AS evidence_url, unnest({cr_hit}) AS hit
              FROM {table}
              WHERE {text_expr} ILIKE '%crates.io/crates/%' OR {text_expr} ILIKE '%docs.rs/%'
                 OR {text_expr} ILIKE '%lib.rs/crates/%')
    """
