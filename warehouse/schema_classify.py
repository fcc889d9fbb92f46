"""Classification tables (1xx): embedding cache, classifications, review decisions, topics.

- `embeddings(content_hash, model, dim, vector FLOAT[], created_at)`: one vector per distinct
  text and model — an unchanged item is never embedded twice.
- `item_embeddings(item_id, model, content_hash, text, updated_at)`: which text an item has now.
- `classifications(item_id, run_id, category, confidence, method, model, neighbours JSON,
  needs_review, classified_at, content_hash, index_version, scores JSON)`: machine assignments;
  `neighbours` is a list of {id, title, label, similarity} — the "why".
- 102: `classifications.review_reason` (why it needs review: 'low_confidence' | 'near_boundary'
  | 'new_cluster', NULL when it does not) and `relevance` (calibrated probability in scope).
- `review_decisions(decision_id, item_id, decision, category, reviewer, decided_at, note)`.
- `emerging_topics(topic_id, run_id, name, terms VARCHAR[], item_ids VARCHAR[], size,
  representative_ids VARCHAR[], created_at)`.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "101_classify",
        """
        CREATE TABLE embeddings (
            content_hash VARCHAR NOT NULL,          -- sha256 of the embedded text
            model        VARCHAR NOT NULL,
            dim          INTEGER NOT NULL,
            vector       FLOAT[] NOT NULL,          -- L2-normalised
            created_at   TIMESTAMPTZ DEFAULT current_timestamp,
            PRIMARY KEY (content_hash, model)
        );
        CREATE TABLE item_embeddings (
            item_id      VARCHAR NOT NULL,
            model        VARCHAR NOT NULL,
            content_hash VARCHAR NOT NULL,
            text         VARCHAR,                   -- the text that was embedded (for TF-IDF)
            updated_at   TIMESTAMPTZ DEFAULT current_timestamp,
            PRIMARY KEY (item_id, model)
        );
        CREATE TABLE classifications (
            item_id       VARCHAR NOT NULL,
            run_id        VARCHAR NOT NULL,
            category      VARCHAR NOT NULL,         -- taxonomy id | 'out_of_scope' | 'uncategorized'
            confidence    DOUBLE NOT NULL,
            method        VARCHAR NOT NULL,
            model         VARCHAR NOT NULL,
            neighbours    JSON,                     -- [{id, title, label, similarity}]
            needs_review  BOOLEAN NOT NULL,
            classified_at TIMESTAMPTZ NOT NULL,
            content_hash  VARCHAR,
            index_version VARCHAR,
            scores        JSON,                     -- {label: probability} of the top labels
            PRIMARY KEY (item_id, run_id)
        );
        CREATE SEQUENCE review_decision_seq;
        CREATE TABLE review_decisions (
            decision_id BIGINT DEFAULT nextval('review_decision_seq') PRIMARY KEY,
            item_id     VARCHAR NOT NULL,
            decision    VARCHAR NOT NULL,           -- 'accept' | 'reassign' | 'out_of_scope'
            category    VARCHAR,
            reviewer    VARCHAR NOT NULL,
            decided_at  TIMESTAMPTZ NOT NULL,
            note        VARCHAR
        );
        CREATE TABLE emerging_topics (
            topic_id           VARCHAR PRIMARY KEY, -- '<run_id>:<n>'
            run_id             VARCHAR NOT NULL,
            name               VARCHAR NOT NULL,
            terms              VARCHAR[],
            item_ids           VARCHAR[],
            size               INTEGER NOT NULL,
            representative_ids VARCHAR[],
            created_at         TIMESTAMPTZ DEFAULT current_timestamp
        );
        """,
    ),
    (
        "102_review_reason",
        """
        ALTER TABLE classifications ADD COLUMN review_reason VARCHAR; -- why it needs review: 'low_confidence' | 'near_boundary' | 'new_cluster' (NULL when it does not)
        ALTER TABLE classifications ADD COLUMN relevance DOUBLE;    -- the relevance gate's calibrated probability that the item is in scope
        """,
    ),
]
