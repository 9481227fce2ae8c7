"""The overview of a user's schools (the Slack App Home tab reads it).

Per school: its registration, the current pay period and the days left in it, the
attendance errors of the current and the last closed period (one report build over
both, database only, no KinderTrack call), the children without a child ID, and where
the last closed period's submission stands.

Which schools: those the user directs; a user who directs none (staff) sees every school
of the workspace (read-only, which the caller shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from core.domain.pay_periods import PayPeriod
from core.domain.report import ProviderStatus
from core.services.periods import school_today
from core.services.reminders import days_left
from core.services.reports import school_report
from core.services.runtime import Runtime
from core.services.schools import provider_status, registration_of, schools_of_team
from core.services.submissions import SubmissionView, submission_status
from core.services.workspace import is_director


@dataclass(frozen=True)
class SchoolOverview:
    school_id: int
    name: str
    director: bool
    provider_status: ProviderStatus
    provider_id: str | None
    current: PayPeriod
    days_left: int
    errors: int
    """Blocking attendance errors in the current and the last closed pay period."""
    unlinked: int
    """Children in those periods' report without a KinderTrack child ID."""
    last_closed: PayPeriod
    last_submission: SubmissionView | None


@dataclass(frozen=True)
class SchoolsOverview:
    schools: list[SchoolOverview] = field(default_factory=list)
    total: int = 0
    """How many schools the user would see (``schools`` may stop at the limit)."""


def school_overview(
    rt: Runtime, *, team_id: str, user_id: str, limit: int | None = None
) -> SchoolsOverview:
    """The schools ``user_id`` sees in the workspace ``team_id``; only the first ``limit``
    (default: all) are built, each costing one report build."""
    with rt.session() as session:
        rows = []
        for school in schools_of_team(session, team_id=team_id):
            registration = registration_of(session, school.id or 0)
            rows.append(
                (
                    school,
                    is_director(session, school_id=school.id or 0, user_id=user_id),
                    provider_status(registration),
                    registration.provider_id if registration else None,
                )
            )
    visible = [row for row in rows if row[1]] or rows
    shown = visible if limit is None else visible[:limit]
    schools: list[SchoolOverview] = []
    for school, director, status, provider_id in shown:
        school_id = school.id or 0
        today = school_today(rt, school.timezone)
        current = rt.calendar.containing(today)
        last = rt.calendar.containing(current.start - timedelta(days=1))
        report = school_report(rt, school_id=school_id, start=last.start, end=current.end)
        schools.append(
            SchoolOverview(
                school_id=school_id,
                name=school.name,
                director=director,
                provider_status=status,
                provider_id=provider_id,
                current=current,
                days_left=days_left(current, today),
                errors=len(report.errors),
                unlinked=sum(1 for r in report.rows if r.child_id is None),
                last_closed=last,
                last_submission=submission_status(
                    rt, school_id=school_id, start=last.start, end=last.end
                ),
            )
        )
    return SchoolsOverview(schools, len(visible))
