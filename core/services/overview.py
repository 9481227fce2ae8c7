"""The overview of a user's schools (the Slack App Home tab reads it).

Per school: its registration, the current pay period and the days left in it, the
attendance errors of the current and the last closed period (one report build over
both, from the database; KinderTrack is asked only for pay periods cached too long ago),
the children without a child ID, and where the last closed period's submission stands.

Which schools: those the user directs; a user who directs none (staff) sees every school
of the workspace (read-only, which the caller shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select

from core.domain.pay_periods import PayPeriod
from core.domain.report import ProviderStatus
from core.services.periods import periods_of_schools_as_cached, school_today
from core.services.reminders import days_left
from core.services.reports import ReportRequest, load_reports
from core.services.runtime import Runtime
from core.services.schools import schools_of_team
from core.services.submissions import SubmissionView, submission_statuses
from core.store.tables import Director


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
    periods_due: dict[int, date] = field(default_factory=dict)
    """Schools shown by pay periods cached long ago (and their today): a worker should ask
    KinderTrack again."""


def school_overview(
    rt: Runtime, *, team_id: str, user_id: str, limit: int | None = None
) -> SchoolsOverview:
    """The schools ``user_id`` sees in the workspace ``team_id``; only the first ``limit``
    (default: all) are built, read together in a fixed number of queries, by the cached
    pay periods: KinderTrack is never asked here (the Home tab waits on this)."""
    with rt.session() as session:
        every = schools_of_team(session, team_id=team_id)
        ids = [school.id or 0 for school in every]
        directed = set(
            session.exec(
                select(Director.school_id).where(
                    col(Director.school_id).in_(ids), Director.user_id == user_id
                )
            )
        )
        visible = [school for school in every if school.id in directed] or every
        shown = visible if limit is None else visible[:limit]
    today = {school.id or 0: school_today(rt, school.timezone) for school in shown}
    periods, due = periods_of_schools_as_cached(rt, today)
    current = {sid: periods[sid].containing(day) for sid, day in today.items()}
    last = {sid: periods[sid].last_closed(day) for sid, day in today.items()}
    requests = {sid: ReportRequest(sid, last[sid].start, current[sid].end) for sid in current}
    with rt.session() as session:
        reports = load_reports(rt, session, list(requests.values()))
        submitted = submission_statuses(session, last)
    schools: list[SchoolOverview] = []
    for school in shown:
        school_id = school.id or 0
        report = reports[requests[school_id]]
        schools.append(
            SchoolOverview(
                school_id=school_id,
                name=school.name,
                director=school_id in directed,
                provider_status=report.provider_status,
                provider_id=report.provider_id,
                current=current[school_id],
                days_left=days_left(current[school_id], today[school_id]),
                errors=len(report.errors),
                unlinked=sum(1 for r in report.rows if r.child_id is None),
                last_closed=last[school_id],
                last_submission=submitted[school_id],
            )
        )
    return SchoolsOverview(schools, len(visible), due)
