"""Schools and their KinderTrack registration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.domain.ids import parse_link_code, parse_provider_id
from core.domain.instants import zone
from core.domain.names import clean_name, name_key
from core.domain.report import ProviderStatus
from core.errors import (
    Conflict,
    InactiveProvider,
    InvalidInput,
    KinderTrackError,
    NotAllowed,
    NotFound,
    OutcomeUnknown,
    ProviderNotAuthorized,
    ProviderNotFound,
    SchoolNotFound,
)
from core.i18n import N_, _
from core.ports import ProviderInfo
from core.services import periods
from core.services.runtime import Runtime
from core.services.submissions_guard import lock_school, void_open_approvals
from core.store.tables import Registration, School


def add_school(rt: Runtime, *, name: str, timezone: str | None = None, team_id: str = "") -> School:
    with rt.session() as session:
        return insert_school(
            session, name=name, timezone=timezone or rt.default_timezone, team_id=team_id
        )


def parse_closing_time(text: str) -> time:
    """A closing time as a director writes it ("18:00", "6:30"), or a clear refusal."""
    try:
        hours, minutes = text.strip().split(":")
        if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()):
            raise ValueError(text)
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidInput(
            _(
                "Closing time {typed} is not a time of day: write it as HH:MM, like 18:00.",
                typed=repr(text),
            )
        ) from None


def set_closing_time(
    rt: Runtime, *, school_id: int, closing: str, team_id: str | None = None
) -> School:
    """When the school closes, local time: the day's problems are sent then."""
    at = parse_closing_time(closing)
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        school.closing_time = at
        session.add(school)
        return school


def insert_school(session: Session, *, name: str, timezone: str, team_id: str) -> School:
    """Add a school inside the caller's transaction (flushed, so it has its ID); refuses a
    name the workspace already uses."""
    name = clean_name(name, what=N_("school name"))
    tz_name = zone(timezone).key
    existing = session.exec(
        select(School).where(School.team_id == team_id, School.name_key == name_key(name))
    ).first()
    if existing is not None:
        raise Conflict(_("A school named {school} already exists.", school=existing.name))
    school = School(team_id=team_id, name=name, name_key=name_key(name), timezone=tz_name)
    session.add(school)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(_("A school named {school} already exists.", school=name)) from error
    return school


def find_school(session: Session, *, name: str, team_id: str | None = None) -> School:
    """The school called ``name``; ``team_id`` None means any workspace (the operator's CLI)."""
    query = select(School).where(School.name_key == name_key(name))
    if team_id is not None:
        query = query.where(School.team_id == team_id)
    found = session.exec(query).all()
    if not found:
        raise SchoolNotFound(name.strip())
    if len(found) > 1:
        raise Conflict(
            _("Several workspaces have a school named {school}.", school=repr(name.strip()))
        )
    return found[0]


def get_school(session: Session, *, school_id: int, team_id: str | None = None) -> School:
    """Load a school, refusing one that belongs to another workspace."""
    school = session.get(School, school_id)
    if school is None:
        raise NotFound(_("That school no longer exists."))
    if team_id is not None and school.team_id != team_id:
        raise NotAllowed(_("That school belongs to another Slack workspace."))
    return school


def schools_by_id(session: Session, school_ids: Sequence[int]) -> list[School]:
    """The schools among ``school_ids`` that exist, in one query (no workspace check: for
    the server's own passes over schools it enumerated)."""
    if not school_ids:
        return []
    return list(session.exec(select(School).where(col(School.id).in_(sorted(set(school_ids))))))


def schools_of_team(session: Session, *, team_id: str) -> list[School]:
    return list(session.exec(select(School).where(School.team_id == team_id).order_by(School.name)))


def registration_of(session: Session, school_id: int) -> Registration | None:
    return session.exec(select(Registration).where(Registration.school_id == school_id)).first()


def provider_status(registration: Registration | None) -> ProviderStatus:
    if registration is None:
        return ProviderStatus.UNREGISTERED
    return ProviderStatus.REGISTERED if registration.active else ProviderStatus.INACTIVE


def register_provider(
    rt: Runtime,
    *,
    school_id: int,
    provider_id: str,
    link_code: str | None = None,
    username: str | None = None,
    actor: str,
    team_id: str | None = None,
) -> Registration:
    """Verify the provider ID with KinderTrack, then record it for the school with its
    own pay periods (biweekly or monthly, as KinderTrack lists them).

    With a link code, KinderTrack's acceptance of it proves the center's administrator
    authorized Rollcall for this provider: the ID is recorded for this school, even when
    another school held it (a move needs a fresh code). Without one, only a provider
    KinderTrack already shows Rollcall and no school holds is recorded. Refusals name no
    other school and show nothing of the provider; nothing is stored.
    """
    pid = parse_provider_id(provider_id)
    code = parse_link_code(link_code) if link_code is not None else None
    setup_username = clean_name(username, what=N_("setup username")) if username else None
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        holder = session.exec(select(Registration).where(Registration.provider_id == pid)).first()
    if code is None and holder is not None and holder.school_id != school_id:
        raise Conflict(
            _(
                "Provider ID {provider_id} is already registered in Rollcall. If it is your "
                "center's, contact whoever runs Rollcall, or register with a new link code "
                "from your center's KinderTrack administrator.",
                provider_id=pid,
            )
        )
    info = _verified_provider(rt, pid, code, setup_username)
    billing = periods.ask_periods(rt, provider_id=pid, around=rt.now().date())
    with rt.session() as session:
        lock_school(session, school_id=school_id)
        if holder is not None and holder.school_id != school_id:
            _release(session, provider_id=pid)
        registration = registration_of(session, school_id) or Registration(
            school_id=school_id, provider_id=pid
        )
        changed = registration.provider_id != pid
        registration.provider_id = pid
        registration.provider_name = info.name[:200]
        registration.setup_username = setup_username
        registration.active = True
        registration.registered_by = actor[:64]
        registration.verified_at = rt.now()
        session.add(registration)
        if changed:
            void_open_approvals(session, school_id=school_id, reason="the provider ID changed")
        try:
            session.flush()
        except IntegrityError as error:
            raise Conflict(
                _(
                    "Provider ID {provider_id} was registered in Rollcall meanwhile; nothing "
                    "was changed. Contact whoever runs Rollcall.",
                    provider_id=pid,
                )
            ) from error
        periods.forget_periods(session, school_id=school_id)
        periods.store_periods(session, registration=registration, asked=billing)
        registration.periods_checked_at = rt.now()
        return registration


def _verified_provider(
    rt: Runtime, pid: str, code: str | None, username: str | None
) -> ProviderInfo:
    """KinderTrack's word that the provider is active and has authorized Rollcall."""
    try:
        if code is not None:
            info = rt.kindertrack.authorize_provider(pid, code, username=username)
        else:
            info = rt.kindertrack.get_provider(pid)
    except ProviderNotFound as error:
        raise InactiveProvider() from error
    except OutcomeUnknown as error:
        raise KinderTrackError(
            _(
                "KinderTrack did not answer whether it accepted the link code. Try again in a "
                "few minutes; if the code is then refused, ask for a new one."
            )
        ) from error
    if not info.active:
        raise InactiveProvider()
    if not info.authorized:
        raise ProviderNotAuthorized()
    return info


def _release(session: Session, *, provider_id: str) -> None:
    """Take the provider from the school that held it (its open approvals are void)."""
    previous = session.exec(
        select(Registration).where(Registration.provider_id == provider_id)
    ).first()
    if previous is None:
        return
    void_open_approvals(
        session, school_id=previous.school_id, reason="the provider moved to another school"
    )
    session.delete(previous)
    session.flush()


def mark_provider_inactive(session: Session, *, school_id: int) -> None:
    """KinderTrack answered inactive_provider: the report must now show '-' rows."""
    registration = registration_of(session, school_id)
    if registration is not None:
        registration.active = False
        session.add(registration)
