"""Experiment (issue 13, session 10): coordination over a Chinese query's concepts, weighing
the concepts the translation is NOT sure of less.

Session 9 (bench/RESULTS.md, "coordination over the query's concepts") adopted coordination for
English queries only: for Chinese ones every strength lowered heldout2 / heldout4, and every
loss read on development queries was a rendering the items do not use — the general
dictionary's guess turned into a penalty on the relevant items. Its note: "a Chinese concept
should count as missing only when the translation is sure of its forms (e.g. weigh a concept's
mass by its translation's confidence) — not measured here". This measures that, and re-measures
Chinese coordination itself after session 10's larger term base.

Sure (`query_concepts.Concept.sure`): a place the project's dictionary translated (glossary,
taxonomy, search terms, term base: `query_zh` kind "own") or a Latin word as typed ("fixed");
not sure: a word only the general dictionary (CC-CEDICT) reads, a lone character. A merged
concept (acronym + long form) is sure when all its parts are. Coverage weighs an unsure
concept's mass by `query_concepts.UNSURE`.

A setting is (S for Chinese / mixed queries, UNSURE); English stays at S 1 (adopted). GRID:
today's (0, 1) first; S zh 0.25 / 0.5 / 1 with every concept as sure (session 9's Chinese
settings, re-measured on the new term base); then the same strengths with unsure concepts at
half mass and at none.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(development files gate — no en / zh / names number lower —, leave-one-query-out over the
development nDCG queries chooses, reported files only checked for drops, a drop <= NOISE on
one reported file stated as noise).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_sure_coord.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_concepts, search_rank  # noqa: E402

GRID = [(0.0, 1.0),
        (0.25, 1.0), (0.5, 1.0), (1.0, 1.0),
        (0.25, 0.5), (0.5, 0.5), (1.0, 0.5),
        (0.25, 0.0), (0.5, 0.0), (1.0, 0.0)]


def apply(setting: tuple) -> None:
    search_rank.CONCEPT_COORD = {"en": 1.0, "zh": setting[0]}
    query_concepts.UNSURE = setting[1]


if __name__ == "__main__":
    main(GRID, apply)
