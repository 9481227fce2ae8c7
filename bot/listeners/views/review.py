"""The review modal: open it, skip to the next children, save its fixes.

Thin on purpose: the pickers become :class:`core.domain.stay_fix.StayFix`\\ es (a stay
deleted, or deleted because the child was absent), the ticked removal boxes
:class:`core.services.absences.AwayFix`\\ es, and :func:`core.services.stays.fix_stays`
checks and saves them all in one transaction, or refuses them all with a reason per field
(:class:`core.errors.EditsRefused`), answered with ``response_action="errors"`` on those
fields. After a save the modal redraws with what is still to fix (or closes when nothing
is), a worker redraws the report message and the school's roll-call boards are redrawn
(``bot/redraw.py``). Directors only; the school must belong to the
requesting workspace.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import copy_context
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.modals import notice_modal
from bot.blocks.review import (
    ABSENT_VALUE,
    CALLBACK_ID,
    DELETE_VALUE,
    REMOVE_VALUE,
    SKIP_ACTION,
    AwayDay,
    BadRecord,
    ReviewMeta,
    away_block_id,
    block_id,
    error_block_id,
    parse_away_block_id,
    parse_block_id,
    review_blocks,
    review_view,
)
from bot.destination import to_message
from bot.permissions import Actor, actor_from_payload, school_by_id
from bot.redraw import redraw_boards
from bot.runtime import runtime
from core.domain.attendance import IssueCode
from core.domain.instants import zone
from core.domain.report import SubsidyReport
from core.domain.stay_fix import StayFix
from core.errors import EditsRefused, RollcallError
from core.i18n import _, format_date
from core.services import absences, reports, stays
from core.services.absences import AwayFix
from workers import dispatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewData:
    """What the modal shows: the report as it is now, its stays with errors, the days
    recorded both attended and away, and the school's zone."""

    report: SubsidyReport
    records: dict[int, BadRecord]
    tz: ZoneInfo
    away: dict[tuple[int, date], AwayDay]

    def view(self, meta: ReviewMeta) -> dict[str, Any]:
        return review_view(self.report, self.records, self.tz, meta, self.away)


def _review_data(actor: Actor, meta: ReviewMeta) -> ReviewData:
    """The report of ``meta``'s period as it is now and what its errors name (raises
    RollcallError when refused)."""
    access = school_by_id(actor, meta.school_id, director=True)
    rt = runtime()
    report = reports.school_report(
        rt,
        school_id=meta.school_id,
        start=meta.start,
        end=meta.end,
        team_id=actor.team_id,
        refresh_periods=False,
    )
    bad_ids = {e.record_id for e in report.errors if e.record_id is not None}
    records = {
        r.id: BadRecord(r.id, r.student_id, r.student_name, r.check_in, r.check_out)
        for r in stays.list_attendance(
            rt, school_id=meta.school_id, start=meta.start, end=meta.end, team_id=actor.team_id
        )
        if r.id in bad_ids
    }
    both = [
        (e.student_id, e.day)
        for e in report.errors
        if e.code == IssueCode.ABSENT_AND_PRESENT and e.day is not None
    ]
    away: dict[tuple[int, date], AwayDay] = {}
    if both:
        recorded = absences.school_away_days(
            rt, school_id=meta.school_id, start=meta.start, end=meta.end, team_id=actor.team_id
        )
        for student_id, day in both:
            own = recorded.absences.get(student_id, {}).get(day)
            kind = own or recorded.closures.get(day)
            if kind is not None:
                away[(student_id, day)] = AwayDay(student_id, day, kind, closure=own is None)
    return ReviewData(report, records, zone(access.timezone), away)


def build_review(actor: Actor, meta: ReviewMeta) -> dict[str, Any]:
    """The review modal of ``meta``'s period as it is now."""
    return _review_data(actor, meta).view(meta)


def _picked(action: dict[str, Any]) -> tuple[str | None, bool]:
    """The value a picker or box holds, and whether the field was sent at all."""
    for key in ("selected_date", "selected_time"):
        if key in action:
            return action[key] or None, True
    if "selected_options" in action:
        chosen = [o.get("value") for o in action.get("selected_options") or []]
        for value in (ABSENT_VALUE, DELETE_VALUE, REMOVE_VALUE):
            if value in chosen:
                return value, True
        return None, True
    return None, False


def submitted_away(view: dict[str, Any]) -> list[AwayFix]:
    """The days away whose removal box is ticked."""
    found: list[AwayFix] = []
    for bid, actions in (view.get("state") or {}).get("values", {}).items():
        parsed = parse_away_block_id(bid)
        if parsed is None or not isinstance(actions, dict):
            continue
        action: Any = next(iter(actions.values()), {})
        if _picked(action if isinstance(action, dict) else {})[0] == REMOVE_VALUE:
            found.append(AwayFix(*parsed))
    return sorted(found, key=lambda fix: (fix.day, fix.student_id or 0))


def submitted_fixes(view: dict[str, Any]) -> list[StayFix]:
    """One :class:`StayFix` per stay in the view's state; unreadable values raise
    EditsRefused on their field."""
    fields: dict[int, dict[str, tuple[str | None, bool]]] = {}
    for bid, actions in (view.get("state") or {}).get("values", {}).items():
        parsed = parse_block_id(bid)
        if parsed is None or not isinstance(actions, dict):
            continue
        record_id, field = parsed
        action: Any = next(iter(actions.values()), {})
        fields.setdefault(record_id, {})[field] = _picked(
            action if isinstance(action, dict) else {}
        )
    fixes: list[StayFix] = []
    errors: dict[tuple[int, str], str] = {}
    for record_id, values in sorted(fields.items()):
        try:
            day_text, _ = values.get("day", (None, False))
            in_text, _ = values.get("in", (None, False))
            out_text, out_sent = values.get("out", (None, False))
            delete, _ = values.get("delete", (None, False))
            fixes.append(
                StayFix(
                    record_id,
                    day=date.fromisoformat(day_text) if day_text else None,
                    check_in=time.fromisoformat(in_text) if in_text else None,
                    check_out=time.fromisoformat(out_text) if out_text else None,
                    no_check_out=out_sent and not out_text,
                    delete=delete == DELETE_VALUE,
                    absent=delete == ABSENT_VALUE,
                )
            )
        except ValueError:
            errors[(record_id, "day")] = _("Pick the day and the times again.")
    if errors:
        raise EditsRefused(errors)
    return fixes


ACK_BUDGET_S = 2.0
"""How long a save waits for the redrawn review before answering Slack (3 s at most)."""
_drawing = ThreadPoolExecutor(max_workers=4, thread_name_prefix="review-redraw")


def _redraw_after_save(
    ack: Ack, client: WebClient, view: dict[str, Any], actor: Actor, meta: ReviewMeta
) -> None:
    """Answer the save with what is left to fix (or close when nothing is); when that
    takes longer than Slack waits, answer "Saved…" at once and update the modal after."""
    future = _drawing.submit(copy_context().run, build_review, actor, meta)
    try:
        after = future.result(timeout=ACK_BUDGET_S)
    except FutureTimeout:
        saving = notice_modal(_("Fix attendance"), _("Saved. Loading what is left to fix…"))
        ack(response_action="update", view=saving.to_dict())
        try:
            client.views_update(view_id=view.get("id"), view=future.result())
        except (RollcallError, SlackApiError) as error:
            log.info(
                "review redraw after a save failed",
                extra={"event": "review_redraw_failed", "error": type(error).__name__},
            )
        return
    except RollcallError:
        ack()
        return
    if after.get("submit"):
        ack(response_action="update", view=after)
    else:
        ack()


def handle_review_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    actor = actor_from_payload(body, context)
    first_field: str | None = None
    try:
        meta = ReviewMeta.decode(str(view.get("private_metadata") or ""))
        fixes = submitted_fixes(view)
        away = submitted_away(view)
        if fixes:
            first_field = block_id(fixes[0].record_id, "day")
        elif away:
            first_field = away_block_id(away[0].student_id, away[0].day)
        school_by_id(actor, meta.school_id, director=True)
        changed = stays.fix_stays(
            runtime(),
            school_id=meta.school_id,
            fixes=fixes,
            away=away,
            actor=actor.user_id,
            team_id=actor.team_id,
        )
    except EditsRefused as refused:
        ack(
            response_action="errors",
            errors={
                error_block_id(key, field): text
                for (key, field), text in refused.worded_errors(format_date).items()
            },
        )
        return
    except RollcallError as error:
        if first_field:
            ack(response_action="errors", errors={first_field: error.worded(format_date)})
        else:
            ack()
        return
    if changed:
        _redraw_after_save(ack, client, view, actor, meta)
    else:
        ack()
    log.info(
        "stays fixed from the review modal",
        extra={"event": "review_saved", "school_id": meta.school_id, "edits": changed},
    )
    if changed and meta.channel_id and meta.ts:
        dispatch.enqueue_report(
            meta.school_id,
            meta.start,
            meta.end,
            destination=to_message(actor, channel_id=meta.channel_id, ts=meta.ts),
        )
    if changed:
        # A fixed stay may be today's: the channels' roll-call boards show it too.
        redraw_boards(runtime(), client, school_id=meta.school_id)


def handle_skip(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Show the next children with errors in the same modal, saving nothing."""
    ack()
    actor = actor_from_payload(body, context)
    view = body.get("view") or {}
    try:
        meta = ReviewMeta.decode(str(view.get("private_metadata") or ""))
        data = _review_data(actor, meta)
    except RollcallError as error:
        log.info(
            "review skip refused",
            extra={"event": "review_skip_refused", "error": type(error).__name__},
        )
        return
    _, _, shown = review_blocks(data.report, data.records, data.tz, skip=meta.skip, away=data.away)
    client.views_update(
        view_id=view.get("id"), hash=view.get("hash"), view=data.view(meta.skipped(shown))
    )


def register(app: App) -> None:
    """Register this module's listeners on the app."""
    app.view(CALLBACK_ID)(handle_review_submission)
    app.action(SKIP_ACTION)(handle_skip)
