"""No number in a rendered report lacks provenance.

Every line of the report outside the blocks marked `<!-- no-figures -->` (title block, table
of contents, methodology, glossary), headings and footnote definitions is checked: wherever a
table cell or a line contains a number (after removing link labels, which are names and
titles, and URLs), it must also carry a footnote reference, and every reference must resolve
to a footnote definition, i.e. a row of the sources table with a URL (or derived CSV) and a
fetch time.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse, render_fixture_report

from core.months import months_between
from report.provenance import SourceRegistry
from warehouse import db

NUMBER = re.compile(r"(?<![\w.\-/])[+\-]?\d[\d,.]*%?")
REF = re.compile(r"\[\^(s\d+)\]")
LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(([^)]*)\)")
DEF = re.compile(r"^\[\^(s\d+)\]: (.+)$")


def _is_delimiter(line: str) -> bool:
    return bool(re.fullmatch(r"\|[-:| ]+\|", line.strip()))


def _figure_lines(text: str) -> list[str]:
    out, exempt = [], False
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and _is_delimiter(lines[i + 1]):
            continue  # a table's header row: column labels, not figures
        if line.strip() == "<!-- no-figures -->":
            exempt = True
        elif line.strip() == "<!-- /no-figures -->":
            exempt = False
        elif not exempt and not line.startswith("#") and not DEF.match(line):
            out.append(line)
    return out


def _cells(line: str) -> list[str]:
    if not line.startswith("|"):
        return [line]
    return [c for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def unsourced_numbers(text: str) -> list[str]:
    """Cells/lines that show a number without a footnote reference."""
    bad = []
    for line in _figure_lines(text):
        if _is_delimiter(line):
            continue
        for cell in _cells(line):
            bare = REF.sub("", LINK.sub("", cell))
            bare = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", bare)
            if NUMBER.search(bare) and not REF.search(cell):
                bad.append(cell.strip())
    return bad


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return render_fixture_report(tmp_path_factory.mktemp("prov"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_has_a_resolving_footnote(rendered: dict[str, str], lang: str) -> None:
    text = rendered[lang]
    assert unsourced_numbers(text) == []
    defs = {m.group(1): m.group(2) for line in text.splitlines() if (m := DEF.match(line))}
    used = set(REF.findall("\n".join(x for x in text.splitlines() if not DEF.match(x))))
    assert used and used <= set(defs), used - set(defs)
    # appendix D lists what the text cites, nothing else (what only a CSV cites is in
    # sources.csv: test_csv_source_keys_resolve)
    assert set(defs) == used, set(defs) - used
    for key in used:
        # a definition names an http(s) URL, a derived CSV, a run record or the seed ...
        assert re.search(r"<https?://|`data/|`run:|`seed:", defs[key]), defs[key]
    # ... and source rows with a URL carry their fetch time
    for body in defs.values():
        if "<http" in body:
            assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$", body), body


def test_the_checker_catches_an_unsourced_number() -> None:
    assert unsourced_numbers("| [x](https://a) | 1,234 |") == ["1,234"]
    assert unsourced_numbers("| [x2](https://a) | 1,234[^s1] |") == []
    assert unsourced_numbers("- grew 30% this month") == ["- grew 30% this month"]
    assert unsourced_numbers("<!-- no-figures -->\n90 days\n<!-- /no-figures -->") == []


def test_csv_source_keys_resolve(data_dir: Path) -> None:
    from report.build import render_report

    build_fixture_warehouse(db.db_path())
    render_report("2025-11")
    month = db.reports_dir() / "2025-11"
    with (month / "sources.csv").open(encoding="utf-8") as fh:
        sources = {r["key"]: r for r in csv.DictReader(fh)}
    cited = set()
    for path in (month / "data").glob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for col, value in row.items():
                    if col.endswith("_src") and value:
                        assert value in sources, (path.name, col, value)
                        cited.add(value)
                    if col.endswith("source_url") and row[col]:
                        assert row[col.replace("source_url", "fetched_at")], (path.name, col)
    # sources.csv carries every source the CSVs cite, including those the text does not:
    # the appendix (text-cited only) says so, and every footnote of the text is in it too
    text = (month / "landscape.zh.md").read_text("utf-8")
    in_text = set(re.findall(r"^\[\^(s\d+)\]:", text, re.M))
    assert in_text <= set(sources) and cited <= set(sources)
    assert "sources.csv" in text.split("\n## 附录D", 1)[1]


def test_registry_dedups_and_marks_carried_values() -> None:
    reg = SourceRegistry()
    a = reg.figure(5, "https://x/a", None, period="2025-09", month="2025-11")
    b = reg.figure(6, "https://x/a", None, period="2025-11", month="2025-11")
    assert a.ref == b.ref and re.fullmatch(r"s\d{8}", a.ref)
    assert a.carried_from == "2025-09" and a.age_months == 2
    assert b.carried_from is None
    assert reg.figure(None, "https://x/a", None).missing
    assert reg.figure(3, None, None).missing  # no URL -> not shown as sourced
    assert months_between("2024-12", "2025-02") == 2


def test_keys_come_from_the_source_not_the_citation_order() -> None:
    """The same source gets the same key whatever was cited before it; the sources list is
    in an order of its own (label, URL, fetch time), not in citation order."""
    from datetime import UTC, datetime

    nov, dec = datetime(2025, 11, 28, 6, tzinfo=UTC), datetime(2025, 12, 28, 6, tzinfo=UTC)
    one, two = SourceRegistry(), SourceRegistry()
    k = one.ref("https://crates.io/api/v1/crates/burn", nov)
    two.ref("https://api.github.com/repos/tracel-ai/burn", nov)
    two.ref("https://crates.io/api/v1/crates/candle-core", nov)
    assert two.ref("https://crates.io/api/v1/crates/burn", nov) == k
    # a later fetch in the same month keeps the key; a fetch in another month is another row
    assert SourceRegistry().ref("https://crates.io/api/v1/crates/burn",
                                nov.replace(day=30)) == k
    assert SourceRegistry().ref("https://crates.io/api/v1/crates/burn", dec) != k
    # both fetches in one report: two rows, two keys
    both = SourceRegistry()
    assert both.ref("https://x/a", nov) != both.ref("https://x/a", nov.replace(day=29))
    assert [r.url for r in two.rows] == sorted(r.url for r in two.rows)  # all 'crates.io'/GitHub
    assert [r.label for r in two.rows] == ["GitHub", "crates.io", "crates.io"]
