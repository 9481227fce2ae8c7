"""Students and their KinderTrack child IDs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.domain.ids import parse_child_id
from core.domain.matching import OurChild, match_roster
from core.domain.names import clean_name, name_key
from core.errors import Conflict, InvalidInput, NotFound, StudentNotFound
from core.i18n import N_, _
from core.ports import RosterChild
from core.services.audit import write_audit
from core.services.runtime import Runtime
from core.services.schools import get_school, registration_of
from core.services.submissions_guard import lock_school, void_open_approvals
from core.store.tables import Student


def find_student(session: Session, *, school_id: int, name: str) -> Student:
    student = session.exec(
        select(Student).where(Student.school_id == school_id, Student.name_key == name_key(name))
    ).first()
    if student is None:
        raise StudentNotFound(" ".join(name.split()))
    return student


def parse_birth_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            _(
                "Birth date {typed} is not a date: write it as YYYY-MM-DD, like 2022-03-14.",
                typed=repr(text),
            )
        ) from None


def copy_roster_facts(student: Student, child: RosterChild) -> None:
    """What KinderTrack says of a linked child: authorization dates and units, birth date
    (kept when KinderTrack does not say)."""
    student.authorized_from = child.authorized_from
    student.authorized_to = child.authorized_to
    student.units_per_day = child.units_per_day
    if child.birth_date is not None:
        student.birth_date = child.birth_date


def list_students(session: Session, *, school_id: int) -> list[Student]:
    return list(
        session.exec(select(Student).where(Student.school_id == school_id).order_by(Student.name))
    )


def _child_taken(
    session: Session, *, school_id: int, child_id: str, student_id: int | None
) -> None:
    holder = session.exec(
        select(Student).where(Student.school_id == school_id, Student.child_id == child_id)
    ).first()
    if holder is not None and holder.id != student_id:
        raise Conflict(
            _(
                "Child ID {child_id} is already linked to another student ({name}).",
                child_id=child_id,
                name=holder.name,
            )
        )


def add_student(
    rt: Runtime,
    *,
    school_id: int,
    name: str,
    child_id: str | None = None,
    birth_date: str | None = None,
    actor: str,
    team_id: str | None = None,
) -> Student:
    name = clean_name(name, what=N_("student name"))
    cid = parse_child_id(child_id) if child_id is not None else None
    born = parse_birth_date(birth_date) if birth_date is not None else None
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        lock_school(session, school_id=school_id)
        if session.exec(
            select(Student).where(
                Student.school_id == school_id, Student.name_key == name_key(name)
            )
        ).first():
            raise Conflict(_("A student named {name} already exists in this school.", name=name))
        if cid is not None:
            _child_taken(session, school_id=school_id, child_id=cid, student_id=None)
        student = Student(
            school_id=school_id, name=name, name_key=name_key(name), child_id=cid, birth_date=born
        )
        session.add(student)
        try:
            session.flush()
        except IntegrityError as error:
            raise Conflict(
                _(
                    "A student named {name} (or child ID {child_id}) already exists.",
                    name=name,
                    child_id=cid,
                )
            ) from error
        write_audit(
            session,
            at=rt.now(),
            actor=actor,
            school_id=school_id,
            entity="student",
            entity_id=student.id,
            action="add",
            after={"child_id": cid},
        )
        return student


def ensure_child_id_free(
    rt: Runtime, *, school_id: int, child_id: str, team_id: str | None = None
) -> str:
    """The child ID in its canonical form, refused when it is malformed or another student
    of the school already has it. Database only (no KinderTrack call): a cheap check before
    :func:`link_student`, which checks again."""
    cid = parse_child_id(child_id)
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        _child_taken(session, school_id=school_id, child_id=cid, student_id=None)
    return cid


def link_student(
    rt: Runtime,
    *,
    school_id: int,
    name: str,
    child_id: str,
    actor: str,
    team_id: str | None = None,
) -> Student:
    """Link a student to a KinderTrack child ID; checked against KinderTrack's roster when
    the school is registered, so a typo is caught now rather than at submission."""
    cid = parse_child_id(child_id)
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        registration = registration_of(session, school_id)
    roster_child: RosterChild | None = None
    if registration is not None and registration.active:
        roster = {c.child_id: c for c in rt.kindertrack.list_children(registration.provider_id)}
        roster_child = roster.get(cid)
        if roster_child is None:
            raise InvalidInput(
                _(
                    "KinderTrack has no child {child_id} for provider {provider_id}: check the "
                    "child ID in the KinderTrack portal.",
                    child_id=cid,
                    provider_id=registration.provider_id,
                )
            )
    with rt.session() as session:
        lock_school(session, school_id=school_id)
        student = find_student(session, school_id=school_id, name=name)
        _child_taken(session, school_id=school_id, child_id=cid, student_id=student.id)
        before = student.child_id
        student.child_id = cid
        if roster_child is not None:
            copy_roster_facts(student, roster_child)
        session.add(student)
        if before != cid:
            void_open_approvals(session, school_id=school_id, reason="a child ID changed")
        try:
            session.flush()
        except IntegrityError as error:
            raise Conflict(
                _("Child ID {child_id} is already linked to another student.", child_id=cid)
            ) from error
        write_audit(
            session,
            at=rt.now(),
            actor=actor,
            school_id=school_id,
            entity="student",
            entity_id=student.id,
            action="link",
            before={"child_id": before},
            after={"child_id": cid},
        )
        return student


@dataclass(frozen=True)
class Suggestion:
    """A near match for a director to confirm: this student is probably this child."""

    student_id: int
    student_name: str
    child: RosterChild


@dataclass
class SyncResult:
    linked: list[tuple[str, str]] = field(default_factory=list)
    """(student name, child ID) newly linked."""
    already_linked: int = 0
    needs_review: list[Suggestion] = field(default_factory=list)
    """Near matches (a typo, a missing surname): linked only when a director confirms."""
    ambiguous: list[tuple[str, list[RosterChild]]] = field(default_factory=list)
    """Students that fit two roster children (or share one with another student): never
    linked automatically."""
    unmatched_students: list[str] = field(default_factory=list)
    """Our students with no match on KinderTrack's roster."""
    unmatched_roster: list[RosterChild] = field(default_factory=list)
    """Roster children no student here fits."""


def sync_students(
    rt: Runtime, *, school_id: int, actor: str, team_id: str | None = None
) -> SyncResult:
    """Match our unlinked students to KinderTrack's roster (``core.domain.matching``):
    link the exact matches, list near matches for review and ambiguous ones apart, and
    refresh what KinderTrack says of the children already linked."""
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        registration = registration_of(session, school_id)
    if registration is None or not registration.active:
        raise InvalidInput(_("Register the school's KinderTrack provider ID before syncing."))
    roster = rt.kindertrack.list_children(registration.provider_id)
    rt.rosters.store(registration.provider_id, roster, now=rt.now())
    result = SyncResult()
    with rt.session() as session:
        lock_school(session, school_id=school_id)
        students = list_students(session, school_id=school_id)
        by_child_id = {child.child_id: child for child in roster}
        unlinked: dict[int, Student] = {}
        for student in students:
            if not student.child_id:
                unlinked[student.id or 0] = student
                continue
            result.already_linked += 1
            if student.child_id in by_child_id:  # KinderTrack's latest word on the child
                copy_roster_facts(student, by_child_id[student.child_id])
                session.add(student)
        taken = {s.child_id for s in students if s.child_id}
        match = match_roster(
            [OurChild(sid, s.name, s.birth_date) for sid, s in unlinked.items()],
            [child for child in roster if child.child_id not in taken],
        )
        for ours, child in match.linked:
            student = unlinked[ours.student_id]
            student.child_id = child.child_id
            copy_roster_facts(student, child)
            session.add(student)
            result.linked.append((student.name, child.child_id))
            write_audit(
                session,
                at=rt.now(),
                actor=actor,
                school_id=school_id,
                entity="student",
                entity_id=student.id,
                action="sync-link",
                after={"child_id": child.child_id},
            )
        result.needs_review = [
            Suggestion(ours.student_id, ours.name, child) for ours, child in match.needs_review
        ]
        result.ambiguous = [(ours.name, children) for ours, children in match.ambiguous]
        result.unmatched_students = [ours.name for ours in match.unmatched_students]
        result.unmatched_roster = match.unmatched_roster
        if result.linked:
            void_open_approvals(session, school_id=school_id, reason="child IDs were linked")
    return result


def confirm_suggestion(
    rt: Runtime,
    *,
    school_id: int,
    student_id: int,
    child_id: str,
    actor: str,
    team_id: str | None = None,
) -> Student:
    """A director confirms a near match: link it, checked again against KinderTrack's
    roster and this school's students (the suggestion may be old). Confirming twice is
    harmless; a student linked to another child since is refused."""
    cid = parse_child_id(child_id)
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        student = session.get(Student, student_id)
        if student is None or student.school_id != school_id:
            raise NotFound(_("That student is no longer in this school: run the sync again."))
        name = student.name
        if student.child_id == cid:
            return student
        if student.child_id is not None:
            raise Conflict(
                _(
                    "{name} is already linked to child ID {child_id}; nothing was changed.",
                    name=name,
                    child_id=student.child_id,
                )
            )
    return link_student(rt, school_id=school_id, name=name, child_id=cid, actor=actor)


def unlinked_roster(
    rt: Runtime, *, school_id: int, team_id: str | None = None, recent: bool = False
) -> list[RosterChild]:
    """KinderTrack's children not yet linked to a student here (for a pick list).

    ``recent``: a roster read in the last minute will do (the link menu, asked on every
    keystroke); else KinderTrack is asked now. Linked children are always read afresh."""
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        registration = registration_of(session, school_id)
        linked = {
            s.child_id
            for s in session.exec(
                select(Student).where(
                    Student.school_id == school_id, col(Student.child_id).is_not(None)
                )
            )
        }
    if registration is None or not registration.active:
        return []
    provider_id = registration.provider_id
    if recent:
        roster = rt.rosters.read(provider_id, now=rt.now(), fetch=rt.kindertrack.list_children)
    else:
        roster = tuple(rt.kindertrack.list_children(provider_id))
        rt.rosters.store(provider_id, roster, now=rt.now())
    return [c for c in roster if c.child_id not in linked]
