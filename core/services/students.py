"""Students and their KinderTrack child IDs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.domain.ids import parse_child_id
from core.domain.names import clean_name, name_key
from core.errors import Conflict, InvalidInput, NotFound
from core.ports import RosterChild
from core.services.audit import write_audit
from core.services.runtime import Runtime
from core.services.schools import get_school, registration_of
from core.services.submissions_guard import void_open_approvals
from core.store.tables import Student


def find_student(session: Session, *, school_id: int, name: str) -> Student:
    student = session.exec(
        select(Student).where(Student.school_id == school_id, Student.name_key == name_key(name))
    ).first()
    if student is None:
        raise NotFound(
            f"No student named {' '.join(name.split())!r} in this school. "
            "Add them first (rollcall student add)."
        )
    return student


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
        raise Conflict(f"Child ID {child_id} is already linked to another student ({holder.name}).")


def add_student(
    rt: Runtime,
    *,
    school_id: int,
    name: str,
    child_id: str | None = None,
    actor: str,
    team_id: str | None = None,
) -> Student:
    name = clean_name(name, what="student name")
    cid = parse_child_id(child_id) if child_id is not None else None
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        if session.exec(
            select(Student).where(
                Student.school_id == school_id, Student.name_key == name_key(name)
            )
        ).first():
            raise Conflict(f"A student named {name} already exists in this school.")
        if cid is not None:
            _child_taken(session, school_id=school_id, child_id=cid, student_id=None)
        student = Student(school_id=school_id, name=name, name_key=name_key(name), child_id=cid)
        session.add(student)
        try:
            session.flush()
        except IntegrityError as error:
            raise Conflict(f"A student named {name} (or child ID {cid}) already exists.") from error
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
                f"KinderTrack has no child {cid} for provider {registration.provider_id}: "
                "check the child ID in the KinderTrack portal."
            )
    with rt.session() as session:
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
            raise Conflict(f"Child ID {cid} is already linked to another student.") from error
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


@dataclass
class SyncResult:
    linked: list[tuple[str, str]] = field(default_factory=list)
    """(student name, child ID) newly linked."""
    already_linked: int = 0
    unmatched_students: list[str] = field(default_factory=list)
    """Our students with no exact name match on KinderTrack's roster."""
    unmatched_roster: list[RosterChild] = field(default_factory=list)
    """Roster children with no student of that name here."""


def sync_students(
    rt: Runtime, *, school_id: int, actor: str, team_id: str | None = None
) -> SyncResult:
    """Link students whose names match KinderTrack's roster exactly (ignoring case,
    accents and extra spaces); list what could not be matched for a person to decide."""
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        registration = registration_of(session, school_id)
    if registration is None or not registration.active:
        raise InvalidInput("Register the school's KinderTrack provider ID before syncing.")
    roster = rt.kindertrack.list_children(registration.provider_id)
    result = SyncResult()
    with rt.session() as session:
        students = list_students(session, school_id=school_id)
        linked_ids = {s.child_id for s in students if s.child_id}
        by_key: dict[str, list[RosterChild]] = {}
        by_child_id = {child.child_id: child for child in roster}
        for child in roster:
            by_key.setdefault(name_key(child.full_name), []).append(child)
        matched_children: set[str] = set(linked_ids)
        for student in students:
            if student.child_id:
                result.already_linked += 1
                if student.child_id in by_child_id:  # KinderTrack's latest word on the child
                    copy_roster_facts(student, by_child_id[student.child_id])
                    session.add(student)
                continue
            candidates = [
                c for c in by_key.get(student.name_key, []) if c.child_id not in matched_children
            ]
            if len(candidates) != 1:
                result.unmatched_students.append(student.name)
                continue
            child = candidates[0]
            student.child_id = child.child_id
            copy_roster_facts(student, child)
            session.add(student)
            matched_children.add(child.child_id)
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
        result.unmatched_roster = [c for c in roster if c.child_id not in matched_children]
        if result.linked:
            void_open_approvals(session, school_id=school_id, reason="child IDs were linked")
    return result


def unlinked_roster(
    rt: Runtime, *, school_id: int, team_id: str | None = None
) -> list[RosterChild]:
    """KinderTrack's children not yet linked to a student here (for a pick list)."""
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
    return [
        c
        for c in rt.kindertrack.list_children(registration.provider_id)
        if c.child_id not in linked
    ]
