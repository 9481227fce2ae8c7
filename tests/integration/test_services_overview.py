"""The school's today (core.services.periods) and the overview the Home tab shows
(core.services.overview), on the real test database with a frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from core.services.overview import school_overview
from core.services.periods import school_today
from core.services.runtime import Runtime
from core.services.schools import register_provider
from core.services.students import add_student
from core.services.workspace import create_team_school
from tests.fakes import FrozenClock
from tests.statements import statements


def test_school_today_is_the_date_in_the_schools_zone(rt: Runtime, clock: FrozenClock) -> None:
    # 03:30 UTC on the 22nd is still the 21st in Chicago, already the 22nd in Berlin
    clock.now = datetime(2026, 11, 22, 3, 30, tzinfo=UTC)

    assert school_today(rt, "America/Chicago") == date(2026, 11, 21)
    assert school_today(rt, "Europe/Berlin") == date(2026, 11, 22)


def test_overview_shows_directed_schools_with_their_periods(rt: Runtime) -> None:
    # Given a registered school directed by U0DIRECTOR, with a child not yet linked,
    # and another school of the workspace they do not direct
    sunny = create_team_school(rt, team_id="T0001", name="Sunny Days", creator="U0DIRECTOR")
    register_provider(rt, school_id=sunny.id or 0, provider_id="12345", actor="U0DIRECTOR")
    add_student(rt, school_id=sunny.id or 0, name="Ava Smith", actor="U0DIRECTOR")
    create_team_school(rt, team_id="T0001", name="Other", creator="U0OTHER")

    # When the director's overview is read (the clock: Wednesday 2026-11-25)
    overview = school_overview(rt, team_id="T0001", user_id="U0DIRECTOR")

    # Then only their school shows, with the current and last closed pay periods
    [school] = overview.schools
    assert overview.total == 1
    assert (school.name, school.director, school.provider_id) == ("Sunny Days", True, "12345")
    assert (school.current.start, school.current.end) == (date(2026, 11, 22), date(2026, 12, 5))
    assert (school.last_closed.start, school.last_closed.end) == (
        date(2026, 11, 8),
        date(2026, 11, 21),
    )
    assert school.days_left == 10
    assert school.last_submission is None


def test_staff_see_every_school_and_the_limit_keeps_the_total(rt: Runtime) -> None:
    for name in ("A School", "B School", "C School"):
        create_team_school(rt, team_id="T0001", name=name, creator="U0DIRECTOR")

    overview = school_overview(rt, team_id="T0001", user_id="U0STAFF", limit=2)

    assert len(overview.schools) == 2
    assert overview.total == 3
    assert not any(s.director for s in overview.schools)


def test_the_overview_costs_as_many_queries_for_twelve_schools_as_for_two(
    rt: Runtime, db: Engine
) -> None:
    """Read together (schools, directors, reports, submissions), not once per school."""
    counts = []
    for team, size in (("T0002", 2), ("T0012", 12)):
        for n in range(size):
            school = create_team_school(rt, team_id=team, name=f"S{n}", creator="U0DIRECTOR")
            add_student(rt, school_id=school.id or 0, name="Ava Smith", actor="U0DIRECTOR")
        with statements(db) as sent:
            overview = school_overview(rt, team_id=team, user_id="U0DIRECTOR")
        assert len(overview.schools) == size
        counts.append([s for s in sent if s.lstrip().upper().startswith("SELECT")])
    # 12: schools, directors, each school's cached pay periods, the batched reports (with
    # their pay periods, absences and closures) and the submissions
    assert len(counts[0]) == len(counts[1]) <= 12, counts[1]
