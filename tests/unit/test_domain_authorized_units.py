"""Units over a child's authorization (docs/DOMAIN.md): a warning per day, with an estimate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core.domain.attendance import SECONDS_PER_UNIT, IssueCode, units_for_day
from core.domain.authorized_units import UnitsOver, days_over, units_over_warnings
from core.domain.cca_rates import AgeGroup, age_group, estimated_cost
from core.domain.report import ProviderStatus, Student, build_report
from tests.unit.strategies import CHICAGO, local, record

HOUR = 3600
MON, TUE = date(2026, 11, 9), date(2026, 11, 10)


def test_a_day_within_the_authorization_is_silent() -> None:
    # 10 hours is exactly 2 units
    assert days_over({MON: 10 * HOUR}, units_per_day=2) == []


def test_a_day_over_names_the_units_over_and_the_estimated_cost() -> None:
    # 10 h 1 s is 3 units: one over; a preschooler at the base center rate, $19.50 a unit
    over = days_over({MON: 10 * HOUR + 1, TUE: 4 * HOUR}, units_per_day=2)

    assert over == [UnitsOver(MON, 3, 2, Decimal("19.50"), AgeGroup.PRESCHOOL)]
    assert over[0].over == 1


def test_an_unknown_authorization_warns_about_nothing() -> None:
    assert days_over({MON: 20 * HOUR}, units_per_day=None) == []


def test_each_day_over_is_its_own_warning_in_date_order() -> None:
    issues = units_over_warnings(
        7, {TUE: 11 * HOUR, MON: 6 * HOUR}, units_per_day=1, birth_date=date(2025, 1, 1)
    )

    assert [i.code for i in issues] == [IssueCode.OVER_AUTHORIZED_UNITS] * 2
    assert [i.student_id for i in issues] == [7, 7]
    assert not any(i.blocking for i in issues)
    assert issues[0].message == (
        "2026-11-09: 2 units of care, 1 over the 1 authorized a day; care beyond the "
        "authorization is not paid (estimate: $25.66 at Iowa's base infant and toddler "
        "center rate)."
    )
    assert "2026-11-10: 3 units of care, 2 over" in issues[1].message
    assert "$51.32" in issues[1].message


def test_age_groups_follow_the_birth_date_and_iowas_kindergarten_cutoff() -> None:
    assert age_group(date(2024, 11, 10), MON) is AgeGroup.INFANT_TODDLER  # 1 day short of 2
    assert age_group(date(2023, 11, 9), MON) is AgeGroup.PRESCHOOL  # 3 today
    # 5 on 2026-09-15: school age this school year; 5 on 09-16: preschool until next one
    assert age_group(date(2021, 9, 15), MON) is AgeGroup.SCHOOL_AGE
    assert age_group(date(2021, 9, 16), MON) is AgeGroup.PRESCHOOL
    assert age_group(date(2021, 9, 16), date(2027, 8, 1)) is AgeGroup.SCHOOL_AGE
    assert age_group(None, MON) is AgeGroup.PRESCHOOL


def test_the_estimate_uses_the_base_center_rate_of_the_age_group() -> None:
    assert estimated_cost(2, date(2018, 1, 1), MON) == Decimal("33.00")  # school age 16.50


@given(
    per_day=st.dictionaries(
        st.dates(date(2026, 1, 1), date(2026, 12, 31)), st.integers(1, 24 * HOUR - 1)
    ),
    authorized=st.integers(1, 5),
)
def test_days_over_are_exactly_the_days_whose_units_exceed_the_authorization(
    per_day: dict[date, int], authorized: int
) -> None:
    over = days_over(per_day, units_per_day=authorized)

    assert [o.day for o in over] == sorted(
        d for d, s in per_day.items() if units_for_day(s) > authorized
    )
    for o in over:
        assert o.over == units_for_day(per_day[o.day]) - authorized > 0
        assert o.cost > 0
        assert per_day[o.day] > authorized * SECONDS_PER_UNIT


def test_the_report_warns_per_day_over_and_never_blocks() -> None:
    ava = Student(1, "Ava Smith", "123456", units_per_day=1, birth_date=date(2022, 3, 14))
    report = build_report(
        school="Sunny Days",
        provider_id="12345",
        provider_status=ProviderStatus.REGISTERED,
        start=date(2026, 11, 8),
        end=date(2026, 11, 21),
        pay_period_match=True,
        already_submitted=False,
        students=[ava],
        records=[
            record(1, "2026-11-09 08:00", "2026-11-09 16:30", student_id=1),  # 2 units
            record(2, "2026-11-10 08:00", "2026-11-10 12:00", student_id=1),  # 1 unit
        ],
        now=local("2026-11-25 12:00"),
        tz=CHICAGO,
    )

    assert [(w.code, w.student) for w in report.warnings if w.code != "not_recorded"] == [
        ("over_authorized_units", "Ava Smith")
    ]
    assert report.warnings[0].message.startswith("2026-11-09: 2 units of care, 1 over the 1")
    assert "estimate" in report.warnings[0].message
    assert report.errors == () and report.can_submit
    assert report.to_json()["warnings"][0]["code"] == "over_authorized_units"  # type: ignore[index]
