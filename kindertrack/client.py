"""The httpx adapter of the ``KinderTrack`` port (docs/KINDERTRACK.md).

Retries only what is safe to retry: a connection that never carried the request, and
408/429/5xx answers (capped, jittered exponential backoff that honours ``Retry-After``).
A submission that may have reached KinderTrack (timeout or dropped connection after
sending) is never resent here: it raises ``OutcomeUnknown`` so the caller reconciles with
``find_submissions`` first. Every 4xx other than 408/429 is final.

Every call has a total deadline over all its tries, their waits and the answer's body
(``ROLLCALL_KINDERTRACK_DEADLINE_SECONDS``): httpx's timeouts are per network read, so a
server that answers 200 and then sends one byte a second would otherwise hold a call (and
the submission lease that assumes a bounded send) for as long as it likes. Each exchange
runs in a helper thread that the caller stops waiting for at the deadline; the helper
gives up at its next chunk (or its per-read timeout).
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import httpx

from core.config import Settings
from core.domain.submission import EncodedRecords
from core.errors import (
    AlreadySubmitted,
    InactiveProvider,
    InvalidLinkCode,
    KinderTrackError,
    KinderTrackUnavailable,
    OutcomeUnknown,
    ProviderNotAuthorized,
    ProviderNotFound,
    SubmissionInvalid,
    Unauthorized,
)
from core.ports import (
    HeldSubmission,
    ProviderInfo,
    RosterChild,
    Sendable,
    SubmissionReceipt,
    SubmittedAbsence,
)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_DEADLINE_S = 20.0
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429, 503})
"""Answers that say the request was not acted on; after any other 5xx/408 a submission
may have been recorded (a proxy's 502/504 can follow the server's commit)."""
MAX_RETRY_AFTER_S = 30.0
"""Longer Retry-After values fall back to backoff: a call's whole retry budget must stay
well inside the submission lease (core.config: ROLLCALL_SUBMISSION_LEASE_SECONDS)."""

# Failures where the request cannot have been sent: retrying can never duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _DeadlinePassed(Exception):
    """The call's total deadline passed during an exchange (the request may have been sent)."""


T = TypeVar("T")


class HttpKinderTrack:
    """KinderTrack over HTTP, with a retry policy that never risks a double submission.

    Keyword-only options:
      * ``timeout``: an explicit ``httpx.Timeout`` (default 10 s, 5 s to connect), per
        network operation.
      * ``deadline_s``: the most one call may take, all tries, waits and bodies included
        (default 20 s).
      * ``max_retries``: retries after the first attempt (default 3).
      * ``initial_backoff_s`` / ``max_backoff_s``: exponential backoff, doubled per
        retry, capped, minus up to 25 % jitter (defaults 0.5 s and 8 s).
      * ``transport``: an httpx transport, for tests (``httpx.MockTransport``).
      * ``sleep``: how to wait between attempts, so tests need not wait.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        deadline_s: float = DEFAULT_DEADLINE_S,
        max_retries: int = 3,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if deadline_s <= 0:
            raise ValueError("deadline_s must be more than 0")
        self.base_url = base_url.rstrip("/")
        self.deadline_s = deadline_s
        self._timeout = timeout
        self.max_retries = max_retries
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": "rollcall-kindertrack/0.1",
            },
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx.BaseTransport | None = None
    ) -> HttpKinderTrack:
        """The client the running app uses: URL, key and timeout from settings (docs/CLI.md)."""
        total = settings.kindertrack_timeout_s
        return cls(
            base_url=settings.kindertrack_url,
            api_key=settings.kindertrack_api_key,
            timeout=httpx.Timeout(total, connect=min(5.0, total)),
            deadline_s=settings.kindertrack_deadline_s,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpKinderTrack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the port --------------------------------------------------------------------

    def get_provider(self, provider_id: str) -> ProviderInfo:
        body = self._get(f"/v1/providers/{provider_id}")
        return _parse(body, lambda b: _provider(b, provider_id))

    def authorize_provider(
        self, provider_id: str, link_code: str, *, username: str | None = None
    ) -> ProviderInfo:
        payload = {"link_code": link_code, **({"username": username} if username else {})}
        # Not resent once sent: a one-use code our lost first attempt consumed would be
        # refused on the second, so a lost answer is OutcomeUnknown for the caller to word.
        response = self._send(
            "POST",
            f"/v1/providers/{provider_id}/authorizations",
            json=payload,
            resend_after_sent=False,
        )
        try:
            body = response.json()
        except ValueError as exc:
            raise OutcomeUnknown("KinderTrack's answer to the authorization was not JSON") from exc
        return _parse(body, lambda b: _provider({"status": "active", **b}, provider_id))

    def list_children(self, provider_id: str) -> list[RosterChild]:
        body = self._get(f"/v1/providers/{provider_id}/children")
        return _parse(body, lambda b: [_roster_child(item) for item in b])

    def list_pay_periods(self, start: date, end: date) -> list[tuple[date, date]]:
        body = self._get(
            "/v1/pay-periods", params={"from": start.isoformat(), "to": end.isoformat()}
        )
        return _parse(body, _periods)

    def list_provider_pay_periods(
        self, provider_id: str, start: date, end: date
    ) -> list[tuple[date, date]]:
        body = self._get(
            f"/v1/providers/{provider_id}/pay-periods",
            params={"from": start.isoformat(), "to": end.isoformat()},
        )
        return _parse(body, _periods)

    def submit_attendance(
        self,
        provider_id: str,
        period_start: date,
        period_end: date,
        records: Sequence[Sendable],
        *,
        idempotency_key: str,
    ) -> SubmissionReceipt:
        if not idempotency_key.strip():
            raise ValueError("idempotency_key must not be blank")
        response = self._send(
            "POST",
            f"/v1/providers/{provider_id}/attendance-submissions",
            content=_submission_body(period_start, period_end, records),
            headers={"Idempotency-Key": idempotency_key, "Content-Type": "application/json"},
            resend_after_sent=False,
        )
        try:
            return _receipt(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise OutcomeUnknown(
                f"KinderTrack accepted the submission but its answer was unreadable: {exc}"
            ) from exc

    def find_submissions(
        self, provider_id: str, period_start: date, period_end: date
    ) -> list[SubmissionReceipt]:
        body = self._get(
            f"/v1/providers/{provider_id}/attendance-submissions",
            params={"period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
        )
        return _parse(body, lambda b: [_receipt(item) for item in b])

    def get_submission(self, provider_id: str, submission_id: str) -> HeldSubmission | None:
        """Contract v2: what KinderTrack holds under ``submission_id`` (None: nothing)."""
        try:
            body = self._get(f"/v1/providers/{provider_id}/attendance-submissions/{submission_id}")
        except ProviderNotFound:
            return None
        return _parse(body, _held)

    # --- transport and retry policy --------------------------------------------------

    def _get(self, path: str, *, params: dict[str, str] | None = None) -> Any:
        response = self._send("GET", path, params=params, resend_after_sent=True)
        try:
            return response.json()
        except ValueError as exc:
            raise KinderTrackUnavailable(f"KinderTrack answered {path} with non-JSON") from exc

    def _send(
        self,
        method: str,
        path: str,
        *,
        resend_after_sent: bool,
        params: dict[str, str] | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One call with retries; returns a 2xx answer or raises a ``core.errors`` error.

        ``resend_after_sent`` is False for calls that are not safe to repeat blindly: a
        failure once the request may have been received then raises ``OutcomeUnknown``.
        """
        deadline = time.monotonic() + self.deadline_s
        attempt = 0
        maybe_recorded = False
        while True:
            retry_after: float | None = None
            try:
                response = self._exchange(
                    method,
                    path,
                    deadline=deadline,
                    params=params,
                    json=json,
                    content=content,
                    headers=headers,
                )
            except _NOT_SENT as exc:
                failure = f"could not reach KinderTrack at {self.base_url}: {exc!r}"
            except (httpx.TransportError, _DeadlinePassed) as exc:
                if not resend_after_sent:
                    raise OutcomeUnknown(
                        f"KinderTrack did not answer after the request was sent ({exc!r}); "
                        "it may have been recorded"
                    ) from exc
                failure = f"KinderTrack did not answer {method} {path}: {exc!r}"
            else:
                if response.status_code not in RETRYABLE_STATUSES:
                    _raise_for_answer(response, path)
                    return response
                failure = f"KinderTrack answered {method} {path} with {response.status_code}"
                retry_after = _retry_after_s(response)
                maybe_recorded |= response.status_code not in NOT_PROCESSED_STATUSES
            delay = self._delay_s(attempt, retry_after)
            out_of_time = time.monotonic() + delay >= deadline
            if attempt >= self.max_retries or out_of_time:
                why = f"after {attempt + 1} attempts" + (
                    f", {self.deadline_s:g} s deadline" if out_of_time else ""
                )
                if maybe_recorded and not resend_after_sent:
                    raise OutcomeUnknown(f"{failure} ({why}); it may have been recorded")
                raise KinderTrackUnavailable(f"{failure} ({why})")
            self._sleep(delay)
            attempt += 1

    def _exchange(
        self,
        method: str,
        path: str,
        *,
        deadline: float,
        params: dict[str, str] | None,
        json: object,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        """One request and its whole answer, or ``_DeadlinePassed`` at ``deadline``.

        The exchange runs in a helper thread so that the caller's wait is bounded whatever
        the server does; the helper stops at its next chunk once the caller has left.
        """
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlinePassed("no time left for another try")
        per_read = self._timeout.read if self._timeout.read is not None else remaining
        per_connect = self._timeout.connect if self._timeout.connect is not None else remaining
        timeout = httpx.Timeout(min(per_read, remaining), connect=min(per_connect, remaining))
        abandoned = threading.Event()
        outcome: list[httpx.Response | BaseException] = []

        def run() -> None:
            try:
                with self._http.stream(
                    method,
                    path,
                    params=params,
                    json=json,
                    content=content,
                    headers=headers,
                    timeout=timeout,
                ) as response:
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        if abandoned.is_set():
                            return
                        body += chunk
                    outcome.append(_whole(response, bytes(body)))
            except BaseException as exc:  # handed to the caller, never lost in the thread
                outcome.append(exc)

        helper = threading.Thread(target=run, name="kindertrack-call", daemon=True)
        helper.start()
        helper.join(remaining)
        if helper.is_alive() or not outcome:
            abandoned.set()
            raise _DeadlinePassed(
                f"KinderTrack did not answer {method} {path} within {self.deadline_s:g} s"
            )
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _delay_s(self, attempt: int, retry_after: float | None) -> float:
        """The server's ``Retry-After`` when sensible, else jittered capped backoff."""
        if retry_after is not None and 0 <= retry_after <= MAX_RETRY_AFTER_S:
            return retry_after
        backoff: float = min(self.initial_backoff_s * 2.0**attempt, self.max_backoff_s)
        return backoff * (1 - 0.25 * random.random())


_BODY_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _whole(streamed: httpx.Response, body: bytes) -> httpx.Response:
    """A read answer from a streamed one and its decoded body."""
    headers = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _BODY_FRAMING]
    return httpx.Response(
        streamed.status_code, headers=headers, content=body, request=streamed.request
    )


def _raise_for_answer(response: httpx.Response, path: str) -> None:
    """Map a final (non-retryable) answer to the port's typed errors; 2xx passes."""
    status = response.status_code
    if 200 <= status < 300:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if status == 401:
        raise Unauthorized()
    if status == 404 and path.startswith("/v1/providers/"):
        raise ProviderNotFound()
    if status == 403 and error == "invalid_link_code":
        raise InvalidLinkCode()
    if status == 403 and error == "not_authorized":
        raise ProviderNotAuthorized()
    if status == 409 and error == "already_submitted":
        raise AlreadySubmitted()
    if status == 422 and error == "inactive_provider":
        raise InactiveProvider()
    if status == 422 and error == "invalid" and isinstance(body, dict):
        detail = body.get("detail")
        raise SubmissionInvalid(detail if isinstance(detail, list) else [detail])
    raise KinderTrackError(f"KinderTrack refused {path} with {status}: {response.text[:300]}")


def _retry_after_s(response: httpx.Response) -> float | None:
    """``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms``, in seconds."""
    millis = response.headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _instant(value: datetime, name: str) -> str:
    """ISO 8601 with its offset; a naive datetime is a bug upstream, never guessed at."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.isoformat()


def _submission_body(start: date, end: date, records: Sequence[Sendable]) -> bytes:
    """The submission's JSON body. Records Rollcall stored as sent (``EncodedRecords``)
    go as their stored text, byte for byte; any others are encoded here."""
    if isinstance(records, EncodedRecords):
        encoded = records.text
    else:
        encoded = json.dumps([_record(r) for r in records])
    dates = f'"period_start": "{start.isoformat()}", "period_end": "{end.isoformat()}"'
    return f'{{{dates}, "records": {encoded}}}'.encode()


def _record(record: Sendable) -> dict[str, str]:
    if isinstance(record, SubmittedAbsence):
        return {
            "child_id": record.child_id,
            "date": record.day.isoformat(),
            "absence": record.absence,
        }
    return {
        "child_id": record.child_id,
        "check_in": _instant(record.check_in, "check_in"),
        "check_out": _instant(record.check_out, "check_out"),
    }


def _parse(body: Any, build: Callable[[Any], T]) -> T:
    """Build port dataclasses from an answer; a malformed answer is KinderTrack's outage."""
    try:
        return build(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KinderTrackUnavailable(f"KinderTrack's answer was malformed: {exc!r}") from exc


def _periods(body: Any) -> list[tuple[date, date]]:
    return [(date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in body]


def _optional_date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _provider(body: dict[str, Any], asked: str) -> ProviderInfo:
    """A provider answer, refused unless it is about the provider asked for."""
    if str(body["provider_id"]) != asked:
        raise ValueError(f"answer names provider {body['provider_id']!r}, not {asked!r}")
    name = body.get("name")
    return ProviderInfo(
        provider_id=asked,
        name=str(name) if name is not None else "",
        active=body["status"] == "active",
        authorized=name is not None,
    )


def _roster_child(item: dict[str, Any]) -> RosterChild:
    return RosterChild(
        child_id=str(item["child_id"]),
        first_name=str(item["first_name"]),
        last_name=str(item["last_name"]),
        authorized_from=_optional_date(item.get("authorized_from")),
        authorized_to=_optional_date(item.get("authorized_to")),
        birth_date=_optional_date(item.get("birth_date")),
        units_per_day=_optional_units(item.get("units_per_day")),
    )


def _optional_units(value: object) -> int | None:
    """Authorized units a day: a whole number from 1 up, or absent; anything else is a
    malformed answer (trusted blindly, a 0 would warn about every day)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"units_per_day must be a whole number from 1 up, not {value!r}")
    return value


def _held(item: dict[str, Any]) -> HeldSubmission:
    records = item["records"]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("records must be a list of objects")
    return HeldSubmission(receipt=_receipt(item), records=tuple(records))


def _received_at(value: object) -> datetime:
    """KinderTrack's receipt time; one without an offset is read as UTC (stored as such)
    rather than refused after KinderTrack has accepted."""
    moment = datetime.fromisoformat(str(value))
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _receipt(item: dict[str, Any]) -> SubmissionReceipt:
    return SubmissionReceipt(
        submission_id=str(item["submission_id"]),
        received_at=_received_at(item["received_at"]),
        accepted=int(item["accepted"]),
        period_start=_optional_date(item.get("period_start")),
        period_end=_optional_date(item.get("period_end")),
        rejected=[(str(r["child_id"]), str(r["reason"])) for r in item.get("rejected", [])],
    )
