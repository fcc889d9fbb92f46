"""The report's Markdown made ready for the Report page: the build's HTML-comment markers
removed, charts served from the report's own folder (not as relative URLs, which the browser
would ask the dashboard's server for and get a 404), dates kept on one line.

`blocks(text, folder)` yields ("md", text) and ("image", Path, caption) in reading order.
Because the report is shown in several Markdown blocks (one between two charts), its footnotes
(`[^s12]`, defined in Appendix C) cannot stay Markdown footnotes, which resolve only within one
block: a reference becomes a superscript number linking to its source URL, and Appendix C a
numbered list of the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)\s*$", re.MULTILINE)
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
NB_HYPHEN = "\u2011"  # a hyphen the browser does not break a line at
_FOOTDEF = re.compile(r"^\[\^(?P<id>[^\]\s]+)\]:[ \t]*(?P<text>.*)$", re.MULTILINE)
_FOOTREF = re.compile(r"\[\^(?P<id>[^\]\s]+)\](?!:)")
_URL = re.compile(r"<(https?://[^>\s]+)>")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def inline_footnotes(text: str) -> str:
    """Footnote references as superscript numbers linked to their source, definitions as a
    numbered list (see the module's doc)."""
    defs: dict[str, tuple[int, str | None]] = {}
    for n, m in enumerate(_FOOTDEF.finditer(text), start=1):
        url = _URL.search(m.group("text"))
        defs[m.group("id")] = (n, url.group(1) if url else None)

    def ref(m: re.Match[str]) -> str:
        if m.group("id") not in defs:
            return m.group(0)
        n, url = defs[m.group("id")]
        mark = str(n).translate(_SUPERSCRIPT)
        return f"[{mark}]({url})" if url else mark

    def definition(m: re.Match[str]) -> str:
        return f"{defs[m.group('id')][0]}. {m.group('text')}"

    return _FOOTREF.sub(ref, _FOOTDEF.sub(definition, text))


def strip_markers(text: str) -> str:
    """The text without `<!-- … -->` markers (and without the blank lines they leave)."""
    text = _COMMENT.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def keep_dates_whole(text: str) -> str:
    """2025-12-17 with non-breaking hyphens, so a narrow table column does not wrap it."""
    return _DATE.sub(lambda m: NB_HYPHEN.join(m.groups()), text)


def image_path(src: str, folder: Path) -> Path | None:
    """The chart file a relative image reference names, if it is inside the report folder."""
    if re.match(r"^[a-z]+:", src, re.IGNORECASE) or src.startswith("/"):
        return None  # only the report's own files are shown, never a remote URL
    path = (folder / src).resolve()
    try:
        path.relative_to(folder.resolve())
    except ValueError:
        return None
    return path if path.is_file() else None


def blocks(text: str, folder: Path) -> Iterator[tuple[str, ...]]:
    """Markdown chunks and chart images of a report, in order."""
    text = keep_dates_whole(inline_footnotes(strip_markers(text)))
    pos = 0
    for m in _IMAGE.finditer(text):
        before = text[pos:m.start()].strip()
        if before:
            yield ("md", before)
        path = image_path(m.group("src"), folder)
        if path is not None:
            yield ("image", str(path), m.group("alt"))
        else:
            yield ("missing", m.group("alt") or m.group("src"))
        pos = m.end()
    rest = text[pos:].strip()
    if rest:
        yield ("md", rest)
