"""The domain's error hierarchy: every refusal carries a message a director understands."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core import messages
from core.domain.wall_clock import day_label
from core.i18n import _, clock_hour, format_day, format_time, format_zone, ngettext


class RollcallError(Exception):
    """A refusal: the command did nothing, and ``str(error)`` says why in one line."""

    def worded(self, show: Callable[[date], str]) -> str:
        """The refusal for people reading it in Slack, its dates written by ``show``;
        ``str(error)`` keeps ISO dates for the command line (docs/CLI.md)."""
        return str(self)


class InvalidInput(RollcallError):
    """What the director typed or uploaded is not acceptable."""


class NotFound(RollcallError):
    """A school, student or record that does not exist (in this workspace)."""


class AbsenceNotRecorded(NotFound):
    """Nothing to delete: no absence of ``name`` (or, with ``name`` None, no closure) on
    ``day``."""

    def __init__(self, name: str | None, day: date) -> None:
        self.name = name
        self.day = day
        super().__init__(self.worded(date.isoformat))

    def worded(self, show: Callable[[date], str]) -> str:
        if self.name is None:
            return _("No closure is recorded on {day}.", day=show(self.day))
        return _("No absence of {name} is recorded on {day}.", name=self.name, day=show(self.day))


class BackwardRange(InvalidInput):
    """A date range whose end comes before its start."""

    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.end = end
        super().__init__(self.worded(str))

    def worded(self, show: Callable[[date], str]) -> str:
        return _(
            "The range ends ({end}) before it starts ({start}).",
            end=show(self.end),
            start=show(self.start),
        )


class UnplaceableTime(InvalidInput):
    """A local wall time the zone skips (``skipped``: clocks spring forward) or repeats
    (clocks fall back), so it names no single instant. The command line asks for a UTC
    offset; Slack, where times are picked without one, says which time and what to pick."""

    def __init__(self, naive: datetime, zone: ZoneInfo, *, skipped: bool) -> None:
        self.naive = naive
        self.zone = zone
        self.skipped = skipped
        stamp = naive.isoformat(sep=" ", timespec="minutes")
        if skipped:
            problem = "does not exist (clocks spring forward)"
        else:
            problem = "happens twice (clocks fall back)"
        super().__init__(
            f"{stamp} {problem} in {zone.key}; give the time with its UTC offset, "
            f"like {naive.date().isoformat()}T{naive.time().isoformat('minutes')}-05:00."
        )

    def worded(self, show: Callable[[date], str]) -> str:
        """Opening on the time, so in Spanish *la* 1:30 but *las* 2:30 (``clock_hour``)."""
        day, time, zone = (
            show(self.naive.date()),
            format_time(self.naive),
            format_zone(self.zone.key),
        )
        hour = clock_hour(self.naive)
        if self.skipped:
            shown = (self.naive + timedelta(hours=1)).replace(tzinfo=None)
            return ngettext(
                "{time} on {day} does not exist in {zone}: the clocks jump forward an hour "
                "that night. Pick the time the clock showed then, like {shown}.",
                "{time} on {day} does not exist in {zone}: the clocks jump forward an hour "
                "that night. Pick the time the clock showed then, like {shown}.",
                hour,
                time=time,
                day=day,
                zone=zone,
                shown=format_time(shown),
            )
        return ngettext(
            "{time} on {day} happens twice in {zone}: the clocks go back an hour that night, "
            "so Rollcall cannot tell the earlier {time} from the later one. Pick a time just "
            "before or after that hour, or ask your operator to enter it on the command line.",
            "{time} on {day} happens twice in {zone}: the clocks go back an hour that night, "
            "so Rollcall cannot tell the earlier {time} from the later one. Pick a time just "
            "before or after that hour, or ask your operator to enter it on the command line.",
            hour,
            time=time,
            day=day,
            zone=zone,
        )


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

    def __init__(self, errors: Mapping[tuple[int, str], str | RollcallError]):
        self.reasons = dict(sorted(errors.items()))
        self.errors = {key: str(why) for key, why in self.reasons.items()}
        shown = "; ".join(
            (
                _("record {id} check-in: {why}", id=record_id, why=message)
                if field == "in"
                else _("record {id} check-out: {why}", id=record_id, why=message)
            )
            for (record_id, field), message in self.errors.items()
        )
        super().__init__(_("Nothing was saved: {why}", why=shown))

    def worded_errors(self, show: Callable[[date], str]) -> dict[tuple[int, str], str]:
        """:attr:`errors` for people: a refusal kept whole (a submitted period, a time the
        clocks skip or repeat) is worded with its dates written by ``show``."""
        return {
            key: why if isinstance(why, str) else why.worded(show)
            for key, why in self.reasons.items()
        }


class ImportRefused(InvalidInput):
    """A CSV import refused as a whole because of its rows: nothing was saved.

    ``problems`` holds each bad row as ``(line, why)``, in line order, so the command line
    and Slack can each lay them out; the text itself names the first :attr:`SHOWN`.
    ``unknown_students``: some row names a student Rollcall lacks, so the interface says how
    it adds students.
    """

    SHOWN = 20

    def __init__(
        self,
        problems: Sequence[tuple[int, str | RollcallError]],
        *,
        unknown_students: bool = False,
    ):
        self.reasons = sorted(problems, key=lambda problem: (problem[0], str(problem[1])))
        self.problems = [(line, str(why)) for line, why in self.reasons]
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

    def worded_problems(self, show: Callable[[date], str]) -> list[tuple[int, str]]:
        """:attr:`problems` for people: a refusal kept whole (a row in a submitted period)
        is worded with its dates written by ``show``."""
        return [
            (line, why if isinstance(why, str) else why.worded(show)) for line, why in self.reasons
        ]


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
