"""Experiment (issue 13, session 9): a coordination factor on the words ranking.

BM25 sums its terms' scores, so a document that repeats one frequent query word in a long
text can outrank one that holds every word of the query once ("GUI framework": GUI
applications and web frameworks above the GUI frameworks; "HTTP middleware"). Lucene's
classic similarity multiplied each document's score by coord = (query terms it holds) /
(query terms) for that reason. Here the idf-weighted form, softened:
BM25 x (1 - COORD + COORD x coverage), coverage = the share of the query's idf mass (each
term's weight x idf; a Chinese word's synonym set counted once, at its rarest member) that the
document holds (`lexical.BM25Index.coverage`, switch `search_rank.COORD`). The meaning
ranking and the name / category boosts are unchanged.

GRID: COORD 0 (today) first, then 0.25, 0.5, 0.75, 1.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(its module docstring: development files gate, leave-one-query-out chooses, reported files
only checked for drops, NOISE stated).

Result (bench/RESULTS.md, "a coordination factor on BM25"): NOT adopted — every setting lowers
a development file (an acronym and its long form, a Chinese bigram and its English, count as
separate terms). The switch was removed from the product code after the run: run this script
on commit b571844, where `search_rank.COORD` exists.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_coord.py [--json out]
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
    (search_rank.COORD,) = setting


if __name__ == "__main__":
    main(GRID, apply)
