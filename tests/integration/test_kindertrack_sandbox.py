"""The sandbox honours docs/KINDERTRACK.md, seen over real HTTP through the client and raw httpx."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from core import messages
from core.errors import (
    AlreadySubmitted,
    InactiveProvider,
    ProviderNotFound,
    SubmissionInvalid,
    Unauthorized,
)
from core.ports import SubmittedAbsence, SubmittedRecord
from kindertrack.client import HttpKinderTrack
from tests.fixtures.sandbox import SandboxHarness

pytestmark = pytest.mark.slow  # the KinderTrack sandbox over real HTTP

CST = timezone(timedelta(hours=-6))
CDT = timezone(timedelta(hours=-5))
PERIOD = (date(2026, 1, 4), date(2026, 1, 17))
SUBMISSIONS = "/v1/providers/12345/attendance-submissions"


def day(child_id: str, on: date, hours: int = 8, tz: timezone = CST) -> SubmittedRecord:
    check_in = datetime(on.year, on.month, on.day, 8, tzinfo=tz)
    return SubmittedRecord(child_id, check_in, check_in + timedelta(hours=hours))


RECORDS = [day("123456", date(2026, 1, 5)), day("234567", date(2026, 1, 6))]


def raw(sandbox: SandboxHarness, **headers: str) -> httpx.Client:
    auth = {"Authorization": f"Bearer {sandbox.api_key}"}
    return httpx.Client(base_url=sandbox.url, headers={**auth, **headers}, timeout=5.0)


def body(
    period: tuple[date, date] = PERIOD, records: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "period_start": period[0].isoformat(),
        "period_end": period[1].isoformat(),
        "records": records
        if records is not None
        else [
            {
                "child_id": "123456",
                "check_in": "2026-01-05T08:00:00-06:00",
                "check_out": "2026-01-05T16:00:00-06:00",
            }
        ],
    }


# --- auth ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/providers/12345"),
        ("GET", "/v1/providers/12345/children"),
        ("GET", "/v1/pay-periods?from=2026-01-04&to=2026-01-17"),
        ("GET", SUBMISSIONS),
        ("POST", SUBMISSIONS),
        ("GET", "/_sandbox/stats"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", "sandbox-key"])
def test_every_call_needs_the_right_bearer_key(
    sandbox: SandboxHarness, method: str, path: str, authorization: str | None
) -> None:
    # given a request without the right "Authorization: Bearer <key>"
    headers = {"Idempotency-Key": "k"} | ({"Authorization": authorization} if authorization else {})
    # when it is sent
    answer = httpx.request(
        method, sandbox.url + path, headers=headers, json=body() if method == "POST" else None
    )
    # then it is refused and nothing was committed
    assert answer.status_code == 401
    assert sandbox.stats()["commits"] == 0


def test_wrong_key_through_the_client_is_unauthorized(sandbox: SandboxHarness) -> None:
    client = HttpKinderTrack(base_url=sandbox.url, api_key="nope")
    with client, pytest.raises(Unauthorized):
        client.get_provider("12345")


# --- providers, children, pay periods ------------------------------------------------------


def test_providers_are_found_with_their_status(kindertrack_client: HttpKinderTrack) -> None:
    active = kindertrack_client.get_provider("12345")
    inactive = kindertrack_client.get_provider("54321")
    assert (active.name, active.active) == ("Sunny Days", True)
    assert (inactive.name, inactive.active) == ("Little Acorns", False)


@pytest.mark.parametrize("call", ["get_provider", "list_children"])
def test_unknown_provider_is_not_found(kindertrack_client: HttpKinderTrack, call: str) -> None:
    with pytest.raises(ProviderNotFound):
        getattr(kindertrack_client, call)("11111")


def test_children_of_a_provider_keep_their_accents(kindertrack_client: HttpKinderTrack) -> None:
    # when the roster of the demo provider is read
    roster = kindertrack_client.list_children("12345")
    # then it has its six children (and nobody else's), names intact
    assert len(roster) == 6
    jose = next(c for c in roster if c.child_id == "234567")
    assert jose.full_name == "José Núñez"
    assert (jose.authorized_from, jose.authorized_to) == (date(2026, 1, 1), date(2026, 12, 31))
    assert "765432" not in {c.child_id for c in roster}


def test_children_carry_birth_date_and_authorized_units(
    kindertrack_client: HttpKinderTrack,
) -> None:
    roster = {c.child_id: c for c in kindertrack_client.list_children("12345")}

    assert (roster["123456"].birth_date, roster["123456"].units_per_day) == (date(2022, 3, 14), 2)
    assert roster["678901"].units_per_day == 1


def test_pay_periods_intersecting_a_range(kindertrack_client: HttpKinderTrack) -> None:
    # when a range from mid-November to the first of December is asked for
    periods = kindertrack_client.list_pay_periods(date(2026, 11, 10), date(2026, 12, 6))
    # then each 14-day period that touches it is listed, inclusive ends
    assert periods == [
        (date(2026, 11, 8), date(2026, 11, 21)),
        (date(2026, 11, 22), date(2026, 12, 5)),
        (date(2026, 12, 6), date(2026, 12, 19)),
    ]


def test_each_provider_lists_its_own_billing_periods(kindertrack_client: HttpKinderTrack) -> None:
    # a biweekly provider follows the seed's calendar; a monthly one bills calendar months
    assert kindertrack_client.list_provider_pay_periods(
        "12345", date(2026, 11, 10), date(2026, 11, 25)
    ) == [(date(2026, 11, 8), date(2026, 11, 21)), (date(2026, 11, 22), date(2026, 12, 5))]
    assert kindertrack_client.list_provider_pay_periods(
        "24680", date(2026, 11, 10), date(2026, 12, 6)
    ) == [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 31))]
    with pytest.raises(ProviderNotFound):
        kindertrack_client.list_provider_pay_periods("99999", date(2026, 1, 1), date(2026, 1, 2))


def test_a_monthly_provider_submits_a_month_and_not_a_fortnight(
    kindertrack_client: HttpKinderTrack,
) -> None:
    owen = [day("135790", date(2026, 1, 5))]

    with pytest.raises(SubmissionInvalid, match="not exactly one pay period"):
        kindertrack_client.submit_attendance("24680", *PERIOD, owen, idempotency_key="f")
    receipt = kindertrack_client.submit_attendance(
        "24680", date(2026, 1, 1), date(2026, 1, 31), owen, idempotency_key="m"
    )
    assert receipt.accepted == 1


@pytest.mark.parametrize(
    "query", ["from=2026-02-01&to=2026-01-01", "from=2026-01-01", "from=soon&to=2026-01-01"]
)
def test_bad_pay_period_query_is_invalid(sandbox: SandboxHarness, query: str) -> None:
    with raw(sandbox) as http:
        answer = http.get(f"/v1/pay-periods?{query}")
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid"


# --- submissions ---------------------------------------------------------------------------


def test_submission_is_accepted_and_found_by_its_period(
    sandbox: SandboxHarness, kindertrack_client: HttpKinderTrack
) -> None:
    # given nothing is submitted for the period
    assert kindertrack_client.find_submissions("12345", *PERIOD) == []
    # when the attendance is submitted
    receipt = kindertrack_client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="a")
    # then every record is accepted and reconciliation finds exactly that submission
    assert receipt.accepted == 2
    assert receipt.rejected == []
    assert (receipt.period_start, receipt.period_end) == PERIOD
    assert kindertrack_client.find_submissions("12345", *PERIOD) == [receipt]
    assert kindertrack_client.find_submissions("12345", date(2026, 1, 18), date(2026, 1, 31)) == []
    assert sandbox.stats()["commits"] == 1


def test_children_of_others_or_unauthorized_days_are_rejected(
    kindertrack_client: HttpKinderTrack,
) -> None:
    # given provider 67890, whose Lily is authorized until June 30 and Mateo from March 1
    july = (date(2026, 6, 21), date(2026, 7, 4))
    records = [
        day("987654", date(2026, 6, 29), tz=CDT),  # Lily, still authorized
        day("987654", date(2026, 7, 1), tz=CDT),  # Lily, after her authorization
        day("876543", date(2026, 7, 1), tz=CDT),  # Mateo, authorized with no end
        day("123456", date(2026, 7, 2), tz=CDT),  # Ava belongs to another provider
    ]
    # when it is submitted
    receipt = kindertrack_client.submit_attendance("67890", *july, records, idempotency_key="j")
    # then only the authorized records count, and each refused child is named once
    assert receipt.accepted == 2
    assert receipt.rejected == [
        ("987654", "attendance outside the child's authorization dates"),
        ("123456", "child is not enrolled with this provider"),
    ]


def test_same_key_and_body_replays_the_same_answer(
    sandbox: SandboxHarness, kindertrack_client: HttpKinderTrack
) -> None:
    # given a submission that was accepted
    first = kindertrack_client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    # when the very same request is sent again (a retry that never saw the answer)
    again = kindertrack_client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    # then the same 201 comes back and nothing new was committed
    assert again == first
    assert sandbox.stats() | {"requests": 0} == {
        "requests": 0,
        "submission_posts": 2,
        "commits": 1,
        "replays": 1,
        "conflicts": 0,
        "failures_injected": 0,
        "drops": 0,
        "abandoned": 0,
    }


def test_same_instants_written_in_utc_are_the_same_body(
    kindertrack_client: HttpKinderTrack,
) -> None:
    first = kindertrack_client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    in_utc = [
        SubmittedRecord(r.child_id, r.check_in.astimezone(UTC), r.check_out.astimezone(UTC))
        for r in reversed(RECORDS)
    ]
    again = kindertrack_client.submit_attendance("12345", *PERIOD, in_utc, idempotency_key="k")
    assert again == first


@pytest.mark.parametrize(
    ("key", "records"),
    [("another-key", RECORDS), ("k", RECORDS[:1])],
    ids=["different key", "same key, different body"],
)
def test_a_submitted_period_refuses_anything_else(
    sandbox: SandboxHarness,
    kindertrack_client: HttpKinderTrack,
    key: str,
    records: list[SubmittedRecord],
) -> None:
    # given the period is submitted
    kindertrack_client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    # when anything but the identical request comes for the same period, then 409
    with pytest.raises(AlreadySubmitted, match="already been submitted"):
        kindertrack_client.submit_attendance("12345", *PERIOD, records, idempotency_key=key)
    assert sandbox.stats()["conflicts"] == 1
    assert len(kindertrack_client.find_submissions("12345", *PERIOD)) == 1


def test_raw_409_body(sandbox: SandboxHarness) -> None:
    with raw(sandbox) as http:
        http.post(SUBMISSIONS, json=body(), headers={"Idempotency-Key": "one"})
        answer = http.post(SUBMISSIONS, json=body(), headers={"Idempotency-Key": "two"})
    assert (answer.status_code, answer.json()) == (409, {"error": "already_submitted"})


def test_concurrent_submissions_commit_exactly_once(sandbox: SandboxHarness) -> None:
    # given eight senders racing to submit the same period with different keys
    statuses: list[int] = []
    start = threading.Barrier(8)

    def send(n: int) -> None:
        with raw(sandbox) as http:
            start.wait()
            answer = http.post(SUBMISSIONS, json=body(), headers={"Idempotency-Key": f"k{n}"})
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly one wins and the others are told it is already submitted
    assert sorted(statuses) == [201] + [409] * 7
    assert sandbox.stats()["commits"] == 1


def test_missing_idempotency_key_is_400(sandbox: SandboxHarness) -> None:
    with raw(sandbox) as http:
        answer = http.post(SUBMISSIONS, json=body())
    assert (answer.status_code, answer.json()) == (400, {"error": "missing_idempotency_key"})
    assert sandbox.stats()["commits"] == 0


def test_inactive_provider_cannot_submit(kindertrack_client: HttpKinderTrack) -> None:
    with pytest.raises(InactiveProvider, match=re.escape(messages.INACTIVE_PROVIDER)):
        kindertrack_client.submit_attendance(
            "54321", *PERIOD, [day("765432", date(2026, 1, 5))], idempotency_key="i"
        )


def test_unknown_provider_cannot_submit(kindertrack_client: HttpKinderTrack) -> None:
    with pytest.raises(ProviderNotFound):
        kindertrack_client.submit_attendance("11111", *PERIOD, RECORDS, idempotency_key="u")


def test_a_key_cannot_be_reused_for_another_period(kindertrack_client: HttpKinderTrack) -> None:
    kindertrack_client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    next_period = (date(2026, 1, 18), date(2026, 1, 31))
    with pytest.raises(SubmissionInvalid, match="already used"):
        kindertrack_client.submit_attendance(
            "12345", *next_period, [day("123456", date(2026, 1, 19))], idempotency_key="k"
        )


def test_period_must_be_exactly_one_pay_period(kindertrack_client: HttpKinderTrack) -> None:
    with pytest.raises(SubmissionInvalid) as raised:
        kindertrack_client.submit_attendance(
            "12345", date(2026, 1, 4), date(2026, 1, 18), RECORDS, idempotency_key="p"
        )
    assert raised.value.detail == ["period 2026-01-04..2026-01-18 is not exactly one pay period"]


def test_every_bad_record_is_named(sandbox: SandboxHarness) -> None:
    # given records with no offset, a check-out before check-in, and one outside the period
    records = [
        {"child_id": "123456", "check_in": "2026-01-05T08:00:00", "check_out": "2026-01-05T16:00"},
        {
            "child_id": "234567",
            "check_in": "2026-01-06T16:00:00-06:00",
            "check_out": "2026-01-06T08:00:00-06:00",
        },
        {
            "child_id": "345678",
            "check_in": "2026-01-18T08:00:00-06:00",
            "check_out": "2026-01-18T16:00:00-06:00",
        },
    ]
    # when they are submitted
    with raw(sandbox, **{"Idempotency-Key": "bad"}) as http:
        answer = http.post(SUBMISSIONS, json=body(records=records))
    # then nothing is committed and each problem is spelled out
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "invalid",
        "detail": [
            "records[0].check_in must carry a UTC offset: '2026-01-05T08:00:00'",
            "records[0].check_out must carry a UTC offset: '2026-01-05T16:00'",
            "records[1].check_out must be after check_in",
            "records[2].check_in (2026-01-18) is outside the period 2026-01-04..2026-01-17",
        ],
    }
    assert sandbox.stats()["commits"] == 0


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"records": 3}'])
def test_malformed_body_is_invalid(sandbox: SandboxHarness, payload: bytes) -> None:
    with raw(sandbox, **{"Idempotency-Key": "m"}) as http:
        answer = http.post(SUBMISSIONS, content=payload)
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid"


def test_evening_check_in_sent_in_utc_is_dated_in_iowa(
    kindertrack_client: HttpKinderTrack,
) -> None:
    # given a check-in at 7 pm Central on the period's last day, which is the next day in UTC
    evening = datetime(2026, 1, 17, 19, tzinfo=CST).astimezone(UTC)
    record = SubmittedRecord("123456", evening, evening + timedelta(hours=2))
    # when it is submitted, then it belongs to the period
    receipt = kindertrack_client.submit_attendance("12345", *PERIOD, [record], idempotency_key="e")
    assert receipt.accepted == 1


def test_absence_records_are_checked_then_held_as_received(
    sandbox: SandboxHarness, kindertrack_client: HttpKinderTrack
) -> None:
    bad = body(
        records=[
            {"child_id": "123456", "date": "2026-01-06", "absence": "sick"},
            {"child_id": "123456", "date": "2026-02-06", "absence": "absent"},
        ]
    )
    with raw(sandbox, **{"Idempotency-Key": "abs"}) as http:
        refused = http.post(SUBMISSIONS, json=bad)
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        "records[0].absence must be one of absent, holiday, closed",
        "records[1].date (2026-02-06) is outside the period 2026-01-04..2026-01-17",
    ]

    away = [
        SubmittedAbsence("123456", date(2026, 1, 7), "absent"),
        SubmittedAbsence("234567", date(2026, 1, 9), "closed"),
    ]
    receipt = kindertrack_client.submit_attendance(
        "12345", *PERIOD, [*RECORDS, *away], idempotency_key="abs"
    )
    held = kindertrack_client.get_submission("12345", receipt.submission_id)

    assert receipt.accepted == 4
    assert held is not None
    assert [r for r in held.records if "absence" in r] == [
        {"child_id": "123456", "date": "2026-01-07", "absence": "absent"},
        {"child_id": "234567", "date": "2026-01-09", "absence": "closed"},
    ]
