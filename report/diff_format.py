"""Plain-text rendering of a `SemanticDiff` (report/diff.py) for `panorama diff` and logs.

Meaning first (figures, rows, categories, health, verdicts, corrections), then the text diff
of what the semantic part does not cover. Long lists are cut at `limit` with a count of the
rest, so two months' diff stays readable; `limit=0` prints everything.
"""

from __future__ import annotations

from report.diff import FigureMove, SemanticDiff, ValueChange
from report.render import error_text, load_labels

METRIC_NAMES = {"downloads_90d": "90-day downloads", "stars": "stars",
                "category_total": "entries", "category_new": "new this month"}


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _cut(lines: list[str], limit: int, indent: str = "    ") -> list[str]:
    if limit and len(lines) > limit:
        return lines[:limit] + [f"{indent}… and {len(lines) - limit} more"]
    return lines


def _figures(moves: list[FigureMove], d: SemanticDiff, limit: int) -> list[str]:
    if d.same_month:
        rule = "every changed figure"
    else:
        rule = ", ".join(f"≥{v:g}% {METRIC_NAMES.get(k, k)}" for k, v in d.thresholds.items())
        rule = (rule or "any change") + ", above the noise floor"
    out = [f"Figures moved ({rule}): {len(moves)}"]
    width = max((len(m.subject) for m in moves), default=10)
    for metric in dict.fromkeys(m.metric for m in moves):
        out.append(f"  {METRIC_NAMES.get(metric, metric)}")
        rows = [f"    {m.subject:{width}}  {_num(m.old):>12} → {_num(m.new):<12}"
                + (f" {m.pct:+.1f}%" if m.pct is not None else "")
                for m in moves if m.metric == metric]
        out += _cut(rows, limit)
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


def _changes(title: str, changes: list[ValueChange], limit: int) -> list[str]:
    out = [f"{title}: {len(changes)}"]
    out += _cut([f"    {c.subject}: {c.old or '—'} → {c.new or '—'}"
                 + (f": {what_happened(c)}" if c.failure else "") for c in changes], limit)
    return out


def _short(name: str, width: int = 40) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def _names(names: list[str], limit: int) -> str:
    shown = names[:limit] if limit else names
    more = f" … and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    return ", ".join(map(_short, shown)) + more


def format_semantic_diff(d: SemanticDiff, *, limit: int = 15) -> str:
    """The diff as text for a terminal (English: the CLI's language; the sides' and rows'
    labels in the diff's own language, `panorama diff --lang`)."""
    if d.old is None:
        return (f"{d.new.label_in(d.lang)}: no earlier published month to compare with "
                f"(publish one with `panorama publish MONTH --reviewer NAME`)")
    kind = "two revisions of one month" if d.same_month else "two months"
    new, old = d.new.label_in(d.lang), d.old.label_in(d.lang)
    out = [f"{new}  vs  {old}   ({kind}; unit: {d.unit})", ""]
    out += _figures(d.figures, d, limit)
    out += ["", f"Rows added / removed per table: {len(d.rows)} table(s) changed"]
    for table, (added, removed) in sorted(d.rows.items()):
        out.append(f"  {table:16} +{len(added)} -{len(removed)}")
        if added:
            out.append("      + " + _names(added, limit // 2))
        if removed:
            out.append("      - " + _names(removed, limit // 2))
    out += [""] + _changes("Category changes", d.categories, limit)
    out += [""] + _changes("Health changes", d.health, limit)
    out += [""] + _changes("Claim verdict flips", d.verdicts, limit)
    out += ["", f"New errata (claims the evidence now contradicts): {len(d.errata)}"]
    out += _cut([f"    {c}" for c in d.errata], limit)
    out += ["", f"Corrections published since {old}: {len(d.corrections)}"]
    out += [f"    {e.month} r{e.revision} supersedes r{e.supersedes} "
            f"({e.published_at:%Y-%m-%d}): {e.reason or '—'}" for e in d.corrections]
    changed = sum(1 for x in d.text if x[:1] in "+-" and not x.startswith(("+++", "---")))
    scope = "prose only; table rows and footnotes are summarised above" if d.prose_only \
        else "whole report"
    out += ["", f"Text diff ({scope}): {changed} changed line(s)"]
    text = d.text[2:] if len(d.text) > 2 else []  # the ---/+++ header repeats the labels
    out += _cut([f"  {x}" for x in text], limit * 4, indent="  ")
    return "\n".join(out)
