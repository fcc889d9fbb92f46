"""Load and validate `config/watchlist.toml` into dataclasses (no I/O besides reading the file).

The watchlist says what to watch (landscape items with their crates and repos), how to discover
new items (crates.io listings, the new-crates RSS, arXiv queries) and which feeds to read.
Errors name the offending entry, so a typo in the TOML is fixed from the message alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "watchlist.toml"

DEFAULT_NEW_CRATES_RSS = "https://static.crates.io/rss/crates.xml"

# crates.io: ASCII alphanumerics, `-` and `_`, starting with a letter, at most 64 chars.
_CRATE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# GitHub owner (no dots, no leading hyphen) / repository name (dots allowed).
_REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
# crates.io category slugs: lower-case words joined by `-`, nested with `::`.
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:::[a-z0-9]+(?:-[a-z0-9]+)*)*$")
_KEYWORD_RE = re.compile(r"^[a-z0-9][a-z0-9_+-]{0,19}$")


class WatchlistError(ValueError):
    """The watchlist file is missing, not TOML, or has an invalid entry."""


@dataclass(frozen=True)
class WatchItem:
    name: str
    category: str
    crates: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    note: str | None = None
    # The project's own crate and repository (figures come from these; landscape/projects.py).
    primary_crate: str | None = None
    primary_repo: str | None = None
    # Repositories the project builds on (e.g. the C++ library a binding wraps): fetched for
    # context, but a relation of the project, never a member of it.
    upstream: tuple[str, ...] = ()
    name_zh: str | None = None


@dataclass(frozen=True)
class ArxivQuery:
    name: str
    query: str  # the search_query without the date window


@dataclass(frozen=True)
class Feed:
    name: str
    url: str


@dataclass(frozen=True)
class Watchlist:
    user_agent: str
    contact: str
    items: tuple[WatchItem, ...]
    crate_categories: tuple[str, ...] = ()
    crate_keywords: tuple[str, ...] = ()
    new_crates_rss: str = DEFAULT_NEW_CRATES_RSS
    arxiv_queries: tuple[ArxivQuery, ...] = ()
    feeds: tuple[Feed, ...] = ()
    release_feeds: bool = True
    project_name: str = "panorama"
    path: Path | None = field(default=None, compare=False)

    def watched_crates(self) -> list[str]:
        """Every watched crate name, in file order."""
        return [c for item in self.items for c in item.crates]

    def watched_repos(self) -> list[str]:
        """Every watched repo as written (``owner/name``, original case), in file order;
        an entry's upstream repositories follow its own."""
        return [r for item in self.items for r in (*item.repos, *item.upstream)]

    def release_feed_urls(self) -> list[str]:
        if not self.release_feeds:
            return []
        return [f"https://github.com/{r}/releases.atom" for r in self.watched_repos()]

    def feed_urls(self) -> list[str]:
        """Configured feeds, then (if enabled) one releases.atom per watched repo."""
        return [f.url for f in self.feeds] + self.release_feed_urls()

    def category_of(self, natural_id: str) -> str | None:
        """Watchlist category of `crate:<name>` or `repo:<owner>/<name>` (case-insensitive)."""
        return self._categories().get(natural_id.lower())

    def item_of(self, natural_id: str) -> WatchItem | None:
        return self._items_by_id().get(natural_id.lower())

    def _items_by_id(self) -> dict[str, WatchItem]:
        out: dict[str, WatchItem] = {}
        for item in self.items:
            for c in item.crates:
                out[f"crate:{c.lower()}"] = item
            for r in item.repos:
                out[f"repo:{r.lower()}"] = item
        return out

    def _categories(self) -> dict[str, str]:
        return {k: v.category for k, v in self._items_by_id().items()}


def _fail(where: str, message: str) -> WatchlistError:
    return WatchlistError(f"watchlist: {where}: {message}")


def _str_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"`{key}` must be a list of strings")
    return tuple(v.strip() for v in value)


def _text(value: Any, where: str, key: str, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"`{key}` must be a non-empty string")
    return value.strip()


def _parse_items(raw: Any, categories: frozenset[str] | None) -> tuple[WatchItem, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail("[[watch]]", "at least one [[watch]] entry is required")
    items: list[WatchItem] = []
    seen_names: dict[str, int] = {}
    seen_crates: dict[str, str] = {}
    seen_repos: dict[str, str] = {}
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise _fail(f"[[watch]] #{i}", "must be a table")
        name = _text(entry.get("name"), f"[[watch]] #{i}", "name")
        where = f"[[watch]] #{i} ({name!r})"
        unknown = set(entry) - {"name", "category", "crates", "repos", "note", "primary_crate",
                                 "primary_repo", "upstream", "name_zh"}
        if unknown:
            raise _fail(where, f"unknown key(s) {sorted(unknown)}")
        if name.lower() in seen_names:
            raise _fail(where, f"duplicate name (also entry #{seen_names[name.lower()]})")
        seen_names[name.lower()] = i
        category = _text(entry.get("category"), where, "category")
        if categories is not None and category not in categories:
            raise _fail(where, f"unknown category id {category!r}; expected one of "
                               f"{sorted(categories)}")
        crates = _str_list(entry.get("crates"), where, "crates")
        repos = _str_list(entry.get("repos"), where, "repos")
        upstream = _str_list(entry.get("upstream"), where, "upstream")
        note = _text(entry.get("note"), where, "note", required=False)
        primary_crate = _text(entry.get("primary_crate"), where, "primary_crate", required=False)
        primary_repo = _text(entry.get("primary_repo"), where, "primary_repo", required=False)
        if primary_crate is not None and primary_crate not in crates:
            raise _fail(where, f"primary_crate {primary_crate!r} is not one of its `crates`")
        if primary_repo is not None and primary_repo not in repos:
            raise _fail(where, f"primary_repo {primary_repo!r} is not one of its `repos`")
        if not crates and not repos and not note:
            raise _fail(where, "has no crates and no repos; add a `note` saying why")
        for c in crates:
            if not _CRATE_RE.match(c):
                raise _fail(where, f"malformed crate name {c!r}")
            key = c.lower().replace("_", "-")  # crates.io treats - and _ as the same name
            if key in seen_crates:
                raise _fail(where, f"duplicate crate {c!r} (also in {seen_crates[key]!r})")
            seen_crates[key] = name
        for r in (*repos, *upstream):
            if not _REPO_RE.match(r) or r.endswith(".git"):
                raise _fail(where, f"malformed repo {r!r}; expected 'owner/name'")
            if r.lower() in seen_repos:
                raise _fail(where, f"duplicate repo {r!r} (also in {seen_repos[r.lower()]!r})")
            seen_repos[r.lower()] = name
        items.append(WatchItem(
            name=name, category=category, crates=crates, repos=repos, note=note,
            primary_crate=primary_crate, primary_repo=primary_repo, upstream=upstream,
            name_zh=_text(entry.get("name_zh"), where, "name_zh", required=False)))
    return tuple(items)


def _parse_url(value: Any, where: str, key: str) -> str:
    url = _text(value, where, key)
    if not re.match(r"^https?://[^\s/]+/\S*$", url):
        raise _fail(where, f"`{key}` is not an http(s) URL: {url!r}")
    return url


def _parse_discovery(raw: Any) -> dict[str, Any]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise _fail("[discovery]", "must be a table")
    crates = raw.get("crates") or {}
    where = "[discovery.crates]"
    cats = _str_list(crates.get("categories"), where, "categories")
    for slug in cats:
        if not _SLUG_RE.match(slug):
            raise _fail(where, f"malformed crates.io category slug {slug!r}")
    kws = _str_list(crates.get("keywords"), where, "keywords")
    for kw in kws:
        if not _KEYWORD_RE.match(kw):
            raise _fail(where, f"malformed crates.io keyword {kw!r}")
    for label, values in (("category", cats), ("keyword", kws)):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise _fail(where, f"duplicate {label}(s) {dupes}")
    rss = crates.get("new_crates_rss", DEFAULT_NEW_CRATES_RSS)
    rss = _parse_url(rss, where, "new_crates_rss")

    queries: list[ArxivQuery] = []
    raw_q = raw.get("arxiv") or []
    if not isinstance(raw_q, list):
        raise _fail("[[discovery.arxiv]]", "must be an array of tables")
    for i, q in enumerate(raw_q, start=1):
        w = f"[[discovery.arxiv]] #{i}"
        if not isinstance(q, dict):
            raise _fail(w, "must be a table with `name` and `query`")
        name = _text(q.get("name"), w, "name")
        w = f"[[discovery.arxiv]] #{i} ({name!r})"
        query = _text(q.get("query"), w, "query")
        if "submitteddate" in query.lower():
            raise _fail(w, "must not contain submittedDate (the run month window is added)")
        if query.count("(") != query.count(")"):
            raise _fail(w, "unbalanced parentheses in query")
        if any(existing.name == name for existing in queries):
            raise _fail(w, "duplicate query name")
        queries.append(ArxivQuery(name=name, query=query))
    return {"crate_categories": cats, "crate_keywords": kws, "new_crates_rss": rss,
            "arxiv_queries": tuple(queries)}


def _parse_feeds(raw: Any) -> tuple[Feed, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail("[[feeds]]", "must be an array of tables")
    feeds: list[Feed] = []
    for i, f in enumerate(raw, start=1):
        w = f"[[feeds]] #{i}"
        if not isinstance(f, dict):
            raise _fail(w, "must be a table with `name` and `url`")
        name = _text(f.get("name"), w, "name")
        url = _parse_url(f.get("url"), f"{w} ({name!r})", "url")
        if any(x.url == url for x in feeds):
            raise _fail(f"{w} ({name!r})", f"duplicate feed url {url!r}")
        feeds.append(Feed(name=name, url=url))
    return tuple(feeds)


def parse_watchlist(data: dict[str, Any], *, categories: Iterable[str] | None = None,
                    path: Path | None = None) -> Watchlist:
    """Validate an already-parsed TOML document.

    `categories`: the taxonomy's category ids (`landscape.taxonomy.load_taxonomy().ids`, their
    one home is config/taxonomy.toml) that a `[[watch]]` category must be one of. Connectors
    cannot read the taxonomy, so the caller passes them; None skips that one check.
    """
    project = data.get("project") or {}
    if not isinstance(project, dict):
        raise _fail("[project]", "must be a table")
    user_agent = _text(project.get("user_agent"), "[project]", "user_agent")
    contact = _text(project.get("contact"), "[project]", "contact")
    if contact not in user_agent:
        # crates.io asks for a User-Agent that names the app *and* a way to reach us.
        raise _fail("[project]", "user_agent must include the contact")
    github = data.get("github") or {}
    release_feeds = github.get("release_feeds", True)
    if not isinstance(release_feeds, bool):
        raise _fail("[github]", "`release_feeds` must be true or false")
    return Watchlist(
        user_agent=user_agent,
        contact=contact,
        project_name=str(project.get("name") or "panorama"),
        items=_parse_items(data.get("watch"),
                           None if categories is None else frozenset(categories)),
        feeds=_parse_feeds(data.get("feeds")),
        release_feeds=release_feeds,
        path=path,
        **_parse_discovery(data.get("discovery")),
    )


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """`file:line:col: message` (the form editors jump to), from tomllib's message."""
    text = str(exc)
    where = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if not where:
        return f"{path}: not valid TOML: {text}"
    message = text[:where.start()].strip()
    return f"{path}:{where.group(1)}:{where.group(2)}: not valid TOML: {message}"


def load_watchlist(path: Path | str | None = None, *,
                   categories: Iterable[str] | None = None) -> Watchlist:
    """Read and validate the watchlist (default `config/watchlist.toml`); `categories` as in
    `parse_watchlist`."""
    p = Path(path) if path is not None else DEFAULT_PATH
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise WatchlistError(f"watchlist: file not found: {p}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise WatchlistError(_toml_error(p, exc)) from None
    return parse_watchlist(data, categories=categories, path=p)
