"""Relations between projects derived from what we collect (besides the watchlist's upstream).

`resolve_projects` (landscape/projects.py) runs `RELATION_STEPS` once the members are known
(`_pj_final`: item -> project; an item in no project is its own project) and writes
`_pj_rel` into `project_relations`. The evidence, strongest first:

| relation     | evidence                                                    | confidence |
|--------------|-------------------------------------------------------------|-----------:|
| fork_of      | GitHub's `fork` + `parent` fields of the repository response | 1.0 |
| binding_of   | a crate's / repo's description: "bindings to X", "X bindings", "wrapper for X" | 0.7 |
| fork_of      | a description: "fork of X", "forked from X"                 | 0.7 |
| successor_of | a description: "successor of X" (this one succeeds X), "superseded by X", "deprecated in favour of X" (X succeeds this one) | 0.7 |

What a description names (X) must be a project someone decided to watch (its name, or a
member crate's name), or a repository we fetch (owner/name or its name): the text says which
project, the name only finds it. X must name exactly one of them, never the describing
project itself, and is never a programming language ("bindings for Python"). A bare name
similarity between two items is never a relation (nor a membership: landscape/projects.py).
The description's own words are kept as the evidence; the response it came from as its URL.
"""

from __future__ import annotations

# A name as a description writes it: "llama.cpp", "whisper-rs", "ggml-org/llama.cpp".
_NAME = r"([a-z0-9][a-z0-9_.+/-]*[a-z0-9+])"
# (pattern, relation, direction): 'out' = the described item's project has the relation to X,
# 'in' = X's project has it to the described one ("superseded by X": X is the successor).
PATTERNS: list[tuple[str, str, str]] = [
    (rf"(?i)\b(?:bindings?|wrappers?)\s+(?:to|for|around|of)\s+(?:the\s+)?{_NAME}",
     "binding_of", "out"),
    (rf"(?i)(?:^|\s){_NAME}\s+(?:ffi\s+)?bindings\b", "binding_of", "out"),
    (rf"(?i)\b(?:a\s+)?fork(?:ed)?\s+(?:of|from)\s+(?:the\s+)?{_NAME}", "fork_of", "out"),
    (rf"(?i)\bsuccessor\s+(?:of|to)\s+(?:the\s+)?(?:now\s+)?(?:unmaintained\s+|deprecated\s+)?"
     rf"{_NAME}", "successor_of", "out"),
    (rf"(?i)\b(?:superseded\s+by|replaced\s+by|deprecated\s+in\s+favou?r\s+of)\s+(?:the\s+)?"
     rf"{_NAME}", "successor_of", "in"),
]
# Words the patterns catch that name a language or platform, never a project of ours.
NOT_A_PROJECT = ("rust", "python", "node", "node.js", "nodejs", "javascript", "js", "typescript",
                 "ruby", "php", "c", "c++", "go", "java", "wasm", "webassembly", "all", "the",
                 "writing", "ffi", "low-level", "high-level", "safe", "unsafe")
# Descriptions worth a regular expression (a cheap filter first: 200k crates).
_WORTH = ("binding", "wrapper", "fork", "successor", "superseded", "replaced by", "in favor of",
          "in favour of")


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _text_hits_sql() -> str:
    """One row per (item, pattern match): the described item, the name it gives, the phrase."""
    parts = []
    for pattern, relation, direction in PATTERNS:
        quoted = pattern.replace("'", "''")
        # the two unnests zip: the n-th whole match with the n-th name it gives
        parts.append(f"""
            SELECT item_id, source_url, '{relation}' AS relation, '{direction}' AS direction,
                   lower(hit) AS target, phrase
            FROM (SELECT item_id, source_url,
                         unnest(regexp_extract_all(description, '{quoted}', 0)) AS phrase,
                         unnest(regexp_extract_all(description, '{quoted}', 1)) AS hit
                  FROM _pj_desc)""")
    return " UNION ALL ".join(parts)


RELATION_STEPS: list[str] = [
    # descriptions of crates and repos that may state a relation
    f"""CREATE OR REPLACE TEMP TABLE _pj_desc AS
        SELECT item_id, source_url, description FROM items
        WHERE kind IN ('crate', 'repo') AND description IS NOT NULL
          AND ({' OR '.join(f"description ILIKE '%{w}%'" for w in _WORTH)})""",
    # the names a description may give, each naming exactly one project (or fetched repo):
    # watched projects' names and member crates, repositories by owner/name and by name
    """CREATE OR REPLACE TEMP TABLE _pj_names AS
       WITH owner AS (SELECT item_id, coalesce(f.project_id, item_id) AS project_id
                      FROM items LEFT JOIN _pj_final f USING (item_id)),
       named AS (
           SELECT lower(name_en) AS k, project_id FROM _pj_wproj
           UNION ALL
           SELECT lower(i.name), f.project_id FROM items i JOIN _pj_final f USING (item_id)
           WHERE i.kind = 'crate' AND f.project_id IN (SELECT project_id FROM _pj_wproj)
           UNION ALL
           SELECT lower(i.name), o.project_id FROM items i JOIN owner o USING (item_id)
           WHERE i.kind = 'repo'
           UNION ALL
           SELECT lower(split_part(i.name, '/', 2)), o.project_id
           FROM items i JOIN owner o USING (item_id) WHERE i.kind = 'repo')
       SELECT k, any_value(project_id) AS project_id FROM named
       GROUP BY k HAVING count(DISTINCT project_id) = 1""",
    f"""CREATE OR REPLACE TEMP TABLE _pj_rel AS
        WITH hits AS ({_text_hits_sql()}),
        text_rel AS (
            SELECT coalesce(f.project_id, h.item_id) AS src, n.project_id AS dst, h.relation,
                   h.direction, 'description: "' || h.phrase || '"' AS evidence,
                   h.source_url AS evidence_url, 0.7 AS confidence
            FROM hits h JOIN _pj_names n ON n.k = h.target
            LEFT JOIN _pj_final f ON f.item_id = h.item_id
            WHERE h.target NOT IN ({_sql_list(NOT_A_PROJECT)})),
        fork_field AS (
            SELECT coalesce(fa.project_id, l.from_id) AS src,
                   coalesce(fb.project_id, l.to_id) AS dst, 'fork_of' AS relation,
                   'out' AS direction, 'GitHub fork/parent field' AS evidence,
                   i.source_url AS evidence_url, 1.0 AS confidence
            FROM item_links l JOIN items i ON i.item_id = l.from_id
            LEFT JOIN _pj_final fa ON fa.item_id = l.from_id
            LEFT JOIN _pj_final fb ON fb.item_id = l.to_id
            -- the parent must be an item we hold, so the relation leads somewhere
            WHERE l.relation = 'fork_of' AND l.to_id IN (SELECT item_id FROM items)),
        both_ AS (SELECT * FROM text_rel UNION ALL SELECT * FROM fork_field)
        SELECT CASE WHEN direction = 'out' THEN src ELSE dst END AS project_id,
               CASE WHEN direction = 'out' THEN dst ELSE src END AS related_project_id,
               relation, evidence, evidence_url, confidence
        FROM both_ WHERE src <> dst
        QUALIFY row_number() OVER (
            PARTITION BY project_id, related_project_id, relation
            ORDER BY confidence DESC, evidence, evidence_url) = 1""",
]

# Written after the upstream relations (a different relation: both may hold for one pair).
INSERT_RELATIONS = """
INSERT INTO project_relations
SELECT project_id, related_project_id, relation, evidence, evidence_url, confidence
FROM _pj_rel
"""
