"""What the landscape knows: the taxonomy, embeddings, the vector indexes, the classifier,
review decisions (and the inbox that keeps them safe from the write lock), emerging topics,
breakthrough detection, search and evaluation.

May import `core`, `connectors` (types only) and `warehouse`; never `report`, `dashboard` or
`flows`.
"""
