"""The domain's error hierarchy: every refusal carries a message a director understands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from core import messages
from core.domain.wall_clock import day_label
from core.i18n import _, format_day, ngettext


class RollcallError(Exception):
    """A refusal: the command did nothing, and ``str(error)`` says why in one line."""


class InvalidInput(RollcallError):
    """What the director typed or uploaded is not acceptable."""


class NotFound(RollcallError):
    """A school, student or record that does not exist (in this workspace)."""


class Conflict(RollcallError):
    """The request collides with something that already exists."""


class StalePreview(Conflict):
    """The attendance changed between the preview the director saw and the approval."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The attendance changed since this preview was made, so nothing was approved. "
                "Here is the current report: review it and approve again."
            )
        )


class UndoTooLate(Conflict):
    """A worker already took the approval to send it: it can no longer be withdrawn."""

    def __init__(self, *, sent: bool) -> None:
        super().__init__(
            _(
                "Too late to undo: KinderTrack already received this pay period's attendance. "
                "See the message for its confirmation."
            )
            if sent
            else _(
                "Too late to undo: Rollcall is already sending this pay period's attendance "
                "to KinderTrack, and a send cannot be stopped halfway. The message shows "
                "KinderTrack's answer when it comes."
            )
        )


class NotAllowed(RollcallError):
    """The user may not do this (wrong workspace, not a director)."""


class NotADirector(NotAllowed):
    """Only the school's directors may do this; the interface says how one is added."""

    def __init__(self, school_id: int) -> None:
        super().__init__(_("Only the school's directors can do that."))
        self.school_id = school_id


class SchoolNotFound(NotFound):
    """No school of that name; the interface says how one is added."""

    def __init__(self, name: str) -> None:
        super().__init__(_("No school named {school}.", school=repr(name)))
        self.name = name


class StudentNotFound(NotFound):
    """No student of that name in the school; the interface says how one is added."""

    def __init__(self, name: str) -> None:
        super().__init__(_("No student named {name} in this school.", name=repr(name)))
        self.name = name


class OlderStayOpen(Conflict):
    """A check-out refused because the child's last open stay began on an earlier day:
    ``record_id`` is that stay, for the interface to say where it is fixed."""

    def __init__(self, *, name: str, day: date, older: date, record_id: int) -> None:
        super().__init__(
            _(
                "{name} is not checked in on {day}. The last open stay, from {older}, was "
                "never checked out.",
                name=name,
                day=format_day(day),
                older=format_day(older),
            )
        )
        self.record_id = record_id


class EditsRefused(RollcallError):
    """A batch of edits was refused as a whole: nothing was saved.

    ``errors`` maps ``(record_id, "in" | "out")`` to why that field is refused, so a form
    can show each message next to its field.
    """

    def __init__(self, errors: dict[tuple[int, str], str]):
        self.errors = dict(sorted(errors.items()))
        shown = "; ".join(
            (
                _("record {id} check-in: {why}", id=record_id, why=message)
                if field == "in"
                else _("record {id} check-out: {why}", id=record_id, why=message)
            )
            for (record_id, field), message in self.errors.items()
        )
        super().__init__(_("Nothing was saved: {why}", why=shown))


class ImportRefused(InvalidInput):
    """A CSV import refused as a whole because of its rows: nothing was saved.

    ``problems`` holds each bad row as ``(line, why)``, in line order, so the command line
    and Slack can each lay them out; the text itself names the first :attr:`SHOWN`.
    ``unknown_students``: some row names a student Rollcall lacks, so the interface says how
    it adds students.
    """

    SHOWN = 20

    def __init__(self, problems: list[tuple[int, str]], *, unknown_students: bool = False):
        self.problems = sorted(problems)
        self.unknown_students = unknown_students
        count = len(self.problems)
        more = _(" (and {count} more)", count=count - self.SHOWN) if count > self.SHOWN else ""
        shown = "; ".join(
            _("line {line}: {why}", line=line, why=why) for line, why in self.problems[: self.SHOWN]
        )
        super().__init__(
            ngettext(
                "Nothing was imported: {n} bad row{more}. {shown}",
                "Nothing was imported: {n} bad rows{more}. {shown}",
                count,
                more=more,
                shown=shown,
            )
        )


class UnknownStudent(InvalidInput):
    """An import row names a student Rollcall lacks (and adding them was not asked for)."""

    def __init__(self, name: str) -> None:
        super().__init__(_("no student named {name}", name=repr(name)))
        self.name = name


class PeriodLocked(RollcallError):
    """Attendance in a submitted (or submitting) pay period can no longer change; nor in one
    KinderTrack holds a submission for that Rollcall did not send (``elsewhere``)."""

    def __init__(
        self,
        period_start: object,
        period_end: object,
        *,
        submitting: bool = False,
        elsewhere: bool = False,
    ):
        self.period_start = period_start
        self.period_end = period_end
        self.submitting = submitting
        self.elsewhere = elsewhere
        super().__init__(self.worded(str))

    def worded(self, show: Callable[[date], str]) -> str:
        """The refusal with its dates written by ``show`` (the command line keeps
        ``2026-11-08``; Slack shows ``Nov 8, 2026``)."""
        start, end = (
            show(day) if isinstance(day, date) else day
            for day in (self.period_start, self.period_end)
        )
        if self.elsewhere:
            text = _(
                "KinderTrack already holds a submission for the pay period {start} to {end} "
                "that Rollcall did not send (perhaps entered in the KinderTrack portal), so "
                "its attendance can no longer be edited here.",
                start=start,
                end=end,
            )
        elif self.submitting:
            text = _(
                "Attendance for the pay period {start} to {end} is being submitted to "
                "KinderTrack and can no longer be edited.",
                start=start,
                end=end,
            )
        else:
            text = _(
                "Attendance for the pay period {start} to {end} was already submitted to "
                "KinderTrack and can no longer be edited.",
                start=start,
                end=end,
            )
        return f"{text} {messages.CORRECTED_CLAIM_CONTACT}"


def days_phrase(first: date, last: date) -> str:
    """``today, Wed Nov 18, through Sat Nov 21`` style: the days a submission would leave out."""
    if first == last:
        return day_label(first)
    return _("{first} through {last}", first=day_label(first), last=day_label(last))


class PeriodNotOver(InvalidInput):
    """Approving a pay period that has not ended takes an explicit choice to submit early."""

    def __init__(self, first: date, last: date):
        super().__init__(
            _(
                "This pay period runs until {end}: approve it once it has ended. Submitting "
                "early means attendance for {days} can never be added; choose Submit early "
                "only if no more attendance will come.",
                end=day_label(last),
                days=days_phrase(first, last),
            )
        )
        self.first = first
        self.last = last


# --- KinderTrack answers, as the port reports them -------------------------------------


class KinderTrackError(RollcallError):
    """KinderTrack refused or could not answer."""

    retryable: bool = False


class InactiveProvider(KinderTrackError):
    def __init__(self) -> None:
        super().__init__(messages.INACTIVE_PROVIDER)


class AlreadySubmitted(KinderTrackError):
    def __init__(self) -> None:
        super().__init__(f"{messages.ALREADY_SUBMITTED} {messages.CORRECTED_CLAIM_CONTACT}")


class ProviderNotFound(KinderTrackError):
    def __init__(self) -> None:
        super().__init__(messages.INACTIVE_PROVIDER)


class InvalidLinkCode(KinderTrackError):
    """KinderTrack refused the link code (unknown, used, expired or another provider's):
    one answer for all, so nobody learns which."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "KinderTrack did not accept that link code for this provider ID: it may be "
                "mistyped, already used, older than 7 days, or for another provider. Nothing "
                "was registered."
            )
            + f" {messages.ASK_FOR_LINK_CODE}"
        )


class ProviderNotAuthorized(KinderTrackError):
    """KinderTrack answered 403 ``not_authorized``: the provider has not (or no longer)
    authorized Rollcall's vendor key."""

    def __init__(self) -> None:
        super().__init__(
            _("KinderTrack says this provider has not authorized Rollcall.")
            + f" {messages.ASK_FOR_LINK_CODE}"
        )


class SubmissionInvalid(KinderTrackError):
    def __init__(self, detail: list[object]):
        super().__init__(
            _("KinderTrack refused the attendance as invalid: {detail}", detail=detail)
        )
        self.detail = detail


class Unauthorized(KinderTrackError):
    def __init__(self) -> None:
        super().__init__(
            "KinderTrack refused Rollcall's API key; check ROLLCALL_KINDERTRACK_API_KEY."
        )


class KinderTrackUnavailable(KinderTrackError):
    """KinderTrack could not be reached or did not act (connection refused, 503, 429):
    safe to try again; nothing was recorded."""

    retryable = True


class PeriodsNotCached(KinderTrackUnavailable):
    """The school's cached pay periods do not reach the day needed, and whoever asks is
    waiting (Slack), so a worker asks KinderTrack instead."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Rollcall is asking KinderTrack for this school's pay periods; "
                "try again in a minute."
            )
        )


class OutcomeUnknown(KinderTrackUnavailable):
    """The request may have been committed (timeout or dropped connection after sending).

    Never resend before asking KinderTrack whether it holds the submission.
    """
