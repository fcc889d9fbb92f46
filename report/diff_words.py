"""The semantic diff's own words in the reader's language: a side's label ("2025-12 r1
(draft)" / "2025-12 第 1 版（草稿）") and the key values that tell two rows of one name apart
(a mover's direction: "burn (down)" / "burn（下降）"). The words live in templates/labels.toml
(`diff_side`, `revision_<status>`, `direction_<value>`); report/diff.py, `panorama diff
--lang` and the dashboard's Report page all word them here."""

from __future__ import annotations

from report.render import load_labels

# Key columns whose values are words, not names: the label prefix that words each value.
WORDED_KEYS = {"direction": "direction_"}


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
