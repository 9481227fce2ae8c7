"""The sandbox's fixed world: API key, pay periods, providers and children (docs/KINDERTRACK.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kindertrack.sandbox.authorizations import LINK_CODE_ALPHABET, LINK_CODE_LENGTH

DEFAULT_SEED_PATH = Path(__file__).with_name("default_seed.json")
IOWA_TIMEZONE = "America/Chicago"


class SeedError(ValueError):
    """The seed file cannot be used; the message names the bad part."""


@dataclass(frozen=True)
class Provider:
    provider_id: str
    name: str
    status: str
    link_codes: tuple[str, ...] = ()
    billing: str = "biweekly"
    """"biweekly" (the seed's ``pay_periods``) or "monthly" (calendar months)."""

    @property
    def active(self) -> bool:
        return self.status == "active"

    def to_json(self, *, with_name: bool = True) -> dict[str, str]:
        """The provider as KinderTrack shows it; the name only to an authorized vendor."""
        shown = {"provider_id": self.provider_id, "status": self.status}
        return {**shown, "name": self.name} if with_name else shown


@dataclass(frozen=True)
class Child:
    child_id: str
    provider_id: str
    first_name: str
    last_name: str
    authorized_from: date | None
    authorized_to: date | None
    birth_date: date | None = None
    units_per_day: int | None = None

    def authorized_on(self, day: date) -> bool:
        """Open-ended authorizations (a missing bound) cover every day on that side."""
        after_start = self.authorized_from is None or day >= self.authorized_from
        before_end = self.authorized_to is None or day <= self.authorized_to
        return after_start and before_end

    def to_json(self) -> dict[str, str | int | None]:
        answer: dict[str, str | int | None] = {
            "child_id": self.child_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "authorized_from": _iso(self.authorized_from),
            "authorized_to": _iso(self.authorized_to),
        }
        if self.birth_date is not None:
            answer["birth_date"] = self.birth_date.isoformat()
        if self.units_per_day is not None:
            answer["units_per_day"] = self.units_per_day
        return answer


@dataclass(frozen=True)
class PayPeriods:
    """Back-to-back periods of ``length_days`` days, one of which starts on ``anchor``."""

    anchor: date
    length_days: int

    def containing(self, day: date) -> tuple[date, date]:
        offset = (day - self.anchor).days % self.length_days
        start = day - timedelta(days=offset)
        return start, start + timedelta(days=self.length_days - 1)

    def intersecting(self, start: date, end: date) -> list[tuple[date, date]]:
        """Every period that shares at least one day with ``start..end`` (inclusive)."""
        periods = []
        first, last = self.containing(start)
        while first <= end:
            periods.append((first, last))
            first = last + timedelta(days=1)
            last = first + timedelta(days=self.length_days - 1)
        return periods

    def is_period(self, start: date, end: date) -> bool:
        return self.containing(start) == (start, end)


@dataclass(frozen=True)
class MonthlyPeriods:
    """Calendar months: the periods of a provider that bills monthly."""

    def containing(self, day: date) -> tuple[date, date]:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)

    def intersecting(self, start: date, end: date) -> list[tuple[date, date]]:
        periods = []
        first, last = self.containing(start)
        while first <= end:
            periods.append((first, last))
            first, last = self.containing(last + timedelta(days=1))
        return periods

    def is_period(self, start: date, end: date) -> bool:
        return self.containing(start) == (start, end)


BILLINGS = ("biweekly", "monthly")


@dataclass(frozen=True)
class Seed:
    api_key: str
    pay_periods: PayPeriods
    providers: dict[str, Provider]
    children: tuple[Child, ...]
    timezone: ZoneInfo

    def link_codes(self) -> list[tuple[str, str]]:
        """(provider_id, code) for every code the seed hands out."""
        return [(p.provider_id, c) for p in self.providers.values() for c in p.link_codes]

    def periods_of(self, provider_id: str) -> PayPeriods | MonthlyPeriods:
        """The provider's own billing periods (contract version 2)."""
        provider = self.providers.get(provider_id)
        if provider is not None and provider.billing == "monthly":
            return MonthlyPeriods()
        return self.pay_periods

    def children_of(self, provider_id: str) -> list[Child]:
        return list(self._by_provider.get(provider_id, ()))

    def child(self, provider_id: str, child_id: str) -> Child | None:
        return self._by_id.get((provider_id, child_id))

    @cached_property
    def _by_provider(self) -> dict[str, list[Child]]:
        """Each provider's children in seed order: a lookup must not scan a whole state."""
        found: dict[str, list[Child]] = {}
        for c in self.children:
            found.setdefault(c.provider_id, []).append(c)
        return found

    @cached_property
    def _by_id(self) -> dict[tuple[str, str], Child]:
        found: dict[tuple[str, str], Child] = {}
        for c in self.children:
            found.setdefault((c.provider_id, c.child_id), c)  # the first, as a scan finds
        return found


def load_seed(path: Path | str) -> Seed:
    """Read and check a seed file; raises ``SeedError`` with a one-line reason."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read seed file {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise SeedError(f"seed file {path} is not valid JSON: {exc}") from exc
    return parse_seed(data)


def parse_seed(data: Any) -> Seed:
    try:
        periods = data["pay_periods"]
        pay_periods = PayPeriods(
            anchor=date.fromisoformat(periods["anchor"]), length_days=int(periods["length_days"])
        )
        if pay_periods.length_days < 1:
            raise SeedError("pay_periods.length_days must be at least 1")
        providers = {
            str(p["provider_id"]): Provider(
                provider_id=str(p["provider_id"]),
                name=str(p["name"]),
                status=str(p["status"]),
                link_codes=tuple(_link_code(code) for code in p.get("link_codes", [])),
                billing=str(p.get("billing", "biweekly")),
            )
            for p in data["providers"]
        }
        for provider in providers.values():
            if provider.billing not in BILLINGS:
                raise SeedError(
                    f"provider {provider.provider_id} has billing {provider.billing!r}; "
                    "use 'biweekly' or 'monthly'"
                )
        children = tuple(
            Child(
                child_id=str(c["child_id"]),
                provider_id=str(c["provider_id"]),
                first_name=str(c["first_name"]),
                last_name=str(c["last_name"]),
                authorized_from=_date_or_none(c.get("authorized_from")),
                authorized_to=_date_or_none(c.get("authorized_to")),
                birth_date=_date_or_none(c.get("birth_date")),
                units_per_day=_units_or_none(c.get("units_per_day")),
            )
            for c in data.get("children", [])
        )
        timezone = ZoneInfo(str(data.get("timezone", IOWA_TIMEZONE)))
        api_key = str(data["api_key"])
    except SeedError:
        raise
    except ZoneInfoNotFoundError as exc:
        raise SeedError(f"seed names an unknown time zone: {exc}") from exc
    except KeyError as exc:
        raise SeedError(f"seed is missing the field {exc.args[0]!r}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise SeedError(f"seed has a malformed value: {exc}") from exc
    for child in children:
        if child.provider_id not in providers:
            raise SeedError(f"child {child.child_id} names unknown provider {child.provider_id}")
    return Seed(api_key, pay_periods, providers, children, timezone)


def _link_code(value: object) -> str:
    code = str(value).strip().upper()
    if len(code) != LINK_CODE_LENGTH or any(ch not in LINK_CODE_ALPHABET for ch in code):
        raise SeedError(
            f"link code {value!r} is not {LINK_CODE_LENGTH} characters of {LINK_CODE_ALPHABET}"
        )
    return code


def _date_or_none(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _units_or_none(value: object) -> int | None:
    if value is None:
        return None
    units = int(str(value))
    if units < 1:
        raise SeedError(f"units_per_day must be at least 1, not {value!r}")
    return units


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
