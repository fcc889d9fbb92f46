"""Check the seed report's claims (config/claims.toml) against what the collectors stored.

Every claim gets one of five verdicts, and "no evidence" never stands alone:
  verified            collected data shows it (the evidence says what, with its source)
  contradicted        collected data shows something else
  source_unavailable  the seed cites nothing and no collected data could bear on it
  not_covered         the claim is checkable, but our collectors do not reach the data (the
                      evidence says which gap: a repository we do not watch, a feed that only
                      holds recent releases, arXiv read month by month ...)
  editor              an editor decided it from a source outside the collected data; the
                      claim's [claim.editor] table gives the verdict and the evidence URL
An editor verdict applies only where the data cannot decide (source_unavailable /
not_covered); data that verifies or contradicts a claim always wins. Each check is one small
query over the report views; evidence is plain text (escaped when rendered).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import duckdb

from report.provenance import SourceRegistry

SEED_URL = "seed:landscape-2025.zh.md"
VERIFIED, CONTRADICTED = "verified", "contradicted"
SOURCE_UNAVAILABLE, NOT_COVERED, EDITOR = "source_unavailable", "not_covered", "editor"
VERDICTS = (VERIFIED, CONTRADICTED, SOURCE_UNAVAILABLE, NOT_COVERED, EDITOR)


@dataclass(frozen=True)
class Evidence:
    status: str
    en: str  # may hold `{title}`: where the title of a paper or post goes (as a link)
    zh: str
    url: str | None = None
    fetched_at: datetime | None = None
    title: str | None = None
    link: str | None = None  # the paper's or post's own page (arxiv.org/abs/…), not the query


@dataclass(frozen=True)
class ClaimResult:
    id: str
    section: str
    zh: str
    en: str
    status: str  # one of VERDICTS
    evidence_en: str
    evidence_zh: str
    claim_ref: str  # footnote of the seed report (where the claim is made)
    evidence_ref: str | None  # footnote of the evidence, when there is any
    editor_verdict: str | None = None  # verified | contradicted, when status == EDITOR
    evidence_title: str | None = None  # a paper's or post's title, for `{title}`
    evidence_url: str | None = None  # where `{title}` links to: the page a reader can open

    def evidence(self, lang: str) -> str:
        """The evidence as plain text (the title in place)."""
        text = self.evidence_zh if lang == "zh" else self.evidence_en
        return text.replace("{title}", self.evidence_title or "")

    @property
    def contradicts_seed(self) -> bool:
        return self.status == CONTRADICTED or self.editor_verdict == CONTRADICTED


def _day(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d") if ts else "?"


def _gap(check: dict[str, Any], en: str, zh: str) -> Evidence:
    """Nothing found: say which gap of the collectors it is (the check may name it better)."""
    return Evidence(NOT_COVERED, check.get("gap_en", en), check.get("gap_zh", zh))


def _dated(row: tuple[Any, ...] | None, check: dict[str, Any], what_en: str,
           what_zh: str) -> Evidence | None:
    """row = (label, published_at, source_url, fetched_at). With `month`: verified when the
    date falls in it; with `not_after`: verified when the date is not later than it."""
    if row is None:
        return None
    label, published, url, fetched = row
    got = published.strftime("%Y-%m") if published else None
    if check.get("month"):
        ok = got == check["month"]
    elif check.get("not_after"):
        ok = got is not None and got <= check["not_after"]
    else:
        ok = True
    name_en, name_zh = f"{what_en} {label}".strip(), f"{what_zh} {label}".strip()
    return Evidence(VERIFIED if ok else CONTRADICTED, f"{name_en}: {_day(published)}",
                    f"{name_zh}：{_day(published)}", url, fetched)


def _first_release(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    """The earliest of the items' first release and their creation date at the source (a
    crate's `created_at`: the collected releases may start later than the crate)."""
    row = con.execute("""
        SELECT version, at_, source_url, fetched_at FROM (
            SELECT version, published_at AS at_, source_url, fetched_at
            FROM v_report_releases WHERE list_contains($items, item_id)
            UNION ALL
            SELECT NULL, created_at, source_url, fetched_at
            FROM items WHERE list_contains($items, item_id) AND created_at IS NOT NULL)
        ORDER BY at_, version NULLS FIRST LIMIT 1""", {"items": check["items"]}).fetchone()
    if row is None:
        return _gap(check, "none of these items is collected", "未采集到这些条目")
    version = row[0]
    en, zh = ((f"first release {version}", f"首个版本 {version}") if version else
              ("created", "创建日期"))
    return _dated(("", *row[1:]), check, en, zh) or _gap(check, "", "")


def _release(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> tuple[Any, ...] | None:
    month = check.get("month") or ""
    return con.execute(
        "SELECT version, published_at, source_url, fetched_at, notes FROM v_report_releases "
        "WHERE item_id = ? AND regexp_matches(version, ?) "
        "ORDER BY (period = ?) DESC, published_at LIMIT 1",
        [check["item"], check["version"], month],
    ).fetchone()


def _name(item_id: str) -> str:
    """'repo:owner/name' -> 'owner/name' (the id's kind prefix is not for readers)."""
    return item_id.split(":", 1)[-1]


def _collected(con: duckdb.DuckDBPyConnection, item: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM items WHERE item_id = ?", [item]).fetchone()[0])


def _release_gap(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    if not _collected(con, check["item"]):
        return _gap(check, f"{_name(check['item'])} is not in the watchlist, so nothing is "
                    "collected", f"{_name(check['item'])} 不在关注列表中，未采集")
    return _gap(check, "the release feed holds only recent releases; this one is not in it",
                "发布订阅源只含近期发布，未包含该版本")


def _release_in_month(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    row = _release(con, check)
    ev = _dated(row[:4] if row else None, check, "release", "发布")
    return ev or _release_gap(con, check)


def _release_mentions(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    row = _release(con, check)
    if row is None:
        return _release_gap(con, check)
    notes = (row[4] or "").lower()
    terms = ", ".join(check["terms"])
    if all(t.lower() in notes for t in check["terms"]):
        return Evidence(VERIFIED, f"release {row[0]} notes mention {terms}",
                        f"发布 {row[0]} 的说明提到 {terms}", row[2], row[3])
    return Evidence(NOT_COVERED, f"release {row[0]} found; its notes do not mention {terms}",
                    f"找到发布 {row[0]}，其说明未提到 {terms}", row[2], row[3])


def _repo_language(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    row = con.execute(
        "SELECT language, source_url, fetched_at FROM v_report_items WHERE item_id = ?",
        [check["item"]],
    ).fetchone()
    if row is None or not row[0]:
        return _gap(check, f"language of {_name(check['item'])} not collected",
                    f"未采集到 {_name(check['item'])} 的语言")
    status = VERIFIED if row[0].lower() == check["language"].lower() else CONTRADICTED
    return Evidence(status, f"primary language: {row[0]}", f"主要语言：{row[0]}", row[1], row[2])


def _titled(con: duckdb.DuckDBPyConnection, check: dict[str, Any], view: str) -> Evidence:
    """A paper or post by title. The footnote is the response it was read from (an arXiv
    query, a feed); the title links to its own page (arxiv.org/abs/ID, the post's URL)."""
    page = "abs_url" if view == "v_report_papers" else "link"
    row = con.execute(
        f"SELECT title, published_at, source_url, fetched_at, {page} FROM {view} "
        "WHERE title ILIKE ? ORDER BY (period = ?) DESC, published_at LIMIT 1",
        [check["pattern"], check.get("month") or ""],
    ).fetchone()
    noun_en, noun_zh = ("paper", "论文") if view == "v_report_papers" else ("post", "文章")
    # a check may name what the title stands for (e.g. "the paper the seed cites")
    noun_en, noun_zh = check.get("noun_en", noun_en), check.get("noun_zh", noun_zh)
    ev = _dated(("{title}", *row[1:4]) if row else None, check, noun_en, noun_zh)
    if ev is None:
        return _gap(check, f"no {noun_en} with a matching title collected",
                    f"未采集到标题匹配的{noun_zh}")
    return replace(ev, title=row[0], link=row[4])


def evaluate(con: duckdb.DuckDBPyConnection, check: dict[str, Any]) -> Evidence:
    """Evaluate one check (see the kinds listed in config/claims.toml)."""
    kind = check.get("kind")
    if kind == "unsourced":
        return Evidence(SOURCE_UNAVAILABLE, "the seed cites no source, and no collected data "
                        "bears on it", "原文未给出出处，采集的数据也无从印证")
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


def _editor(claim: dict[str, Any], ev: Evidence) -> tuple[Evidence, str | None]:
    """Apply the claim's editor verdict where the data cannot decide."""
    ed = claim.get("editor")
    if not ed or ev.status in (VERIFIED, CONTRADICTED):
        return ev, None
    if ed.get("verdict") not in (VERIFIED, CONTRADICTED) or not ed.get("url"):
        raise ValueError(f"claim {claim['id']}: an editor verdict needs verdict and url")
    decided = datetime.fromisoformat(ed["decided"]) if ed.get("decided") else None
    return Evidence(EDITOR, ed["en"], ed["zh"], ed["url"], decided), ed["verdict"]


def check_claims(
    con: duckdb.DuckDBPyConnection, claims: list[dict[str, Any]], registry: SourceRegistry
) -> list[ClaimResult]:
    """Evaluate every claim; footnote refs are registered in `registry`."""
    seed_ref = registry.ref(SEED_URL, None, "seed report")
    out = []
    for claim in claims:
        ev, editor_verdict = _editor(claim, evaluate(con, claim["check"]))
        label = "editor verdict" if ev.status == EDITOR else None
        ref = registry.ref(ev.url, ev.fetched_at, label) if ev.url else None
        out.append(ClaimResult(claim["id"], claim.get("seed_section", ""), claim["zh"],
                               claim["en"], ev.status, ev.en, ev.zh, seed_ref, ref,
                               editor_verdict, ev.title, ev.link))
    return out
