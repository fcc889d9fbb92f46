"""The `classify` step of the monthly flow: embed what is new, classify, find emerging topics.

Embedding is the expensive part, so it is split into tasks over chunks of uncached texts:
on the default thread runner they run in this process, on `--task-runner dask` on the
cluster's workers. The vectors come back to the flow, which is the one warehouse writer.
Skipped entirely when the collection brought nothing new and no review changed the index.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from landscape.classify import candidate_item_ids, classify_items
from landscape.embeddings import (
    classifier_model,
    encode,
    model_name_or_default,
    parts_of,
    store_embeddings,
    uncached_item_texts,
)
from landscape.review_inbox import writer_connection
from landscape.search_index import sync_search_index
from landscape.topics import detect_emerging_topics
from warehouse import db

CHUNK = 512  # texts per embedding task: big enough to batch well, small enough to spread


# The warehouse caches every vector by (content hash, model), so Prefect's own result cache
# would only duplicate it: NO_CACHE.
@task(name="embed-texts", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def embed_texts(texts: list[str], model_name: str | None = None) -> np.ndarray:
    """Embed one chunk of texts (runs wherever the task runner puts it)."""
    return encode(texts, model_name)


def _pending_reviews(con: Any) -> int:
    """Review decisions newer than the latest classification (they change the index)."""
    row = con.execute(
        "SELECT count(*) FROM review_decisions WHERE decided_at >"
        " coalesce((SELECT max(classified_at) FROM classifications), TIMESTAMPTZ '1970-01-01')"
    ).fetchone()
    return int(row[0])


@flow(name="classify")
def classify_flow(
    run_id: str,
    changed: int | None = None,
    month: str | None = None,
    model_name: str | None = None,
    topics: bool = True,
    classifier: str | None = None,
) -> dict[str, Any]:
    """Classify new and changed items of the warehouse into the landscape.

    Args:
        run_id: the run the classifications belong to.
        changed: items the collection added or updated (0 → skip unless reviews are pending;
            None → always look).
        month: the run month; bounds the registry crates (from the dump) worth classifying
            to the recent ones (default: the run id's month).
        model_name: embedding model of search and topics (default all-MiniLM-L6-v2 from the
            installed package).
        topics: cluster in-scope items that fit no category into emerging topics.
        classifier: the classifier's encoder (default `settings.classify_model()`); each model
            it needs that search does not is embedded here too, in the same tasks.

    Returns:
        The classification summary as a dict (counts per category, embedded, to review, ...).
    """
    logger = get_run_logger()

    with writer_connection() as con:
        if changed == 0 and _pending_reviews(con) == 0:
            logger.info("nothing new since the last run: classification skipped")
            return {"run_id": run_id, "skipped": True, "classified": 0, "embedded": 0}
        item_ids = candidate_item_ids(con, month or run_id[:7])
        clf_model = classifier_model(classifier)
        models = list(dict.fromkeys([model_name_or_default(model_name), *parts_of(clf_model)]))
        work = {m: uncached_item_texts(con, item_ids, model_name=m) for m in models}
    chunks = [(m, texts[i:i + CHUNK]) for m, texts in work.items()
              for i in range(0, len(texts), CHUNK)]
    texts = work[models[0]]  # "embedded" counts the search model's texts, as before
    logger.info("embedding %s in %d task(s)",
                ", ".join(f"{len(work[m])} new texts with {m}" for m in models), len(chunks))
    futures = [embed_texts.submit(chunk, m) for m, chunk in chunks]
    vectors = [f.result() for f in futures]
    with db.connect() as con:
        for (m, chunk), vecs in zip(chunks, vectors, strict=True):
            store_embeddings(con, chunk, vecs, m)
        summary = classify_items(con, run_id, item_ids=item_ids, model_name=clf_model)
        sync_search_index(con, model_name)
        found = detect_emerging_topics(con, run_id, model_name=model_name) if topics else []
    result = dataclasses.asdict(summary)
    result["embedded"] = len(texts)
    result["emerging_topics"] = len(found)
    logger.info("classified %d items (%d embedded, %d to review, %d emerging topics)",
                summary.classified, len(texts), summary.needs_review, len(found))
    return result
