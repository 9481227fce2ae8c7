"""The sandbox's seed: pay-period arithmetic and refusing a broken seed file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kindertrack.sandbox import DEFAULT_SEED_PATH, SeedError, load_seed
from kindertrack.sandbox.seed import PayPeriods

PERIODS = PayPeriods(anchor=date(2026, 1, 4), length_days=14)


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 1, 4), (date(2026, 1, 4), date(2026, 1, 17))),
        (date(2026, 1, 17), (date(2026, 1, 4), date(2026, 1, 17))),
        (date(2026, 11, 10), (date(2026, 11, 8), date(2026, 11, 21))),
        (date(2025, 12, 31), (date(2025, 12, 21), date(2026, 1, 3))),
    ],
)
def test_every_day_belongs_to_one_period_even_before_the_anchor(
    day: date, period: tuple[date, date]
) -> None:
    assert PERIODS.containing(day) == period


def test_a_range_lists_every_period_it_touches() -> None:
    # given a range from the last day of one period to the first of the period after next
    periods = PERIODS.intersecting(date(2026, 1, 17), date(2026, 2, 1))
    # then all three periods are listed, in order
    assert periods == [
        (date(2026, 1, 4), date(2026, 1, 17)),
        (date(2026, 1, 18), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 14)),
    ]


def test_only_an_exact_period_is_a_period() -> None:
    assert PERIODS.is_period(date(2026, 11, 8), date(2026, 11, 21))
    assert not PERIODS.is_period(date(2026, 11, 8), date(2026, 11, 20))
    assert not PERIODS.is_period(date(2026, 11, 9), date(2026, 11, 22))


def test_default_seed_has_the_demo_world() -> None:
    # when the shipped seed is loaded
    seed = load_seed(DEFAULT_SEED_PATH)
    # then it holds the documented sample provider with six children, and an inactive provider
    names = {f"{c.first_name} {c.last_name}" for c in seed.children_of("12345")}
    assert len(names) == 6
    assert {"Ava Smith", "José Núñez"} <= names
    assert seed.providers["12345"].active
    assert not seed.providers["54321"].active
    assert seed.api_key == "sandbox-key"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("api_key"), "missing the field 'api_key'"),
        (lambda s: s["pay_periods"].update(anchor="soon"), "malformed value"),
        (lambda s: s["children"][0].update(provider_id="99999"), "unknown provider 99999"),
        (lambda s: s.update(timezone="Mars/Olympus"), "unknown time zone"),
        (lambda s: s["children"][0].update(units_per_day=0), "units_per_day must be at least 1"),
        (lambda s: s["children"][0].update(birth_date="2022-02-30"), "malformed value"),
    ],
)
def test_broken_seed_is_refused_with_a_reason(tmp_path: Path, change: object, message: str) -> None:
    # given the default seed with one thing broken
    data = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    # when it is loaded, then the reason is named
    with pytest.raises(SeedError, match=message):
        load_seed(path)


def test_unreadable_seed_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SeedError, match="not valid JSON"):
        load_seed(tmp_path / "seed.json")
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "missing.json")
