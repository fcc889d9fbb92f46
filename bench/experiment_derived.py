"""Experiment (issue 13, session 10): derived forms of a Chinese word's English renderings join
its synonym set (`landscape.query_derive`: "parse" -> "parser", "quantization" -> "quantiz(ed)",
"fuzzy" -> "fuzz(ing)").

Why: the development misses are vocabulary, and part of it is morphology the index's light
stemmer keeps apart on purpose (Porter2 on every query and document was measured and not
adopted, bench/RESULTS.md "Porter2 stemming"). A Chinese word names a concept, not a part of
speech, so for a Chinese query's renderings only — guesses at the items' word anyway — the
index's words of the same family become further members of the word's synonym set, at a
fraction of the member's weight. English queries are untouched (they make no sets).

A setting is (suffix classes, weight). GRID: today's (off) first; then the classes added one
at a time in the order of how safe they read (agent nouns -er/-or; + nominal -ion/-ation/-iz/
-izer/-ization; + -y), each at weight 0.5 and 1.0; and the nominal class alone at 0.5.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(development files dev + heldout2 + heldout4 + heldout7 gate: no en / zh / names number lower;
leave-one-query-out over the development nDCG queries chooses among the candidates; reported
files only checked for drops, a drop <= NOISE on one reported file stated as noise). Adopted
only if the chosen setting is not today's and the reported files allow it.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_derived.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_derive  # noqa: E402

GRID = [((), 0.5),
        (("agent",), 0.5), (("agent",), 1.0),
        (("agent", "nominal"), 0.5), (("agent", "nominal"), 1.0),
        (("agent", "nominal", "y"), 0.5), (("agent", "nominal", "y"), 1.0),
        (("nominal",), 0.5)]


def apply(setting: tuple) -> None:
    query_derive.use(*setting)


if __name__ == "__main__":
    main(GRID, apply)
