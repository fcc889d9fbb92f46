"""Render `ReportData` to Markdown with Jinja, treating every source string as untrusted data.

Source text (names, descriptions, titles, release notes) is only ever a *value* passed to
templates that live in templates/; nothing from a source is compiled as a template. Every `{{ }}`
output goes through `finalize`, which escapes it for Markdown unless it is `MdSafe` (produced by
the filters below, which escape their own inputs). Escaping flattens newlines, turns `<`, `>`
and `&` into entities (so no HTML survives, whatever the Markdown renderer), and backslash-escapes
the characters that make emphasis, code, links, footnotes or table cells.
"""

from __future__ import annotations

import functools
import re
import tomllib
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from report.provenance import Figure, Source
from warehouse.db import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
LANGS = ("zh", "en")


class MdSafe(Markup):
    """Markdown that is already escaped (built by our filters or macros, never by source text).

    It subclasses `Markup` so that Jinja's autoescape machinery passes it (and macro output,
    which Jinja returns as `Markup`) through untouched; everything else is Markdown-escaped by
    `finalize` before Jinja's own HTML escape sees it.
    """


# `_` between two letters or digits (hnsw_rs, snake_case) cannot open or close emphasis in
# CommonMark, so only the other underscores are escaped; the rest always are.
_SPECIAL = re.compile(r"([\\`*\[\]|{}#~!$]|(?<![^\W_])_|_(?![^\W_]))")
# An ordered-list marker: 1–9 digits, `.` or `)`, then a space or the end of the line
# (a heading, or "2.3" in a cell, is no list and needs no backslash).
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def md(value: Any, line_start: bool = True) -> MdSafe:
    """Escape any value as inline Markdown text (safe inside a table cell).

    `line_start=False` for values that can never begin a line (figures inside cells or
    sentences), which need no list-marker escaping.
    """
    if isinstance(value, Markup):
        return MdSafe(value)
    raw = str(value)
    text = " ".join(raw.split())  # newlines would end a table row or start a block
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    if line_start:
        if text[:1] in ("-", "+", "="):  # list item / setext heading at the start of a line
            text = "\\" + text
        text = _ORDERED.sub(r"\1\\\2", text)
    if text:  # one space kept at either end (labels such as " (" rely on it)
        text = (" " if raw[:1].isspace() else "") + text + (" " if raw[-1:].isspace() else "")
    return MdSafe(text)


def safe_url(url: Any) -> str | None:
    """An http(s) URL made safe as a Markdown link destination, or None."""
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # Percent-encode everything that could end the destination or a table cell.
    return quote(url.strip(), safe=":/?#@!$&*+,;=%-._~")


def link(text: Any, url: Any) -> MdSafe:
    """`[text](url)` when the URL is a safe http(s) URL, else the escaped text alone."""
    target = safe_url(url)
    return MdSafe(f"[{md(text)}]({target})") if target else md(text)


def _fmt(value: Any, kind: str) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if kind == "pct":
        return f"{value:+.1f}%"
    if kind == "delta":
        return f"{value:+,.0f}"
    if kind == "num" and isinstance(value, int | float):
        return f"{value:,.0f}"
    return str(value)


@jinja2.pass_context
def fig(ctx: Any, f: Figure, kind: str = "num") -> MdSafe:
    """A figure with its footnote; carried-forward figures show their month and age."""
    if f is None or f.missing:
        return MdSafe("—")
    text = md(_fmt(f.value, kind), line_start=False)
    if f.carried_from:
        text = MdSafe(f"{text} ↻{f.carried_from}" + ctx["L"]["age"].format(n=f.age_months))
    return MdSafe(f"{text}[^{f.ref}]")


def error_text(kinds: Any, labels: dict[str, str]) -> str:
    """What kinds of failure a source's error records (`connectors.error_kinds`), in the
    language of `labels` (`err_*`): the words the report and the dashboard show instead of
    the raw English message."""
    return labels["err_sep"].join(
        labels[f"err_{k.kind}"]
        + (f"{labels['paren_open']}HTTP {k.status}{labels['paren_close']}" if k.status else "")
        for k in kinds)


def ref(key: str | None) -> MdSafe:
    return MdSafe(f"[^{key}]") if key else MdSafe("")


def code_span(value: Any) -> MdSafe:
    """`value` as an inline code span. Backslash escapes do not work inside code (they would
    show), so the text is not Markdown-escaped: it is flattened to one line and a backtick
    inside gets a longer fence; `|` becomes `¦` so the span cannot end a table cell."""
    text = " ".join(str(value).split()).replace("|", "¦")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return MdSafe(f"{fence}{pad}{text}{pad}{fence}")


def code_text(value: Any) -> MdSafe:
    """Text whose `backticked` parts are code: code spans kept, the rest escaped."""
    parts = str(value).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: no code, escape it all
        return md(value)
    return MdSafe("".join(code_span(p) if i % 2 else md(p, line_start=i == 0)
                          for i, p in enumerate(parts) if p or i % 2 == 0))


def source_line(s: Source, names: dict[str, str] | None = None) -> MdSafe:
    """A footnote definition body: label (in the report's language, from `names`), URL
    (linked only if http(s)), fetch time."""
    target = safe_url(s.url)
    where = f"<{target}>" if target else code_span(s.url)
    when = s.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if s.fetched_at else "—"
    return MdSafe(f"{md((names or {}).get(s.label, s.label))} · {where} · {when}")


def anchor(heading: Any) -> str:
    """The anchor GitHub (and most renderers) give a heading: lower case, punctuation other
    than `-` and `_` dropped (CJK kept), spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", str(heading).strip().lower())
    return text.replace(" ", "-")


def heading(value: Any) -> MdSafe:
    """Heading text after `#`s: never at the start of a line, so no list-marker escaping
    (`## 1. 技术趋势概览`, not `## 1\\. …`)."""
    return md(value, line_start=False)


def toc_link(heading: Any) -> MdSafe:
    """`[heading](#anchor)`, a table-of-contents entry."""
    return MdSafe(f"[{md(heading, line_start=False)}](#{anchor(heading)})")


def editorial(text: str) -> MdSafe:
    """An editor block, already checked and cleaned by report/editorial.py."""
    return MdSafe(text)


@functools.lru_cache(maxsize=1)
def load_labels() -> dict[str, dict[str, str]]:
    with (TEMPLATES / "labels.toml").open("rb") as fh:
        return tomllib.load(fh)


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one Jinja environment (cached: compiling the templates is most of a render)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        # autoescape on, so macro output is Markup and passes; finalize does the Markdown
        # escaping (returning MdSafe), so Jinja's HTML escape never touches our output.
        autoescape=True,
        finalize=md,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=md, link=link, fig=fig, ref=ref, source_line=source_line,
                       code_text=code_text, code_span=code_span, toc_link=toc_link, heading=heading,
                       editorial=editorial, error_text=error_text)
    return env


def render(data: Any, lang: str, *, env: jinja2.Environment | None = None) -> str:
    """Render the report of `data` in `lang` ('zh' or 'en')."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    env = env or environment()
    labels = load_labels()
    template = env.get_template(f"report.{lang}.md.j2")
    text = template.render(d=data, L=labels[lang], lang=lang, status=labels[lang]["draft"])
    return cited_sources_only(text)


_SOURCE_DEF = re.compile(r"^\[\^(s\d+)\]: .*\n", re.M)
_SOURCE_REF = re.compile(r"\[\^(s\d+)\](?!:)")


def cited_sources_only(text: str) -> str:
    """`text` whose appendix D keeps the sources its text cites, no others. The sources list
    (`ReportData.sources`) also holds what only the CSVs cite (all rows of a table whose text
    shows the first few, a release feed behind a CSV column); those stay in sources.csv, which
    the CSVs' `*_src` keys resolve against, and the appendix says so (labels `sources_note`)."""
    cited = set(_SOURCE_REF.findall(_SOURCE_DEF.sub("", text)))
    return _SOURCE_DEF.sub(lambda m: m.group(0) if m.group(1) in cited else "", text)
