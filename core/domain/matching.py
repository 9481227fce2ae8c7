"""Matching our students to KinderTrack's roster (docs/DOMAIN.md).

Names are compared as people write them differently: without accents or case, with a
hyphen the same as a space, in any order ("Núñez José" is "Jose Nunez"). A birth date
known on both sides must agree. What comes out:

- *linked*: one roster child has exactly the student's name (and birth date, when both
  sides know it) and no other student wants that child: safe to link;
- *needs review*: the one close fit is not exact (a typo, a missing second surname): a
  director confirms it;
- *ambiguous*: two roster children fit as well as each other, or two students fit one
  child: never linked automatically.

Pure: the use case loads both sides and stores the links.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from enum import IntEnum

from core.ports import RosterChild

NEAR_RATIO = 0.85
"""How alike two names (normalized) must be to be worth a director's look."""

_SEPARATORS = str.maketrans({"-": " ", "‐": " ", "‑": " ", "–": " ", "_": " ", ",": " "})
_DROPPED = str.maketrans({"'": None, "’": None, ".": None})


def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a name, without accents, case, hyphens or order."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(sorted(plain.casefold().translate(_DROPPED).translate(_SEPARATORS).split()))


class Fit(IntEnum):
    """How well a roster child fits a student; higher is better."""

    NONE = 0
    NEAR = 1
    EXACT = 2
    EXACT_AND_BORN = 3
    """The same name and the same birth date, both known."""


def fit(
    ours: tuple[str, ...],
    our_birth: date | None,
    theirs: tuple[str, ...],
    their_birth: date | None,
) -> Fit:
    """How well one roster child (name tokens, birth date) fits one student."""
    both_born = our_birth is not None and their_birth is not None
    if both_born and our_birth != their_birth:
        return Fit.NONE
    if not ours or not theirs:
        return Fit.NONE
    if ours == theirs:
        return Fit.EXACT_AND_BORN if both_born else Fit.EXACT
    if "".join(ours) == "".join(theirs):  # "Mary Ann" and "Maryann"
        return Fit.NEAR
    shared = set(ours) & set(theirs)
    if len(shared) >= 2 and (set(ours) <= set(theirs) or set(theirs) <= set(ours)):
        return Fit.NEAR  # a middle name or a second surname on one side only
    if SequenceMatcher(None, " ".join(ours), " ".join(theirs)).ratio() >= NEAR_RATIO:
        return Fit.NEAR
    return Fit.NONE


@dataclass(frozen=True)
class OurChild:
    """A student as matching sees it."""

    student_id: int
    name: str
    birth_date: date | None = None


@dataclass
class RosterMatch:
    linked: list[tuple[OurChild, RosterChild]] = field(default_factory=list)
    needs_review: list[tuple[OurChild, RosterChild]] = field(default_factory=list)
    ambiguous: list[tuple[OurChild, list[RosterChild]]] = field(default_factory=list)
    """Each student with the roster children that fit equally well (two or more), or the
    one child another student fits as well."""
    unmatched_students: list[OurChild] = field(default_factory=list)
    unmatched_roster: list[RosterChild] = field(default_factory=list)
    """Roster children no student fits."""


def match_roster(students: Sequence[OurChild], roster: Sequence[RosterChild]) -> RosterMatch:
    """Match unlinked students to unlinked roster children (the caller leaves linked ones
    out). Each student and each child ends up in at most one link or review."""
    roster_keys = [(child, name_tokens(child.full_name)) for child in roster]
    best: dict[int, tuple[Fit, list[RosterChild]]] = {}
    wanted_by: dict[str, list[tuple[int, Fit]]] = {}
    for student in students:
        tokens = name_tokens(student.name)
        top, fits = Fit.NONE, list[RosterChild]()
        for child, child_tokens in roster_keys:
            score = fit(tokens, student.birth_date, child_tokens, child.birth_date)
            if score == Fit.NONE or score < top:
                continue
            if score > top:
                top, fits = score, []
            fits.append(child)
        best[student.student_id] = (top, fits)
        for child in fits:
            wanted_by.setdefault(child.child_id, []).append((student.student_id, top))

    result = RosterMatch()
    fitted: set[str] = set()
    for student in students:
        top, fits = best[student.student_id]
        if not fits:
            result.unmatched_students.append(student)
            continue
        rivals = [
            score
            for child in fits
            for other, score in wanted_by[child.child_id]
            if other != student.student_id
        ]
        if len(fits) == 1 and rivals and max(rivals) > top:
            result.unmatched_students.append(student)  # another student fits it better
            continue
        fitted.update(child.child_id for child in fits)
        if len(fits) > 1 or top in rivals:
            result.ambiguous.append((student, fits))
        elif top >= Fit.EXACT:
            result.linked.append((student, fits[0]))
        else:
            result.needs_review.append((student, fits[0]))
    result.unmatched_roster = [child for child in roster if child.child_id not in fitted]
    return result
