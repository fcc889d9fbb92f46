"""Render one month of the world as the HTTP exchanges the pipeline makes (docs/CONTRACTS.md).

Response bodies follow the shapes of the real responses in `../shared/fixtures/real/`
(crates.io API snapshots, octokit's recorded repository, arXiv Atom, GitHub releases.atom,
the crates.io RSS feed) and carry the real header names.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from connectors.arxiv import API_URL as ARXIV_API
from connectors.arxiv import page_params as arxiv_params
from connectors.crates import API_BASE as CRATES_API
from connectors.crates import crate_urls, listing_params
from connectors.github import repo_url

from . import knowledge as K
from .world import (
    AUTHOR_PLACEHOLDER,
    NOT_FOUND_CRATE,
    NOT_MODIFIED_FEED_REPO,
    Crate,
    Paper,
    Repo,
    Version,
    World,
    fetch_time,
    month_start,
    next_month,
    rng,
    stable_int,
)

NOT_FOUND_BODY = '{"errors":[{"detail":"Not Found"}]}'  # shape of fixtures/real/cratesio/dependabot-not_found.json


@dataclass
class Exchange:
    method: str
    url: str  # full URL incl. query
    status: int
    headers: dict[str, str]
    body: bytes
    request_headers: dict[str, str] = field(default_factory=dict)


def iso_z(dt: datetime, key: str = "") -> str:
    """crates.io style timestamp: microseconds and a Z."""
    micro = stable_int("us", key, dt.isoformat(), mod=1_000_000) if key else dt.microsecond
    return dt.astimezone(UTC).replace(microsecond=micro).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def gh_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def compact(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def etag_of(body: bytes, weak: bool = False) -> str:
    tag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    return f"W/{tag}" if weak else tag


def with_query(base: str, params: dict[str, str]) -> str:
    return f"{base}?{urlencode(params)}"


# ----------------------------------------------------------------------------- crates.io

def _crate_links(name: str, minimal: bool) -> dict:
    return {
        "owner_team": f"/api/v1/crates/{name}/owner_team",
        "owner_user": f"/api/v1/crates/{name}/owner_user",
        "owners": f"/api/v1/crates/{name}/owners",
        "reverse_dependencies": f"/api/v1/crates/{name}/reverse_dependencies",
        "version_downloads": f"/api/v1/crates/{name}/downloads",
        "versions": f"/api/v1/crates/{name}/versions" if minimal else None,
    }


def _is_pre(num: str) -> bool:
    return "-" in num


def crate_object(w: World, c: Crate, at: datetime, *, listing: bool,
                 shown: list[Version] | None = None) -> dict:
    vs = c.versions_at(at)
    live = [v for v in vs if not v.yanked(at)] or vs
    newest = max(vs, key=lambda v: v.created)
    stable = [v for v in live if not _is_pre(v.num)]
    default = max(stable or live, key=lambda v: v.created)
    total = c.total_at(at) if c.watched else w.pool_crate_total(c, at)
    recent = c.recent_at(at) if c.watched else min(total, int(c.base_daily * 90 * 0.6))
    return {
        "badges": [],
        "categories": None if listing else c.categories,
        "created_at": iso_z(c.created, c.name),
        "default_version": default.num,
        "description": c.description,
        "documentation": c.documentation,
        "downloads": total,
        "exact_match": False,
        "homepage": c.homepage,
        "id": c.name,
        "keywords": None if listing else c.keywords,
        "links": _crate_links(c.name, listing),
        "max_stable_version": (max(stable, key=lambda v: v.created).num if stable else None),
        "max_version": max(live, key=lambda v: v.created).num,
        "name": c.name,
        "newest_version": newest.num,
        "num_versions": len(vs),
        "recent_downloads": recent,
        "repository": c.repository,
        "trustpub_only": False,
        "updated_at": iso_z(max(v.yanked_at or v.created for v in vs
                                if (v.yanked_at or v.created) <= at), c.name + "u"),
        "versions": None if listing else [v.id for v in (shown or [])],
        "yanked": False,
    }


def version_object(w: World, c: Crate, v: Version, at: datetime) -> dict:
    r = rng("version", c.name, v.num)
    yanked = v.yanked(at)
    return {
        "audit_actions": [],
        "bin_names": [],
        "checksum": hashlib.sha256(f"{c.name}@{v.num}".encode()).hexdigest(),
        "crate": c.name,
        "crate_size": r.randint(8_000, 900_000),
        "created_at": iso_z(v.created, c.name + v.num),
        "description": c.description,
        "dl_path": f"/api/v1/crates/{c.name}/{v.num}/download",
        "documentation": c.documentation,
        "downloads": c.version_downloads_at(v, at),
        "edition": "2024" if v.created.year >= 2025 and r.random() < 0.6 else "2021",
        "features": {"default": ["std"], "std": []} if r.random() < 0.5 else {},
        "has_lib": True,
        "homepage": c.homepage,
        "id": v.id,
        "lib_links": None,
        "license": c.license,
        "linecounts": {"languages": {}, "total_code_lines": r.randint(800, 90_000),
                       "total_comment_lines": r.randint(100, 12_000)},
        "links": {
            "authors": f"/api/v1/crates/{c.name}/{v.num}/authors",
            "dependencies": f"/api/v1/crates/{c.name}/{v.num}/dependencies",
            "version_downloads": f"/api/v1/crates/{c.name}/{v.num}/downloads",
        },
        "num": v.num,
        "published_by": None,
        "readme_path": f"/api/v1/crates/{c.name}/{v.num}/readme",
        "repository": c.repository,
        "rust_version": "1.75" if r.random() < 0.4 else None,
        "trustpub_data": None,
        "updated_at": iso_z(v.yanked_at if yanked else v.created, c.name + v.num + "u"),
        "yank_message": "Broken build on some targets; use the next release." if yanked else None,
        "yanked": yanked,
    }


def _keyword_obj(kw: str) -> dict:
    return {"crates_cnt": 20 + stable_int("kwcnt", kw, mod=3000),
            "created_at": iso_z(datetime(2015, 1, 1, tzinfo=UTC)
                                + timedelta(days=stable_int("kwday", kw, mod=3000)), kw),
            "id": kw, "keyword": kw}


def _category_obj(slug: str) -> dict:
    name = slug.split("::")[-1].replace("-", " ").capitalize()
    return {"category": name if "::" not in slug else
            " :: ".join(p.replace("-", " ").capitalize() for p in slug.split("::")),
            "crates_cnt": 100 + stable_int("catcnt", slug, mod=9000),
            "created_at": "2017-01-17T19:13:05.112025Z",
            "description": f"Crates in the {name} category.", "id": slug, "slug": slug}


CRATES_HEADERS = {"content-type": "application/json; charset=utf-8", "vary": "Accept-Encoding",
                  "access-control-allow-origin": "*", "server": "nginx"}


def crate_exchanges(w: World, month: str, ua: str) -> list[Exchange]:
    at = fetch_time(month)
    out: list[Exchange] = []
    req = {"user-agent": ua, "accept": "application/json"}
    for name in w.watchlist.watched_crates():
        detail_url, dl_url = crate_urls(name)
        hdr = {**CRATES_HEADERS, "date": http_date(at)}
        if (name, month) == NOT_FOUND_CRATE:
            for url in (detail_url, dl_url):
                out.append(Exchange("GET", url, 404, dict(hdr), NOT_FOUND_BODY.encode(), req))
            continue
        c = w.crates[name]
        shown = sorted(c.versions_at(at), key=lambda v: v.created, reverse=True)[:5]
        doc = {
            "categories": [_category_obj(s) for s in c.categories],
            "crate": crate_object(w, c, at, listing=False, shown=shown),
            "keywords": [_keyword_obj(k) for k in c.keywords],
            "versions": [version_object(w, c, v, at) for v in shown],
        }
        out.append(Exchange("GET", detail_url, 200, dict(hdr), compact(doc), req))
        out.append(Exchange("GET", dl_url, 200, dict(hdr), compact(downloads_doc(c, at)), req))
    return out


def downloads_doc(c: Crate, at: datetime) -> dict:
    end = at.date()
    start = end - timedelta(days=90)
    latest5 = {v.id for v in sorted(c.versions_at(at), key=lambda v: v.created,
                                    reverse=True)[:5]}
    rows, extra = [], []
    for d in sorted(c.daily, reverse=True):
        if not (start <= d < end):
            continue
        other = 0
        for vid, n in sorted(c.daily[d].items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
            if vid in latest5:
                rows.append({"date": d.isoformat(), "downloads": n, "version": vid})
            else:
                other += n
        if other:
            extra.append({"date": d.isoformat(), "downloads": other})
    return {"meta": {"extra_downloads": extra}, "version_downloads": rows}


def _seek(c: Crate) -> str:
    raw = json.dumps([iso_z(c.created, c.name), stable_int("cid", c.name, mod=2_000_000)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _matches(c: Crate, kind: str, value: str) -> bool:
    if kind == "keyword":
        return value in c.keywords
    return any(cat == value or cat.startswith(value + "::") for cat in c.categories)


def listing_exchanges(w: World, month: str, ua: str) -> list[Exchange]:
    at = fetch_time(month)
    since = month_start(month)
    out: list[Exchange] = []
    req = {"user-agent": ua, "accept": "application/json"}
    kinds = ([("category", s) for s in w.watchlist.crate_categories]
             + [("keyword", k) for k in w.watchlist.crate_keywords])
    for kind, value in kinds:
        items = sorted((c for c in w.universe.values()
                        if c.created < at and _matches(c, kind, value)),
                       key=lambda c: (c.created, c.name), reverse=True)
        params = listing_params(kind, value)
        pos = 0
        while True:
            page = items[pos:pos + 100]
            more = pos + 100 < len(items)
            next_page = None
            if more:
                nxt = {**params, "seek": _seek(page[-1])}
                next_page = "?" + urlencode(sorted(nxt.items()))
            doc = {"crates": [crate_object(w, c, at, listing=True) for c in page],
                   "meta": {"next_page": next_page, "prev_page": None, "total": len(items)}}
            out.append(Exchange("GET", with_query(f"{CRATES_API}/crates", params), 200,
                                {**CRATES_HEADERS, "date": http_date(at)}, compact(doc), req))
            # the connector stops at the first crate created before the month start
            if not more or any(c.created < since for c in page):
                break
            params = {**params, "seek": _seek(page[-1])}
            pos += 100
    return out


def rss_exchange(w: World, month: str, ua: str) -> Exchange:
    at = fetch_time(month)
    newest = sorted((c for c in w.discovered.values() if c.created < at),
                    key=lambda c: c.created, reverse=True)[:50]
    items = []
    for c in newest:
        desc = (f"\n            <description><![CDATA[{c.description}]]></description>"
                if c.description else "")
        items.append(f"""        <item>
            <title>New crate created: {escape(c.name)}</title>
            <link>https://crates.io/crates/{escape(c.name)}</link>{desc}
            <guid>https://crates.io/crates/{escape(c.name)}</guid>
            <pubDate>{format_datetime(c.created).replace("-0000", "+0000")}</pubDate>
            <crates:name>{escape(c.name)}</crates:name>
        </item>""")
    body = ("""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:crates="https://crates.io/">
    <channel>
        <title>crates.io: newest crates</title>
        <link>https://crates.io/</link>
        <description>Newest crates registered on the crates.io package registry</description>
        <language>en</language>
        <atom:link href="https://static.crates.io/rss/crates.xml" rel="self" type="application/rss+xml"/>
""" + "\n".join(items) + "\n    </channel>\n</rss>\n").encode()
    last_mod = newest[0].created if newest else at
    return Exchange("GET", w.watchlist.new_crates_rss, 200, {
        "content-type": "application/rss+xml", "date": http_date(at),
        "etag": etag_of(body), "last-modified": http_date(last_mod + timedelta(minutes=1)),
        "cache-control": "public, max-age=60", "server": "AmazonS3"}, body,
        {"user-agent": ua})


# --------------------------------------------------------------------------------- GitHub

_URL_KEYS = [
    ("forks_url", "/forks"), ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"), ("teams_url", "/teams"),
    ("hooks_url", "/hooks"), ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"), ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"), ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"), ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"), ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"), ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"), ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"), ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"), ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"), ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"), ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"), ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"), ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("labels_url", "/labels{/name}"), ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
]
_LICENSES = {
    "MIT": ("mit", "MIT License", "MDc6TGljZW5zZTEz"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0", "MDc6TGljZW5zZTI="),
    "NOASSERTION": ("other", "Other", "MDc6TGljZW5zZTA="),
}


def _owner(repo: Repo) -> dict:
    login = repo.full_name.split("/")[0]
    api = f"https://api.github.com/users/{login}"
    node = base64.b64encode(
        f"{'04:User' if repo.owner_is_user else '012:Organization'}{repo.owner_id}".encode()
    ).decode()
    return {
        "login": login, "id": repo.owner_id, "node_id": node,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{repo.owner_id}?v=4",
        "gravatar_id": "", "url": api, "html_url": f"https://github.com/{login}",
        "followers_url": f"{api}/followers", "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}", "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions", "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "User" if repo.owner_is_user else "Organization",
        "user_view_type": "public", "site_admin": False,
    }


def repo_doc(repo: Repo, at: datetime) -> dict:
    o, name = repo.full_name.split("/")
    api = f"https://api.github.com/repos/{repo.full_name}"
    r = rng("repo", repo.full_name, at.date())
    stars = repo.stars_at(at)
    forks = int(stars * (0.04 + stable_int("fk", repo.full_name, mod=100) / 1000))
    issues = 5 + int(stars * (0.004 + stable_int("is", repo.full_name, mod=30) / 1000)
                     * r.uniform(0.9, 1.1))
    pushed = (datetime(2024, 6, 24, 14, 2, 11, tzinfo=UTC) if repo.archived
              else at - timedelta(hours=r.uniform(0.5, 70)))
    updated = at - timedelta(minutes=r.uniform(1, 240)) if not repo.archived else \
        at - timedelta(hours=r.uniform(1, 400))
    lic = _LICENSES.get(repo.license)
    if lic is None:
        lic = (repo.license.lower(), repo.license, "MDc6TGljZW5zZTA=")
    doc: dict = {
        "id": repo.id,
        "node_id": base64.b64encode(f"010:Repository{repo.id}".encode()).decode(),
        "name": name, "full_name": repo.full_name, "private": False, "owner": _owner(repo),
        "html_url": f"https://github.com/{repo.full_name}", "description": repo.description,
        "fork": False, "url": api,
    }
    for key, suffix in _URL_KEYS:
        doc[key] = api + suffix
    doc.update({
        "created_at": gh_time(repo.created), "updated_at": gh_time(updated),
        "pushed_at": gh_time(pushed),
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"https://github.com/{repo.full_name}.git",
        "svn_url": f"https://github.com/{repo.full_name}",
        "homepage": repo.homepage or "",
        "size": 2_000 + stable_int("size", repo.full_name, mod=400_000),
        "stargazers_count": stars, "watchers_count": stars, "language": repo.language,
        "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": False,
        "has_pages": False, "has_discussions": stable_int("disc", repo.full_name, mod=2) == 1,
        "forks_count": forks, "mirror_url": None, "archived": repo.archived, "disabled": False,
        "open_issues_count": issues,
        "license": {"key": lic[0], "name": lic[1], "spdx_id": repo.license,
                    "url": None if repo.license == "NOASSERTION"
                    else f"https://api.github.com/licenses/{lic[0]}", "node_id": lic[2]},
        "allow_forking": True, "is_template": False, "web_commit_signoff_required": False,
        "topics": sorted(repo.topics), "visibility": "public", "forks": forks,
        "open_issues": issues, "watchers": stars, "default_branch": repo.default_branch,
    })
    if not repo.owner_is_user:
        doc["organization"] = _owner(repo)
    doc["network_count"] = forks
    doc["subscribers_count"] = max(3, int(stars * 0.012))
    return doc


def github_exchanges(w: World, month: str, ua: str) -> list[Exchange]:
    at = fetch_time(month)
    reset = int((at + timedelta(hours=1)).timestamp())
    out: list[Exchange] = []
    req = {"user-agent": ua, "accept": "application/vnd.github+json",
           "x-github-api-version": "2022-11-28"}
    repos = w.watchlist.watched_repos()
    for i, full in enumerate(repos):
        repo = w.repos[full]
        body = compact(repo_doc(repo, at))
        last_mod = (datetime(2024, 6, 24, 14, 2, 11, tzinfo=UTC) if repo.archived
                    else at - timedelta(minutes=stable_int("lm", full, month, mod=600)))
        out.append(Exchange("GET", repo_url(full), 200, {
            "server": "github.com", "date": http_date(at),
            "content-type": "application/json; charset=utf-8",
            "cache-control": "public, max-age=60, s-maxage=60",
            "vary": "Accept,Accept-Encoding, Accept, X-Requested-With",
            "etag": etag_of(body, weak=True), "last-modified": http_date(last_mod),
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            "x-ratelimit-limit": "60", "x-ratelimit-remaining": str(max(0, 59 - i)),
            "x-ratelimit-reset": str(reset), "x-ratelimit-used": str(i + 1),
            "x-ratelimit-resource": "core",
            "access-control-expose-headers": "ETag, Link, Location, Retry-After, "
            "X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, "
            "X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, "
            "X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, "
            "Deprecation, Sunset",
            "access-control-allow-origin": "*",
            "x-github-request-id": f"{stable_int('rid', full, month, mod=0xFFFF):04X}:"
                                   f"{stable_int('rid2', full, month, mod=0xFFFFFFF):07X}",
        }, body, req))
    return out


def releases_atom(w: World, repo: Repo, at: datetime) -> bytes:
    o, name = repo.full_name.split("/")
    rel = [(t, ts) for t, ts in repo.releases if ts < at][-10:][::-1]
    offset = timedelta(hours=(stable_int("tz", repo.full_name, mod=13) - 4))
    sign = "+" if offset >= timedelta(0) else "-"
    hh = abs(int(offset.total_seconds() // 3600))

    def local(ts: datetime) -> str:
        return (ts + offset).strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hh:02d}:00"

    updated = local(rel[0][1]) if rel else local(repo.created)
    entries = []
    for tag, ts in rel:
        notes = (f"<h2>What's Changed</h2>\n<ul>\n<li>Release {escape(tag)} of {escape(name)} "
                 f"(synthetic demo entry: version and date are made up).</li>\n</ul>")
        entries.append(f"""  <entry>
    <id>tag:github.com,2008:Repository/{repo.id}/{escape(tag)}</id>
    <updated>{local(ts)}</updated>
    <link rel="alternate" type="text/html" href={quoteattr(f"https://github.com/{repo.full_name}/releases/tag/{tag}")}/>
    <title>{escape(tag)}</title>
    <content type="html">{escape(notes)}</content>
    <author>
      <name>{escape(o)}</name>
    </author>
    <media:thumbnail height="30" width="30" url="https://avatars.githubusercontent.com/u/{repo.owner_id}?s=60&amp;v=4"/>
  </entry>""")
    return (f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en-US">
  <id>tag:github.com,2008:https://github.com/{repo.full_name}/releases</id>
  <link type="text/html" rel="alternate" href="https://github.com/{repo.full_name}/releases"/>
  <link type="application/atom+xml" rel="self" href="https://github.com/{repo.full_name}/releases.atom"/>
  <title>Release notes from {escape(name)}</title>
  <updated>{updated}</updated>
""" + "\n".join(entries) + ("\n" if entries else "") + "</feed>\n").encode()


def release_feed_exchanges(w: World, month: str, ua: str) -> list[Exchange]:
    if not w.watchlist.release_feeds:
        return []
    at = fetch_time(month)
    out: list[Exchange] = []
    for full in w.watchlist.watched_repos():
        repo = w.repos[full]
        url = f"https://github.com/{full}/releases.atom"
        body = releases_atom(w, repo, at)
        hdr = {"content-type": "application/atom+xml; charset=utf-8", "date": http_date(at),
               "etag": etag_of(body, weak=True),
               "cache-control": "max-age=0, private, must-revalidate", "server": "github.com",
               "vary": "X-PJAX, X-PJAX-Container, Turbo-Visit, Turbo-Frame, Accept-Encoding, "
                       "Accept, X-Requested-With"}
        req = {"user-agent": ua, "accept": "application/atom+xml"}
        if full == NOT_MODIFIED_FEED_REPO and month != w.months[0]:
            # archived repo: its feed never changes, so the conditional GET gets a 304
            out.append(Exchange("GET", url, 304, {k: v for k, v in hdr.items()
                                                  if k != "content-type"}, b"",
                                {**req, "if-none-match": hdr["etag"]}))
            continue
        out.append(Exchange("GET", url, 200, hdr, body, req))
    return out


# ---------------------------------------------------------------------------------- arXiv

def _paper_entry(p: Paper) -> str:
    cats = "\n".join(f'    <category term="{escape(c)}" scheme="http://arxiv.org/schemas/atom"/>'
                     for c in p.categories)
    authors = "\n".join(f"    <author>\n      <name>{escape(a)}</name>\n    </author>"
                        for a in p.authors)
    ts = gh_time(p.published)
    comment = (f"\n    <arxiv:comment>{escape(p.comment)}</arxiv:comment>" if p.comment else "")
    return f"""  <entry>
    <id>http://arxiv.org/abs/{p.arxiv_id}v1</id>
    <title>{escape(p.title)}</title>
    <updated>{ts}</updated>
    <link href="https://arxiv.org/abs/{p.arxiv_id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{p.arxiv_id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>{escape(p.abstract)}</summary>
{cats}
    <published>{ts}</published>{comment}
    <arxiv:primary_category term="{escape(p.primary)}"/>
{authors}
  </entry>"""


def arxiv_exchanges(w: World, month: str, ua: str) -> list[Exchange]:
    at = fetch_time(month)
    out: list[Exchange] = []
    for q in w.watchlist.arxiv_queries:
        hits = sorted((p for p in w.papers.get(month, []) if q.name in p.queries),
                      key=lambda p: p.published, reverse=True)
        start = 0
        while True:
            params = arxiv_params(q.query, month, start)
            page = hits[start:start + 100]
            shown_q = (f"search_query={params['search_query']}&amp;id_list=&amp;start={start}"
                       f"&amp;max_results=100")
            feed_id = base64.urlsafe_b64encode(hashlib.sha1(
                f"{q.name}{month}{start}".encode()).digest()).decode().rstrip("=")
            body = (f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/{feed_id}</id>
  <title>arXiv Query: {escape(shown_q, {'"': '&quot;'}).replace('&amp;amp;', '&amp;')}</title>
  <updated>{gh_time(at)}</updated>
  <link href={quoteattr(with_query("https://arxiv.org/api/query", {**params, "id_list": ""}))} type="application/atom+xml"/>
  <opensearch:itemsPerPage>100</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(hits)}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
""" + "".join(_paper_entry(p) + "\n" for p in page) + "</feed>\n").encode()
            out.append(Exchange("GET", with_query(ARXIV_API, params), 200, {
                "content-type": "application/atom+xml; charset=utf-8", "date": http_date(at),
                "server": "Apache", "vary": "Accept-Encoding"}, body, {"user-agent": ua}))
            start += 100
            if start >= len(hits):
                break
    return out


# ---------------------------------------------------------------------------------- feeds

def rust_blog(at: datetime) -> tuple[bytes, datetime]:
    posts = []
    for ver, day in K.RUST_RELEASES:
        t = datetime.fromisoformat(day).replace(tzinfo=UTC)
        if t < at:
            y, m, d = day.split("-")
            posts.append((t, f"Announcing Rust {ver}",
                          f"https://blog.rust-lang.org/{y}/{m}/{d}/Rust-{ver}/",
                          "The Rust Release Team",
                          f"<p>The Rust team has published a new stable version, Rust {ver}. "
                          f"Update with <code>rustup update stable</code>. (Summary written "
                          f"for the Panorama demo snapshot.)</p>"))
    posts.sort(reverse=True)
    posts = posts[:10]
    built = posts[0][0] + timedelta(hours=15, minutes=stable_int("b", at.date(), mod=59))
    entries = "".join(f"""    <entry xml:lang="en">
        <title>{escape(title)}</title>
        <published>{t.strftime('%Y-%m-%dT%H:%M:%S+00:00')}</published>
        <updated>{t.strftime('%Y-%m-%dT%H:%M:%S+00:00')}</updated>
        <author>
            <name>{escape(author)}</name>
        </author>
        <link rel="alternate" type="text/html" href="{link}"/>
        <id>{link}</id>
        <content type="html" xml:base="{link}">{escape(content)}</content>
    </entry>
""" for t, title, link, author, content in posts)
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
    <title>Rust Blog</title>
    <subtitle>Empowering everyone to build reliable and efficient software.</subtitle>
    <link rel="self" type="application/atom+xml" href="https://blog.rust-lang.org/feed.xml"/>
    <link rel="alternate" type="text/html" href="https://blog.rust-lang.org/"/>
    <generator uri="https://www.getzola.org/">Zola</generator>
    <updated>{built.strftime('%Y-%m-%dT%H:%M:%S+00:00')}</updated>
    <id>https://blog.rust-lang.org/feed.xml</id>
{entries}</feed>
""".encode()
    return body, built


TWIR_REF = (600, datetime(2025, 5, 28, 4, 0, tzinfo=UTC))  # issue numbering anchor (synthetic)


def twir(at: datetime) -> tuple[bytes, datetime]:
    n0, t0 = TWIR_REF
    weeks = int((at - t0).days // 7)
    issues = [(n0 + k, t0 + timedelta(weeks=k)) for k in range(weeks, weeks - 4, -1)]
    items = "".join(f"""<item><title>This Week in Rust {n}</title><link>https://this-week-in-rust.org/blog/{t:%Y/%m/%d}/this-week-in-rust-{n}/</link><description>&lt;p&gt;Issue {n} of the weekly Rust newsletter: updates from the Rust community, crate of the week, calls for participation and events. (Summary written for the Panorama demo snapshot.)&lt;/p&gt;</description><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">TWiR Contributors</dc:creator><pubDate>{format_datetime(t, usegmt=True).replace("GMT", "+0000")}</pubDate><guid isPermaLink="false">tag:this-week-in-rust.org,{t:%Y-%m-%d}:/blog/{t:%Y/%m/%d}/this-week-in-rust-{n}/</guid><category>this-week-in-rust</category></item>"""
                    for n, t in issues)
    last = issues[0][1]
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>This Week in Rust</title><link>https://this-week-in-rust.org/</link><description>Handpicked Rust updates, delivered to your inbox.</description><lastBuildDate>{format_datetime(last, usegmt=True).replace("GMT", "+0000")}</lastBuildDate>{items}</channel></rss>""".encode()
    return body, last


def feed_exchanges(w: World, month: str, ua: str) -> list[Exchange]:
    at = fetch_time(month)
    out = []
    for feed in w.watchlist.feeds:
        if "blog.rust-lang.org" in feed.url:
            body, mod, ctype = *rust_blog(at), "application/xml"
        elif "this-week-in-rust.org" in feed.url:
            body, mod, ctype = *twir(at), "application/rss+xml"
        else:
            raise ValueError(f"no demo content for feed {feed.url}")
        out.append(Exchange("GET", feed.url, 200, {
            "content-type": ctype, "date": http_date(at), "etag": etag_of(body),
            "last-modified": http_date(mod), "server": "GitHub.com",
            "cache-control": "max-age=600"}, body, {"user-agent": ua}))
    return out


def month_exchanges(w: World, month: str) -> list[Exchange]:
    ua = w.watchlist.user_agent
    return (crate_exchanges(w, month, ua) + listing_exchanges(w, month, ua)
            + [rss_exchange(w, month, ua)] + github_exchanges(w, month, ua)
            + release_feed_exchanges(w, month, ua) + arxiv_exchanges(w, month, ua)
            + feed_exchanges(w, month, ua))


__all__ = ["Exchange", "month_exchanges", "next_month", "AUTHOR_PLACEHOLDER"]
