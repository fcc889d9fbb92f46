"""Experiment (issue 13, session 10): a query about a release ("Rust 新版本发布", "tokio release")
that names no kind and no kind of software wants posts — the release announcements.

Today a query wants posts when its words say so (`query_text.POST_WORDS`: blog, newsletter,
announcement, 博客, 公告 …) or when its nearest items by meaning are posts
(`search_rank.wanted_kinds`, margin 0). A Chinese query's meaning neighbours are read through
its translation: 新版本发布 reads "releases", whose neighbours are release TOOLS (cargo-release),
so no post is inferred. A release is news about software, and the landscape's posts are its
news; the cue (`query_text.RELEASE_ZH` 发布 / 新版本 as typed; `RELEASE_EN` release / releases /
released by token) adds posts to what the query wants — with software kept at full weight
("add") or instead of it ("only", as 博客 does) — unless the query names a kind of software
(发布工具 "release tool": `SOFTWARE_WORDS`).

A setting is (RELEASE_CUE, RELEASE_LANGS). GRID: today's (off) first; then "add" in Chinese
queries, in Chinese and English ones; then "only" likewise. The brief of session 10 suggested
the cue after naming the development miss "Rust 新版本发布" (0.00); this is the one development
query it can move in Chinese (heldout7); "what is new in the latest stable Rust release" in
English.

The choice rule (written before the run): the shared one, `bench.search_selection.summarise`
(development files gate — no en / zh / names number lower —, leave-one-query-out over the
development nDCG queries chooses, reported files only checked for drops, a drop <= NOISE on
one reported file stated as noise).

Result (bench/RESULTS.md, "a Chinese query about a release wants posts"): no setting lowers
any file; chosen on all development queries ("only", ("zh",)) — "Rust 新版本发布" 0.00 -> 0.91,
the only query of any file that moves; leave-one-out 0.8813 = today's (one query carries it).
ADOPTED. `apply` sets both switches, so GRID[0] still reproduces the search before.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_release_cue.py [--json out]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import main  # noqa: E402
from landscape import query_text  # noqa: E402

GRID = [(None, ("zh",)),
        ("add", ("zh",)), ("add", ("zh", "en")),
        ("only", ("zh",)), ("only", ("zh", "en"))]


def apply(setting: tuple) -> None:
    query_text.RELEASE_CUE, query_text.RELEASE_LANGS = setting


if __name__ == "__main__":
    main(GRID, apply)
