"""The KinderTrack contract of docs/KINDERTRACK.md as plain request-in, answer-out logic.

No sockets here: ``server.py`` feeds requests in and applies the faults. Keeping the
rules apart from the transport lets the server decide, per answer, to drop the
connection after a commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from kindertrack.sandbox.authorizations import Authorizations
from kindertrack.sandbox.seed import Seed
from kindertrack.sandbox.store import Outcome, Stats, StoredSubmission, SubmissionStore

_PROVIDER = re.compile(r"^/v1/providers/(?P<pid>[^/]+)$")
_CHILDREN = re.compile(r"^/v1/providers/(?P<pid>[^/]+)/children$")
_PROVIDER_PERIODS = re.compile(r"^/v1/providers/(?P<pid>[^/]+)/pay-periods$")
_SUBMISSIONS = re.compile(r"^/v1/providers/(?P<pid>[^/]+)/attendance-submissions$")
_AUTHORIZATIONS = re.compile(r"^/v1/providers/(?P<pid>[^/]+)/authorizations$")
_PROVIDER_SCOPED = re.compile(r"^/v1/providers/(?P<pid>[^/]+)/")
_MINT = re.compile(r"^/_sandbox/providers/(?P<pid>[^/]+)/link-codes$")
_SUBMISSION = re.compile(r"^/v1/providers/(?P<pid>[^/]+)/attendance-submissions/(?P<sid>[^/]+)$")
PAY_PERIODS_PATH = "/v1/pay-periods"
STATS_PATH = "/_sandbox/stats"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    committed: bool = False  # a new submission was just stored (the drop fault applies)


@dataclass(frozen=True, slots=True)
class _Record:
    child_id: str
    check_in: datetime
    check_out: datetime
    day: date
    """The check-in's day in Iowa time, read once: it places the record in the period and
    in the child's authorization."""

    def to_json(self) -> dict[str, str]:
        return {
            "child_id": self.child_id,
            "check_in": self.check_in.isoformat(),
            "check_out": self.check_out.isoformat(),
        }

    def key(self) -> tuple[str, str, str]:
        return self.child_id, _utc(self.check_in), _utc(self.check_out)


@dataclass(frozen=True, slots=True)
class _Absence:
    """Contract v2: a child's day away, ``{"child_id","date","absence"}``."""

    child_id: str
    day: date
    absence: str

    def to_json(self) -> dict[str, str]:
        return {"child_id": self.child_id, "date": self.day.isoformat(), "absence": self.absence}

    def key(self) -> tuple[str, str, str]:
        return self.child_id, self.day.isoformat(), self.absence


ABSENCES = ("absent", "holiday", "closed")


class _Invalid(Exception):
    def __init__(self, detail: list[str]) -> None:
        super().__init__("; ".join(detail))
        self.detail = detail


def _error(status: int, error: str, **extra: Any) -> Answer:
    return Answer(status, {"error": error, **extra})


def _invalid(detail: list[str]) -> Answer:
    return _error(422, "invalid", detail=detail)


class SandboxApi:
    """Answers KinderTrack calls from a seed and a submission store."""

    def __init__(
        self,
        seed: Seed,
        store: SubmissionStore,
        stats: Stats,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        authorizations: Authorizations | None = None,
        honour_idempotency_key: bool = True,
    ) -> None:
        self.seed = seed
        self.store = store
        self.stats = stats
        self._clock = clock
        self.authorizations = authorizations or Authorizations(seed.link_codes(), clock=clock)
        self.honour_idempotency_key = honour_idempotency_key
        """False: a KinderTrack that ignores ``Idempotency-Key`` (a replay gets 409)."""

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Answer:
        """Route one request; every call, the stats one included, needs the bearer key.

        ``headers`` are keyed in lower case.
        """
        if not self._authorized(headers.get("authorization", "")):
            return Answer(401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"})
        if path == STATS_PATH:
            return self._only("GET", method) or Answer(200, self.stats.snapshot())
        if path == PAY_PERIODS_PATH:
            return self._only("GET", method) or self._pay_periods(query)
        if match := _MINT.match(path):
            return self._only("POST", method) or self._mint(match["pid"])
        if match := _PROVIDER.match(path):
            return self._only("GET", method) or self._provider(match["pid"])
        if match := _AUTHORIZATIONS.match(path):
            return self._only("POST", method) or self._authorize(match["pid"], body)
        if (match := _PROVIDER_SCOPED.match(path)) and (
            refused := self._not_authorized(match["pid"])
        ):
            return refused
        if match := _CHILDREN.match(path):
            return self._only("GET", method) or self._children(match["pid"])
        if match := _PROVIDER_PERIODS.match(path):
            return self._only("GET", method) or self._pay_periods(query, match["pid"])
        if match := _SUBMISSIONS.match(path):
            if method == "POST":
                return self._submit(match["pid"], headers, body)
            return self._only("GET", method) or self._find_submissions(match["pid"], query)
        if match := _SUBMISSION.match(path):
            return self._only("GET", method) or self._submission(match["pid"], match["sid"])
        return _error(404, "not_found")

    @staticmethod
    def is_submission_post(method: str, path: str) -> bool:
        return method == "POST" and _SUBMISSIONS.match(path) is not None

    def _authorized(self, header: str) -> bool:
        expected = f"Bearer {self.seed.api_key}".encode()
        return hmac.compare_digest(header.encode(), expected)

    @staticmethod
    def _only(allowed: str, method: str) -> Answer | None:
        return None if method == allowed else _error(405, "method_not_allowed")

    # --- provider authorization (contract version 2) --------------------------------

    def _not_authorized(self, provider_id: str) -> Answer | None:
        """403 for a known provider that has not authorized the vendor key (unknown ones
        get their 404 from the call itself)."""
        if provider_id in self.seed.providers and not self.authorizations.is_authorized(
            provider_id
        ):
            return _error(403, "not_authorized")
        return None

    def _authorize(self, provider_id: str, body: bytes) -> Answer:
        provider = self.seed.providers.get(provider_id)
        if provider is None:
            return _error(404, "unknown_provider")
        try:
            data = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            data = None
        code = data.get("link_code") if isinstance(data, dict) else None
        if not isinstance(code, str):
            return _invalid(["link_code must be a string"])
        if not provider.active:
            return _error(422, "inactive_provider")
        if self.authorizations.required:
            authorized_at = self.authorizations.redeem(provider_id, code)
            if authorized_at is None:
                return _error(403, "invalid_link_code")
        else:
            authorized_at = self._clock()
        return Answer(
            201,
            {
                "provider_id": provider_id,
                "name": provider.name,
                "authorized_at": authorized_at.isoformat(),
            },
        )

    def _mint(self, provider_id: str) -> Answer:
        if provider_id not in self.seed.providers:
            return _error(404, "unknown_provider")
        minted = self.authorizations.mint(provider_id)
        return Answer(
            201,
            {
                "provider_id": provider_id,
                "link_code": minted.code,
                "expires_at": minted.expires_at.isoformat(),
            },
        )

    # --- reads ---------------------------------------------------------------------

    def _provider(self, provider_id: str) -> Answer:
        provider = self.seed.providers.get(provider_id)
        if provider is None:
            return _error(404, "unknown_provider")
        shown = self.authorizations.is_authorized(provider_id)
        return Answer(200, provider.to_json(with_name=shown))

    def _children(self, provider_id: str) -> Answer:
        if provider_id not in self.seed.providers:
            return _error(404, "unknown_provider")
        return Answer(200, [c.to_json() for c in self.seed.children_of(provider_id)])

    def _pay_periods(self, query: Mapping[str, list[str]], provider_id: str = "") -> Answer:
        """The seed's calendar, or (with ``provider_id``) that provider's own periods."""
        if provider_id and provider_id not in self.seed.providers:
            return _error(404, "unknown_provider")
        try:
            start = _required_query_date(query, "from")
            end = _required_query_date(query, "to")
        except _Invalid as exc:
            return _invalid(exc.detail)
        if start > end:
            return _invalid(["'from' must not be after 'to'"])
        calendar = self.seed.periods_of(provider_id) if provider_id else self.seed.pay_periods
        periods = calendar.intersecting(start, end)
        return Answer(200, [{"start": s.isoformat(), "end": e.isoformat()} for s, e in periods])

    def _find_submissions(self, provider_id: str, query: Mapping[str, list[str]]) -> Answer:
        if provider_id not in self.seed.providers:
            return _error(404, "unknown_provider")
        try:
            start = _query_date(query, "period_start")
            end = _query_date(query, "period_end")
        except _Invalid as exc:
            return _invalid(exc.detail)
        found = self.store.find(
            provider_id, start.isoformat() if start else None, end.isoformat() if end else None
        )
        return Answer(200, [s.answer for s in found])

    def _submission(self, provider_id: str, submission_id: str) -> Answer:
        """Contract v2: one submission with its period and its records as received."""
        if provider_id not in self.seed.providers:
            return _error(404, "unknown_provider")
        stored = self.store.get(provider_id, submission_id)
        if stored is None:
            return _error(404, "unknown_submission")
        return Answer(200, {**stored.answer, "records": stored.records})

    # --- the submission ------------------------------------------------------------

    def _submit(self, provider_id: str, headers: Mapping[str, str], body: bytes) -> Answer:
        provider = self.seed.providers.get(provider_id)
        if provider is None:
            return _error(404, "unknown_provider")
        key = headers.get("idempotency-key", "").strip()
        if not key:
            return _error(400, "missing_idempotency_key")
        if not provider.active:
            return _error(422, "inactive_provider")
        try:
            period_start, period_end, records = self._validate(provider_id, body)
        except _Invalid as exc:
            return _invalid(exc.detail)

        accepted, rejected = self._judge(provider_id, records)
        candidate = StoredSubmission(
            provider_id=provider_id,
            period_start=period_start.isoformat(),
            period_end=period_end.isoformat(),
            idempotency_key=key,
            fingerprint=_fingerprint(period_start, period_end, records),
            answer={
                "submission_id": f"kt_{secrets.token_hex(8)}",
                "received_at": self._clock().isoformat(),
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "accepted": accepted,
                "rejected": rejected,
            },
            records=[r.to_json() for r in records],
        )
        outcome, stored = self.store.submit(candidate, honour_key=self.honour_idempotency_key)
        if outcome is Outcome.COMMITTED:
            self.stats.bump("commits")
            return Answer(201, candidate.answer, committed=True)
        if outcome is Outcome.REPLAY and stored is not None:
            self.stats.bump("replays")
            return Answer(201, stored.answer)
        if outcome is Outcome.KEY_REUSED:
            return _invalid([f"Idempotency-Key {key!r} was already used for another pay period"])
        self.stats.bump("conflicts")
        return _error(409, "already_submitted")

    def _validate(
        self, provider_id: str, body: bytes
    ) -> tuple[date, date, list[_Record | _Absence]]:
        """Parse the body, naming every problem at once (all-or-nothing)."""
        try:
            data = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Invalid([f"body is not JSON: {exc}"]) from exc
        if not isinstance(data, dict):
            raise _Invalid(["body must be a JSON object"])
        detail: list[str] = []
        start = _body_date(data, "period_start", detail)
        end = _body_date(data, "period_end", detail)
        if start and end and not self.seed.periods_of(provider_id).is_period(start, end):
            detail.append(f"period {start}..{end} is not exactly one pay period")
        raw_records = data.get("records")
        if not isinstance(raw_records, list):
            detail.append("records must be a list")
            raw_records = []
        records: list[_Record | _Absence] = []
        for index, raw in enumerate(raw_records):
            record = self._record(index, raw, start, end, detail)
            if record is not None:
                records.append(record)
        if detail or start is None or end is None:
            raise _Invalid(detail)
        return start, end, records

    def _record(
        self, index: int, raw: object, start: date | None, end: date | None, detail: list[str]
    ) -> _Record | _Absence | None:
        where = f"records[{index}]"
        if not isinstance(raw, dict):
            detail.append(f"{where} must be an object")
            return None
        child_id = raw.get("child_id")
        if not isinstance(child_id, str) or not child_id:
            detail.append(f"{where}.child_id must be a non-empty string")
        if "absence" in raw:
            return _absence(where, raw, child_id, start, end, detail)
        check_in = _instant(raw.get("check_in"), f"{where}.check_in", detail)
        check_out = _instant(raw.get("check_out"), f"{where}.check_out", detail)
        if check_in is None or check_out is None or not isinstance(child_id, str):
            return None
        problems = len(detail)
        if check_out <= check_in:
            detail.append(f"{where}.check_out must be after check_in")
        day = self._local_day(check_in)
        if start and end and not start <= day <= end:
            detail.append(f"{where}.check_in ({day}) is outside the period {start}..{end}")
        return _Record(child_id, check_in, check_out, day) if len(detail) == problems else None

    def _judge(
        self, provider_id: str, records: list[_Record | _Absence]
    ) -> tuple[int, list[dict[str, str]]]:
        """Count accepted records; name each refused child once, with the first reason."""
        accepted = 0
        rejected: dict[str, str] = {}
        for record in records:
            child = self.seed.child(provider_id, record.child_id)
            day = record.day
            if child is None:
                reason = "child is not enrolled with this provider"
            elif not child.authorized_on(day):
                reason = "attendance outside the child's authorization dates"
            else:
                accepted += 1
                continue
            rejected.setdefault(record.child_id, reason)
        return accepted, [{"child_id": c, "reason": r} for c, r in rejected.items()]

    def _local_day(self, instant: datetime) -> date:
        """KinderTrack dates attendance in Iowa time, whatever offset the instant carries."""
        return instant.astimezone(self.seed.timezone).date()


def _query_date(query: Mapping[str, list[str]], name: str) -> date | None:
    values = query.get(name)
    if not values:
        return None
    try:
        return date.fromisoformat(values[0])
    except ValueError as exc:
        raise _Invalid([f"query parameter '{name}' must be a date (YYYY-MM-DD)"]) from exc


def _required_query_date(query: Mapping[str, list[str]], name: str) -> date:
    value = _query_date(query, name)
    if value is None:
        raise _Invalid([f"query parameter '{name}' is required (YYYY-MM-DD)"])
    return value


def _body_date(
    data: dict[str, Any], name: str, detail: list[str], *, where: str | None = None
) -> date | None:
    value = data.get(name)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    detail.append(f"{where or name} must be a date (YYYY-MM-DD)")
    return None


def _instant(value: object, name: str, detail: list[str]) -> datetime | None:
    if not isinstance(value, str):
        detail.append(f"{name} must be an ISO 8601 instant with an offset")
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        detail.append(f"{name} is not ISO 8601: {value!r}")
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        detail.append(f"{name} must carry a UTC offset: {value!r}")
        return None
    return parsed


def _absence(
    where: str,
    raw: dict[str, Any],
    child_id: object,
    start: date | None,
    end: date | None,
    detail: list[str],
) -> _Absence | None:
    problems = len(detail)
    kind = raw.get("absence")
    if kind not in ABSENCES:
        detail.append(f"{where}.absence must be one of {', '.join(ABSENCES)}")
    day = _body_date(raw, "date", detail, where=f"{where}.date")
    if day and start and end and not start <= day <= end:
        detail.append(f"{where}.date ({day}) is outside the period {start}..{end}")
    if len(detail) > problems or day is None or not isinstance(child_id, str):
        return None
    return _Absence(child_id, day, str(kind))


def _fingerprint(start: date, end: date, records: list[_Record | _Absence]) -> str:
    """The same instants in any notation and any order are the same body."""
    rows = sorted(r.key() for r in records)
    canonical = json.dumps([start.isoformat(), end.isoformat(), rows])
    return hashlib.sha256(canonical.encode()).hexdigest()


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()
