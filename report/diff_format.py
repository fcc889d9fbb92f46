"""Plain-text rendering of a `SemanticDiff` (report/diff.py) for `panorama diff` and logs.

Meaning first (figures, rows, categories, health, verdicts, corrections), then the text diff
of what the semantic part does not cover. Long lists are cut at `limit` with a count of the
rest, so two months' diff stays readable; `limit=0` prints everything. Every word is the
diff's language (`panorama diff --lang`): templates/labels.toml `diff_*` and the report's own
names of figures, statuses, verdicts and categories (report/diff_words.py).
"""

from __future__ import annotations

from typing import Any

from report.diff import FigureMove, SemanticDiff, ValueChange
from report.diff_words import subject_label, value_label
from report.render import error_text, load_labels

# The figures a diff compares, named by the report's column headers (labels col_*).
METRIC_LABELS = {"downloads_90d": "col_dl90", "stars": "col_stars",
                 "category_total": "col_total", "category_new": "col_new"}


def metric_name(metric: str, lab: dict[str, Any]) -> str:
    return lab[METRIC_LABELS[metric]] if metric in METRIC_LABELS else metric


def threshold_rule(thresholds: dict[str, float], lab: dict[str, Any]) -> str:
    """The figures' rule as running text ("stars changed by 10% or more, …"): each figure
    named as a sentence names it (labels diff_in_text_*), not by its column header."""
    return lab["diff_list_sep"].join(
        lab["diff_threshold"].format(v=v, metric=lab.get(f"diff_in_text_{k}")
                                     or metric_name(k, lab))
        for k, v in thresholds.items())


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _cut(lines: list[str], limit: int, lab: dict[str, Any], indent: str = "    ") -> list[str]:
    if limit and len(lines) > limit:
        return lines[:limit] + [indent + lab["diff_more"].format(n=len(lines) - limit)]
    return lines


def _figures(moves: list[FigureMove], d: SemanticDiff, limit: int,
             lab: dict[str, Any]) -> list[str]:
    if d.same_month:
        rule = lab["diff_figures_all"].format(n=len(moves))
    else:
        rules = threshold_rule(d.thresholds, lab)
        rule = lab["diff_figures_rule"].format(n=len(moves),
                                               rule=rules or lab["diff_any_change"])
    out = [lab["diff_titled"].format(title=lab["diff_figures"], note=rule)]
    names = {id(m): subject_label(m.of, m.subject, d.lang) for m in moves}
    width = max((len(n) for n in names.values()), default=10)
    for metric in dict.fromkeys(m.metric for m in moves):
        out.append(f"  {metric_name(metric, lab)}")
        rows = [f"    {names[id(m)]:{width}}  {_num(m.old):>12} → {_num(m.new):<12}"
                + (f" {m.pct:+.1f}%" if m.pct is not None else "")
                for m in moves if m.metric == metric]
        out += _cut(rows, limit, lab)
    return out


def what_happened(change: ValueChange, lang: str = "en") -> str:
    """A source's failure behind its change ("not found (HTTP 404)"), in the report's words
    for `lang` (`report.render.error_text`), with the failure it had before when both failed
    ("timed out (was: not found (HTTP 404))"); "" when its new status records none."""
    if not change.failure:
        return ""
    lab = load_labels()[lang]
    now = error_text(change.failure, lab)
    return lab["diff_failure_was"].format(now=now, was=error_text(change.was, lab)) \
        if change.was else now


def change_line(c: ValueChange, field: str, lang: str) -> str:
    """"source crates: ok → partial: not found (HTTP 404)" in `lang`; `field` says what the
    values are (category, health, verdict: report/diff_words.py)."""
    lab = load_labels()[lang]
    line = lab["diff_change"].format(subject=subject_label(c.of, c.subject, lang),
                                     old=value_label(field, c.old, lang),
                                     new=value_label(field, c.new, lang))
    return lab["diff_change_why"].format(change=line, what=what_happened(c, lang)) \
        if c.failure else line


def _changes(title: str, changes: list[ValueChange], field: str, limit: int,
             d: SemanticDiff, lab: dict[str, Any]) -> list[str]:
    out = [lab["diff_count"].format(title=lab[title], n=len(changes))]
    out += _cut([f"    {change_line(c, field, d.lang)}" for c in changes], limit, lab)
    return out


def _short(name: str, width: int = 40) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def _names(names: list[str], limit: int, lab: dict[str, Any]) -> str:
    shown = names[:limit] if limit else names
    more = (" " + lab["diff_more"].format(n=len(names) - len(shown))
            if len(names) > len(shown) else "")
    return lab["diff_list_sep"].join(map(_short, shown)) + more


def _rows(d: SemanticDiff, limit: int, lab: dict[str, Any]) -> list[str]:
    out = [lab["diff_rows_title"].format(n=len(d.rows))]
    for table, (added, removed) in sorted(d.rows.items()):
        out.append(f"  {lab.get(f'diff_table_{table}', table)}  +{len(added)} -{len(removed)}")
        if added:
            out.append("      + " + _names(added, limit // 2, lab))
        if removed:
            out.append("      - " + _names(removed, limit // 2, lab))
    return out


def format_semantic_diff(d: SemanticDiff, *, limit: int = 15) -> str:
    """The diff as text for a terminal, worded in the diff's own language (`d.lang`,
    `panorama diff --lang`)."""
    lab = load_labels()[d.lang]
    new = d.new.label_in(d.lang)
    if d.old is None:
        return lab["diff_no_earlier_cli"].format(new=new)
    old = d.old.label_in(d.lang)
    kind = lab["diff_two_revisions" if d.same_month else "diff_two_months"]
    out = [lab["diff_versus"].format(new=new, old=old, kind=kind),
           lab["diff_unit"].format(unit=lab[f"diff_unit_{d.unit}"]), ""]
    out += _figures(d.figures, d, limit, lab)
    out += [""] + _rows(d, limit, lab)
    out += [""] + _changes("diff_categories", d.categories, "category", limit, d, lab)
    out += [""] + _changes("diff_health", d.health, "health", limit, d, lab)
    out += [""] + _changes("diff_verdicts", d.verdicts, "verdict", limit, d, lab)
    out += ["", lab["diff_titled"].format(title=lab["diff_errata"],
                                          note=lab["diff_errata_note"].format(n=len(d.errata)))]
    out += _cut([f"    {c}" for c in d.errata], limit, lab)
    out += ["", lab["diff_corrections"].format(old=old, n=len(d.corrections))]
    out += ["    " + lab["diff_correction"].format(
        month=e.month, revision=e.revision, supersedes=e.supersedes,
        date=f"{e.published_at:%Y-%m-%d}", reason=e.reason or "—") for e in d.corrections]
    changed = sum(1 for x in d.text if x[:1] in "+-" and not x.startswith(("+++", "---")))
    scope = lab["diff_scope_prose" if d.prose_only else "diff_scope_whole"]
    out += ["", lab["diff_text"].format(scope=scope, n=changed)]
    text = d.text[2:] if len(d.text) > 2 else []  # the ---/+++ header repeats the labels
    out += _cut([f"  {x}" for x in text], limit * 4, lab, indent="  ")
    return "\n".join(out)
