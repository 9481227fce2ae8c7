"""What a director should hear about: one frozen dataclass per kind of notice.

A worker finishes a job (a report built, a submission moved, a registration or an import
done, a reminder due) and hands one of these to the ``Notifier`` port
(``core.ports.Notifier``). The Slack notifier (``bot.notifier``) dispatches on the type, so
"go to definition" leads from the actor that builds a notice to the code that renders it.

``destination`` is where the entry point that started the job wants the answer (for
Slack: ``bot.destination.Destination``). Core carries it untouched and never reads it.
Each class has a ``kind``: a short stable word for logs and metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from core.domain.day_check import DayCheck
    from core.domain.report import SubsidyReport
    from core.services.submissions import SubmissionView

Destination = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class ReportReady:
    """The Subsidy Report preview a director asked for, built and checked."""

    kind: ClassVar[str] = "report"
    school_id: int
    report: SubsidyReport
    destination: Destination


@dataclass(frozen=True, kw_only=True)
class ReportFailed:
    """A report that could not be built, with the reason in the director's words."""

    kind: ClassVar[str] = "report_failed"
    school_id: int
    message: str
    destination: Destination


@dataclass(frozen=True, kw_only=True)
class SubmissionChanged:
    """A submission moved to another state (submitting, submitted, rejected, …)."""

    kind: ClassVar[str] = "submission"
    school_id: int
    submission: SubmissionView


@dataclass(frozen=True, kw_only=True)
class ProviderRegistered:
    """KinderTrack verified the provider ID and the school now carries it."""

    kind: ClassVar[str] = "registration"
    school_id: int
    provider_id: str
    provider_name: str
    destination: Destination


@dataclass(frozen=True, kw_only=True)
class RegistrationRefused:
    """The provider ID was not registered, and why."""

    kind: ClassVar[str] = "registration"
    school_id: int
    message: str
    destination: Destination


@dataclass(frozen=True, kw_only=True)
class AttendanceImported:
    """A CSV uploaded to Slack was imported whole."""

    kind: ClassVar[str] = "import"
    school_id: int
    file_id: str
    channel_id: str | None
    destination: Destination
    added: int
    duplicates: int
    students_added: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AttendanceImportRefused:
    """A CSV uploaded to Slack was refused whole: ``problems`` are (line, why), in order."""

    kind: ClassVar[str] = "import"
    school_id: int
    file_id: str
    channel_id: str | None
    destination: Destination
    message: str
    problems: tuple[tuple[int, str], ...] = ()
    unknown_students: bool = False
    """Some row names a student Rollcall lacks: the message says how to add them in Slack."""


@dataclass(frozen=True, kw_only=True)
class ReminderDue:
    """A pay period is closing (or has closed) unsubmitted: the preview, with its errors."""

    kind: ClassVar[str] = "reminder"
    school_id: int
    period_kind: Literal["closing", "closed"]
    report: SubsidyReport
    days_left: int
    errors: int


@dataclass(frozen=True, kw_only=True)
class DayProblems:
    """The day's attendance problems at the school's closing time (never sent when clean)."""

    kind: ClassVar[str] = "day_check"
    school_id: int
    check: DayCheck


Notice = (
    ReportReady
    | ReportFailed
    | SubmissionChanged
    | ProviderRegistered
    | RegistrationRefused
    | AttendanceImported
    | AttendanceImportRefused
    | ReminderDue
    | DayProblems
)
