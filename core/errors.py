"""The domain's error hierarchy: every refusal carries a message a director understands."""

from __future__ import annotations

from datetime import date

from core import messages
from core.domain.wall_clock import day_label


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
            "The attendance changed since this preview was made, so nothing was approved. "
            "Here is the current report: review it and approve again."
        )


class NotAllowed(RollcallError):
    """The user may not do this (wrong workspace, not a director)."""


class EditsRefused(RollcallError):
    """A batch of edits was refused as a whole: nothing was saved.

    ``errors`` maps ``(record_id, "in" | "out")`` to why that field is refused, so a form
    can show each message next to its field.
    """

    def __init__(self, errors: dict[tuple[int, str], str]):
        self.errors = dict(sorted(errors.items()))
        shown = "; ".join(
            f"record {record_id} {'check-in' if field == 'in' else 'check-out'}: {message}"
            for (record_id, field), message in self.errors.items()
        )
        super().__init__(f"Nothing was saved: {shown}")


class ImportRefused(InvalidInput):
    """A CSV import refused as a whole because of its rows: nothing was saved.

    ``problems`` holds each bad row as ``(line, why)``, in line order, so the command line
    and Slack can each lay them out; the text itself names the first :attr:`SHOWN`.
    """

    SHOWN = 20

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = sorted(problems)
        count = len(self.problems)
        more = f" (and {count - self.SHOWN} more)" if count > self.SHOWN else ""
        shown = "; ".join(f"line {line}: {why}" for line, why in self.problems[: self.SHOWN])
        super().__init__(
            f"Nothing was imported: {count} bad row{'s' if count != 1 else ''}{more}. {shown}"
        )


class PeriodLocked(RollcallError):
    """Attendance in a submitted (or submitting) pay period can no longer change."""

    def __init__(self, period_start: object, period_end: object, *, submitting: bool = False):
        what = "is being submitted" if submitting else "was already submitted"
        super().__init__(
            f"Attendance for the pay period {period_start} to {period_end} {what} to "
            f"KinderTrack and can no longer be edited. {messages.CORRECTED_CLAIM_CONTACT}"
        )
        self.period_start = period_start
        self.period_end = period_end


def days_phrase(first: date, last: date) -> str:
    """``today, Wed Nov 18, through Sat Nov 21`` style: the days a submission would leave out."""
    if first == last:
        return day_label(first)
    return f"{day_label(first)} through {day_label(last)}"


class PeriodNotOver(InvalidInput):
    """Approving a pay period that has not ended takes an explicit choice to submit early."""

    def __init__(self, first: date, last: date):
        super().__init__(
            f"This pay period runs until {day_label(last)}: approve it once it has ended. "
            f"Submitting early means attendance for {days_phrase(first, last)} can never be "
            "added; choose Submit early only if no more attendance will come."
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
            "KinderTrack did not accept that link code for this provider ID: it may be "
            "mistyped, already used, older than 7 days, or for another provider. Nothing was "
            f"registered. {messages.ASK_FOR_LINK_CODE}"
        )


class ProviderNotAuthorized(KinderTrackError):
    """KinderTrack answered 403 ``not_authorized``: the provider has not (or no longer)
    authorized Rollcall's vendor key."""

    def __init__(self) -> None:
        super().__init__(
            "KinderTrack says this provider has not authorized Rollcall. "
            f"{messages.ASK_FOR_LINK_CODE}"
        )


class SubmissionInvalid(KinderTrackError):
    def __init__(self, detail: list[object]):
        super().__init__(f"KinderTrack refused the attendance as invalid: {detail}")
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


class OutcomeUnknown(KinderTrackUnavailable):
    """The request may have been committed (timeout or dropped connection after sending).

    Never resend before asking KinderTrack whether it holds the submission.
    """
