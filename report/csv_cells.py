"""The report's CSV cells both ways: the formula guard its files are written with, and the
reading that undoes it; and the name a row goes by in each report language.

A cell a spreadsheet would run as a formula (`=`, `+`, `-` or `@` first, not a number) is
written with a `'` in front (report/files.py). Whatever reads those files back for meaning —
the semantic diff, the publication guard, the landscape frozen at publication — must see the
value itself: the diff printed biome's release as `'@biomejs/biome@2.2.0`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORMULA_START = ("=", "+", "-", "@")


def numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def guard(c: Any) -> Any:
    """The cell as written: a quote before text that starts like a formula."""
    if isinstance(c, str) and c[:1] in FORMULA_START and not numeric(c):
        return "'" + c
    return c


def unguard(c: str) -> str:
    """The cell as it was before `guard`."""
    if c[:1] == "'" and c[1:2] in FORMULA_START and not numeric(c[1:]):
        return c[1:]
    return c


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a report CSV with their values as the report had them."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: unguard(v) if isinstance(v, str) else v for k, v in row.items()}
                for row in csv.DictReader(fh)]


def printed_name(row: dict[str, str], lang: str, fallback: Sequence[str] = ("entity",)) -> str:
    """The row's name as the report of `lang` prints it: the table's `name_zh` / `name_en`
    where it carries one (a project's watchlist name "llama.cpp 绑定", a category's name; see
    report/files.py), else the first of `fallback` the row has. The charts and the diff
    both name rows by it."""
    return row.get(f"name_{lang}") or next((row[c] for c in fallback if row.get(c)), "?")
