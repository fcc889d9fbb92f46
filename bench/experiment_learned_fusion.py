"""Experiment (issue 13, session 11): a LEARNED scoring of the fused candidate pool.

Question: `landscape.search_rank` fuses the meaning and the words rankings by reciprocal rank
with hand-set constants (K, SEMANTIC_WEIGHT, KIND_PRIOR, NAME_BOOST, CATEGORY). Would a small,
strongly regularised model over features each pooled project already has rank better on
queries it was not trained on?

Pool: the first `POOL` (50) projects of a query as `fused_hits` orders them today (strong before
weak). The model only re-orders the pool: strong ones among themselves, weak ones among
themselves (the weak cut is kept), projects past the pool keep today's order.

Features per pooled project (`FEATURES`; all computed by the ranking today or cheap from it):
today's score (fused x kind prior + boosts, in first-place units: x (K + 1)); per ranking its
reciprocal rank (K + 1) / (K + 1 + rank) and whether it is absent; the best cosine of its
members (`search_rank._signals`: own text or curated); its best BM25 (the words ranking's score
before the name bump, coverage applied as the ranking applies it) over the query's best; its
best concept coverage (`query_concepts.coverage`, 1 when the query has no concept); indicators
of each name boost (exact / project / prefix) and of a category the query names (its
affinity); kind wanted (its best kind prior is 1); watched (a member's category decided by the
watchlist); log(1 + members in the candidate items). Query-level features (language en / zh /
mixed, number of concepts) are constant within a query, so a pairwise model sees them only
through interactions: zh x each reciprocal rank, mixed x each reciprocal rank, zh x cosine,
number of concepts x coverage.

Labels: the judged relevance — a hit is relevant when `search_eval`'s matching finds one of the
query's `rel` projects in it. Queries whose pool holds no relevant (or no irrelevant) project
add no pair.

Learner: pairwise logistic regression (RankNet, linear) with today's score as an OFFSET: a
project's learned score is today's + alpha x w . z (z: the features standardised on the
training rows; today's score is also one of them, so the model may rescale it). Loss: each
query's mean over its (relevant, irrelevant) pairs of log(1 + exp(-(s_rel - s_irr))), averaged
over queries (every query weighs the same), + lambda / 2 x |w|^2. lambda -> infinity is today's
ranking exactly: the regularisation shrinks towards today's, not towards nothing.

GRID (committed before the run): today's; lambda in {1, 0.1, 0.01} at alpha 1; lambda 0.1 at
alpha 0.5 (the correction blended at half weight).

Evaluation (offline, on the captured pools; today's offline scores are checked equal to the
search's own):
- leave-one-QUERY-out over the development queries (dev, heldout2, heldout4, heldout7): each
  query scored by the model fit on the other development queries;
- leave-one-FILE-out: each development file scored by the model fit on the other three.
Both reported per setting and per file.

The rule (written before the run; the shared protocol of bench/search_selection.py with the
development numbers of a learned setting taken OUT OF FOLD — a fit scored on its own training
queries says nothing):
1. gate: a learned setting passes when its leave-one-query-out per-file means lower no
   development file's en, zh or names number against today's;
2. choice: `search_selection.choose` over the gated settings' leave-one-query-out per-query
   scores (en + zh nDCG queries of the development files);
3. the chosen setting, fit on ALL development queries, is applied in the real search (the
   re-ranking patched into `search_rank._fold`, so pseudo-relevance feedback sees it too) on
   every file: adopted when no reported file's en, zh or names drops (`adopt`), or drops
   there on one file only and by at most NOISE (0.005), said so (`adopt_if_stated`); and the
   leave-one-file-out estimate must not be below today's on any development file either.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_learned_fusion.py [--json out]
"""
