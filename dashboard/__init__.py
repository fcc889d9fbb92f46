"""Panorama's Streamlit dashboard (`panorama dashboard`): pages over cached queries.

`queries` (its SQL), `rollups` + `freshness` (precomputed totals and whether they still hold),
`data` (Streamlit caching over the queries), `components`, `actions` and `views/` (layout only).

May import every package but `flows`.
"""
