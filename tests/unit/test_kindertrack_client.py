"""The httpx client's retry policy and answer mapping, against ``httpx.MockTransport``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from core.config import Settings
from core.domain.submission import EncodedRecords, canonical_records
from core.errors import (
    AlreadySubmitted,
    InactiveProvider,
    KinderTrackError,
    KinderTrackUnavailable,
    OutcomeUnknown,
    ProviderNotFound,
    SubmissionInvalid,
    Unauthorized,
)
from core.ports import SubmissionReceipt, SubmittedRecord
from kindertrack.client import HttpKinderTrack

CST = timezone(timedelta(hours=-6))
PERIOD = (date(2026, 1, 4), date(2026, 1, 17))
RECORDS = [
    SubmittedRecord(
        "123456", datetime(2026, 1, 5, 7, 30, tzinfo=CST), datetime(2026, 1, 5, 17, tzinfo=CST)
    )
]
RECEIPT = {
    "submission_id": "kt_1",
    "received_at": "2026-01-18T15:00:00+00:00",
    "period_start": "2026-01-04",
    "period_end": "2026-01-17",
    "accepted": 1,
    "rejected": [{"child_id": "999999", "reason": "not enrolled"}],
}

Handler = Callable[[httpx.Request], httpx.Response]


class Scripted:
    """A transport that plays answers (or raises errors) in order and keeps every request."""

    def __init__(self, *steps: httpx.Response | type[httpx.TransportError]) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0)
        if isinstance(step, httpx.Response):
            return step
        raise step("scripted failure", request=request)


def make_client(
    script: Handler, sleeps: list[float] | None = None, **options: object
) -> HttpKinderTrack:
    recorded = sleeps if sleeps is not None else []
    return HttpKinderTrack(
        base_url="https://kt.example/",
        api_key="secret",
        transport=httpx.MockTransport(script),
        sleep=recorded.append,
        **options,  # type: ignore[arg-type]
    )


def submit(client: HttpKinderTrack, key: str = "12345:2026-01-04:2026-01-17") -> SubmissionReceipt:
    return client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key=key)


# --- reading answers ---------------------------------------------------------------------


def test_provider_answer_becomes_provider_info_with_bearer_key() -> None:
    # given KinderTrack knows an inactive provider
    script = Scripted(
        httpx.Response(200, json={"provider_id": "54321", "name": "Acorns", "status": "inactive"})
    )
    # when the client asks for it
    info = make_client(script).get_provider("54321")
    # then it is parsed, and the call carried the key
    assert (info.provider_id, info.name, info.active) == ("54321", "Acorns", False)
    assert script.requests[0].url == "https://kt.example/v1/providers/54321"
    assert script.requests[0].headers["Authorization"] == "Bearer secret"


def test_roster_parses_dates_and_open_authorizations() -> None:
    # given a roster where one authorization has no end
    script = Scripted(
        httpx.Response(
            200,
            json=[
                {
                    "child_id": "234567",
                    "first_name": "José",
                    "last_name": "Núñez",
                    "authorized_from": "2026-03-01",
                    "authorized_to": None,
                }
            ],
        )
    )
    # when the client lists the children
    (child,) = make_client(script).list_children("12345")
    # then names and dates come through intact
    assert child.full_name == "José Núñez"
    assert (child.authorized_from, child.authorized_to) == (date(2026, 3, 1), None)


def _child_with(**extra: object) -> dict[str, object]:
    return {"child_id": "123456", "first_name": "Ava", "last_name": "Smith", **extra}


def test_roster_carries_birth_date_and_authorized_units_when_given() -> None:
    script = Scripted(
        httpx.Response(
            200, json=[_child_with(birth_date="2022-03-14", units_per_day=2), _child_with()]
        )
    )

    given, absent = make_client(script).list_children("12345")

    assert (given.birth_date, given.units_per_day) == (date(2022, 3, 14), 2)
    assert (absent.birth_date, absent.units_per_day) == (None, None)


@pytest.mark.parametrize("units", [0, -1, 1.5, "2", True])
def test_an_implausible_authorization_is_a_malformed_answer(units: object) -> None:
    script = Scripted(httpx.Response(200, json=[_child_with(units_per_day=units)]))

    with pytest.raises(KinderTrackUnavailable, match="malformed"):
        make_client(script).list_children("12345")


def test_pay_periods_are_asked_for_a_date_range() -> None:
    # given KinderTrack answers two periods
    script = Scripted(
        httpx.Response(
            200,
            json=[
                {"start": "2026-01-04", "end": "2026-01-17"},
                {"start": "2026-01-18", "end": "2026-01-31"},
            ],
        )
    )
    # when the client asks for a range spanning both
    periods = make_client(script).list_pay_periods(date(2026, 1, 10), date(2026, 1, 20))
    # then the range went as from/to and the periods came back as date pairs
    assert dict(script.requests[0].url.params) == {"from": "2026-01-10", "to": "2026-01-20"}
    assert periods == [
        (date(2026, 1, 4), date(2026, 1, 17)),
        (date(2026, 1, 18), date(2026, 1, 31)),
    ]


def test_submission_is_sent_with_offsets_and_key_and_receipt_parsed() -> None:
    # given KinderTrack accepts the submission
    script = Scripted(httpx.Response(201, json=RECEIPT))
    # when the client submits
    receipt = make_client(script).submit_attendance(
        "12345", *PERIOD, RECORDS, idempotency_key="key-1"
    )
    # then the body carries instants with their offset and the caller's key
    sent = script.requests[0]
    assert sent.headers["Idempotency-Key"] == "key-1"
    assert json.loads(sent.content) == {
        "period_start": "2026-01-04",
        "period_end": "2026-01-17",
        "records": [
            {
                "child_id": "123456",
                "check_in": "2026-01-05T07:30:00-06:00",
                "check_out": "2026-01-05T17:00:00-06:00",
            }
        ],
    }
    assert receipt.submission_id == "kt_1"
    assert receipt.received_at == datetime(2026, 1, 18, 15, tzinfo=UTC)
    assert receipt.rejected == [("999999", "not enrolled")]
    assert (receipt.period_start, receipt.period_end) == PERIOD


def test_stored_records_are_sent_as_their_stored_text_byte_for_byte() -> None:
    # given records as an approval stored them (canonical JSON, instants in UTC)
    stored = json.dumps(canonical_records(RECORDS))
    script = Scripted(httpx.Response(201, json=RECEIPT))
    # when the client submits them
    make_client(script).submit_attendance(
        "12345", *PERIOD, EncodedRecords(stored), idempotency_key="key-1"
    )
    # then the body holds that very text, as JSON with the period's dates
    sent = script.requests[0]
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.content.endswith(f'"records": {stored}}}'.encode())
    assert json.loads(sent.content) == {
        "period_start": "2026-01-04",
        "period_end": "2026-01-17",
        "records": json.loads(stored),
    }


def test_a_receipt_time_without_offset_is_read_as_utc_and_a_long_id_kept() -> None:
    long_id = "kt_" + "x" * 497
    answer = {**RECEIPT, "received_at": "2026-01-18T15:00:00", "submission_id": long_id}
    receipt = make_client(Scripted(httpx.Response(201, json=answer))).submit_attendance(
        "12345", *PERIOD, RECORDS, idempotency_key="key-1"
    )
    assert receipt.received_at == datetime(2026, 1, 18, 15, tzinfo=UTC)
    assert receipt.submission_id == long_id


def test_naive_instant_is_refused_before_anything_is_sent() -> None:
    # given a record whose check-in has no time zone
    script = Scripted()
    naive = [
        SubmittedRecord("123456", datetime(2026, 1, 5, 8), datetime(2026, 1, 5, 9, tzinfo=UTC))
    ]
    # when it is submitted, then it is refused locally and nothing goes out
    with pytest.raises(ValueError, match="check_in must be timezone-aware"):
        make_client(script).submit_attendance("12345", *PERIOD, naive, idempotency_key="k")
    assert script.requests == []


def test_found_submissions_are_asked_for_one_period() -> None:
    # given KinderTrack holds one submission for the period
    script = Scripted(httpx.Response(200, json=[RECEIPT]))
    # when the client reconciles
    found = make_client(script).find_submissions("12345", *PERIOD)
    # then it filtered by the period and parsed the receipt
    assert dict(script.requests[0].url.params) == {
        "period_start": "2026-01-04",
        "period_end": "2026-01-17",
    }
    assert [r.submission_id for r in found] == ["kt_1"]


# --- retries -----------------------------------------------------------------------------


def test_5xx_and_connection_errors_are_retried_with_the_same_key_and_growing_backoff() -> None:
    # given KinderTrack fails three different safe ways, then accepts
    script = Scripted(
        httpx.Response(503),
        httpx.ConnectError,
        httpx.Response(502),
        httpx.Response(201, json=RECEIPT),
    )
    sleeps: list[float] = []
    client = make_client(script, sleeps, initial_backoff_s=1.0, max_backoff_s=3.0)
    # when the client submits
    receipt = submit(client, key="the-key")
    # then it tried four times with one key, backing off 1, 2, then capped at 3 (minus jitter)
    assert receipt.submission_id == "kt_1"
    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["the-key"] * 4
    assert len(sleeps) == 3
    for slept, ceiling in zip(sleeps, [1.0, 2.0, 3.0], strict=True):
        assert 0.75 * ceiling <= slept <= ceiling


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [("Retry-After", "7", 7.0), ("retry-after-ms", "250", 0.25)],
)
def test_retry_after_is_honoured(header: str, value: str, expected: float) -> None:
    # given KinderTrack asks the client to wait before retrying
    script = Scripted(
        httpx.Response(429, headers={header: value}), httpx.Response(201, json=RECEIPT)
    )
    sleeps: list[float] = []
    # when the client submits
    submit(make_client(script, sleeps))
    # then it waited exactly as asked
    assert sleeps == [expected]


def test_retry_after_as_http_date_is_honoured() -> None:
    # given a Retry-After given as a date a few seconds ahead
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    script = Scripted(
        httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200, json=[])
    )
    sleeps: list[float] = []
    # when a read is retried (within a deadline that leaves room for the wait)
    make_client(script, sleeps, deadline_s=60).find_submissions("12345", *PERIOD)
    # then the wait is that date, give or take the clock
    assert 25 <= sleeps[0] <= 30


def test_unreasonable_retry_after_falls_back_to_backoff() -> None:
    # given a Retry-After of an hour
    script = Scripted(
        httpx.Response(503, headers={"Retry-After": "3600"}), httpx.Response(200, json=[])
    )
    sleeps: list[float] = []
    # when the client retries
    make_client(script, sleeps, initial_backoff_s=0.5).find_submissions("12345", *PERIOD)
    # then it used its own backoff instead of waiting an hour
    assert 0.375 <= sleeps[0] <= 0.5


def test_408_is_retried() -> None:
    script = Scripted(httpx.Response(408), httpx.Response(200, json=[]))
    assert make_client(script).find_submissions("12345", *PERIOD) == []
    assert len(script.requests) == 2


def test_exhausted_retries_raise_unavailable() -> None:
    # given KinderTrack answers 503 every time
    script = Scripted(*[httpx.Response(503)] * 3)
    sleeps: list[float] = []
    # when the client submits with two retries allowed
    with pytest.raises(KinderTrackUnavailable, match=r"503 .*after 3 attempts") as raised:
        submit(make_client(script, sleeps, max_retries=2))
    # then it gave up after three attempts, and says retrying later is safe
    assert len(script.requests) == 3
    assert len(sleeps) == 2
    assert raised.value.retryable
    assert not isinstance(raised.value, OutcomeUnknown)


@pytest.mark.parametrize("status", [500, 502, 504, 408])
def test_a_submission_answered_only_with_gateway_errors_may_have_been_recorded(
    status: int,
) -> None:
    # given a proxy that answers 502 (or 500/504/408) even after KinderTrack committed
    script = Scripted(*[httpx.Response(status)] * 3)
    # when the client submits and runs out of retries
    with pytest.raises(OutcomeUnknown, match="may have been recorded"):
        submit(make_client(script, max_retries=2))
    # then the caller is told to reconcile before any resend, not that nothing happened
    assert len(script.requests) == 3


def test_reads_answered_with_gateway_errors_are_merely_unavailable() -> None:
    script = Scripted(*[httpx.Response(502)] * 3)
    with pytest.raises(KinderTrackUnavailable) as raised:
        make_client(script, max_retries=2).find_submissions("12345", *PERIOD)
    assert not isinstance(raised.value, OutcomeUnknown)


def test_unreachable_kindertrack_raises_unavailable() -> None:
    script = Scripted(*[httpx.ConnectError] * 4)
    with pytest.raises(KinderTrackUnavailable, match="could not reach KinderTrack"):
        make_client(script).get_provider("12345")
    assert len(script.requests) == 4


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": "missing_idempotency_key"}, KinderTrackError),
        (401, {"error": "unauthorized"}, Unauthorized),
        (404, {"error": "unknown_provider"}, ProviderNotFound),
        (409, {"error": "already_submitted"}, AlreadySubmitted),
        (422, {"error": "inactive_provider"}, InactiveProvider),
        (
            422,
            {"error": "invalid", "detail": ["records[0].check_in: no offset"]},
            SubmissionInvalid,
        ),
    ],
)
def test_4xx_is_never_retried_and_maps_to_its_error(
    status: int, body: dict[str, object], error: type[Exception]
) -> None:
    # given KinderTrack refuses the submission
    script = Scripted(httpx.Response(status, json=body), httpx.Response(201, json=RECEIPT))
    sleeps: list[float] = []
    # when the client submits, then the refusal is final: one request, no wait
    with pytest.raises(error) as raised:
        submit(make_client(script, sleeps))
    assert len(script.requests) == 1
    assert sleeps == []
    assert not getattr(raised.value, "retryable", False)


def test_invalid_answer_keeps_kindertracks_detail() -> None:
    detail = ["records[0].check_out must be after check_in"]
    script = Scripted(httpx.Response(422, json={"error": "invalid", "detail": detail}))
    with pytest.raises(SubmissionInvalid) as raised:
        submit(make_client(script))
    assert raised.value.detail == detail


def test_404_outside_providers_is_not_an_unknown_provider() -> None:
    # given a base URL that points at the wrong service
    script = Scripted(httpx.Response(404, text="Not Found"))
    # when pay periods are asked for, then the error does not blame the provider ID
    with pytest.raises(KinderTrackError) as raised:
        make_client(script).list_pay_periods(*PERIOD)
    assert not isinstance(raised.value, ProviderNotFound)


# --- outcome unknown ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError]
)
def test_submission_lost_after_sending_is_outcome_unknown_and_not_resent(
    failure: type[httpx.TransportError],
) -> None:
    # given the request went out and the answer never came back
    script = Scripted(failure, httpx.Response(201, json=RECEIPT))
    sleeps: list[float] = []
    # when the client submits
    with pytest.raises(OutcomeUnknown, match="may have been recorded"):
        submit(make_client(script, sleeps))
    # then it did not resend: the caller must reconcile first
    assert len(script.requests) == 1
    assert sleeps == []


def test_reads_are_retried_after_a_timeout() -> None:
    # given a read that times out once
    script = Scripted(httpx.ReadTimeout, httpx.Response(200, json=[RECEIPT]))
    # when the client reconciles, then the read is simply repeated
    assert len(make_client(script).find_submissions("12345", *PERIOD)) == 1
    assert len(script.requests) == 2


def test_unreadable_receipt_is_outcome_unknown() -> None:
    # given KinderTrack answered 201 with a body the client cannot read
    script = Scripted(httpx.Response(201, text="<html>ok</html>"))
    # when the client submits, then it cannot claim success or failure
    with pytest.raises(OutcomeUnknown):
        submit(make_client(script))


def test_from_settings_uses_url_key_and_timeout() -> None:
    # given settings for a KinderTrack and a transport that records
    script = Scripted(
        httpx.Response(200, json={"provider_id": "12345", "name": "Sunny", "status": "active"})
    )
    settings = Settings(
        ROLLCALL_KINDERTRACK_URL="https://kt.example",
        ROLLCALL_KINDERTRACK_API_KEY="from-env",
        ROLLCALL_KINDERTRACK_TIMEOUT=2.5,
    )
    # when a client is built from them and used
    client = HttpKinderTrack.from_settings(settings, transport=httpx.MockTransport(script))
    client.get_provider("12345")
    # then it called that URL, with that key and timeout
    sent = script.requests[0]
    assert str(sent.url) == "https://kt.example/v1/providers/12345"
    assert sent.headers["Authorization"] == "Bearer from-env"
    assert sent.extensions["timeout"]["read"] == 2.5
