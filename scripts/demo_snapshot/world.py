"""The deterministic "world" behind the demo snapshot: what exists when, and every made-up number.

Everything is derived from fixed seeds (string seeds: `random.Random` hashes them with SHA-512,
so results do not depend on PYTHONHASHSEED or the machine). Real inputs: the watchlist, the
knowledge tables (names, descriptions) and the eval files under `../shared/eval/` (names,
descriptions and abstracts). Numbers (downloads, stars, versions, dates of synthetic events) are
invented here, shaped to be plausible and consistent across months (one daily downloads series
per crate, so overlapping 90-day windows agree).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path

from connectors.watchlist import Watchlist

from . import knowledge as K

SEED = "panorama-demo-2025"
MONTHS = ("2025-08", "2025-09", "2025-10", "2025-11", "2025-12")
SERIES_START = date(2025, 5, 1)  # first day of the daily downloads model
HORIZON = datetime(2026, 1, 2, tzinfo=UTC)

# Edge cases (see demo/README.md).
NOT_FOUND_CRATE = ("llama_cpp", "2025-10")           # answers 404 in that month only
NOT_MODIFIED_FEED_REPO = "rustformers/llm"             # releases.atom: 200 first, then 304
YANKED = ("llama-cpp-2", "2025-10")                    # first version of that month gets yanked
SURGE_MONTH_DEVTOOLS = "2025-10"                       # Hacktoberfest: >100 new dev-tools crates
SURGES = {  # crate -> (from day, multiplier): some items surge, the rest grow slowly or stay flat
    "mistralrs": (date(2025, 10, 8), 2.3), "rmcp": (date(2025, 9, 3), 1.9),
    "rig-core": (date(2025, 11, 5), 1.6), "ad_trait": (date(2025, 9, 20), 2.5),
    "burn": (date(2025, 10, 20), 1.4), "fastembed": (date(2025, 11, 12), 1.5),
}
STAR_SURGES = {"openai/codex": 1.5, "modelcontextprotocol/rust-sdk": 1.3, "tracel-ai/burn": 1.15}


def rng(*parts: object) -> random.Random:
    return random.Random(":".join([SEED, *map(str, parts)]))


def stable_int(*parts: object, mod: int = 10**9) -> int:
    h = hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()
    return int(h[:15], 16) % mod


def month_start(month: str) -> datetime:
    y, m = map(int, month.split("-"))
    return datetime(y, m, 1, tzinfo=UTC)


def next_month(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y + (m == 12)}-{(m % 12) + 1:02d}"


def fetch_time(month: str) -> datetime:
    """Each month's run is fetched at 06:00 UTC on the 1st of the following month."""
    return month_start(next_month(month)).replace(hour=6)


def parse_day(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


# ----------------------------------------------------------------------------- versions

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([a-z]+)\.(\d+))?$")


def _bump(v: str, r: random.Random) -> str:
    maj, mi, pa, pre, pn = _SEMVER.match(v).groups()
    maj, mi, pa = int(maj), int(mi), int(pa)
    if pre:
        return f"{maj}.{mi}.{pa}-{pre}.{int(pn) + 1}" if r.random() < 0.85 else f"{maj}.{mi}.{pa}"
    if r.random() < (0.12 if maj == 0 else 0.1):
        return f"{maj}.{mi + 1}.0"
    return f"{maj}.{mi}.{pa + 1}"


def _unbump(v: str) -> str:
    maj, mi, pa, pre, pn = _SEMVER.match(v).groups()
    maj, mi, pa = int(maj), int(mi), int(pa)
    if pre and int(pn) > 1:
        return f"{maj}.{mi}.{pa}-{pre}.{int(pn) - 1}"
    if pa > 0:
        return f"{maj}.{mi}.{pa - 1}"
    if mi > 0:
        return f"{maj}.{mi - 1}.2"
    return f"{max(maj - 1, 0)}.9.0"


def release_schedule(key: str, start: str, last: str, cadence: int) -> list[tuple[str, datetime]]:
    """(version, time) from four versions before `start` up to the horizon, oldest first."""
    r = rng("schedule", key)
    t_last = parse_day(last) + timedelta(hours=r.randint(8, 20), minutes=r.randint(0, 59),
                                         seconds=r.randint(0, 59))
    older: list[tuple[str, datetime]] = []
    v, t = start, t_last
    gap = cadence or 90
    for _ in range(4):
        v = _unbump(v)
        t = t - timedelta(days=gap * r.uniform(0.7, 1.3), hours=r.randint(0, 9))
        older.append((v, t))
    out = list(reversed(older)) + [(start, t_last)]
    if cadence:
        v, t = start, t_last
        while True:
            t = t + timedelta(days=max(1.0, cadence * r.uniform(0.6, 1.4)), minutes=r.randint(0, 600))
            if t >= HORIZON:
                break
            v = _bump(v, r)
            out.append((v, t))
    return out


def build_schedule(key: str, start: int, last: str, step_days: float) -> list[tuple[str, datetime]]:
    """llama.cpp-style build numbers: several tags a day."""
    r = rng("builds", key)
    t = parse_day(last) + timedelta(hours=12)
    n, out = start, []
    while t < HORIZON:
        out.append((str(n), t))
        t += timedelta(days=step_days * r.uniform(0.3, 1.7))
        n += r.randint(1, 4)
    return out


@dataclass
class Version:
    crate: str
    num: str
    created: datetime
    id: int
    yanked_at: datetime | None = None

    def yanked(self, at: datetime) -> bool:
        return self.yanked_at is not None and self.yanked_at <= at


# ------------------------------------------------------------------------------ crates

@dataclass
class Crate:
    name: str
    description: str | None
    created: datetime
    keywords: list[str]
    categories: list[str]
    license: str
    repository: str | None
    homepage: str | None
    documentation: str | None
    versions: list[Version]
    base_daily: float
    growth: float
    base_total: int
    watched: bool
    daily: dict[date, dict[int | None, int]] = field(default_factory=dict)  # None = other versions

    def versions_at(self, at: datetime) -> list[Version]:
        return [v for v in self.versions if v.created <= at]

    def total_at(self, at: datetime) -> int:
        end = at.date()
        return self.base_total + sum(sum(c.values()) for d, c in self.daily.items() if d < end)

    def recent_at(self, at: datetime) -> int:
        end = at.date()
        start = end - timedelta(days=90)
        return sum(sum(c.values()) for d, c in self.daily.items() if start <= d < end)

    def version_downloads_at(self, v: Version, at: datetime) -> int:
        end = at.date()
        own = sum(c.get(v.id, 0) for d, c in self.daily.items() if d < end)
        if v.created.date() < SERIES_START:
            older = [x for x in self.versions if x.created.date() < SERIES_START]
            rank = len(older) - 1 - older.index(v)
            own += int(self.base_total * 0.6 * (0.5 ** (rank + 1)))
        return own


def _weekday_factor(d: date, big: bool) -> float:
    if d.weekday() >= 5:
        return 0.55 if big else 0.8
    return 1.0


def _daily_model(c: Crate) -> None:
    day = SERIES_START
    surge = SURGES.get(c.name)
    end = HORIZON.date()
    while day < end:
        t_day = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if day < c.created.date():
            day += timedelta(days=1)
            continue
        months = (day - SERIES_START).days / 30.44
        level = c.base_daily * (1 + c.growth) ** months
        if surge and day >= surge[0]:
            ramp = min(1.0, (day - surge[0]).days / 10)
            level *= 1 + (surge[1] - 1) * ramp
        r = rng("dl", c.name, day.isoformat())
        total = max(0, int(round(level * _weekday_factor(day, c.base_daily > 5000)
                                 * math.exp(r.gauss(0, 0.12)))))
        existing = [v for v in c.versions if v.created < t_day + timedelta(days=1)]
        existing.sort(key=lambda v: v.created, reverse=True)
        split: dict[int | None, int] = {}
        weights = [0.55, 0.25, 0.1]  # older versions land in meta.extra_downloads
        if existing:
            age = (day - existing[0].created.date()).days
            ramp = min(1.0, (age + 1) / 10)
            w = weights[: len(existing)]
            shift = w[0] * (1 - ramp)
            w[0] -= shift
            if len(w) > 1:
                w[1] += shift
            for v, wv in zip(existing, w, strict=False):
                if v.yanked_at is not None and v.yanked_at < t_day:
                    wv = 0.002
                n = int(total * wv)
                if n:
                    split[v.id] = n
        rest = total - sum(split.values())
        if rest:
            split[None] = rest
        c.daily[day] = split
        day += timedelta(days=1)


# ------------------------------------------------------------------- pool (eval files)

_AWESOME_CATEGORIES = [
    ("Libraries/Artificial Intelligence", ["artificial-intelligence"]),
    ("Development tools/Build system", ["development-tools::build-utils"]),
    ("Development tools/FFI", ["development-tools::ffi"]),
    ("Development tools/Testing", ["development-tools::testing"]),
    ("Development tools/IDEs", ["development-tools", "text-editors"]),
    ("Development tools", ["development-tools"]),
    ("Libraries/Web programming", ["web-programming"]),
    ("Libraries/Command-line", ["command-line-interface"]),
    ("Libraries/Database", ["database"]),
    ("Libraries/Network programming", ["network-programming"]),
    ("Libraries/Encoding", ["encoding"]),
    ("Libraries/GUI", ["gui"]),
    ("Libraries/Game development", ["game-development"]),
    ("Libraries/Parsing", ["parsing"]),
    ("Libraries/Cryptography", ["cryptography"]),
    ("Applications/Database", ["database-implementations"]),
    ("Applications/Games", ["games"]),
    ("Applications/Emulators", ["emulators"]),
    ("Applications/Blockchain", ["cryptography::cryptocurrencies"]),
    ("Applications/Text processing", ["text-processing"]),
    ("Applications/Security tools", ["command-line-utilities"]),
    ("Applications", ["command-line-utilities"]),
]
_KEYWORD_RULES = [
    (r"\bLLMs?\b|large language model|\bGPT\b|chatbot", "llm"),
    (r"\bAI\b|artificial intelligence", "ai"),
    (r"machine learning|\bML\b", "machine-learning"),
    (r"\bML\b|machine learning", "ml"),
    (r"inference", "inference"),
    (r"embedding", "embedding"),
    (r"\bvector", "vector"),
    (r"transformer", "transformer"),
    (r"\bONNX\b", "onnx"),
    (r"WebAssembly|\bwasm\b|WASM", "wasm"),
    (r"\bagents?\b|agentic", "agent"),
    (r"\bRAG\b|retrieval", "rag"),
    (r"\bCLI\b|command[- ]line|terminal", "cli"),
    (r"\bHTTP\b|web", "web"),
    (r"\bgame", "gamedev"),
    (r"pars(e|er|ing)", "parser"),
    (r"database|\bSQL\b", "database"),
    (r"\basync", "async"),
    (r"embedded|microcontroller", "embedded"),
]


@dataclass
class PoolEntry:
    name: str
    description: str
    repository: str | None
    categories: list[str]
    keywords: list[str]
    source_id: str


def _crate_name(title: str) -> str | None:
    name = re.sub(r"\s+", "-", title.strip()).lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{1,40}", name):
        return None
    return name


def load_pool(eval_dir: Path, taken: set[str]) -> list[PoolEntry]:
    rows: list[dict] = []
    for f in ("awesome_rust.train.jsonl", "awesome_rust.dev.jsonl"):
        rows += [json.loads(line) for line in (eval_dir / f).read_text("utf-8").splitlines()
                 if line.strip()]
    out: dict[str, PoolEntry] = {}
    for row in rows:
        name = _crate_name(row["title"])
        if not name or name.replace("_", "-") in taken or name in out:
            continue
        label = row["label"]
        cats = next((c for prefix, c in _AWESOME_CATEGORIES if label.startswith(prefix)),
                    ["command-line-utilities"])
        text = row["text"]
        kws: list[str] = []
        for pattern, kw in _KEYWORD_RULES:
            if re.search(pattern, text, flags=re.IGNORECASE if kw not in ("ai", "ml") else 0) \
                    and kw not in kws:
                kws.append(kw)
        ident = row["id"].split(":", 1)[1]
        repo = f"https://github.com/{ident}" if "/" in ident else None
        out[name] = PoolEntry(name, text, repo, list(cats), kws[:5], row["id"])
    return sorted(out.values(), key=lambda p: stable_int("pool", p.name))


# ----------------------------------------------------------------------------- papers

@dataclass
class Paper:
    arxiv_id: str
    title: str
    abstract: str
    primary: str
    categories: list[str]
    published: datetime
    authors: list[str]
    queries: list[str]
    comment: str | None = None
    source: str = "eval"


EVOC2RUST = Paper(
    arxiv_id="2508.04295",
    title="EvoC2Rust: A Skeleton-guided Framework for Project-Level C-to-Rust Translation",
    # Short summary in our own words (the real abstract is on arXiv); see demo/README.md.
    abstract=("EvoC2Rust translates whole C projects into Rust. It first decomposes a project "
              "into modules and uses an LLM, guided by mappings between C and Rust language "
              "features, to produce a compilable Rust skeleton of type-checked function stubs; "
              "it then translates the functions one by one into the stubs, and finally repairs "
              "compilation errors by combining the LLM with static analysis. Evaluated on "
              "open-source benchmarks and six industrial projects, it improves syntax and "
              "semantic accuracy over LLM-based baselines and produces markedly safer code "
              "than rule-based translators."),
    primary="cs.SE", categories=["cs.SE", "cs.AI"],
    published=datetime(2025, 8, 6, 10, 31, 23, tzinfo=UTC),
    authors=["Chaofan Wang", "Tingrui Yu", "Jie Wang", "Dong Chen", "Wenrui Zhang",
             "Yuling Shi", "Xiaodong Gu", "Beijun Shen"],
    queries=["c-to-rust", "llm-rust", "rust-ml"], source="seed",
)

_QUERY_RULES = {
    "rust-ml": r"\bRust\b",
    "llm-rust": r"(LLM|large language model).*(code|program|compil)|(code|program|compil).*(LLM|large language model)",
    "c-to-rust": r"C-to-Rust|C to Rust|C2Rust",
    "rust-safety-llm": r"\bRust\b.*(unsafe|memory safety)",
    "llm-inference-systems": r"(LLM|language model).*(inference|serving|throughput|accelerat)|WebAssembly",
    "vector-retrieval": r"retrieval|\bRAG\b|vector (database|search)|nearest neighbo|embedding",
}
AUTHOR_PLACEHOLDER = "(authors not included in the demo data)"


def load_papers(eval_dir: Path, query_names: list[str]) -> dict[str, list[Paper]]:
    """Real papers per run month (their id's YYMM), each matched to at least one query."""
    months = {f"{m[2:4]}{m[5:7]}": m for m in MONTHS}
    seen: dict[str, Paper] = {}
    for f in ("arxiv_cs10.train.jsonl", "arxiv_cs10.dev.jsonl"):
        for line in (eval_dir / f).read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            aid = row["id"].split(":", 1)[1]
            yymm = aid.split(".")[0]
            if yymm not in months or aid in seen:
                continue
            month = months[yymm]
            y, m = map(int, month.split("-"))
            ndays = calendar.monthrange(y, m)[1]
            seq = int(aid.split(".")[1])
            # ids are sequential within a month: place the submission accordingly
            frac = min(0.999, seq / 32000)
            r = rng("paper", aid)
            published = month_start(month) + timedelta(days=frac * ndays,
                                                       seconds=r.randint(0, 3600))
            text = f"{row['title']} {row['text']}"
            qs = [q for q in query_names if q in _QUERY_RULES
                  and re.search(_QUERY_RULES[q], text, flags=re.IGNORECASE | re.DOTALL)]
            if not qs:  # arXiv's full-text matching is loose: unrelated papers come back too
                fallback = [q for q in ("llm-rust", "llm-inference-systems", "vector-retrieval")
                            if q in query_names]
                qs = [fallback[stable_int("q", aid) % len(fallback)]]
            seen[aid] = Paper(aid, row["title"], row["text"], row["label"], [row["label"]],
                              published, [AUTHOR_PLACEHOLDER], qs)
    out: dict[str, list[Paper]] = {m: [] for m in MONTHS}
    for p in seen.values():
        out[months[p.arxiv_id[:4]]].append(p)
    if "2025-08" in out:
        out["2025-08"].append(EVOC2RUST)
    return out


# ------------------------------------------------------------------------------ repos

@dataclass
class Repo:
    full_name: str
    id: int
    owner_id: int
    description: str
    language: str
    license: str
    owner_is_user: bool
    stars0: int
    growth: float
    created: datetime
    default_branch: str
    topics: list[str]
    homepage: str | None
    archived: bool
    releases: list[tuple[str, datetime]]  # (tag, time), oldest first

    def stars_at(self, at: datetime) -> int:
        months = (at - datetime(2025, 8, 1, tzinfo=UTC)).days / 30.44
        g = self.growth * STAR_SURGES.get(self.full_name, 1.0)
        noise = rng("stars", self.full_name, at.date()).uniform(-0.002, 0.002)
        return int(self.stars0 * ((1 + g) ** months + noise))


_TAGS = {"tokio-rs/tokio": "tokio-{v}", "tokio-rs/tracing": "tracing-{v}",
         "tokio-rs/axum": "axum-v{v}", "huggingface/candle": "{v}", "pola-rs/polars": "rs-{v}",
         "apache/arrow-rs": "{v}", "actix/actix-web": "web-v{v}", "rwf2/Rocket": "v{v}"}


# ------------------------------------------------------------------------------ world

class World:
    def __init__(self, watchlist: Watchlist, eval_dir: Path) -> None:
        self.watchlist = watchlist
        self.eval_dir = eval_dir
        self.months = MONTHS

    @cached_property
    def entry_of_crate(self) -> dict[str, str]:
        return {c: item.name for item in self.watchlist.items for c in item.crates}

    @cached_property
    def crates(self) -> dict[str, Crate]:
        out: dict[str, Crate] = {}
        for name in self.watchlist.watched_crates():
            desc, start, last, cadence, daily, growth, kws, cats, created, lic = K.CRATES[name]
            key = f"{self.entry_of_crate[name]}|{start}|{last}|{cadence}"
            sched = release_schedule(key, start, last, cadence)
            versions = [Version(name, v, t, 100000 + stable_int("vid", name, v, mod=1_900_000))
                        for v, t in sched]
            if name == YANKED[0]:
                first = next(v for v in versions if v.created >= month_start(YANKED[1]))
                first.yanked_at = first.created + timedelta(days=2, hours=3)
            item = next(i for i in self.watchlist.items if name in i.crates)
            full = K.CRATE_REPOSITORY.get(name) or (item.repos[0] if item.repos else None)
            repo = f"https://github.com/{full}" if full else None
            created_t = parse_day(created) + timedelta(hours=stable_int("ct", name, mod=20))
            versions = [v for v in versions if v.created >= created_t] or versions[-1:]
            age_days = (datetime(2025, 5, 1, tzinfo=UTC) - created_t).days
            c = Crate(name=name, description=desc, created=created_t, keywords=list(kws),
                      categories=list(cats), license=lic, repository=repo, homepage=None,
                      documentation=f"https://docs.rs/{name}", versions=versions,
                      base_daily=daily, growth=growth,
                      base_total=int(daily * max(age_days, 1) * 0.45), watched=True)
            _daily_model(c)
            out[name] = c
        return out

    @cached_property
    def pool(self) -> list[PoolEntry]:
        taken = {c.replace("_", "-") for c in self.watchlist.watched_crates()}
        return load_pool(self.eval_dir, taken)

    @cached_property
    def discovered(self) -> dict[str, Crate]:
        """Crates that are not watched: new ones per month (and the RSS tail), plus older ones."""
        pool = list(self.pool)
        devtools = [p for p in pool if any(c.startswith("development-tools") for c in p.categories)]
        surge = devtools[:104]
        rest = [p for p in pool if p not in surge]
        months = list(MONTHS) + [next_month(MONTHS[-1])]
        plan: dict[str, list[PoolEntry]] = {m: [] for m in months}
        plan[SURGE_MONTH_DEVTOOLS] += surge
        old: list[PoolEntry] = []
        for i, p in enumerate(rest):
            slot = stable_int("slot", p.name) % 10
            if slot < 4:
                old.append(p)
            else:
                plan[MONTHS[i % len(MONTHS)]].append(p)
        # the month after the window only exists for the last run's RSS (crates of Jan 1st)
        plan[months[-1]] = plan[MONTHS[0]][:15]
        plan[MONTHS[0]] = plan[MONTHS[0]][15:]
        out: dict[str, Crate] = {}
        for p in old:
            r = rng("old", p.name)
            created = datetime(2017, 1, 1, tzinfo=UTC) + timedelta(
                seconds=r.randint(0, int((datetime(2025, 7, 25, tzinfo=UTC)
                                          - datetime(2017, 1, 1, tzinfo=UTC)).total_seconds())))
            out[p.name] = self._pool_crate(p, created)
        for m, entries in plan.items():
            start = month_start(m)
            y, mo = map(int, m.split("-"))
            ndays = calendar.monthrange(y, mo)[1]
            n = len(entries)
            for i, p in enumerate(entries):
                r = rng("new", p.name)
                if i < 15:      # early hours of the 1st (seen in the previous run's RSS)
                    created = start + timedelta(minutes=r.randint(0, 5 * 60 + 50))
                elif i >= n - 35:  # the last day (seen in this run's RSS)
                    created = start + timedelta(days=ndays - 1, seconds=r.randint(0, 86399))
                else:
                    created = start + timedelta(days=1 + r.uniform(0, ndays - 2.05))
                out[p.name] = self._pool_crate(p, created)
        return out

    def _pool_crate(self, p: PoolEntry, created: datetime) -> Crate:
        r = rng("poolcrate", p.name)
        lic = r.choice(["MIT", "MIT OR Apache-2.0", "Apache-2.0", "GPL-3.0", "MPL-2.0"])
        versions: list[Version] = []
        t, v = created, "0.1.0"
        for _ in range(r.randint(1, 6)):
            versions.append(Version(p.name, v, t,
                                    100000 + stable_int("vid", p.name, v, mod=1_900_000)))
            t += timedelta(days=r.uniform(3, 200))
            v = _bump(v, r)
            if t >= HORIZON:
                break
        age = max(1, (datetime(2025, 5, 1, tzinfo=UTC) - created).days)
        daily = r.choice([2, 5, 10, 20, 40, 120, 400])
        return Crate(name=p.name, description=p.description, created=created,
                     keywords=p.keywords, categories=p.categories, license=lic,
                     repository=p.repository, homepage=None, documentation=None,
                     versions=versions, base_daily=daily, growth=r.uniform(-0.01, 0.05),
                     base_total=int(daily * age * 0.5), watched=False)

    @cached_property
    def universe(self) -> dict[str, Crate]:
        return {**self.discovered, **self.crates}

    def pool_crate_total(self, c: Crate, at: datetime) -> int:
        """Cheap totals for discovered crates (no daily series): age-based."""
        days = max(0.0, (at - c.created).total_seconds() / 86400)
        if c.created < datetime(2025, 5, 1, tzinfo=UTC):
            return c.base_total + int(c.base_daily * days * 0.3)
        return int(c.base_daily * days * 0.6) + stable_int("first", c.name, mod=40)

    @cached_property
    def papers(self) -> dict[str, list[Paper]]:
        return load_papers(self.eval_dir, [q.name for q in self.watchlist.arxiv_queries])

    @cached_property
    def repos(self) -> dict[str, Repo]:
        out: dict[str, Repo] = {}
        for item in self.watchlist.items:
            for full in (*item.repos, *item.upstream):
                (desc, lang, lic, is_user, stars, growth, created, branch, topics,
                 homepage) = K.REPOS[full]
                if full in K.REPO_RELEASES:
                    spec = K.REPO_RELEASES[full]
                    if spec is None:
                        releases = []
                    elif spec[0] == "b{n}":
                        releases = [(f"b{n}", t) for n, t in
                                    build_schedule(full, int(spec[1]), spec[2], 0.35)]
                    else:
                        releases = [(spec[0].format(v=v), t) for v, t in
                                    release_schedule(full, spec[1], spec[2], spec[3])]
                elif item.crates:
                    tmpl = _TAGS.get(full, "v{v}")
                    releases = [(tmpl.format(v=v.num), v.created + timedelta(minutes=-20))
                                for v in self.crates[item.crates[0]].versions]
                else:
                    releases = []
                out[full] = Repo(
                    full_name=full, id=10_000_000 + stable_int("repo", full, mod=900_000_000),
                    owner_id=1_000_000 + stable_int("owner", full.split("/")[0], mod=200_000_000),
                    description=desc, language=lang, license=lic, owner_is_user=is_user,
                    stars0=stars, growth=growth,
                    created=parse_day(created) + timedelta(hours=stable_int("rc", full, mod=23)),
                    default_branch=branch, topics=topics, homepage=homepage,
                    archived=(full == NOT_MODIFIED_FEED_REPO), releases=releases)
        return out
