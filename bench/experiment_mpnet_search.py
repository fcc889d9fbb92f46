"""Experiment (issue 13, session 11): all-mpnet-base-v2 in search's meaning ranking.

Question: the classifier already embeds every item with all-mpnet-base-v2 (the encoder
"all-MiniLM-L6-v2+all-mpnet-base-v2" caches each part's vectors under its own model name), the
stronger English retrieval model; search's meaning ranking reads all-MiniLM-L6-v2 only. Does
mpnet there lift nDCG@10 on queries nobody tuned on?

A setting is (MEANING, EXTRA, SCOPE):
- MEANING: what the meaning ranking (the first of `search_rank.fused_hits`'s rankings) ranks
  by — "minilm" (today), "mpnet" (the cosine of the query's English reading to the item's mpnet
  vector), "mean" (the mean of the two cosines: the concatenated encoder's cosine);
- EXTRA: mpnet's ranking as a third ranking of the fusion (`fused_hits(extra=...)`) at this
  weight (0: none; the meaning ranking weighs `SEMANTIC_WEIGHT` 0.7, the words 1);
- SCOPE: which items the mpnet cosine ranks — "all" (a flat scan of every item that passes the
  filters: at 200k a 768-d scan per query) or "pool" (a re-rank of the candidates the two
  rankings of today found, MiniLM's meaning pool and the words pool — what costs nothing at
  200k; an item neither ranking found cannot enter).
Every item ranks by the better of its own text's and its curated (taxonomy exemplar) text's
cosine, per model, as `search_rank.with_curated` does for MiniLM today.

Held fixed, stated: the kinds a query wants (`search_rank.wanted_kinds`) stay inferred from
MiniLM's meaning ranking (its margin was chosen on MiniLM's cosines; the question here is the
ranking, not the inference), and the weak rule and the "meaning" cosine shown read MiniLM's
cosine (`WEAK_COSINE` is MiniLM's scale). The query analysis (a Chinese reading's evidence,
the acronyms' evidence) stays on MiniLM. The mpnet query vector is the normalised mean of the
same texts MiniLM's is (`qt.readings`, else `qt.embed_text`).

Vectors: the items' (and curated texts') mpnet vectors from the warehouse cache (model
"all-mpnet-base-v2", by content hash); the queries' from a torch forward pass of the assembled
model folder (transformers, mean pooling, normalised: what sentence-transformers computes for
this model). sentence-transformers itself is not imported: its presence switches MiniLM's query
encoder from the numpy pass to torch (`search_semantic.encode_one`), and today's setting must
score as `panorama eval-search` does.

GRID: today's first; then the lesser changes first — within each, the re-rank of the pool
before the flat scan (a tie keeps the earlier setting: the cheaper one).

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(no development file's en, zh or names number lower; leave-one-query-out over the development
nDCG queries chooses; reported files only checked for drops; adopt only without a reported
drop, or one <= NOISE on one file, stated).

Result (bench/RESULTS.md, "all-mpnet-base-v2 in the meaning ranking"): every setting lowers
some development number (as the meaning ranking: heldout4 zh 0.881 -> 0.830, a rough
translation read more literally, amplified by the feedback step); the gate leaves today's,
leave-one-out 0.8964 = today's (0.8865 over all settings without the gate). NOT adopted.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_mpnet_search.py [--json out]
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import search as search_mod  # noqa: E402
from landscape import search_rank  # noqa: E402
from landscape.embeddings import _cached  # noqa: E402
from landscape.packaged_models import MPNET, local_source  # noqa: E402
from landscape.query_text import QueryText  # noqa: E402
from landscape.search_docs import item_texts  # noqa: E402

GRID = [("minilm", 0.0, "-"),
        ("mpnet", 0.0, "pool"), ("mpnet", 0.0, "all"),
        ("minilm", 0.35, "pool"), ("minilm", 0.35, "all"),
        ("minilm", 0.7, "pool"), ("minilm", 0.7, "all"),
        ("mean", 0.0, "pool"), ("mean", 0.0, "all")]

SETTING: tuple = GRID[0]
MAX_TOKENS = 384  # the model's sentence_bert_config.json


def apply(setting: tuple) -> None:
    global SETTING
    SETTING = setting


@functools.lru_cache(maxsize=1)
def _torch_model():  # noqa: ANN202 - (tokenizer, model)
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(1)  # the machine's 2 cores are shared
    folder = local_source(MPNET)
    return AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()


@functools.cache
def _mpnet_text(text: str) -> np.ndarray:
    import torch

    tok, model = _torch_model()
    enc = tok([text], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    with torch.no_grad():
        h = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
    pooled = ((h * mask).sum(1) / mask.sum(1).clamp(min=1e-9))[0].numpy()
    return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)


def mpnet_query(qt: QueryText) -> np.ndarray:
    """The query's mpnet vector: the normalised mean of its readings' (as MiniLM's)."""
    texts = qt.readings or [qt.embed_text]
    mean = np.mean([_mpnet_text(t) for t in texts], axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


@dataclass
class _Vectors:
    minilm: np.ndarray   # (n, 384) by label
    mpnet: np.ndarray    # (n, 768) by label
    cur_labels: np.ndarray
    cur_minilm: np.ndarray
    cur_mpnet: np.ndarray


_VECTORS: dict[str, _Vectors] = {}


def _vectors(con, index) -> _Vectors:  # noqa: ANN001
    """Every label's vectors of both models and the curated texts', from the warehouse cache
    (kept per loaded index version)."""
    got = _VECTORS.get(index.version)
    if got is None:
        have = _cached(con, list(index.hashes), MPNET)
        missing = [h for h in index.hashes if h not in have]
        if missing:
            raise SystemExit(f"{len(missing)} indexed items have no cached {MPNET} vector")
        mini = index.vectors(np.arange(len(index), dtype=np.int64))
        texts = item_texts(con, index.item_ids, MPNET)  # the curated texts, cached vectors
        labels, cur_mini = index.curated if index.curated is not None else (
            np.zeros(0, np.int64), np.zeros((0, mini.shape[1]), np.float32))
        if not np.array_equal(texts.curated_labels, labels):
            raise SystemExit("the curated texts differ from the index's")
        got = _Vectors(mini, np.stack([have[h] for h in index.hashes]), labels, cur_mini,
                       texts.curated_vectors)
        _VECTORS[index.version] = got
    return got


def _best(own: np.ndarray, labels: np.ndarray, curated: np.ndarray) -> np.ndarray:
    """Each label's cosine: the better of its own text's and its curated texts'."""
    out = own.copy()
    np.maximum.at(out, labels, curated)
    return out


def _cosines(con, state: tuple, qt: QueryText, vector: np.ndarray, meaning: str  # noqa: ANN001
             ) -> np.ndarray:
    v = _vectors(con, state[0])
    qm = mpnet_query(qt)
    mp = _best(v.mpnet @ qm, v.cur_labels, v.cur_mpnet @ qm)
    if meaning == "mpnet":
        return mp
    mini = _best(v.minilm @ vector, v.cur_labels, v.cur_minilm @ vector)
    return (mini + mp) / 2


def _ranking(con, state: tuple, qt: QueryText, vector: np.ndarray, meaning: str,  # noqa: ANN001
             scope: str, semantic: list[dict], lexical: list[dict], kw: dict) -> list[dict]:
    """Items by `meaning`'s cosine: every item that passes the filters ("all") or the
    candidates of today's two rankings ("pool"), best first, hits as `semantic`'s."""
    index = state[0]
    cos = _cosines(con, state, qt, vector, meaning)
    if scope == "all":
        order = search_rank._top(np.arange(len(cos)), cos,
                                 min(len(cos), kw["pool"] * search_rank.OVERSAMPLE))
        return search_rank.filtered_hits(con, state, order, cos[order], kw["kinds"],
                                         kw["categories"], kw["month"])[:kw["pool"]]
    cand: dict[str, dict] = {}
    for h in [*semantic, *lexical]:
        cand.setdefault(h["item_id"], h)
    labels = index.labels_of(list(cand))
    hits = [{**h, "score": round(float(cos[lab]), 4)}
            for h, lab in zip(cand.values(), labels.tolist(), strict=True) if lab >= 0]
    return sorted(hits, key=lambda h: (-h["score"], h["item_id"]))


_ORIGINAL = search_mod.fused_hits


def _fused(con, state, qt, semantic, vector, **kw):  # noqa: ANN001, ANN202
    """`fused_hits` under SETTING (what `landscape.search._one` calls)."""
    meaning, weight, scope = SETTING
    if (meaning, weight) == ("minilm", 0.0) or state[0] is None:
        return _ORIGINAL(con, state, qt, semantic, vector, **kw)
    if kw.get("lexical") is None:
        kw["lexical"] = search_rank.lexical_ranking(con, state, qt, kw["kinds"],
                                                    kw["categories"], kw["month"], kw["pool"])
    wants = search_rank.wanted_kinds(qt, semantic)  # held on MiniLM's meaning ranking
    ranked = semantic
    if meaning != "minilm":
        ranked = _ranking(con, state, qt, vector, meaning, scope, semantic,
                          kw["lexical"][0], kw)
    if weight > 0:
        kw["extra"] = (_ranking(con, state, qt, vector, "mpnet", scope, semantic,
                                kw["lexical"][0], kw), weight)
    inferred = search_rank.wanted_kinds
    search_rank.wanted_kinds = lambda _qt, _semantic: wants
    try:
        return _ORIGINAL(con, state, qt, ranked, vector, **kw)
    finally:
        search_rank.wanted_kinds = inferred


search_mod.fused_hits = _fused


if __name__ == "__main__":
    main(GRID, apply)
