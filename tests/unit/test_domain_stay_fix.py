"""Picker fixes of a stay: a value left as shown keeps the stored instant, a changed one is a
wall time on the chosen day; human dates and times for directors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.domain.stay_fix import StayFix, fixed_check_in, fixed_check_out
from core.domain.wall_clock import clock_label, day_label, moment_label, stay_label
from core.errors import InvalidInput
from core.i18n import using_locale

TZ = ZoneInfo("America/Chicago")
IN = datetime(2026, 11, 9, 13, 30, 17, tzinfo=UTC)  # 7:30:17 AM CST
OUT = datetime(2026, 11, 9, 18, 0, tzinfo=UTC)  # 12:00 PM CST


def test_values_left_as_shown_keep_the_stored_instants_to_the_second() -> None:
    fix = StayFix(1, day=date(2026, 11, 9), check_in=time(7, 30), check_out=time(12, 0))

    assert fixed_check_in(IN, fix, TZ) == IN
    assert fixed_check_out(IN, OUT, fix, TZ) == OUT
    assert fixed_check_out(IN, OUT, StayFix(1), TZ) == OUT


def test_a_changed_time_is_a_wall_time_on_the_stays_day() -> None:
    fix = StayFix(1, check_in=time(8, 15), check_out=time(16, 30))

    assert fixed_check_in(IN, fix, TZ) == datetime(2026, 11, 9, 14, 15, tzinfo=UTC)
    assert fixed_check_out(IN, None, fix, TZ) == datetime(2026, 11, 9, 22, 30, tzinfo=UTC)


def test_a_new_day_moves_both_times() -> None:
    fix = StayFix(1, day=date(2026, 11, 10), check_in=time(7, 30), check_out=None)

    assert fixed_check_in(IN, fix, TZ) == datetime(2026, 11, 10, 13, 30, tzinfo=UTC)
    assert fixed_check_out(IN, OUT, fix, TZ) == datetime(2026, 11, 10, 18, 0, tzinfo=UTC)


def test_an_emptied_check_out_clears_it() -> None:
    assert fixed_check_out(IN, OUT, StayFix(1, no_check_out=True), TZ) is None


def test_a_wall_time_the_clocks_repeat_is_refused() -> None:
    fix = StayFix(1, day=date(2026, 11, 1), check_in=time(1, 30))

    with pytest.raises(InvalidInput, match="happens twice"):
        fixed_check_in(IN, fix, TZ)


def test_human_labels() -> None:
    assert day_label(date(2026, 11, 9)) == "Mon, Nov 9"
    assert clock_label(time(0, 5)) == "12:05 AM"
    assert clock_label(time(12, 0)) == "12:00 PM"
    assert clock_label(time(13, 24)) == "1:24 PM"
    assert moment_label(datetime(2026, 12, 1, 19, 24, tzinfo=UTC), TZ) == "Tue, Dec 1, 1:24 PM"
    assert stay_label(IN, OUT, TZ) == "7:30 AM–12:00 PM"
    assert stay_label(IN, None, TZ) == "7:30 AM–?"
    next_day = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    assert stay_label(IN, next_day, TZ) == "7:30 AM–Tue, Nov 10, 8:00 AM"


def test_labels_follow_the_readers_language() -> None:
    with using_locale("es"):
        # as Spanish is written in the US (core.i18n.FORMATS): 12-hour times
        assert day_label(date(2026, 11, 9)) == "lun, 9 de nov"
        assert stay_label(IN, OUT, TZ) == "7:30 a.m.–12:00 p.m."
