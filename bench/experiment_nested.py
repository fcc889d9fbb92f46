"""Experiment (issue 13, session 10): acronyms nested in the long form of a query's acronym
(`landscape.query_nested`: GUI = graphical user interface -> "user interface" = UI).

Seen before writing it (development file heldout2, named by the session-10 brief): "GUI
framework" 0.63 — the relevant euv says "UI framework" and xilem "UI design toolkit"; the words
ranking matches "gui" only, so they rank 15th and beyond 30th. The mechanism is general: a
long form's head is often a broader term with an acronym of its own, and the corpus's mined
definitions give the long form (no list of acronym pairs is written). On the demo warehouse
the suffix rule with the meaning evidence keeps, for the judged queries, only gui -> ui (llm ->
"lm" is refused: no item holding "lm" is near "language models").

A setting is (WEIGHT, EVIDENCE): the nested acronym's weight x its parent's in the lexical
query (0 = off, today's) and whether the meaning evidence is required. GRID: today's first,
then the weights from the least, then 0.5 without the evidence (for reference).

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(no development file's en, zh or names number lower; leave-one-query-out over the development
nDCG queries chooses; reported files only checked for drops; adopt only without a reported
drop, or one <= NOISE on one file, stated).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_nested.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_nested  # noqa: E402

GRID = [(0.0, True), (0.25, True), (0.5, True), (1.0, True), (0.5, False)]


def apply(setting: tuple) -> None:
    query_nested.WEIGHT, query_nested.EVIDENCE = setting


if __name__ == "__main__":
    main(GRID, apply)
