"""Roster matching (issue 11): accents, case, hyphens, swapped names, birth dates, ambiguity."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core.domain.matching import Fit, OurChild, match_roster, name_tokens
from core.ports import RosterChild

JOSE = RosterChild("234567", "José", "Núñez", birth_date=date(2021, 7, 2))
MARIA = RosterChild("111111", "María", "García-López")
HARPER = RosterChild("678901", "Harper", "Olson")


def _pairs(pairs: list[tuple[OurChild, RosterChild]]) -> list[tuple[str, str]]:
    return [(ours.name, child.child_id) for ours, child in pairs]


def test_names_ignore_accents_case_hyphens_and_order() -> None:
    assert name_tokens("José  Núñez") == name_tokens("nunez JOSE") == ("jose", "nunez")
    assert name_tokens("María García-López") == name_tokens("Maria Garcia Lopez")
    assert name_tokens("Liam O'Brien") == name_tokens("liam obrien")


def test_exact_names_link_whatever_their_spelling() -> None:
    result = match_roster(
        [OurChild(1, "Jose Nunez"), OurChild(2, "Garcia Lopez, Maria")], [JOSE, MARIA]
    )

    assert _pairs(result.linked) == [("Jose Nunez", "234567"), ("Garcia Lopez, Maria", "111111")]
    assert result.needs_review == []
    assert result.ambiguous == []


def test_a_different_birth_date_is_a_different_child() -> None:
    result = match_roster([OurChild(1, "José Núñez", date(2020, 7, 2))], [JOSE])

    assert result.linked == result.needs_review == []
    assert [s.name for s in result.unmatched_students] == ["José Núñez"]
    assert result.unmatched_roster == [JOSE]


def test_a_typo_or_a_missing_surname_needs_review() -> None:
    result = match_roster(
        [OurChild(1, "Harper Olsen"), OurChild(2, "Maria Garcia")], [HARPER, MARIA]
    )

    assert _pairs(result.needs_review) == [("Harper Olsen", "678901"), ("Maria Garcia", "111111")]
    assert result.linked == []


def test_two_roster_children_of_one_name_are_ambiguous_unless_a_birth_date_decides() -> None:
    twin_a = RosterChild("100001", "Ava", "Smith", birth_date=date(2022, 3, 14))
    twin_b = RosterChild("100002", "Ava", "Smith", birth_date=date(2023, 5, 1))

    unsure = match_roster([OurChild(1, "Ava Smith")], [twin_a, twin_b])
    assert unsure.linked == [] and unsure.needs_review == []
    assert [(s.name, [c.child_id for c in cs]) for s, cs in unsure.ambiguous] == [
        ("Ava Smith", ["100001", "100002"])
    ]

    decided = match_roster([OurChild(1, "Ava Smith", date(2023, 5, 1))], [twin_a, twin_b])
    assert _pairs(decided.linked) == [("Ava Smith", "100002")]


def test_two_students_fitting_one_child_link_neither() -> None:
    result = match_roster([OurChild(1, "José Núñez"), OurChild(2, "Jose Nunez")], [JOSE])

    assert result.linked == []
    assert [s.student_id for s, _ in result.ambiguous] == [1, 2]


def test_an_exact_fit_wins_over_a_near_one_for_the_same_child() -> None:
    result = match_roster([OurChild(1, "Harper Olson"), OurChild(2, "Harper Olsen")], [HARPER])

    assert _pairs(result.linked) == [("Harper Olson", "678901")]
    assert result.needs_review == [] and result.ambiguous == []
    assert [s.name for s in result.unmatched_students] == ["Harper Olsen"]


_word = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzáéíñóúü"), min_size=2, max_size=8)


def _respell(word: str, upper: bool, plain: bool) -> str:
    if plain:
        word = word.translate(str.maketrans("áéíñóúü", "aeinouu"))
    return word.upper() if upper else word


@given(
    first=_word,
    last=st.lists(_word, min_size=1, max_size=2),
    upper=st.booleans(),
    plain=st.booleans(),
    swap=st.booleans(),
    hyphen=st.booleans(),
    born=st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2026, 1, 1))),
)
def test_a_respelled_name_links_exactly_to_its_child(
    first: str,
    last: list[str],
    upper: bool,
    plain: bool,
    swap: bool,
    hyphen: bool,
    born: date | None,
) -> None:
    child = RosterChild("123456", first, "-".join(last), birth_date=born)
    surname = (" " if not hyphen else "-").join(_respell(w, upper, plain) for w in last)
    given_name = _respell(first, upper, plain)
    ours = OurChild(1, f"{surname} {given_name}" if swap else f"{given_name} {surname}", born)

    result = match_roster([ours], [child])

    assert _pairs(result.linked) == [(ours.name, "123456")]


@given(
    names=st.lists(st.sampled_from(["Ava Smith", "Ava Smyth", "Eva Smith", "Ava Smith-Lee"])),
    roster=st.lists(
        st.tuples(
            st.sampled_from(["Ava Smith", "Ava Smyth", "Eva Smith", "Ava Smith-Lee"]),
            st.one_of(st.none(), st.sampled_from([date(2022, 1, 1), date(2023, 1, 1)])),
        ),
        max_size=5,
    ),
)
def test_no_child_or_student_is_matched_twice_and_ties_never_link(
    names: list[str], roster: list[tuple[str, date | None]]
) -> None:
    children = [
        RosterChild(
            f"{100000 + i}", name.partition(" ")[0], name.partition(" ")[2], birth_date=born
        )
        for i, (name, born) in enumerate(roster)
    ]
    students = [OurChild(i, name) for i, name in enumerate(names)]

    result = match_roster(students, children)

    chosen = [c.child_id for _, c in result.linked + result.needs_review]
    assert len(chosen) == len(set(chosen))
    placed = (
        [s.student_id for s, _ in result.linked + result.needs_review]
        + [s.student_id for s, _ in result.ambiguous]
        + [s.student_id for s in result.unmatched_students]
    )
    assert sorted(placed) == list(range(len(names)))
    for ours, child in result.linked:
        rivals = [
            c
            for c in children
            if c is not child
            and name_tokens(c.full_name) == name_tokens(ours.name)
            and c.birth_date == child.birth_date
        ]
        assert rivals == []  # an equally good second child would have made it ambiguous


def test_fit_levels_are_ordered() -> None:
    assert Fit.EXACT_AND_BORN > Fit.EXACT > Fit.NEAR > Fit.NONE
