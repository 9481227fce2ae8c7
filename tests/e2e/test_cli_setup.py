"""`rollcall school …` and `rollcall student …` through the real console script."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import Cli, make_cli
from tests.fixtures.sandbox import SandboxHarness

pytestmark = pytest.mark.slow  # runs the real `rollcall` console script in subprocesses

SCHOOL = "Sunny Days"


@pytest.fixture
def cli(request: pytest.FixtureRequest, tmp_path: Path, sandbox: SandboxHarness) -> Cli:
    return make_cli(request, tmp_path, kindertrack_url=sandbox.url, api_key=sandbox.api_key)


def test_a_director_sets_up_a_school_and_its_students(cli: Cli) -> None:
    # given a school (the first command also creates the database)
    assert cli.run("school", "add", SCHOOL).ok().stdout == (
        "Added school Sunny Days (America/Chicago).\n"
    )

    # when a director registers it and adds students, with mistakes along the way
    # (independent commands, run together)
    (duplicate, bad_zone, other_zone, unknown, wide_digits, no_school, registered, *added) = (
        cli.run_many(
            ("school", "add", "sunny  DAYS"),
            ("school", "add", "Tall Pines", "--timezone", "Mars/Olympus"),
            ("school", "add", "Tall Pines", "--timezone", "America/Denver"),
            ("school", "register", SCHOOL, "--provider-id", "99999"),
            ("school", "register", SCHOOL, "--provider-id", "１２３４５"),
            ("school", "register", "Nowhere", "--provider-id", "12345"),
            ("school", "register", SCHOOL, "--provider-id", " 12345 ", "--username", "Maria L"),
            ("student", "add", SCHOOL, "Ava Smith", "--child-id", "123456"),
            ("student", "add", SCHOOL, "Jose Nunez"),
            ("student", "add", SCHOOL, "Harper Olsen"),
            ("student", "add", SCHOOL, "liam  johnson"),
        )
    )

    # then each mistake is refused in one line, and the rest is done
    assert duplicate.refused() == "A school named Sunny Days already exists."
    assert bad_zone.refused() == (
        "Unknown time zone 'Mars/Olympus': use an IANA name like America/Chicago."
    )
    assert other_zone.ok().stdout == "Added school Tall Pines (America/Denver).\n"
    assert unknown.refused() == "Inactive KinderTrack provider ID."
    assert wide_digits.refused() == (
        "KinderTrack provider ID '１２３４５' uses digits other than 0-9: "
        "a KinderTrack provider ID is exactly 5 digits 0-9, like 12345."
    )
    assert no_school.refused() == "No school named 'Nowhere'. Add it with `rollcall school add`."
    assert registered.ok().stdout == (
        "Registered: Sunny Days is KinderTrack provider 12345 (Sunny Days).\n"
    )
    assert [r.ok().stdout for r in added] == [
        "Added Ava Smith linked to child ID 123456.\n",
        "Added Jose Nunez.\n",
        "Added Harper Olsen.\n",
        "Added liam johnson.\n",
    ]

    # when the director syncs with KinderTrack's roster (and makes more mistakes)
    sync, taken, same_name, same_child, not_on_roster = cli.run_many(
        ("student", "sync", SCHOOL),
        ("school", "register", "Tall Pines", "--provider-id", "12345"),
        ("student", "add", SCHOOL, "AVA SMITH"),
        ("student", "add", SCHOOL, "Eve Smith", "--child-id", "123456"),
        ("student", "link", SCHOOL, "Harper Olsen", "999999"),
    )

    # then exact matches are linked, and what is left is listed both ways
    assert sync.ok().stdout.splitlines() == [
        "Linked Jose Nunez to child ID 234567.",
        "Linked liam johnson to child ID 345678.",
        "2 linked, 1 were already linked.",
        "Needs review (confirm with `rollcall student link SCHOOL NAME CHILD_ID`):",
        "  Harper Olsen -> Harper Olson (678901)?",
        "On KinderTrack's roster but not here: Sofia Martinez (456789), Noah Williams (567890)",
    ]
    assert taken.refused() == (
        "Provider ID 12345 is already registered in Rollcall. If it is your center's, contact "
        "whoever runs Rollcall, or register with a new link code from your center's "
        "KinderTrack administrator."
    )
    assert same_name.refused() == "A student named AVA SMITH already exists in this school."
    assert same_child.refused() == (
        "Child ID 123456 is already linked to another student (Ava Smith)."
    )
    assert not_on_roster.refused() == (
        "KinderTrack has no child 999999 for provider 12345: "
        "check the child ID in the KinderTrack portal."
    )

    # and a link by hand confirms the near match
    linked = cli.run("student", "link", SCHOOL, "harper olsen", "678901")
    assert linked.ok().stdout == "Linked Harper Olsen to child ID 678901.\n"

    # and the director sets when the center closes (the day's problems are sent then)
    closing, bad_closing = cli.run_many(
        ("school", "closing-time", SCHOOL, "17:30"),
        ("school", "closing-time", SCHOOL, "5:30pm"),
    )
    assert closing.ok().stdout == "Sunny Days closes at 17:30 (America/Chicago).\n"
    assert bad_closing.refused() == (
        "Closing time '5:30pm' is not a time of day: write it as HH:MM, like 18:00."
    )
