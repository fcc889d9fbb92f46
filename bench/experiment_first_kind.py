"""Experiment (issue 13, session 9): the kind a query wants, read from both rankings together.

Today (`landscape.search_rank.wanted_kinds`) a query that names no kind, nor a kind of
software, wants papers (posts) as well as software when the best paper (post) cosine among its
meaning hits is at least the best software cosine. That reads the meaning ranking alone. A
research topic whose words the papers hold but whose embedding sits near software (混合专家模型
"mixture of experts": every word in one paper, first in the words ranking; its best paper
cosine 0.06 under software's) is missed. The usual answer in vertical selection is to read the
kind of the results themselves: fuse the two rankings with no kind weighing less (RRF + name
boost, as `fused_hits` does) and, when the first n items are all of one kind of `INFERRED`, want
that kind too (`search_rank.INFER_TOP` = n; 0 = off; `search_rank._first_kind`). Applies only
where the neighbours may add a kind (words name no kind and no kind of software).

GRID: INFER_TOP 0 (today) first, then 3, 2, 1 (stricter first: the lesser change).

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(its module docstring: development files gate, leave-one-query-out chooses, reported files
only checked for drops, NOISE stated).

Result (bench/RESULTS.md, "the kind a query wants read from both rankings"): NOT adopted —
leave-one-out 0.8643 = today's (one development query moves), and n 2 lowers heldout5 zh by
0.015. The switch was removed from the product code after the run: run this script on commit
e2e93e3, where `search_rank.INFER_TOP` exists.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_first_kind.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import search_rank  # noqa: E402

GRID = [(0,), (3,), (2,), (1,)]


def apply(setting: tuple) -> None:
    (search_rank.INFER_TOP,) = setting


if __name__ == "__main__":
    main(GRID, apply)
