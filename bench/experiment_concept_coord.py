"""Experiment (issue 13, session 9): coordination over the query's CONCEPTS, not its terms.

The term-level coordination factor (bench/experiment_coord.py, b571844; bench/RESULTS.md "a
coordination factor on BM25") was not adopted: an acronym and its long form, a Chinese
word's bigrams and its English renderings, a synonym set's members count there as separate
words, so an item saying only "RAG" looks as if it held a fraction of the query. Here the
analysed query keeps each concept's forms together where the grouping is known
(`landscape.query_concepts`: an English query's typed words, a translation's places with their
bigrams, renderings and extra renderings; an acronym with the words spelling it, a mined
abbreviation's short and long forms, a glossary term's forms), and the lexical score is
BM25 x (1 - S + S x coverage), coverage = the share of the query's concept mass (each
concept's query weight x the idf of the items holding it whole by some form) an item holds by
ANY form (a form held in part by its tokens' idf share). Switch `search_rank.CONCEPT_COORD`.
The meaning ranking, the name and category boosts are unchanged.

GRID: S 0 (today) first, then 0.25, 0.5, 0.75, 1.

The choice rule (written before the run): `bench.search_selection.summarise` — candidates are
the settings that lower no development file's (search.dev, heldout2, heldout4, heldout7) en,
zh or names number; among them leave-one-query-out over the development nDCG queries, en and
zh together (ties keep the earlier setting); adopted only if the chosen setting is not today's
and lowers no reported file (heldout, heldout3, heldout5, heldout6) — or lowers one reported
file by <= NOISE (0.005), said in the results.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_concept_coord.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import search_rank  # noqa: E402

GRID = [(0.0,), (0.25,), (0.5,), (0.75,), (1.0,)]


def apply(setting: tuple) -> None:
    (search_rank.CONCEPT_COORD,) = setting


if __name__ == "__main__":
    main(GRID, apply)
