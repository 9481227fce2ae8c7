"""``/kindertrack absent STUDENT [DATE]``, ``closed DATE [holiday]`` and
``delete-absence STUDENT|* DATE``: days away.

Like check-ins, anyone in the school's channel may record them (directors approve what is
sent); only a director removes one recorded by mistake. A day without a date is today in
the school's zone; a submitted period refuses them with the corrected-claim contact. The
school's roll-call boards are redrawn after each, so today's "away" shows at once.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.escape import escape_mrkdwn
from bot.listeners.commands.channel import answer_privately, asked_in_channel
from bot.listeners.commands.dispatcher import add_subcommand
from bot.permissions import Actor, SchoolAccess
from bot.redraw import redraw_boards
from bot.runtime import runtime
from core.domain.absences import CENTER, AbsenceKind
from core.errors import InvalidInput, NotADirector
from core.i18n import N_, _, format_day
from core.services.absences import RecordedAbsence, delete_absence, record_absence
from core.services.periods import school_today

log = logging.getLogger(__name__)


DATE_WORD = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})$")
"""A last word that is a date: ``2026-11-19`` or the US ``11/19/2026``."""


def _split_date(args: str) -> tuple[str, str | None]:
    """``"Ava Smith 11/19/2026"`` -> ``("Ava Smith", "11/19/2026")``; no date: None."""
    words = args.split()
    if words and DATE_WORD.match(words[-1]):
        return " ".join(words[:-1]), words[-1]
    return args.strip(), None


def _answer(done: RecordedAbsence) -> str:
    day = format_day(done.day)
    if done.student_name is None:
        if done.kind is AbsenceKind.HOLIDAY:
            return _("The center is recorded closed for a holiday on {day}.", day=day)
        return _("The center is recorded closed on {day}.", day=day)
    return _("{name} is recorded absent on {day}.", name=escape_mrkdwn(done.student_name), day=day)


def _record(
    respond: Respond,
    client: WebClient,
    actor: Actor,
    access: SchoolAccess,
    student_name: str,
    day: str | date,
    kind: str,
) -> None:
    """Record the day away, log it by IDs, and tell the asker what is now recorded."""
    done = record_absence(
        runtime(),
        school_id=access.school_id,
        student_name=student_name,
        day=day,
        kind=kind,
        actor=actor.user_id,
        team_id=actor.team_id,
    )
    closure = student_name == CENTER
    log.info(
        "closure recorded" if closure else "absence recorded",
        extra={
            "event": "closure" if closure else "absence",
            "school_id": access.school_id,
            "user_id": actor.user_id,
        },
    )
    # The boards first: once the asker reads the answer, the channel's board agrees.
    redraw_boards(runtime(), client, school_id=access.school_id)
    answer_privately(respond, _answer(done))


def handle_absent(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context)
    student, day = _split_date(str(context["subcommand_args"]))
    if not student or student == CENTER:
        raise InvalidInput(_("Name the student, like `/kindertrack absent Ava Smith 11/19/2026`."))
    rt = runtime()
    _record(
        respond, client, actor, access, student, day or school_today(rt, access.timezone), "absent"
    )


def handle_closed(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context)
    words = str(context["subcommand_args"]).split()
    if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() != "holiday"):
        raise InvalidInput(
            _("Give the date the center is closed: `/kindertrack closed 11/26/2026 [holiday]`.")
        )
    kind = "holiday" if len(words) == 2 else "closed"
    _record(respond, client, actor, access, CENTER, words[0], kind)


def handle_delete_absence(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context)
    if not access.director:
        raise NotADirector(access.school_id)
    student, day = _split_date(str(context["subcommand_args"]))
    if not student or day is None:
        raise InvalidInput(
            _(
                "Name the student (or * for the center's closure) and the date, like "
                "`/kindertrack delete-absence Ava Smith 11/19/2026`."
            )
        )
    done = delete_absence(
        runtime(),
        school_id=access.school_id,
        student_name=student,
        day=day,
        actor=actor.user_id,
        team_id=actor.team_id,
    )
    log.info(
        "day away removed",
        extra={"event": "absence_deleted", "school_id": access.school_id, "user_id": actor.user_id},
    )
    text = (
        _("The closure of {day} is removed.", day=format_day(done.day))
        if done.student_name is None
        else _(
            "The absence of {name} on {day} is removed.",
            name=escape_mrkdwn(done.student_name),
            day=format_day(done.day),
        )
    )
    redraw_boards(runtime(), client, school_id=access.school_id)
    answer_privately(respond, text)


add_subcommand(
    "absent",
    handle_absent,
    usage="absent STUDENT [DATE]",
    summary=N_("record a child absent (today, or DATE)"),
)
add_subcommand(
    "closed",
    handle_closed,
    usage="closed DATE [holiday]",
    summary=N_("record the whole center closed on DATE (not an absence)"),
)
add_subcommand(
    "delete-absence",
    handle_delete_absence,
    usage="delete-absence STUDENT|* DATE",
    summary=N_("remove an absence or closure recorded by mistake (directors)"),
)
