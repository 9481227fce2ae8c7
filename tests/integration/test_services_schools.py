"""Schools and their KinderTrack registration, on the real database."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.domain.pay_periods import PayPeriod, PayPeriodCalendar
from core.errors import (
    Conflict,
    InactiveProvider,
    InvalidInput,
    InvalidLinkCode,
    ProviderNotAuthorized,
)
from core.services import periods, schools, students, workspace
from core.services.runtime import Runtime
from core.store.tables import ChannelSchool, Director, Registration, School
from kindertrack.client import HttpKinderTrack
from tests.fakes import FakeKinderTrack
from tests.fixtures.sandbox import SandboxHarness, seed_with_link_codes


def _registrations(db: Engine) -> list[Registration]:
    with Session(db) as session:
        return list(session.exec(select(Registration)))


def test_add_school_stores_the_cleaned_name_and_default_zone(rt: Runtime, db: Engine) -> None:
    school = schools.add_school(rt, name="  Sunny   Days ")

    assert school.name == "Sunny Days"
    assert school.timezone == "America/Chicago"
    with Session(db) as session:
        stored = session.exec(select(School)).one()
    assert (stored.name, stored.name_key, stored.team_id) == ("Sunny Days", "sunny days", "")


def test_add_school_accepts_another_zone(rt: Runtime) -> None:
    assert schools.add_school(rt, name="Tall Pines", timezone="America/Denver").timezone == (
        "America/Denver"
    )


def test_a_duplicate_school_name_is_refused_ignoring_case_and_accents(
    rt: Runtime, db: Engine
) -> None:
    schools.add_school(rt, name="Café Kids")

    with pytest.raises(Conflict, match="already exists"):
        schools.add_school(rt, name="cafe  KIDS")
    with Session(db) as session:
        assert len(session.exec(select(School)).all()) == 1


def test_the_same_name_in_another_workspace_is_allowed(rt: Runtime) -> None:
    schools.add_school(rt, name="Sunny Days", team_id="T1")
    schools.add_school(rt, name="Sunny Days", team_id="T2")


def test_an_unknown_time_zone_is_refused_and_nothing_stored(rt: Runtime, db: Engine) -> None:
    with pytest.raises(InvalidInput, match="Unknown time zone 'Mars/Olympus'"):
        schools.add_school(rt, name="Sunny Days", timezone="Mars/Olympus")
    with Session(db) as session:
        assert session.exec(select(School)).all() == []


def test_register_verifies_the_provider_id(rt: Runtime, db: Engine) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0

    registration = schools.register_provider(
        rt, school_id=sid, provider_id=" 12345 ", username="Maria Lopez", actor="U1"
    )

    assert registration.provider_id == "12345"
    assert registration.provider_name == "Sunny Days"
    assert registration.setup_username == "Maria Lopez"
    assert registration.active is True
    stored = _registrations(db)
    assert [(r.school_id, r.provider_id, r.registered_by) for r in stored] == [(sid, "12345", "U1")]


def test_register_against_the_real_sandbox(
    rt: Runtime, kindertrack_client: HttpKinderTrack, db: Engine
) -> None:
    live = dataclasses.replace(rt, kindertrack=kindertrack_client)
    sid = schools.add_school(live, name="Prairie Sprouts").id or 0

    with pytest.raises(InactiveProvider) as refused:
        schools.register_provider(live, school_id=sid, provider_id="54321", actor="t")
    assert str(refused.value) == "Inactive KinderTrack provider ID."
    registration = schools.register_provider(live, school_id=sid, provider_id="67890", actor="t")

    assert registration.provider_name == "Prairie Sprouts"
    assert [r.provider_id for r in _registrations(db)] == ["67890"]


def test_register_follows_kindertracks_periods_not_the_settings(
    rt: Runtime, kindertrack_client: HttpKinderTrack, db: Engine
) -> None:
    # Given Rollcall's fallback calendar (settings) a week off KinderTrack's (the sandbox's)
    live = dataclasses.replace(
        rt,
        kindertrack=kindertrack_client,
        calendar=PayPeriodCalendar(rt.calendar.anchor + timedelta(days=7), 14),
    )
    sid = schools.add_school(live, name="Prairie Sprouts").id or 0

    # When the director registers a valid provider ID
    schools.register_provider(live, school_id=sid, provider_id="67890", actor="t")

    # Then the school bills by the provider's own periods, not the settings'
    theirs = periods.school_periods(live, school_id=sid, around=date(2026, 11, 25))
    assert theirs.containing(date(2026, 11, 25)) == PayPeriod(date(2026, 11, 22), date(2026, 12, 5))
    assert not theirs.is_exact(date(2026, 11, 15), date(2026, 11, 28))
    assert [r.provider_id for r in _registrations(db)] == ["67890"]


@pytest.mark.parametrize("provider_id", ["99999", "54321"], ids=["unknown", "inactive"])
def test_an_unknown_or_inactive_provider_is_refused_with_kindertracks_words(
    rt: Runtime, db: Engine, provider_id: str
) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0

    with pytest.raises(InactiveProvider) as refused:
        schools.register_provider(rt, school_id=sid, provider_id=provider_id, actor="t")

    assert str(refused.value) == "Inactive KinderTrack provider ID."
    assert _registrations(db) == []


def test_a_provider_id_held_by_another_school_is_refused(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack
) -> None:
    first = schools.add_school(rt, name="Sunny Days").id or 0
    second = schools.add_school(rt, name="Sunny Days Annex").id or 0
    schools.register_provider(rt, school_id=first, provider_id="12345", actor="t")

    with pytest.raises(Conflict, match="12345 is already registered in Rollcall") as refused:
        schools.register_provider(rt, school_id=second, provider_id="12345", actor="t")

    assert "contact whoever runs Rollcall" in str(refused.value)
    assert "Sunny Days" not in str(refused.value)  # which school holds it is not said
    assert [(r.school_id, r.provider_id) for r in _registrations(db)] == [(first, "12345")]


def test_registering_needs_the_providers_own_link_code_and_shows_nothing_without_it(
    rt: Runtime, db: Engine, sandbox: SandboxHarness, tmp_path: Path
) -> None:
    # Given KinderTrack requiring provider authorization (contract version 2)
    running = sandbox.start(
        seed_path=seed_with_link_codes(tmp_path, {"12345": ["K7PM2QXA"], "67890": ["H4RT9WXY"]})
    )
    live = dataclasses.replace(rt, kindertrack=sandbox.client(running))
    sid = schools.add_school(live, name="Cedar").id or 0

    # When someone registers another center's ID without a code, or with a code of another
    # provider, it is refused
    with pytest.raises(ProviderNotAuthorized) as without:
        schools.register_provider(live, school_id=sid, provider_id="67890", actor="t")
    with pytest.raises(InvalidLinkCode) as other_code:
        schools.register_provider(
            live, school_id=sid, provider_id="67890", link_code="K7PM2QXA", actor="t"
        )

    # Then nothing is stored, the provider's name is in no refusal, and its roster stays shut
    assert _registrations(db) == []
    for refusal in (without.value, other_code.value):
        assert "Prairie" not in str(refusal)
    with pytest.raises(InvalidInput, match="Register the school's KinderTrack provider ID"):
        students.sync_students(live, school_id=sid, actor="t")

    # And the center's own code registers it
    registration = schools.register_provider(
        live, school_id=sid, provider_id="67890", link_code="h4rt-9wxy", actor="t"
    )
    assert registration.provider_name == "Prairie Sprouts"


def test_a_provider_moves_to_another_school_only_with_a_fresh_code(
    rt: Runtime, db: Engine, sandbox: SandboxHarness, tmp_path: Path
) -> None:
    running = sandbox.start(seed_path=seed_with_link_codes(tmp_path, {"12345": ["K7PM2QXA"]}))
    live = dataclasses.replace(rt, kindertrack=sandbox.client(running))
    first = schools.add_school(live, name="Sunny Days", team_id="T1").id or 0
    second = schools.add_school(live, name="Sunny Days", team_id="T2").id or 0
    schools.register_provider(
        live, school_id=first, provider_id="12345", link_code="K7PM2QXA", actor="t"
    )

    # The used code, or none, does not move it (KinderTrack already shows Rollcall the name)
    with pytest.raises(InvalidLinkCode):
        schools.register_provider(
            live, school_id=second, provider_id="12345", link_code="K7PM2QXA", actor="t"
        )
    with pytest.raises(Conflict, match="contact whoever runs Rollcall"):
        schools.register_provider(live, school_id=second, provider_id="12345", actor="t")
    assert [(r.school_id, r.provider_id) for r in _registrations(db)] == [(first, "12345")]

    # A fresh code from the center's administrator does
    fresh = running.mint_link_code("12345")
    schools.register_provider(
        live, school_id=second, provider_id="12345", link_code=fresh, actor="t"
    )
    assert [(r.school_id, r.provider_id) for r in _registrations(db)] == [(second, "12345")]


def test_re_registering_the_same_school_replaces_its_provider(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack
) -> None:
    from core.ports import ProviderInfo

    fake_kindertrack.providers["67890"] = ProviderInfo("67890", "Prairie Sprouts", True)
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    schools.register_provider(rt, school_id=sid, provider_id="67890", actor="t")

    assert [(r.school_id, r.provider_id) for r in _registrations(db)] == [(sid, "67890")]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("１２３４５", "uses digits other than 0-9"),
        ("١٢٣٤٥", "uses digits other than 0-9"),
        ("123 45", "contains characters other than the digits 0-9"),
        ("12-345", "contains characters other than the digits 0-9"),
        ("1234", "has 4 digits"),
        ("", "is empty"),
    ],
)
def test_a_provider_id_that_is_not_five_ascii_digits_is_refused(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack, raw: str, reason: str
) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0

    with pytest.raises(InvalidInput) as refused:
        schools.register_provider(rt, school_id=sid, provider_id=raw, actor="t")

    assert reason in str(refused.value)
    assert "exactly 5 digits 0-9, like 12345" in str(refused.value)
    assert _registrations(db) == []


def test_a_school_made_from_slack_is_never_left_without_its_director(
    rt: Runtime, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the process dies after the school is added, before its channel is bound
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(workspace, "_bind_channel", crash)

    # When a director creates a school from Slack
    with pytest.raises(RuntimeError):
        workspace.create_team_school(
            rt, team_id="T1", name="Sunny Days", creator="U1", channel_id="C1"
        )

    # Then nothing was kept: no school that nobody could administer
    with Session(db) as session:
        assert session.exec(select(School)).all() == []
        assert session.exec(select(Director)).all() == []

    # And once the crash is gone the same school can be made, with its director
    monkeypatch.undo()
    school = workspace.create_team_school(
        rt, team_id="T1", name="Sunny Days", creator="U1", channel_id="C1"
    )
    with Session(db) as session:
        assert [d.user_id for d in session.exec(select(Director))] == ["U1"]
        assert session.exec(select(ChannelSchool)).one().school_id == school.id
