"""Experiment (issue 13, session 9): a query that names a kind of software gets no inferred
kind, so the meaning neighbours may add papers at a smaller margin to the queries that do not.

Today (`landscape.search_rank.wanted_kinds`) a query whose words name no item kind wants
software, plus papers (posts) when the best paper (post) cosine among its meaning hits beats
the best software cosine by `INFER_MARGIN` 0.15. A smaller margin was measured in session 7
(bench/RESULTS.md, "the kinds a query wants"): it finds more research topics but adds papers
to software queries in paper-heavy areas ("retrieval augmented generation framework": best
paper cosine 0.12 above software's), which lowered heldout2. Query-intent cue words are the
usual answer (a query naming the artifact it wants — "framework", "library", "parser",
"客户端" — asks for that artifact): `query_text.SOFTWARE_WORDS`, a fixed list of software
artifact nouns written before this run from the notion alone (words that are as much a
research subject as a product — agent, model, system — left out), matched on the tokens of the
query and of its English. A query holding one keeps its words' kinds (`QueryText.
names_software`, switch `search_rank.SOFTWARE_CUE`).

A setting is (SOFTWARE_CUE, INFER_MARGIN). GRID: today's (False, 0.15) first; then the cue at
today's margin and at smaller ones (0.1, 0.05, 0, -0.05); then the smaller margins without the
cue (session 7's settings, for reference).

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(its module docstring: development files gate, leave-one-query-out chooses, reported files
only checked for drops, NOISE stated).

Result (bench/RESULTS.md, "a query that names a kind of software"): every fold chooses (True,
0.0), leave-one-out 0.8643 vs 0.8077; no reported file moves; ADOPTED (SOFTWARE_CUE True,
INFER_MARGIN 0.0). `apply` sets both switches, so GRID[0] still reproduces the search before.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_software_cue.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import search_rank  # noqa: E402

GRID = [(False, 0.15),
        (True, 0.15), (True, 0.1), (True, 0.05), (True, 0.0), (True, -0.05),
        (False, 0.1), (False, 0.05), (False, 0.0)]


def apply(setting: tuple) -> None:
    search_rank.SOFTWARE_CUE, search_rank.INFER_MARGIN = setting


if __name__ == "__main__":
    main(GRID, apply)
