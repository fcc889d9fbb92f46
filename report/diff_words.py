"""The semantic diff's own words in the reader's language: a side's label ("2025-12 r1
(draft)" / "2025-12 第 1 版（草稿）"), the key values that tell two rows of one name apart
(a mover's direction: "burn (down)" / "burn（下降）"), what a change is about ("来源 crates")
and its values (部分成功, 核心框架, 已证实). The words live in templates/labels.toml (`diff_*`,
`revision_<status>`, `direction_<value>`, `health_<status>`, `status_<verdict>`);
report/diff.py, `panorama diff --lang` and the dashboard's Report page all word them here."""

from __future__ import annotations

from landscape.taxonomy import load_taxonomy
from report.render import load_labels

# Key columns whose values are words, not names: the label prefix that words each value.
WORDED_KEYS = {"direction": "direction_"}
# Changed values that are words: the label prefix that words each (a category: its name).
VALUE_LABELS = {"health": "health_", "verdict": "status_"}


def side_label(month: str, revision: int, status: str, lang: str = "en") -> str:
    """A revision's label: its month, revision and status in `lang`."""
    lab = load_labels()[lang]
    return lab["diff_side"].format(month=month, revision=revision,
                                   status=lab.get(f"revision_{status}", status))


def key_value(col: str, value: str, lang: str = "en") -> str:
    """A row's key value as the reader reads it (a direction in `lang`, a name as it is)."""
    prefix = WORDED_KEYS.get(col)
    return load_labels()[lang].get(f"{prefix}{value}", value) if prefix else value


def row_label(name: str, rest: list[str], lang: str = "en") -> str:
    """A row's name with the rest of its key, bracketed as `lang` brackets."""
    if not rest:
        return name
    lab = load_labels()[lang]
    return lab["diff_row"].format(name=name, rest=lab["diff_row_sep"].join(rest))


def subject_label(of: str, subject: str, lang: str = "en") -> str:
    """What a change is about: an entry by its name, a source, a project or a category
    (`of`) worded in `lang` ("source crates" / "来源 crates", "分类 核心框架")."""
    if not of:
        return subject
    name = load_taxonomy().name(subject, lang) if of == "category" else subject
    return load_labels()[lang][f"diff_of_{of}"].format(name=name)


def value_label(field: str, value: str | None, lang: str = "en") -> str:
    """A changed value as the report words it in `lang`: a category by its name, a project's
    health or a source's status (labels health_<value>), a claim's verdict (status_<value>);
    "—" for none."""
    if value is None:
        return "—"
    if field == "category":
        return load_taxonomy().name(value, lang)
    prefix = VALUE_LABELS.get(field)
    return load_labels()[lang].get(f"{prefix}{value}", value) if prefix else value
