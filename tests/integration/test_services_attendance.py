"""Logging attendance on the real database: check-in/out, CSV import, edits, the audit trail
and the lock on submitted periods."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.domain.stay_fix import StayFix
from core.domain.submission import SubmissionState
from core.errors import (
    Conflict,
    EditsRefused,
    ImportRefused,
    InvalidInput,
    NotFound,
    OlderStayOpen,
    PeriodLocked,
)
from core.services import approvals, board, check_ins, imports, schools, sending, stays, students
from core.services.runtime import Runtime
from core.store.tables import AttendanceRecord, AuditEntry, Student, Submission
from tests.fakes import FrozenClock

START, END = date(2026, 11, 8), date(2026, 11, 21)
HEADER = "student,check_in,check_out\n"
GOOD = HEADER + (
    "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
    "Ava Smith,2026-11-10T08:00-06:00,2026-11-10T12:00-06:00\n"
    "José Núñez,2026-11-09T07:45,\n"
)
CONTACT_PHONE = "866-448-4605"


def _school(rt: Runtime) -> int:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    students.add_student(rt, school_id=sid, name="José Núñez", child_id="234567", actor="t")
    return sid


def _records(db: Engine) -> list[tuple[int, datetime, datetime | None]]:
    with Session(db) as session:
        rows = session.exec(
            select(AttendanceRecord).order_by(
                col(AttendanceRecord.check_in), col(AttendanceRecord.id)
            )
        ).all()
    return [(r.student_id, r.check_in, r.check_out) for r in rows]


def _audit(db: Engine, action: str | None = None) -> list[AuditEntry]:
    with Session(db) as session:
        query = select(AuditEntry).order_by(col(AuditEntry.id))
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(session.exec(query))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _submit_period(rt: Runtime, sid: int) -> None:
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    result = sending.run_submission(rt, submission_id=view.id)
    assert result.submission.state is SubmissionState.SUBMITTED


# --- check-in and check-out ------------------------------------------------------------


def test_check_in_then_out_now(rt: Runtime, db: Engine, clock: FrozenClock) -> None:
    sid = _school(rt)

    opened = check_ins.check_in(rt, school_id=sid, student_name="ava smith", actor="U1")
    clock.advance(timedelta(hours=3))
    closed = check_ins.check_out(rt, school_id=sid, student_name="Ava Smith", actor="U1")

    assert opened.id == closed.id
    assert closed.check_in == _utc("2026-11-25T18:00")
    assert closed.check_out == _utc("2026-11-25T21:00")
    assert [e.action for e in _audit(db) if e.entity == "attendance"] == ["check_in", "check_out"]


def test_check_in_at_a_local_time(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)

    check_ins.check_in(
        rt, school_id=sid, student_name="Ava Smith", at="2026-11-24T08:00", actor="t"
    )
    check_ins.check_out(
        rt, school_id=sid, student_name="Ava Smith", at="2026-11-24 16:15", actor="t"
    )

    (_, check_in, check_out), *_ = _records(db)
    assert check_in == _utc("2026-11-24T14:00")  # 08:00 CST is 14:00 UTC
    assert check_out == _utc("2026-11-24T22:15")


def test_a_second_check_in_is_refused_while_checked_in(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    check_ins.check_in(
        rt, school_id=sid, student_name="Ava Smith", at="2026-11-25T08:00", actor="t"
    )

    with pytest.raises(
        Conflict, match="Ava Smith is already checked in since Wed, Nov 25, 8:00 AM"
    ):
        check_ins.check_in(
            rt, school_id=sid, student_name="Ava Smith", at="2026-11-25T09:00", actor="t"
        )
    assert len(_records(db)) == 1


def test_a_check_out_in_the_second_of_the_check_in_is_refused(
    rt: Runtime, db: Engine, clock: FrozenClock
) -> None:
    # Given a child checked in now (kept to the whole second)
    sid = _school(rt)
    clock.now = clock.now.replace(microsecond=200_000)
    check_ins.check_in(rt, school_id=sid, student_name="Ava Smith", actor="U1")

    # When a check-out comes within the same second (a double tap on the board)
    clock.advance(timedelta(microseconds=500_000))
    with pytest.raises(Conflict, match=r"a check-out must come later\. Nothing changed\."):
        check_ins.check_out(rt, school_id=sid, student_name="Ava Smith", actor="U1")

    # Then the stay is still open, not a zero-length record the report would block on
    assert _records(db)[0][2] is None
    # And an explicit check-out before the check-in is refused the same way
    with pytest.raises(Conflict, match="checked in at Wed, Nov 25, 12:00 PM"):
        check_ins.check_out(
            rt, school_id=sid, student_name="Ava Smith", at="2026-11-25T11:00", actor="U1"
        )


def test_check_out_without_check_in_is_refused(rt: Runtime) -> None:
    sid = _school(rt)
    with pytest.raises(Conflict, match="Ava Smith is not checked in"):
        check_ins.check_out(rt, school_id=sid, student_name="Ava Smith", actor="t")


def test_check_in_of_an_unknown_student_is_refused(rt: Runtime) -> None:
    sid = _school(rt)
    with pytest.raises(NotFound, match="No student named 'Zoe Q'"):
        check_ins.check_in(rt, school_id=sid, student_name="Zoe Q", actor="t")


# --- CSV import --------------------------------------------------------------------------


def test_import_adds_every_row(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)

    result = imports.import_csv(rt, school_id=sid, content=GOOD.encode(), actor="t")

    assert (result.added, result.duplicates, result.students_added) == (3, 0, [])
    assert [(i, o) for _, i, o in _records(db)] == [
        (_utc("2026-11-09T13:45"), None),
        (_utc("2026-11-09T14:00"), _utc("2026-11-09T22:30")),
        (_utc("2026-11-10T14:00"), _utc("2026-11-10T18:00")),
    ]
    (entry,) = _audit(db, "import")
    assert json.loads(entry.after or "") == {"added": 3, "duplicates": 0, "rows": 3}


def test_reimporting_the_same_file_adds_nothing(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=GOOD, actor="t")

    again = imports.import_csv(rt, school_id=sid, content=GOOD, actor="t")

    assert (again.added, again.duplicates) == (0, 3)
    assert len(_records(db)) == 3


def test_two_imports_of_one_file_at_once_add_it_once(
    rt: Runtime, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A director who sends the file again while the first import still runs (two workers).

    Each import is slowed right after it reads which rows are already stored: were the
    school locked only after that read, both would read none and add every row twice
    (PostgreSQL, READ COMMITTED; SQLite serializes whole write transactions anyway)."""
    sid = _school(rt)
    read_existing = imports._existing_keys

    def slow_read(session: Session, **kwargs: Any) -> Any:
        found = read_existing(session, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(imports, "_existing_keys", slow_read)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda _: imports.import_csv(rt, school_id=sid, content=GOOD, actor="t"),
                range(2),
            )
        )

    assert sorted((r.added, r.duplicates) for r in results) == [(0, 3), (3, 0)]
    assert len(_records(db)) == 3


def test_a_byte_order_mark_is_accepted(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)

    result = imports.import_csv(
        rt, school_id=sid, content=b"\xef\xbb\xbf" + GOOD.encode(), actor="t"
    )

    assert result.added == 3


def test_a_header_in_another_case_with_spaces_is_accepted(rt: Runtime) -> None:
    sid = _school(rt)
    content = "Student, Check_In ,CHECK_OUT\r\nAva Smith,2026-11-09T08:00,2026-11-09T16:30\r\n"
    assert imports.import_csv(rt, school_id=sid, content=content, actor="t").added == 1


def test_add_students_adds_the_children_the_file_names(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    content = HEADER + (
        "Mia Chen,2026-11-09T08:00,2026-11-09T15:00\n"
        "mia chen,2026-11-10T08:00,2026-11-10T15:00\n"
        "Ava Smith,2026-11-10T08:00,2026-11-10T15:00\n"
    )

    result = imports.import_csv(rt, school_id=sid, content=content, actor="t", add_students=True)

    assert (result.added, result.students_added) == (3, ["Mia Chen"])
    with Session(db) as session:
        mia = session.exec(select(Student).where(Student.name == "Mia Chen")).one()
    assert mia.child_id is None
    assert sum(1 for s, _, _ in _records(db) if s == mia.id) == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (HEADER.encode(), "the file has a header but no rows"),
        (b"name,in,out\nAva Smith,2026-11-09T08:00,\n", "the first line must be the header"),
        (
            HEADER.encode() + "Ava Smith,2026-11-09T08:00,\n".encode("utf-16"),
            "the file is not UTF-8 text",
        ),
        ("student,check_in,check_out\nJosé,2026-11-09T08:00,\n".encode("latin-1"), "not UTF-8"),
    ],
    ids=["empty", "header-only", "bad-header", "utf-16", "latin-1"],
)
def test_a_file_refused_as_a_whole(rt: Runtime, db: Engine, content: bytes, expected: str) -> None:
    sid = _school(rt)

    with pytest.raises(InvalidInput) as refused:
        imports.import_csv(rt, school_id=sid, content=content, actor="t")

    assert str(refused.value).startswith("Nothing was imported")
    assert expected in str(refused.value)
    assert _records(db) == []
    assert _audit(db, "import") == []


def test_each_bad_row_is_named_and_nothing_is_imported(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    content = HEADER + (
        "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"  # line 2: fine
        "Ava Smith,2026-11-10T08:00\n"  # line 3: two columns
        "Ava Smith,2026-11-11T25:00,2026-11-11T16:00\n"  # line 4: no such hour
        "Ava Smith,2026-11-01T01:30,2026-11-01T09:00\n"  # line 5: happens twice (fall back)
        "Zoe Quinn,2026-11-12T08:00,2026-11-12T16:00\n"  # line 6: unknown student
        "Ava Smith,2026-11-13,2026-11-13T16:00\n"  # line 7: no time
        "Ava Smith,2026-03-08T02:30,2026-03-08T09:00\n"  # line 8: does not exist
        "\n"  # blank lines are skipped
        "José Núñez,2026-11-09T08:00,2026-11-09T16:30,extra\n"  # line 10: four columns
    )

    with pytest.raises(InvalidInput) as refused:
        imports.import_csv(rt, school_id=sid, content=content, actor="t")

    message = str(refused.value)
    assert message.startswith("Nothing was imported: 7 bad rows.")
    assert "line 2" not in message
    assert "line 3: expected 3 columns, found 2" in message
    assert (
        "line 4: Check_in '2026-11-11T25:00' is not a date and time like 11/09/2026 8:15 AM"
        in message
    )
    assert "line 5: 2026-11-01 01:30 happens twice (clocks fall back) in America/Chicago" in message
    assert "give the time with its UTC offset" in message
    assert "line 6: no student named 'Zoe Quinn'" in message
    assert "line 7: Check_in '2026-11-13' needs a date and a time" in message
    assert "line 8: 2026-03-08 02:30 does not exist (clocks spring forward)" in message
    assert "line 10: expected 3 columns, found 4" in message
    assert _records(db) == []
    # And each bad row is also given apart, for Slack to lay out
    assert isinstance(refused.value, ImportRefused)
    assert [line for line, _ in refused.value.problems] == [3, 4, 5, 6, 7, 8, 10]
    assert refused.value.problems[0] == (3, "expected 3 columns, found 2")
    # line 6 names a student Rollcall lacks: flagged for the interface to say how to add them
    assert refused.value.unknown_students and "--add-students" not in message


def test_an_ambiguous_time_with_its_offset_is_accepted(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    content = HEADER + "Ava Smith,2026-11-01T01:30-05:00,2026-11-01T09:00\n"

    imports.import_csv(rt, school_id=sid, content=content, actor="t")

    ((_, check_in, check_out),) = _records(db)
    assert check_in == _utc("2026-11-01T06:30")
    assert check_out == _utc("2026-11-01T15:00")  # 09:00 CST, after the change


def test_unknown_students_are_not_added_when_the_file_has_other_errors(
    rt: Runtime, db: Engine
) -> None:
    sid = _school(rt)
    content = HEADER + "Mia Chen,2026-11-09T08:00,\nMia Chen,not a time,\n"

    with pytest.raises(InvalidInput, match="line 3"):
        imports.import_csv(rt, school_id=sid, content=content, actor="t", add_students=True)

    with Session(db) as session:
        assert session.exec(select(Student).where(Student.name == "Mia Chen")).first() is None


# --- edits, deletions and the audit trail -----------------------------------------------


def test_edit_and_delete_leave_audit_entries(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=GOOD, actor="t")
    first, second, third = stays.list_attendance(rt, school_id=sid, start=START, end=END)

    stays.edit_record(
        rt, school_id=sid, record_id=first.id, check_out="2026-11-09T15:00", actor="U7"
    )
    stays.edit_record(
        rt, school_id=sid, record_id=third.id, check_in="2026-11-10T07:30", actor="U7"
    )
    stays.delete_record(rt, school_id=sid, record_id=second.id, actor="U8")

    views = stays.list_attendance(rt, school_id=sid, start=START, end=END)
    assert [(v.id, v.check_in, v.check_out) for v in views] == [
        (first.id, _utc("2026-11-09T13:45"), _utc("2026-11-09T21:00")),
        (third.id, _utc("2026-11-10T13:30"), _utc("2026-11-10T18:00")),
    ]
    edits = _audit(db, "edit")
    assert [(e.actor, e.entity_id) for e in edits] == [("U7", first.id), ("U7", third.id)]
    assert json.loads(edits[0].before or "")["check_out"] is None
    assert json.loads(edits[0].after or "")["check_out"] == "2026-11-09T21:00:00+00:00"
    (deleted,) = _audit(db, "delete")
    assert (deleted.actor, deleted.entity_id) == ("U8", second.id)
    assert json.loads(deleted.before or "")["check_in"] == "2026-11-09T14:00:00+00:00"


def test_edit_with_an_empty_check_out_clears_it(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=GOOD, actor="t")
    record = stays.list_attendance(rt, school_id=sid, start=START, end=END)[1]

    stays.edit_record(rt, school_id=sid, record_id=record.id, check_out="", actor="t")

    assert stays.list_attendance(rt, school_id=sid, start=START, end=END)[1].check_out is None


def test_edit_refuses_bad_input_and_unknown_records(rt: Runtime) -> None:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=GOOD, actor="t")
    record = stays.list_attendance(rt, school_id=sid, start=START, end=END)[0]

    with pytest.raises(InvalidInput, match="Give a new check-in or check-out time"):
        stays.edit_record(rt, school_id=sid, record_id=record.id, actor="t")
    with pytest.raises(InvalidInput, match="happens twice"):
        stays.edit_record(
            rt, school_id=sid, record_id=record.id, check_in="2026-11-01T01:15", actor="t"
        )
    with pytest.raises(NotFound, match="No attendance record 9999"):
        stays.delete_record(rt, school_id=sid, record_id=9999, actor="t")


def test_records_of_another_school_cannot_be_touched(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=GOOD, actor="t")
    other = schools.add_school(rt, name="Other School").id or 0
    record = stays.list_attendance(rt, school_id=sid, start=START, end=END)[0]

    with pytest.raises(NotFound):
        stays.delete_record(rt, school_id=other, record_id=record.id, actor="t")
    assert len(_records(db)) == 3


def test_list_filters_by_student_and_local_dates(rt: Runtime) -> None:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=GOOD, actor="t")

    ava = stays.list_attendance(
        rt,
        school_id=sid,
        start=date(2026, 11, 10),
        end=date(2026, 11, 10),
        student_name="AVA SMITH",
    )
    everyone = stays.list_attendance(
        rt, school_id=sid, start=date(2026, 11, 9), end=date(2026, 11, 9)
    )

    assert [(v.student_name, v.check_in) for v in ava] == [("Ava Smith", _utc("2026-11-10T14:00"))]
    assert [v.student_name for v in everyone] == ["José Núñez", "Ava Smith"]


def test_the_audit_trail_never_stores_names(rt: Runtime, db: Engine, clock: FrozenClock) -> None:
    sid = _school(rt)
    students.add_student(rt, school_id=sid, name="Liam Johnson", actor="U1")
    students.link_student(rt, school_id=sid, name="Liam Johnson", child_id="345678", actor="U1")
    students.add_student(rt, school_id=sid, name="Ava S.", actor="U1")
    students.sync_students(rt, school_id=sid, actor="U1")
    imports.import_csv(
        rt,
        school_id=sid,
        content=GOOD + "Mia Chen,2026-11-12T08:00,2026-11-12T10:00\n",
        actor="U1",
        add_students=True,
    )
    check_ins.check_in(rt, school_id=sid, student_name="Liam Johnson", actor="U1")
    clock.advance(timedelta(hours=1))
    check_ins.check_out(rt, school_id=sid, student_name="Liam Johnson", actor="U1")
    record = stays.list_attendance(rt, school_id=sid, start=START, end=END)[0]
    stays.edit_record(
        rt, school_id=sid, record_id=record.id, check_in="2026-11-09T07:00", actor="U1"
    )
    stays.delete_record(rt, school_id=sid, record_id=record.id, actor="U1")

    entries = _audit(db)
    assert {e.action for e in entries} >= {
        "add",
        "link",
        "import",
        "check_in",
        "check_out",
        "edit",
        "delete",
    }
    stored = " ".join(f"{e.actor} {e.entity} {e.action} {e.before} {e.after}" for e in entries)
    decoded = " ".join(
        json.dumps(json.loads(blob), ensure_ascii=False)
        for e in entries
        for blob in (e.before, e.after)
        if blob
    )
    for fragment in ("Ava", "Smith", "José", "Jos\\u00e9", "Jose", "Núñez", "Liam", "Mia", "Chen"):
        assert fragment.casefold() not in stored.casefold(), fragment
        assert fragment.casefold() not in decoded.casefold(), fragment


# --- submitted periods are read-only ---------------------------------------------------


def test_writes_to_a_submitted_period_are_refused_with_the_corrected_claim_contact(
    rt: Runtime, db: Engine
) -> None:
    sid = _school(rt)
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER + "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n",
        actor="t",
    )
    _submit_period(rt, sid)
    (record,) = stays.list_attendance(rt, school_id=sid, start=START, end=END)
    before_records, before_audit = _records(db), len(_audit(db))

    refusals: list[Callable[[], object]] = [
        lambda: stays.edit_record(
            rt, school_id=sid, record_id=record.id, check_out="2026-11-09T17:00", actor="t"
        ),
        lambda: stays.delete_record(rt, school_id=sid, record_id=record.id, actor="t"),
        lambda: check_ins.check_in(
            rt, school_id=sid, student_name="Ava Smith", at="2026-11-12T08:00", actor="t"
        ),
    ]
    for write in refusals:
        with pytest.raises(PeriodLocked) as refused:
            write()
        message = str(refused.value)
        assert "2026-11-08 to 2026-11-21 was already submitted" in message
        assert "Corrected claims cannot be made through the integration" in message
        assert CONTACT_PHONE in message

    assert _records(db) == before_records
    assert len(_audit(db)) == before_audit


def test_an_import_touching_a_submitted_period_is_refused_as_a_whole(
    rt: Runtime, db: Engine
) -> None:
    sid = _school(rt)
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER + "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n",
        actor="t",
    )
    _submit_period(rt, sid)
    before = _records(db)
    content = HEADER + (
        "Ava Smith,2026-11-23T08:00,2026-11-23T16:00\n"  # next period: fine on its own
        "New Child,2026-11-24T08:00,2026-11-24T16:00\n"
        "Ava Smith,2026-11-20T08:00,2026-11-20T16:00\n"  # submitted period
    )

    with pytest.raises(InvalidInput) as refused:
        imports.import_csv(rt, school_id=sid, content=content, actor="t", add_students=True)

    message = str(refused.value)
    assert "Nothing was imported: 1 bad row." in message
    assert "line 4: Attendance for the pay period 2026-11-08 to 2026-11-21" in message
    assert CONTACT_PHONE in message
    assert _records(db) == before
    with Session(db) as session:
        assert session.exec(select(Student).where(Student.name == "New Child")).first() is None


def test_the_next_period_stays_writable_after_a_submission(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER + "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n",
        actor="t",
    )
    _submit_period(rt, sid)

    check_ins.check_in(
        rt, school_id=sid, student_name="Ava Smith", at="2026-11-24T08:00", actor="t"
    )

    assert len(_records(db)) == 2


# --- a stay left open on an earlier day ------------------------------------------------

FORGOTTEN = HEADER + "Ava Smith,2026-11-20T08:00,\n"  # never checked out, five days ago


def _ava_entry(rt: Runtime, sid: int) -> board.RollCallEntry:
    return next(e for e in board.roll_call(rt, school_id=sid) if e.student_name == "Ava Smith")


def test_an_open_stay_from_an_earlier_day_does_not_block_checking_in_today(
    rt: Runtime, db: Engine
) -> None:
    # Given Ava was never checked out on Nov 20
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=FORGOTTEN, actor="t")
    assert _ava_entry(rt, sid).checked_in_at is None  # not "in" on today's roll call

    # When she is checked in today (Nov 25, 12:00 CST)
    opened = check_ins.check_in(rt, school_id=sid, student_name="Ava Smith", actor="U1")

    # Then today's stay is opened and the old one stays open, for its report to show
    assert opened.check_in == _utc("2026-11-25T18:00")
    assert [(i, o) for _, i, o in _records(db)] == [
        (_utc("2026-11-20T14:00"), None),
        (_utc("2026-11-25T18:00"), None),
    ]
    assert _ava_entry(rt, sid).checked_in_at == _utc("2026-11-25T18:00")


def test_check_out_closes_todays_stay_and_never_an_older_one(
    rt: Runtime, db: Engine, clock: FrozenClock
) -> None:
    # Given a stay left open on Nov 20 and one opened this morning
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=FORGOTTEN, actor="t")
    check_ins.check_in(
        rt, school_id=sid, student_name="Ava Smith", at="2026-11-25T08:00", actor="t"
    )

    # When she is checked out now
    closed = check_ins.check_out(rt, school_id=sid, student_name="Ava Smith", actor="t")

    # Then this morning's stay is closed; Nov 20's is left for the report's Review
    assert closed.check_in == _utc("2026-11-25T14:00")
    assert [(i, o) for _, i, o in _records(db)] == [
        (_utc("2026-11-20T14:00"), None),
        (_utc("2026-11-25T14:00"), _utc("2026-11-25T18:00")),
    ]


def test_check_out_with_only_an_older_open_stay_is_refused_and_says_where_to_fix_it(
    rt: Runtime, db: Engine
) -> None:
    # Given Ava's only open stay started on Nov 20
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=FORGOTTEN, actor="t")
    before, audited = _records(db), len(_audit(db))

    # When someone checks her out now
    with pytest.raises(OlderStayOpen) as refused:
        check_ins.check_out(rt, school_id=sid, student_name="Ava Smith", actor="t")

    # Then nothing is closed "now" (a stay of five days), and the refusal says what to do
    message = str(refused.value)
    assert "Ava Smith is not checked in on Wed, Nov 25" in message
    assert "last open stay, from Fri, Nov 20, was" in message
    assert refused.value.record_id == _records(db)[0][0]  # for the interface to point at
    assert "rollcall" not in message and "Review" not in message  # core names no interface
    assert _records(db) == before
    assert len(_audit(db)) == audited


def test_an_older_open_stay_in_a_submitted_period_does_not_block_today(
    rt: Runtime, db: Engine
) -> None:
    # Given José's open stay of Nov 12, in a pay period since submitted
    sid = _school(rt)
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER
        + "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
        + "José Núñez,2026-11-12T08:00,\n",
        actor="t",
    )
    with Session(db) as session:
        session.add(
            Submission(
                school_id=sid,
                period_start=START,
                period_end=END,
                state="submitted",
                provider_id="12345",
                fingerprint="f" * 64,
                idempotency_key="k",
            )
        )
        session.commit()

    # When he is checked out now, the answer is about the old stay, not the locked period
    with pytest.raises(Conflict, match="last open stay, from Thu, Nov 12,"):
        check_ins.check_out(rt, school_id=sid, student_name="José Núñez", actor="t")

    # And checking him in and out today works as on any day
    check_ins.check_in(
        rt, school_id=sid, student_name="José Núñez", at="2026-11-25T08:00", actor="t"
    )
    closed = check_ins.check_out(rt, school_id=sid, student_name="José Núñez", actor="t")
    assert (closed.check_in, closed.check_out) == (
        _utc("2026-11-25T14:00"),
        _utc("2026-11-25T18:00"),
    )


# --- several edits at once (the review modal) ------------------------------------------

THREE_OPEN = HEADER + (
    "Ava Smith,2026-11-09T08:00,\nAva Smith,2026-11-10T08:00,\nAva Smith,2026-11-11T08:00,\n"
)


def _three_open(rt: Runtime) -> tuple[int, list[int]]:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=THREE_OPEN, actor="t")
    ids = [v.id for v in stays.list_attendance(rt, school_id=sid, start=START, end=END)]
    return sid, ids


def _fix(rt: Runtime, sid: int, *fixes: StayFix) -> int:
    return stays.fix_stays(rt, school_id=sid, fixes=fixes, actor="U7")


def test_fix_stays_saves_edits_and_deletions_with_an_audit_entry_each(
    rt: Runtime, db: Engine
) -> None:
    sid, (first, second, third) = _three_open(rt)

    changed = _fix(
        rt,
        sid,
        StayFix(first, check_in=wall(8, 0), check_out=wall(16, 0)),
        StayFix(second, day=date(2026, 11, 12), check_out=wall(17, 0)),
        StayFix(third, delete=True),
    )

    assert changed == 3
    assert [(i, o) for _, i, o in _records(db)] == [
        (_utc("2026-11-09T14:00"), _utc("2026-11-09T22:00")),
        (_utc("2026-11-12T14:00"), _utc("2026-11-12T23:00")),
    ]
    assert [(e.actor, e.entity_id) for e in _audit(db, "edit")] == [("U7", first), ("U7", second)]
    assert [(e.actor, e.entity_id) for e in _audit(db, "delete")] == [("U7", third)]


def test_fix_stays_that_change_nothing_write_nothing(rt: Runtime, db: Engine) -> None:
    sid, (first, _, _) = _three_open(rt)

    assert _fix(rt, sid, StayFix(first, day=date(2026, 11, 9), check_in=wall(8, 0))) == 0
    assert _audit(db, "edit") == []


def test_fix_stays_refuses_every_fix_when_one_is_bad_naming_each_field(
    rt: Runtime, db: Engine
) -> None:
    # Given three open stays
    sid, (first, second, third) = _three_open(rt)
    before, audited = _records(db), len(_audit(db))

    # When two fixes are valid, the third has a check-out before its check-in, one wall
    # time happens twice, and a stay no longer there is named
    with pytest.raises(EditsRefused) as refused:
        _fix(
            rt,
            sid,
            StayFix(first, delete=True),
            StayFix(second, check_out=wall(17, 0)),
            StayFix(third, check_out=wall(7, 0)),
            StayFix(first + 1000, check_out=wall(9, 0)),
            StayFix(second + 2000, delete=True),
        )

    # Then each bad field has its reason, and nothing at all was saved
    errors = refused.value.errors
    assert errors[(third, "out")] == "The check-out must be after the check-in."
    assert "deleted meanwhile" in errors[(first + 1000, "day")]
    assert set(errors) == {(third, "out"), (first + 1000, "day"), (second + 2000, "day")}
    assert _records(db) == before
    assert len(_audit(db)) == audited


def test_fix_stays_refuses_a_wall_time_the_clocks_repeat(rt: Runtime, db: Engine) -> None:
    sid, (first, _, _) = _three_open(rt)
    before = _records(db)

    with pytest.raises(EditsRefused) as refused:
        _fix(rt, sid, StayFix(first, day=date(2026, 11, 1), check_in=wall(1, 30)))

    assert "happens twice (clocks fall back)" in refused.value.errors[(first, "in")]
    assert _records(db) == before


def test_fix_stays_refuses_all_when_one_stay_is_in_a_submitted_period(
    rt: Runtime, db: Engine
) -> None:
    # Given open stays on Nov 23 and 24 (this period), and a stay of Nov 9, submitted
    sid = _school(rt)
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER + "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n",
        actor="t",
    )
    _submit_period(rt, sid)
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER + "Ava Smith,2026-11-23T08:00,\nAva Smith,2026-11-24T08:00,\n",
        actor="t",
    )
    submitted, monday, tuesday = (
        v.id for v in stays.list_attendance(rt, school_id=sid, start=START, end=date(2026, 11, 25))
    )
    before, audited = _records(db), len(_audit(db))

    # When the two are fixed and the submitted one deleted at once
    with pytest.raises(EditsRefused) as refused:
        _fix(
            rt,
            sid,
            StayFix(monday, check_out=wall(16, 0)),
            StayFix(tuesday, check_out=wall(16, 0)),
            StayFix(submitted, delete=True),
        )

    # Then the submitted one is refused with the contact, and the other two are not saved
    [(key, message)] = refused.value.errors.items()
    assert key == (submitted, "delete")
    assert "can no longer be edited" in message and CONTACT_PHONE in message
    assert _records(db) == before
    assert len(_audit(db)) == audited
