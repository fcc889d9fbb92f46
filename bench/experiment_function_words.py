"""Experiment (issue 13, session 10): function words of a query weighed less in the words
ranking (`landscape.query_function_words`).

Seen before writing it (development queries, printed with their tokens' document frequencies):
"one client library for many LLM providers" 0.43 (df("many") = 4, df("one") = 14: hits hold
"many" / "one" by chance), "person re-identification across camera distances" ("across"
df 33), "what is new in the latest stable Rust release" ("what" df 1). The list was written
from grammatical classes, not from those queries (module doc); the words above are in it as
members of their class.

A setting is (FUNCTION_W,): the factor on a function word's weight in the lexical query (0 =
removed); 1 = today. GRID: today's first, then 0.5, 0.25, 0.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(no development file's en, zh or names number lower; leave-one-query-out over the development
nDCG queries chooses; reported files only checked for drops; adopt only without a reported
drop, or one <= NOISE on one file, stated).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_function_words.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_function_words  # noqa: E402

GRID = [(1.0,), (0.5,), (0.25,), (0.0,)]


def apply(setting: tuple) -> None:
    (query_function_words.FUNCTION_W,) = setting


if __name__ == "__main__":
    main(GRID, apply)
