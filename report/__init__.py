"""Everything from the warehouse to `reports/YYYY-MM/`: report data with provenance, the claims
check, rendering through `templates/`, CSV files, charts (`scripts/repro/charts.py` calls
`report.charts`), revisions, the landscape diff and publishing.

May import `core`, `warehouse` and `landscape`; never `dashboard` or `flows`.
"""
