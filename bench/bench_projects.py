"""Entity resolution over the whole (synthetic) registry vs the dump ingest that loaded it.

    .venv/bin/python bench/bench_projects.py [--crates 200000 --versions-per-crate 10 --days 10]
                                             [--repeat 2] [--memory-limit 2GB]

Reuses bench/bench_dump_ingest.py's synthetic dump (real crates.io schema, `repository` and
`homepage` fields included; generated once into bench/out/). In a fresh subprocess per round:
ingest the dump into a fresh migrated warehouse (timed: the baseline), then
`landscape.projects.resolve_projects` with the shipped watchlist over the resulting 200k items
(timed), then once more (a re-resolution, as every monthly run does). Prints the medians and
the ratio resolve / ingest; exit 1 if it is 2.0 or more (issue 11's goal).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "bench" / "out"
GOAL = 2.0


def phase(dump: Path, work: Path, memory_limit: str) -> dict:
    from landscape.projects import resolve_projects
    from warehouse import db
    from warehouse.dump_ingest import ingest_dump

    with db.connect(path=work / "warehouse.duckdb") as con:
        started = time.monotonic()
        ingest_dump(con, dump, memory_limit=memory_limit)
        con.execute("CHECKPOINT")
        ingest_s = time.monotonic() - started
        started = time.monotonic()
        summary = resolve_projects(con)
        con.execute("CHECKPOINT")
        resolve_s = time.monotonic() - started
        started = time.monotonic()
        resolve_projects(con)
        again_s = time.monotonic() - started
        items = con.execute("SELECT count(*) FROM items").fetchone()[0]
        with_repo = con.execute("SELECT count(*) FROM items WHERE repository IS NOT NULL"
                                ).fetchone()[0]
    return {"ingest_s": ingest_s, "resolve_s": resolve_s, "again_s": again_s, "items": items,
            "with_repository": with_repo, "projects": summary.projects,
            "members": summary.members, "proposals": summary.proposals}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--crates", type=int, default=200_000)
    ap.add_argument("--versions-per-crate", type=int, default=10)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.dump, args.work, args.memory_limit)))
        return 0
    import bench_dump_ingest as bdi

    dump, _ = bdi._ensure_dump(args.crates, args.versions_per_crate, args.days, False, False)
    rounds = []
    for i in range(args.repeat):
        work = OUT / "work-projects"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        done = subprocess.run([sys.executable, __file__, "--phase", "--dump", str(dump),
                               "--work", str(work), "--memory-limit", args.memory_limit],
                              capture_output=True, text=True, check=False)
        shutil.rmtree(work, ignore_errors=True)
        if done.returncode != 0:
            raise SystemExit(f"round {i + 1} failed:\n{done.stderr[-3000:]}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        rounds.append(r)
        print(f"round {i + 1}: ingest {r['ingest_s']:.1f} s, resolve {r['resolve_s']:.1f} s, "
              f"re-resolve {r['again_s']:.1f} s", flush=True)
    ingest = statistics.median(r["ingest_s"] for r in rounds)
    resolve = statistics.median(r["resolve_s"] for r in rounds)
    again = statistics.median(r["again_s"] for r in rounds)
    last = rounds[-1]
    print(f"{last['items']:,} items ({last['with_repository']:,} with a repository field): "
          f"{last['projects']:,} projects, {last['members']:,} members, "
          f"{last['proposals']:,} name proposals")
    ratio = resolve / ingest
    print(f"dump ingest {ingest:.1f} s | resolve {resolve:.1f} s | re-resolve {again:.1f} s | "
          f"ratio resolve/ingest {ratio:.2f} (goal < {GOAL})")
    return 0 if ratio < GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
