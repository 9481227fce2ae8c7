"""The chaos checker can fail: zero or two submissions, or a database that disagrees, is
not exactly-once."""

from __future__ import annotations

from datetime import date

from tests.chaos.checker import Held, Row, check

PERIOD = ("11111", date(2026, 11, 8), date(2026, 11, 21))
RECORDS = [
    {
        "child_id": "100001",
        "check_in": "2026-11-09T14:00:00+00:00",
        "check_out": "2026-11-09T22:00:00+00:00",
    }
]


def _held(submission_id: str, records: list[dict[str, str]] = RECORDS) -> Held:
    return Held(*PERIOD, submission_id=submission_id, records=records)


def _row(state: str = "submitted", kt_id: str | None = "kt_1") -> Row:
    return Row(*PERIOD, state=state, kindertrack_submission_id=kt_id, records=RECORDS)


def test_one_submission_agreed_by_the_database_is_exactly_once() -> None:
    assert check({PERIOD: RECORDS}, [_held("kt_1")], [_row()], dead_letters=0) == []


def test_zero_submissions_fail() -> None:
    problems = check({PERIOD: RECORDS}, [], [_row()], dead_letters=0)
    assert problems == ["11111 2026-11-08..2026-11-21: KinderTrack holds 0 submissions, not 1"]


def test_two_submissions_fail() -> None:
    problems = check({PERIOD: RECORDS}, [_held("kt_1"), _held("kt_2")], [_row()], dead_letters=0)
    assert problems == ["11111 2026-11-08..2026-11-21: KinderTrack holds 2 submissions, not 1"]


def test_other_records_a_disagreeing_database_and_leftovers_fail() -> None:
    other = [{**RECORDS[0], "check_out": "2026-11-09T22:05:00+00:00"}]
    assert check({PERIOD: RECORDS}, [_held("kt_1", other)], [_row()], dead_letters=0)
    assert check({PERIOD: RECORDS}, [_held("kt_1")], [_row(kt_id="kt_9")], dead_letters=0)
    assert check({PERIOD: RECORDS}, [_held("kt_1")], [_row("submitting")], dead_letters=0)
    assert check({}, [_held("kt_1")], [], dead_letters=0)
    assert check({PERIOD: RECORDS}, [_held("kt_1")], [_row()], dead_letters=1)
