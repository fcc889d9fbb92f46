"""Numbers, deltas and names as people read them (no Streamlit here: plain functions).

- `human(182465265)` → "182.5 M"; `delta(18484067)` → "▲ 18.5 M"; `pct(11.3)` → "▲ 11.3 %".
- Category and metric names come from the config the report reads (`report.config`:
  config/taxonomy.toml, config/metrics.toml), in the language the reader chose, so the
  dashboard and the report never name a thing differently.
- `noise_floor(metric)` is the report's rule for movers: an item whose previous value is
  below the floor cannot "rise 400 %".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from connectors.error_kinds import error_kinds
from dashboard import ui_text
from landscape.metrics import load_metrics
from landscape.taxonomy import OUT_OF_SCOPE, load_taxonomy
from report.config import load_categories
from report.render import error_text, load_labels

LANGS = ("zh", "en")
LANG_LABELS = {"zh": "中文", "en": "English"}
UP, DOWN = "▲", "▼"
NBSP = "\u00a0"  # keeps "▲ 11.3 %" and "182.5 M" on one line
# Names the taxonomy does not list (states of an item, not labels).
_EXTRA_CATEGORIES = {
    "unclassified": ("未分类", "Not classified yet"),
}


def source_name(sid: Any, lang: str = "en") -> str:
    """A source as the report's run health names it (labels `source_<id>`)."""
    key = f"source_{sid}"
    return ui_text.text(key, lang) if ui_text.has(key, lang) else str(sid)


def role_name(role: Any, lang: str = "en") -> str:
    """A project member's role as people call it (ui_text.toml [role])."""
    key = f"role.{role}"
    return ui_text.text(key, lang) if ui_text.has(key, lang) else str(role).replace("_", " ")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or value != value
    except (TypeError, ValueError):
        return False


def human(value: Any, *, signed: bool = False) -> str:
    """A count for people: 182.5 M, 12.3 k, 940; "—" for no value."""
    if _missing(value):
        return "—"
    v = float(value)
    sign = "-" if v < 0 else ("+" if signed and v > 0 else "")
    a = abs(v)
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            n = a / size
            text = f"{n:.1f}".removesuffix(".0")
            return f"{sign}{text}{NBSP}{unit}"
    text = f"{a:,.0f}" if a >= 10 or a == int(a) else f"{a:.2f}"
    return f"{sign}{text}"


def count(n: Any, one: str, many: str | None = None) -> str:
    """"1 project", "146 projects", "12.3 k projects"."""
    if _missing(n):
        return f"— {many or one + 's'}"
    return f"{human(n)} {one if float(n) == 1 else (many or one + 's')}"


def _signed(value: Any, size: Callable[[float], str], zero: str) -> str:
    """A change as its direction's arrow and `size(|change|)`; `zero` for no change."""
    if _missing(value):
        return "—"
    v = float(value)
    if v == 0:
        return zero
    return f"{UP if v > 0 else DOWN}{NBSP}{size(abs(v))}"


def delta(value: Any) -> str:
    """A change with its direction: "▲ 18.5 M", "▼ 3.2 k", "0"."""
    return _signed(value, human, "0")


def pct(value: Any) -> str:
    """A percentage change with its direction: "▲ 11.3 %"."""
    return _signed(value, lambda a: (f"{a:,.0f}" if a >= 100 else f"{a:.1f}") + f"{NBSP}%",
                   f"0{NBSP}%")


def direction_colour(text: Any) -> str:
    """CSS for a formatted delta cell: green up, red down (a Styler `map` function)."""
    s = str(text)
    if s.startswith(UP):
        return "color: #1a7f37"
    if s.startswith(DOWN):
        return "color: #cf222e"
    return ""


STATUS_COLOURS = {"ok": ("#dafbe1", "#116329"), "unchanged": ("#dafbe1", "#116329"),
                  "partial": ("#fff1c2", "#7d4e00"), "failed": ("#ffebe9", "#a40e26"),
                  "missing": ("#eaeef2", "#57606a")}


def status_colour(value: Any) -> str:
    """CSS for a run/source status cell: green ok, amber partial, red failed."""
    bg_fg = STATUS_COLOURS.get(str(value))
    return f"background-color: {bg_fg[0]}; color: {bg_fg[1]}" if bg_fg else ""


def date(value: Any) -> str:
    """A day as YYYY-MM-DD (no time, no time zone); "—" for none."""
    if _missing(value):
        return "—"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


@lru_cache(maxsize=1)
def _categories() -> dict[str, tuple[str, str]]:
    names = {c.id: (c.name_zh, c.name_en) for c in load_categories()}
    tax = load_taxonomy()
    names[OUT_OF_SCOPE] = (tax.name(OUT_OF_SCOPE, "zh"), tax.name(OUT_OF_SCOPE, "en"))
    for cid, pair in _EXTRA_CATEGORIES.items():
        names.setdefault(cid, pair)
    return names


def category_name(cid: Any, lang: str = "en") -> str:
    """The category's name in `lang` ("Core frameworks" / "核心框架"); never the raw id
    unless the taxonomy does not know it."""
    if _missing(cid) or not cid:
        return "—"
    zh, en = _categories().get(str(cid), (str(cid), str(cid)))
    return zh if lang == "zh" else en


def taxonomy_order() -> list[str]:
    """Category ids in the report's order, the in-scope 'uncategorized' and out of scope last."""
    ids = [c for c in _categories()
           if c not in _EXTRA_CATEGORIES and c not in ("uncategorized", OUT_OF_SCOPE)]
    return ids + ["uncategorized", "out_of_scope"]


@lru_cache(maxsize=1)
def _metrics() -> dict[str, Any]:
    return {m.id: m for m in load_metrics()}


def metric_name(mid: str, lang: str = "en") -> str:
    """A figure's name as the report's tables head it (config/metrics.toml `header`: 90天下载量,
    星标), so a page that shows a table header and a chart of the same figure names it once;
    the definition's name (近90天下载量) where the report has no header for it."""
    m = _metrics().get(mid)
    if m is None:
        return mid.replace("_", " ")
    if m.header and ui_text.has(m.header, lang):
        return ui_text.text(m.header, lang)
    return m.name_zh if lang == "zh" else m.name_en


def metric_help(mid: str, lang: str = "en") -> str:
    m = _metrics().get(mid)
    return "" if m is None else (m.zh if lang == "zh" else m.en)


def noise_floor(mid: str) -> float:
    """The metric's noise floor from config/metrics.toml; a download metric without one of
    its own (monthly downloads) uses the downloads floor, as the report's movers do."""
    metrics = _metrics()
    m = metrics.get(mid)
    if m is not None and m.noise_floor:
        return float(m.noise_floor)
    if mid.startswith("downloads"):
        return float(getattr(metrics.get("downloads_recent"), "noise_floor", 0) or 0)
    return 0.0


# Twelve categories need twelve distinct colours: Tableau 20's dark half plus four of its
# light half that stay distinguishable from their dark partners.
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac", "#1f3b73", "#8cd17d", "#b6992d", "#d37295",
           "#499894", "#86bcb6"]


def spans_orders(values: Any) -> bool:
    """True when positive values span more than two orders of magnitude (use a log axis)."""
    pos = [float(v) for v in values if not _missing(v) and float(v) > 0]
    return bool(pos) and max(pos) / min(pos) > 100


def error_summary(error: Any, lang: str = "en") -> str:
    """What kind of failure a source's stored error was, in the report's words for `lang`
    (`report.render.error_text`); "—" for none. The raw message is shown beside it."""
    if _missing(error):
        return "—"
    return error_text(error_kinds(str(error)), load_labels()[lang])
