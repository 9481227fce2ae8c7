"""The submission state machine (docs/ARCHITECTURE.md), the approval fingerprint and the
idempotency key."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.submission import (
    FINGERPRINT_VERSION,
    LOCKING_STATES,
    OPEN_STATES,
    EncodedRecords,
    InvalidTransition,
    SubmissionState,
    can_transition,
    canonical_records,
    check_transition,
    fingerprint,
    idempotency_key,
    is_current_fingerprint,
    same_records,
    stays_of,
)
from core.errors import RollcallError
from core.ports import Sendable, SubmittedAbsence, SubmittedRecord
from tests.unit.strategies import CHICAGO, FAST

S = SubmissionState

ALLOWED = {
    (S.DRAFT, S.APPROVED),  # the director approves
    (S.APPROVED, S.SUBMITTING),  # a worker picks it up
    (S.APPROVED, S.DRAFT),  # attendance changed after approval: the approval is void
    (S.SUBMITTING, S.SUBMITTED),  # KinderTrack accepted it
    (S.SUBMITTING, S.REJECTED),  # KinderTrack said no (inactive provider, already submitted)
    (S.SUBMITTING, S.APPROVED),  # a failure safe to retry
}
EVERY_PAIR = list(itertools.product(SubmissionState, repeat=2))
FORBIDDEN = [pair for pair in EVERY_PAIR if pair not in ALLOWED]

START, END = date(2026, 11, 8), date(2026, 11, 21)


def test_the_states_are_the_strings_of_status_json() -> None:
    assert [str(s) for s in SubmissionState] == [
        "draft",
        "approved",
        "submitting",
        "submitted",
        "rejected",
    ]


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_an_allowed_transition_is_allowed(current: S, target: S) -> None:
    assert can_transition(current, target)
    assert check_transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_a_forbidden_transition_is_refused_naming_both_states(current: S, target: S) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as refused:
        check_transition(current, target)
    assert str(refused.value) == f"A submission cannot go from {current} to {target}."
    assert isinstance(refused.value, RollcallError)


def test_there_are_exactly_six_allowed_transitions_of_twenty_five() -> None:
    assert len(EVERY_PAIR) == 25
    assert sum(can_transition(a, b) for a, b in EVERY_PAIR) == len(ALLOWED) == 6


@pytest.mark.parametrize("final", [S.SUBMITTED, S.REJECTED])
def test_submitted_and_rejected_are_final(final: S) -> None:
    assert not any(can_transition(final, target) for target in SubmissionState)


def test_no_state_moves_to_itself() -> None:
    assert not any(can_transition(state, state) for state in SubmissionState)


def test_submitted_can_only_be_reached_through_submitting() -> None:
    assert [s for s in SubmissionState if can_transition(s, S.SUBMITTED)] == [S.SUBMITTING]


def test_the_happy_path_and_a_retry_path_are_walkable() -> None:
    for path in (
        [S.DRAFT, S.APPROVED, S.SUBMITTING, S.SUBMITTED],
        [S.DRAFT, S.APPROVED, S.SUBMITTING, S.APPROVED, S.SUBMITTING, S.REJECTED],
        [S.DRAFT, S.APPROVED, S.DRAFT, S.APPROVED, S.SUBMITTING, S.SUBMITTED],
    ):
        state = path[0]
        for target in path[1:]:
            state = check_transition(state, target)
        assert state is path[-1]


def test_attendance_is_read_only_while_submitting_and_after_submitted() -> None:
    assert frozenset({S.SUBMITTING, S.SUBMITTED}) == LOCKING_STATES


def test_the_sweep_redrives_approved_and_submitting() -> None:
    assert frozenset({S.APPROVED, S.SUBMITTING}) == OPEN_STATES


# --- idempotency key --------------------------------------------------------------------


def test_the_idempotency_key_is_the_same_for_the_same_provider_and_period() -> None:
    key = idempotency_key("12345", START, END)
    assert key == idempotency_key("12345", date(2026, 11, 8), date(2026, 11, 21))
    assert key == "rollcall:12345:2026-11-08:2026-11-21"


def test_the_idempotency_key_differs_per_provider_and_per_period() -> None:
    key = idempotency_key("12345", START, END)
    assert key != idempotency_key("54321", START, END)
    assert key != idempotency_key("12345", date(2026, 11, 22), date(2026, 12, 5))
    assert key != idempotency_key("12345", START, date(2026, 11, 22))


# --- canonical records and fingerprint ----------------------------------------------------


def fingerprint_of(provider_id: str, start: date, end: date, records: list[SubmittedRecord]) -> str:
    return fingerprint(provider_id, start, end, stays_of(records))


def sent(child_id: str, hour_in: int, hour_out: int, day: int = 9) -> SubmittedRecord:
    return SubmittedRecord(
        child_id,
        datetime(2026, 11, day, hour_in, tzinfo=UTC),
        datetime(2026, 11, day, hour_out, tzinfo=UTC),
    )


def test_records_are_sent_sorted_with_utc_instants_with_an_offset() -> None:
    # Given records in any order, one written in Chicago time
    chicago = SubmittedRecord(
        "111111",
        datetime(2026, 11, 9, 8, 0, tzinfo=CHICAGO),
        datetime(2026, 11, 9, 12, 0, tzinfo=CHICAGO),
    )
    rows = canonical_records([sent("222222", 14, 18), chicago, sent("111111", 20, 22)])
    # Then they are sorted by child and check-in, and every instant is UTC with "+00:00"
    assert rows == [
        {
            "child_id": "111111",
            "check_in": "2026-11-09T14:00:00+00:00",
            "check_out": "2026-11-09T18:00:00+00:00",
        },
        {
            "child_id": "111111",
            "check_in": "2026-11-09T20:00:00+00:00",
            "check_out": "2026-11-09T22:00:00+00:00",
        },
        {
            "child_id": "222222",
            "check_in": "2026-11-09T14:00:00+00:00",
            "check_out": "2026-11-09T18:00:00+00:00",
        },
    ]


def test_stored_records_read_back_as_the_records_that_were_stored() -> None:
    # Given records and an absence, stored as an approval stores them
    records: list[Sendable] = [
        sent("111111", 14, 18),
        sent("222222", 9, 12),
        SubmittedAbsence("111111", date(2026, 11, 10), "holiday"),
    ]
    text = json.dumps(canonical_records(records))
    encoded = EncodedRecords(text)
    # Then the text is kept as it is, and read back the records are the stored ones
    assert encoded.text == text
    assert len(encoded) == 3
    assert canonical_records(encoded) == canonical_records(records)
    assert encoded[1] == SubmittedAbsence("111111", date(2026, 11, 10), "holiday")
    assert encoded[:1] == [sent("111111", 14, 18)]


@pytest.mark.parametrize("text", ["{}", '"records"', "not json"])
def test_stored_records_that_are_not_a_json_list_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        EncodedRecords(text)


def test_the_fingerprint_is_stable_under_reordering_and_time_zone_notation() -> None:
    records = [sent("111111", 14, 18), sent("222222", 14, 16), sent("111111", 19, 20)]
    base = fingerprint_of("12345", START, END, records)
    assert fingerprint_of("12345", START, END, list(reversed(records))) == base
    in_chicago = [
        SubmittedRecord(r.child_id, r.check_in.astimezone(CHICAGO), r.check_out.astimezone(CHICAGO))
        for r in records
    ]
    assert fingerprint_of("12345", START, END, in_chicago) == base
    assert len(base) == 64
    assert is_current_fingerprint(base) and int(base.removeprefix(FINGERPRINT_VERSION), 16) >= 0
    assert not is_current_fingerprint("0123456789abcdef" * 4)


@pytest.mark.parametrize(
    "changed",
    [
        [sent("111111", 14, 19), sent("222222", 14, 16)],  # a check-out moved
        [sent("111111", 13, 18), sent("222222", 14, 16)],  # a check-in moved
        [sent("111111", 14, 18), sent("333333", 14, 16)],  # another child
        [sent("111111", 14, 18)],  # a record removed
        [sent("111111", 14, 18), sent("222222", 14, 16), sent("222222", 17, 18)],  # added
        [sent("111111", 14, 18), sent("222222", 14, 16, day=10)],  # another day
        [sent("111111", 14, 18), sent("222222", 14, 16), sent("222222", 14, 16)],  # duplicated
    ],
)
def test_any_change_to_the_records_changes_the_fingerprint(changed: list[SubmittedRecord]) -> None:
    approved = [sent("111111", 14, 18), sent("222222", 14, 16)]
    assert fingerprint_of("12345", START, END, changed) != fingerprint_of(
        "12345", START, END, approved
    )


def test_a_one_second_change_changes_the_fingerprint() -> None:
    record = sent("111111", 14, 18)
    nudged = SubmittedRecord(
        record.child_id, record.check_in, record.check_out + timedelta(seconds=1)
    )
    assert fingerprint_of("12345", START, END, [record]) != fingerprint_of(
        "12345", START, END, [nudged]
    )


def test_the_fingerprint_covers_the_provider_and_the_period() -> None:
    records = [sent("111111", 14, 18)]
    base = fingerprint_of("12345", START, END, records)
    assert fingerprint_of("54321", START, END, records) != base
    assert fingerprint_of("12345", date(2026, 11, 22), date(2026, 12, 5), records) != base


child_ids = st.sampled_from(["111111", "222222", "333333"])
offsets = st.integers(min_value=0, max_value=14 * 24 * 4)
record_lists = st.lists(
    st.builds(
        lambda child, start, length: SubmittedRecord(
            child,
            datetime(2026, 11, 8, 6, tzinfo=UTC) + timedelta(minutes=15 * start),
            datetime(2026, 11, 8, 6, tzinfo=UTC) + timedelta(minutes=15 * (start + length)),
        ),
        child_ids,
        offsets,
        st.integers(min_value=1, max_value=40),
    ),
    max_size=8,
)


@FAST
@given(records=record_lists, data=st.data())
def test_the_fingerprint_depends_on_the_multiset_of_records_only(
    records: list[SubmittedRecord], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(records))
    assert fingerprint_of("12345", START, END, shuffled) == fingerprint_of(
        "12345", START, END, records
    )
    if records:
        index = data.draw(st.integers(min_value=0, max_value=len(records) - 1))
        moved = list(records)
        original = moved[index]
        moved[index] = SubmittedRecord(
            original.child_id, original.check_in, original.check_out + timedelta(minutes=1)
        )
        assert fingerprint_of("12345", START, END, moved) != fingerprint_of(
            "12345", START, END, records
        )


def test_held_records_are_ours_only_when_they_are_exactly_what_was_sent() -> None:
    sent = [
        {
            "child_id": "123456",
            "check_in": "2026-11-09T14:00:00+00:00",
            "check_out": "2026-11-09T22:30:00+00:00",
        },
        {
            "child_id": "234567",
            "check_in": "2026-11-10T13:30:00+00:00",
            "check_out": "2026-11-10T21:00:00+00:00",
        },
    ]
    # the same instants written in Iowa time, in another order: the same records
    held = [
        {
            "child_id": "234567",
            "check_in": "2026-11-10T07:30:00-06:00",
            "check_out": "2026-11-10T15:00:00-06:00",
        },
        {
            "child_id": "123456",
            "check_in": "2026-11-09T08:00:00-06:00",
            "check_out": "2026-11-09T16:30:00-06:00",
        },
    ]
    assert same_records(held, sent)
    assert not same_records(held[:1], sent)
    assert not same_records([*held, held[0]], sent)
    other = [{**held[0], "check_out": "2026-11-10T15:01:00-06:00"}, held[1]]
    assert not same_records(other, sent)
    absence = {"child_id": "123456", "date": "2026-11-11", "absence": "absent"}
    assert same_records([*held, absence], [absence, *sent])
    assert not same_records(held, [absence, *sent])
