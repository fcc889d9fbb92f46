"""Check the seed report's claims (config/claims.toml) against what the collectors stored.

A claim is `verified` when collected data shows it, `contradicted` when collected data shows
something else (the evidence says what), and `no_evidence` when nothing collected bears on it —
which is always the case for the seed's unsourced performance figures. Each check is one small
query over the report views; evidence is plain text (escaped when rendered) with the source it
came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from report.provenance import SourceRegistry

SEED_URL = "seed:landscape-2025.zh.md"
VERIFIED, CONTRADICTED, NO_EVIDENCE = "verified", "contradicted", "no_evidence"


@dataclass(frozen=True)
class Evidence:
    status: str
    en: str
    zh: str
    url: str | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class ClaimResult:
    id: str
    section: str
    zh: str
    en: str
    status: str
    evidence_en: str
    evidence_zh: str
    claim_ref: str  # footnote of the seed report (where the claim is made)
    evidence_ref: str | None  # footnote of the evidence, when there is any


def _day(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d") if ts else "?"


def _none(en: str, zh: str) -> Evidence:
    return Evidence(NO_EVIDENCE, en, zh)


def _dated(
    row: tuple[Any, ...] | None, month: str | None, what_en: str, what_zh: str
) -> Evidence | None:
    """row = (label, published_at, source_url, fetched_at); verified when in `month`."""
    if row is None:
        return None
    label, published, url, fetched = row
    if month is None or (published and published.strftime("%Y-%m") == month):
        status = VERIFIED
    else:
        status = CONTRADICTED
    return Evidence(status, f"{what_en} {label}: {_day(published)}",
                    f"{what_zh} {label}：{_day(published)}", url, fetched)


def _first_release(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    row = con.execute(
        "SELECT version, published_at, source_url, fetched_at FROM v_report_releases "
        "WHERE list_contains(?, item_id) ORDER BY published_at LIMIT 1", [check["items"]]
    ).fetchone()
    ev = _dated(row, check["month"], "first release", "首个版本")
    return ev or _none("no release of these items collected", "未采集到这些条目的发布")


def _release(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> tuple[Any, ...] | None:
    month = check.get("month") or ""
    return con.execute(
        "SELECT version, published_at, source_url, fetched_at, notes FROM v_report_releases "
        "WHERE item_id = ? AND regexp_matches(version, ?) "
        "ORDER BY (period = ?) DESC, published_at LIMIT 1",
        [check["item"], check["version"], month],
    ).fetchone()


def _release_in_month(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    row = _release(con, check)
    ev = _dated(row[:4] if row else None, check.get("month"), "release", "发布")
    return ev or _none(f"no matching release of {check['item']} collected",
                       f"未采集到 {check['item']} 的对应发布")


def _release_mentions(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    row = _release(con, check)
    if row is None:
        return _none(f"no matching release of {check['item']} collected",
                     f"未采集到 {check['item']} 的对应发布")
    notes = (row[4] or "").lower()
    terms = ", ".join(check["terms"])
    if all(t.lower() in notes for t in check["terms"]):
        return Evidence(VERIFIED, f"release {row[0]} notes mention {terms}",
                        f"发布 {row[0]} 的说明提到 {terms}", row[2], row[3])
    return Evidence(NO_EVIDENCE, f"release {row[0]} notes do not mention {terms}",
                    f"发布 {row[0]} 的说明未提到 {terms}", row[2], row[3])


def _repo_language(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    row = con.execute(
        "SELECT language, source_url, fetched_at FROM v_report_items WHERE item_id = ?",
        [check["item"]],
    ).fetchone()
    if row is None or not row[0]:
        return _none(f"language of {check['item']} not collected",
                     f"未采集到 {check['item']} 的语言")
    status = VERIFIED if row[0].lower() == check["language"].lower() else CONTRADICTED
    return Evidence(status, f"primary language: {row[0]}", f"主要语言：{row[0]}", row[1], row[2])


def _titled(con: duckdb.DuckDBPyConnection, check: dict[str, Any], view: str) -> Evidence:
    row = con.execute(
        f"SELECT title, published_at, source_url, fetched_at FROM {view} "
        "WHERE title ILIKE ? ORDER BY (period = ?) DESC, published_at LIMIT 1",
        [check["pattern"], check.get("month") or ""],
    ).fetchone()
    noun_en, noun_zh = ("paper", "论文") if view == "v_report_papers" else ("post", "文章")
    ev = _dated(row, check.get("month"), noun_en, noun_zh)
    return ev or _none(f"no {noun_en} with a matching title collected",
                       f"未采集到标题匹配的{noun_zh}")


def evaluate(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    """Evaluate one check (see the kinds listed in config/claims.toml)."""
    kind = check.get("kind")
    if kind == "unsourced":
        return _none("the seed gives no source; nothing collected can confirm it",
                     "原文未给出来源；采集的数据无法证实")
    if kind == "any_of":
        results = [evaluate(con, c) for c in check["checks"]]
        for status in (VERIFIED, CONTRADICTED):
            for ev in results:
                if ev.status == status:
                    return ev
        return next((ev for ev in results if ev.url), results[0])
    handlers = {
        "first_release_month": _first_release,
        "release_in_month": _release_in_month,
        "release_exists": _release_in_month,
        "release_mentions": _release_mentions,
        "repo_language": _repo_language,
        "paper_title": lambda c, k: _titled(c, k, "v_report_papers"),
        "post_title": lambda c, k: _titled(c, k, "v_report_posts"),
    }
    if kind not in handlers:
        raise ValueError(f"unknown claim check kind: {kind!r}")
    return handlers[kind](con, check)


def check_claims(
    con: duckdb.DuckDBPyConnection, claims: list[dict[str, Any]], registry: SourceRegistry
) -> list[ClaimResult]:
    """Evaluate every claim; footnote refs are registered in `registry`."""
    seed_ref = registry.ref(SEED_URL, None, "seed report")
    out = []
    for claim in claims:
        ev = evaluate(con, claim["check"])
        ref = registry.ref(ev.url, ev.fetched_at) if ev.url else None
        out.append(ClaimResult(claim["id"], claim.get("seed_section", ""), claim["zh"],
                               claim["en"], ev.status, ev.en, ev.zh, seed_ref, ref))
    return out
