"""The dashboard's pages: (file, url path, icon). Their titles are ui_text.toml's [nav]
entries under the url path, in the reader's language (dashboard/app.py builds the
navigation)."""

from __future__ import annotations

PAGES = [("views/browse.py", "landscape", ":material/grid_view:"),
         ("views/trends.py", "trends", ":material/trending_up:"),
         ("views/compare.py", "compare", ":material/stacked_line_chart:"),
         ("views/search.py", "search", ":material/search:"),
         ("views/project.py", "project", ":material/deployed_code:"),
         ("views/review.py", "review", ":material/rule:"),
         ("views/report.py", "report", ":material/description:"),
         ("views/health.py", "health", ":material/monitor_heart:")]
