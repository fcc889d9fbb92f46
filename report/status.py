"""The status block at the top of a report: what state this copy of the month is in.

Every report carries `<!-- status -->…<!-- /status -->` (templates/_report.md.j2). It is the
one place a reader learns whether they read a draft, a published month, a correction or a draft
that came after publication, so it is rewritten whenever that state changes (publish, a
correction, a new draft of a published month). The rest of the file never changes with the
state, which is why a revision's content hash ignores this block (`neutral`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from report.render import md
from report.store import PublicationEvent

STATUS_BLOCK = re.compile(r"<!-- status -->\n.*?\n<!-- /status -->", re.S)

TEXT = {
    "zh": {
        "published": "已发布：{date}，审核人 {reviewer}（修订 r{rev}）",
        "published_demo": "已发布（演示）：{date}，由 `panorama demo` 自动发布，审核人 demo，"
                          "未经人工审核（修订 r{rev}）",
        "correction": "更正（{date}）：{reason}。本修订 r{rev} 取代 {old_date} 发布的修订 "
                      "r{old}（原文件原样保留在 revisions/r{old}/）。",
        "accepted": "发布时仍有未决事项，审核人已接受：{what}。理由：{reason}",
        "revised_draft": "修订草稿 r{rev}（未发布）：本月已于 {date} 发布修订 r{pub}（审核人 "
                         "{reviewer}）。此稿不会替换已发布版本，只能作为更正发布："
                         "`panorama publish {month} --supersede --reason …`",
    },
    "en": {
        "published": "Published {date}, reviewed by {reviewer} (revision r{rev})",
        "published_demo": "Published (demo) {date} automatically by `panorama demo`, reviewer "
                          "demo, not reviewed by a person (revision r{rev})",
        "correction": "Correction ({date}): {reason}. Revision r{rev} supersedes revision r{old} "
                      "published {old_date} (kept unchanged in revisions/r{old}/).",
        "accepted": "Published with open items the reviewer accepted: {what}. Reason: {reason}",
        "revised_draft": "Revised draft r{rev} (not published): this month was published on "
                         "{date} as revision r{pub} (reviewed by {reviewer}). This draft does "
                         "not replace it; it can only be published as a correction: "
                         "`panorama publish {month} --supersede --reason …`",
    },
}
BLOCKER_NAMES = {
    "zh": {"unreviewed_items": "未审核条目", "open_link_reviews": "未审核的项目关联",
           "failed_sources": "采集失败的数据源", "contradicted_claims": "新被否定的论断"},
    "en": {"unreviewed_items": "unreviewed items", "open_link_reviews": "open link reviews",
           "failed_sources": "failed sources", "contradicted_claims": "newly contradicted claims"},
}


@dataclass(frozen=True)
class MonthState:
    """What a copy of a month is: the published revision (with its history) or a draft."""

    month: str
    revision: int  # the revision this copy is
    events: tuple[PublicationEvent, ...] = ()  # every publication of the month, oldest first

    @property
    def current(self) -> PublicationEvent | None:
        return self.events[-1] if self.events else None

    @property
    def event(self) -> PublicationEvent | None:
        """The publication that made this very revision public, if one did."""
        return next((e for e in self.events if e.revision == self.revision), None)


def _day(at: datetime) -> str:
    return at.strftime("%Y-%m-%d")


def _accepted(event: PublicationEvent, lang: str) -> str | None:
    if not event.accepted_open:
        return None
    names = BLOCKER_NAMES[lang]
    unit = " 个" if lang == "zh" else " "
    what = ("，" if lang == "zh" else ", ").join(
        f"{b['count']}{unit}{names.get(b['kind'], b['kind'])}" for b in event.accepted_open)
    return TEXT[lang]["accepted"].format(what=what, reason=md(event.accept_reason or "—"))


def status_lines(state: MonthState, lang: str) -> list[str] | None:
    """The lines of the status block for `state` in `lang` (Markdown, already escaped); None
    for a month never published, whose draft keeps the template's own banner."""
    t = TEXT[lang]
    event, current = state.event, state.current
    if current is None:
        return None
    if event is None:  # a draft made after the month was published
        return ["**" + t["revised_draft"].format(
            rev=state.revision, date=_day(current.published_at), pub=current.revision,
            reviewer=md(current.reviewer), month=state.month) + "**"]
    key = "published_demo" if event.demo else "published"
    lines = ["**" + t[key].format(date=_day(event.published_at), reviewer=md(event.reviewer),
                                  rev=event.revision) + "**"]
    if event.kind == "correction":
        old = next(e for e in state.events if e.revision == event.supersedes)
        lines.append(t["correction"].format(
            date=_day(event.published_at), reason=md(event.reason or "—"), rev=event.revision,
            old=event.supersedes, old_date=_day(old.published_at)))
    accepted = _accepted(event, lang)
    if accepted:
        lines.append(accepted)
    return lines


def with_status(text: str, lines: list[str]) -> str:
    """`text` with its status block replaced by `lines` (a Markdown blockquote)."""
    body = "\n>\n".join(f"> {line}" for line in lines)
    return STATUS_BLOCK.sub(lambda _: f"<!-- status -->\n{body}\n<!-- /status -->", text,
                            count=1)


def neutral(text: str) -> str:
    """`text` without its state: what a revision's content hash is computed over."""
    return STATUS_BLOCK.sub("<!-- status -->\n<!-- /status -->", text, count=1)
