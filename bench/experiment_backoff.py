"""Experiment (issue 13, session 10): a typed word the index does not hold read as the index's
words it begins (`landscape.query_backoff`: "quantized" -> "quantiz" -> "quantization").

Seen before writing it (development queries, printed with their tokens' document frequencies):
of the development English queries' tokens three have df 0 — "quantiz" ("run quantized GGUF
models locally", heldout7, 0.52; its items say "quantization"), "latest" and "roundup" (no
extension in the index) — so on the development files this can move one query; it is a rule
for the queries no file holds (a dead word is dead whatever the query), and the reported files
are the check that it does no harm. Derived forms for a Chinese query's renderings (a wider
rule: every rendering, not only dead ones) were measured earlier this session and not adopted.

A setting is (BACKOFF_W,): the weight of a dead word's extensions as one synonym set (0 = off,
today's). GRID: today's first, then 0.5, 1.0.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(no development file's en, zh or names number lower; leave-one-query-out over the development
nDCG queries chooses; reported files only checked for drops; adopt only without a reported
drop, or one <= NOISE on one file, stated).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_backoff.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_backoff  # noqa: E402

GRID = [(0.0,), (0.5,), (1.0,)]


def apply(setting: tuple) -> None:
    (query_backoff.BACKOFF_W,) = setting


if __name__ == "__main__":
    main(GRID, apply)
