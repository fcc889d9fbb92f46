"""What the landscape knows: the taxonomy, the glossary, the metric definitions and the editors'
descriptions of watched projects (one loader each), embeddings, the FAISS indexes (one home for
their mechanics, `faiss_index`), the classifier, review decisions (and the inbox that keeps
them safe from the write lock), projects, emerging topics, breakthrough detection, search and
evaluation.

May import `core`, `connectors` (types only) and `warehouse`; never `report`, `dashboard` or
`flows`.
"""
